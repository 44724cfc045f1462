"""Outcomes: what a plugin did with a scenario, read back into plain values.

Each family's runner fills its own outcome type (``families/<family>/outcome.py``);
invariants and reports read them. Every outcome follows :class:`Outcome`: a failed call
(the plugin raised, hung, or returned the wrong type) is recorded as a
:class:`PluginError` instead of a result, so a misbehaving plugin is reported, never a
crash of the kit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["FAILED_CALLS", "Outcome", "PluginError", "failed_call_text"]


@dataclass(frozen=True)
class PluginError:
    """Why one call of a plugin produced no usable answer.

    ``kind`` is ``"raised"`` (an exception escaped), ``"timeout"`` (the call ran past the
    per-call limit), ``"died"`` (the plugin's process ended: an exit, a crash, a kill) or
    ``"type"`` (it returned something OAR3 cannot use). ``traceback`` is the plugin's
    traceback, or the last output of its process.
    """

    kind: str
    summary: str
    traceback: str = ""
    killed: bool = False
    """The kit killed the plugin's process for not answering: the example is reported as
    found, unshrunk, since every further try would cost the per-call limit again."""
    oar3: bool = False
    """OAR3 itself failed on what the plugin's calls left (in a round, or between the
    rounds of a campaign), not a call of the plugin: the plugin's own failed calls are
    reported by its family's check of failed calls, these by the round's checks."""


class Outcome(Protocol):
    """What the driver reads of every family's outcome: the failed call and the time."""

    @property
    def error(self) -> PluginError | None:
        """Why the (first) call gave no usable answer; ``None`` when it did."""

    @property
    def seconds(self) -> float:
        """Wall time of the plugin's call(s), for the run statistics."""


FAILED_CALLS = {
    "raised": "an exception",
    "timeout": "no answer in time",
    "died": "the plugin's process ended",
}
"""What a report says was received from a call that failed, by error kind."""


def failed_call_text(error: PluginError, otherwise: str) -> str:
    """What was received from the failed call ``error`` (``otherwise`` for other kinds)."""
    return FAILED_CALLS.get(error.kind, otherwise)

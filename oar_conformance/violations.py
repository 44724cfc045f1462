"""Violations as values: which invariant, on what scenario, what was received and expected.

A violation's ``key`` stays equal while Hypothesis shrinks a counterexample (it depends on
the invariant and the kind of breach, not on the values), so one failing test is one bug.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Breach", "Unjudged", "Violation"]


@dataclass(frozen=True)
class Breach:
    """What one check found wrong, before the driver adds the invariant and the example.

    ``message`` is one line on what is wrong; ``received`` and ``expected`` are short
    human texts; ``kind`` names the kind of breach (it stays equal while Hypothesis
    shrinks); ``marks`` names resource ids a report should highlight.
    """

    message: str
    received: str = ""
    expected: str = ""
    kind: str = ""
    marks: Mapping[str, frozenset[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Unjudged:
    """What a check yields on an example it cannot decide (a search out of budget, an
    observation that was not made): counted per invariant with ``reason``, never taken
    for a pass."""

    reason: str


@dataclass(frozen=True)
class Violation:
    """One broken invariant.

    ``message`` is one line on what is wrong; ``received`` and ``expected`` are short
    human texts; ``scenario`` and ``outcome`` are the plain values the check read, kept
    for rendering and reproducers; ``marks`` names resource ids a report should highlight.
    """

    invariant_id: str
    title: str
    message: str
    received: str = ""
    expected: str = ""
    kind: str = ""
    scenario: Any = None
    outcome: Any = None
    marks: dict[str, frozenset[int]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """Identity that survives shrinking: invariant id and kind of breach."""
        return (self.invariant_id, self.kind)

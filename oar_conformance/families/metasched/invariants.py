"""Metasched invariants M1, M2: an ``oar.extra_metasched_func`` plugin inside a real round.

Every check has the signature ``check(scenario: RoundScenario, outcome: RoundOutcome)``
and reads plain values only. M2 reports failed calls (an exception, a timeout, a session
left unusable) and OAR3 failing later in the round; the other checks (here and the round
family, :mod:`oar_conformance.families.rounds.invariants`) say nothing about a metasched round
with a failure, so one bug is reported under one id.

M1 judges the calls OAR3 made to the plugin against the queue groups of the scenario. OAR3
calls the plugin once per group of equal priority, highest first, and passes the list it
handed the previous call as ``prev_queues``: the same list object, read again. A plugin
therefore breaks M1 by changing what it was given (removing, adding or reordering queues
in ``queues``, changing a queue's priority or name): the next call then receives a
``prev_queues`` that is not the previous group, and OAR3 schedules the group it was
told, not the one in the database. M1 also catches an OAR3 whose loop differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from oar_conformance.invariant import InvariantSet
from oar_conformance.model import plural
from oar_conformance.outcome import failed_call_text
from oar_conformance.plugins import METASCHED_GROUP
from oar_conformance.violations import Breach

if TYPE_CHECKING:
    from oar_conformance.families.rounds.outcome import RoundOutcome
    from oar_conformance.families.rounds.scenario import RoundScenario

__all__ = ["INVARIANTS", "group_text"]

INVARIANTS: InvariantSet[RoundScenario, RoundOutcome] = InvariantSet(
    "metasched", (METASCHED_GROUP,)
)
"""The metasched family's invariants, in catalogue order."""


def group_text(group: tuple[tuple[str, int], ...] | tuple[str, ...] | None) -> str:
    """A queue group as ``[admin, default]`` (``None`` for no group)."""
    if group is None:
        return "None"
    names = sorted(g if isinstance(g, str) else g[0] for g in group)
    return f"[{', '.join(names)}]"


def _names(group: tuple[tuple[str, int], ...] | None) -> frozenset[str] | None:
    return None if group is None else frozenset(name for name, _ in group)


def m1_once_per_priority(scenario: RoundScenario, outcome: RoundOutcome) -> Iterator[Breach]:
    expected = scenario.priority_groups()
    calls = outcome.calls
    for index, call in enumerate(calls):
        if index >= len(expected):
            yield Breach(
                f"call {index + 1} comes after the {plural(len(expected), 'priority group')}",
                received=plural(len(calls), "call"),
                expected=f"{plural(len(expected), 'call')}, one per priority",
                kind="count",
            )
            return
        want = frozenset(expected[index])
        if _names(call.queues) != want:
            yield Breach(
                f"call {index + 1} received queues {group_text(call.queues)}",
                received=group_text(call.queues),
                expected=f"{group_text(expected[index])} (priority groups highest first)",
                kind="queues",
            )
            return
        want_prev = None if index == 0 else frozenset(expected[index - 1])
        if _names(call.prev_queues) != want_prev:
            yield Breach(
                f"call {index + 1} received prev_queues {group_text(call.prev_queues)}",
                received=group_text(call.prev_queues),
                expected=group_text(None if index == 0 else expected[index - 1]),
                kind="prev-queues",
            )
            return
    if outcome.error is None and len(calls) != len(expected):
        yield Breach(
            f"{plural(len(calls), 'call')} for {plural(len(expected), 'priority group')}",
            received=plural(len(calls), "call"),
            expected=f"{plural(len(expected), 'call')}, one per priority",
            kind="count",
        )


INVARIANTS.register(
    "M1",
    slug="once-per-priority",
    title="called once per distinct queue priority, highest first, with the right prev_queues",
    rationale=(
        "OAR3 hands the plugin each priority group in turn and the previous group as "
        "prev_queues; a plugin that changes the queues it is given corrupts both what the "
        "next call is told and which queues OAR3 schedules."
    ),
    check=m1_once_per_priority,
)


def m2_no_error(scenario: RoundScenario, outcome: RoundOutcome) -> Iterator[Breach]:
    error = outcome.error
    if error is None or error.oar3:  # OAR3's own failure: R1 judges whose doing it was
        return
    failed = next((i for i, c in enumerate(outcome.calls, 1) if c.error or c.session_error), None)
    where = f"call {failed}: " if failed is not None else ""
    received = failed_call_text(
        error,
        "a session that no longer answers SELECT 1" if error.kind == "session" else error.kind,
    )
    yield Breach(
        f"{where}{error.summary} (on {outcome.db})",
        received=received,
        expected="the call returns and the session still answers SELECT 1",
        kind=error.kind,
    )


INVARIANTS.register(
    "M2",
    slug="no-error",
    title="does not raise and leaves the session usable",
    rationale=(
        "The plugin runs inside the meta-scheduler's transaction: an exception, a hang or "
        "an aborted transaction stops the whole scheduling round for every queue."
    ),
    needs=("errors",),
    check=m2_no_error,
)

"""Find invariants F1-F10: what the answers of an ``oar.find_func`` plugin must satisfy.

Every check has the signature ``check(scenario: FindScenario, outcome: FindOutcome)`` and
yields violations; each reads plain ids only. Checks other than F6 say nothing about a call
that failed (F6 reports it), and F2 leaves breaches that F1 or F3 name to them, so one bug
is reported under one id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from oar_conformance.families.find.outcome import FindOutcome
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.hierarchy import (
    UNDECIDED_SPLIT,
    free_region,
    group_problem,
    has_selection,
    split_result,
)
from oar_conformance.invariant import InvariantSet, Severity
from oar_conformance.model import ids_text
from oar_conformance.outcome import failed_call_text
from oar_conformance.plugins import FIND_GROUP
from oar_conformance.tally import COST_SLUG, COST_TITLE, Case, costs, vacuity
from oar_conformance.violations import Breach, Unjudged

if TYPE_CHECKING:
    pass

__all__ = ["INVARIANTS"]

INVARIANTS: InvariantSet[FindScenario, FindOutcome] = InvariantSet(
    "find", (FIND_GROUP,), ("repeat", "reference", "reference?")
)
"""The find family's invariants, in catalogue order."""

Ids = frozenset[int]


def _allowed(scenario: FindScenario) -> Ids:
    return scenario.available & frozenset().union(*(g.constraints for g in scenario.groups))


def _f1_breached(scenario: FindScenario, result: Ids) -> bool:
    return not result <= _allowed(scenario)


def _starved_groups(scenario: FindScenario, result: Ids) -> list[int]:
    """Groups (0-based) left without any valid answer in ``result`` while others got one."""
    if len(scenario.groups) < 2:
        return []
    starved = []
    for i, g in enumerate(scenario.groups):
        free = free_region(g, scenario.available)
        if not has_selection(scenario.platform, g, free & result, free):
            starved.append(i)
    return starved if len(starved) < len(scenario.groups) else []


def f1_inside_availability(scenario: FindScenario, outcome: FindOutcome) -> Iterator[Breach]:
    result = outcome.result
    if not result:
        return
    busy = result - scenario.available
    outside = (result & scenario.available) - _allowed(scenario)
    if busy:
        yield Breach(
            f"returned busy resources {ids_text(busy)}",
            received=ids_text(result),
            expected=f"a subset of the available resources {ids_text(scenario.available)}"
            if scenario.available
            else "an empty ProcSet: every resource is busy",
            kind="busy",
        )
    if outside:
        allowed = _allowed(scenario)
        yield Breach(
            f"returned resources {ids_text(outside)} outside every group's constraints",
            received=ids_text(result),
            expected=f"a subset of {ids_text(allowed)}" if allowed else _nothing_allowed(scenario),
            kind="constraints",
        )


INVARIANTS.register(
    "F1",
    slug="inside-availability",
    title="result inside availability and the group's constraints",
    rationale=(
        "OAR3 books whatever the plugin returns; a busy resource is double-booked and a "
        "resource outside the job's property constraints breaks the user's request."
    ),
    check=f1_inside_availability,
)


def _nothing_allowed(scenario: FindScenario) -> str:
    """F1's expectation when no available resource meets any group's constraints."""
    if any(g.constraints for g in scenario.groups):
        return "an empty ProcSet: no resource meeting the constraints is available"
    selectors = " or ".join(f"{{{g.expression}}}" for g in scenario.groups if g.expression)
    return f"an empty ProcSet: nothing matches {selectors or 'the constraints'}"


def f2_hierarchy_satisfied(
    scenario: FindScenario, outcome: FindOutcome
) -> Iterator[Breach | Unjudged]:
    result = outcome.result
    if not result or _f1_breached(scenario, result) or _starved_groups(scenario, result):
        return
    split = split_result(scenario.platform, scenario.groups, scenario.available, result)
    if split.undecided:
        yield Unjudged(UNDECIDED_SPLIT)
    if split.parts is not None or split.undecided:
        return
    reasons = []
    for i, group in enumerate(scenario.groups, start=1):
        region = free_region(group, scenario.available)
        problem = group_problem(scenario.platform, group, region, result & region)
        label = f"group {i} ({group.oarsub()})" if len(scenario.groups) > 1 else group.oarsub()
        if problem is not None:
            reasons.append(f"{label}: {problem}")
    if not reasons:
        reasons.append("the groups' answers cannot be told apart into one valid answer each")
    yield Breach(
        "; ".join(reasons),
        received=ids_text(result),
        expected=f"an answer to {scenario.oarsub()}",
        kind="shape",
    )


INVARIANTS.register(
    "F2",
    slug="hierarchy-satisfied",
    title="requested hierarchy satisfied for every group",
    rationale=(
        "A job asking /host=2/core=2 relies on getting exactly that shape; wrong counts, "
        "broken nesting or partial lowest-level blocks break MPI layouts and accounting."
    ),
    check=f2_hierarchy_satisfied,
)


def f3_all_or_nothing(scenario: FindScenario, outcome: FindOutcome) -> Iterator[Breach]:
    result = outcome.result
    if not result or _f1_breached(scenario, result):
        return
    starved = _starved_groups(scenario, result)
    if starved:
        names = ", ".join(f"group {i + 1} ({scenario.groups[i].oarsub()})" for i in starved)
        yield Breach(
            f"{names} got no valid answer while the other groups were served",
            received=ids_text(result),
            expected="an answer for every group, or an empty ProcSet",
            kind="partial",
        )


INVARIANTS.register(
    "F3",
    slug="all-or-nothing",
    title="all or nothing (never a partial allocation)",
    rationale=(
        "OAR3 starts a job on whatever is returned; serving some groups of a request and "
        "not others starts the job on fewer resources than it asked for."
    ),
    check=f3_all_or_nothing,
)


def f4_inputs_not_mutated(scenario: FindScenario, outcome: FindOutcome) -> Iterator[Breach]:
    if outcome.mutated:
        yield Breach(
            f"the call changed {', '.join(outcome.mutated)}",
            received=f"{', '.join(outcome.mutated)} modified in place",
            expected="inputs left as they were (copy before changing)",
            kind="+".join(outcome.mutated),
        )


INVARIANTS.register(
    "F4",
    slug="inputs-not-mutated",
    title="inputs not mutated (availability, request, hierarchy)",
    rationale=(
        "OAR3 reuses itvs_avail, hy_res_rqts and hy across slots, moldables and jobs; a "
        "plugin that changes them corrupts every later scheduling decision of the round."
    ),
    check=f4_inputs_not_mutated,
)


def f5_deterministic(scenario: FindScenario, outcome: FindOutcome) -> Iterator[Breach]:
    if outcome.error is not None:
        return
    if outcome.repeat_error is not None or outcome.repeat != outcome.result:
        second = (
            f"error: {outcome.repeat_error.summary}"
            if outcome.repeat_error is not None
            else ids_text(outcome.repeat or frozenset(), empty="an empty ProcSet")
        )
        yield Breach(
            "two identical calls gave different answers",
            received=(
                f"first {ids_text(outcome.result or frozenset(), empty='an empty ProcSet')}, "
                f"then {second}"
            ),
            expected="the same answer both times",
            kind="nondeterministic",
        )


INVARIANTS.register(
    "F5",
    slug="deterministic",
    title="deterministic",
    rationale=(
        "OAR3 recomputes the schedule every round; a find that answers differently on the "
        "same inputs makes jobs jump between resources and breaks reservations."
    ),
    needs=("repeat",),
    check=f5_deterministic,
)


def f6_returns_procset(scenario: FindScenario, outcome: FindOutcome) -> Iterator[Breach | Unjudged]:
    error = outcome.error
    if error is not None and error.oar3:
        yield Unjudged(error.summary)
    elif error is not None:
        yield Breach(
            error.summary,
            received=failed_call_text(error, "a value of the wrong type"),
            expected="a ProcSet (empty for 'no allocation')",
            kind=error.kind,
        )


INVARIANTS.register(
    "F6",
    slug="returns-procset",
    title="returns a ProcSet and does not raise on valid input",
    rationale=(
        "An exception or a wrong return type inside the scheduling loop aborts the whole "
        "round: no job of any queue gets scheduled until the plugin is fixed."
    ),
    needs=("errors",),
    check=f6_returns_procset,
)


def f7_groups_disjoint(scenario: FindScenario, outcome: FindOutcome) -> Iterator[Breach | Unjudged]:
    result = outcome.result
    if not result or len(scenario.groups) < 2:
        return
    platform, groups, available = scenario.platform, scenario.groups, scenario.available
    split = split_result(platform, groups, available, result)
    if split.parts is None:
        if split.undecided:
            yield Unjudged(UNDECIDED_SPLIT)
        return
    disjoint = split_result(platform, groups, available, result, disjoint=True)
    if disjoint.undecided:
        yield Unjudged(UNDECIDED_SPLIT)
    elif disjoint.parts is None:
        yield Breach(
            "the groups' answers overlap: the result is smaller than the sum of the groups",
            received=ids_text(result),
            expected="one separate set of resources per group",
            kind="overlap",
        )


INVARIANTS.register(
    "F7",
    slug="groups-disjoint",
    title="groups disjoint",
    severity=Severity.ADVISORY,
    rationale=(
        "A request a+b usually means a and b on different resources; OAR3's own default "
        "unites overlapping answers, so this is advisory."
    ),
    check=f7_groups_disjoint,
)


def f8_finds_when_default_does(scenario: FindScenario, outcome: FindOutcome) -> Iterator[Breach]:
    if outcome.error is not None or outcome.result or not outcome.reference:
        return
    yield Breach(
        "no allocation, but OAR3's default finds one",
        received="an empty ProcSet",
        expected=f"an allocation, e.g. OAR3's default {ids_text(outcome.reference)}",
        kind="missed",
    )


INVARIANTS.register(
    "F8",
    slug="finds-when-default-does",
    title="finds an allocation whenever OAR3's default does",
    severity=Severity.ADVISORY,
    rationale=(
        "A plugin that gives up where OAR3's default succeeds leaves resources idle and "
        "delays jobs; usually a bug in its search, sometimes a deliberate policy."
    ),
    needs=("reference",),
    check=f8_finds_when_default_does,
)


def _servable(scenario: FindScenario, outcome: FindOutcome) -> bool:
    """Whether the reference allocates: OAR3's default, or the kit's search without OAR3."""
    if outcome.reference is not None:
        return bool(outcome.reference)
    return all(
        has_selection(scenario.platform, group, region, region)
        for group in scenario.groups
        for region in [group.constraints & scenario.available]
    )


def _vacuity_case(scenario: FindScenario, outcome: FindOutcome) -> Case | None:
    if outcome.error is not None:
        return None
    shape = "+".join(g.shape() for g in scenario.groups)
    size = len(scenario.platform.resources)
    reference = "the kit's own search" if outcome.reference is None else "OAR3's default find"
    return (shape, _servable(scenario, outcome), bool(outcome.result), size, reference)


INVARIANTS.register_tally(
    "F9",
    slug="not-vacuous",
    title="allocates on at least 10% of the examples OAR3's default serves",
    rationale=(
        "A plugin that answers 'no allocation' to nearly everything passes every safety "
        "check vacuously: the run looks green and tested nothing. A plugin meant to refuse "
        "most requests says so in the skip table, with its reason."
    ),
    needs=("reference?",),
    tally=vacuity(_vacuity_case),
)


def _timed(scenario: FindScenario, outcome: FindOutcome) -> tuple[int, float] | None:
    if outcome.error is not None:
        return None
    return (len(scenario.platform.resources), outcome.seconds)


INVARIANTS.register_tally(
    "F10",
    slug=COST_SLUG,
    title=COST_TITLE,
    severity=Severity.ADVISORY,
    rationale=(
        "OAR3 calls find for every job and moldable of a round; a plugin fine on 64 "
        "resources and quadratic in the platform stalls the scheduler at the site's size."
    ),
    tally=costs(_timed),
)

"""Sort invariants S1-S5: what an ``oar.jobs_sorting_func`` plugin must return.

Every check has the signature ``check(scenario: SortScenario, outcome: SortOutcome)`` and
yields violations; each reads plain job ids only. Checks other than S4 say nothing about a
first call that raised or timed out (S4 reports it); S2 and S3 say nothing about an
answer that is not a permutation (S1 reports it), and S3 nothing about a plugin that is
not deterministic (S2 reports it), so one bug is reported under one id. An extra call
that fails where the first succeeded is reported by the check that asked for it: S4
never makes that call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oar_conformance.families.sort.outcome import jids_text, permutation_problems, swapped_twins
from oar_conformance.invariant import InvariantSet, Severity
from oar_conformance.outcome import failed_call_text
from oar_conformance.plugins import SORT_GROUP
from oar_conformance.violations import Breach, Unjudged

if TYPE_CHECKING:
    from collections.abc import Iterator

    from oar_conformance.families.sort.outcome import Answer, SortOutcome
    from oar_conformance.families.sort.scenario import SortScenario

__all__ = ["INVARIANTS"]

INVARIANTS: InvariantSet[SortScenario, SortOutcome] = InvariantSet(
    "sort", (SORT_GROUP,), ("repeat", "reorder", "resort")
)
"""The sort family's invariants, in catalogue order."""


def _ordered(scenario: SortScenario, outcome: SortOutcome) -> tuple[int, ...] | None:
    """The first answer when it is a permutation of ``waiting_jids``, else ``None``."""
    order = outcome.result
    if order is None or permutation_problems(scenario.waiting_jids, order):
        return None
    return order


def s1_permutation(scenario: SortScenario, outcome: SortOutcome) -> Iterator[Breach]:
    error = outcome.error
    if error is not None:
        if error.kind == "type":
            yield Breach(
                error.summary,
                received="not a list of job ids",
                expected=f"a permutation of waiting_jids {scenario.waiting_jids}",
                kind="type",
            )
        return
    order = outcome.result or ()
    problems = permutation_problems(scenario.waiting_jids, order)
    messages = {
        "lost": "job{s} {ids} {verb} missing from the answer",
        "duplicated": "job{s} {ids} {verb} returned more than once",
        "invented": "job{s} {ids} {verb} not waiting (not in waiting_jids)",
    }
    for kind, ids in problems.items():
        plural = len(ids) > 1
        yield Breach(
            messages[kind].format(
                s="s" if plural else "", ids=jids_text(ids), verb="are" if plural else "is"
            ),
            received=str(list(order)),
            expected=f"a permutation of waiting_jids {scenario.waiting_jids}",
            kind=kind,
        )


INVARIANTS.register(
    "S1",
    slug="permutation",
    title="permutation of waiting_jids (nothing lost, duplicated or invented)",
    rationale=(
        "OAR3 schedules exactly the jobs of the returned list: a lost job waits forever, a "
        "duplicated one is booked twice, and an invented id crashes the scheduling round."
    ),
    check=s1_permutation,
)


def _other(answer: Answer | None, order: tuple[int, ...]) -> Answer | None:
    """``answer`` when an extra call was made and answered other than ``order``."""
    return answer if answer is not None and answer.order != order else None


def s2_deterministic(scenario: SortScenario, outcome: SortOutcome) -> Iterator[Breach | Unjudged]:
    order = _ordered(scenario, outcome)
    if order is None:
        return
    if outcome.repeat is None or outcome.reorder is None:
        yield Unjudged("the repeated and reordered calls were not made")
        return
    repeat, reorder = _other(outcome.repeat, order), _other(outcome.reorder, order)
    if repeat is not None:
        yield Breach(
            "two identical calls gave different orders",
            received=f"first {list(order)}, then {repeat.text()}",
            expected="the same order both times",
            kind="nondeterministic",
        )
    elif reorder is not None:
        yield Breach(
            "the order depends on the insertion order of waiting_jobs or of queues: with "
            "both reversed (equal inputs) the answer changed",
            received=f"first {list(order)}, then {reorder.text()}",
            expected="the same order: only waiting_jids' order carries meaning",
            kind="order-dependent",
        )


INVARIANTS.register(
    "S2",
    slug="deterministic",
    title="deterministic, including for another dict/list order of equal inputs",
    rationale=(
        "OAR3 sorts again every scheduling round; an order that changes with chance or "
        "with the iteration order of waiting_jobs makes jobs overtake each other at random "
        "and moves every job's predicted start."
    ),
    needs=("repeat", "reorder"),
    check=s2_deterministic,
)


def s3_stable(scenario: SortScenario, outcome: SortOutcome) -> Iterator[Breach | Unjudged]:
    order = _ordered(scenario, outcome)
    if order is None or _other(outcome.repeat, order) or _other(outcome.reorder, order):
        return
    swapped = swapped_twins(scenario, order)
    if swapped:
        a, b = swapped[0]
        yield Breach(
            f"jobs {a} and {b} are identical but for their ids, yet job {b} was put before job {a}",
            received=str(list(order)),
            expected=f"job {a} before job {b}, as in waiting_jids {scenario.waiting_jids}",
            kind="ties",
        )
        return
    resort = outcome.resort
    if resort is None:
        yield Unjudged("the answer was not sorted again")
    elif resort.order != order:
        yield Breach(
            f"sorting the answer again (waiting_jids = {list(order)}) changed it",
            received=resort.text(),
            expected=f"{list(order)} again",
            kind="not-idempotent",
        )


INVARIANTS.register(
    "S3",
    slug="stable",
    title="stable ordering: idempotent, and ties keep input order",
    rationale=(
        "waiting_jids comes in submission (id) order, OAR3's own FIFO; a sort that swaps "
        "equal jobs or reshuffles an already sorted list breaks first-come-first-served "
        "between equals and makes the schedule flap."
    ),
    needs=("repeat", "reorder", "resort"),
    check=s3_stable,
)


def s4_no_error(scenario: SortScenario, outcome: SortOutcome) -> Iterator[Breach | Unjudged]:
    error = outcome.error
    if error is not None and error.oar3:
        yield Unjudged(error.summary)
        return
    if error is None or error.kind == "type":
        return
    edges = scenario.edges()
    where = f" (inputs with {', '.join(edges)})" if edges else ""
    yield Breach(
        f"{error.summary}{where}",
        received=failed_call_text(error, "no answer in time"),
        expected="a list of job ids (waiting_jids itself is a valid answer)",
        kind=error.kind,
    )


INVARIANTS.register(
    "S4",
    slug="no-error",
    title="does not raise on edge inputs (empty, one job, now = 0, no types, config '{}')",
    rationale=(
        "An exception or a hang inside the sort aborts the scheduling of the whole queue "
        "group: none of its jobs gets scheduled until the plugin is fixed."
    ),
    needs=("errors",),
    check=s4_no_error,
)


def s5_inputs_not_mutated(scenario: SortScenario, outcome: SortOutcome) -> Iterator[Breach]:
    if outcome.mutated:
        changed = ", ".join(outcome.mutated)
        yield Breach(
            f"the call changed {changed}",
            received=f"{changed} modified in place",
            expected="inputs left as they were (sort a copy: sorted(waiting_jids, key=...))",
            kind="+".join(sorted({m.split("[")[0] for m in outcome.mutated})),
        )


INVARIANTS.register(
    "S5",
    slug="inputs-not-mutated",
    title="inputs not mutated",
    severity=Severity.ADVISORY,
    rationale=(
        "OAR3 keeps using queues, waiting_jids and waiting_jobs after the sort (to cut the "
        "list, to schedule, to save); changing them in place works today by accident. "
        "Adding attributes to jobs, as OAR3's own karma sort does, is fine."
    ),
    check=s5_inputs_not_mutated,
)

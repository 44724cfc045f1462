"""Assign invariants A1-A12: what an ``oar.assign_func`` plugin must do to a schedule.

Every check has the signature ``check(scenario: AssignScenario, outcome: AssignOutcome)``
and yields violations; each reads plain values only, with its own interval arithmetic
(never OAR3's slot code). Times are OAR3's: a job of walltime ``w`` starting at ``s``
occupies the seconds ``s`` to ``s + w - 1`` inclusive, and a slot ``(begin, end)`` spans
both ends. A1 reports failed calls and malformed answers; the other checks say nothing
about a round with a failed call, and judge only the jobs A1 accepts, so one bug is
reported under one id.

A3 judges each job against the slot set it was handed (what the plugin was told); A6
judges the whole schedule against an occupation rebuilt from the scenario's windows and
the jobs' answers alone (what really overlaps), so a slot set corrupted by an earlier job
shows as A5 and A6, not as A3 of the later job that trusted it.

A11 and A12 judge OAR3's job features, which OAR3 enforces only inside its own slot
search: they read what the runner asked OAR3's own code after each call (the quota check
of the placement, the answers of the job's find function), as plain values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from oar_conformance.families.assign.occupation import (
    Segment,
    clashes,
    difference,
    free_over,
    in_slot_sets,
    judged,
    malformed,
    minus,
    moldable_of,
    normalised,
    occupants,
    slot_chain,
    window,
)
from oar_conformance.hierarchy import UNDECIDED_SPLIT, free_region, group_problem, split_result
from oar_conformance.invariant import InvariantSet, Severity
from oar_conformance.model import ids_text, plural, resources_text
from oar_conformance.outcome import failed_call_text
from oar_conformance.plugins import ASSIGN_GROUP
from oar_conformance.tally import COST_SLUG, COST_TITLE, Case, costs, vacuity
from oar_conformance.violations import Breach, Unjudged

if TYPE_CHECKING:
    from oar_conformance.families.assign.outcome import (
        AssignOutcome,
        JobResult,
        Placement,
    )
    from oar_conformance.families.assign.scenario import AssignScenario

__all__ = ["INVARIANTS"]

INVARIANTS: InvariantSet[AssignScenario, AssignOutcome] = InvariantSet(
    "assign", (ASSIGN_GROUP,), ("repeat", "reference")
)
"""The assign family's invariants, in catalogue order."""

Ids = frozenset[int]


# -- plain-value helpers ------------------------------------------------------------------


def _placed_text(placement: Placement) -> str:
    if not placement.scheduled:
        return "unschedulable"
    return f"start {placement.start_time} on {resources_text(placement.res_set or frozenset())}"


# -- the invariants -----------------------------------------------------------------------


def a1_well_formed(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Breach | Unjudged]:
    error = outcome.error
    if error is not None and error.oar3:
        yield Unjudged(error.summary)
        return
    if error is not None:
        failed = next((r.job_id for r in outcome.jobs if r.error is not None), None)
        where = f"job {failed}: " if failed is not None else ""
        yield Breach(
            where + error.summary,
            received=failed_call_text(error, "an answer OAR3 cannot use"),
            expected="the job's attributes set and the slot set split, without raising",
            kind=error.kind,
        )
        return
    for result in outcome.jobs:
        if not result.called:
            continue
        problem = malformed(scenario, result)
        if problem is not None:
            kind, message, expected = problem
            yield Breach(
                f"job {result.job_id}: {message}",
                received=message,
                expected=expected,
                kind=kind,
            )
            return


INVARIANTS.register(
    "A1",
    slug="well-formed",
    title="outcome well formed, and no failed call",
    rationale=(
        "OAR3 saves start_time, res_set, moldable_id and walltime as the plugin leaves "
        "them; a half-set answer, a foreign moldable or an exception breaks the round "
        "for every job of the queue."
    ),
    needs=("errors",),
    check=a1_well_formed,
)


def a2_start_in_time(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Breach]:
    for result in judged(scenario, outcome):
        start = result.start_time
        assert start is not None
        if start < scenario.now:
            yield Breach(
                f"job {result.job_id} starts at {start}, before the slot set begins at "
                f"{scenario.now}",
                received=f"start_time {start}",
                expected=f"a start >= {scenario.now}",
                kind="before-now",
            )
            return
        if start < result.min_start_time:
            yield Breach(
                f"job {result.job_id} starts at {start}, before min_start_time "
                f"{result.min_start_time} (the end of the jobs it depends on)",
                received=f"start_time {start}",
                expected=f"a start >= {result.min_start_time}",
                kind="before-dependencies",
            )
            return


INVARIANTS.register(
    "A2",
    slug="start-in-time",
    title="start >= slot set begin and >= min_start_time",
    rationale=(
        "A job started before now cannot run, and one started before min_start_time runs "
        "before the jobs it depends on have ended."
    ),
    check=a2_start_in_time,
)


def a3_resources_free(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Breach]:
    for result, chain, (start, end) in in_slot_sets(scenario, outcome):
        assert result.res_set is not None
        lo, hi = max(start, chain[0].begin), min(end, chain[-1].end)
        free = free_over(chain, lo, hi) if lo <= hi else frozenset()
        taken = result.res_set - free
        if not taken:
            continue
        unknown = taken - scenario.platform.resources
        what = (
            f"{ids_text(unknown)}, not resources of the platform"
            if unknown
            else f"{ids_text(taken)}, busy at some second of [{start}, {end}]"
        )
        yield Breach(
            f"job {result.job_id} took {what}",
            received=f"res_set {ids_text(result.res_set)} during [{start}, {end}]",
            expected=f"resources free all along: {ids_text(free, empty='none')}",
            kind="unknown" if unknown else "busy",
            marks={"clash": taken},
        )
        return


INVARIANTS.register(
    "A3",
    slug="resources-free",
    title="resources free over the whole [start, start + walltime) in the slot set given",
    rationale=(
        "The slot set is OAR3's record of what is free when; taking a resource it lists "
        "as busy at any second of the job double-books it."
    ),
    check=a3_resources_free,
)


def a4_hierarchy_satisfied(
    scenario: AssignScenario, outcome: AssignOutcome
) -> Iterator[Breach | Unjudged]:
    for result, chain, (start, end) in in_slot_sets(scenario, outcome):
        assert result.res_set is not None
        available = free_over(chain, start, end)
        if not result.res_set <= available:
            continue  # A3's
        moldable = moldable_of(scenario.job(result.job_id), result.moldable_id)
        assert moldable is not None
        groups = moldable.groups
        allowed = frozenset().union(*(g.constraints for g in groups))
        outside = result.res_set - allowed
        if outside:
            yield Breach(
                f"job {result.job_id}, moldable {moldable.id}: took {ids_text(outside)}, "
                "outside every group's constraints",
                received=f"res_set {ids_text(result.res_set)}",
                expected=f"resources among {ids_text(allowed)} ({moldable.oarsub()})"
                if allowed
                else f"no resources: nothing matches {moldable.oarsub()}, so this moldable "
                "cannot be chosen",
                kind="constraints",
                marks={"clash": outside},
            )
            return
        split = split_result(scenario.platform, groups, available, result.res_set)
        if split.undecided:
            yield Unjudged(UNDECIDED_SPLIT)
        if split.parts is not None or split.undecided:
            continue
        reasons = []
        for i, group in enumerate(groups, start=1):
            region = free_region(group, available)
            problem = group_problem(scenario.platform, group, region, result.res_set & region)
            label = f"group {i} ({group.oarsub()})" if len(groups) > 1 else group.oarsub()
            if problem is not None:
                reasons.append(f"{label}: {problem}")
        if not reasons:
            reasons.append("the groups' answers cannot be told apart into one valid answer each")
        yield Breach(
            f"job {result.job_id}, moldable {moldable.id}: " + "; ".join(reasons),
            received=f"res_set {ids_text(result.res_set)}",
            expected=f"an answer to {moldable.oarsub()} among the free {ids_text(available)}",
            kind="shape",
        )
        return


INVARIANTS.register(
    "A4",
    slug="hierarchy-satisfied",
    title="hierarchy and constraints satisfied for the chosen moldable",
    rationale=(
        "The job runs on what the plugin chose; a wrong count or shape of blocks, or "
        "resources outside the job's properties, breaks the user's request."
    ),
    check=a4_hierarchy_satisfied,
)


def a5_slot_set_split(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Breach]:
    if outcome.error is not None:
        return
    for result in outcome.jobs:
        if not result.called or malformed(scenario, result):
            continue
        assert result.before is not None
        assert result.after is not None
        before, broken_before = slot_chain(result.before)
        if broken_before is not None:
            continue
        after, broken = slot_chain(result.after)
        if broken is not None:
            yield Breach(
                f"after job {result.job_id}: {broken}",
                received="a broken slot chain",
                expected="slots linked first to last, second after second",
                kind="chain",
            )
            return
        problem = _split_problem(result, before, after)
        if problem is not None:
            yield Breach(
                f"after job {result.job_id}: {problem[0]}",
                received=problem[1],
                expected=problem[2],
                kind="split",
                marks={"clash": problem[3]},
            )
            return


INVARIANTS.register(
    "A5",
    slug="slot-set-split",
    title="slot set after == slot set before minus the allocation, slot chain well formed",
    rationale=(
        "The next jobs of the round are placed from the slot set the plugin leaves; a "
        "missing or wrong split lets them take the same resources, a broken chain breaks "
        "every later search."
    ),
    check=a5_slot_set_split,
)


def _split_problem(
    result: JobResult, before: Sequence[Segment], after: Sequence[Segment]
) -> tuple[str, str, str, Ids] | None:
    """How the slot set after a call differs from before minus the job's allocation.

    OAR3's ``split_slots`` does not split a slot that ends exactly at ``start +
    walltime``, so the allocation then also covers that one second; both are accepted.
    """
    expected = [normalised(before)]
    if result.placement.scheduled:
        start, end = window(result)
        assert result.res_set is not None
        expected = [normalised(minus(before, start, end, result.res_set))]
        holder = next((s for s in before if s.begin <= end <= s.end), None)
        if holder is not None and holder.end == end + 1:
            expected.append(normalised(minus(before, start, end + 1, result.res_set)))
    actual = normalised(after)
    if actual in expected:
        return None
    found = difference(expected[0], actual)
    if found is None:
        return None
    lo, hi, want, got = found
    if got is None or want is None:
        span = f"[{before[0].begin}, {before[-1].end}]"
        return (
            f"the slot set no longer covers {span} the same way (differs during [{lo}, {hi}])",
            f"slots covering [{after[0].begin}, {after[-1].end}]",
            f"slots covering {span}",
            frozenset(),
        )
    what = "unschedulable, yet the slot set changed" if not result.placement.scheduled else ""
    got_text, want_text = ids_text(got, empty="nothing"), ids_text(want, empty="nothing")
    message = what or f"during [{lo}, {hi}] the slot set lists {got_text} as free"
    return (
        message,
        f"free during [{lo}, {hi}]: {got_text}",
        f"free during [{lo}, {hi}]: {want_text} (before minus the job's resources)",
        want ^ got,
    )


def a6_no_overlap(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Breach]:
    found = clashes(occupants(scenario, outcome))
    if not found:
        return
    first, second, shared, lo, hi = found[0]
    more = f" ({len(found) - 1} more clashes)" if len(found) > 1 else ""
    yield Breach(
        f"{second.label} and {first.label} both hold {ids_text(shared)} during [{lo}, {hi}]" + more,
        received=f"{first.label} on {ids_text(first.ids)} during [{first.start}, {first.end}], "
        f"{second.label} on {ids_text(second.ids)} during [{second.start}, {second.end}]",
        expected="each resource held by one job at a time",
        kind="with-scheduled" if first.job_id is None else "between-jobs",
        marks={"clash": shared},
    )


INVARIANTS.register(
    "A6",
    slug="no-overlap",
    title="no two jobs of one schedule share a resource at the same time",
    rationale=(
        "Two jobs on one resource at once both run slowly or crash; this is the end-to-end "
        "guarantee every part of the scheduler exists to give."
    ),
    check=a6_no_overlap,
)


def a7_deterministic(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Breach]:
    if outcome.error is not None or (outcome.repeat is None and outcome.repeat_error is None):
        return
    first = outcome.placements
    if outcome.repeat_error is None and outcome.repeat == first:
        return
    if outcome.repeat_error is not None:
        detail = f"the second round failed: {outcome.repeat_error.summary}"
    else:
        again = outcome.repeat or ()
        pairs = zip(first, again, strict=False)
        a, b = next(((a, b) for a, b in pairs if a != b), (first[0], first[0]))
        detail = f"job {a.job_id}: first {_describe(a)}, then {_describe(b)}"
    yield Breach(
        "two identical rounds placed the jobs differently",
        received=detail,
        expected="the same placement both times",
        kind="nondeterministic",
    )


INVARIANTS.register(
    "A7",
    slug="deterministic",
    title="deterministic",
    rationale=(
        "OAR3 recomputes the schedule every round; an assign that places jobs differently "
        "on the same inputs makes predicted start times jump and reservations unreliable."
    ),
    needs=("repeat",),
    check=a7_deterministic,
)


def _describe(placement: Placement) -> str:
    if not placement.scheduled:
        return "unschedulable"
    return f"{_placed_text(placement)} (moldable {placement.moldable_id})"


def a8_schedules_when_default_does(
    scenario: AssignScenario, outcome: AssignOutcome
) -> Iterator[Breach]:
    if outcome.error is not None or outcome.reference is None:
        return
    reference = {p.job_id: p for p in outcome.reference}
    for result in outcome.jobs:
        if not result.called or result.placement.scheduled or malformed(scenario, result):
            continue
        default = reference.get(result.job_id)
        if default is not None and default.scheduled:
            yield Breach(
                f"job {result.job_id} left unschedulable, but OAR3's default schedules it",
                received="start_time -1",
                expected=f"a placement, e.g. OAR3's default: {_describe(default)}",
                kind="missed",
            )
            return


INVARIANTS.register(
    "A8",
    slug="schedules-when-default-does",
    title="schedules whenever OAR3's default does",
    severity=Severity.ADVISORY,
    rationale=(
        "A job left unschedulable where OAR3's default places it waits forever; usually a "
        "bug in the plugin's search, sometimes a deliberate policy."
    ),
    needs=("reference",),
    check=a8_schedules_when_default_does,
)


def _vacuity_case(scenario: AssignScenario, outcome: AssignOutcome) -> Case | None:
    if outcome.error is not None or outcome.reference is None:
        return None
    placed = [p.job_id for p in outcome.reference if p.scheduled]
    # The shape of the first job OAR3's default places (its first moldable's request).
    first = next((j for j in scenario.jobs if j.id in placed), scenario.jobs[0])
    shape = "+".join(g.shape() for g in first.moldables[0].groups)
    # The smallest example is shown: fewest resources, then jobs, then booked windows.
    size = (len(scenario.platform.resources) * 100 + len(scenario.jobs)) * 100 + len(scenario.busy)
    return (shape, bool(placed), outcome.allocated, size, "OAR3's default assign")


INVARIANTS.register_tally(
    "A9",
    slug="not-vacuous",
    title="schedules a job on at least 10% of the examples OAR3's default schedules one",
    rationale=(
        "A plugin that leaves every job unschedulable passes every safety check "
        "vacuously: the run looks green and tested nothing. A plugin meant to refuse most "
        "jobs says so in the skip table, with its reason."
    ),
    needs=("reference",),
    tally=vacuity(_vacuity_case, verb="scheduled a job"),
)


def _timed(scenario: AssignScenario, outcome: AssignOutcome) -> tuple[int, float] | None:
    calls = sum(1 for r in outcome.jobs if r.called)
    if outcome.error is not None or not calls:
        return None
    return (len(scenario.platform.resources), outcome.seconds / calls)


INVARIANTS.register_tally(
    "A10",
    slug=COST_SLUG,
    title=COST_TITLE,
    severity=Severity.ADVISORY,
    rationale=(
        "OAR3 calls assign for every job of a round; a plugin fine on 64 resources and "
        "quadratic in the platform stalls the scheduler at the site's size."
    ),
    tally=costs(_timed),
)


def _usage_text(result: JobResult) -> str:
    check = result.quotas
    assert check is not None
    usage = ", ".join(
        f"{u.key}: {plural(u.resources, 'resource')}, {plural(u.jobs, 'job')}" for u in check.usage
    )
    where = f" at [{check.slot[0]}, {check.slot[1]}]" if check.slot is not None else ""
    return f"held{where} before it: {usage}" if usage else "nothing held before it"


def a11_within_quotas(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Breach]:
    for result, _, (start, end) in in_slot_sets(scenario, outcome):
        check = result.quotas
        if check is None or check.ok:
            continue
        job = scenario.job(result.job_id)
        yield Breach(
            f"job {result.job_id} of {job.user} (project {job.project}) breaks the quota "
            f"rule {check.rule} = {check.limit}: {check.message}",
            received=f"{plural(check.job_resources, 'resource')} during [{start}, {end}]; "
            + _usage_text(result),
            expected=f"a placement within rule {check.rule} (OAR3's Quotas.check_slots_quotas "
            "on the slot set given), or a later start",
            kind="jobs" if "jobs" in check.message else "resources",
        )
        return


INVARIANTS.register(
    "A11",
    slug="within-quotas",
    title="a job without no_quotas is placed within the quotas of the slot set given",
    rationale=(
        "With QUOTAS=yes OAR3 checks quotas only inside its own slot search; an assign "
        "plugin with its own search that skips Quotas.check_slots_quotas lets a user or "
        "project take more resources or run more jobs than the site allows."
    ),
    check=a11_within_quotas,
)


def a12_uses_job_find(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Breach]:
    for result in judged(scenario, outcome):
        calls = result.find
        if calls is None or result.res_set in (*calls.answers, calls.window):
            continue
        assert result.res_set is not None
        answers = sorted({ids_text(a, empty="nothing") for a in calls.answers})
        if calls.window is not None:
            own = f"its answer over the job's window: {resources_text(calls.window)}"
        else:
            own = "one of its answers"
        received = f"res_set {ids_text(result.res_set)}; " + (
            f"the function answered {'; '.join(answers)}"
            if answers
            else "the function was never called"
        )
        yield Breach(
            f"job {result.job_id} has type find={calls.name}, but its resources are none of "
            "that function's answers",
            received=received,
            expected=f"resources the job's find function chose, e.g. {own}",
            kind="other-answer" if answers else "not-called",
            marks={"clash": result.res_set ^ (calls.window or frozenset())},
        )
        return


INVARIANTS.register(
    "A12",
    slug="uses-job-find",
    title="a job with a find function is placed on one of that function's answers for its slots",
    rationale=(
        "A job typed find=NAME asks for its own resource selection (a site's topology "
        "or licence rule); OAR3's search calls it, and an assign plugin that picks the "
        "resources itself silently drops the user's request. The job's resources must be "
        "an answer the function gave during the call, or the one it gives over the "
        "resources free all along the job's window."
    ),
    check=a12_uses_job_find,
)

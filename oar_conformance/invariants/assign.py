"""Assign invariants A1-A8: what an ``oar.assign_func`` plugin must do to a schedule.

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
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

from oar_conformance.invariants._hierarchy import free_region, group_problem, split_result
from oar_conformance.invariants._registry import Severity, get, invariant
from oar_conformance.model import Job, Moldable, ids_text
from oar_conformance.violations import Violation

if TYPE_CHECKING:
    from oar_conformance.assign_runner import AssignOutcome, JobResult, Placement, SlotSnapshot
    from oar_conformance.assign_scenario import AssignScenario

__all__ = [
    "Occupant",
    "Segment",
    "clashes",
    "free_over",
    "malformed",
    "occupants",
    "slot_chain",
]

Ids = frozenset[int]


class Segment(NamedTuple):
    """A stretch of time ``[begin, end]`` (inclusive) and the ids free all along it."""

    begin: int
    end: int
    free: Ids


class Occupant(NamedTuple):
    """Something holding ``ids`` over ``[start, end]``: a job already scheduled, or a job."""

    label: str
    start: int
    end: int
    ids: Ids
    job_id: int | None = None


# -- plain-value helpers ------------------------------------------------------------------


def slot_chain(snapshot: SlotSnapshot) -> tuple[tuple[Segment, ...], str | None]:
    """The slots in chain order as segments, or why they do not form a well-formed chain.

    Well formed: each slot is stored under its own id, exactly one slot has ``prev == 0``,
    following ``next`` from it visits every slot once and ends on ``next == 0``, each
    ``prev`` names the slot before, spans are non-empty and each slot begins the second
    after the previous one ends, and the first begins at the slot set's ``begin``.
    """
    if snapshot.unreadable:
        return (), f"the slot set cannot be read: {snapshot.unreadable}"
    slots = {r.key: r for r in snapshot.slots}
    if not slots:
        return (), "the slot set has no slots"
    for key, record in slots.items():
        if record.id != key:
            return (), f"the slot stored under {key} has id {record.id}"
        if record.begin > record.end:
            return (), f"slot {key} ends ({record.end}) before it begins ({record.begin})"
    firsts = sorted(r.id for r in slots.values() if r.prev == 0)
    if len(firsts) != 1:
        return (), f"{len(firsts)} slots have no previous slot ({firsts}); a chain has one"
    chain: list[Segment] = []
    seen: set[int] = set()
    current = slots[firsts[0]]
    if current.begin != snapshot.begin:
        return (), f"the first slot begins at {current.begin}, the slot set at {snapshot.begin}"
    while True:
        seen.add(current.id)
        chain.append(Segment(current.begin, current.end, current.free))
        if current.next == 0:
            break
        following = slots.get(current.next)
        if following is None:
            return (), f"slot {current.id} links to slot {current.next}, which does not exist"
        if following.id in seen:
            return (), f"slot {current.id} links back to slot {following.id}: the chain loops"
        if following.prev != current.id:
            return (), (
                f"slot {following.id} follows slot {current.id} but names slot "
                f"{following.prev} as its previous one"
            )
        if following.begin != current.end + 1:
            return (), (
                f"slot {current.id} ends at {current.end} but the next slot {following.id} "
                f"begins at {following.begin} (slots must follow each other second by second)"
            )
        current = following
    lost = sorted(set(slots) - seen)
    if lost:
        return (), f"slots {lost} are not reachable from the first slot"
    return tuple(chain), None


def free_over(chain: Sequence[Segment], start: int, end: int) -> Ids:
    """Ids free during the whole of ``[start, end]``; empty if the chain does not cover it."""
    if not chain or start < chain[0].begin or end > chain[-1].end:
        return frozenset()
    free: Ids | None = None
    for segment in chain:
        if segment.end >= start and segment.begin <= end:
            free = segment.free if free is None else free & segment.free
    return free or frozenset()


def _normalised(chain: Iterable[Segment]) -> list[Segment]:
    """Merge neighbouring segments with the same free ids: equal timelines compare equal."""
    merged: list[Segment] = []
    for segment in chain:
        if merged and merged[-1].free == segment.free and merged[-1].end + 1 == segment.begin:
            merged[-1] = merged[-1]._replace(end=segment.end)
        else:
            merged.append(segment)
    return merged


def _minus(chain: Sequence[Segment], start: int, end: int, ids: Ids) -> list[Segment]:
    """``chain`` with ``ids`` taken away during ``[start, end]``."""
    out: list[Segment] = []
    for seg in chain:
        cuts = [seg.begin, *(t for t in (start, end + 1) if seg.begin < t <= seg.end)]
        bounds = [*cuts, seg.end + 1]
        for lo, hi in pairwise(bounds):
            inside = lo >= start and hi - 1 <= end
            out.append(Segment(lo, hi - 1, seg.free - ids if inside else seg.free))
    return out


def _difference(
    expected: Sequence[Segment], actual: Sequence[Segment]
) -> tuple[int, int, Ids | None, Ids | None] | None:
    """The first stretch of time where two timelines differ: (begin, end, expected, actual)."""
    both = (*expected, *actual)
    points = sorted({s.begin for s in both} | {s.end + 1 for s in both})

    def at(chain: Sequence[Segment], t: int) -> Ids | None:
        i = bisect.bisect_right([s.begin for s in chain], t) - 1
        return chain[i].free if i >= 0 and chain[i].end >= t else None

    for lo, hi in pairwise(points):
        want, got = at(expected, lo), at(actual, lo)
        if want != got:
            return lo, hi - 1, want, got
    return None


def _moldable(job: Job, moldable_id: int | None) -> Moldable | None:
    return next((m for m in job.moldables if m.id == moldable_id), None)


def malformed(scenario: AssignScenario, result: JobResult) -> tuple[str, str, str] | None:
    """Why a called job's answer is not well formed: (kind, message, expected), or None."""
    start, res_set = result.start_time, result.res_set
    job = scenario.job(result.job_id)
    if result.bad_types:
        return "type", "; ".join(result.bad_types), "ints for the times and ids, a ProcSet"
    if start is None or res_set is None:
        unset = [n for n, v in (("start_time", start), ("res_set", res_set)) if v is None]
        return "unset", f"the plugin did not set {' and '.join(unset)}", "both set"
    if start == -1:
        if res_set:
            return (
                "unschedulable-with-resources",
                f"start_time -1 (unschedulable) with res_set {ids_text(res_set)}",
                "an empty res_set when start_time is -1",
            )
        return None
    if start < 0:
        return "negative", f"start_time {start}", "a start >= 0, or -1 for unschedulable"
    if not res_set:
        return "empty", f"start_time {start} with an empty res_set", "the resources it got"
    moldable = _moldable(job, result.moldable_id)
    if moldable is None:
        ids = ", ".join(str(m.id) for m in job.moldables)
        return (
            "moldable",
            f"moldable_id {result.moldable_id} is not one of the job's moldables ({ids})",
            f"one of {ids}",
        )
    walltime = scenario.walltime(moldable)
    if result.walltime != walltime:
        return (
            "walltime",
            f"walltime {result.walltime} for moldable {moldable.id}, whose walltime is "
            f"{walltime} (with the security time)",
            f"walltime {walltime}",
        )
    return None


def _judged(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[JobResult]:
    """Jobs the plugin placed with a well-formed answer (none if a call failed)."""
    if outcome.error is not None:
        return
    for result in outcome.jobs:
        if result.called and result.placement.scheduled and not malformed(scenario, result):
            yield result


def _in_slot_sets(
    scenario: AssignScenario, outcome: AssignOutcome
) -> Iterator[tuple[JobResult, tuple[Segment, ...], tuple[int, int]]]:
    """Placed jobs with the well-formed slot set each was given and its window.

    A job whose slot set was already broken is left to A5, which reports the breakage.
    """
    for result in _judged(scenario, outcome):
        assert result.before is not None
        chain, broken = slot_chain(result.before)
        if broken is None:
            yield result, chain, _window(result)


def _window(result: JobResult) -> tuple[int, int]:
    """The seconds a placed job occupies, ``[start, start + walltime - 1]``."""
    assert result.start_time is not None
    assert result.walltime is not None
    return result.start_time, result.start_time + result.walltime - 1


def occupants(scenario: AssignScenario, outcome: AssignOutcome) -> list[Occupant]:
    """The jobs already scheduled, then every well-formed placed job, as occupants."""
    found = [Occupant("already scheduled", w.start, w.end, w.ids) for w in scenario.busy]
    for result in _judged(scenario, outcome):
        start, end = _window(result)
        assert result.res_set is not None
        found.append(Occupant(f"job {result.job_id}", start, end, result.res_set, result.job_id))
    return found


def clashes(found: Sequence[Occupant]) -> list[tuple[Occupant, Occupant, Ids, int, int]]:
    """Pairs holding the same ids at the same time, at least one being a waiting job.

    Each is ``(earlier, later, shared ids, first second, last second)``.
    """
    out = []
    for i, first in enumerate(found):
        for second in found[i + 1 :]:
            if first.job_id is None and second.job_id is None:
                continue
            lo, hi = max(first.start, second.start), min(first.end, second.end)
            shared = first.ids & second.ids
            if lo <= hi and shared:
                out.append((first, second, shared, lo, hi))
    return out


def _placed_text(placement: Placement) -> str:
    if not placement.scheduled:
        return "unschedulable"
    return f"start {placement.start_time} on {ids_text(placement.res_set or frozenset())}"


# -- the invariants -----------------------------------------------------------------------


@invariant(
    "A1",
    family="assign",
    slug="well-formed",
    title="outcome well formed, and no failed call",
    rationale=(
        "OAR3 saves start_time, res_set, moldable_id and walltime as the plugin leaves "
        "them; a half-set answer, a foreign moldable or an exception breaks the round "
        "for every job of the queue."
    ),
    needs=("errors",),
)
def a1_well_formed(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Violation]:
    error = outcome.error
    if error is not None:
        failed = next((r.job_id for r in outcome.jobs if r.error is not None), None)
        where = f"job {failed}: " if failed is not None else ""
        yield get("A1").violation(
            where + error.summary,
            received={"raised": "an exception", "timeout": "no answer in time"}.get(
                error.kind, "an answer OAR3 cannot use"
            ),
            expected="the job's attributes set and the slot set split, without raising",
            kind=error.kind,
            scenario=scenario,
            outcome=outcome,
        )
        return
    for result in outcome.jobs:
        if not result.called:
            continue
        problem = malformed(scenario, result)
        if problem is not None:
            kind, message, expected = problem
            yield get("A1").violation(
                f"job {result.job_id}: {message}",
                received=message,
                expected=expected,
                kind=kind,
                scenario=scenario,
                outcome=outcome,
            )
            return


@invariant(
    "A2",
    family="assign",
    slug="start-in-time",
    title="start >= slot set begin and >= min_start_time",
    rationale=(
        "A job started before now cannot run, and one started before min_start_time runs "
        "before the jobs it depends on have ended."
    ),
)
def a2_start_in_time(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Violation]:
    for result in _judged(scenario, outcome):
        start = result.start_time
        assert start is not None
        if start < scenario.now:
            yield get("A2").violation(
                f"job {result.job_id} starts at {start}, before the slot set begins at "
                f"{scenario.now}",
                received=f"start_time {start}",
                expected=f"a start >= {scenario.now}",
                kind="before-now",
                scenario=scenario,
                outcome=outcome,
            )
            return
        if start < result.min_start_time:
            yield get("A2").violation(
                f"job {result.job_id} starts at {start}, before min_start_time "
                f"{result.min_start_time} (the end of the jobs it depends on)",
                received=f"start_time {start}",
                expected=f"a start >= {result.min_start_time}",
                kind="before-dependencies",
                scenario=scenario,
                outcome=outcome,
            )
            return


@invariant(
    "A3",
    family="assign",
    slug="resources-free",
    title="resources free over the whole [start, start + walltime) in the slot set given",
    rationale=(
        "The slot set is OAR3's record of what is free when; taking a resource it lists "
        "as busy at any second of the job double-books it."
    ),
)
def a3_resources_free(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Violation]:
    for result, chain, (start, end) in _in_slot_sets(scenario, outcome):
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
        yield get("A3").violation(
            f"job {result.job_id} took {what}",
            received=f"res_set {ids_text(result.res_set)} during [{start}, {end}]",
            expected=f"resources free all along: {ids_text(free) if free else 'none'}",
            kind="unknown" if unknown else "busy",
            scenario=scenario,
            outcome=outcome,
            marks={"clash": taken},
        )
        return


@invariant(
    "A4",
    family="assign",
    slug="hierarchy-satisfied",
    title="hierarchy and constraints satisfied for the chosen moldable",
    rationale=(
        "The job runs on what the plugin chose; a wrong count or shape of blocks, or "
        "resources outside the job's properties, breaks the user's request."
    ),
)
def a4_hierarchy_satisfied(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Violation]:
    for result, chain, (start, end) in _in_slot_sets(scenario, outcome):
        assert result.res_set is not None
        available = free_over(chain, start, end)
        if not result.res_set <= available:
            continue  # A3's
        moldable = _moldable(scenario.job(result.job_id), result.moldable_id)
        assert moldable is not None
        groups = moldable.groups
        allowed = frozenset().union(*(g.constraints for g in groups))
        outside = result.res_set - allowed
        if outside:
            yield get("A4").violation(
                f"job {result.job_id}, moldable {moldable.id}: took {ids_text(outside)}, "
                "outside every group's constraints",
                received=f"res_set {ids_text(result.res_set)}",
                expected=f"resources among {ids_text(allowed)} ({moldable.oarsub()})",
                kind="constraints",
                scenario=scenario,
                outcome=outcome,
                marks={"clash": outside},
            )
            return
        split = split_result(scenario.platform, groups, available, result.res_set)
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
        yield get("A4").violation(
            f"job {result.job_id}, moldable {moldable.id}: " + "; ".join(reasons),
            received=f"res_set {ids_text(result.res_set)}",
            expected=f"an answer to {moldable.oarsub()} among the free {ids_text(available)}",
            kind="shape",
            scenario=scenario,
            outcome=outcome,
        )
        return


@invariant(
    "A5",
    family="assign",
    slug="slot-set-split",
    title="slot set after == slot set before minus the allocation, slot chain well formed",
    rationale=(
        "The next jobs of the round are placed from the slot set the plugin leaves; a "
        "missing or wrong split lets them take the same resources, a broken chain breaks "
        "every later search."
    ),
)
def a5_slot_set_split(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Violation]:
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
            yield get("A5").violation(
                f"after job {result.job_id}: {broken}",
                received="a broken slot chain",
                expected="slots linked first to last, second after second",
                kind="chain",
                scenario=scenario,
                outcome=outcome,
            )
            return
        problem = _split_problem(result, before, after)
        if problem is not None:
            yield get("A5").violation(
                f"after job {result.job_id}: {problem[0]}",
                received=problem[1],
                expected=problem[2],
                kind="split",
                scenario=scenario,
                outcome=outcome,
                marks={"clash": problem[3]},
            )
            return


def _split_problem(
    result: JobResult, before: Sequence[Segment], after: Sequence[Segment]
) -> tuple[str, str, str, Ids] | None:
    """How the slot set after a call differs from before minus the job's allocation.

    OAR3's ``split_slots`` does not split a slot that ends exactly at ``start +
    walltime``, so the allocation then also covers that one second; both are accepted.
    """
    expected = [_normalised(before)]
    if result.placement.scheduled:
        start, end = _window(result)
        assert result.res_set is not None
        expected = [_normalised(_minus(before, start, end, result.res_set))]
        holder = next((s for s in before if s.begin <= end <= s.end), None)
        if holder is not None and holder.end == end + 1:
            expected.append(_normalised(_minus(before, start, end + 1, result.res_set)))
    actual = _normalised(after)
    if actual in expected:
        return None
    found = _difference(expected[0], actual)
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
    message = what or f"during [{lo}, {hi}] the slot set lists {ids_text(got)} as free"
    return (
        message,
        f"free during [{lo}, {hi}]: {ids_text(got)}",
        f"free during [{lo}, {hi}]: {ids_text(want)} (before minus the job's resources)",
        want ^ got,
    )


@invariant(
    "A6",
    family="assign",
    slug="no-overlap",
    title="no two jobs of one schedule share a resource at the same time",
    rationale=(
        "Two jobs on one resource at once both run slowly or crash; this is the end-to-end "
        "guarantee every part of the scheduler exists to give."
    ),
)
def a6_no_overlap(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Violation]:
    found = clashes(occupants(scenario, outcome))
    if not found:
        return
    first, second, shared, lo, hi = found[0]
    more = f" ({len(found) - 1} more clashes)" if len(found) > 1 else ""
    yield get("A6").violation(
        f"{second.label} and {first.label} both hold {ids_text(shared)} during [{lo}, {hi}]" + more,
        received=f"{first.label} on {ids_text(first.ids)} during [{first.start}, {first.end}], "
        f"{second.label} on {ids_text(second.ids)} during [{second.start}, {second.end}]",
        expected="each resource held by one job at a time",
        kind="with-scheduled" if first.job_id is None else "between-jobs",
        scenario=scenario,
        outcome=outcome,
        marks={"clash": shared},
    )


@invariant(
    "A7",
    family="assign",
    slug="deterministic",
    title="deterministic",
    rationale=(
        "OAR3 recomputes the schedule every round; an assign that places jobs differently "
        "on the same inputs makes predicted start times jump and reservations unreliable."
    ),
    needs=("repeat",),
)
def a7_deterministic(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[Violation]:
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
    yield get("A7").violation(
        "two identical rounds placed the jobs differently",
        received=detail,
        expected="the same placement both times",
        kind="nondeterministic",
        scenario=scenario,
        outcome=outcome,
    )


def _describe(placement: Placement) -> str:
    if not placement.scheduled:
        return "unschedulable"
    return f"{_placed_text(placement)} (moldable {placement.moldable_id})"


@invariant(
    "A8",
    family="assign",
    slug="schedules-when-default-does",
    title="schedules whenever OAR3's default does",
    severity=Severity.ADVISORY,
    rationale=(
        "A job left unschedulable where OAR3's default places it waits forever; usually a "
        "bug in the plugin's search, sometimes a deliberate policy."
    ),
    needs=("reference",),
)
def a8_schedules_when_default_does(
    scenario: AssignScenario, outcome: AssignOutcome
) -> Iterator[Violation]:
    if outcome.error is not None or outcome.reference is None:
        return
    reference = {p.job_id: p for p in outcome.reference}
    for result in outcome.jobs:
        if not result.called or result.placement.scheduled or malformed(scenario, result):
            continue
        default = reference.get(result.job_id)
        if default is not None and default.scheduled:
            yield get("A8").violation(
                f"job {result.job_id} left unschedulable, but OAR3's default schedules it",
                received="start_time -1",
                expected=f"a placement, e.g. OAR3's default: {_describe(default)}",
                kind="missed",
                scenario=scenario,
                outcome=outcome,
            )
            return

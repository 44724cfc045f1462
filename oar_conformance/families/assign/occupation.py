"""An independent model of occupation: who holds which resources when, in plain values.

A3, A5 and A6 are judged on this model, not by OAR3's slot code: the slot chain read back
from the runner's snapshots, the windows of the jobs already scheduled, and the placements
the plugin made. Renderers draw the same occupants in the gantt.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import NamedTuple

from oar_conformance.families.assign.outcome import AssignOutcome, JobResult, SlotSnapshot
from oar_conformance.families.assign.scenario import AssignScenario
from oar_conformance.model import Job, Moldable, ids_text

__all__ = [
    "Occupant",
    "Segment",
    "clashes",
    "difference",
    "free_over",
    "in_slot_sets",
    "judged",
    "malformed",
    "minus",
    "moldable_of",
    "normalised",
    "occupants",
    "slot_chain",
    "window",
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


def normalised(chain: Iterable[Segment]) -> list[Segment]:
    """Merge neighbouring segments with the same free ids: equal timelines compare equal."""
    merged: list[Segment] = []
    for segment in chain:
        if merged and merged[-1].free == segment.free and merged[-1].end + 1 == segment.begin:
            merged[-1] = merged[-1]._replace(end=segment.end)
        else:
            merged.append(segment)
    return merged


def minus(chain: Sequence[Segment], start: int, end: int, ids: Ids) -> list[Segment]:
    """``chain`` with ``ids`` taken away during ``[start, end]``."""
    out: list[Segment] = []
    for seg in chain:
        cuts = [seg.begin, *(t for t in (start, end + 1) if seg.begin < t <= seg.end)]
        bounds = [*cuts, seg.end + 1]
        for lo, hi in pairwise(bounds):
            inside = lo >= start and hi - 1 <= end
            out.append(Segment(lo, hi - 1, seg.free - ids if inside else seg.free))
    return out


def difference(
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


def moldable_of(job: Job, moldable_id: int | None) -> Moldable | None:
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
    moldable = moldable_of(job, result.moldable_id)
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


def judged(scenario: AssignScenario, outcome: AssignOutcome) -> Iterator[JobResult]:
    """Jobs the plugin placed with a well-formed answer (none if a call failed)."""
    if outcome.error is not None:
        return
    for result in outcome.jobs:
        if result.called and result.placement.scheduled and not malformed(scenario, result):
            yield result


def in_slot_sets(
    scenario: AssignScenario, outcome: AssignOutcome
) -> Iterator[tuple[JobResult, tuple[Segment, ...], tuple[int, int]]]:
    """Placed jobs with the well-formed slot set each was given and its window.

    A job whose slot set was already broken is left to A5, which reports the breakage.
    """
    for result in judged(scenario, outcome):
        assert result.before is not None
        chain, broken = slot_chain(result.before)
        if broken is None:
            yield result, chain, window(result)


def window(result: JobResult) -> tuple[int, int]:
    """The seconds a placed job occupies, ``[start, start + walltime - 1]``."""
    assert result.start_time is not None
    assert result.walltime is not None
    return result.start_time, result.start_time + result.walltime - 1


def occupants(scenario: AssignScenario, outcome: AssignOutcome) -> list[Occupant]:
    """The jobs already scheduled, then every well-formed placed job, as occupants."""
    found = [Occupant("already scheduled", w.start, w.end, w.ids) for w in scenario.busy]
    for result in judged(scenario, outcome):
        start, end = window(result)
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

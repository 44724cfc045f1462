"""Round invariants R1, R2: the schedule a real OAR3 round leaves with the plugin configured.

The plugin under test is configured as a site would: a ``find=``/``assign=`` type on some
waiting jobs, ``JOB_PRIORITY=CUSTOM`` with ``CUSTOM_JOB_SORTING``, or
``EXTRA_METASCHED``. Every check has the signature
``check(scenario: RoundScenario, outcome: RoundOutcome)`` and reads plain values only.

A round that fails is reported by M2 for a metasched plugin; for a find, assign or sort
plugin the failed round is R1's (a round that ends on an exception leaves no schedule),
so one bug is reported under one id.

Times are OAR3's: a job of walltime ``w`` starting at ``s`` occupies the seconds ``s`` to
``s + w + security - 1`` (the security time is kept free after every job).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from typing import TYPE_CHECKING

from oar_conformance.families.rounds.outcome import OTHER_DB
from oar_conformance.hierarchy import split_result
from oar_conformance.invariant import InvariantSet
from oar_conformance.model import Group, ids_text
from oar_conformance.plugins import ENTRY_POINT_GROUPS, METASCHED_GROUP
from oar_conformance.violations import Breach

if TYPE_CHECKING:
    from oar_conformance.families.rounds.outcome import GanttEntry, RoundOutcome
    from oar_conformance.families.rounds.scenario import RoundScenario

__all__ = ["INVARIANTS"]

INVARIANTS: InvariantSet[RoundScenario, RoundOutcome] = InvariantSet("round", ENTRY_POINT_GROUPS)
"""The round family's invariants, in catalogue order."""


def _end(entry: GanttEntry, security: int) -> int:
    return entry.start + entry.walltime + security - 1


_MAX_ORDERS = 4096
"""Most sets of same-priority jobs tried as "placed before" a BEST/HALF_BEST job."""


def _satisfied(
    scenario: RoundScenario,
    gantt: tuple[GanttEntry, ...],
    entry: GanttEntry,
    groups: tuple[Group, ...],
) -> bool:
    """Whether ``entry``'s resources answer ``groups`` when it was placed.

    BEST and HALF_BEST depend on what was free then: the running jobs and the jobs
    placed before it in the round. Jobs of higher-priority queues were placed before it
    and jobs of lower-priority queues after it; among jobs of equal priority the order
    is the sorting policy's (FIFO, or the sort plugin under test), which the gantt does
    not record. The answer is accepted if it is valid for some set of the overlapping
    equal-priority jobs placed before it (smallest sets first; beyond 4096 sets it is
    accepted unchecked, never reported on a guess).
    """
    security = scenario.job_security_time
    priority = {q.name: q.priority for q in scenario.queues}
    waiting = {job.id: job for job in scenario.jobs}
    mine = priority.get(waiting[entry.job_id].queue, 0)
    before: set[int] = set()
    maybe: list[frozenset[int]] = []
    for other in gantt:
        if other is entry or other.job_id <= 0:
            continue
        if other.start > _end(entry, security) or entry.start > _end(other, security):
            continue
        job = waiting.get(other.job_id)
        level = priority.get(job.queue, 0) if job is not None else mine
        if other.running or level > mine:
            before |= other.ids
        elif level == mine:
            maybe.append(other.ids)
    if 2 ** len(maybe) > _MAX_ORDERS:
        return True
    platform = scenario.platform
    for size in range(len(maybe) + 1):
        for chosen in combinations(maybe, size):
            taken = frozenset(before).union(*chosen)
            free = (platform.resources - taken) | entry.ids
            split = split_result(platform, groups, free, entry.ids)
            if split.parts is not None or split.undecided:
                return True
    return False


def _label(entry: GanttEntry) -> str:
    return f"{'running ' if entry.running else ''}job {entry.job_id}"


@INVARIANTS.register(
    "R1",
    slug="gantt-valid",
    title="the gantt has no overlap and every job's resources satisfy its request",
    rationale=(
        "OAR3 launches jobs from the gantt as it is left: two jobs on one resource at "
        "once, a running job moved, or resources that do not match the request break "
        "the jobs of users who did nothing wrong."
    ),
)
def r1_gantt_valid(scenario: RoundScenario, outcome: RoundOutcome) -> Iterator[Breach]:
    error = outcome.error
    if error is not None:
        if outcome.group != METASCHED_GROUP:
            yield Breach(
                f"the round failed (on {outcome.db}): {error.summary}",
                received={
                    "timeout": "a plugin call with no answer in time",
                    "died": "the plugin's process ended",
                }.get(error.kind, "a round ended by an exception"),
                expected="a round that completes and leaves a schedule",
                kind="round-failed",
            )
        return
    gantt = outcome.gantt
    platform = scenario.platform
    security = scenario.job_security_time

    def violation(
        message: str, kind: str, received: str, expected: str, marks: frozenset[int]
    ) -> Breach:
        return Breach(
            message,
            received=received,
            expected=expected,
            kind=kind,
            marks={"clash": marks},
        )

    running = {r.id: r for r in scenario.running}
    for entry in gantt:
        unknown = entry.ids - platform.resources
        if unknown or not entry.ids:
            yield violation(
                f"{_label(entry)} holds {ids_text(entry.ids)} in the gantt",
                "unknown",
                f"resources {ids_text(entry.ids)}",
                "a non-empty set of the platform's resources",
                unknown,
            )
            return
        if entry.running:
            was = running[entry.job_id]
            if (entry.start, entry.ids) != (was.start, was.ids):
                yield violation(
                    f"running job {entry.job_id} moved in the gantt",
                    "running-moved",
                    f"{ids_text(entry.ids)} from {entry.start}",
                    f"{ids_text(was.ids)} from {was.start}, as it runs",
                    entry.ids ^ was.ids,
                )
                return
            continue
        job = scenario.job(entry.job_id) if entry.job_id > 0 else None
        moldable = (
            next((m for m in job.moldables if m.id == entry.moldable_id), None) if job else None
        )
        if job is None or moldable is None:
            yield violation(
                f"the gantt holds a moldable that belongs to no waiting job (job {entry.job_id})",
                "unknown-job",
                f"job {entry.job_id}, moldable {entry.moldable_id}",
                "only moldables of the scenario's jobs",
                entry.ids,
            )
            return
        if entry.start < scenario.now:
            yield violation(
                f"job {entry.job_id} is planned at {entry.start}, before now ({scenario.now})",
                "past",
                f"start {entry.start}",
                f"a start >= {scenario.now}",
                entry.ids,
            )
            return
        if not _satisfied(scenario, gantt, entry, moldable.groups):
            yield violation(
                f"job {entry.job_id}: {ids_text(entry.ids)} does not satisfy '{moldable.oarsub()}'",
                "request",
                f"resources {ids_text(entry.ids)}",
                f"resources matching {moldable.oarsub()}",
                entry.ids,
            )
            return
    jobs_seen: dict[int, GanttEntry] = {}
    for entry in gantt:
        if entry.job_id in jobs_seen:
            yield violation(
                f"job {entry.job_id} is in the gantt twice",
                "duplicate",
                f"moldables {jobs_seen[entry.job_id].moldable_id} and {entry.moldable_id}",
                "one entry per job",
                entry.ids,
            )
            return
        jobs_seen[entry.job_id] = entry
    for a, b in combinations(gantt, 2):
        shared = a.ids & b.ids
        if shared and a.start <= _end(b, security) and b.start <= _end(a, security):
            yield violation(
                f"{_label(a)} [{a.start}, {_end(a, security)}] and {_label(b)} "
                f"[{b.start}, {_end(b, security)}] share {ids_text(shared)}",
                "overlap",
                f"{ids_text(shared)} used twice at once",
                "no resource held by two jobs at the same second",
                shared,
            )
            return


@INVARIANTS.register(
    "R2",
    slug="same-on-postgresql",
    title="the same scenario gives the same schedule on sqlite and PostgreSQL",
    rationale=(
        "Sites run OAR3 on PostgreSQL while plugins are often tried on sqlite; SQL that "
        "only one of them accepts, or an order one of them does not guarantee, gives "
        "production a schedule nobody tested."
    ),
    needs=(OTHER_DB,),
)
def r2_same_on_postgresql(scenario: RoundScenario, outcome: RoundOutcome) -> Iterator[Breach]:
    other = outcome.other
    if other is None:
        return
    here = outcome.db
    there = outcome.other_db
    if (outcome.error is None) != (other.error is None):
        failed, worked = (here, there) if outcome.error is not None else (there, here)
        error = outcome.error or other.error
        assert error is not None
        yield Breach(
            f"the round fails on {failed} but not on {worked}: {error.summary}",
            received=f"a failure on {failed} only",
            expected="the same outcome on both databases",
            kind="error",
        )
        return
    mine = {(e.job_id): (e.moldable_id, e.start, e.ids) for e in outcome.gantt}
    theirs = {(e.job_id): (e.moldable_id, e.start, e.ids) for e in other.gantt}
    for job_id in sorted(set(mine) | set(theirs)):
        a, b = mine.get(job_id), theirs.get(job_id)
        if a != b:

            def text(place: tuple[int, int, frozenset[int]] | None) -> str:
                if place is None:
                    return "not in the gantt"
                return f"moldable {place[0]} at {place[1]} on {ids_text(place[2])}"

            yield Breach(
                f"job {job_id}: {text(a)} on {here}, {text(b)} on {there}",
                received=f"{here}: {text(a)}",
                expected=f"as on {there}: {text(b)}",
                kind="schedule",
            )
            return

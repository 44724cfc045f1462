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

from oar_conformance.families.rounds.outcome import OAR3_ALONE, OTHER_DB
from oar_conformance.hierarchy import UNDECIDED_SPLIT, split_result
from oar_conformance.invariant import InvariantSet
from oar_conformance.model import Group, ids_text, resources_text
from oar_conformance.plugins import ENTRY_POINT_GROUPS, METASCHED_GROUP
from oar_conformance.violations import Breach, Unjudged

if TYPE_CHECKING:
    from oar_conformance.families.rounds.outcome import GanttEntry, RoundOutcome
    from oar_conformance.families.rounds.scenario import RoundScenario

__all__ = ["INVARIANTS", "oar3_round_failure", "round_findings"]

INVARIANTS: InvariantSet[RoundScenario, RoundOutcome] = InvariantSet(
    "round", ENTRY_POINT_GROUPS, (OTHER_DB, OAR3_ALONE)
)
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
) -> bool | Unjudged:
    """Whether ``entry``'s resources answer ``groups`` when it was placed (``Unjudged``
    when that cannot be told).

    BEST and HALF_BEST depend on what was free then: the running jobs and the jobs
    placed before it in the round. Jobs of higher-priority queues were placed before it
    and jobs of lower-priority queues after it; among jobs of equal priority the order
    is the sorting policy's (FIFO, or the sort plugin under test), which the gantt does
    not record. The answer is accepted if it is valid for some set of the overlapping
    equal-priority jobs placed before it (smallest sets first; beyond 4096 sets the entry
    is unjudged, never reported on a guess).
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
        return Unjudged(
            f"job {entry.job_id} asks for BEST or HALF_BEST beside {len(maybe)} jobs of its "
            f"priority: more than {_MAX_ORDERS} orders they could have been placed in"
        )
    platform = scenario.platform
    undecided = False
    for size in range(len(maybe) + 1):
        for chosen in combinations(maybe, size):
            taken = frozenset(before).union(*chosen)
            free = (platform.resources - taken) | entry.ids
            split = split_result(platform, groups, free, entry.ids)
            if split.parts is not None:
                return True
            undecided = undecided or split.undecided
    return Unjudged(UNDECIDED_SPLIT) if undecided else False


def _label(entry: GanttEntry) -> str:
    return f"{'running ' if entry.running else ''}job {entry.job_id}"


def oar3_round_failure(outcome: RoundOutcome) -> str | None:
    """Why a round that failed in OAR3's own code is not the plugin's failure: OAR3 failed
    before calling it, or OAR3 alone (its defaults in the plugin's place) fails the same
    round the same way; ``None`` when the failure may be the plugin's."""
    error = outcome.error
    if error is None or not error.oar3:
        return None
    if not outcome.plugin_calls:
        return f"the round failed in OAR3 before the plugin was called: {error.summary}"
    alone = outcome.oar3
    if alone is not None and alone.error is not None and alone.error.summary == error.summary:
        return f"OAR3 alone fails this round the same way: {error.summary}"
    return None


def round_findings(scenario: RoundScenario, outcome: RoundOutcome) -> list[tuple[str, Breach]]:
    """What OAR3 itself broke in a round: a failure that is not the plugin's (R1)."""
    reason = oar3_round_failure(outcome)
    if reason is None:
        return []
    return [("R1", Breach(reason, kind="round-failed"))]


def r1_gantt_valid(scenario: RoundScenario, outcome: RoundOutcome) -> Iterator[Breach | Unjudged]:
    error = outcome.error
    if error is not None:
        not_the_plugins = oar3_round_failure(outcome)
        if not_the_plugins is not None:
            yield Unjudged(not_the_plugins)
        elif outcome.group != METASCHED_GROUP or error.oar3:  # else M2's, one bug one id
            yield Breach(
                f"the round failed (on {outcome.db}): {error.summary}",
                received={
                    "timeout": "a plugin call with no answer in time",
                    "died": "the plugin's process ended",
                    "type": "an answer OAR3 cannot use",
                }.get(
                    error.kind,
                    "OAR3 failing on what the plugin left"
                    if error.oar3
                    else "a round ended by an exception",
                ),
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
            held = resources_text(entry.ids)
            yield violation(
                f"{_label(entry)} holds {held} in the gantt",
                "unknown",
                f"resources {held}" if entry.ids else held,
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
                    f"{resources_text(entry.ids)} from {entry.start}",
                    f"{resources_text(was.ids)} from {was.start}, as it runs",
                    entry.ids ^ was.ids,
                )
                return
            continue
        job = next((j for j in scenario.jobs if j.id == entry.job_id), None)
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
        satisfied = _satisfied(scenario, gantt, entry, moldable.groups)
        if isinstance(satisfied, Unjudged):
            yield satisfied
        elif not satisfied:
            yield violation(
                f"job {entry.job_id}: {ids_text(entry.ids)} does not satisfy {moldable.oarsub()}",
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


INVARIANTS.register(
    "R1",
    slug="gantt-valid",
    title="the gantt has no overlap and every job's resources satisfy its request",
    rationale=(
        "OAR3 launches jobs from the gantt as it is left: two jobs on one resource at "
        "once, a running job moved, or resources that do not match the request break "
        "the jobs of users who did nothing wrong."
    ),
    confirm=(OAR3_ALONE,),
    check=r1_gantt_valid,
)


def r2_same_on_postgresql(
    scenario: RoundScenario, outcome: RoundOutcome
) -> Iterator[Breach | Unjudged]:
    other = outcome.other
    if other is None:
        yield Unjudged("the same round on the other database gave no answer to compare")
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
                return f"moldable {place[0]} at {place[1]} on {resources_text(place[2])}"

            yield Breach(
                f"job {job_id}: {text(a)} on {here}, {text(b)} on {there}",
                received=f"{here}: {text(a)}",
                expected=f"as on {there}: {text(b)}",
                kind="schedule",
            )
            return


INVARIANTS.register(
    "R2",
    slug="same-on-postgresql",
    title="the same scenario gives the same schedule on sqlite and PostgreSQL",
    rationale=(
        "Sites run OAR3 on PostgreSQL while plugins are often tried on sqlite; SQL that "
        "only one of them accepts, or an order one of them does not guarantee, gives "
        "production a schedule nobody tested."
    ),
    needs=(OTHER_DB,),
    check=r2_same_on_postgresql,
)

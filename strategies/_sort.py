"""Sort scenarios: the inputs of an ``oar.jobs_sorting_func`` plugin, edge cases included.

Sorting policies read job attributes (queue, user, project, submission time, types,
dependencies, walltime and size), not the shape of requests, so jobs here are drawn
with a light request from a fixed small platform instead of :func:`jobs`' full request
generation: an example costs about a tenth, and a failure shrinks in a second or two.
Numbering (ids with gaps, unique moldable ids, dependencies) is :func:`jobs`' own.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from hypothesis import strategies as st

from oar_conformance.families.sort.scenario import SortScenario
from oar_conformance.model import Group, Job, Level, Moldable, Platform

from ._jobs import (
    _MAX_DEPENDENCIES,
    _MAX_DEPENDENCY_DISTANCE,
    _MAX_ID_STEP,
    _MAX_SUBMISSION,
    MAX_JOBS,
    PROJECTS,
    TYPES,
    USERS,
    _Draft,
    _number,
    _types,
)
from ._queues import queues
from ._shrink import plain
from ._validate import check_int

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["sort_scenarios"]

_MAX_QUEUES = 3
_MAX_TWINS = 4
_MAX_WAIT = 86_400
_MAX_LEVEL = 3
_MAX_WALLTIME_MINUTES = 240

_PLATFORM = Platform(
    (
        Level("host", (frozenset({1, 2}), frozenset({3, 4}))),
        Level("core", tuple(frozenset({rid}) for rid in range(1, 5))),
    )
)
"""Two hosts of two cores: enough for requests of different sizes."""
_EVERYTHING = _PLATFORM.resources
_REQUESTS = tuple(
    Group(levels, _EVERYTHING)
    for levels in (
        (("host", 1),),
        (("host", 1), ("core", 1)),
        (("host", 2),),
        (("host", 2), ("core", 2)),
        (("core", 3),),
    )
)
"""Requests from small to the whole platform, in shrinking order."""
_PLAIN = Moldable(0, 60, (_REQUESTS[0],))


def sort_scenarios(*, max_jobs: int = 20) -> st.SearchStrategy[SortScenario]:
    """Inputs of one sorting call: queues, ``now``, 0..``max_jobs`` jobs and a config.

    The queues are 1..3 queues from :func:`queues`, all ``Active`` and of one priority, as
    OAR3's meta-scheduler groups them. Jobs are numbered as by :func:`jobs` (increasing
    ids with gaps, which is OAR3's waiting order), each in one of the queues (``besteffort``
    type exactly in the besteffort queue), with a user, a project, a submission time
    0..3600, sometimes a type from ``TYPES`` or dependencies on earlier jobs, and 1..2
    moldable alternatives of up to 4 hours on up to the whole 4-core platform. Up to 4
    copies of drawn jobs are inserted later in the list: jobs identical but for their
    ids, which every policy that ignores ids must tie. ``now`` is the latest submission
    time plus up to a day, or 0 with every job submitted at 0. ``config`` is ``"{}"``
    (OAR3's default) or a JSON object of per-user and per-project priorities.

    Empty and one-job lists, ``now = 0``, jobs without types and ``"{}"`` are all
    reached. Shrinks towards one ``default`` queue, no job, ``now = 0`` and ``"{}"``;
    jobs towards ``alice``'s submitted at 0 without types, each with one 60-second
    ``/host=1`` alternative; copies towards none.
    """
    check_int("max_jobs", max_jobs, 0, MAX_JOBS)
    return _sort_scenarios(max_jobs=max_jobs)


_MOLDABLE = st.builds(
    lambda minutes, request: Moldable(0, 60 * minutes, (request,)),
    st.integers(1, _MAX_WALLTIME_MINUTES),
    st.sampled_from(_REQUESTS),
)
_DEPENDENCIES = st.lists(
    st.integers(1, _MAX_DEPENDENCY_DISTANCE), min_size=1, max_size=_MAX_DEPENDENCIES, unique=True
)


@st.composite
def _drafts(draw: st.DrawFn, names: tuple[str, ...]) -> _Draft:
    """One job before numbering (as :func:`jobs` drafts it, with a light request)."""
    if plain(draw):
        return _Draft(1, Job(0, (_PLAIN,), queue=names[0], types=_types(names[0])), ())
    queue = draw(st.sampled_from(names))
    job = Job(
        id=0,
        moldables=tuple(draw(st.lists(_MOLDABLE, min_size=1, max_size=2))),
        queue=queue,
        user=draw(st.sampled_from(USERS)),
        project=draw(st.sampled_from(PROJECTS)),
        submission_time=draw(st.integers(0, _MAX_SUBMISSION)),
        types=_types(queue) or dict(draw(st.sampled_from(TYPES))),
    )
    back = draw(_DEPENDENCIES) if draw(st.integers(0, 4)) == 4 else []
    return _Draft(draw(st.integers(1, _MAX_ID_STEP)), job, tuple(back))


def _configs() -> st.SearchStrategy[str]:
    """``"{}"`` (one time in three) or ``{"priority": {"user": {...}, "project": {...}}}``."""
    level = st.integers(0, _MAX_LEVEL)
    users = st.dictionaries(st.sampled_from(USERS), level, max_size=len(USERS))
    projects = st.dictionaries(st.sampled_from(PROJECTS), level, max_size=len(PROJECTS))
    priority = st.fixed_dictionaries({}, optional={"user": users, "project": projects})
    filled = priority.map(lambda p: json.dumps({"priority": p}, sort_keys=True))
    return st.integers(0, 2).flatmap(lambda gate: filled if gate else st.just("{}"))


_CONFIGS = _configs()
_QUEUE_GROUPS = queues(min_size=1, max_size=_MAX_QUEUES)


@st.composite
def _sort_scenarios(draw: st.DrawFn, *, max_jobs: int) -> SortScenario:
    drawn = draw(_QUEUE_GROUPS)
    group = tuple(replace(q, priority=drawn[0].priority, state="Active") for q in drawn)
    names = tuple(q.name for q in group)
    # No job at all is an edge case worth one example in ten, not the one in four of lists().
    least = 0 if draw(st.integers(0, 3)) == 0 else min(1, max_jobs)
    base = _number(draw(st.lists(_drafts(names), min_size=least, max_size=max_jobs)))
    room = min(_MAX_TWINS, max_jobs - len(base))
    copies: list[tuple[int, int]] = []
    if base and room > 0:
        copy = st.tuples(st.integers(0, len(base) - 1), st.integers(0, len(base) - 1))
        copies = draw(st.lists(copy, max_size=room))
    waiting = _with_twins(base, copies)
    config = draw(_CONFIGS)
    if draw(st.integers(0, 3)) == 0:
        return SortScenario(group, 0, tuple(replace(j, submission_time=0) for j in waiting), config)
    latest = max((job.submission_time for job in waiting), default=0)
    return SortScenario(group, latest + draw(st.integers(0, _MAX_WAIT)), waiting, config)


def _with_twins(base: Sequence[Job], copies: Sequence[tuple[int, int]]) -> tuple[Job, ...]:
    """``base`` with a copy of job ``source`` inserted ``offset`` jobs after it, renumbered.

    Ids stay increasing with ``base``'s gaps (a copy takes the next id), dependencies
    follow the jobs they name, and moldable ids are renumbered uniquely across all jobs.
    """
    slots: list[list[Job]] = [[job] for job in base]
    for source, offset in copies:
        slots[min(source + offset, len(base) - 1)].append(base[source])
    new_ids: dict[int, int] = {}
    ordered: list[tuple[Job, int]] = []
    previous_old = previous_new = 0
    for job, *twins in slots:
        previous_new += job.id - previous_old
        previous_old = job.id
        new_ids[job.id] = previous_new
        ordered.append((job, previous_new))
        for twin in twins:
            previous_new += 1
            ordered.append((twin, previous_new))
    out: list[Job] = []
    moldable_id = 0
    for job, new_id in ordered:
        moldables = tuple(replace(m, id=moldable_id + i) for i, m in enumerate(job.moldables, 1))
        moldable_id += len(moldables)
        dependencies = tuple(new_ids[d] for d in job.dependencies)
        out.append(replace(job, id=new_id, moldables=moldables, dependencies=dependencies))
    return tuple(out)

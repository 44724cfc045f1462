"""Sort scenarios: the inputs of an ``oar.jobs_sorting_func`` plugin, edge cases included."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from hypothesis import strategies as st

from oar_conformance.model import Job
from oar_conformance.sort_scenario import SortScenario

from ._jobs import MAX_JOBS, PROJECTS, USERS, jobs
from ._platforms import platforms
from ._queues import queues
from ._validate import check_int

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["sort_scenarios"]

_MAX_QUEUES = 3
_MAX_RESOURCES = 8
_MAX_TWINS = 4
_MAX_WAIT = 86_400
_MAX_USER_PRIORITY = 3


def sort_scenarios(*, max_jobs: int = 20) -> st.SearchStrategy[SortScenario]:
    """Inputs of one sorting call: queues, ``now``, 0..``max_jobs`` jobs and a config.

    The queues are 1..3 queues from :func:`queues`, all ``Active`` and of one priority, as
    OAR3's meta-scheduler groups them. The jobs come from :func:`jobs` (on a small
    platform, so ``mld_res_rqts`` are real requests), in OAR3's waiting order (ascending
    ids), plus up to 4 copies of drawn jobs inserted later in the list: jobs identical but
    for their ids, which every policy that ignores ids must tie. ``now`` is the latest
    submission time plus up to a day, or 0 with every job submitted at 0. ``config`` is
    ``"{}"`` (OAR3's default) or a JSON object of per-user and per-project priorities.

    Empty and one-job lists, ``now = 0``, jobs without types and ``"{}"`` are all
    reached. Shrinks towards one ``default`` queue, no job, ``now = 0`` and ``"{}"``;
    jobs shrink as :func:`jobs` does, copies towards none.
    """
    check_int("max_jobs", max_jobs, 0, MAX_JOBS)
    return _sort_scenarios(max_jobs=max_jobs)


def _configs() -> st.SearchStrategy[str]:
    """``"{}"`` (one time in three) or ``{"priority": {"user": {...}, "project": {...}}}``."""
    level = st.integers(0, _MAX_USER_PRIORITY)
    users = st.dictionaries(st.sampled_from(USERS), level, max_size=len(USERS))
    projects = st.dictionaries(st.sampled_from(PROJECTS), level, max_size=len(PROJECTS))
    priority = st.fixed_dictionaries({}, optional={"user": users, "project": projects})
    filled = priority.map(lambda p: json.dumps({"priority": p}, sort_keys=True))
    return st.integers(0, 2).flatmap(lambda gate: filled if gate else st.just("{}"))


@st.composite
def _sort_scenarios(draw: st.DrawFn, *, max_jobs: int) -> SortScenario:
    drawn = draw(queues(min_size=1, max_size=_MAX_QUEUES))
    group = tuple(replace(q, priority=drawn[0].priority, state="Active") for q in drawn)
    platform = draw(platforms(max_levels=2, max_resources=_MAX_RESOURCES, properties=False))
    base = draw(jobs(platform, group, max_size=max_jobs))
    room = min(_MAX_TWINS, max_jobs - len(base)) if base else 0
    copies = draw(
        st.lists(
            st.tuples(st.integers(0, len(base) - 1), st.integers(0, len(base))),
            max_size=max(room, 0),
        )
        if room > 0
        else st.just([])
    )
    waiting = _with_twins(base, copies)
    if draw(st.integers(0, 3)) == 0:
        return SortScenario(group, 0, _submitted_at(waiting, 0), draw(_configs()))
    latest = max((job.submission_time for job in waiting), default=0)
    now = latest + draw(st.integers(0, _MAX_WAIT))
    return SortScenario(group, now, waiting, draw(_configs()))


def _with_twins(base: Sequence[Job], copies: Sequence[tuple[int, int]]) -> tuple[Job, ...]:
    """``base`` with a copy of job ``source`` inserted after ``offset`` more jobs, renumbered.

    Ids stay increasing with ``base``'s gaps (a copy takes the next id), dependencies
    follow their jobs, and moldable ids are renumbered uniquely across all jobs.
    """
    slots: list[list[Job]] = [[job] for job in base]
    for source, offset in copies:
        at = min(source + offset, len(base) - 1)
        slots[at].append(base[source])
    new_ids: dict[int, int] = {}
    ordered: list[tuple[Job, int]] = []
    previous_old = previous_new = 0
    for job, *extra in slots:
        new_id = previous_new + (job.id - previous_old)
        new_ids[job.id] = new_id
        previous_old, previous_new = job.id, new_id
        ordered.append((job, new_id))
        for twin in extra:
            previous_new += 1
            ordered.append((twin, previous_new))
    out: list[Job] = []
    moldable_id = 0
    for job, new_id in ordered:
        moldables = tuple(replace(m, id=moldable_id + i) for i, m in enumerate(job.moldables, 1))
        moldable_id += len(moldables)
        dependencies = tuple(new_ids[d] for d in job.dependencies if d in new_ids)
        out.append(replace(job, id=new_id, moldables=moldables, dependencies=dependencies))
    return tuple(out)


def _submitted_at(waiting: Sequence[Job], time: int) -> tuple[Job, ...]:
    return tuple(replace(job, submission_time=time) for job in waiting)

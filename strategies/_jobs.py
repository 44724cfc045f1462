"""Jobs: waiting jobs with moldable alternatives, for assign and sort plugins."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from hypothesis import strategies as st

from oar_conformance.errors import UsageError
from oar_conformance.model import Job, Moldable, Platform, Queue

from ._platforms import index, ints, one_of_values
from ._requests import requests, simplest_group
from ._shrink import plain
from ._validate import check_int, check_order, check_platform

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

MAX_ALTERNATIVES = 4
"""Most moldable alternatives a job may have."""
MAX_WALLTIME = 7 * 24 * 3600
"""Longest walltime (seconds) :func:`moldables` accepts for ``max_walltime``."""
MAX_JOBS = 100
"""Most jobs :func:`jobs` generates at once."""
USERS = ("alice", "bob", "carol")
"""Job owners, in shrinking order."""
PROJECTS = ("default", "physics")
"""Job projects, in shrinking order."""
TYPES: tuple[Mapping[str, str], ...] = ({}, {"timesharing": "*,*"}, {"timesharing": "user,*"})
"""Job types besides ``besteffort``, which goes with (and only with) the besteffort queue."""

_JOB_WALLTIME = 7200
_MAX_SUBMISSION = 3600
_MAX_ID_STEP = 3
_MAX_DEPENDENCIES = 2
_MAX_DEPENDENCY_DISTANCE = 3


def moldables(
    platform: Platform, *, max_alternatives: int = 2, max_walltime: int = 7200
) -> st.SearchStrategy[tuple[Moldable, ...]]:
    """1..``max_alternatives`` moldable alternatives of one job, ids numbered from 1.

    Each has a walltime that is a multiple of 60 seconds up to ``max_walltime`` and a
    request of one or two groups drawn by :func:`requests`.

    Shrinks towards one alternative of 60 seconds whose request shrinks as
    :func:`requests` does.
    """
    check_platform(platform)
    check_int("max_alternatives", max_alternatives, 1, MAX_ALTERNATIVES)
    check_int("max_walltime", max_walltime, 60, MAX_WALLTIME)
    return _moldables(platform, max_alternatives=max_alternatives, max_walltime=max_walltime)


def _moldables(
    platform: Platform, *, max_alternatives: int, max_walltime: int
) -> st.SearchStrategy[tuple[Moldable, ...]]:
    key = (max_alternatives, max_walltime)
    for cached_platform, cached_key, strategy in _RECENT:
        if cached_platform is platform and cached_key == key:
            return strategy
    alternative = _moldable(platform, max_walltime=max_walltime)
    drawn = st.lists(alternative, min_size=1, max_size=max_alternatives)
    strategy = drawn.map(lambda ms: tuple(replace(m, id=i) for i, m in enumerate(ms, start=1)))
    _RECENT.appendleft((platform, key, strategy))
    return strategy


_RECENT: deque[tuple[Platform, tuple[int, int], st.SearchStrategy[tuple[Moldable, ...]]]] = deque(
    maxlen=4
)
"""The last few :func:`_moldables` strategies, with their platform (held, so its ``id``
stays unique): every job of a round draws its alternatives on the same platform."""


@st.composite
def _moldable(draw: st.DrawFn, platform: Platform, *, max_walltime: int) -> Moldable:
    """One alternative, numbered 0 until the list it belongs to is numbered."""
    if plain(draw):
        return _plain_moldable(platform)
    walltime = 60 * draw(ints(1, max_walltime // 60))
    return Moldable(0, walltime, draw(requests(platform, max_groups=2)))


def _plain_moldable(platform: Platform) -> Moldable:
    return Moldable(0, 60, (simplest_group(platform),))


def jobs(
    platform: Platform,
    queues: Sequence[Queue],
    *,
    min_size: int = 0,
    max_size: int = 10,
) -> st.SearchStrategy[tuple[Job, ...]]:
    """``min_size``..``max_size`` waiting jobs on ``platform`` in some of ``queues``.

    Job ids are unique and increasing (with gaps), moldable ids unique across all jobs.
    Each job has 1..2 alternatives from :func:`moldables` (walltimes up to 2 hours), a
    queue from ``queues``, a user from ``USERS``, a project from ``PROJECTS``, a
    submission time 0..3600, sometimes a type from ``TYPES`` (``besteffort`` exactly
    when its queue is named ``besteffort``), and rarely dependencies on earlier jobs.

    Shrinks towards ``min_size`` jobs numbered from 1, in the first queue, submitted at
    0 by ``alice``, without types or dependencies, each with one 60-second alternative.
    """
    check_platform(platform)
    if not queues or not all(isinstance(q, Queue) for q in queues):
        msg = f"queues={queues!r} must be a non-empty sequence of Queue; draw one from queues()"
        raise UsageError(msg)
    check_int("min_size", min_size, 0, MAX_JOBS)
    check_int("max_size", max_size, 0, MAX_JOBS)
    check_order("min_size", min_size, "max_size", max_size)
    names = tuple(q.name for q in queues)
    drafts = st.lists(_drafts(platform, names), min_size=min_size, max_size=max_size)
    return drafts.map(_number)


@dataclass(frozen=True)
class _Draft:
    """A job before numbering: ids are steps, dependencies are distances back."""

    step: int
    job: Job
    back: tuple[int, ...]


@st.composite
def _drafts(draw: st.DrawFn, platform: Platform, queues: tuple[str, ...]) -> _Draft:
    if plain(draw):
        job = Job(0, (_plain_moldable(platform),), queue=queues[0], types=_types(queues[0]))
        return _Draft(1, job, ())
    alternatives = draw(_moldables(platform, max_alternatives=2, max_walltime=_JOB_WALLTIME))
    step = draw(ints(1, _MAX_ID_STEP))
    queue = draw(one_of_values(queues))
    types = _types(queue) or dict(TYPES[index(draw, len(TYPES))])
    back: list[int] = []
    if draw(ints(0, 4)) == 4:
        back = draw(_DEPENDENCIES)
    job = Job(
        id=0,
        moldables=alternatives,
        queue=queue,
        user=draw(one_of_values(USERS)),
        project=draw(one_of_values(PROJECTS)),
        submission_time=draw(ints(0, _MAX_SUBMISSION)),
        types=types,
    )
    return _Draft(step, job, tuple(back))


_DEPENDENCIES = st.lists(
    ints(1, _MAX_DEPENDENCY_DISTANCE), min_size=1, max_size=_MAX_DEPENDENCIES, unique=True
)


def _types(queue: str) -> dict[str, str]:
    """The types a job of ``queue`` must have (OAR puts besteffort jobs in that queue)."""
    return {"besteffort": ""} if queue == "besteffort" else {}


def _number(drafts: list[_Draft]) -> tuple[Job, ...]:
    """Give jobs increasing ids, moldables ids unique across jobs, and dependencies."""
    numbered: list[Job] = []
    job_id = moldable_id = 0
    for position, draft in enumerate(drafts):
        job_id += draft.step
        alternatives = tuple(
            replace(m, id=moldable_id + i) for i, m in enumerate(draft.job.moldables, start=1)
        )
        moldable_id += len(alternatives)
        dependencies = sorted({numbered[position - k].id for k in draft.back if k <= position})
        numbered.append(
            replace(draft.job, id=job_id, moldables=alternatives, dependencies=tuple(dependencies))
        )
    return tuple(numbered)

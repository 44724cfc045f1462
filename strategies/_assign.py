"""Assign scenarios: a platform, jobs already scheduled on it, and waiting jobs to place."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from oar_conformance.families.assign.scenario import AssignScenario, Window
from oar_conformance.model import Job, Platform, Queue
from oar_conformance.site import Site

from ._availability import draw_availability
from ._jobs import MAX_JOBS, jobs
from ._platforms import MAX_RESOURCES, ints, platforms
from ._validate import check_int, check_order

_QUEUE = Queue("default", 0)
_MAX_NOW = 24 * 60
"""Latest ``now``, in minutes."""
_MAX_WINDOWS = 4
_EARLIEST_WINDOW = -60
"""Earliest start of an already scheduled job, in minutes from ``now`` (running jobs)."""
_LATEST_WINDOW = 120
_MAX_WINDOW_LENGTH = 180
_DEPENDENCY_ONE_IN = 3


def assign_scenarios(
    *,
    min_resources: int = 1,
    max_resources: int = 64,
    max_jobs: int = 10,
    site: Site | None = None,
) -> st.SearchStrategy[AssignScenario]:
    """One scheduling round: platform, occupation, and 1..``max_jobs`` waiting jobs.

    The platform comes from :func:`platforms` (``min_resources``..``max_resources``). ``now``
    is a whole minute. Up to four jobs are already scheduled, each on resources drawn as
    by :func:`availability` (whole blocks or runs of ids), starting between an hour
    before ``now`` (still running) and two hours after, for 1 to 180 minutes. The
    waiting jobs come from :func:`jobs` in one ``default`` queue, without types
    (timesharing would let jobs share resources); one in three waits for an earlier job.
    All times are whole minutes, so every slot boundary is too. With a ``site`` the
    platform stays inside it (see :func:`platforms`).

    Shrinks towards ``now`` = 0, nothing already scheduled, and one job asking for one
    top-level block for one minute on a single-resource platform; a dependency shrinks
    towards none, then towards the previous job.
    """
    check_int("min_resources", min_resources, 1, MAX_RESOURCES)
    check_int("max_resources", max_resources, 1, MAX_RESOURCES)
    check_order("min_resources", min_resources, "max_resources", max_resources)
    check_int("max_jobs", max_jobs, 1, MAX_JOBS)
    return _assign_scenarios(
        platforms(min_resources=min_resources, max_resources=max_resources, site=site),
        max_jobs=max_jobs,
    )


@st.composite
def _assign_scenarios(
    draw: st.DrawFn, platform_strategy: st.SearchStrategy[Platform], *, max_jobs: int
) -> AssignScenario:
    platform = draw(platform_strategy)
    now = 60 * draw(ints(0, _MAX_NOW))
    windows = draw(st.lists(_windows(platform, now), max_size=_MAX_WINDOWS))
    waiting = draw(jobs(platform, (_QUEUE,), min_size=1, max_size=max_jobs))
    busy = sorted((w for w in windows if w.ids), key=lambda w: (w.start, w.walltime, sorted(w.ids)))
    placed = tuple(
        replace(job, types={}, dependencies=_dependencies(draw, waiting[:i]))
        for i, job in enumerate(waiting)
    )
    return AssignScenario(platform, now, tuple(busy), placed)


@st.composite
def _windows(draw: st.DrawFn, platform: Platform, now: int) -> Window:
    """A job already scheduled; it ends after ``now`` (OAR3 drops those that ended)."""
    ids = platform.resources - draw_availability(draw, platform)
    first = draw(ints(_EARLIEST_WINDOW, _LATEST_WINDOW))
    length = draw(ints(1, _MAX_WINDOW_LENGTH))
    if first + length <= 0:
        length = 1 - first
    return Window(now + 60 * first, 60 * length, ids)


def _dependencies(draw: st.DrawFn, earlier: tuple[Job, ...]) -> tuple[int, ...]:
    """One job in three waits for an earlier one, the previous one when shrunk."""
    if not earlier or draw(ints(0, _DEPENDENCY_ONE_IN - 1)) != 0:
        return ()
    back = draw(ints(1, len(earlier)))
    return (earlier[-back].id,)

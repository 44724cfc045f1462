"""Round scenarios: queues, running jobs and waiting jobs for one meta-scheduling round."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from hypothesis import strategies as st

from oar_conformance.families.rounds.scenario import RoundScenario, RunningJob
from oar_conformance.model import Job, Platform, Queue
from oar_conformance.site import Site

from ._availability import availability
from ._jobs import MAX_JOBS, jobs
from ._platforms import MAX_RESOURCES, platforms
from ._validate import check_bool, check_int

ROUND_QUEUE_NAMES = ("default", "admin", "q1", "besteffort", "q3")
"""Queue names of a round; waiting jobs of ``besteffort`` have the ``besteffort`` type."""
_MAX_PRIORITY = 3
"""Few priorities, so several queues often share one (one group, one plugin call)."""
_MAX_RUNNING = 3
_RUNNING_ID = 1000
_MAX_NOW = 24 * 60
_EPOCH = 86_400
"""Earliest ``now``: OAR3 misreads running jobs that started before time 0."""


def round_scenarios(
    *,
    max_resources: int = 16,
    max_jobs: int = 8,
    plugin_jobs: bool = False,
    site: Site | None = None,
) -> st.SearchStrategy[RoundScenario]:
    """One meta-scheduling round: platform, queues, running jobs, 0..``max_jobs`` waiting jobs.

    The platform comes from :func:`platforms` (1..``max_resources`` resources, nodes
    Alive or Absent). One to
    four queues have priorities 0..3, often shared, and are mostly ``Active``. ``now`` is
    a whole minute from 86400 on. Up to three jobs are running at ``now`` on disjoint
    resources, started up to an hour before and ending after ``now``, in queues other
    than ``besteffort``; running job ids start at 1001. Waiting jobs come from
    :func:`jobs` in the round's queues (``besteffort`` ones with the ``besteffort``
    type), with their dependencies but without ``timesharing`` (see :func:`_round_types`). With
    ``plugin_jobs`` there is at least one waiting job, the first queue is ``Active``,
    and some of the jobs (shrinking towards all) name the find or assign plugin under
    test (``RoundScenario.plugin_jobs``). With a ``site`` the platform stays inside it.

    Shrinks towards one ``default`` queue of priority 0, ``now`` = 86400, nothing running
    and no waiting job.
    """
    check_int("max_resources", max_resources, 1, MAX_RESOURCES)
    check_int("max_jobs", max_jobs, 0, MAX_JOBS)
    check_bool("plugin_jobs", plugin_jobs)
    return _round_scenarios(
        # No node down: OAR3 would hand jobs a wrong resource (see platforms()).
        platforms(max_resources=max_resources, site=site, down=False),
        max_jobs=max_jobs,
        plugin_jobs=plugin_jobs,
    )


@cache
def _queues() -> st.SearchStrategy[tuple[Queue, ...]]:
    queue = st.tuples(
        st.sampled_from(ROUND_QUEUE_NAMES),
        st.integers(0, _MAX_PRIORITY),
        st.sampled_from(("Active", "Active", "notActive")),
    )
    drawn = st.lists(queue, min_size=1, max_size=4, unique_by=lambda q: q[0])
    return drawn.map(lambda qs: tuple(Queue(n, p, s) for n, p, s in qs))


@st.composite
def _running(
    draw: st.DrawFn, platform: Platform, queues: tuple[Queue, ...], now: int
) -> tuple[RunningJob, ...]:
    taken: frozenset[int] = frozenset()
    running: list[RunningJob] = []
    hosts = [q for q in queues if q.name != "besteffort"]
    if not hosts:
        return ()
    for index in range(draw(st.integers(0, _MAX_RUNNING))):
        ids = platform.resources - draw(availability(platform)) - taken
        if not ids:
            continue
        taken |= ids
        ago = draw(st.integers(0, 60))
        left = draw(st.integers(1, 120))
        queue = draw(st.sampled_from(hosts)).name
        running.append(
            RunningJob(_RUNNING_ID + index + 1, queue, now - 60 * ago, 60 * (ago + left), ids)
        )
    return tuple(running)


def _round_types(job: Job) -> Job:
    """The job without ``timesharing``: OAR3 lets such a job overlap a busy resource.

    OAR3's ``intersec_ts_ph_itvs_slots`` restarts its intersection whenever it is
    empty, so a timesharing job placed after a busy window gets resources that are busy
    during it, and every plugin would fail R1 for OAR3's own fault.
    """
    if "timesharing" in job.types:
        return replace(job, types={k: v for k, v in job.types.items() if k != "timesharing"})
    return job


@st.composite
def _round_scenarios(
    draw: st.DrawFn,
    platform_strategy: st.SearchStrategy[Platform],
    *,
    max_jobs: int,
    plugin_jobs: bool,
) -> RoundScenario:
    platform = draw(platform_strategy)
    queues = draw(_queues())
    if plugin_jobs:
        queues = (replace(queues[0], state="Active"), *queues[1:])
    now = _EPOCH + 60 * draw(st.integers(0, _MAX_NOW))
    running = draw(_running(platform, queues, now))
    least = min(1, max_jobs) if plugin_jobs else 0
    drawn = draw(jobs(platform, queues, min_size=least, max_size=max_jobs))
    waiting = tuple(_round_types(job) for job in drawn)
    chosen: frozenset[int] = frozenset()
    if plugin_jobs and waiting:
        ids = [job.id for job in waiting]
        left_out = draw(st.sets(st.sampled_from(ids), max_size=len(ids) - 1))
        chosen = frozenset(ids) - left_out
    return RoundScenario(platform, now, queues, running, waiting, plugin_jobs=chosen)

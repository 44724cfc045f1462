"""Assign scenarios: a platform, jobs already scheduled on it, and waiting jobs to place."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from oar_conformance.families.assign.scenario import (
    AssignScenario,
    Limit,
    QuotaRule,
    QuotaRules,
    Window,
)
from oar_conformance.find_functions import FIND_FUNCTIONS
from oar_conformance.model import Job, Platform, Queue
from oar_conformance.oar_jobs import FIND_TYPE, JOB_SECURITY_TIME, NO_QUOTAS_TYPE
from oar_conformance.site import Site

from ._availability import draw_availability
from ._jobs import MAX_JOBS, PROJECTS, USERS, jobs
from ._platforms import MAX_RESOURCES, index, ints, one_of_values, platforms
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
_QUOTAS_ONE_IN = 3
"""About one round in three turns quotas on."""
_MAX_QUOTA_JOBS = 3
_MAX_QUOTA_RESOURCES = 32
"""Most waiting jobs and resources with quotas on: OAR3's quota search never uses its
cache and, for a job over a limit, tries every window of the slot set (its #95)."""
_MAX_RULES = 3
_NO_QUOTAS_ONE_IN = 5
_FIND_ONE_IN = 4
"""About one round in four has jobs typed ``find=NAME``, each job one time in two."""
SECURITY_TIMES = (JOB_SECURITY_TIME, 0, 300)
"""``SCHEDULER_JOB_SECURITY_TIME`` values drawn, OAR3's default first (shrinks to it):
none at all, and the five minutes some sites keep between jobs."""
_OTHER_SECURITY_ONE_IN = 4
QUOTA_JOB_TYPES = ("deploy", "cosystem")
"""Job types of quota rounds (one at most per job: OAR3 reads only a job's first type)."""
_RULE_PROJECTS = ("*", "*", "/", *PROJECTS)
_RULE_USERS = ("*", "/", "/", *USERS)
_RULE_TYPES = ("*", "*", "*", *QUOTA_JOB_TYPES)
"""Rule fields, those that match every job more often: a rule that matches no job
checks nothing."""
_RULE_JOBS: tuple[Limit, ...] = (1, 2, -1)
_FIND_ARGS = ("", ":x", ":k=v")


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
    waiting jobs come from :func:`jobs` in one ``default`` queue, without their types
    (timesharing would let jobs share resources); one in three waits for an earlier job.
    All times are whole minutes, so every slot boundary is too. With a ``site`` the
    platform stays inside it (see :func:`platforms`).

    About one round in three turns quotas on: one to three rules of OAR3's quotas file
    (``*``, ``/`` or a name per field; a limit on resources, a number or ``ALL`` or
    ``0.5*ALL``, and on running jobs; no resource-hours limit, which OAR3 sums across
    slots, and no temporal rules), on a platform of at most 32 resources (none when
    ``min_resources`` is larger), with at most three waiting jobs, each with at most one
    of ``QUOTA_JOB_TYPES`` and one in five ``no_quotas``. About one round in four gives
    every other job (on average) the type ``find=NAME`` of one of the kit's find
    functions, sometimes with arguments. One round in four has a
    ``SCHEDULER_JOB_SECURITY_TIME`` other than OAR3's default (0 or 300 s).

    Shrinks towards ``now`` = 0, nothing already scheduled, no quotas, no find types,
    and one job asking for one top-level block for one minute on a single-resource
    platform; a dependency shrinks towards none, then towards the previous job.
    """
    check_int("min_resources", min_resources, 1, MAX_RESOURCES)
    check_int("max_resources", max_resources, 1, MAX_RESOURCES)
    check_order("min_resources", min_resources, "max_resources", max_resources)
    check_int("max_jobs", max_jobs, 1, MAX_JOBS)
    quota_platforms = None
    if min_resources <= _MAX_QUOTA_RESOURCES:
        top = min(max_resources, _MAX_QUOTA_RESOURCES)
        quota_platforms = platforms(min_resources=min_resources, max_resources=top, site=site)
    return _assign_scenarios(
        platforms(min_resources=min_resources, max_resources=max_resources, site=site),
        quota_platforms,
        max_jobs=max_jobs,
    )


@st.composite
def _assign_scenarios(
    draw: st.DrawFn,
    platform_strategy: st.SearchStrategy[Platform],
    quota_platforms: st.SearchStrategy[Platform] | None,
    *,
    max_jobs: int,
) -> AssignScenario:
    if quota_platforms is not None and draw(ints(0, _QUOTAS_ONE_IN - 1)) == _QUOTAS_ONE_IN - 1:
        platform, with_quotas = draw(quota_platforms), True
    else:
        platform, with_quotas = draw(platform_strategy), False
    now = 60 * draw(ints(0, _MAX_NOW))
    windows = draw(st.lists(_windows(platform, now), max_size=_MAX_WINDOWS))
    waiting = draw(jobs(platform, (_QUEUE,), min_size=1, max_size=max_jobs))
    busy = sorted((w for w in windows if w.ids), key=lambda w: (w.start, w.walltime, sorted(w.ids)))
    placed = tuple(
        replace(job, types={}, dependencies=_dependencies(draw, waiting[:i]))
        for i, job in enumerate(waiting)
    )
    quotas = None
    if with_quotas:
        quotas = draw(_quota_rules(platform))
        placed = tuple(_quota_types(draw, job) for job in placed[:_MAX_QUOTA_JOBS])
    if draw(ints(0, _FIND_ONE_IN - 1)) == _FIND_ONE_IN - 1:
        placed = tuple(_find_type(draw, job) for job in placed)
    security = JOB_SECURITY_TIME
    if draw(ints(0, _OTHER_SECURITY_ONE_IN - 1)) == _OTHER_SECURITY_ONE_IN - 1:
        security = SECURITY_TIMES[draw(ints(1, len(SECURITY_TIMES) - 1))]
    return AssignScenario(
        platform, now, tuple(busy), placed, job_security_time=security, quotas=quotas
    )


@st.composite
def _quota_rules(draw: st.DrawFn, platform: Platform) -> QuotaRules:
    """One to three rules; the job types they name are listed, as OAR3 needs."""
    most = len(platform.default_resources)
    limits: tuple[Limit, ...] = (*range(1, min(most, 8) + 1), "0.5*ALL", "ALL", -1)
    rules: dict[str, QuotaRule] = {}
    for _ in range(draw(ints(1, _MAX_RULES))):
        rule = QuotaRule(
            "*",
            draw(one_of_values(_RULE_PROJECTS)),
            draw(one_of_values(_RULE_TYPES)),
            draw(one_of_values(_RULE_USERS)),
            resources=draw(one_of_values(limits)),
            jobs=draw(one_of_values(_RULE_JOBS)),
        )
        rules.setdefault(rule.key, rule)
    named = sorted({r.job_type for r in rules.values()} - {"*"})
    return QuotaRules(tuple(rules.values()), tuple(named))


def _quota_types(draw: st.DrawFn, job: Job) -> Job:
    """At most one of ``QUOTA_JOB_TYPES``, and one job in five ``no_quotas``."""
    types: dict[str, str] = {}
    kind = index(draw, len(QUOTA_JOB_TYPES) + 1)
    if kind:
        types[QUOTA_JOB_TYPES[kind - 1]] = ""
    if draw(ints(0, _NO_QUOTAS_ONE_IN - 1)) == _NO_QUOTAS_ONE_IN - 1:
        types[NO_QUOTAS_TYPE] = ""
    return replace(job, types=types)


def _find_type(draw: st.DrawFn, job: Job) -> Job:
    """One job in two gets ``find=NAME[:args]`` naming one of the kit's find functions."""
    if draw(ints(0, 1)) == 0:
        return job
    name = draw(one_of_values(tuple(FIND_FUNCTIONS)))
    value = name + draw(one_of_values(_FIND_ARGS))
    return replace(job, types={**job.types, FIND_TYPE: value})


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

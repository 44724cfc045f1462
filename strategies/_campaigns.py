"""Campaigns: a platform, OAR3's queues and a list of steps a cluster lives through."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

from oar_conformance.families.campaigns.scenario import (
    CAMPAIGN_QUEUES,
    EPOCH,
    RESOURCE_STATES,
    TICK,
    CampaignScenario,
    Delete,
    End,
    Hold,
    QueueState,
    ResourceState,
    Resume,
    Step,
    Submit,
    Wait,
    advance,
)
from oar_conformance.model import Group, Job, Moldable, Platform
from oar_conformance.site import Site

from ._jobs import USERS
from ._platforms import MAX_RESOURCES, index, ints, one_of_values, platforms
from ._requests import requests
from ._shrink import plain
from ._validate import check_bool, check_int

MAX_STEPS = 200
"""Longest campaign :func:`campaigns` accepts."""
WALLTIMES = (60, 300, 600, 1200, 1800, 3600)
"""Walltimes of campaign jobs (seconds), drawn evenly: most outlive a few ticks, so jobs
run side by side and queue up. A shrunk job lasts one tick, so what follows a job's end
needs few steps."""
_MAX_WAIT = 3600
_MAX_RESERVATION = 1800
_MAX_BACK = 3
_KINDS = ("submit", "wait", "end", "delete", "hold", "resume", "resource", "queue")
"""Step kinds, the most common first; a step shrinks towards a plain submission."""
_WEIGHTS = (6, 2, 3, 1, 1, 1, 1, 1)
_MIN_STEPS = 6
"""Fewest steps of a campaign (``max_steps`` allowing): ``st.lists`` draws about six
entries more than its minimum on average, and a campaign needs steps to build up state.
A shrunk campaign's steps that do not matter become one-minute waits."""
_MIN_RESOURCES = 4
"""Smallest platform of a campaign (when ``max_resources`` allows): jobs must be able to
run side by side for most faults across rounds to show."""


@dataclass(frozen=True)
class _Draft:
    """A step before numbering: jobs are named by how many submissions back they were."""

    step: Step
    back: int = 0
    after: tuple[int, ...] = ()


def campaigns(
    *,
    max_resources: int = 16,
    max_steps: int = 12,
    plugin_jobs: bool = False,
    site: Site | None = None,
) -> st.SearchStrategy[CampaignScenario]:
    """A campaign of 1..``max_steps`` steps on a platform of 4..``max_resources``.

    The platform comes from :func:`platforms` (every resource Alive at first); the
    queues are OAR3's own (``admin`` 10, ``default`` 2, ``besteffort`` 0). Steps are
    mostly submissions: jobs of 1..2 moldable alternatives (walltimes of 1 minute to an
    hour, :data:`WALLTIMES`; requests from :func:`requests`, or one in four half to
    all of the blocks of the lowest level requests may name), mostly in ``default``,
    some in ``admin``, or in ``besteffort`` with that type. One in four is an advance
    reservation (``-r`` 2 to 30 minutes ahead, so the round after the
    submission decides it before its start) and one in four depends on one or two of
    the three previous jobs. The other steps end a job (ok or error), delete, hold or
    resume one (named among the last three submitted), change a resource's state, stop
    or start a queue, or wait up to an hour. With ``plugin_jobs`` every job names the
    find or assign plugin under test.

    At least six steps (``max_steps`` allowing), often about a dozen. Shrinks towards six
    steps (any step can go), each a one-minute wait, the jobs it still submits towards
    ``oarsub -l /resource_id=1,walltime=0:01:00`` in ``default`` (the lowest level
    requests may name, at a site that forbids ``resource_id``).
    """
    check_int("max_resources", max_resources, 1, MAX_RESOURCES)
    check_int("max_steps", max_steps, 1, MAX_STEPS)
    check_bool("plugin_jobs", plugin_jobs)
    low = min(_MIN_RESOURCES, max_resources)
    if site is not None:
        low = min(max(low, site.resources[0]), site.resources[1], max_resources)
    return _campaigns(
        platforms(min_resources=low, max_resources=max_resources, site=site, down=False),
        max_steps=max_steps,
        plugin_jobs=plugin_jobs,
    )


@st.composite
def _campaigns(
    draw: st.DrawFn,
    platform_strategy: st.SearchStrategy[Platform],
    *,
    max_steps: int,
    plugin_jobs: bool,
) -> CampaignScenario:
    platform = draw(platform_strategy)
    least = min(_MIN_STEPS, max_steps)
    steps = _number(draw(st.lists(_drafts(platform), min_size=least, max_size=max_steps)))
    scenario = CampaignScenario(platform, steps)
    if plugin_jobs:
        scenario = replace(scenario, plugin_jobs=frozenset(j.id for j in scenario.jobs))
    return scenario


_QUEUE = st.sampled_from(("default", "default", "default", "admin", "besteffort"))
"""Most jobs go to ``default``, as on a cluster; some to ``admin`` and ``besteffort``."""
_KIND = st.sampled_from(tuple(k for k, w in zip(_KINDS, _WEIGHTS, strict=True) for _ in range(w)))


@st.composite
def _drafts(draw: st.DrawFn, platform: Platform) -> _Draft:
    if plain(draw):
        return _Draft(Wait(TICK))
    kind = draw(_KIND)
    if kind == "submit":
        return _submission(draw, platform)
    if kind == "wait":
        return _Draft(Wait(60 * draw(ints(1, _MAX_WAIT // 60))))
    if kind == "resource":
        rid = sorted(platform.resources)[index(draw, len(platform.resources))]
        return _Draft(ResourceState(rid, draw(one_of_values(RESOURCE_STATES))))
    if kind == "queue":
        name = draw(one_of_values(tuple(q.name for q in CAMPAIGN_QUEUES)))
        return _Draft(QueueState(name, draw(st.booleans())))
    back = draw(ints(1, _MAX_BACK))
    if kind == "end":
        return _Draft(End(0, ok=not draw(st.booleans())), back)
    if kind == "delete":
        return _Draft(Delete(0), back)
    return _Draft(Hold(0) if kind == "hold" else Resume(0), back)


def _submission(draw: st.DrawFn, platform: Platform) -> _Draft:
    count = 1 + index(draw, 2)
    alternatives = tuple(
        Moldable(0, draw(one_of_values(WALLTIMES)), _request(draw, platform)) for _ in range(count)
    )
    queue = draw(_QUEUE)
    reservation = None
    if queue != "besteffort" and index(draw, 4) == 3:
        reservation = 60 * (2 + index(draw, _MAX_RESERVATION // 60 - 1))
    after: tuple[int, ...] = ()
    if index(draw, 4) == 3:
        after = tuple(sorted(draw(st.sets(ints(1, _MAX_BACK), min_size=1, max_size=2))))
    job = Job(
        0,
        alternatives,
        queue=queue,
        user=draw(one_of_values(USERS)),
        types={"besteffort": ""} if queue == "besteffort" else {},
    )
    return _Draft(Submit(job, reservation), after=after)


def _request(draw: st.DrawFn, platform: Platform) -> tuple[Group, ...]:
    """A request from :func:`requests`, or (one in four) a large share of the blocks of the
    lowest level requests may name, as users ask for whole nodes: jobs then queue up
    behind each other."""
    if index(draw, 4) < 3:
        return draw(requests(platform, max_groups=2))
    bottom = platform.level(platform.request_levels[-1])
    count = len(bottom.blocks) - index(draw, max(1, len(bottom.blocks) // 2))
    return (Group(((bottom.name, count),), platform.default_resources),)


def _number(drafts: list[_Draft]) -> tuple[Step, ...]:
    """Number jobs 1, 2, ... by submission; resolve "n submissions back" into ids.

    A step naming a job before the first submission names job 0, which does not exist
    (the step then does nothing).
    """
    steps: list[Step] = []
    submitted: list[int] = []
    moldable_id = 0
    now = EPOCH
    for draft in drafts:
        step = draft.step
        if isinstance(step, Submit):
            job_id = len(submitted) + 1
            alternatives = tuple(
                replace(m, id=moldable_id + i) for i, m in enumerate(step.job.moldables, start=1)
            )
            moldable_id += len(alternatives)
            after = tuple(sorted({submitted[-k] for k in draft.after if k <= len(submitted)}))
            job = replace(
                step.job,
                id=job_id,
                moldables=alternatives,
                dependencies=after,
                submission_time=now,
            )
            step = replace(step, job=job)
            submitted.append(job_id)
        elif isinstance(step, End | Delete | Hold | Resume):
            target = submitted[-draft.back] if draft.back <= len(submitted) else 0
            step = replace(step, job=target)
        steps.append(step)
        now += advance(step)
    return tuple(steps)

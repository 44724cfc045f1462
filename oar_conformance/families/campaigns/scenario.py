"""Campaign scenarios: one platform and its queues, then a numbered list of steps.

A campaign is what a cluster lives through: users submit jobs (with ``oarsub``, ``-r``
for an advance reservation, besteffort), jobs end, users delete, hold and resume jobs,
admins change resources' states and stop or start queues, time passes. Each step is
followed by a *tick*: the clock advances (:data:`TICK` seconds, or a wait's own length),
OAR3's other modules do their part, and one ``meta_schedule`` round runs. Steps are plain
values; jobs are numbered 1, 2, ... in the order they were submitted, and a step that
names a job that is not in a state it applies to does nothing (the script says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from oar_conformance.model import Job, Platform, Queue, _ShortRepr, job_by_id
from oar_conformance.oar_jobs import JOB_SECURITY_TIME

__all__ = [
    "CAMPAIGN_QUEUES",
    "DATA_TYPES",
    "EPOCH",
    "RESOURCE_STATES",
    "SCHEDULING_WINDOW",
    "TICK",
    "CampaignScenario",
    "Delete",
    "End",
    "Hold",
    "QueueState",
    "ResourceState",
    "Resume",
    "Step",
    "Submit",
    "Wait",
]

TICK = 60
"""Seconds the clock advances after every step but a wait."""
EPOCH = 86_400
"""The clock at the first step (OAR3 misreads times before 0)."""
CAMPAIGN_QUEUES = (Queue("admin", 10), Queue("default", 2), Queue("besteffort", 0))
"""OAR3's own queues, as its installation creates them."""
RESOURCE_STATES = ("Alive", "Absent", "Suspected", "Dead")
"""The states an admin (or OAR3's monitoring) gives a resource."""
SCHEDULING_WINDOW = 2
"""``MAX_JOB_PER_QUEUES_GROUP_SCHEDULING_ROUND`` of every campaign: how many waiting jobs
of a queue group a round schedules, first ones of the sorted list. Sites set it so a
round stays short under many waiting jobs; small here, so ordering matters within a
campaign's few jobs."""


@dataclass(frozen=True)
class Submit:
    """``oarsub``: ``job`` (numbered in submission order), at the step's time.

    ``reservation``: ``oarsub -r``, the requested start in seconds after the
    submission (``None`` for a batch job).
    """

    job: Job
    reservation: int | None = None

    def text(self, now: int) -> str:
        options = [] if self.reservation is None else [("-r", str(now + self.reservation))]
        options += [("-a", str(d)) for d in self.job.dependencies]
        return f"{self.job.oarsub(*options)}  -> job {self.job.id}"


@dataclass(frozen=True)
class End:
    """Job ``job`` ends by itself (its command exits), ``ok`` or with an error."""

    job: int
    ok: bool = True

    def text(self, now: int) -> str:
        return f"job {self.job} ends ({'exit 0' if self.ok else 'error'})"


@dataclass(frozen=True)
class Delete:
    """``oardel``: job ``job`` is deleted (fragged), whatever its state."""

    job: int

    def text(self, now: int) -> str:
        return f"oardel {self.job}"


@dataclass(frozen=True)
class Hold:
    """``oarhold``: waiting job ``job`` is held."""

    job: int

    def text(self, now: int) -> str:
        return f"oarhold {self.job}"


@dataclass(frozen=True)
class Resume:
    """``oarresume``: held job ``job`` waits again."""

    job: int

    def text(self, now: int) -> str:
        return f"oarresume {self.job}"


@dataclass(frozen=True)
class ResourceState:
    """Resource ``resource`` (the platform's id) gets ``state`` (``oarnodesetting -s``)."""

    resource: int
    state: str

    def text(self, now: int) -> str:
        return f"oarnodesetting -r {self.resource} -s {self.state}"


@dataclass(frozen=True)
class QueueState:
    """An admin stops (``active=False``) or starts queue ``queue``."""

    queue: str
    active: bool

    def text(self, now: int) -> str:
        return f"oarnotify {'-e' if self.active else '-d'} {self.queue}"


@dataclass(frozen=True)
class Wait:
    """Nothing happens for ``seconds`` (the tick after it advances the clock that much)."""

    seconds: int

    def text(self, now: int) -> str:
        return f"wait {self.seconds} s"


Step: TypeAlias = Submit | End | Delete | Hold | Resume | ResourceState | QueueState | Wait


def advance(step: Step) -> int:
    """Seconds the tick after ``step`` advances the clock."""
    return step.seconds if isinstance(step, Wait) else TICK


@dataclass(frozen=True)
class CampaignScenario(_ShortRepr):
    """A platform, its queues and the steps of one campaign.

    ``plugin_jobs`` are the ids of the jobs whose type names the find or assign plugin
    under test; ``config`` is a metasched or sort plugin's configuration string.
    """

    platform: Platform
    steps: tuple[Step, ...]
    queues: tuple[Queue, ...] = CAMPAIGN_QUEUES
    config: str = ""
    job_security_time: int = JOB_SECURITY_TIME
    plugin_jobs: frozenset[int] = frozenset()
    start: int = EPOCH

    @property
    def jobs(self) -> tuple[Job, ...]:
        """Every job submitted in the campaign, in submission order."""
        return tuple(s.job for s in self.steps if isinstance(s, Submit))

    def job(self, job_id: int) -> Job:
        """The job submitted with id ``job_id``; a ``KeyError`` names the ids that exist."""
        return job_by_id(self.jobs, job_id)

    def reservations(self) -> dict[int, int]:
        """Advance reservations: job id -> requested start time."""
        found = {}
        now = self.start
        for step in self.steps:
            if isinstance(step, Submit) and step.reservation is not None:
                found[step.job.id] = now + step.reservation
            now += advance(step)
        return found

    def times(self) -> tuple[int, ...]:
        """The clock at each step (the round after step ``i`` runs at ``times()[i+1]``)."""
        now, found = self.start, [self.start]
        for step in self.steps:
            now += advance(step)
            found.append(now)
        return tuple(found)

    def script(self) -> tuple[str, ...]:
        """The steps as numbered lines with their times, e.g. ``3. t=86520 oardel 1``."""
        times = self.times()
        return tuple(
            f"{i}. t={times[i - 1]}  {step.text(times[i - 1])}"
            for i, step in enumerate(self.steps, start=1)
        )

    def __repr__(self) -> str:
        steps = "; ".join(line.split("  ", 1)[1] for line in self.script())
        return f"CampaignScenario({self.platform!r}, steps=[{steps}])"


DATA_TYPES: tuple[type, ...] = (
    CampaignScenario,
    Submit,
    End,
    Delete,
    Hold,
    Resume,
    ResourceState,
    QueueState,
    Wait,
)
"""The types of this family's scenarios besides the model's: what its report files hold."""

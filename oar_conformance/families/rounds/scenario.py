"""Round scenarios: one meta-scheduling round over a database, as plain values.

A round starts from what OAR3's ``meta_schedule`` reads from its database: the resources
(the platform, one column per hierarchy level plus ``color``/``mem``), the queues with
their priorities and states, the jobs already running (their resources and start), and
the waiting jobs with their requests and types. ``now`` is what ``tools.get_date``
answers during the round. The database adapter (:mod:`oar_conformance.db`) writes these
rows; invariants read the scenario and the schedule read back, never OAR objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from oar_conformance.model import Job, Platform, Queue, _ShortRepr, ids_text, job_by_id
from oar_conformance.oar_jobs import JOB_SECURITY_TIME

__all__ = ["DATA_TYPES", "RoundScenario", "RunningJob"]

Ids = frozenset[int]


class RunningJob(NamedTuple):
    """A job already running since ``start`` on ``ids``, for ``walltime`` seconds."""

    id: int
    queue: str
    start: int
    walltime: int
    ids: Ids

    def text(self) -> str:
        """E.g. ``job 1001 (default): 1-4 from 0 for 3600 s``."""
        where = f"{ids_text(self.ids)} from {self.start} for {self.walltime} s"
        return f"job {self.id} ({self.queue}): {where}"


@dataclass(frozen=True)
class RoundScenario(_ShortRepr):
    """Everything one ``meta_schedule`` round starts from.

    ``queues`` are every queue of the database (several may share a priority);
    ``running`` the jobs holding resources at ``now``; ``jobs`` the waiting jobs, each
    in one of ``queues``. ``plugin_jobs`` are the ids of the waiting jobs whose type
    names a find or assign plugin under test (``find=NAME``); ``config`` is the plugin's
    configuration string for a metasched (``EXTRA_METASCHED_CONFIG``) or sort
    (``CUSTOM_JOB_SORTING_CONFIG``) plugin.
    """

    platform: Platform
    now: int
    queues: tuple[Queue, ...]
    running: tuple[RunningJob, ...]
    jobs: tuple[Job, ...]
    config: str = ""
    job_security_time: int = JOB_SECURITY_TIME
    plugin_jobs: frozenset[int] = frozenset()

    def priority_groups(self) -> tuple[tuple[str, ...], ...]:
        """Queue names grouped by equal priority, highest priority first (OAR3's order)."""
        priorities = sorted({q.priority for q in self.queues}, reverse=True)
        return tuple(
            tuple(sorted(q.name for q in self.queues if q.priority == p)) for p in priorities
        )

    def queue(self, name: str) -> Queue:
        """The queue called ``name``; a ``KeyError`` names the queues that exist."""
        for queue in self.queues:
            if queue.name == name:
                return queue
        msg = f"queue={name!r} is not in this round; queues: {[q.name for q in self.queues]}"
        raise KeyError(msg)

    def job(self, job_id: int) -> Job:
        """The waiting job with id ``job_id``; a ``KeyError`` names the ids that exist."""
        return job_by_id(self.jobs, job_id)

    def __repr__(self) -> str:
        queues = ", ".join(
            f"{q.name}:{q.priority}{'' if q.state == 'Active' else '-'}" for q in self.queues
        )
        running = ", ".join(r.text() for r in self.running)
        jobs = ", ".join(self._job_text(j) for j in self.jobs)
        config = f", config={self.config!r}" if self.config else ""
        return (
            f"RoundScenario({self.platform!r}, now={self.now}, queues=[{queues}], "
            f"running=[{running}], jobs=[{jobs}]{config})"
        )

    def _job_text(self, job: Job) -> str:
        marks = [f"-t {k}={v}" if v else f"-t {k}" for k, v in sorted(job.types.items())]
        marks += [f"after {d}" for d in job.dependencies]
        if job.id in self.plugin_jobs:
            marks.append("plugin")
        extra = f" ({', '.join(marks)})" if marks else ""
        return f"{job.id}@{job.queue}: {' | '.join(m.oarsub() for m in job.moldables)}{extra}"


DATA_TYPES: tuple[type, ...] = (RoundScenario, RunningJob)
"""The types of this family's scenarios besides the model's: what its report files hold."""

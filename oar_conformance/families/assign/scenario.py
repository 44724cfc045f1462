"""Assign scenarios: one scheduling round of an ``oar.assign_func`` plugin, as plain values.

OAR3's kamelot builds a slot set starting at ``now``, removes from it the resources of the
jobs already scheduled (``set_slots_with_prev_scheduled_jobs``), then hands the slot set
to the assign function of each waiting job in turn (``schedule_id_jobs_ct``). A scenario
holds exactly those inputs: the platform, ``now``, the occupation as windows of resource
ids, and the waiting jobs in scheduling order. ``min_start_time`` is not a scenario value:
OAR3 computes it during the round from the start and walltime the plugin gave the job's
dependencies, so the adapter records it per call instead.

Times follow OAR3's slots: seconds, a window or job of walltime ``w`` starting at ``s``
occupies the seconds ``s`` to ``s + w - 1`` inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from oar_conformance.model import Job, Moldable, Platform, _ShortRepr, ids_text, job_by_id
from oar_conformance.oar_jobs import (
    JOB_SECURITY_TIME,
    NO_PLACEHOLDER,
    MldResRqt,
    key_cache,
    waiting_deps,
)

__all__ = ["DATA_TYPES", "AssignScenario", "Window"]

Ids = frozenset[int]


class Window(NamedTuple):
    """Resources already taken from ``start`` for ``walltime`` seconds (a scheduled job)."""

    start: int
    walltime: int
    ids: Ids

    @property
    def end(self) -> int:
        """The last occupied second (inclusive, as in OAR3's slots)."""
        return self.start + self.walltime - 1

    def text(self) -> str:
        """E.g. ``1-4 [0, 3599]``."""
        return f"{ids_text(self.ids)} [{self.start}, {self.end}]"


@dataclass(frozen=True)
class AssignScenario(_ShortRepr):
    """Everything one scheduling round with an ``oar.assign_func`` plugin starts from.

    ``now`` is where the slot set begins; ``busy`` are the windows of the jobs already
    scheduled, sorted by start (OAR3's ``split_slots_jobs`` needs that order); ``jobs``
    are the waiting jobs in scheduling order, each with its moldables and dependencies on
    earlier jobs. Every moldable's walltime is extended by ``job_security_time`` in
    ``mld_res_rqts``, as OAR3's ``get_data_jobs`` does.
    """

    platform: Platform
    now: int
    busy: tuple[Window, ...]
    jobs: tuple[Job, ...]
    job_security_time: int = JOB_SECURITY_TIME

    def walltime(self, moldable: Moldable) -> int:
        """The walltime OAR3 schedules ``moldable`` for (its own plus the security time)."""
        return moldable.walltime + self.job_security_time

    def mld_res_rqts(self, job: Job) -> list[MldResRqt]:
        """``job.mld_res_rqts`` as OAR3's ``get_data_jobs`` builds it."""
        return [(m.id, self.walltime(m), [g.hy_res_rqt() for g in m.groups]) for m in job.moldables]

    def job_attributes(self, job: Job) -> dict[str, Any]:
        """What OAR3's ``get_data_jobs`` and ``get_jobs_types`` set on a waiting job.

        Everything but the ``assign*`` attributes, which name the plugin: identity,
        ``types``, ``deps`` as ``(required id, "Waiting", None)``, ``mld_res_rqts``,
        ``key_cache`` as ``set_jobs_cache_keys`` computes it, no timesharing, no
        placeholder, no find function, quotas applying.
        """
        rqts = self.mld_res_rqts(job)
        return {
            "id": job.id,
            "name": job.name,
            "user": job.user,
            "project": job.project,
            "queue_name": job.queue,
            "submission_time": job.submission_time,
            "types": dict(job.types),
            "deps": waiting_deps(job.dependencies),
            "mld_res_rqts": rqts,
            "key_cache": key_cache(rqts),
            "ts": False,
            "ph": NO_PLACEHOLDER,
            "find": False,
            "find_args": [],
            "find_kwargs": {},
            "no_quotas": False,
        }

    def job(self, job_id: int) -> Job:
        """The waiting job with id ``job_id``; a ``KeyError`` names the ids that exist."""
        return job_by_id(self.jobs, job_id)

    def __repr__(self) -> str:
        busy = ", ".join(w.text() for w in self.busy)
        jobs = ", ".join(_job_text(j) for j in self.jobs)
        return f"AssignScenario({self.platform!r}, now={self.now}, busy=[{busy}], jobs=[{jobs}])"


def _job_text(job: Job) -> str:
    alternatives = " | ".join(m.oarsub() for m in job.moldables)
    after = f" after {','.join(map(str, job.dependencies))}" if job.dependencies else ""
    return f"{job.id}: {alternatives}{after}"


DATA_TYPES: tuple[type, ...] = (AssignScenario, Window)
"""The types of this family's scenarios besides the model's: what its report files hold."""

"""The sort scenario: everything one call of an ``oar.jobs_sorting_func`` plugin receives.

OAR3's meta-scheduler calls a sorting plugin once per group of active queues of equal
priority, with the waiting jobs of those queues in the order ``get_waiting_jobs`` reads
them: by ascending job id (``ORDER BY job_id``), whatever their queue. A
:class:`SortScenario` holds those inputs as plain model values; the runner turns them into
what OAR3 passes (each job's attributes as :func:`job_attributes` says OAR3 sets them),
and invariants read them directly.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from procset import ProcSet

from oar_conformance.model import Group, Job, Queue, to_procset
from oar_conformance.oar_jobs import JOB_SECURITY_TIME, NO_PLACEHOLDER, HyResRqt, waiting_deps

__all__ = ["DATA_TYPES", "JOB_DEFAULTS", "SortScenario", "job_attributes", "twin_key"]


def twin_key(job: Job) -> Job:
    """``job`` with its own ids blanked: equal keys mean "identical but for the ids".

    A job id and its moldable ids are unique by construction, so two jobs can only be
    identical up to them; every sorting policy that does not look at ids ties them.
    """
    return replace(job, id=0, moldables=tuple(replace(m, id=0) for m in job.moldables))


@dataclass(frozen=True)
class SortScenario:
    """The inputs of one sorting call, as plain values.

    ``queues`` are the active queues of one priority group (the plugin gets their names);
    ``jobs`` are the waiting jobs in OAR3's order, which is ``waiting_jids``; ``config``
    is the ``CUSTOM_JOB_SORTING_CONFIG`` text (OAR3 passes ``"{}"`` when it is unset).
    """

    queues: tuple[Queue, ...]
    now: int
    jobs: tuple[Job, ...]
    config: str = "{}"

    @property
    def waiting_jids(self) -> list[int]:
        """The job ids in input order, as OAR3's ``waiting_jids``."""
        return [job.id for job in self.jobs]

    @property
    def queue_names(self) -> list[str]:
        """The ``queues`` argument: queue names, as the meta-scheduler passes them."""
        return [queue.name for queue in self.queues]

    def twins(self) -> list[tuple[int, int]]:
        """Pairs ``(a, b)`` of jobs identical but for their ids, ``a`` before ``b`` in input.

        A job another waiting job depends on is told apart by that dependency, so it is
        nobody's twin.
        """
        needed = {jid for job in self.jobs for jid in job.dependencies}
        free = [job for job in self.jobs if job.id not in needed]
        keys = [twin_key(job) for job in free]
        return [
            (free[i].id, free[j].id)
            for i in range(len(free))
            for j in range(i + 1, len(free))
            if keys[i] == keys[j]
        ]

    def edges(self) -> list[str]:
        """The edge inputs this scenario contains, in words (for error reports)."""
        found = []
        if not self.jobs:
            found.append("no waiting job")
        elif len(self.jobs) == 1:
            found.append("a single waiting job")
        if self.now == 0:
            found.append("now = 0")
        if any(not job.types for job in self.jobs):
            found.append("jobs without types")
        if self.twins():
            found.append("jobs identical but for their ids")
        if self.config.strip() == "{}":
            found.append("config '{}'")
        return found

    def __repr__(self) -> str:
        return (
            f"SortScenario(queues={self.queue_names}, now={self.now}, "
            f"waiting_jids={self.waiting_jids}, config={self.config!r})"
        )

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """Make Hypothesis print the short ``__repr__`` instead of every job in full."""
        p.text(repr(self))


JOB_DEFAULTS: dict[str, Any] = {
    "array_index": 1,
    "initial_request": None,
    "env": None,
    "type": "PASSIVE",
    "info_type": None,
    "state": "Waiting",
    "reservation": "None",
    "message": "",
    "scheduler_info": "",
    "group": "",
    "command": "",
    "exit_code": None,
    "properties": "",
    "launching_directory": "",
    "start_time": 0,
    "stop_time": 0,
    "file_id": None,
    "accounted": "NO",
    "notify": None,
    "assigned_moldable_job": 0,
    "checkpoint": 0,
    "checkpoint_signal": 12,
    "stdout_file": "OAR.%jobid%.stdout",
    "stderr_file": "OAR.%jobid%.stderr",
    "resubmit_job_id": 0,
    "suspended": "NO",
    "last_karma": None,
    "assign": False,
    "find": False,
    "no_quotas": False,
}
"""Attributes every waiting job has with the same value, as a plain ``oarsub`` sets them."""


_TYPE_FLAGS = frozenset({"timesharing", "placeholder", "allow", "assign", "find", "no_quotas"})
"""Job types ``get_jobs_types`` turns into attributes instead of keeping in ``types``."""


@lru_cache(maxsize=1024)
def _constraints(ids: frozenset[int]) -> ProcSet:
    return to_procset(ids)


def _hy_res_rqt(group: Group) -> HyResRqt:
    """``group.hy_res_rqt()``, fresh every time but with its ProcSet built once."""
    return ([(name, n) for name, n in group.levels], copy(_constraints(group.constraints)))


def job_attributes(job: Job) -> dict[str, Any]:
    """The attributes of ``job`` that vary per job, as OAR3's scheduler sets them.

    ``types`` keeps what ``get_jobs_types`` keeps (``timesharing=user,name`` becomes
    ``ts``, ``ts_user``, ``ts_name``); ``mld_res_rqts`` adds the job security time to
    walltimes; ``deps`` lists ``(required_jid, state, exit_code)`` of waiting jobs.
    """
    attributes: dict[str, Any] = {
        "id": job.id,
        "array_id": job.id,
        "name": job.name,
        "user": job.user,
        "project": job.project,
        "queue_name": job.queue,
        "submission_time": job.submission_time,
        "types": {k: v for k, v in job.types.items() if k not in _TYPE_FLAGS},
        "deps": waiting_deps(job.dependencies),
        "ts": "timesharing" in job.types,
        "ph": NO_PLACEHOLDER,
        "mld_res_rqts": [
            (m.id, m.walltime + JOB_SECURITY_TIME, [_hy_res_rqt(g) for g in m.groups])
            for m in job.moldables
        ],
    }
    if "timesharing" in job.types:
        user, _, name = job.types["timesharing"].partition(",")
        attributes["ts_user"], attributes["ts_name"] = user, name
    return attributes


DATA_TYPES: tuple[type, ...] = (SortScenario,)
"""The types of this family's scenarios besides the model's: what its report files hold."""

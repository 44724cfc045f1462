"""Assign scenarios: one scheduling round of an ``oar.assign_func`` plugin, as plain values.

OAR3's kamelot builds a slot set starting at ``now``, removes from it the resources of the
jobs already scheduled (``set_slots_with_prev_scheduled_jobs``), then hands the slot set
to the assign function of each waiting job in turn (``schedule_id_jobs_ct``). A scenario
holds exactly those inputs: the platform, ``now``, the occupation as windows of resource
ids, and the waiting jobs in scheduling order. ``min_start_time`` is not a scenario value:
OAR3 computes it during the round from the start and walltime the plugin gave the job's
dependencies, so the adapter records it per call instead.

A scenario may also turn quotas on (``quotas``: the rules of OAR3's quotas file), and
its jobs may carry the types ``find=NAME[:args]`` and ``no_quotas`` as users submit them;
:meth:`AssignScenario.job_attributes` turns those into job attributes as OAR3's
``get_jobs_types`` does.

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
    NO_QUOTAS_TYPE,
    MldResRqt,
    find_type,
    key_cache,
    plain_types,
    waiting_deps,
)

__all__ = ["DATA_TYPES", "AssignScenario", "QuotaRule", "QuotaRules", "Window"]

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


Limit = int | str
"""A quota limit as the quotas file writes it: ``-1`` (none), a number, ``ALL``, ``0.5*ALL``."""


class QuotaRule(NamedTuple):
    """One rule of OAR3's quotas file: ``"queue,project,type,user": [resources, jobs, hours]``.

    A field is a name, ``*`` (all together) or ``/`` (each one apart); ``resources`` and
    ``jobs`` cap what jobs matching the rule hold at once, ``resource_hours`` their
    resource-hours (``-1``: no limit).
    """

    queue: str
    project: str
    job_type: str
    user: str
    resources: Limit = -1
    jobs: Limit = -1
    resource_hours: Limit = -1

    @property
    def key(self) -> str:
        """The rule's key in the file, e.g. ``*,*,*,/``."""
        return ",".join((self.queue, self.project, self.job_type, self.user))

    @property
    def limits(self) -> list[Limit]:
        """The rule's value in the file, e.g. ``[8, -1, -1]``."""
        return [self.resources, self.jobs, self.resource_hours]

    def text(self) -> str:
        """E.g. ``*,*,*,/ = [8, -1, -1]``."""
        return f"{self.key} = {self.limits!r}".replace("'", '"')


@dataclass(frozen=True)
class QuotaRules:
    """OAR3's quotas file (``QUOTAS_CONF_FILE``): rules, and the job types rules may name."""

    rules: tuple[QuotaRule, ...]
    job_types: tuple[str, ...] = ()

    def json(self) -> dict[str, Any]:
        """The file's content, as OAR3's ``load_quotas_rules`` reads it."""
        data: dict[str, Any] = {"quotas": {r.key: r.limits for r in self.rules}}
        if self.job_types:
            data["job_types"] = list(self.job_types)
        return data

    def text(self) -> str:
        """The rules on one line, e.g. ``*,*,*,/ = [8, -1, -1]; job_types deploy``."""
        out = "; ".join(r.text() for r in self.rules) or "no rules"
        return out + (f"; job_types {','.join(self.job_types)}" if self.job_types else "")


@dataclass(frozen=True)
class AssignScenario(_ShortRepr):
    """Everything one scheduling round with an ``oar.assign_func`` plugin starts from.

    ``now`` is where the slot set begins; ``busy`` are the windows of the jobs already
    scheduled, sorted by start (OAR3's ``split_slots_jobs`` needs that order); ``jobs``
    are the waiting jobs in scheduling order, each with its moldables and dependencies on
    earlier jobs. Every moldable's walltime is extended by ``job_security_time`` in
    ``mld_res_rqts``, as OAR3's ``get_data_jobs`` does. ``quotas`` are the rules of
    OAR3's quotas file when quotas are on (``QUOTAS=yes``), ``None`` when they are off.
    """

    platform: Platform
    now: int
    busy: tuple[Window, ...]
    jobs: tuple[Job, ...]
    job_security_time: int = JOB_SECURITY_TIME
    quotas: QuotaRules | None = None

    def walltime(self, moldable: Moldable) -> int:
        """The walltime OAR3 schedules ``moldable`` for (its own plus the security time)."""
        return moldable.walltime + self.job_security_time

    def mld_res_rqts(self, job: Job) -> list[MldResRqt]:
        """``job.mld_res_rqts`` as OAR3's ``get_data_jobs`` builds it."""
        return [(m.id, self.walltime(m), [g.hy_res_rqt() for g in m.groups]) for m in job.moldables]

    def job_attributes(self, job: Job) -> dict[str, Any]:
        """What OAR3's ``get_data_jobs`` and ``get_jobs_types`` set on a waiting job.

        Everything but the ``assign*`` attributes, which name the plugin, and
        ``find_func``, which the adapter resolves from :meth:`find_name`: identity,
        ``types`` without ``find`` and ``no_quotas``, ``deps`` as ``(required id,
        "Waiting", None)``, ``mld_res_rqts``, ``key_cache`` as ``set_jobs_cache_keys``
        computes it, no timesharing, no placeholder, ``find``/``find_args``/
        ``find_kwargs`` and ``no_quotas`` from the job's types.
        """
        rqts = self.mld_res_rqts(job)
        found = find_type(job.types)
        return {
            "id": job.id,
            "name": job.name,
            "user": job.user,
            "project": job.project,
            "queue_name": job.queue,
            "submission_time": job.submission_time,
            "types": plain_types(job.types),
            "deps": waiting_deps(job.dependencies),
            "mld_res_rqts": rqts,
            "key_cache": key_cache(rqts),
            "ts": False,
            "ph": NO_PLACEHOLDER,
            "find": found is not None,
            "find_args": found.args if found else [],
            "find_kwargs": found.kwargs if found else {},
            "no_quotas": NO_QUOTAS_TYPE in job.types,
        }

    @staticmethod
    def find_name(job: Job) -> str | None:
        """The ``oar.find_func`` entry point the job's ``find=`` type names, if any."""
        found = find_type(job.types)
        return found.name if found else None

    def job(self, job_id: int) -> Job:
        """The waiting job with id ``job_id``; a ``KeyError`` names the ids that exist."""
        return job_by_id(self.jobs, job_id)

    def __repr__(self) -> str:
        busy = ", ".join(w.text() for w in self.busy)
        jobs = ", ".join(_job_text(j, owner=self.quotas is not None) for j in self.jobs)
        quotas = f", quotas=[{self.quotas.text()}]" if self.quotas is not None else ""
        return (
            f"AssignScenario({self.platform!r}, now={self.now}, busy=[{busy}], "
            f"jobs=[{jobs}]{quotas})"
        )


def _job_text(job: Job, *, owner: bool) -> str:
    """``id: request [-t type] [(user/project)] [after ids]``, the owner when quotas are on."""
    alternatives = " | ".join(m.oarsub() for m in job.moldables)
    after = f" after {','.join(map(str, job.dependencies))}" if job.dependencies else ""
    types = "".join(f" -t {k}={v}" if v else f" -t {k}" for k, v in sorted(job.types.items()))
    who = f" ({job.user}/{job.project})" if owner else ""
    return f"{job.id}: {alternatives}{types}{who}{after}"


DATA_TYPES: tuple[type, ...] = (AssignScenario, QuotaRule, QuotaRules, Window)
"""The types of this family's scenarios besides the model's: what its report files hold."""

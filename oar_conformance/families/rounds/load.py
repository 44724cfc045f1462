"""Scenario -> rows: resources, queues, running and waiting jobs, as OAR3 stores them.

Resources are the platform's own table (the rows it was built from, as OAR3 builds it),
so the round sees the labels, order, states and types the plugin's calls were drawn on. Jobs are
written with OAR3's own ``insert_job`` (moldables, resource groups with their property
SQL, descriptions, types), so the rows are exactly those ``oarsub`` would leave. Running
jobs also get their ``assigned_moldable_job`` and ``assigned_resources`` rows, which is
where ``meta_schedule`` finds the resources they hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from oar_conformance.families.rounds.scenario import RoundScenario
from oar_conformance.model import Job, Platform, Queue
from oar_conformance.resources import table_of, table_rows

__all__ = [
    "insert_waiting_job",
    "job_moldable_ids",
    "load",
    "load_platform",
    "moldable_rows",
    "resource_rows",
    "types_of",
    "write_dependencies",
]


def resource_rows(scenario: RoundScenario) -> list[dict[str, Any]]:
    """The platform's ``resources`` rows (:func:`~oar_conformance.resources.table_of`)."""
    return table_rows(table_of(scenario.platform))


def types_of(job: Job) -> list[str]:
    """A job's types as ``job_types`` rows spell them (``find=NAME``, ``besteffort``)."""
    return [f"{k}={v}" if v else k for k, v in sorted(job.types.items())]


def moldable_rows(job: Job) -> list[tuple[int, list[tuple[str, str]]]]:
    """The ``res`` argument of OAR3's ``insert_job``: per moldable, walltime and groups."""
    return [
        (m.walltime, [("/".join(f"{n}={c}" for n, c in g.levels), g.expression) for g in m.groups])
        for m in job.moldables
    ]


def load_platform(session: Any, platform: Platform, queues: Sequence[Queue]) -> None:
    """Write the platform's ``resources`` rows and the ``queues`` rows."""
    from oar.lib import models  # noqa: PLC0415 - OAR3 is optional

    session.execute(models.Resource.__table__.insert(), table_rows(table_of(platform)))
    session.execute(
        models.Queue.__table__.insert(),
        [
            {
                "queue_name": q.name,
                "priority": q.priority,
                "scheduler_policy": q.scheduler_policy,
                "state": q.state,
            }
            for q in queues
        ],
    )


def job_moldable_ids(session: Any, job_id: int) -> list[int]:
    """The database ids of job ``job_id``'s moldables, in the order they were written."""
    from oar.lib.models import MoldableJobDescription as Moldable  # noqa: PLC0415

    query = select(Moldable.id).where(Moldable.job_id == job_id).order_by(Moldable.id)
    return list(session.execute(query).scalars())


def load(
    session: Any, scenario: RoundScenario, selector: str | None = None
) -> dict[int, tuple[int, int]]:
    """Write ``scenario``'s rows; map each database moldable id to (job id, moldable id).

    ``selector`` is the job type naming the plugin under test (``find=NAME:args``), given
    to the waiting jobs of ``scenario.plugin_jobs``. Dependencies are written as
    ``oarsub -a`` leaves them. Running jobs' single moldable maps to moldable id 0.
    """
    from oar.lib import models  # noqa: PLC0415 - OAR3 is optional
    from oar.lib.job_handling import insert_job  # noqa: PLC0415

    job_table = models.Job.__table__
    load_platform(session, scenario.platform, scenario.queues)
    moldables: dict[int, tuple[int, int]] = {}

    for running in scenario.running:
        insert_job(
            session,
            job_id=running.id,
            res=[(running.walltime, [("resource_id=1", "")])],
            queue_name=running.queue,
            state="Running",
            start_time=running.start,
            user="alice",
        )
        (mld_id,) = job_moldable_ids(session, running.id)
        moldables[mld_id] = (running.id, 0)
        session.execute(
            job_table.update()
            .where(job_table.c.job_id == running.id)
            .values(assigned_moldable_job=mld_id)
        )
        session.execute(
            models.AssignedResource.__table__.insert(),
            [
                {"moldable_job_id": mld_id, "resource_id": scenario.platform.resource_id(rid)}
                for rid in sorted(running.ids)
            ],
        )
    for job in scenario.jobs:
        mine = selector if job.id in scenario.plugin_jobs else None
        moldables.update(insert_waiting_job(session, job, mine, job.submission_time))
    write_dependencies(session, scenario.jobs)
    session.flush()
    return moldables


def insert_waiting_job(
    session: Any, job: Job, selector: str | None, submission_time: int, **columns: Any
) -> dict[int, tuple[int, int]]:
    """Write ``job`` with OAR3's ``insert_job`` as ``oarsub`` leaves a waiting job, with
    the type ``selector`` (``find=NAME:args``) if given and the extra ``jobs`` columns;
    map its database moldable ids to (job id, moldable id)."""
    from oar.lib.job_handling import insert_job  # noqa: PLC0415 - OAR3 is optional

    types = types_of(job) + ([selector] if selector is not None else [])
    insert_job(
        session,
        job_id=job.id,
        res=moldable_rows(job),
        types=types,
        queue_name=job.queue,
        state="Waiting",
        user=job.user,
        project=job.project,
        submission_time=submission_time,
        job_name=job.name,
        **columns,
    )
    ids = job_moldable_ids(session, job.id)
    return {mld: (job.id, m.id) for mld, m in zip(ids, job.moldables, strict=True)}


def write_dependencies(session: Any, jobs: Sequence[Job]) -> None:
    """The ``job_dependencies`` rows of ``jobs``, as ``oarsub -a`` leaves them."""
    from oar.lib import models  # noqa: PLC0415 - OAR3 is optional

    rows = [
        {"job_id": job.id, "job_id_required": required, "job_dependency_index": "CURRENT"}
        for job in jobs
        for required in job.dependencies
    ]
    if rows:
        session.execute(models.JobDependencie.__table__.insert(), rows)

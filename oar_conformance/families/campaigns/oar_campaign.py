"""One campaign in a real OAR3 database: each step, the tick after it, one round.

Everything goes through OAR3's own functions, as its modules would call them:

- steps: ``insert_job`` (what ``oarsub`` writes, ``reservation='toSchedule'`` for
  ``-r``), ``set_job_state`` (a job's end, as ``bipbip``/``oarexec`` report it),
  ``frag_job`` (``oardel``), ``hold_job``/``resume_job`` then the state change
  ``NodeChangeState`` makes, ``set_resource_state`` (fragging the jobs
  ``get_resource_job_to_frag`` names when the resource leaves ``Alive``, as
  ``NodeChangeState`` does), ``stop_queue``/``start_queue``;
- the tick: ``bipbip`` launches ``toLaunch`` jobs (``Launching`` then ``Running``),
  ``sarko`` frags running jobs past their walltime, ``leon`` ends fragged jobs
  (``Error``) and marks the frag done;
- the round: OAR3's ``meta_schedule`` with the plugin configured as a site configures
  it (:func:`~oar_conformance.families.rounds.oar_round.play_round`), with
  ``MAX_JOB_PER_QUEUES_GROUP_SCHEDULING_ROUND`` set to
  :data:`~oar_conformance.families.campaigns.scenario.SCHEDULING_WINDOW`.

After each round the database is read back into a plain
:class:`~oar_conformance.families.campaigns.outcome.RoundRecord` (an ended job holds no
resources there: OAR3 archives its ``assigned_resources`` rows on PostgreSQL only). The first failed
round (or OAR3 failing between rounds on what the plugin left) ends the campaign.
"""

from __future__ import annotations

import traceback
from typing import Any

from sqlalchemy import select

from oar_conformance._guard import DEFAULT_TIMEOUT
from oar_conformance.families.campaigns.outcome import ENDED, JobRow, Planned, RoundRecord, Trace
from oar_conformance.families.campaigns.scenario import (
    SCHEDULING_WINDOW,
    CampaignScenario,
    Delete,
    End,
    Hold,
    QueueState,
    ResourceState,
    Step,
    Submit,
    Wait,
    advance,
)
from oar_conformance.families.rounds.load import (
    insert_waiting_job,
    load_platform,
    write_dependencies,
)
from oar_conformance.families.rounds.oar_round import (
    RoundPlugin,
    oar3_clock,
    play_round,
    plugin_type,
    round_config,
    session_problem,
)
from oar_conformance.outcome import PluginError

__all__ = ["CampaignRun", "campaign_config", "run_campaign"]

_USER = "oar"
"""Who runs admin commands (``oardel``, ``oarhold`` ...): allowed on every job."""
_INFO_TYPE = "localhost:6667"
"""``jobs.info_type`` as ``oarsub`` leaves it (its host and port); OAR3 notifies it."""


def campaign_config(scenario: CampaignScenario, plugin: RoundPlugin | None) -> Any:
    """A round's configuration (:func:`round_config`) with the campaign's scheduling window."""
    config = round_config(scenario, plugin)
    config["MAX_JOB_PER_QUEUES_GROUP_SCHEDULING_ROUND"] = str(SCHEDULING_WINDOW)
    return config


class CampaignRun:
    """The campaign's state in the database: ids mapped back to the scenario's."""

    def __init__(
        self, session: Any, scenario: CampaignScenario, plugin: RoundPlugin | None
    ) -> None:
        from oar.lib import models  # noqa: PLC0415 - OAR3 is optional

        self.session = session
        self.scenario = scenario
        self.plugin = plugin
        self.models = models
        self.config = campaign_config(scenario, plugin)
        self.selector = None if plugin is None else plugin_type(plugin)
        self.moldables: dict[int, tuple[int, int]] = {}
        platform = scenario.platform
        self.ours = {rid: own for own, rid in platform.resource_ids.items()}
        self.calls = 0
        self.seconds = 0.0

    def own(self, rid: int) -> int:
        return self.ours.get(int(rid), int(rid))

    # -- steps ---------------------------------------------------------------------

    def apply(self, step: Step, now: int) -> str:
        """Do ``step`` at ``now``; what it did, or why it did nothing."""
        from oar.lib import job_handling, queue, resource_handling  # noqa: PLC0415

        session, config = self.session, self.config
        if isinstance(step, Submit):
            self._submit(step, now)
            return ""
        if isinstance(step, Wait):
            return ""
        if isinstance(step, ResourceState):
            rid = self.scenario.platform.resource_id(step.resource)
            fragged = []
            if step.state != "Alive":
                fragged = resource_handling.get_resource_job_to_frag(session, rid)
            resource_handling.set_resource_state(session, rid, step.state, "NO")
            for job_id in fragged:
                job_handling.frag_job(session, job_id, _USER)
            session.commit()
            return f"fragged jobs {fragged}" if fragged else ""
        if isinstance(step, QueueState):
            (queue.start_queue if step.active else queue.stop_queue)(session, step.queue)
            return ""
        state = self._state(step.job)
        if state is None:
            return f"no effect: there is no job {step.job}"
        if isinstance(step, End):
            if state != "Running":
                return f"no effect: job {step.job} is {state}"
            ending = "Terminated" if step.ok else "Error"
            job_handling.set_job_state(session, config, step.job, ending)
            return ""
        if isinstance(step, Delete):
            if state in ENDED:
                return f"no effect: job {step.job} is {state}"
            job_handling.frag_job(session, step.job, _USER)
            return ""
        if isinstance(step, Hold):
            if state != "Waiting" or job_handling.hold_job(session, config, step.job, False, _USER):
                return f"no effect: job {step.job} is {state}"
            job_handling.set_job_state(session, config, step.job, "Hold")
            return ""
        if state != "Hold" or job_handling.resume_job(session, config, step.job, _USER):
            return f"no effect: job {step.job} is {state}"
        job_handling.set_job_state(session, config, step.job, "Waiting")
        return ""

    def _state(self, job_id: int) -> str | None:
        job = self.models.Job
        found = self.session.execute(select(job.state).where(job.id == job_id)).scalar()
        return None if found is None else str(found)

    def _submit(self, step: Submit, now: int) -> None:
        job = step.job
        selector = self.selector if job.id in self.scenario.plugin_jobs else None
        extra: dict[str, Any] = {}
        if step.reservation is not None:
            extra = {"reservation": "toSchedule", "start_time": now + step.reservation}
        self.moldables.update(
            insert_waiting_job(self.session, job, selector, now, info_type=_INFO_TYPE, **extra)
        )
        write_dependencies(self.session, [job])
        self.session.commit()

    # -- between rounds ----------------------------------------------------------------

    def tick(self, now: int) -> None:
        """What OAR3's other modules do before the round at ``now``: launch, expire, kill."""
        from oar.lib import job_handling  # noqa: PLC0415

        session, config, models = self.session, self.config, self.models
        job = models.Job
        for (job_id,) in session.execute(select(job.id).where(job.state == "toLaunch")).all():
            job_handling.set_job_state(session, config, job_id, "Launching")
            job_handling.set_job_state(session, config, job_id, "Running")
        moldable = models.MoldableJobDescription
        running = session.execute(
            select(job.id, job.start_time, moldable.walltime)
            .join(moldable, moldable.id == job.assigned_moldable_job)
            .where(job.state == "Running")
        ).all()
        for job_id, start, walltime in running:
            if int(start) + int(walltime) <= now:
                job_handling.frag_job(session, int(job_id), _USER)
        frag = models.FragJob
        pending = session.execute(
            select(frag.job_id, job.state)
            .join(job, job.id == frag.job_id)
            .where(frag.state == "LEON")
            .order_by(frag.job_id)
        ).all()
        for job_id, state in pending:
            if state not in ENDED:
                job_handling.set_job_state(session, config, int(job_id), "Error")
            session.execute(
                frag.__table__.update()
                .where(frag.__table__.c.frag_id_job == int(job_id))
                .values(frag_state="FRAGGED")
            )
        session.commit()

    # -- reading back ------------------------------------------------------------------

    def frags(self) -> frozenset[int]:
        frag = self.models.FragJob
        return frozenset(int(j) for j in self.session.execute(select(frag.job_id)).scalars())

    def states(self) -> tuple[tuple[int, str], ...]:
        job = self.models.Job
        rows = self.session.execute(select(job.id, job.state))
        return tuple(sorted((int(i), str(s)) for i, s in rows))

    def record(
        self, note: str, now: int, before: Any, frags: frozenset[int], error: PluginError | None
    ) -> RoundRecord:
        """The database after the round at ``now`` as plain values."""
        if session_problem(self.session):
            return RoundRecord(note, now, before, (), (), frags, frozenset(), (), (), error)
        models, session = self.models, self.session
        job, assigned = models.Job, models.AssignedResource
        held: dict[int, set[int]] = {}
        for mld_id, rid in session.execute(
            select(assigned.moldable_id, assigned.resource_id).where(assigned.index == "CURRENT")
        ):
            held.setdefault(int(mld_id), set()).add(self.own(rid))
        moldable = models.MoldableJobDescription
        walltimes = {
            int(m): int(w) for m, w in session.execute(select(moldable.id, moldable.walltime))
        }
        jobs = []
        for job_id, state, start, mld_id, reservation in session.execute(
            select(job.id, job.state, job.start_time, job.assigned_moldable_job, job.reservation)
        ):
            mld = int(mld_id or 0)
            ended = str(state) in ENDED  # archived differently on sqlite and PostgreSQL
            jobs.append(
                JobRow(
                    int(job_id),
                    str(state),
                    int(start or 0),
                    self.moldables.get(mld, (0, 0))[1],
                    frozenset() if ended else frozenset(held.get(mld, ())),
                    str(reservation),
                    walltimes.get(mld, 0),
                )
            )
        prediction, rows = models.GanttJobsPrediction, models.GanttJobsResource
        planned_ids: dict[int, set[int]] = {}
        for mld_id, rid in session.execute(select(rows.moldable_id, rows.resource_id)):
            planned_ids.setdefault(int(mld_id), set()).add(self.own(rid))
        gantt = []
        for mld_id, start in session.execute(select(prediction.moldable_id, prediction.start_time)):
            job_id, moldable_id = self.moldables.get(int(mld_id), (-int(mld_id), -1))
            gantt.append(
                Planned(
                    job_id, moldable_id, int(start), frozenset(planned_ids.get(int(mld_id), ()))
                )
            )
        resource, queue = models.Resource, models.Queue
        resources = tuple(
            sorted(
                (self.own(rid), str(state))
                for rid, state in session.execute(select(resource.id, resource.state))
            )
        )
        queues = tuple(
            sorted((str(n), str(s)) for n, s in session.execute(select(queue.name, queue.state)))
        )
        after = self.frags()
        return RoundRecord(
            note,
            now,
            before,
            tuple(sorted(jobs, key=lambda j: j.id)),
            tuple(sorted(gantt, key=lambda p: (p.start, p.job_id))),
            after,
            after - frags,
            resources,
            queues,
            error,
        )


def _oar3_failed(exc: BaseException) -> PluginError:
    summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return PluginError(
        "raised",
        f"OAR3 failed between rounds on what the rounds left: {summary}",
        "".join(traceback.format_exception(exc)).strip(),
        oar3=True,
    )


def run_campaign(
    session: Any,
    scenario: CampaignScenario,
    plugin: RoundPlugin | None,
    timeout: float = DEFAULT_TIMEOUT,
    db: str = "sqlite",
) -> tuple[Trace, CampaignRun]:
    """Play ``scenario`` in ``session``: every step, its tick and round, read back.

    ``plugin`` ``None`` plays it with OAR3's defaults (no plugin configured).
    """
    run = CampaignRun(session, scenario, plugin)
    load_platform(session, scenario.platform, scenario.queues)
    session.commit()
    rounds: list[RoundRecord] = []
    now = scenario.start
    for step in scenario.steps:
        error: PluginError | None = None
        note = ""
        before: tuple[tuple[int, str], ...] = ()
        frags: frozenset[int] = frozenset()
        try:
            with oar3_clock(now):
                note = run.apply(step, now)
            now += advance(step)
            with oar3_clock(now):
                run.tick(now)
            before, frags = run.states(), run.frags()
        except Exception as exc:  # OAR3 failing on a state the plugin left
            error = _oar3_failed(exc)
        if error is None:
            played = play_round(session, run.config, plugin, now, timeout)
            run.calls += played.plugin_calls
            run.seconds += played.plugin_seconds
            error = played.error
        session.expire_all()
        rounds.append(run.record(note, now, before, frags, error))
        if error is not None:
            break
    return Trace(tuple(rounds), db), run

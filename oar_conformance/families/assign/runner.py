"""The OAR3 adapter for ``oar.assign_func`` plugins: a real scheduling round, read back.

For a :class:`~oar_conformance.families.assign.scenario.AssignScenario` the adapter builds what
kamelot builds: a ``SlotSet`` beginning at ``now`` over every resource, the jobs already
scheduled removed from it by OAR3's own ``set_slots_with_prev_scheduled_jobs`` (through
``split_slots_jobs``), and one ``JobPseudo`` per waiting job carrying ``mld_res_rqts``,
``deps``, ``key_cache``, ``types``, ``ts``/``ph``, ``assign=True``, ``assign_func``,
``assign_args``/``assign_kwargs`` and ``find=False`` as ``get_data_jobs`` and
``get_jobs_types`` set them. It then runs OAR3's ``schedule_id_jobs_ct`` itself, so
dependencies turn into ``min_start_time`` exactly as in production. The job's
``assign_func`` is a recorder that snapshots the slot set, calls the plugin through
:func:`~oar_conformance._guard.call_guarded` and reads the job back; a failed call ends
the round, as an exception would end kamelot's.

Everything is read back into plain values (:class:`AssignOutcome`): per job the
``min_start_time`` it was given, what it set (``start_time``, ``walltime``,
``moldable_id``, ``res_set``) and the slot set before and after the call, entry by entry.
OAR3's class-level state (``Quotas``, ``JobPseudo``'s shared defaults, its configuration)
is saved, forced to a neutral value (quotas off) and restored around every round, and its
loggers are kept quiet, so no example can leak into the next.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from procset import ProcSet

from oar_conformance import oar3
from oar_conformance._guard import DEFAULT_TIMEOUT, REPEAT_STATES, call_guarded, other_random_state
from oar_conformance.families.assign.outcome import (
    AssignOutcome,
    JobResult,
    Placement,
    SlotRecord,
    SlotSnapshot,
)
from oar_conformance.families.assign.scenario import AssignScenario
from oar_conformance.model import to_procset
from oar_conformance.oar_jobs import NO_PLACEHOLDER
from oar_conformance.outcome import PluginError

__all__ = [
    "MAX_ASSIGN_RESOURCES",
    "AssignRunner",
    "reference_schedule",
]

MAX_ASSIGN_RESOURCES = 1024
"""Largest platform assign checks generate: a round runs OAR3's whole search per job and
snapshots the slot set around every call, so larger ones take seconds per example."""


Ids = frozenset[int]


def _scheduling() -> ModuleType:
    """``oar.kao.scheduling``, imported by :mod:`oar_conformance.oar3` under its config."""
    return oar3.scheduling()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def snapshot(slot_set: Any) -> SlotSnapshot:
    """Read a ``SlotSet`` into plain values, whatever a plugin left in it."""
    try:
        begin = slot_set.begin
        records = tuple(
            SlotRecord(key, s.id, s.prev, s.next, s.b, s.e, frozenset(s.itvs))
            for key, s in slot_set.slots.items()
        )
    except Exception as exc:  # whatever the plugin broke is reported
        return SlotSnapshot(0, (), unreadable=f"{type(exc).__name__}: {exc}")
    numbers = [begin] + [getattr(r, n) for r in records for n in ("key", "id", "prev", "next")]
    numbers += [n for r in records for n in (r.begin, r.end)]
    if not all(_is_int(n) for n in numbers):
        return SlotSnapshot(0, (), unreadable="a slot id, link or time is not an int")
    return SlotSnapshot(begin, records)


def _read_job(job: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The four attributes an assign function sets, as plain values, and type problems."""
    values: dict[str, Any] = {}
    bad: list[str] = []
    for name in ("start_time", "walltime", "moldable_id"):
        value = getattr(job, name, None)
        if value is not None and not _is_int(value):
            bad.append(f"{name} is {type(value).__name__} {value!r:.40}, not an int")
            value = None
        values[name] = value
    res_set = getattr(job, "res_set", None)
    if res_set is not None and not isinstance(res_set, ProcSet):
        bad.append(f"res_set is {type(res_set).__name__} {res_set!r:.40}, not a ProcSet")
        res_set = None
    values["res_set"] = frozenset(res_set) if res_set is not None else None
    return values, tuple(bad)


def _loop_error(exc: Exception) -> PluginError:
    summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return PluginError(
        "raised",
        f"OAR3's scheduling loop failed on what the plugin left in a job: {summary}",
        "".join(traceback.format_exception(exc)).strip(),
    )


class _RoundAborted(Exception):
    """Raised by the recorder after a failed call: kamelot's round would end there."""


@dataclass
class _Round:
    """OAR3 objects of one round, built from a scenario."""

    slot_sets: dict[str, Any]
    jobs: dict[int, Any]
    hy: dict[str, list[ProcSet]]


def _build_round(
    sched: ModuleType,
    scenario: AssignScenario,
    assign_func: Callable[..., Any] | None,
    args: tuple[str, ...] = (),
    kwargs: Mapping[str, str] | None = None,
) -> _Round:
    """The slot set and waiting jobs kamelot would build; ``assign_func=None``: OAR's default."""
    slot_set = sched.SlotSet((to_procset(scenario.platform.resources), scenario.now))
    slot_sets = {"default": slot_set}
    scheduled = [
        sched.JobPseudo(
            id=0,
            start_time=w.start,
            walltime=w.walltime,
            res_set=to_procset(w.ids),
            types={},
            ts=False,
            ph=NO_PLACEHOLDER,
        )
        for w in scenario.busy
    ]
    if scheduled:
        sched.set_slots_with_prev_scheduled_jobs(
            slot_sets, scheduled, scenario.job_security_time, scenario.now
        )
    jobs = {
        job.id: sched.JobPseudo(
            **scenario.job_attributes(job),
            assign=assign_func is not None,
            assign_func=assign_func,
            assign_args=list(args),
            assign_kwargs=dict(kwargs or {}),
        )
        for job in scenario.jobs
    }
    return _Round(slot_sets, jobs, scenario.platform.hy())


def _schedule(sched: ModuleType, scenario: AssignScenario, rnd: _Round) -> None:
    """OAR3's own scheduling loop over the waiting jobs, in scenario order."""
    sched.schedule_id_jobs_ct(
        rnd.slot_sets, rnd.jobs, rnd.hy, [j.id for j in scenario.jobs], scenario.job_security_time
    )


def reference_schedule(scenario: AssignScenario, timeout: float) -> tuple[Placement, ...] | None:
    """Where OAR3's default assign puts each job (``None`` if OAR3 itself failed)."""
    sched = _scheduling()
    with oar3.isolated_oar3_state(sched):
        rnd = _build_round(sched, scenario, None)
        call = call_guarded(_schedule, (sched, scenario, rnd), {}, timeout)
    if call.error is not None:
        return None
    return tuple(_placement(job_id, rnd.jobs[job_id]) for job_id in rnd.jobs)


def _placement(job_id: int, job: Any) -> Placement:
    values, _ = _read_job(job)
    return Placement(job_id, **values)


@dataclass
class AssignRunner:
    """Runs one assign plugin on scenarios; holds its arguments and per-call time limit."""

    func: Callable[..., Any]
    args: tuple[str, ...] = ()
    kwargs: Mapping[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT

    def _round(self, scenario: AssignScenario) -> tuple[list[JobResult], PluginError | None]:
        sched = _scheduling()
        results: dict[int, JobResult] = {}
        failure: list[PluginError] = []

        def recorder(
            slot_set: Any, job: Any, hy: Any, min_start_time: int, *args: Any, **kwargs: Any
        ) -> None:
            before = snapshot(slot_set)
            call = call_guarded(
                self.func, (slot_set, job, hy, min_start_time, *args), kwargs, self.timeout
            )
            values, bad = _read_job(job)
            results[job.id] = JobResult(
                job_id=job.id,
                called=True,
                min_start_time=min_start_time,
                bad_types=bad,
                before=before,
                after=snapshot(slot_set),
                error=call.error,
                seconds=call.seconds,
                **values,
            )
            if call.error is not None:
                failure.append(call.error)
                raise _RoundAborted

        with oar3.isolated_oar3_state(sched):
            rnd = _build_round(sched, scenario, recorder, self.args, self.kwargs)
            try:
                _schedule(sched, scenario, rnd)
            except _RoundAborted:
                pass
            except Exception as exc:  # OAR3 choking on what the plugin set
                failure.append(_loop_error(exc))
        ordered: list[JobResult] = []
        for job in scenario.jobs:
            if job.id in results:
                ordered.append(results[job.id])
                if results[job.id].error is not None:
                    break
            else:
                values, bad = _read_job(rnd.jobs[job.id])
                ordered.append(JobResult(job.id, False, -1, bad_types=bad, **values))
        return ordered, (failure[0] if failure else None)

    def run(self, scenario: AssignScenario, needs: Collection[str] = ()) -> AssignOutcome:
        """Observe the plugin on ``scenario``; ``needs`` asks for a repeat and/or reference."""
        results, error = self._round(scenario)
        repeat: tuple[Placement, ...] | None = None
        repeat_error: PluginError | None = None
        if "repeat" in needs:
            first = tuple(r.placement for r in results)
            for attempt in range(REPEAT_STATES):
                with other_random_state(scenario, attempt):
                    again, repeat_error = self._round(scenario)
                repeat = tuple(r.placement for r in again)
                if repeat_error is not None or repeat != first:
                    break
        reference = None
        if "reference" in needs:
            reference = reference_schedule(scenario, self.timeout * max(1, len(scenario.jobs)))
        return AssignOutcome(
            jobs=tuple(results),
            error=error,
            repeat=repeat,
            repeat_error=repeat_error,
            reference=reference,
            seconds=sum(r.seconds for r in results),
        )

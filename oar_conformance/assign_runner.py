"""The OAR3 adapter for ``oar.assign_func`` plugins: a real scheduling round, read back.

For a :class:`~oar_conformance.assign_scenario.AssignScenario` the adapter builds what
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

import copy
import logging
import traceback
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, NamedTuple

from hypothesis import strategies as st
from procset import ProcSet

from oar_conformance import oar3
from oar_conformance._guard import DEFAULT_TIMEOUT, REPEAT_STATES, call_guarded, other_random_state
from oar_conformance.assign_scenario import NO_PLACEHOLDER, AssignScenario
from oar_conformance.driving import CheckOptions, Driver
from oar_conformance.model import to_procset
from oar_conformance.outcome import PluginError

__all__ = [
    "MAX_ASSIGN_RESOURCES",
    "AssignOutcome",
    "AssignRunner",
    "JobResult",
    "Placement",
    "SlotRecord",
    "SlotSnapshot",
    "isolated_oar3_state",
    "make_driver",
    "reference_schedule",
]

MAX_ASSIGN_RESOURCES = 1024
"""Largest platform assign checks generate: a round runs OAR3's whole search per job and
snapshots the slot set around every call, so larger ones take seconds per example."""

_PSEUDO_DEFAULTS = (
    "types",
    "deps",
    "key_cache",
    "assign_args",
    "assign_kwargs",
    "find_args",
    "find_kwargs",
)
_QUOTAS_STATE = ("enabled", "calendar", "default_rules", "job_types")

Ids = frozenset[int]


@dataclass(frozen=True)
class SlotRecord:
    """One entry of ``SlotSet.slots``: its key, its links, its span and its free ids.

    ``begin`` and ``end`` are inclusive seconds (OAR3's ``b`` and ``e``).
    """

    key: int
    id: int
    prev: int
    next: int
    begin: int
    end: int
    free: Ids


@dataclass(frozen=True)
class SlotSnapshot:
    """A slot set as plain values: its ``begin`` and every slot, in ``slots`` dict order.

    ``unreadable`` says why it could not be read (a plugin left something else in it);
    ``slots`` is then empty.
    """

    begin: int
    slots: tuple[SlotRecord, ...]
    unreadable: str = ""


class Placement(NamedTuple):
    """What one job ended up with: compared between runs (repeat, OAR3's default)."""

    job_id: int
    start_time: int | None
    walltime: int | None
    moldable_id: int | None
    res_set: Ids | None

    @property
    def scheduled(self) -> bool:
        return self.start_time is not None and self.start_time >= 0 and bool(self.res_set)


@dataclass(frozen=True)
class JobResult:
    """One waiting job after its turn in the round.

    ``called`` is false when OAR3 did not call the plugin (a dependency it cannot wait
    for: it sets ``start_time = -1`` itself). ``min_start_time`` is what OAR3 passed. The
    four attributes are ``None`` when the plugin left them unset or set them to a value
    of the wrong type (then ``bad_types`` says which and what). ``before``/``after`` are
    the slot set around the call; ``error`` is the failed call that ended the round.
    """

    job_id: int
    called: bool
    min_start_time: int
    start_time: int | None
    walltime: int | None
    moldable_id: int | None
    res_set: Ids | None
    bad_types: tuple[str, ...] = ()
    before: SlotSnapshot | None = None
    after: SlotSnapshot | None = None
    error: PluginError | None = None
    seconds: float = 0.0

    @property
    def placement(self) -> Placement:
        return Placement(
            self.job_id, self.start_time, self.walltime, self.moldable_id, self.res_set
        )


@dataclass(frozen=True)
class AssignOutcome:
    """One observed round (or several) of an ``oar.assign_func`` plugin.

    ``jobs`` holds a result per job the round reached, in scheduling order; ``error`` is
    the first failed call (the round stops there). ``repeat`` is what a second identical
    round gave (``None`` unless an invariant needed it, ``repeat_error`` when it failed);
    ``reference`` is what OAR3's default assign gives on the same scenario (``None`` when
    not computed). ``seconds`` is the plugin's total call time.
    """

    jobs: tuple[JobResult, ...]
    error: PluginError | None = None
    repeat: tuple[Placement, ...] | None = None
    repeat_error: PluginError | None = None
    reference: tuple[Placement, ...] | None = None
    seconds: float = 0.0

    @property
    def placements(self) -> tuple[Placement, ...]:
        return tuple(r.placement for r in self.jobs)

    @property
    def allocated(self) -> bool:
        """At least one job was scheduled."""
        return any(r.placement.scheduled for r in self.jobs)


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


@contextmanager
def isolated_oar3_state(sched: ModuleType) -> Iterator[None]:
    """Run a round with OAR3's class-level state neutral, and put it back afterwards.

    Quotas are off (``Quotas.enabled`` false, no calendar); ``JobPseudo``'s shared
    mutable defaults and OAR3's configuration are restored, so a plugin writing into them
    cannot affect the next example; OAR3's loggers stay quiet.
    """
    quotas, pseudo, config = sched.Quotas, sched.JobPseudo, sched.config
    saved_quotas = {name: copy.copy(getattr(quotas, name)) for name in _QUOTAS_STATE}
    saved_pseudo = {name: copy.deepcopy(getattr(pseudo, name)) for name in _PSEUDO_DEFAULTS}
    saved_config = dict(config)
    quotas.enabled, quotas.calendar = False, None
    _quiet_oar_loggers()
    try:
        yield
    finally:
        for name, value in saved_quotas.items():
            setattr(quotas, name, value)
        for name, value in saved_pseudo.items():
            setattr(pseudo, name, value)
        config.clear()
        config.update(saved_config)
        _quiet_oar_loggers()


def _quiet_oar_loggers() -> None:
    """OAR3 resets its root logger's level whenever a module asks for a logger."""
    for name in list(logging.root.manager.loggerDict):
        if name == "oar" or name.startswith("oar."):
            logging.getLogger(name).setLevel(logging.CRITICAL)


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
    with isolated_oar3_state(sched):
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

        with isolated_oar3_state(sched):
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


def make_driver(func: Callable[..., Any], options: CheckOptions) -> Driver:
    """Assign checks: generated rounds, each observed once (plus a repeat or reference)."""
    from oar_conformance import strategies as ost  # noqa: PLC0415 - strategies are heavy

    runner = AssignRunner(func, options.args, options.kwargs, options.timeout)

    def classify(outcome: Any) -> str:
        if outcome.error is not None:
            return "error"
        return "allocated" if outcome.allocated else "unschedulable"

    profile = options.profile
    top = min(profile.max_resources, MAX_ASSIGN_RESOURCES)
    strategy = ost.assign_scenarios(
        min_resources=min(profile.min_resources, top), max_resources=top
    )
    if profile.large_resources and top < MAX_ASSIGN_RESOURCES:
        large = ost.assign_scenarios(
            min_resources=top + 1,
            max_resources=min(profile.large_resources, MAX_ASSIGN_RESOURCES),
        )
        strategy = st.one_of(strategy, strategy, strategy, large)
    return Driver(
        strategy=strategy,
        run=runner.run,
        classify=classify,
        resources=lambda scenario: len(scenario.platform.resources),
    )

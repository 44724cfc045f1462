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

With ``scenario.quotas`` the round turns quotas on as the meta-scheduler does before
building any slot set: the rules are written to a quotas file that OAR3's
``Quotas.enable`` reads. A job typed ``find=NAME`` gets ``find=True`` and the function of
the ``oar.find_func`` entry point ``NAME`` (:func:`~oar_conformance.find_functions.resolve`).

Everything is read back into plain values (:class:`AssignOutcome`): per job the
``min_start_time`` it was given, what it set (``start_time``, ``walltime``,
``moldable_id``, ``res_set``) and the slot set before and after the call, entry by entry.
For a placed job the recorder also asks OAR3's own functions what A11 and A12 judge:
``Quotas.check_slots_quotas`` of the placement on a copy of the slot set as it was
before the call, and the answers of the job's find function, which it wraps during the
call and asks once more over the placed window. OAR3's class-level state (``Quotas``,
``ResourceSet.default_itvs``, ``JobPseudo``'s shared defaults, its configuration) is
saved, forced to a neutral value (quotas off) and restored around every round, and its
loggers are kept quiet, so no example can leak into the next.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import traceback
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from procset import ProcSet

from oar_conformance import oar3
from oar_conformance._guard import DEFAULT_TIMEOUT, REPEAT_STATES, call_guarded, other_random_state
from oar_conformance.families.assign.occupation import free_over, slot_chain
from oar_conformance.families.assign.outcome import (
    AssignOutcome,
    FindCalls,
    JobResult,
    Placement,
    QuotaCheck,
    QuotaUsage,
    SlotRecord,
    SlotSnapshot,
)
from oar_conformance.families.assign.scenario import AssignScenario
from oar_conformance.find_functions import resolve
from oar_conformance.model import Job, to_procset
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


@dataclass
class _Watch:
    """What the recorder keeps from before a call to observe A11 and A12 after it.

    ``slots``: a copy of the slot set's slots and ``probe`` a fresh job like the placed
    one, for the quota check (quotas on, job not ``no_quotas``); ``find``: the job's
    own find function, replaced during the call by one that notes its ``answers``.
    """

    slots: Any = None
    probe: Any = None
    find: Callable[..., Any] | None = None
    answers: list[Ids] = field(default_factory=list)

    @classmethod
    def before_call(cls, sched: ModuleType, slot_set: Any, job: Any) -> _Watch:
        """Copy what the quota check needs and wrap the job's find function."""
        watch = cls()
        if sched.Quotas.enabled and not job.no_quotas:
            watch.slots = _observe(copy.deepcopy, slot_set.slots)
            watch.probe = sched.JobPseudo(
                id=job.id,
                queue_name=job.queue_name,
                project=job.project,
                user=job.user,
                types=dict(job.types),
            )
        if job.find:
            find = watch.find = job.find_func

            def recording_find(*args: Any, **kwargs: Any) -> Any:
                found = find(*args, **kwargs)
                if isinstance(found, ProcSet):
                    watch.answers.append(frozenset(found))
                return found

            job.find_func = recording_find
        return watch

    def restore(self, job: Any) -> None:
        """Give the job its own find function back."""
        if self.find is not None:
            job.find_func = self.find

    def quotas(
        self, sched: ModuleType, window: tuple[int, int] | None, res_set: Ids | None
    ) -> QuotaCheck | None:
        """OAR3's quota check of the placement (``None``: not judged)."""
        if window is None or res_set is None or self.slots is None:
            return None
        result: QuotaCheck | None = _observe(
            _quota_check, sched, self.slots, self.probe, window, res_set
        )
        return result

    def find_calls(
        self,
        scenario: AssignScenario,
        job: Any,
        before: SlotSnapshot,
        window: tuple[int, int] | None,
        moldable_id: int | None,
        hy: Any,
    ) -> FindCalls | None:
        """The find function's answers during the call, and over the placed window."""
        if self.find is None:
            return None
        on_window = None
        if window is not None:
            on_window = _observe(_find_on_window, self.find, job, before, window, moldable_id, hy)
        name = scenario.find_name(scenario.job(job.id)) or ""
        return FindCalls(name, tuple(self.answers), on_window)


def _observe(func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)``, or ``None`` when OAR3 cannot read what the plugin left."""
    try:
        return func(*args)
    except Exception:  # the slot set or job is the plugin's: A1 and A5 report it
        return None


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
    _enable_quotas(sched, scenario)
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
            **_find_function(scenario, job),
        )
        for job in scenario.jobs
    }
    return _Round(slot_sets, jobs, scenario.platform.hy())


def _find_function(scenario: AssignScenario, job: Job) -> dict[str, Any]:
    """``find_func`` as ``get_jobs_types`` sets it for a job typed ``find=NAME``."""
    name = scenario.find_name(job)
    return {} if name is None else {"find_func": resolve(name)}


class _ResourceCount:
    """What ``Quotas.enable`` reads of OAR3's ``ResourceSet``: the number of resources
    of type ``default`` (``ALL`` in the rules), none of them dead."""

    def __init__(self, count: int) -> None:
        self.nb_resources_default = count
        self.nb_resources_default_not_dead = count


def _enable_quotas(sched: ModuleType, scenario: AssignScenario) -> None:
    """Set ``ResourceSet.default_itvs``; with quotas, enable them from a quotas file.

    As the meta-scheduler does each round (``QUOTAS=yes``, ``QUOTAS_CONF_FILE``), before
    any slot set is built; :func:`oar3.isolated_oar3_state` resets them after the round.
    """
    default = to_procset(scenario.platform.default_resources)
    sched.ResourceSet.default_itvs = default
    if scenario.quotas is None:
        return
    fd, path = tempfile.mkstemp(prefix="oar-conformance-quotas-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as rules:
            json.dump(scenario.quotas.json(), rules)
        sched.config["QUOTAS"] = "yes"
        sched.config["QUOTAS_CONF_FILE"] = path
        sched.Quotas.enable(sched.config, _ResourceCount(len(default)))
    finally:
        os.unlink(path)


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


def _window(values: Mapping[str, Any]) -> tuple[int, int] | None:
    """The placed job's seconds ``(start, end)``, or ``None`` if it was not placed."""
    start, walltime, res_set = values["start_time"], values["walltime"], values["res_set"]
    if start is None or start < 0 or not res_set or walltime is None or walltime <= 0:
        return None
    return start, start + walltime - 1


def _window_slots(slots: Mapping[int, Any], start: int, end: int) -> tuple[int, int] | None:
    """Ids of the first and last slots of ``[start, end]`` (``get_encompassing_slots``),
    or ``None`` when the slot chain does not cover ``start``."""
    sid = next((s.id for s in slots.values() if s.prev == 0), 0)
    for _ in range(len(slots)):
        if slots[sid].e >= start:
            break
        sid = slots[sid].next
        if sid not in slots:
            return None
    if slots[sid].b > start or slots[sid].e < start:
        return None
    left = sid
    for _ in range(len(slots)):
        if slots[sid].e >= end or slots[sid].next not in slots:
            break
        sid = slots[sid].next
    return left, sid


_USAGE_KEYS = ("*", "*", "*", "*")


def _quota_check(
    sched: ModuleType, slots: Mapping[int, Any], probe: Any, window: tuple[int, int], res_set: Ids
) -> QuotaCheck | None:
    """OAR3's ``Quotas.check_slots_quotas`` of a placement on the slots before the call.

    ``probe`` is a fresh job with the placed job's queue, project, user and types, and no
    ``res_set`` or ``walltime`` (``Quotas.update`` would count those instead of the
    placement). On failure, the slot of the window where the rule's counter is highest.
    """
    found = _window_slots(slots, *window)
    if found is None:
        return None
    left, right = found
    nb_res = len(to_procset(res_set) & sched.ResourceSet.default_itvs)
    walltime = window[1] - window[0] + 1
    ok, message, rule, limit = sched.Quotas.check_slots_quotas(
        slots, left, right, probe, nb_res, walltime
    )
    if ok:
        return QuotaCheck(True, nb_res)
    _, counter, _ = sched.Quotas().find_applicable_rule(probe)
    column = 1 if "jobs" in message else 0
    spans = []
    sid = left
    while True:
        spans.append(slots[sid])
        if sid == right:
            break
        sid = slots[sid].next
    worst = max(spans, key=lambda s: s.quotas.counters.get(counter, (0, 0, 0))[column])
    counters = worst.quotas.counters
    keys = [tuple(counter), _USAGE_KEYS]
    keys += sorted(k for k in counters if k[0] == k[2] == "*" and (k[1] == "*") != (k[3] == "*"))
    usage = []
    for key in dict.fromkeys(keys):
        value = counters.get(key, (0, 0, 0))
        usage.append(QuotaUsage(",".join(map(str, key)), int(value[0]), int(value[1])))
    return QuotaCheck(
        False,
        nb_res,
        message=str(message),
        rule=",".join(map(str, rule)),
        limit=int(limit),
        slot=(worst.b, worst.e),
        usage=tuple(usage),
    )


def _find_on_window(
    find: Callable[..., Any],
    job: Any,
    before: SlotSnapshot,
    window: tuple[int, int],
    moldable_id: int | None,
    hy: Any,
) -> Ids | None:
    """What the job's find function answers over the ids free all along ``window``."""
    chain, broken = slot_chain(before)
    rqts = next((r for m, _, r in job.mld_res_rqts if m == moldable_id), None)
    if broken is not None or rqts is None:
        return None
    avail = to_procset(free_over(chain, *window))
    found = find(avail, rqts, hy, window[0] == before.begin, *job.find_args, **job.find_kwargs)
    return frozenset(found) if isinstance(found, ProcSet) else None


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
            watch = _Watch.before_call(sched, slot_set, job)
            try:
                call = call_guarded(
                    self.func, (slot_set, job, hy, min_start_time, *args), kwargs, self.timeout
                )
            finally:
                watch.restore(job)
            values, bad = _read_job(job)
            window = _window(values) if call.error is None and not bad else None
            results[job.id] = JobResult(
                job_id=job.id,
                called=True,
                min_start_time=min_start_time,
                bad_types=bad,
                before=before,
                after=snapshot(slot_set),
                error=call.error,
                seconds=call.seconds,
                quotas=watch.quotas(sched, window, values["res_set"]),
                find=watch.find_calls(scenario, job, before, window, values["moldable_id"], hy),
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

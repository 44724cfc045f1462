"""One real in-process ``meta_schedule`` round, with the plugin configured as OAR3 would.

The round runs OAR3's own ``meta_schedule`` on a session of a kit database, with
``EXTRA_METASCHED`` naming the plugin. OAR3 looks the name up with
``find_plugin_function``; the kit answers that lookup with a recorder wrapping the
plugin, so the plugin is called from OAR3's own loop, with OAR3's own arguments, and each
call is observed: the queue groups it received (as names, read at entry), whether it
raised or hung (through :func:`~oar_conformance._guard.call_guarded`), and whether the
session still answers a trivial ``SELECT`` afterwards. A failed call ends the round, as
its exception would end OAR3's. OAR3's network notifications are stubbed and its clock
answers the scenario's ``now``. The schedule is read back from ``gantt_jobs_predictions``
and ``gantt_jobs_resources`` and the jobs' states into plain values.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import select, text

from oar_conformance import oar3
from oar_conformance._guard import DEFAULT_TIMEOUT, call_guarded
from oar_conformance.assign_runner import isolated_oar3_state
from oar_conformance.db._load import HIERARCHY_LABELS, load
from oar_conformance.outcome import PluginError
from oar_conformance.round_scenario import RoundScenario

__all__ = [
    "EXTRA_METASCHED_GROUP",
    "PLUGIN_NAME",
    "Call",
    "GanttEntry",
    "RoundResult",
    "meta_sched",
    "run_round",
]

EXTRA_METASCHED_GROUP = "oar.extra_metasched_func"
PLUGIN_NAME = "oar-conformance-plugin-under-test"
"""The ``EXTRA_METASCHED`` value the kit configures; OAR3's lookup of it gets the plugin."""

_NOTIFICATIONS: dict[str, Callable[..., Any]] = {
    "create_almighty_socket": lambda *a: None,
    "notify_almighty": lambda *a: True,
    "notify_tcp_socket": lambda addr, port, msg: len(msg),
    "notify_user": lambda *a: 0,
    "notify_bipbip_commander": lambda *a: True,
}

Ids = frozenset[int]


@dataclass(frozen=True)
class Call:
    """One call of the plugin: the queue groups it received, and what went wrong.

    ``prev_queues`` is ``None`` when OAR3 passed ``None``; queue groups are names with
    priorities, read when the call began. ``error`` is an exception or timeout;
    ``session_error`` says why the session no longer answered ``SELECT 1`` after it.
    """

    prev_queues: tuple[tuple[str, int], ...] | None
    queues: tuple[tuple[str, int], ...]
    error: PluginError | None = None
    session_error: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class GanttEntry:
    """One job in the gantt after the round: its moldable, start, walltime and resources.

    ``moldable_id`` is the scenario's (0 for a running job); ``walltime`` excludes the
    security time.
    """

    job_id: int
    moldable_id: int
    start: int
    walltime: int
    ids: Ids
    running: bool


@dataclass(frozen=True)
class RoundResult:
    """What one round gave: the calls observed, the gantt, the jobs' states.

    ``error`` is the plugin's failed call, or OAR3's own failure later in the round;
    ``gantt`` is empty when the session could not be read any more.
    """

    calls: tuple[Call, ...]
    gantt: tuple[GanttEntry, ...]
    states: tuple[tuple[int, str], ...]
    error: PluginError | None = None

    @property
    def schedule(self) -> tuple[tuple[int, int, int, tuple[int, ...]], ...]:
        """The gantt as comparable values: (job, moldable, start, sorted ids)."""
        return tuple(
            sorted((e.job_id, e.moldable_id, e.start, tuple(sorted(e.ids))) for e in self.gantt)
        )


def meta_sched() -> ModuleType:
    """``oar.kao.meta_sched``, imported under the kit's private configuration."""
    oar3.scheduling()
    return oar3.import_module("oar.kao.meta_sched")


def _platform() -> Any:
    """OAR3's ``Platform``, saving only the jobs it placed (works around an OAR3 bug).

    OAR3's ``save_assigns`` skips unplaced jobs but still executes its two inserts; with
    no row left, SQLAlchemy 2 inserts one row of defaults into each gantt table, which
    later collides with a real moldable (``UNIQUE constraint failed``). Dropping the
    unplaced jobs first saves exactly what OAR3 means to save.
    """
    base = importlib.import_module("oar.kao.platform").Platform

    class KitPlatform(base):  # type: ignore[misc, valid-type]
        def save_assigns(self, session: Any, jobs: Any, resource_set: Any) -> Any:
            items = jobs.values() if isinstance(jobs, dict) else jobs
            placed = [j for j in items if j.start_time > -1]
            if placed:
                return super().save_assigns(session, placed, resource_set)
            return None

    return KitPlatform()


def round_config(scenario: RoundScenario, extra: bool = True) -> Any:
    """OAR3's configuration for a round: its defaults, the kit's hierarchy, the plugin."""
    from oar.lib.configuration import Configuration  # noqa: PLC0415 - OAR3 is optional

    config = Configuration()
    config.update(
        {
            "HIERARCHY_LABELS": HIERARCHY_LABELS,
            "SCHEDULER_RESOURCE_ORDER": "resource_id ASC",
            "SCHEDULER_JOB_SECURITY_TIME": str(scenario.job_security_time),
            "QUOTAS": "no",
            "JOB_PRIORITY": "FIFO",
            "LOG_FILE": ":stderr:",
            "EXTRA_METASCHED": PLUGIN_NAME if extra else "default",
            "EXTRA_METASCHED_CONFIG": scenario.config,
        }
    )
    return config


def _names(queues: Any) -> tuple[tuple[str, int], ...]:
    return tuple((str(q.name), int(q.priority)) for q in queues)


def _failure(exc: BaseException) -> PluginError:
    summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return PluginError(
        "raised",
        f"OAR3's meta_schedule failed after the plugin's calls: {summary}",
        "".join(traceback.format_exception(exc)).strip(),
    )


def session_problem(session: Any) -> str:
    """Why ``session`` cannot run ``SELECT 1`` any more ("" when it can)."""
    try:
        session.execute(text("SELECT 1")).scalar()
    except Exception as exc:  # whatever state the plugin left is reported
        lines = traceback.format_exception_only(type(exc), exc)
        return "".join(lines).strip().splitlines()[0]
    return ""


class _RoundAborted(Exception):
    """Raised by the recorder after a failed call: OAR3's round would end there."""


@contextmanager
def _patched(module: ModuleType, replacements: dict[str, Any]) -> Iterator[None]:
    saved = {name: getattr(module, name) for name in replacements}
    for name, value in replacements.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


def run_round(
    session: Any,
    scenario: RoundScenario,
    func: Callable[..., Any] | None,
    timeout: float = DEFAULT_TIMEOUT,
) -> RoundResult:
    """Load ``scenario`` into ``session`` and run one round with plugin ``func``.

    ``func=None`` runs OAR3 without an extra metasched plugin (its default).
    """
    module = meta_sched()
    tools = importlib.import_module("oar.lib.tools")
    platform = _platform()
    moldables = load(session, scenario)
    calls: list[Call] = []
    failure: list[PluginError] = []
    real_lookup = module.find_plugin_function

    def recorder(*args: Any) -> None:
        prev, queues = args[1], args[6]
        prev_names = None if prev is None else _names(prev)
        names = _names(queues)
        call = call_guarded(func, args, {}, timeout)  # type: ignore[arg-type]
        broken = session_problem(session)
        calls.append(Call(prev_names, names, call.error, broken, call.seconds))
        if call.error is not None or broken:
            failure.append(call.error or PluginError("session", broken))
            raise _RoundAborted

    def lookup(group: str, name: str) -> Any:
        if group == EXTRA_METASCHED_GROUP and name == PLUGIN_NAME:
            return recorder
        return real_lookup(group, name)

    stubs = dict(_NOTIFICATIONS, get_date=lambda *a: scenario.now)
    with (
        isolated_oar3_state(oar3.scheduling()),
        _patched(tools, stubs),
        _patched(module, {"find_plugin_function": lookup}),
    ):
        try:
            module.meta_schedule(
                session, round_config(scenario, func is not None), "internal", platform
            )
        except _RoundAborted:
            pass
        except Exception as exc:  # OAR3 failing on what the plugin left
            failure.append(_failure(exc))
    error = failure[0] if failure else None
    if session_problem(session):
        return RoundResult(tuple(calls), (), (), error)
    return RoundResult(
        tuple(calls), read_gantt(session, scenario, moldables), read_states(session), error
    )


def read_gantt(
    session: Any, scenario: RoundScenario, moldables: dict[int, tuple[int, int]]
) -> tuple[GanttEntry, ...]:
    """The gantt tables as plain values, one entry per (job, moldable) in them."""
    from oar.lib.models import GanttJobsPrediction, GanttJobsResource  # noqa: PLC0415

    query = select(GanttJobsPrediction.moldable_id, GanttJobsPrediction.start_time)
    starts = {int(m): int(s) for m, s in session.execute(query)}
    ids: dict[int, set[int]] = {}
    rows = session.execute(select(GanttJobsResource.moldable_id, GanttJobsResource.resource_id))
    for mld_id, rid in rows:
        ids.setdefault(int(mld_id), set()).add(int(rid))
    running = {r.id: r for r in scenario.running}
    entries = []
    for mld_id, start in starts.items():
        job_id, moldable_id = moldables.get(int(mld_id), (-int(mld_id), -1))
        if job_id in running:
            walltime = running[job_id].walltime
        elif moldable_id > 0:
            walltime = next(
                m.walltime for m in scenario.job(job_id).moldables if m.id == moldable_id
            )
        else:
            walltime = 0
        entries.append(
            GanttEntry(
                job_id,
                moldable_id,
                int(start),
                walltime,
                frozenset(ids.get(int(mld_id), ())),
                job_id in running,
            )
        )
    return tuple(sorted(entries, key=lambda e: (e.start, e.job_id)))


def read_states(session: Any) -> tuple[tuple[int, str], ...]:
    """Every job's id and state after the round."""
    from oar.lib.models import Job  # noqa: PLC0415

    return tuple(sorted((int(i), str(s)) for i, s in session.execute(select(Job.id, Job.state))))

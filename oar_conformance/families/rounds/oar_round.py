"""One real in-process ``meta_schedule`` round, with the plugin configured as OAR3 would.

The round runs OAR3's own ``meta_schedule`` on a session of a kit database, with the
plugin under test configured as a site configures its group (:class:`RoundPlugin`):

- ``oar.extra_metasched_func``: ``EXTRA_METASCHED`` names it, ``EXTRA_METASCHED_CONFIG``
  is its ``args`` or else the scenario's ``config``;
- ``oar.jobs_sorting_func``: ``JOB_PRIORITY=CUSTOM``, ``CUSTOM_JOB_SORTING`` names it,
  ``CUSTOM_JOB_SORTING_CONFIG`` is its ``args``, the scenario's ``config`` or ``{}``;
- ``oar.find_func`` / ``oar.assign_func``: the waiting jobs of ``scenario.plugin_jobs``
  carry the type ``find=NAME[:args]`` / ``assign=NAME[:args]``.

OAR3 looks the name up with ``find_plugin_function``; the kit answers that lookup with a
recorder wrapping the plugin, so the plugin is called from OAR3's own code, with OAR3's
own arguments, through :func:`~oar_conformance._guard.call_guarded`. A metasched call
also records the queue groups it received (as names, read at entry) and whether the
session still answers a trivial ``SELECT`` afterwards. A failed call ends the round, as
its exception would end OAR3's. OAR3's network notifications are stubbed and its clock
answers the scenario's ``now``. The schedule is read back from ``gantt_jobs_predictions``
and ``gantt_jobs_resources`` and the jobs' states into plain values.
"""

from __future__ import annotations

import importlib
import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from sqlalchemy import func, select, text

from oar_conformance import oar3
from oar_conformance._guard import DEFAULT_TIMEOUT, call_guarded
from oar_conformance.families.find.runner import read_answer
from oar_conformance.families.rounds.load import load
from oar_conformance.families.rounds.outcome import Call, GanttEntry, RoundResult
from oar_conformance.families.rounds.scenario import RoundScenario
from oar_conformance.model import Platform
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import FIND_GROUP, JOB_TYPE_SELECTORS, METASCHED_GROUP, SORT_GROUP
from oar_conformance.resources import table_of

__all__ = [
    "PLUGIN_NAME",
    "Call",
    "GanttEntry",
    "Played",
    "RoundPlugin",
    "RoundResult",
    "RoundSettings",
    "meta_sched",
    "oar3_clock",
    "play_round",
    "plugin_type",
    "round_config",
    "run_round",
    "session_problem",
]

"""Groups selected per job by a type, and the type's key."""
PLUGIN_NAME = "oar-conformance-plugin-under-test"
"""The name the kit configures; OAR3's lookup of it gets the plugin under test."""
_LOOKUP_MODULES = ("oar.kao.meta_sched", "oar.kao.kamelot", "oar.lib.job_handling")
"""Modules that imported OAR3's ``find_plugin_function`` and call it during a round."""


@dataclass(frozen=True)
class RoundPlugin:
    """The plugin under test: its entry-point ``group``, the function, its arguments.

    ``args`` is the text after ``NAME:`` in ``find=NAME:args`` / ``assign=NAME:args``; for
    a metasched or sort plugin it is the configuration string
    (``EXTRA_METASCHED_CONFIG`` / ``CUSTOM_JOB_SORTING_CONFIG``), the scenario's
    ``config`` when empty.
    """

    group: str
    func: Callable[..., Any]
    args: str = ""


def plugin_type(plugin: RoundPlugin) -> str | None:
    """The job type that selects ``plugin`` (``find=NAME:args``), or None for its group."""
    key = JOB_TYPE_SELECTORS.get(plugin.group)
    if key is None:
        return None
    return f"{key}={PLUGIN_NAME}" + (f":{plugin.args}" if plugin.args else "")


_NOTIFICATIONS: dict[str, Callable[..., Any]] = {
    "create_almighty_socket": lambda *a: None,
    "notify_almighty": lambda *a: True,
    "notify_tcp_socket": lambda addr, port, msg: len(msg),
    "notify_user": lambda *a: 0,
    "notify_bipbip_commander": lambda *a: True,
}

Ids = frozenset[int]


def meta_sched() -> ModuleType:
    """``oar.kao.meta_sched``, imported under the kit's private configuration."""
    oar3.scheduling()
    return oar3.import_module("oar.kao.meta_sched")


def _platform() -> Any:
    """OAR3's ``Platform``, with two OAR3 defects worked around.

    - ``save_assigns`` skips unplaced jobs but still executes its two inserts; with no
      row left, SQLAlchemy 2 inserts one row of defaults into each gantt table, which
      later collides with a real moldable (``UNIQUE constraint failed``). Dropping the
      unplaced jobs first saves exactly what OAR3 means to save.
    - ``get_data_jobs`` appends the last resource group of every job but the last one
      twice (once when the group ends, again when the next job starts), so a find or
      assign plugin that keeps groups apart would be asked for one group too many.
      Trimming each moldable to the groups it has in ``job_resource_groups`` gives the
      plugin the request the job made.

    And one cost: ``ResourceSet`` allocates two arrays of ``MAX_NB_RESOURCES`` (100,000)
    entries, indexed by resource id and by position, three or four times a round: about
    a third of a round on a small platform. They are sized to the table's largest id and
    row count instead, which every index OAR3 makes into them fits.
    """
    base = importlib.import_module("oar.kao.platform").Platform
    resource = importlib.import_module("oar.lib.resource")

    class KitPlatform(base):  # type: ignore[misc, valid-type]
        def resource_set(self, session: Any = None, config: Any = None) -> Any:
            largest, rows = session.execute(
                select(func.max(resource.Resource.id), func.count(resource.Resource.id))
            ).one()
            size = max(int(largest or 0), int(rows)) + 1
            with _patched(resource, {"MAX_NB_RESOURCES": size}):
                return super().resource_set(session, config)

        def save_assigns(self, session: Any, jobs: Any, resource_set: Any) -> Any:
            items = jobs.values() if isinstance(jobs, dict) else jobs
            placed = [j for j in items if j.start_time > -1]
            if placed:
                return super().save_assigns(session, placed, resource_set)
            return None

        def get_data_jobs(self, session: Any, jobs: Any, jids: Any, *args: Any) -> Any:
            done = super().get_data_jobs(session, jobs, jids, *args)
            groups = _groups_per_moldable(session, jids)
            for jid in jids:
                job = jobs[jid]
                job.mld_res_rqts = [
                    (mld_id, walltime, rqts[: groups.get(mld_id, len(rqts))])
                    for mld_id, walltime, rqts in job.mld_res_rqts
                ]
            return done

    return KitPlatform()


def _groups_per_moldable(session: Any, jids: Any) -> dict[int, int]:
    """How many resource groups each moldable of jobs ``jids`` has in the database."""
    from oar.lib.models import JobResourceGroup, MoldableJobDescription  # noqa: PLC0415

    query = (
        select(JobResourceGroup.moldable_id, func.count())
        .join(MoldableJobDescription, MoldableJobDescription.id == JobResourceGroup.moldable_id)
        .where(MoldableJobDescription.job_id.in_(list(jids)))
        .group_by(JobResourceGroup.moldable_id)
    )
    return {int(mld_id): int(count) for mld_id, count in session.execute(query)}


class RoundSettings(Protocol):
    """What a round's configuration reads of its scenario (a round's or a campaign's)."""

    @property
    def platform(self) -> Platform: ...
    @property
    def job_security_time(self) -> int: ...
    @property
    def config(self) -> str: ...


def round_config(scenario: RoundSettings, plugin: RoundPlugin | None) -> Any:
    """OAR3's configuration for a round: its defaults, the kit's hierarchy, the plugin.

    ``plugin`` is ``None`` for OAR3 alone.
    """
    from oar.lib.configuration import Configuration  # noqa: PLC0415 - OAR3 is optional

    table = table_of(scenario.platform)
    config = Configuration()
    config.update(
        {
            "HIERARCHY_LABELS": ",".join(table.labels),
            "SCHEDULER_RESOURCE_ORDER": table.order,
            "SCHEDULER_JOB_SECURITY_TIME": str(scenario.job_security_time),
            "QUOTAS": "no",
            "JOB_PRIORITY": "FIFO",
            "LOG_FILE": ":stderr:",
            "EXTRA_METASCHED": "default",
            "EXTRA_METASCHED_CONFIG": "",
        }
    )
    group = None if plugin is None else plugin.group
    text = "" if plugin is None else plugin.args or scenario.config
    if group == METASCHED_GROUP:
        config.update({"EXTRA_METASCHED": PLUGIN_NAME, "EXTRA_METASCHED_CONFIG": text})
    elif group == SORT_GROUP:
        config.update(
            {
                "JOB_PRIORITY": "CUSTOM",
                "CUSTOM_JOB_SORTING": PLUGIN_NAME,
                "CUSTOM_JOB_SORTING_CONFIG": text or "{}",
            }
        )
    return config


def _names(queues: Any) -> tuple[tuple[str, int], ...]:
    return tuple((str(q.name), int(q.priority)) for q in queues)


def _failure(exc: BaseException) -> PluginError:
    summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return PluginError(
        "raised",
        f"OAR3's meta_schedule failed: {summary}",
        "".join(traceback.format_exception(exc)).strip(),
        oar3=True,
    )


def session_problem(session: Any) -> str:
    """Why ``session`` cannot run ``SELECT 1`` any more ("" when it can)."""
    try:
        session.execute(text("SELECT 1")).scalar()
    except Exception as exc:  # whatever state the plugin left is reported
        lines = traceback.format_exception_only(type(exc), exc)
        return "".join(lines).strip().splitlines()[0]
    return ""


class _RoundAborted(BaseException):
    """Raised by a recorder after a failed call: OAR3's round would end there.

    A ``BaseException``, so no ``except Exception`` in OAR3 or the plugin stops it.
    """


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


@dataclass(frozen=True)
class Played:
    """What one ``meta_schedule`` run did with the plugin: its calls and the failure.

    ``calls`` are a metasched plugin's calls; ``plugin_calls`` and ``plugin_seconds``
    count every call of the plugin under test, whatever its group. ``error`` is the
    plugin's failed call, or OAR3's own failure (``error.oar3``).
    """

    calls: tuple[Call, ...]
    error: PluginError | None
    plugin_calls: int
    plugin_seconds: float


@contextmanager
def oar3_clock(now: int) -> Iterator[ModuleType]:
    """OAR3 as one of its processes sees it at ``now``: its clock answers ``now``, its
    network notifications go nowhere, and its module-level state starts afresh (every
    OAR3 round is a new process). Yields ``oar.kao.meta_sched``."""
    module = meta_sched()
    tools = importlib.import_module("oar.lib.tools")
    stubs = dict(_NOTIFICATIONS, get_date=lambda *a: now)
    with (
        oar3.isolated_oar3_state(oar3.scheduling()),
        _patched(tools, stubs),
        _as_oar_user(),
    ):
        yield module


@contextmanager
def _as_oar_user() -> Iterator[None]:
    """``OARDO_USER=oar`` while OAR3 runs: its daemons run as ``oar``, and functions such
    as ``frag_job`` (a round frags besteffort jobs) read the acting user from it, else
    from ``USER``, which a CI container may not set."""
    saved = os.environ.get("OARDO_USER")
    os.environ["OARDO_USER"] = "oar"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["OARDO_USER"]
        else:
            os.environ["OARDO_USER"] = saved


def play_round(
    session: Any,
    config: Any,
    plugin: RoundPlugin | None,
    now: int,
    timeout: float = DEFAULT_TIMEOUT,
) -> Played:
    """Run one ``meta_schedule`` round at ``now`` on what ``session`` holds, with
    ``plugin`` configured (``config`` from :func:`round_config`); ``None``: OAR3 alone."""
    real_lookup = importlib.import_module("oar.lib.plugins").find_plugin_function
    platform = _platform()
    calls: list[Call] = []
    counted: list[float] = []
    failure: list[PluginError] = []

    def metasched_recorder(*args: Any) -> None:
        assert plugin is not None
        prev, queues = args[1], args[6]
        prev_names = None if prev is None else _names(prev)
        names = _names(queues)
        call = call_guarded(plugin.func, args, {}, timeout)
        counted.append(call.seconds)
        broken = session_problem(session)
        calls.append(Call(prev_names, names, call.error, broken, call.seconds))
        if call.error is not None or broken:
            failure.append(call.error or PluginError("session", broken))
            raise _RoundAborted

    def recorder(*args: Any, **kwargs: Any) -> Any:
        assert plugin is not None
        call = call_guarded(plugin.func, args, kwargs, timeout)
        counted.append(call.seconds)
        error = call.error
        if error is None and plugin.group == FIND_GROUP:
            error = read_answer(call.value)[1]  # OAR3 would fail on it in its own code
        if error is not None:
            failure.append(error)
            raise _RoundAborted
        return call.value

    def lookup(group: str, name: str) -> Any:
        if plugin is not None and group == plugin.group and name == PLUGIN_NAME:
            return metasched_recorder if group == METASCHED_GROUP else recorder
        return real_lookup(group, name)

    with oar3_clock(now) as module, ExitStack() as lookups:
        for name in _LOOKUP_MODULES:
            target = importlib.import_module(name)
            lookups.enter_context(_patched(target, {"find_plugin_function": lookup}))
        try:
            module.meta_schedule(session, config, "internal", platform)
        except _RoundAborted:
            pass
        except Exception as exc:  # OAR3 failing, on what the plugin left or on its own
            failure.append(_failure(exc))
    error = failure[0] if failure else None
    return Played(tuple(calls), error, len(counted), sum(counted))


def run_round(
    session: Any,
    scenario: RoundScenario,
    plugin: RoundPlugin | Callable[..., Any] | None,
    timeout: float = DEFAULT_TIMEOUT,
) -> RoundResult:
    """Load ``scenario`` into ``session`` and run one round with ``plugin`` configured.

    A bare function is taken as an ``oar.extra_metasched_func`` plugin; ``None`` runs
    OAR3 alone (its default policies, as a bare round).
    """
    if plugin is not None and not isinstance(plugin, RoundPlugin):
        plugin = RoundPlugin(METASCHED_GROUP, plugin)
    meta_sched()
    selector = None if plugin is None else plugin_type(plugin)
    moldables = load(session, scenario, selector)
    played = play_round(session, round_config(scenario, plugin), plugin, scenario.now, timeout)
    gantt: tuple[GanttEntry, ...] = ()
    states: tuple[tuple[int, str], ...] = ()
    if not session_problem(session):
        gantt, states = read_gantt(session, scenario, moldables), read_states(session)
    return RoundResult(
        played.calls,
        gantt,
        states,
        played.error,
        played.plugin_calls,
        played.plugin_seconds,
    )


def read_gantt(
    session: Any, scenario: RoundScenario, moldables: dict[int, tuple[int, int]]
) -> tuple[GanttEntry, ...]:
    """The gantt tables as plain values, one entry per (job, moldable) in them."""
    from oar.lib.models import GanttJobsPrediction, GanttJobsResource  # noqa: PLC0415

    query = select(GanttJobsPrediction.moldable_id, GanttJobsPrediction.start_time)
    starts = {int(m): int(s) for m, s in session.execute(query)}
    ids: dict[int, set[int]] = {}
    ours = {rid: own for own, rid in scenario.platform.resource_ids.items()}
    rows = session.execute(select(GanttJobsResource.moldable_id, GanttJobsResource.resource_id))
    for mld_id, rid in rows:
        ids.setdefault(int(mld_id), set()).add(ours.get(int(rid), int(rid)))
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

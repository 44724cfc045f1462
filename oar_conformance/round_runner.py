"""The database-round adapter: a plugin of any group inside a real OAR3 round, read back.

For a :class:`~oar_conformance.round_scenario.RoundScenario` the runner loads the rows into
the kit's database (``CheckOptions.db``: an in-memory sqlite by default) inside a
transaction rolled back afterwards, runs one real ``meta_schedule`` round with the plugin
configured as a site configures its group (``EXTRA_METASCHED``, ``CUSTOM_JOB_SORTING``,
or a ``find=``/``assign=`` type on some waiting jobs, see
:class:`~oar_conformance.db.RoundPlugin`) and reads back the calls a metasched plugin
received, whether the session stayed usable, and the resulting gantt
(:class:`RoundOutcome`). The schema is
created once per database and process; examples only add rows inside their transaction.
For R2 the same scenario also runs on the other kind of database (PostgreSQL when the
main one is sqlite); without a PostgreSQL the check is skipped, saying why.
"""

from __future__ import annotations

import unittest
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from oar_conformance._guard import DEFAULT_TIMEOUT
from oar_conformance.db import (
    Call,
    Database,
    GanttEntry,
    RoundPlugin,
    RoundResult,
    get_database,
    run_round,
)
from oar_conformance.db._postgres import DatabaseUnavailable
from oar_conformance.db._round import EXTRA_METASCHED_GROUP, JOB_TYPE_GROUPS
from oar_conformance.driving import CheckOptions, Driver
from oar_conformance.errors import CheckSkipped
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import plugin_args_text
from oar_conformance.round_scenario import RoundScenario

__all__ = [
    "PostgresqlUnavailable",
    "RoundOutcome",
    "RoundRunner",
    "make_driver",
    "other_database",
]


class PostgresqlUnavailable(CheckSkipped, unittest.SkipTest):
    """A check needing PostgreSQL cannot run here; a ``SkipTest`` so Hypothesis passes it on."""


@dataclass(frozen=True)
class RoundOutcome:
    """One observed round: a metasched plugin's calls, the gantt, the jobs' states.

    ``group`` is the plugin's entry-point group and ``plugin_calls`` how many times OAR3
    called it; ``plugin_jobs_placed`` counts the placed jobs whose type names it. ``db``
    names the database kind it ran on. ``other`` is the same round on the other kind of
    database (``None`` unless R2 asked for it), ``other_db`` its kind.
    """

    calls: tuple[Call, ...]
    gantt: tuple[GanttEntry, ...]
    states: tuple[tuple[int, str], ...]
    error: PluginError | None = None
    db: str = "sqlite"
    other: RoundResult | None = None
    other_db: str = ""
    seconds: float = 0.0
    group: str = EXTRA_METASCHED_GROUP
    plugin_calls: int = 0
    plugin_jobs_placed: int = 0

    @property
    def scheduled(self) -> bool:
        """At least one waiting job got a place in the gantt."""
        return any(not e.running for e in self.gantt)


@cache
def other_database(main: str) -> Database:
    """The database R2 compares ``main`` with: PostgreSQL for sqlite, sqlite otherwise."""
    if main != "sqlite":
        return get_database("sqlite")
    try:
        return get_database("postgresql")
    except DatabaseUnavailable as exc:
        msg = f"R2 needs a PostgreSQL server and none could be started: {exc}"
        raise PostgresqlUnavailable(msg) from None


@dataclass
class RoundRunner:
    """Runs one plugin, configured as its group is, on round scenarios in database ``db``."""

    plugin: RoundPlugin
    db: str = "sqlite"
    timeout: float = DEFAULT_TIMEOUT
    database: Database | None = field(default=None, repr=False)

    def _database(self) -> Database:
        if self.database is None:
            self.database = get_database(self.db)
        return self.database

    def _round(self, database: Database, scenario: RoundScenario) -> RoundResult:
        with database.session() as session:
            return run_round(session, scenario, self.plugin, self.timeout)

    def run(self, scenario: RoundScenario, needs: Collection[str] = ()) -> RoundOutcome:
        """Observe the plugin on ``scenario``; ``needs`` may ask for the other database."""
        database = self._database()
        result = self._round(database, scenario)
        other = None
        other_kind = ""
        if "other-db" in needs:
            second = other_database(self.db if self.db == "sqlite" else "postgresql")
            other, other_kind = self._round(second, scenario), second.kind
        return RoundOutcome(
            calls=result.calls,
            gantt=result.gantt,
            states=result.states,
            error=result.error,
            db=database.kind,
            other=other,
            other_db=other_kind,
            seconds=result.plugin_seconds,
            group=self.plugin.group,
            plugin_calls=result.plugin_calls,
            plugin_jobs_placed=sum(
                1 for e in result.gantt if not e.running and e.job_id in scenario.plugin_jobs
            ),
        )


def make_driver(func: Callable[..., Any], options: CheckOptions) -> Driver:
    """Round checks: generated rounds, each run once in the kit's database.

    The plugin is configured for its group (``options.group``); ``options.args``/``kwargs``
    are written back as ``a:b:key=value``: a find or assign plugin gets them in its job
    type (``find=NAME:a:b:key=value``), a metasched or sort plugin as its configuration
    string.
    """
    from oar_conformance import strategies as ost  # noqa: PLC0415 - strategies are heavy

    group = options.group or EXTRA_METASCHED_GROUP
    args = plugin_args_text(options.args, options.kwargs)
    runner = RoundRunner(RoundPlugin(group, func, args), options.db, options.timeout)

    per_job = plugin_type_of(group)

    def classify(outcome: Any) -> str:
        if outcome.error is not None:
            return "error"
        placed = outcome.plugin_jobs_placed if per_job else outcome.scheduled
        return "allocated" if placed else "unschedulable"

    top = max(1, min(options.profile.max_resources, 16))
    strategy = ost.round_scenarios(max_resources=top, plugin_jobs=per_job)
    return Driver(
        strategy=strategy,
        run=runner.run,
        classify=classify,
        resources=lambda scenario: len(scenario.platform.resources),
    )


def plugin_type_of(group: str) -> bool:
    """Whether plugins of ``group`` are selected per job, by a ``find=``/``assign=`` type."""
    return group in JOB_TYPE_GROUPS

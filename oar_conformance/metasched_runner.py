"""The OAR3 adapter for ``oar.extra_metasched_func`` plugins: database rounds, read back.

For a :class:`~oar_conformance.round_scenario.RoundScenario` the runner loads the rows into
the kit's database (``CheckOptions.db``: an in-memory sqlite by default) inside a
transaction rolled back afterwards, runs one real ``meta_schedule`` round with the plugin
configured as ``EXTRA_METASCHED`` and reads back the calls the plugin received, whether the
session stayed usable, and the resulting gantt (:class:`MetaschedOutcome`). The schema is
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
from oar_conformance.db import Call, Database, GanttEntry, RoundResult, get_database, run_round
from oar_conformance.db._postgres import DatabaseUnavailable
from oar_conformance.driving import CheckOptions, Driver
from oar_conformance.errors import CheckSkipped
from oar_conformance.outcome import PluginError
from oar_conformance.round_scenario import RoundScenario

__all__ = [
    "MetaschedOutcome",
    "MetaschedRunner",
    "PostgresqlUnavailable",
    "make_driver",
    "other_database",
]


class PostgresqlUnavailable(CheckSkipped, unittest.SkipTest):
    """A check needing PostgreSQL cannot run here; a ``SkipTest`` so Hypothesis passes it on."""


@dataclass(frozen=True)
class MetaschedOutcome:
    """One observed round: the plugin's calls, the gantt, the jobs' states.

    ``db`` names the database kind it ran on. ``other`` is the same round on the other
    kind of database (``None`` unless R2 asked for it), ``other_db`` its kind.
    """

    calls: tuple[Call, ...]
    gantt: tuple[GanttEntry, ...]
    states: tuple[tuple[int, str], ...]
    error: PluginError | None = None
    db: str = "sqlite"
    other: RoundResult | None = None
    other_db: str = ""
    seconds: float = 0.0

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
class MetaschedRunner:
    """Runs one metasched plugin on round scenarios in database ``db``."""

    func: Callable[..., Any]
    db: str = "sqlite"
    timeout: float = DEFAULT_TIMEOUT
    database: Database | None = field(default=None, repr=False)

    def _database(self) -> Database:
        if self.database is None:
            self.database = get_database(self.db)
        return self.database

    def _round(self, database: Database, scenario: RoundScenario) -> RoundResult:
        with database.session() as session:
            return run_round(session, scenario, self.func, self.timeout)

    def run(self, scenario: RoundScenario, needs: Collection[str] = ()) -> MetaschedOutcome:
        """Observe the plugin on ``scenario``; ``needs`` may ask for the other database."""
        database = self._database()
        result = self._round(database, scenario)
        other = None
        other_kind = ""
        if "other-db" in needs:
            second = other_database(self.db if self.db == "sqlite" else "postgresql")
            other, other_kind = self._round(second, scenario), second.kind
        return MetaschedOutcome(
            calls=result.calls,
            gantt=result.gantt,
            states=result.states,
            error=result.error,
            db=database.kind,
            other=other,
            other_db=other_kind,
            seconds=sum(c.seconds for c in result.calls),
        )


def make_driver(func: Callable[..., Any], options: CheckOptions) -> Driver:
    """Metasched checks: generated rounds, each run once in the kit's database."""
    from oar_conformance import strategies as ost  # noqa: PLC0415 - strategies are heavy

    runner = MetaschedRunner(func, options.db, options.timeout)

    def classify(outcome: Any) -> str:
        if outcome.error is not None:
            return "error"
        return "allocated" if outcome.scheduled else "unschedulable"

    top = max(1, min(options.profile.max_resources, 16))
    return Driver(
        strategy=ost.round_scenarios(max_resources=top),
        run=runner.run,
        classify=classify,
        resources=lambda scenario: len(scenario.platform.resources),
    )

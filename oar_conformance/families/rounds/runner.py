"""The database-round adapter: a plugin of any group inside a real OAR3 round, read back.

For a :class:`~oar_conformance.families.rounds.scenario.RoundScenario` the runner loads
the rows into the kit's database (``CheckOptions.db``: an in-memory sqlite by default) inside a
transaction rolled back afterwards, runs one real ``meta_schedule`` round with the plugin
configured as a site configures its group (``EXTRA_METASCHED``, ``CUSTOM_JOB_SORTING``,
or a ``find=``/``assign=`` type on some waiting jobs, see
:class:`~oar_conformance.families.rounds.oar_round.RoundPlugin`) and reads back the calls
a metasched plugin received, whether the session stayed usable, and the resulting gantt
(:class:`RoundOutcome`). The schema is
created once per database and process; examples only add rows inside their transaction.
For R2 the same scenario also runs on the other kind of database (PostgreSQL when the
main one is sqlite); without a PostgreSQL the check is skipped, saying why.
"""

from __future__ import annotations

import unittest
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache

from oar_conformance._guard import DEFAULT_TIMEOUT
from oar_conformance.db import Database, get_database
from oar_conformance.db._postgres import DatabaseUnavailable
from oar_conformance.errors import CheckSkipped
from oar_conformance.families.rounds.oar_round import RoundPlugin, run_round
from oar_conformance.families.rounds.outcome import (
    OAR3_ALONE,
    OTHER_DB,
    OTHER_DB_ALONE,
    RoundOutcome,
    RoundResult,
)
from oar_conformance.families.rounds.scenario import RoundScenario

__all__ = [
    "PostgresqlUnavailable",
    "RoundRunner",
    "other_database",
]


class PostgresqlUnavailable(CheckSkipped, unittest.SkipTest):
    """A check needing PostgreSQL cannot run here; a ``SkipTest`` so Hypothesis passes it on."""

    need = OTHER_DB


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

    def _round(
        self, database: Database, scenario: RoundScenario, *, alone: bool = False
    ) -> RoundResult:
        """``scenario``'s round with the plugin configured (``alone``: OAR3's defaults)."""
        with database.session() as session:
            return run_round(session, scenario, None if alone else self.plugin, self.timeout)

    def run(self, scenario: RoundScenario, needs: Collection[str] = ()) -> RoundOutcome:
        """Observe the plugin on ``scenario``; ``needs`` may ask for the other database's
        round too (``other-db``), or for it alone (``other-db alone``, see :func:`merge`),
        and for the round with OAR3's defaults in the plugin's place (``oar3-alone``)."""
        other = None
        other_kind = ""
        if OTHER_DB in needs or OTHER_DB_ALONE in needs:
            second = other_database(self.db if self.db == "sqlite" else "postgresql")
            other, other_kind = self._round(second, scenario), second.kind
        if OTHER_DB_ALONE in needs:
            assert other is not None
            return RoundOutcome(
                calls=(),
                gantt=(),
                states=(),
                other=other,
                other_db=other_kind,
                group=self.plugin.group,
            )
        database = self._database()
        result = self._round(database, scenario)
        alone = self._round(database, scenario, alone=True) if OAR3_ALONE in needs else None
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
            oar3=alone,
        )

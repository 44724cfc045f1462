"""The campaign adapter: a plugin configured as a site configures it, through a campaign.

For a :class:`~oar_conformance.families.campaigns.scenario.CampaignScenario` the runner
plays the whole campaign in one session of the kit's database (``CheckOptions.db``),
inside a transaction rolled back afterwards, so every campaign starts from an empty
database without recreating the schema. OAR3's commits during the campaign only release
savepoints. ``needs`` may ask for the same campaign with OAR3's default in place of the
plugin (``oar3-alone``, to set OAR3's own behaviour apart) and on the other kind of
database (``other-db``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from oar_conformance._guard import DEFAULT_TIMEOUT
from oar_conformance.db import Database, get_database
from oar_conformance.families.campaigns.oar_campaign import run_campaign
from oar_conformance.families.campaigns.outcome import (
    OAR3_ALONE,
    OAR3_ALONE_ONLY,
    OTHER_DB,
    CampaignOutcome,
    Trace,
)
from oar_conformance.families.campaigns.scenario import CampaignScenario
from oar_conformance.families.rounds.oar_round import RoundPlugin
from oar_conformance.families.rounds.runner import other_database

__all__ = ["CampaignRunner"]


@dataclass
class CampaignRunner:
    """Plays campaigns with one plugin, configured as its group is, in database ``db``."""

    plugin: RoundPlugin
    db: str = "sqlite"
    timeout: float = DEFAULT_TIMEOUT
    database: Database | None = field(default=None, repr=False)

    def _database(self) -> Database:
        if self.database is None:
            self.database = get_database(self.db)
        return self.database

    def _play(
        self, database: Database, scenario: CampaignScenario, plugin: RoundPlugin | None
    ) -> tuple[Trace, int, float]:
        with database.session() as session:
            trace, run = run_campaign(session, scenario, plugin, self.timeout, database.kind)
        return trace, run.calls, run.seconds

    def run(self, scenario: CampaignScenario, needs: Collection[str] = ()) -> CampaignOutcome:
        """Observe the plugin through ``scenario`` (and what ``needs`` asks for)."""
        database = self._database()
        oar3 = None
        if OAR3_ALONE in needs or OAR3_ALONE_ONLY in needs:
            oar3 = self._play(database, scenario, None)[0]
        if OAR3_ALONE_ONLY in needs:
            return CampaignOutcome(Trace((), database.kind), oar3=oar3, group=self.plugin.group)
        other = None
        if OTHER_DB in needs:
            second = other_database(self.db if self.db == "sqlite" else "postgresql")
            other = self._play(second, scenario, self.plugin)[0]
        trace, calls, seconds = self._play(database, scenario, self.plugin)
        return CampaignOutcome(
            trace,
            oar3=oar3,
            other=other,
            seconds=seconds,
            group=self.plugin.group,
            plugin_calls=calls,
        )

"""The campaign family: one OAR3 database driven through many rounds, as a cluster lives.

Scenarios are a platform, OAR3's queues and a list of steps (submissions, reservations,
ends, deletions, holds, resource and queue states, waits); the runner plays them in one
database with the plugin configured as a site configures its group, one tick and one
``meta_schedule`` round after each step (needs OAR3). Invariants C1..C13 judge what the
rounds left, with OAR3's own behaviour (the same campaign with its default in place of
the plugin, played by a second worker) set apart as OAR3 findings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oar_conformance.families._family import Family, platform_size
from oar_conformance.families.campaigns.invariants import INVARIANTS, oar3_findings
from oar_conformance.families.campaigns.outcome import (
    OAR3_ALONE,
    OAR3_ALONE_ONLY,
    CampaignOutcome,
    Trace,
    merge,
)
from oar_conformance.families.campaigns.render import campaign_case
from oar_conformance.families.campaigns.scenario import DATA_TYPES, CampaignScenario
from oar_conformance.families.rounds import MAX_ROUND_RESOURCES, declare_site_columns
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import JOB_TYPE_SELECTORS, METASCHED_GROUP, plugin_args_text

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from oar_conformance.families.campaigns.runner import CampaignRunner
    from oar_conformance.options import CheckOptions
    from oar_conformance.profiles import Profile

__all__ = ["FAMILY", "CampaignOutcome", "CampaignScenario"]


SHRINK_TRIES = 200
"""How many campaigns shrinking one failure may try: each try plays a whole campaign (a
failing one also under OAR3's defaults, beside it). A few seconds to a minute; enough to
drop the steps a failure does not need."""


def _campaign_scenarios(options: CheckOptions) -> SearchStrategy[CampaignScenario]:
    """Campaigns for the plugin's group: every job names a find or assign plugin."""
    from oar_conformance import strategies as ost  # noqa: PLC0415 - strategies are heavy

    declare_site_columns(options)
    top = max(1, min(options.profile.max_resources, MAX_ROUND_RESOURCES))
    per_job = (options.group or METASCHED_GROUP) in JOB_TYPE_SELECTORS
    return ost.campaigns(
        max_resources=top,
        max_steps=options.profile.campaign_steps,
        plugin_jobs=per_job,
        site=options.site,
    )


def _campaign_runner(func: Callable[..., Any], options: CheckOptions) -> CampaignRunner:
    from oar_conformance.families.campaigns.runner import CampaignRunner  # noqa: PLC0415
    from oar_conformance.families.rounds.oar_round import RoundPlugin  # noqa: PLC0415

    declare_site_columns(options)
    group = options.group or METASCHED_GROUP
    args = plugin_args_text(options.args, options.kwargs)
    return CampaignRunner(RoundPlugin(group, func, args), options.db, options.timeout)


def _failed_campaign(error: PluginError, options: CheckOptions) -> CampaignOutcome:
    """A campaign whose plugin never answered: no trace, the lost call (its family's
    check of failed calls reports it, in single calls and rounds; no campaign check)."""
    kind = "sqlite" if options.db == "sqlite" else "postgresql"
    group = options.group or METASCHED_GROUP
    return CampaignOutcome(Trace((), kind), group=group, lost=error)


def _classify_campaign(outcome: CampaignOutcome) -> str:
    """Allocated when some job was launched during the campaign."""
    if outcome.error is not None:
        return "error"
    launched = any(j.launched for r in outcome.trace.rounds for j in r.jobs)
    return "allocated" if launched else "unschedulable"


def _budget(profile: Profile) -> int:
    return profile.campaigns


FAMILY: Family[CampaignScenario, CampaignOutcome] = Family(
    invariants=INVARIANTS,
    scenarios=_campaign_scenarios,
    runner=_campaign_runner,
    classify=_classify_campaign,
    size=platform_size,
    render=campaign_case,
    data_types=DATA_TYPES,
    failed=_failed_campaign,
    needs_oar3=True,
    needs_database=True,
    beside=(OAR3_ALONE, OAR3_ALONE_ONLY),
    merge=merge,
    budget=_budget,
    findings=oar3_findings,
    shrink_tries=SHRINK_TRIES,
)

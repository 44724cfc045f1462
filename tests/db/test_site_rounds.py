"""Rounds inside a site profile: the site's labels and property columns reach OAR3.

The kit's databases get the site's extra columns (``gpu`` here), the rows are the
site's, and OAR3's ``meta_schedule`` reads ``HIERARCHY_LABELS`` and the resource order
from them, so a plugin written for the site is checked in rounds too.
"""

from __future__ import annotations

from pathlib import Path

from _dbhelp import FAST, SEED, needs_oar3
from hypothesis import given, settings

from oar_conformance import strategies as ost
from oar_conformance.catalogue import get
from oar_conformance.driver import CheckOptions, run_check
from oar_conformance.families.rounds.oar_round import round_config
from oar_conformance.families.rounds.scenario import RoundScenario
from oar_conformance.plugins import FIND_GROUP, METASCHED_GROUP, PluginSpec
from oar_conformance.profiles import Profile
from oar_conformance.shared_run import run_invariants
from oar_conformance.site import parse_site, read_site

pytestmark = needs_oar3

SITE = read_site(Path(__file__).parents[1] / "samples" / "sites" / "cpu_core.toml")


def options() -> CheckOptions:
    return CheckOptions(profile=FAST, seed=SEED, example_database=None, site=SITE)


def test_rounds_of_the_no_op_metasched_hold_inside_the_site() -> None:
    run_check(PluginSpec(METASCHED_GROUP, "sample_noop"), get("R1"), options())


def test_a_site_find_plugin_passes_r1_in_its_sites_rounds() -> None:
    run_check(PluginSpec(FIND_GROUP, "site_cpu_core"), get("R1"), options())


def test_a_plugin_for_the_sites_requests_passes_r1_in_its_sites_rounds() -> None:
    """Jobs of the site's rounds name only its ``request-levels`` (never ``resource_id``)."""
    run_check(PluginSpec(FIND_GROUP, "site_no_resource_id"), get("R1"), options())


def test_round_configuration_follows_the_sites_table() -> None:
    seen: list[str] = []

    @settings(max_examples=5, database=None, deadline=None)
    @given(ost.round_scenarios(max_resources=16, site=SITE))
    def configured(scenario: RoundScenario) -> None:
        config = round_config(scenario, None)
        seen.append(config["HIERARCHY_LABELS"])
        assert config["SCHEDULER_RESOURCE_ORDER"] == SITE.order

    configured()
    assert set(seen) == {"resource_id,network_address,cpu,core"}


def test_property_values_with_quotes_reach_oar3_escaped() -> None:
    """``{team='o''neil'}``: the expression OAR3 runs selects what the kit expects."""
    site = parse_site(
        {"properties": {"team": ["o'neil", "plain"]}, "fanout": {"resource_id": [1, 3]}},
        "quotes",
    )
    seen: list[str] = []

    @settings(max_examples=200, database=None, deadline=None)
    @given(ost.round_scenarios(max_resources=16, site=site))
    def drawn(scenario: RoundScenario) -> None:
        seen.extend(g.expression for j in scenario.jobs for m in j.moldables for g in m.groups)

    drawn()
    assert "team='o''neil'" in seen
    quoted = CheckOptions(profile=FAST, seed=SEED, example_database=None, site=site)
    run_check(PluginSpec(FIND_GROUP, "sample_first_fit"), get("R1"), quoted)


def test_campaigns_of_a_site_find_plugin_hold_inside_the_site() -> None:
    """Campaigns are drawn on the site's platform and played with its labels and order."""
    profile = Profile("site-campaigns", 30, 16, "site campaigns", campaigns=5, campaign_steps=6)
    site_options = CheckOptions(profile=profile, seed=SEED, example_database=None, site=SITE)
    result = run_invariants(
        PluginSpec(FIND_GROUP, "site_cpu_core"), [get("C1"), get("C4"), get("C10")], site_options
    )

    assert result.examples == 5
    assert all(v is None for v in result.outcomes.values()), result.outcomes

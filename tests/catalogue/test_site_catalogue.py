"""Site profiles and the run-level invariants, proven both ways on installed samples.

``site_cpu_core`` is written for a ``network_address/cpu/core`` site (it reads
``hy["cpu"]``): inside that site's profile it passes, outside it F6 reports its KeyError.
``bad_f10_quadratic`` answers correctly in a time growing with the square of the
platform: F10 catches it at the size of a site that lists 1,000 resources.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _catalogue import caught, check
from hypothesis import given, settings

from oar_conformance import strategies as ost
from oar_conformance.errors import CheckSkipped
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.site import read_site

FIND = "oar.find_func"
SITES = Path(__file__).parents[1] / "samples" / "sites"
CPU_CORE = read_site(SITES / "cpu_core.toml")
LARGE = read_site(SITES / "large.toml")


@pytest.mark.parametrize("invariant_id", ["F1", "F2", "F3", "F4", "F5", "F6", "F9"])
def test_site_plugin_passes_inside_its_site(invariant_id: str) -> None:
    check(FIND, "site_cpu_core", invariant_id, site=CPU_CORE)


def test_site_plugin_fails_f6_outside_its_site() -> None:
    failure = caught(FIND, "site_cpu_core", "F6")
    assert "KeyError: 'cpu'" in failure.violation.message


def test_quadratic_plugin_is_too_slow_at_the_sites_size() -> None:
    failure = caught(FIND, "bad_f10_quadratic", "F10", site=LARGE)
    assert "over the budget of 0.1 s" in failure.violation.message
    assert "time ~ size^" in failure.violation.message


def test_linear_plugin_is_within_the_sites_budget() -> None:
    check(FIND, "sample_first_fit", "F10", site=LARGE)


def test_cost_is_not_judged_without_reaching_the_size() -> None:
    with pytest.raises(CheckSkipped, match="no example reached 65,536 resources"):
        check(FIND, "sample_first_fit", "F10")


def test_site_platforms_stay_inside_the_site() -> None:
    @settings(max_examples=60, database=None, deadline=None)
    @given(ost.find_scenarios(min_resources=1, max_resources=64, site=CPU_CORE))
    def inside(scenario: FindScenario) -> None:
        platform = scenario.platform
        assert platform.level_names == ("network_address", "cpu", "core", "resource_id")
        assert platform.hy_order == ("network_address", "cpu", "core", "resource_id")
        table = platform.table
        assert table is not None
        assert 4 <= len(table.rows) <= 48
        assert set(platform.properties) == {"type", "gpu"}
        for group in scenario.groups:
            assert {name for name, _ in group.levels} <= set(CPU_CORE.request_levels)
            assert "color" not in group.expression
            assert "mem" not in group.expression

    inside()

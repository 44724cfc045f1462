"""Site profiles and the run-level invariants, proven both ways on installed samples.

``site_cpu_core`` is written for a ``network_address/cpu/core`` site (it reads
``hy["cpu"]``): inside that site's profile it passes, outside it F6 reports its KeyError.
``site_no_resource_id`` handles the requests that site lets through (nodes, cpus and
cores, never ``resource_id``): a whole ``ci`` check passes inside the profile, and F6
reports its ValueError without the profile or with a profile letting every level through.
``bad_f10_quadratic`` answers correctly in a time growing with the square of the
platform: F10 catches it at the size of a site that lists 1,000 resources.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from _catalogue import SEED, caught, check
from hypothesis import given, settings

import oar_conformance
from oar_conformance import oar3
from oar_conformance import strategies as ost
from oar_conformance.errors import CheckSkipped
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.model import request_oarsub
from oar_conformance.options import CheckOptions
from oar_conformance.profiles import get_profile
from oar_conformance.site import parse_site, read_site

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

FIND = "oar.find_func"
SITES = Path(__file__).parents[1] / "samples" / "sites"
CPU_CORE = read_site(SITES / "cpu_core.toml")
LARGE = read_site(SITES / "large.toml")
EVERY_LEVEL = parse_site(
    {
        k: v
        for k, v in tomllib.loads((SITES / "cpu_core.toml").read_text(encoding="utf-8")).items()
        if k != "request-levels"
    },
    "cpu_core.toml without request-levels",
)
"""The same site, letting requests name every level (``resource_id`` included)."""
FIND_IDS = ("F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10")


@pytest.mark.parametrize("invariant_id", ["F1", "F2", "F3", "F4", "F5", "F6", "F9"])
def test_site_plugin_passes_inside_its_site(invariant_id: str) -> None:
    check(FIND, "site_cpu_core", invariant_id, site=CPU_CORE)


def test_site_plugin_fails_f6_outside_its_site() -> None:
    failure = caught(FIND, "site_cpu_core", "F6")
    assert "KeyError: 'cpu'" in failure.violation.message


def test_a_plugin_for_the_sites_requests_passes_a_whole_ci_check_inside_it() -> None:
    options = CheckOptions(
        profile=get_profile("ci"), seed=SEED, example_database=None, site=CPU_CORE
    )
    result = oar_conformance.check(f"{FIND}:site_no_resource_id", *FIND_IDS, options=options)
    passed = {name.rsplit("::", 1)[1] for name in result.passed}
    assert {"F1", "F2", "F3", "F4", "F5", "F6", "F9", "F10"} <= passed, result
    allowed = {"advisory invariant violated"}
    if not oar3.status().available:  # F8 compares with OAR3's default find
        allowed.add(oar3.status().skip_line)
    assert {reason for _, reason in result.skipped} <= allowed


@pytest.mark.parametrize("site", [None, EVERY_LEVEL], ids=["no-site", "every-level"])
def test_a_plugin_for_the_sites_requests_fails_f6_when_requests_name_other_levels(
    site: object,
) -> None:
    failure = caught(FIND, "site_no_resource_id", "F6", site=site)
    assert "ValueError: requests at this site never name 'resource_id'" in (
        failure.violation.message
    )
    assert request_oarsub(failure.violation.scenario.groups) == "/resource_id=1"


def test_quadratic_plugin_is_too_slow_at_the_sites_size() -> None:
    failure = caught(FIND, "bad_f10_quadratic", "F10", site=LARGE)
    assert "over the budget of 0.25 s" in failure.violation.message
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
        assert 1 <= len(platform.level("network_address").blocks) <= 6
        assert set(platform.properties) == {"type", "gpu"}
        for group in scenario.groups:
            assert {name for name, _ in group.levels} <= {"network_address", "cpu", "core"}
            assert "color" not in group.expression
            assert "mem" not in group.expression

    inside()

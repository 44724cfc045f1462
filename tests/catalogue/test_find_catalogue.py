"""Every find invariant proven both ways on installed sample plugins.

A correct plugin passes it; a plugin with one deliberate bug is caught by it, with the
expected id. The samples are a real distribution with real entry points
(tests/samples), loaded exactly as OAR3 loads plugins.
"""

from __future__ import annotations

import pytest
from _catalogue import caught, check, needs_oar3

FIND = "oar.find_func"
CONTRACT = ["F1", "F2", "F3", "F4", "F5", "F6", "F9"]
CORRECT = ["sample_first_fit", "sample_last_fit", "sample_disjoint_fit"]


@pytest.mark.parametrize("invariant_id", CONTRACT)
@pytest.mark.parametrize("name", CORRECT)
def test_correct_plugins_pass_every_contract_invariant(name: str, invariant_id: str) -> None:
    check(FIND, name, invariant_id)


@pytest.mark.parametrize("invariant_id", CONTRACT[:-1])
def test_a_plugin_that_never_allocates_breaks_no_safety_invariant(invariant_id: str) -> None:
    check(FIND, "sample_nothing", invariant_id)


@needs_oar3
@pytest.mark.parametrize("invariant_id", [*CONTRACT, "F8"])
def test_no_false_positive_on_oar3_default(invariant_id: str) -> None:
    check(FIND, "sample_oar_default", invariant_id, profile="ci")


@pytest.mark.parametrize(
    ("name", "invariant_id", "kwargs"),
    [
        ("bad_f1_ignores_busy", "F1", {}),
        ("bad_f2_one_extra_block", "F2", {}),
        ("bad_f3_first_group_only", "F3", {}),
        ("bad_f3_resource_id_blocks", "F3", {}),
        ("bad_f9_never_allocates", "F9", {}),
        ("bad_f4_mutates_avail", "F4", {}),
        ("bad_f5_random", "F5", {}),
        ("bad_f6_raises", "F6", {}),
        ("bad_f6_wrong_type", "F6", {}),
        ("bad_f6_hangs", "F6", {"timeout": 0.05}),
        ("bad_f7_overlapping", "F7", {}),
        pytest.param("bad_f8_gives_up", "F8", {}, marks=needs_oar3),
    ],
)
def test_faulty_plugin_caught_with_its_id(
    name: str, invariant_id: str, kwargs: dict[str, object]
) -> None:
    caught(FIND, name, invariant_id, profile="ci", **kwargs)


def test_disjoint_plugin_passes_the_advisory_f7() -> None:
    check(FIND, "sample_disjoint_fit", "F7")


@needs_oar3
@pytest.mark.parametrize("name", ["sample_first_fit", "sample_last_fit"])
def test_first_and_last_fit_find_whenever_the_default_does(name: str) -> None:
    check(FIND, name, "F8")


def test_counterexamples_are_shrunk_to_a_readable_size() -> None:
    """A reader must take a failure in at a glance: few resources, one or two groups."""
    for name, inv in [
        ("bad_f1_ignores_busy", "F1"),
        ("bad_f2_one_extra_block", "F2"),
        ("bad_f3_first_group_only", "F3"),
        ("bad_f4_mutates_avail", "F4"),
        ("bad_f6_raises", "F6"),
    ]:
        scenario = caught(FIND, name, inv, profile="ci").violation.scenario
        assert len(scenario.platform.resources) <= 4, (name, scenario)
        assert len(scenario.groups) <= 2, (name, scenario)


def test_timeout_reports_the_limit() -> None:
    failure = caught(FIND, "bad_f6_hangs", "F6", profile="ci", timeout=0.05)
    assert failure.violation.kind == "timeout"
    assert "0.05 s" in failure.violation.message

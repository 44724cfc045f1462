"""Scenarios as data: every family's scenarios round-trip through JSON, and reading a
record never builds anything but the kit's own types.

The property tests draw scenarios with the kit's own strategies, so a type a strategy
starts to produce without joining its family's ``DATA_TYPES`` fails here first.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oar_conformance import __version__
from oar_conformance import strategies as ost
from oar_conformance.errors import UsageError
from oar_conformance.families import FAMILIES
from oar_conformance.families.find.scenario import DATA_TYPES as FIND_TYPES
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.model import Group, Level, Platform
from oar_conformance.replay import load_scenario
from oar_conformance.scenario_data import (
    FORMAT,
    VERSION,
    DataTypes,
    decode,
    dump_scenario,
    encode,
    scenario_record,
)

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _family(name: str) -> Any:
    return next(f for f in FAMILIES if f.name == name)


def _round_trips(scenario: Any, family: str) -> None:
    """``scenario`` written as JSON text and read back is equal, fields compared apart
    from equality (a platform's table) included."""
    types = _family(family).data_types
    text = dump_scenario(scenario, family=family, types=types)
    record = json.loads(text)
    assert (record["format"], record["version"], record["family"]) == (FORMAT, VERSION, family)
    back = load_scenario(text)
    assert back == scenario
    assert type(back) is type(scenario)
    table = DataTypes(types)
    assert encode(back, table) == encode(scenario, table)
    assert decode(record["scenario"], table) == scenario


@_SETTINGS
@given(ost.find_scenarios(max_resources=40))
def test_find_scenarios_round_trip(scenario: Any) -> None:
    _round_trips(scenario, "find")


@_SETTINGS
@given(ost.assign_scenarios(max_resources=40, max_jobs=5))
def test_assign_scenarios_round_trip(scenario: Any) -> None:
    _round_trips(scenario, "assign")


@_SETTINGS
@given(ost.sort_scenarios(max_jobs=8))
def test_sort_scenarios_round_trip(scenario: Any) -> None:
    _round_trips(scenario, "sort")


@_SETTINGS
@given(ost.round_scenarios(max_jobs=5, plugin_jobs=True))
def test_round_scenarios_round_trip(scenario: Any) -> None:
    _round_trips(scenario, "round")


@_SETTINGS
@given(ost.campaigns(max_steps=8, plugin_jobs=True))
def test_campaign_scenarios_round_trip(scenario: Any) -> None:
    _round_trips(scenario, "campaign")


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.tuples(inner, inner)
            | st.lists(inner, max_size=3)
            | st.frozensets(st.integers(min_value=-3, max_value=40), max_size=6)
            | st.dictionaries(st.integers() | st.text(max_size=3), inner, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_plain_values_round_trip_with_their_types(value: Any) -> None:
    table = DataTypes()
    back = decode(json.loads(json.dumps(encode(value, table))), table)
    assert back == value
    assert _types(back) == _types(value)


def _types(value: Any) -> Any:
    """The types inside ``value``, down to its leaves (``True == 1`` and ``(1,) != [1]``
    are told apart here)."""
    if isinstance(value, tuple | list):
        return (type(value), [_types(v) for v in value])
    if isinstance(value, dict):
        return (dict, sorted((repr(k), _types(k), _types(v)) for k, v in value.items()))
    if isinstance(value, frozenset):
        return (frozenset, sorted(repr(_types(v)) for v in value))
    return type(value)


def test_a_report_json_file_opens_as_its_scenario() -> None:
    platform = Platform((Level("host", (frozenset({0, 1}), frozenset({2, 3}))),))
    scenario = FindScenario(platform, frozenset({1, 2}), (Group((("host", 1),), frozenset()),))
    record = {"plugin": "x", "scenario": scenario_record(scenario, family="find", types=FIND_TYPES)}
    assert load_scenario(json.dumps(record)) == scenario
    assert load_scenario(record) == scenario


def test_an_unregistered_type_is_refused_when_written() -> None:
    with pytest.raises(TypeError, match="add it to its family's DATA_TYPES"):
        dump_scenario(FindScenario(Platform(()), frozenset(), ()), family="find", types=())


def _record(**changes: Any) -> dict[str, Any]:
    scenario = FindScenario(Platform(()), frozenset(), ())
    return {**scenario_record(scenario, family="find", types=FIND_TYPES), **changes}


@pytest.mark.parametrize("version", [VERSION - 1, VERSION + 1])
def test_another_format_version_says_which_kit_wrote_it(version: int) -> None:
    text = json.dumps(_record(version=version, kit="9.9.9"))
    with pytest.raises(UsageError) as caught:
        load_scenario(text)
    assert str(caught.value) == (
        f"this scenario was written by oar-conformance 9.9.9 with format version {version}; "
        f"this kit ({__version__}) reads version {VERSION}: replay it with that version or "
        "re-run the check to get a new report"
    )


def test_a_pickled_report_of_an_older_kit_is_a_usage_error_never_unpickled() -> None:
    with pytest.raises(UsageError, match="embed a pickle, which this kit never opens"):
        load_scenario("gASVKAAAAAAAAACMCGJ1aWx0aW5zlIwFcHJpbnSUk5SMBWhlbGxvlIWUUpQu")


@pytest.mark.parametrize(
    ("scenario", "says"),
    [
        ({"$type": "subprocess.Popen", "args": ["true"]}, "unknown type 'subprocess.Popen'"),
        ({"$type": "Popen"}, "unknown type 'Popen'"),
        ({"$type": "FindScenario", "command": "rm"}, "FindScenario does not take these fields"),
        ({"$ids": 5}, "ids must be text"),
        ({"$eval": "1"}, "unexpected JSON object"),
    ],
)
def test_a_damaged_or_hostile_record_builds_nothing_it_names(
    scenario: dict[str, Any], says: str
) -> None:
    before = set(sys.modules)
    with pytest.raises(UsageError, match=r"is damaged: .*re-run the check") as caught:
        load_scenario(_record(scenario=scenario))
    assert says in str(caught.value)
    assert set(sys.modules) - before == set()


def test_an_unknown_family_says_to_replay_with_the_kit_that_wrote_it() -> None:
    with pytest.raises(UsageError, match=r"family 'brew', unknown to this kit .* that wrote it"):
        load_scenario(_record(family="brew"))


def test_every_family_names_its_types_once() -> None:
    for family in FAMILIES:
        DataTypes(family.data_types)
        assert family.data_types, family.name

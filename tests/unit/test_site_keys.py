"""Every key of a site profile restricts what is generated: one test per key, each with a
site that restricts it, so the test fails when the key is ignored.

``request-levels`` is checked in every family that draws requests inside a site (find,
assign, rounds, campaigns), shrunk examples included; names from a site are plain SQL
identifiers, refused at parse time.
"""

from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, find, given, settings

from oar_conformance import strategies as ost
from oar_conformance.errors import UsageError
from oar_conformance.model import Group, Platform
from oar_conformance.options import CheckOptions
from oar_conformance.site import KEYS, Site, parse_site
from oar_conformance.tally import DEFAULT_CALL_BUDGET, call_budget

if TYPE_CHECKING:
    from collections.abc import Callable

LABELS = "resource_id,network_address,cpu,core"
EXAMPLES = settings(
    max_examples=60, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)
SHRINK = settings(max_examples=100, database=None, deadline=None)
TESTED: set[str] = set()


def proves_key(key: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a test as the one proving ``key``; every key of the site table needs one."""

    def mark(test: Callable[..., None]) -> Callable[..., None]:
        TESTED.add(key)
        return test

    return mark


def every_platform(site: Site, check: Callable[[Platform], None]) -> None:
    @EXAMPLES
    @given(ost.platforms(site=site))
    def drawn(platform: Platform) -> None:
        check(platform)

    drawn()


def top_blocks(platform: Platform) -> int:
    assert platform.table is not None
    top = platform.level_names[0]
    return len({row.column(top) for row in platform.table.rows})


@proves_key("hierarchy-labels")
def test_hierarchy_labels_are_the_platforms_levels() -> None:
    site = parse_site({"hierarchy-labels": "resource_id,network_address,switch"})

    def check(platform: Platform) -> None:
        assert set(platform.level_names) == {"switch", "network_address", "resource_id"}
        assert platform.hy_order == ("network_address", "switch", "resource_id")

    every_platform(site, check)


def test_resource_id_alone_is_a_platform_of_single_resources_on_nodes() -> None:
    """``HIERARCHY_LABELS=resource_id``: hy has that level only; rows still name nodes."""
    site = parse_site({"hierarchy-labels": "resource_id", "resources": [2, 12]})

    def check(platform: Platform) -> None:
        assert platform.level_names == ("resource_id",)
        assert platform.table is not None
        assert 2 <= len(platform.table.rows) <= 12
        assert all(row.network_address for row in platform.table.rows)

    every_platform(site, check)


@proves_key("resource-order")
def test_resource_order_numbers_the_ids() -> None:
    site = parse_site({"resource-order": "resource_id DESC", "resources": [2, 20]})

    def check(platform: Platform) -> None:
        assert platform.table is not None
        assert platform.table.order == "resource_id DESC"
        table_ids = [platform.resource_id(rid) for rid in platform.sorted_resources]
        assert table_ids == sorted(table_ids, reverse=True)

    every_platform(site, check)


@proves_key("resources")
def test_resources_bound_the_number_of_rows() -> None:
    site = parse_site({"resources": [5, 9]})

    def check(platform: Platform) -> None:
        assert platform.table is not None
        assert 5 <= len(platform.table.rows) <= 9

    every_platform(site, check)


@proves_key("fanout")
def test_fanout_bounds_the_blocks_of_every_level_the_top_one_included() -> None:
    site = parse_site(
        {
            "hierarchy-labels": LABELS,
            "resources": [1, 200],
            "fanout": {
                "network_address": [2, 3],
                "cpu": [2, 2],
                "core": [1, 3],
                "resource_id": [1, 1],
            },
        }
    )

    def check(platform: Platform) -> None:
        assert 2 <= top_blocks(platform) <= 3
        table = platform.table
        assert table is not None
        cpus: dict[str, set[object]] = {}
        for row in table.rows:
            cpus.setdefault(row.network_address, set()).add(row.column("cpu"))
        # Every node but the last has its two cpus (the last one may be cut short).
        assert all(len(found) == 2 for found in list(cpus.values())[:-1])

    every_platform(site, check)


def test_the_top_fanout_holds_whatever_the_size_asks() -> None:
    """Three nodes at most, 1 to 16 resources each, in platforms of 40 to 48 resources."""
    site = parse_site(
        {"resources": [40, 48], "fanout": {"network_address": [1, 3], "resource_id": [1, 16]}}
    )

    def check(platform: Platform) -> None:
        assert platform.table is not None
        assert 1 <= top_blocks(platform) <= 3
        assert 40 <= len(platform.table.rows) <= 48

    every_platform(site, check)


def test_a_top_fanout_the_size_cannot_meet_is_refused() -> None:
    with pytest.raises(UsageError, match=r"fanout.network_address=\[1, 2\] with resources="):
        parse_site(
            {"resources": [100, 200], "fanout": {"network_address": [1, 2], "resource_id": [8, 8]}}
        )


@proves_key("properties")
def test_properties_are_the_columns_and_their_only_values() -> None:
    site = parse_site({"properties": {"gpu": ["v100"]}})

    def check(platform: Platform) -> None:
        assert platform.table is not None
        assert {row.values.get("gpu") for row in platform.table.rows} == {"v100"}
        assert "color" not in platform.properties

    every_platform(site, check)


@proves_key("resource")
def test_listed_resources_are_the_platform() -> None:
    rows = [
        {"resource_id": rid, "network_address": f"n{(rid + 1) // 2}", "rack": "r1"}
        for rid in range(1, 5)
    ]
    site = parse_site({"resource": rows})

    def check(platform: Platform) -> None:
        assert site.table is not None
        assert platform.table is not None
        assert platform.table.rows == site.table.rows
        assert [len(b) for b in platform.level("network_address").blocks] == [2, 2]

    every_platform(site, check)


NODE_CORE = parse_site(
    {
        "hierarchy-labels": LABELS,
        "request-levels": ["core", "network_address"],
        "resources": [4, 16],
        "fanout": {"network_address": [1, 4], "cpu": [1, 2], "core": [1, 2]},
    }
)
"""Requests may name nodes and cores: never ``resource_id`` nor ``cpu``."""


FAMILIES = {
    "find": ost.find_scenarios(site=NODE_CORE),
    "find-satisfiable": ost.find_scenarios(site=NODE_CORE, satisfiable=True),
    "assign": ost.assign_scenarios(site=NODE_CORE),
    "rounds": ost.round_scenarios(site=NODE_CORE),
    "campaigns": ost.campaigns(site=NODE_CORE),
}


def groups_of(value: Any) -> list[Group]:
    if hasattr(value, "groups"):
        return list(value.groups)
    return [g for job in value.jobs for m in job.moldables for g in m.groups]


@proves_key("request-levels")
@pytest.mark.parametrize("family", list(FAMILIES))
def test_requests_name_only_the_request_levels_top_down(family: str) -> None:
    named: set[tuple[str, ...]] = set()

    @EXAMPLES
    @given(FAMILIES[family])
    def drawn(value: Any) -> None:
        for group in groups_of(value):
            names = tuple(name for name, _ in group.levels)
            assert set(names) <= {"network_address", "core"}, group.oarsub()
            assert list(names) == sorted(names, key=("network_address", "core").index)
            named.add(names)

    drawn()
    assert ("core",) in named


SMALL = {
    "find": ost.find_scenarios(site=NODE_CORE, max_groups=2),
    "assign": ost.assign_scenarios(site=NODE_CORE, max_jobs=2),
    "rounds": ost.round_scenarios(site=NODE_CORE, max_jobs=2),
    "campaigns": ost.campaigns(site=NODE_CORE, max_steps=6),
}
"""The same families, smaller: shrinking them costs less."""


@pytest.mark.parametrize("family", list(SMALL))
def test_requests_shrink_to_the_smallest_allowed_request(family: str) -> None:
    def has_request(value: Any) -> bool:
        return bool(groups_of(value))

    smallest = find(SMALL[family], has_request, settings=SHRINK, random=Random(0))
    assert {g.oarsub() for g in groups_of(smallest)} == {"/core=1"}


@proves_key("request-properties")
def test_expressions_compare_only_the_request_properties() -> None:
    site = parse_site(
        {
            "properties": {"gpu": ["none", "v100"], "rack": ["r1", "r2"]},
            "request-properties": ["gpu"],
        }
    )
    expressions: list[str] = []

    @EXAMPLES
    @given(ost.find_scenarios(site=site))
    def drawn(value: Any) -> None:
        for group in value.groups:
            assert "rack" not in group.expression
            expressions.append(group.expression)

    drawn()
    assert any("gpu" in e for e in expressions)


@proves_key("call-budget")
def test_call_budget_is_the_budget_at_the_sites_size() -> None:
    site = parse_site({"resources": [1, 300], "call-budget": "50ms"})
    assert DEFAULT_CALL_BUDGET != 0.05
    assert call_budget(CheckOptions(site=site)) == (300, pytest.approx(0.05))


def test_every_key_has_a_test() -> None:
    assert set(KEYS) == TESTED


@pytest.mark.parametrize(
    ("table", "bad"),
    [
        ({"hierarchy-labels": "resource_id,network_address,cpu core"}, "'cpu core'"),
        ({"hierarchy-labels": ["resource_id", "network_address", "rack;--"]}, "'rack;--'"),
        ({"properties": {"gpu INTEGER; DROP TABLE jobs": ["a"]}}, "'gpu INTEGER; DROP"),
        ({"properties": {"1gpu": ["a"]}}, "'1gpu'"),
        ({"resource-order": "resource_id) ASC"}, "'resource_id)'"),
        (
            {"resource": [{"resource_id": 1, "network_address": "n1", "odd key": "x"}]},
            "'odd key'",
        ),
    ],
    ids=["label", "label-list", "property", "leading-digit", "order", "row-key"],
)
def test_names_from_a_site_are_plain_sql_identifiers(table: dict[str, Any], bad: str) -> None:
    with pytest.raises(UsageError, match="not a column name") as info:
        parse_site(table)
    message = str(info.value)
    assert bad in message
    assert "[A-Za-z_][A-Za-z0-9_]*" in message
    assert "e.g. '" in message


def test_the_kits_ddl_refuses_a_name_that_is_not_an_identifier() -> None:
    """A ``Site`` built in code skips the profile's parsing: the DDL checks again."""
    from oar_conformance.db._schema import declare_columns  # noqa: PLC0415

    site = Site(properties={"gpu TEXT; DROP TABLE jobs; --": ("a",)})
    with pytest.raises(UsageError, match="'gpu TEXT; DROP TABLE jobs; --' is not a column name"):
        declare_columns(site.columns())

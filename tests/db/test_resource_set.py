"""The kit builds ``hy`` from a resources table exactly as OAR3's ``ResourceSet`` does.

Each generated table is written to a kit sqlite database and read back by OAR3's own
``ResourceSet`` under the table's ``HIERARCHY_LABELS`` and ``SCHEDULER_RESOURCE_ORDER``;
its hierarchy (keys in order, blocks in order), its usable resources and its ``default``
resources must equal the kit's :func:`~oar_conformance.resources.platform_of`.
"""

from __future__ import annotations

from typing import Any

import pytest
from _dbhelp import needs_oar3
from hypothesis import HealthCheck, given, settings

from oar_conformance.model import Level, Platform, ResourceRow, ResourceTable, to_procset
from oar_conformance.resources import platform_of, table_of, table_rows
from oar_conformance.strategies._platforms import resource_tables

pytestmark = needs_oar3

TABLES = 1_000


@pytest.fixture(scope="module")
def database() -> Any:
    from oar_conformance.db import get_database  # noqa: PLC0415 - needs SQLAlchemy

    return get_database("sqlite")


def oar3_view(database: Any, table: ResourceTable) -> tuple[Any, Any, Any]:
    """OAR3's ``ResourceSet`` of ``table``: (hierarchy, usable ids, default ids)."""
    from oar.lib.models import Resource  # noqa: PLC0415 - OAR3 is optional
    from oar.lib.resource import ResourceSet  # noqa: PLC0415

    with database.session() as session:
        session.execute(Resource.__table__.insert(), table_rows(table))
        config = {
            "HIERARCHY_LABELS": ",".join(table.labels),
            "SCHEDULER_RESOURCE_ORDER": table.order,
        }
        resource_set = ResourceSet(session, config)
        return resource_set.hierarchy, resource_set.roid_itvs, resource_set.default_itvs


def assert_same(database: Any, table: ResourceTable) -> Platform:
    platform = platform_of(table)
    hierarchy, usable, default = oar3_view(database, table)
    ours = platform.hy()
    assert list(ours) == list(hierarchy), "hy keys (or their order) differ"
    for label, blocks in hierarchy.items():
        assert ours[label] == blocks, f"level {label} differs"
    assert to_procset(platform.resources) == usable
    assert to_procset(platform.default_resources) == default
    return platform


@settings(
    max_examples=TABLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(table=resource_tables(max_resources=48))
def test_hy_agrees_with_oar3_resource_set(database: Any, table: ResourceTable) -> None:
    assert_same(database, table)


def test_holes_late_resources_and_other_types_as_oar3_sees_them(database: Any) -> None:
    """Dead rows leave holes, a late core splits its node's block, licences are not default."""
    rows = (
        ResourceRow(1, "node-1", values={"core": 1}),
        ResourceRow(2, "node-1", values={"core": 2}),
        ResourceRow(3, "node-2", state="Dead", values={"core": 3}),
        ResourceRow(4, "node-3", values={"core": 4}),
        ResourceRow(5, "node-1", values={"core": 5}),
        ResourceRow(6, "licence-server", "licence", values={"core": 0}),
    )
    table = ResourceTable(rows, ("resource_id", "network_address", "core"))
    platform = assert_same(database, table)
    assert platform.hy_order == ("network_address", "core", "resource_id")
    assert platform.level("network_address").blocks == (
        frozenset({0, 1, 4}),
        frozenset({3}),
        frozenset({5}),
    )
    assert platform.resources == frozenset({0, 1, 3, 4, 5})
    assert platform.default_resources == frozenset({0, 1, 3, 4})
    assert platform.resource_ids == {0: 1, 1: 2, 3: 4, 4: 5, 5: 6}
    by_node = ResourceTable(rows, table.labels, "network_address DESC, resource_id ASC")
    assert assert_same(database, by_node).level("network_address").blocks[0] == frozenset({0})


def test_a_hand_built_platform_round_trips_through_its_table(database: Any) -> None:
    cores = tuple(frozenset({i}) for i in range(4))
    platform = Platform(
        (Level("host", (frozenset({0, 1}), frozenset({2, 3}))), Level("core", cores)),
        {"color": {0: "red", 1: "red", 2: "blue", 3: "blue"}},
    )
    rebuilt = assert_same(database, table_of(platform))
    assert [lv.blocks for lv in rebuilt.levels if lv.name != "resource_id"] == [
        lv.blocks for lv in platform.levels
    ]

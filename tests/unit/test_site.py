"""Site profiles: what a site may write, and one line naming the key for what it may not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from oar_conformance.config import parse, read_pyproject
from oar_conformance.errors import UsageError
from oar_conformance.site import parse_budget, parse_site, read_site

ROWS = [
    {"resource_id": 1, "network_address": "n1", "cpu": 1, "core": 1, "gpu": "none"},
    {"resource_id": 2, "network_address": "n1", "cpu": 1, "core": 2, "gpu": "none"},
    {"resource_id": 3, "network_address": "n2", "cpu": 2, "core": 3, "gpu": "a100"},
    {"resource_id": 4, "network_address": "n2", "cpu": 2, "core": 4, "state": "Dead"},
]
LABELS = "resource_id,network_address,cpu,core"


def test_defaults_are_oar3s() -> None:
    site = parse_site({})
    assert site.labels == ("resource_id", "network_address")
    assert site.order == "resource_id ASC"
    assert [name for name, _, _ in site.levels] == ["network_address", "resource_id"]
    assert site.call_budget is None


def test_fanout_orders_levels_top_down() -> None:
    site = parse_site(
        {
            "hierarchy-labels": "resource_id,network_address,rack",
            "fanout": {"rack": [1, 2], "network_address": [2, 4], "resource_id": [4, 8]},
            "resources": [8, 128],
            "call-budget": "250ms",
            "properties": {"gpu": ["none", "a100"]},
        }
    )
    assert site.levels == (("rack", 1, 2), ("network_address", 2, 4), ("resource_id", 4, 8))
    assert site.resources == (8, 128)
    assert site.call_budget == pytest.approx(0.25)
    assert site.request_properties == ("gpu",)
    assert site.columns() == {"rack": str, "gpu": str}


def test_listed_resources_give_a_fixed_table() -> None:
    site = parse_site({"hierarchy-labels": LABELS, "resource": ROWS})
    assert site.table is not None
    assert len(site.table.rows) == 4
    assert site.largest == 4
    assert site.properties == {"gpu": ("a100", "none")}
    assert site.columns() == {"cpu": int, "core": int, "gpu": str}


@pytest.mark.parametrize(
    ("table", "echo"),
    [
        ({"labels": "x"}, "unknown key 'labels'"),
        ({"hierarchy-labels": "network_address"}, "must name resource_id"),
        ({"hierarchy-labels": "resource_id,rack"}, "no resource would have label 'rack'"),
        ({"fanout": {"rack": [1, 2]}}, "'rack' is not in hierarchy-labels"),
        ({"fanout": {"network_address": [3, 1]}}, "fanout.network_address=[3, 1]"),
        ({"resources": [0, 10]}, "resources=[0, 10]"),
        ({"call-budget": "soon"}, "call-budget='soon'"),
        ({"resource-order": "resource_id UP"}, "'resource_id UP'"),
        ({"request-levels": ["nodes"]}, "'nodes' is none of"),
        ({"request-properties": ["gpu"]}, "'gpu' is none of"),
        ({"properties": {"gpu": []}}, "properties.gpu=[]"),
        (
            {"hierarchy-labels": LABELS, "resource": [{"resource_id": 1, "cpu": 1}]},
            "label 'core' is missing from resource 1",
        ),
        (
            {"hierarchy-labels": LABELS, "resource": ROWS, "resources": [1, 4]},
            "give either resource rows or fanout/resources",
        ),
        (
            {
                "hierarchy-labels": LABELS,
                "resource": [
                    {"resource_id": 1, "network_address": "n1", "cpu": 0, "core": 1},
                    {"resource_id": 2, "network_address": "n1", "cpu": 1, "core": 2},
                    {"resource_id": 3, "network_address": "n2", "cpu": 0, "core": 3},
                    {"resource_id": 4, "network_address": "n2", "cpu": 1, "core": 4},
                ],
            },
            "Number cpu uniquely across the site",
        ),
        (
            {"resource": [{"resource_id": 1, "network_address": "n1", "state": "Up"}]},
            "state='Up'",
        ),
    ],
)
def test_bad_profiles_are_usage_errors_naming_the_key(table: dict[str, Any], echo: str) -> None:
    with pytest.raises(UsageError, match=echo.replace("[", r"\[").replace("]", r"\]")):
        parse_site(table)


def test_budget_units() -> None:
    assert parse_budget(2) == 2.0
    assert parse_budget("1.5s") == 1.5
    assert parse_budget("1min") == 60.0
    with pytest.raises(UsageError, match="-1"):
        parse_budget(-1)


def test_pyproject_takes_a_table_or_a_file(tmp_path: Path) -> None:
    profile = tmp_path / "site.toml"
    profile.write_text('hierarchy-labels = "resource_id,network_address"\n', encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.oar-conformance]\nsite = "site.toml"\n', encoding="utf-8"
    )
    assert read_pyproject(tmp_path / "pyproject.toml").site is not None
    settings = parse({"site": {"resources": [2, 8]}})
    assert settings.site is not None
    assert settings.site.resources == (2, 8)
    with pytest.raises(UsageError, match=r"\[tool.oar-conformance.site\]: unknown key 'size'"):
        parse({"site": {"size": 3}})


def test_unreadable_or_invalid_files_say_so(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot be read"):
        read_site(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("hierarchy-labels = [", encoding="utf-8")
    with pytest.raises(UsageError, match="is not valid TOML"):
        read_site(bad)

"""Plugin names, plugin arguments and [tool.oar-conformance] settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from oar_conformance.catalogue import registered
from oar_conformance.config import parse, parse_size, read_pyproject, shown_db
from oar_conformance.errors import PluginLoadError, UsageError
from oar_conformance.plugins import (
    PluginSpec,
    installed,
    load,
    parse_plugin_args,
    plugin_args_text,
    resolve,
)
from oar_conformance.profiles import get_profile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ((), {})),
        ("a", (("a",), {})),
        ("a:b", (("a", "b"), {})),
        ("k=v", ((), {"k": "v"})),
        ("a:k=v=w:=x", (("a", "=x"), {"k": "v=w"})),
    ],
)
def test_plugin_args_split_like_oar3(text: str, expected: object) -> None:
    assert parse_plugin_args(text) == expected


@pytest.mark.parametrize("text", ["", "a", "a:b", "k=v", "a:b:k=v:mode=fast"])
def test_plugin_args_written_back_as_given(text: str) -> None:
    assert plugin_args_text(*parse_plugin_args(text)) == text


def test_resolve_forms() -> None:
    spec = PluginSpec("oar.find_func", "sample_first_fit")
    assert resolve("sample_first_fit") == [spec]
    assert resolve("oar.find_func:sample_first_fit") == [spec]
    assert resolve("find_func:sample_first_fit") == [spec]
    assert resolve("find:sample_first_fit") == [spec]


def test_unknown_plugin_lists_installed() -> None:
    with pytest.raises(UsageError, match="sample_first_fit") as info:
        resolve("oar.find_func:no_such_plugin")
    assert "'no_such_plugin'" in str(info.value)
    with pytest.raises(UsageError, match="not registered in any"):
        resolve("no_such_plugin")
    with pytest.raises(UsageError, match=r"group 'oar\.nope' is unknown"):
        resolve("oar.nope:x")
    with pytest.raises(UsageError, match="empty plugin name"):
        resolve("  ")


def test_broken_plugin_shows_its_own_import_error() -> None:
    with pytest.raises(PluginLoadError) as info:
        load(PluginSpec("oar.find_func", "broken_import"))
    text = str(info.value)
    assert "ImportError" in text
    assert "this_module_does_not_exist" in text
    assert "broken.py" in text


def test_installed_lists_every_group() -> None:
    found = installed()
    assert set(found) == {
        "oar.find_func",
        "oar.assign_func",
        "oar.jobs_sorting_func",
        "oar.extra_metasched_func",
    }
    names = {p.name: p for p in found["oar.find_func"]}
    assert names["sample_first_fit"].module == "oar_conformance_samples.find"


def test_profiles() -> None:
    assert get_profile("ci").max_examples >= get_profile("quick").max_examples
    with pytest.raises(UsageError, match=r"profile='fast' is unknown; use one of quick, ci"):
        get_profile("fast")


def test_pyproject_settings(tmp_path: Path) -> None:
    assert read_pyproject(tmp_path / "pyproject.toml").plugins == ()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.oar-conformance]\nplugins = ["find:x"]\nprofile = "quick"\nstrict = true\n'
        'seed = 4\ntimeout = 2\nplugin-args = "a:k=v"\n',
        encoding="utf-8",
    )
    settings = read_pyproject(tmp_path / "pyproject.toml")
    assert settings.plugins == ("find:x",)
    assert settings.profile == "quick"
    assert settings.strict is True
    assert settings.seed == 4
    assert settings.timeout == 2.0
    assert settings.plugin_args == "a:k=v"


def test_isolation_settings() -> None:
    settings = parse({"isolate": False, "memory-limit": "2GiB"})
    assert settings.isolate is False
    assert settings.memory_limit == 2 * 1024**3
    assert parse({}).isolate is None
    assert parse({"memory-limit": 0}).memory_limit == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4GiB", 4 * 1024**3), ("512M", 512 * 1024**2), ("1.5g", 1536 * 1024**2), ("1000", 1000)],
)
def test_sizes(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["lots", "-1G", "4 PB", True])
def test_a_bad_size_is_a_usage_error_naming_it(bad: object) -> None:
    with pytest.raises(UsageError, match=r"memory-limit=.* is not a size"):
        parse_size(bad)


def test_passwords_are_hidden_when_a_database_is_shown() -> None:
    assert (
        shown_db("postgresql://oar:s3cret@db.example/oar") == "postgresql://oar:***@db.example/oar"
    )
    assert shown_db("postgresql://oar@db.example/oar") == "postgresql://oar@db.example/oar"
    assert shown_db("sqlite") == "sqlite"


def test_pyproject_errors_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown key 'plugin'"):
        parse({"plugin": ["x"]})
    with pytest.raises(UsageError, match=r"strict='yes' is invalid"):
        parse({"strict": "yes"})
    bad = tmp_path / "pyproject.toml"
    bad.write_text("[tool.oar-conformance\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not valid TOML"):
        read_pyproject(bad)


def test_catalogue_document_covers_every_invariant() -> None:
    """oar_conformance/CATALOGUE.md has one section per registered invariant, titles current."""
    text = (Path(__file__).resolve().parents[2] / "oar_conformance" / "CATALOGUE.md").read_text(
        encoding="utf-8"
    )
    for inv in registered():
        assert f"## {inv.id} {inv.title}\n" in text, inv.id
        assert inv.rationale in text, inv.id


def test_all_leaves_out_the_kit_s_own_find_functions() -> None:
    """The kit registers find functions for its worlds' ``find=`` jobs; a site's ``--all``
    checks its own plugins, not those."""
    from oar_conformance.find_functions import DEFAULT_FIND, LAST_BLOCKS_FIND  # noqa: PLC0415
    from oar_conformance.plugins import FIND_GROUP, checkable, installed  # noqa: PLC0415

    every = {f"{p.group}:{p.name}" for found in installed().values() for p in found}
    assert f"{FIND_GROUP}:{DEFAULT_FIND}" in every
    chosen = checkable()
    assert f"{FIND_GROUP}:{DEFAULT_FIND}" not in chosen
    assert f"{FIND_GROUP}:{LAST_BLOCKS_FIND}" not in chosen
    assert f"{FIND_GROUP}:sample_oar_default" in chosen

"""Every option of a check, once: its spellings in each front end, its default, its help.

The pytest options and ini keys (``_pytest_plugin.py``), the ``oar-conformance check``
flags (``cli.py``), the ``[tool.oar-conformance]`` keys (``config.py``), the precedence
of their values (flag > ini > table > default) and the "Reproduce with" line are all
derived from :data:`OPTIONS`, so a new option is added in one place. An option whose
``verdict`` is true changes what is generated or how it is judged: the reproduce line of
a failure carries it whenever its value is not the default.

Kept light (no Hypothesis, no OAR3): pytest imports it in every run.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from oar_conformance._guard import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT
from oar_conformance.errors import UsageError

__all__ = ["OPTIONS", "Option", "by_name", "merged", "reproduce_command"]

Kind = Literal["names", "ids", "text", "int", "float", "size", "path", "switch", "table"]
"""``names``/``ids``: repeatable values; ``switch``: a flag without value setting
``flag_value``; ``table``: a ``[tool.oar-conformance]`` table only."""


@dataclass(frozen=True)
class Option:
    """One option: ``name`` is its field in ``config.Settings``; ``None`` spellings mean
    "not available in that front end"; ``expect`` says what a valid value looks like."""

    name: str
    kind: Kind
    default: Any
    help: str
    verdict: bool
    pytest_flag: str | None = None
    ini: str | None = None
    cli: str | None = None
    key: str | None = None
    metavar: str | None = None
    expect: str = ""
    flag_value: Any = True

    def parse(self, value: Any, where: str) -> Any:
        """``value`` (from a flag, an ini line or the table) as this option's type."""
        convert: Callable[[Any], Any] | None = {"int": int, "float": float}.get(self.kind)
        if convert is None:
            return value
        if isinstance(value, bool):
            value = str(value)
        try:
            return convert(value)
        except (TypeError, ValueError):
            msg = f"{where}={value!r} is invalid: expected {self.expect}"
            raise UsageError(msg) from None


OPTIONS: tuple[Option, ...] = (
    Option(
        "plugins",
        "names",
        (),
        "check this OAR3 plugin: NAME (every group where it is registered) or GROUP:NAME, "
        "e.g. oar.find_func:local; repeatable",
        verdict=True,
        pytest_flag="--oar-plugin",
        ini="oar_plugins",
        cli="--plugin",
        key="plugins",
        metavar="NAME",
        expect="a list of plugin names",
    ),
    Option(
        "seed",
        "int",
        None,
        "seed for a reproducible run",
        verdict=True,
        pytest_flag="--oar-seed",
        ini="oar_seed",
        cli="--seed",
        key="seed",
        metavar="N",
        expect="an integer",
    ),
    Option(
        "profile",
        "text",
        "ci",
        "quick, ci (default) or thorough",
        verdict=True,
        pytest_flag="--oar-profile",
        ini="oar_profile",
        cli="--profile",
        key="profile",
        metavar="PROFILE",
        expect="quick, ci or thorough",
    ),
    Option(
        "strict",
        "switch",
        False,
        "fail on advisory invariants too (F7, F8, ...)",
        verdict=True,
        pytest_flag="--oar-strict",
        ini="oar_strict",
        cli="--strict",
        key="strict",
        expect="true or false",
    ),
    Option(
        "timeout",
        "float",
        DEFAULT_TIMEOUT,
        "per-call limit in seconds for plugin calls",
        verdict=True,
        pytest_flag="--oar-timeout",
        ini="oar_timeout",
        cli="--timeout",
        key="timeout",
        metavar="SECONDS",
        expect="a number of seconds",
    ),
    Option(
        "plugin_args",
        "text",
        "",
        "extra plugin arguments as in a job type find=NAME:ARGS, e.g. 'a:b:key=value' "
        "(in [tool.oar-conformance]: a string for every plugin, or a table GROUP:NAME -> "
        "string)",
        verdict=True,
        pytest_flag="--oar-plugin-args",
        ini="oar_plugin_args",
        cli="--plugin-args",
        key="plugin-args",
        metavar="ARGS",
        expect="a string like a:b:k=v",
    ),
    Option(
        "invariants",
        "ids",
        (),
        "only check these invariants (e.g. F1); repeatable; default: all",
        verdict=True,
        pytest_flag="--oar-invariant",
        cli="--invariant",
        metavar="ID",
    ),
    Option(
        "db",
        "text",
        "sqlite",
        "database of rounds (R1, R2, M1, M2): sqlite (default), postgresql (a throwaway "
        "server) or a postgresql:// URL where the kit creates and drops its own database",
        verdict=True,
        pytest_flag="--oar-db",
        ini="oar_db",
        cli="--db",
        key="db",
        metavar="DB",
        expect="sqlite, postgresql or a URL",
    ),
    Option(
        "report",
        "path",
        None,
        "write, per counterexample, a Markdown report, a JSON record and a standalone "
        "reproducer test into DIR",
        verdict=False,
        pytest_flag="--oar-report",
        ini="oar_report",
        cli="--report",
        key="report",
        metavar="DIR",
        expect="a folder path",
    ),
    Option(
        "isolate",
        "switch",
        True,
        "call plugins in this process instead of a worker process the kit can kill (for "
        "debugging with pdb; a plugin that exits or hangs then ends the run)",
        verdict=False,
        pytest_flag="--oar-no-isolate",
        ini="oar_isolate",
        cli="--no-isolate",
        key="isolate",
        expect="true or false",
        flag_value=False,
    ),
    Option(
        "memory_limit",
        "size",
        DEFAULT_MEMORY_LIMIT,
        "memory a plugin's worker process may use, e.g. 4GiB (default) or 0 for no limit",
        verdict=True,
        pytest_flag="--oar-memory-limit",
        ini="oar_memory_limit",
        cli="--memory-limit",
        key="memory-limit",
        metavar="SIZE",
    ),
    Option(
        "site",
        "path",
        None,
        "site profile (TOML): generate platforms and requests inside the site's own "
        "hierarchy, properties and sizes (see 'oar-conformance site'; in "
        "[tool.oar-conformance]: a table, or the path of a TOML file)",
        verdict=True,
        pytest_flag="--oar-site",
        ini="oar_site",
        cli="--site",
        key="site",
        metavar="FILE",
    ),
    Option(
        "one_by_one",
        "switch",
        False,
        "give every invariant a Hypothesis run of its own instead of one run per family of "
        "examples (slower; to compare, or to look at one invariant's search alone)",
        verdict=False,
        pytest_flag="--oar-one-by-one",
        cli="--one-by-one",
    ),
    Option(
        "skip",
        "table",
        {},
        "table of invariants not to check, ID or GROUP:NAME::ID -> reason (required)",
        verdict=False,
        key="skip",
    ),
)
"""Not verdicts: ``report`` (where files go), ``isolate`` (debugging; the isolated run's
verdict is the reference), ``one_by_one`` (a reproduce line selects one invariant
anyway) and ``skip`` (which checks run, not how)."""

_BY_NAME = {option.name: option for option in OPTIONS}


def by_name(name: str) -> Option:
    """The option called ``name`` (its ``config.Settings`` field)."""
    return _BY_NAME[name]


def _unset(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple) and not value)


def merged(option: Option, flag: Any, ini: Any, table: Any) -> tuple[Any, str]:
    """The value that wins (flag > ini > table > default) and where it came from.

    ``flag`` and ``ini`` are as pytest gives them (ini values are text), ``table`` as
    ``config.parse`` typed it; each unset one (``None`` or empty) gives way to the next.
    """
    for value, where in (
        (flag, option.pytest_flag),
        (ini, option.ini),
        (table, f"[tool.oar-conformance] {option.key}"),
    ):
        if not _unset(value):
            return option.parse(value, str(where)), str(where)
    return option.default, "default"


def reproduce_command(plugin: str, invariant_id: str, values: Mapping[str, Any]) -> str:
    """``pytest ...`` running one check again with every verdict option of ``values``.

    ``values`` maps option names to the run's values as text (``None``: not set); an
    option equal to its default is left out. The plugin and the invariant are given.
    """
    words = [f"{by_name('plugins').pytest_flag}={plugin}"]
    for option in OPTIONS:
        value = values.get(option.name)
        if not option.verdict or option.kind in {"names", "ids"} or _unset(value):
            continue
        if value == option.default or value == str(option.default):
            continue
        if option.kind == "switch":
            if value == option.flag_value:
                words.append(str(option.pytest_flag))
            continue
        words.append(f"{option.pytest_flag}={shlex.quote(str(value))}")
    words.append(f"{by_name('invariants').pytest_flag}={invariant_id}")
    return " ".join(["pytest", *words])

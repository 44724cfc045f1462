"""Settings of a run, from ``[tool.oar-conformance]`` in pyproject.toml.

Command-line flags override ini values, which override ``[tool.oar-conformance]``, so a
CI job needs no long command line. An unknown key is a usage error that names it: a typo
in a gate's configuration must not silently turn a check off.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oar_conformance.errors import UsageError
from oar_conformance.site import Site

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["KEYS", "Settings", "parse_size", "read_pyproject", "shown_db"]

KEYS = {
    "plugins": "list of NAME or GROUP:NAME to check",
    "profile": "quick, ci or thorough",
    "strict": "true to fail on advisory invariants too",
    "seed": "integer seed for reproducible runs",
    "timeout": "seconds one plugin call may take",
    "plugin-args": "extra arguments as in a job type find=NAME:args: a string for every "
    "plugin, or a table GROUP:NAME -> string",
    "skip": "table of invariants not to check, ID or GROUP:NAME::ID -> reason (required)",
    "db": "database of rounds (R1, R2, M1, M2): sqlite, postgresql or a postgresql:// URL",
    "report": "folder for counterexample reports (Markdown, JSON, reproducer tests)",
    "isolate": "false to call plugins in the kit's own process (for debugging with pdb)",
    "memory-limit": "memory a plugin's worker process may use, e.g. '4GiB' (0: no limit)",
    "site": "the site's platform: a table (hierarchy-labels, fanout, ...) or a TOML file path",
}


@dataclass(frozen=True)
class Settings:
    """Values read from ``[tool.oar-conformance]``; ``None`` means "not set there"."""

    plugins: tuple[str, ...] = ()
    profile: str | None = None
    strict: bool | None = None
    seed: int | None = None
    timeout: float | None = None
    plugin_args: str | None = None
    report: str | None = None
    db: str | None = None
    isolate: bool | None = None
    memory_limit: int | None = None
    plugin_args_by_plugin: Mapping[str, str] = field(default_factory=dict)
    skip: Mapping[str, str] = field(default_factory=dict)
    site: Site | None = None


_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE)


def parse_size(value: object, key: str = "memory-limit") -> int:
    """Bytes from ``4GiB``, ``512M``, ``2.5G`` or a plain number of bytes (0: no limit)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    found = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        msg = f"{key}={value!r} is not a size: give bytes or a number with K, M, G or T, e.g. 4GiB"
        raise UsageError(msg)
    return int(float(found.group(1)) * _UNITS[found.group(2).upper()])


_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def shown_db(spec: str) -> str:
    """``spec`` as it may be printed: a URL's password replaced by ``***``."""
    return _PASSWORD.sub(r"\1***@", spec)


def _typed(key: str, value: Any, kind: type | tuple[type, ...], hint: str) -> Any:
    if isinstance(value, bool) and kind is not bool:
        value = str(value)
    if not isinstance(value, kind):
        msg = f"[tool.oar-conformance] {key}={value!r} is invalid: expected {hint}"
        raise UsageError(msg)
    return value


def parse(
    table: Mapping[str, Any], where: str = "[tool.oar-conformance]", root: Path | None = None
) -> Settings:
    """Validate a ``[tool.oar-conformance]`` table (``root``: where a site file path starts)."""
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        known = ", ".join(KEYS)
        msg = f"{where}: unknown key {unknown[0]!r}; known keys: {known}"
        raise UsageError(msg)
    plugins = table.get("plugins", [])
    if isinstance(plugins, str):
        plugins = [plugins]
    _typed("plugins", plugins, list, "a list of plugin names")
    for p in plugins:
        _typed("plugins", p, str, "plugin names as strings")
    plugin_args = table.get("plugin-args")
    by_plugin: dict[str, str] = {}
    if isinstance(plugin_args, dict):
        for key, value in plugin_args.items():
            by_plugin[key] = _typed(f"plugin-args.{key}", value, str, "a string like a:b:k=v")
        plugin_args = None
    skip = _typed("skip", table.get("skip", {}), dict, "a table ID = reason")
    for key, reason in skip.items():
        if not isinstance(reason, str) or not reason.strip():
            msg = (
                f"[tool.oar-conformance] skip.{key}={reason!r}: a skipped invariant needs a "
                'reason, e.g. skip.F7 = "groups may share nodes in our policy"'
            )
            raise UsageError(msg)
    timeout = table.get("timeout")
    if timeout is not None:
        timeout = float(_typed("timeout", timeout, (int, float), "a number of seconds"))
    return Settings(
        plugins=tuple(plugins),
        profile=_typed("profile", table["profile"], str, "quick, ci or thorough")
        if "profile" in table
        else None,
        strict=_typed("strict", table["strict"], bool, "true or false")
        if "strict" in table
        else None,
        seed=_typed("seed", table["seed"], int, "an integer") if "seed" in table else None,
        timeout=timeout,
        plugin_args=_typed("plugin-args", plugin_args, str, "a string like a:b:k=v")
        if plugin_args is not None
        else None,
        plugin_args_by_plugin=by_plugin,
        db=_typed("db", table["db"], str, "sqlite, postgresql or a URL") if "db" in table else None,
        skip=dict(skip),
        report=_typed("report", table["report"], str, "a folder path")
        if "report" in table
        else None,
        isolate=_typed("isolate", table["isolate"], bool, "true or false")
        if "isolate" in table
        else None,
        memory_limit=parse_size(table["memory-limit"]) if "memory-limit" in table else None,
        site=_site(table["site"], where, root) if "site" in table else None,
    )


def _site(value: Any, where: str, root: Path | None) -> Site:
    """``site``: a table, or the path of a TOML site file (relative to ``root``)."""
    from oar_conformance.site import parse_site, read_site  # noqa: PLC0415

    if isinstance(value, str):
        return read_site((root or Path.cwd()) / value)
    return parse_site(value, f"{where[:-1]}.site]" if where.endswith("]") else where)


def read_pyproject(path: Path) -> Settings:
    """Settings from ``path`` (a pyproject.toml); empty when the file or table is absent."""
    if not path.is_file():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path} is not valid TOML ({exc}); fix it or run from another folder"
        raise UsageError(msg) from None
    table = data.get("tool", {}).get("oar-conformance", {})
    return parse(table, f"{path} [tool.oar-conformance]", path.parent)

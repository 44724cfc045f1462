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
from oar_conformance.options_table import OPTIONS, Option
from oar_conformance.site import Site

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["KEYS", "Settings", "parse_size", "read_pyproject", "shown_db"]

KEYS = {option.key: option.help for option in OPTIONS if option.key is not None}
"""The ``[tool.oar-conformance]`` keys and what each takes (from the option table)."""


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
    values: dict[str, Any] = {}
    for option in OPTIONS:
        if option.key is not None and option.key in table:
            values[option.name] = _value(option, table[option.key], where, root)
    if isinstance(values.get("plugin_args"), dict):
        values["plugin_args_by_plugin"] = values.pop("plugin_args")
    return Settings(**values)


def _value(option: Option, value: Any, where: str, root: Path | None) -> Any:
    """One key's value, checked against what the option takes."""
    key, hint = option.key or option.name, option.expect
    if option.name == "plugins":
        names = [value] if isinstance(value, str) else _typed(key, value, list, hint)
        return tuple(_typed(key, name, str, "plugin names as strings") for name in names)
    if option.name == "plugin_args" and isinstance(value, dict):
        return {k: _typed(f"{key}.{k}", v, str, hint) for k, v in value.items()}
    if option.name == "skip":
        return _skip(_typed(key, value, dict, "a table ID = reason"))
    if option.name == "site":
        return _site(value, where, root)
    if option.kind == "size":
        return parse_size(value, key)
    if option.kind == "float":
        return float(_typed(key, value, (int, float), hint))
    kinds: dict[str, type] = {"int": int, "switch": bool}
    return _typed(key, value, kinds.get(option.kind, str), hint)


def _skip(table: Mapping[str, Any]) -> dict[str, str]:
    """``skip``: every skipped invariant needs its reason."""
    for key, reason in table.items():
        if not isinstance(reason, str) or not reason.strip():
            msg = (
                f"[tool.oar-conformance] skip.{key}={reason!r}: a skipped invariant needs a "
                'reason, e.g. skip.F7 = "groups may share nodes in our policy"'
            )
            raise UsageError(msg)
    return dict(table)


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

"""Scenarios as data: the JSON a report file or a reproducer carries, and reading it back.

A report someone sent you must open without running anything it names, so a scenario is
written as plain JSON and read back through an explicit table of the types it may hold
(the model's and each family's ``DATA_TYPES``), looked up by a stable name: never a
module path taken from the file, never ``pickle``. The file opens with its format and
version, so a report written by another kit says which kit wrote it instead of failing
somewhere inside.

Encoding: ``None``, booleans, numbers and strings as themselves; a tuple as a JSON list;
a registered dataclass or named tuple as an object with ``"$type"`` and its fields (a
field at its default is left out); a set of resource ids as ``{"$ids": "0-3,7"}``; any
other frozenset as ``{"$frozenset": [...]}``; a mapping as ``{"$dict": [[key, value],
...]}``; a list as ``{"$list": [...]}``; a ProcSet as ``{"$procset": "0-3,7"}``; a
registered enum member as ``{"$enum": "Name", "name": "MEMBER"}``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any

from oar_conformance.errors import UsageError
from oar_conformance.model import (
    Group,
    Job,
    Level,
    Moldable,
    Platform,
    Queue,
    ResourceRow,
    ResourceTable,
    ids_text,
)

__all__ = [
    "FORMAT",
    "MODEL_TYPES",
    "VERSION",
    "DataTypes",
    "decode",
    "dump_scenario",
    "encode",
    "read_scenario",
    "scenario_record",
]

FORMAT = "oar-conformance-scenario"
"""The ``format`` of every scenario record."""
VERSION = 1
"""The version of the encoding this kit writes and reads; bump it on any change."""

MODEL_TYPES: tuple[type, ...] = (
    Platform,
    Level,
    ResourceTable,
    ResourceRow,
    Group,
    Moldable,
    Job,
    Queue,
)
"""The model's types, which every family's scenarios may hold."""

_RERUN = "re-run the check to get a new report"


class DataTypes:
    """The types a scenario may hold, by stable name (the class name): the model's and
    ``types``. Two types of one name are refused: the name alone must say which."""

    def __init__(self, types: Iterable[type] = ()) -> None:
        self._by_name: dict[str, type] = {}
        for cls in (*MODEL_TYPES, *types):
            known = self._by_name.setdefault(cls.__name__, cls)
            if known is not cls:
                msg = (
                    f"data types {known!r} and {cls!r} share the name {cls.__name__!r}: "
                    "rename one of them"
                )
                raise ValueError(msg)

    def name_of(self, cls: type) -> str:
        """The stable name of ``cls``; a ``TypeError`` when it is not registered."""
        if self._by_name.get(cls.__name__) is not cls:
            msg = (
                f"{cls.__module__}.{cls.__qualname__} cannot be written as scenario data: "
                "add it to its family's DATA_TYPES"
            )
            raise TypeError(msg)
        return cls.__name__

    def named(self, name: object) -> type:
        """The registered type called ``name``; a ``ValueError`` when there is none."""
        if not isinstance(name, str) or name not in self._by_name:
            msg = f"unknown type {name!r} (known: {', '.join(sorted(self._by_name))})"
            raise ValueError(msg)
        return self._by_name[name]


def _fields(value: Any) -> list[tuple[str, Any, Any]]:
    """(name, value, default or ``dataclasses.MISSING``) of each field a constructor takes."""
    if dataclasses.is_dataclass(value):
        out = []
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            default: Any = f.default
            if f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            out.append((f.name, getattr(value, f.name), default))
        return out
    defaults = type(value)._field_defaults
    return [(n, getattr(value, n), defaults.get(n, dataclasses.MISSING)) for n in value._fields]


def _is_ids(value: frozenset[Any]) -> bool:
    return all(type(v) is int and v >= 0 for v in value)


def encode(value: Any, types: DataTypes) -> Any:
    """``value`` as JSON-ready data (see the module's docstring); a ``TypeError`` names a
    value of a type the table does not hold."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, Enum):
        return {"$enum": types.name_of(type(value)), "name": value.name}
    if dataclasses.is_dataclass(value) or (isinstance(value, tuple) and hasattr(value, "_fields")):
        out: dict[str, Any] = {"$type": types.name_of(type(value))}
        for name, field_value, default in _fields(value):
            if type(field_value) is type(default) and field_value == default:
                continue
            out[name] = encode(field_value, types)
        return out
    if type(value) is tuple:
        return [encode(v, types) for v in value]
    if type(value) is list:
        return {"$list": [encode(v, types) for v in value]}
    if isinstance(value, frozenset):
        if _is_ids(value):
            return {"$ids": ids_text(value, empty="")}
        items = [encode(v, types) for v in value]
        return {"$frozenset": sorted(items, key=lambda item: json.dumps(item, sort_keys=True))}
    if isinstance(value, Mapping):
        return {"$dict": [[encode(k, types), encode(v, types)] for k, v in value.items()]}
    if type(value).__name__ == "ProcSet" and type(value).__module__.startswith("procset"):
        return {"$procset": ids_text(value, empty="")}
    msg = f"{type(value).__qualname__} value {value!r} cannot be written as scenario data"
    raise TypeError(msg)


def _ids(text: object) -> frozenset[int]:
    if not isinstance(text, str):
        msg = f"ids must be text like '0-3,7', not {text!r}"
        raise ValueError(msg)
    found: set[int] = set()
    for part in filter(None, text.split(",")):
        low, _, high = part.partition("-")
        found.update(range(int(low), int(high or low) + 1))
    return frozenset(found)


def _list(data: object) -> list[Any]:
    if not isinstance(data, list):
        msg = f"expected a JSON list, not {data!r}"
        raise ValueError(msg)
    return data


def decode(data: Any, types: DataTypes) -> Any:
    """The value :func:`encode` wrote as ``data``; a ``ValueError`` says what is wrong.

    Only types of ``types`` are built, from their fields: nothing the data names is
    imported or called otherwise.
    """
    if data is None or type(data) in (bool, int, float, str):
        return data
    if isinstance(data, list):
        return tuple(decode(v, types) for v in data)
    if not isinstance(data, dict):
        msg = f"unexpected JSON value {data!r}"
        raise ValueError(msg)
    if "$type" in data:
        cls = types.named(data["$type"])
        fields = {k: decode(v, types) for k, v in data.items() if k != "$type"}
        try:
            return cls(**fields)
        except TypeError as exc:
            msg = f"{data['$type']} does not take these fields ({', '.join(fields)}): {exc}"
            raise ValueError(msg) from None
    if len(data) == 1:
        ((tag, inner),) = data.items()
        if tag == "$ids":
            return _ids(inner)
        if tag == "$frozenset":
            return frozenset(decode(v, types) for v in _list(inner))
        if tag == "$list":
            return [decode(v, types) for v in _list(inner)]
        if tag == "$dict":
            pairs = [_list(pair) for pair in _list(inner)]
            return {decode(k, types): decode(v, types) for k, v in pairs}
        if tag == "$procset":
            from oar_conformance.model import to_procset  # noqa: PLC0415 - ProcSets are rare

            return to_procset(_ids(inner))
    if set(data) == {"$enum", "name"}:
        enum = types.named(data["$enum"])
        if not issubclass(enum, Enum) or data["name"] not in enum.__members__:
            msg = f"{data['name']!r} is not a member of {data['$enum']}"
            raise ValueError(msg)
        return enum.__members__[data["name"]]
    msg = f"unexpected JSON object with keys {sorted(data)}"
    raise ValueError(msg)


def _kit_version() -> str:
    from oar_conformance import __version__  # noqa: PLC0415 - the package imports lazily

    return __version__


def scenario_record(scenario: Any, *, family: str, types: Iterable[type]) -> dict[str, Any]:
    """``scenario`` of ``family`` as a versioned record (a JSON-ready dict)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "kit": _kit_version(),
        "family": family,
        "scenario": encode(scenario, DataTypes(types)),
    }


def dump_scenario(scenario: Any, *, family: str, types: Iterable[type]) -> str:
    """:func:`scenario_record` as compact JSON text (one line)."""
    record = scenario_record(scenario, family=family, types=types)
    return json.dumps(record, separators=(",", ":"), allow_nan=False)


def read_scenario(
    data: str | Mapping[str, Any], types_of: Callable[[str], Iterable[type]]
) -> tuple[str, Any]:
    """The family and scenario of a record (JSON text or its dict), or of a report's JSON
    file holding one under ``"scenario"``.

    ``types_of(family)`` gives the family's data types. A record of another format or
    version, or a damaged one, is a ``UsageError`` saying what to do.
    """
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            msg = (
                f"not an oar-conformance scenario (JSON with format {FORMAT!r}): "
                f"{_start(data)}; reports written before format version 1 embed a pickle, "
                f"which this kit never opens: {_RERUN}"
            )
            raise UsageError(msg) from None
    record: object = data
    if isinstance(record, Mapping) and "format" not in record:
        record = record.get("scenario")
    if not isinstance(record, Mapping) or record.get("format") != FORMAT:
        msg = f"not an oar-conformance scenario (format {FORMAT!r}): {_start(record)}; {_RERUN}"
        raise UsageError(msg)
    version, kit, family = record.get("version"), record.get("kit", "?"), record.get("family")
    if version != VERSION:
        msg = (
            f"this scenario was written by oar-conformance {kit} with format version "
            f"{version}; this kit ({_kit_version()}) reads version {VERSION}: replay it with "
            f"that version or {_RERUN}"
        )
        raise UsageError(msg)
    if not isinstance(family, str):
        msg = f"this scenario names no family (family={family!r}): {_RERUN}"
        raise UsageError(msg)
    types = DataTypes(types_of(family))
    try:
        return family, decode(record.get("scenario"), types)
    except (ValueError, TypeError) as exc:
        msg = (
            f"this {family} scenario, written by oar-conformance {kit}, is damaged: {exc}; {_RERUN}"
        )
        raise UsageError(msg) from None


def _start(data: object) -> str:
    text = data if isinstance(data, str) else repr(data)
    return repr(text[:60] + ("..." if len(text) > 60 else ""))

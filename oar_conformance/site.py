"""Site profiles: the platform a site really runs, so generation stays inside it.

A site is described in ``[tool.oar-conformance.site]`` of pyproject.toml, or in a TOML
file of its own (``--oar-site FILE``, ``check --site FILE``; top-level keys, or the same
``[tool.oar-conformance.site]`` table). ``oar-conformance site --from-conf`` and
``--from-db`` write one. Keys::

    hierarchy-labels = "resource_id,network_address,cpu,core"   # HIERARCHY_LABELS
    resource-order = "resource_id ASC"                           # SCHEDULER_RESOURCE_ORDER
    resources = [16, 512]             # how many resources a generated platform has
    call-budget = "2s"                # a plugin call at the site's largest size
    request-levels = ["network_address", "core"]  # what requests may name, e.g. /nodes=1/core=2
    request-properties = ["gpu"]      # what request expressions may compare

    [tool.oar-conformance.site.fanout]   # from the top down: blocks per block above
    network_address = [2, 32]         # the top level: blocks in the whole platform
    cpu = [2, 2]
    core = [4, 16]
    resource_id = [1, 1]

    [tool.oar-conformance.site.properties]   # property columns and their values
    gpu = ["none", "a100"]

or, instead of ``fanout`` and ``resources``, the site's own rows::

    [[tool.oar-conformance.site.resource]]
    resource_id = 1
    network_address = "node-1"
    cpu = 1
    core = 1
    gpu = "none"            # any other column is a property; type and state optional

Labels, properties and other column names are plain SQL identifiers (OAR3 writes them
unquoted into its SQL). Every error names the key and the bad value and says what to
write instead.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oar_conformance.errors import UsageError
from oar_conformance.model import OWN_COLUMNS, ResourceRow, ResourceTable, plural
from oar_conformance.resources import (
    DEFAULT_LABELS,
    DEFAULT_ORDER,
    LABEL_ORDER,
    STATES,
    check_column_name,
    parse_labels,
    parse_order,
    platform_of,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["KEYS", "MAX_SITE_RESOURCES", "Site", "parse_budget", "parse_site", "read_site"]

KEYS = {
    "hierarchy-labels": "OAR3's HIERARCHY_LABELS, e.g. 'resource_id,network_address,cpu,core'",
    "resource-order": "OAR3's SCHEDULER_RESOURCE_ORDER, e.g. 'resource_id ASC'",
    "resources": "[min, max] number of resources of a generated platform",
    "fanout": "table label -> [min, max] blocks per block of the level above, top down "
    "(the top level: blocks in the platform; default: as the size gives)",
    "properties": "table property -> list of its values",
    "resource": "the site's own rows (array of tables), instead of fanout and resources",
    "request-levels": "levels requests may name, e.g. ['network_address', 'core'] "
    "(default: every label)",
    "request-properties": "properties request expressions may compare (default: every one)",
    "call-budget": "time one plugin call may take at the site's largest size, e.g. '2s'",
}
MAX_SITE_RESOURCES = 100_000
"""Largest platform a site may describe (OAR3's own ``MAX_NB_RESOURCES``)."""


@dataclass(frozen=True)
class Site:
    """A site's platform, as generation needs it.

    ``levels`` are the labels from the top down with their fan-out range (``resource_id``
    last); ``table`` is the site's own rows when it gave them (then the platform is
    fixed); ``properties`` the property columns and their values.
    """

    labels: tuple[str, ...] = DEFAULT_LABELS
    order: str = DEFAULT_ORDER
    levels: tuple[tuple[str, int, int], ...] = ()
    resources: tuple[int, int] = (1, 64)
    properties: Mapping[str, tuple[str | int, ...]] = field(default_factory=dict)
    table: ResourceTable | None = None
    request_levels: tuple[str, ...] = ()
    request_properties: tuple[str, ...] = ()
    call_budget: float | None = None
    source: str = "[tool.oar-conformance.site]"

    @property
    def largest(self) -> int:
        """The site's largest platform, in resources."""
        return len(self.table.rows) if self.table is not None else self.resources[1]

    def columns(self) -> dict[str, type]:
        """The ``resources`` columns the site adds to OAR3's (name -> ``int`` or ``str``)."""
        values: dict[str, list[str | int]] = {name: [] for name in self.labels}
        for name, listed in self.properties.items():
            values.setdefault(name, []).extend(listed)
        for row in self.table.rows if self.table is not None else ():
            for name, value in row.values.items():
                values.setdefault(name, []).append(value)
        numeric = ("resource_id", "cpu", "core")
        return {
            name: int
            if (name in numeric or (found and all(isinstance(v, int) for v in found)))
            else str
            for name, found in values.items()
            if name not in OWN_COLUMNS
        }

    def describe(self) -> str:
        """One line for a run's header."""
        size = (
            f"{plural(len(self.table.rows), 'resource')} listed"
            if self.table is not None
            else f"{self.resources[0]}-{self.resources[1]} resources"
        )
        return f"site {self.source}: HIERARCHY_LABELS={','.join(self.labels)!r}, {size}"


def _fail(where: str, key: str, value: Any, hint: str) -> UsageError:
    return UsageError(f"{where}: {key}={value!r} is invalid: {hint}")


def _range(where: str, key: str, value: Any, low: int, high: int) -> tuple[int, int]:
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and low <= value[0] <= value[1] <= high
    )
    if not ok:
        raise _fail(where, key, value, f"write [min, max] with {low} <= min <= max <= {high}")
    return (value[0], value[1])


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|min)?\s*")


def parse_budget(value: Any, where: str = "call-budget") -> float:
    """Seconds from ``2``, ``2.5``, ``"2s"``, ``"500ms"`` or ``"1min"``."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    found = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if found is None or float(found.group(1)) <= 0:
        msg = f"{where}={value!r} is not a duration: write seconds, or e.g. '2s', '500ms', '1min'"
        raise UsageError(msg)
    scale = {"ms": 0.001, "s": 1.0, "min": 60.0, None: 1.0}[found.group(2)]
    return float(found.group(1)) * scale


def parse_site(table: Mapping[str, Any], where: str = "[tool.oar-conformance.site]") -> Site:
    """Validate a site table; a usage error names the first bad key."""
    if not isinstance(table, Mapping):
        raise _fail(where, "site", table, "write a table of the keys " + ", ".join(KEYS))
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        msg = f"{where}: unknown key {unknown[0]!r}; known keys: {', '.join(KEYS)}"
        raise UsageError(msg)
    labels_text = table.get("hierarchy-labels", ",".join(DEFAULT_LABELS))
    if not isinstance(labels_text, str | list):
        raise _fail(where, "hierarchy-labels", labels_text, "write 'resource_id,network_address'")
    labels = parse_labels(labels_text)
    if "resource_id" not in labels:
        raise _fail(
            where,
            "hierarchy-labels",
            labels_text,
            "it must name resource_id (oarsub's default request is /resource_id=1)",
        )
    order = table.get("resource-order", DEFAULT_ORDER)
    if not isinstance(order, str):
        raise _fail(where, "resource-order", order, "write e.g. 'resource_id ASC'")
    parse_order(order)
    properties = _properties(where, table.get("properties", {}))
    budget = (
        parse_budget(table["call-budget"], f"{where}: call-budget")
        if "call-budget" in table
        else None
    )
    rows = table.get("resource")
    site: Site
    if rows is not None:
        for key in ("fanout", "resources"):
            if key in table:
                raise _fail(where, key, table[key], "give either resource rows or fanout/resources")
        resource_table = _rows(where, rows, labels, order)
        found: dict[str, set[str | int]] = {}
        for row in resource_table.rows:
            for name in resource_table.properties:
                if name in row.values:
                    found.setdefault(name, set()).add(row.values[name])
        merged = {k: tuple(sorted(v, key=str)) for k, v in found.items()} | dict(properties)
        site = Site(labels, order, (), (1, len(resource_table.rows)), merged, resource_table)
    else:
        levels = _levels(where, table.get("fanout"), labels)
        size = _range(where, "resources", table.get("resources", [1, 64]), 1, MAX_SITE_RESOURCES)
        site = Site(labels, order, levels, size, properties)
        _check_size(where, table, site)
    request_levels = _names(where, "request-levels", table.get("request-levels", []), labels)
    known = (*site.properties, "type")
    request_properties = _names(
        where, "request-properties", table.get("request-properties", list(site.properties)), known
    )
    return Site(
        site.labels,
        site.order,
        site.levels,
        site.resources,
        site.properties,
        site.table,
        request_levels,
        request_properties,
        budget,
        where,
    )


def _properties(where: str, value: Any) -> dict[str, tuple[str | int, ...]]:
    if not isinstance(value, Mapping):
        raise _fail(where, "properties", value, "write a table, e.g. gpu = ['none', 'a100']")
    out: dict[str, tuple[str | int, ...]] = {}
    for name, values in value.items():
        ok = (
            isinstance(values, list)
            and values
            and all(isinstance(v, str | int) and not isinstance(v, bool) for v in values)
        )
        if not ok or name in OWN_COLUMNS[:2]:
            raise _fail(where, f"properties.{name}", values, "write a non-empty list of values")
        out[check_column_name(name, f"{where}: properties")] = tuple(values)
    return out


def _names(where: str, key: str, value: Any, known: Sequence[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, key, value, f"write a list of some of {list(known)}")
    unknown = [v for v in value if v not in known]
    if unknown:
        raise _fail(where, key, value, f"{unknown[0]!r} is none of {list(known)}")
    return tuple(value)


def _levels(where: str, value: Any, labels: Sequence[str]) -> tuple[tuple[str, int, int], ...]:
    """The labels from the top down with their fan-out ranges."""
    fanout: dict[str, tuple[int, int]] = {}
    if value is not None:
        if not isinstance(value, Mapping):
            raise _fail(where, "fanout", value, "write a table, e.g. network_address = [2, 8]")
        for name, spread in value.items():
            if name not in labels:
                raise _fail(
                    where,
                    f"fanout.{name}",
                    spread,
                    f"{name!r} is not in hierarchy-labels {list(labels)}; add it there or drop it",
                )
            fanout[name] = _range(where, f"fanout.{name}", spread, 1, 1024)
    fanout.setdefault("resource_id", (1, 1))
    missing = [name for name in labels if name not in fanout]
    unusual = [name for name in missing if name not in LABEL_ORDER]
    if unusual:
        raise _fail(
            where,
            "fanout",
            dict(value or {}),
            f"no resource would have label {unusual[0]!r}: give its fan-out, e.g. "
            f"fanout.{unusual[0]} = [1, 4]",
        )
    for name in missing:
        fanout[name] = (1, 4)
    named = [n for n in (value or {}) if n != "resource_id"]
    rest = sorted(
        (n for n in labels if n not in named and n != "resource_id"), key=LABEL_ORDER.index
    )
    ordered = [*named, *rest, "resource_id"] if named else [*rest, "resource_id"]
    if ordered[0] in missing:  # no top fan-out: the size alone sets the top's count
        fanout[ordered[0]] = (1, MAX_SITE_RESOURCES)
    return tuple((name, *fanout[name]) for name in ordered)


def _check_size(where: str, table: Mapping[str, Any], site: Site) -> None:
    """Refuse a top fan-out no platform of the site's size can have.

    ``n`` resources in ``k`` top blocks need ``(k - 1) * smallest < n <= k * largest``
    (the last block may be cut short), ``smallest`` and ``largest`` being the resources
    a top block holds at the fan-outs' bounds.
    """
    top, low, high = site.levels[0]
    if top == "resource_id" or top not in table.get("fanout", {}):
        return
    smallest = largest = 1
    for _, a, b in site.levels[1:]:
        smallest, largest = smallest * a, largest * b
    first, last = site.resources
    if (low - 1) * smallest >= last or high * largest < first:
        msg = (
            f"{where}: fanout.{top}=[{low}, {high}] with resources=[{first}, {last}]: "
            f"{low} to {high} {top} blocks of {smallest} to {largest} resources hold "
            f"{(low - 1) * smallest + 1} to {high * largest} resources; widen one of them"
        )
        raise UsageError(msg)


def _rows(where: str, rows: Any, labels: Sequence[str], order: str) -> ResourceTable:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, Mapping) for r in rows):
        raise _fail(where, "resource", rows, "write one [[...resource]] table per resource")
    out: list[ResourceRow] = []
    seen: set[int] = set()
    columns: set[str] = set()
    for i, row in enumerate(rows, 1):
        rid = row.get("resource_id")
        if not isinstance(rid, int) or isinstance(rid, bool) or rid < 0 or rid in seen:
            raise _fail(where, f"resource #{i} resource_id", rid, "give a unique integer")
        seen.add(rid)
        node = row.get("network_address", "")
        state = row.get("state", "Alive")
        if state not in STATES:
            raise _fail(where, f"resource {rid} state", state, f"use one of {', '.join(STATES)}")
        for key, v in row.items():
            check_column_name(key, f"{where}: resource {rid}")
            if not isinstance(v, str | int) or isinstance(v, bool):
                raise _fail(where, f"resource {rid} {key}", v, "give a string or an integer")
        values = {k: v for k, v in row.items() if k not in OWN_COLUMNS}
        columns.update(values)
        out.append(ResourceRow(rid, str(node), str(row.get("type", "default")), state, values))
    for label in labels:
        if label in OWN_COLUMNS:
            continue
        lacking = [r.resource_id for r in out if label not in r.values]
        if lacking:
            raise _fail(
                where,
                "hierarchy-labels",
                ",".join(labels),
                f"label {label!r} is missing from resource {lacking[0]}: every resource needs "
                "a value for every label",
            )
    props = tuple(sorted(columns - set(labels)))
    table = ResourceTable(tuple(out), tuple(labels), order, props)
    platform = platform_of(table)
    for upper, lower in zip(platform.levels, platform.levels[1:], strict=False):
        owner = platform.block_index(upper.name)
        for block in lower.blocks:
            if len({owner[r] for r in block}) > 1:
                rids = sorted(platform.resource_id(r) for r in block)
                msg = (
                    f"{where}: resources {rids[:6]} share one {lower.name} value but sit in "
                    f"different {upper.name} blocks; OAR3 would make them one {lower.name} "
                    f"block across {upper.name}s. Number {lower.name} uniquely across the site"
                )
                raise UsageError(msg)
    return table


def read_site(path: str | Path) -> Site:
    """The site profile in file ``path`` (top-level keys, or ``[tool.oar-conformance.site]``)."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"site profile {str(path)!r} cannot be read ({exc.strerror}); give a TOML file"
        raise UsageError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"site profile {str(path)!r} is not valid TOML ({exc}); fix it"
        raise UsageError(msg) from None
    table = data.get("tool", {}).get("oar-conformance", {}).get("site", data)
    return parse_site(table, str(path))

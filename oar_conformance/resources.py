"""OAR3's ``resources`` table -> the platform a plugin sees, the way ``ResourceSet`` builds it.

OAR3 (``oar.lib.resource.ResourceSet``) reads every row ordered by
``SCHEDULER_RESOURCE_ORDER``; a row's position in that order is the id plugins see (0
based, counting every row, so Dead and Suspected rows leave holes). Only Alive and Absent
rows join the hierarchy. Each label of ``HIERARCHY_LABELS`` is a level whose blocks are
the rows sharing one value of the label, in order of first appearance; ``hy``'s keys
follow ``HIERARCHY_LABELS`` with ``resource_id`` moved last. This module does the same
on plain values, so the kit needs no OAR3 to build what OAR3 would hand a plugin; a test
compares it with OAR3's own ``ResourceSet`` on generated tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from oar_conformance.errors import UsageError
from oar_conformance.model import (
    DEFAULT_LABELS,
    DEFAULT_ORDER,
    OWN_COLUMNS,
    Level,
    Platform,
    ResourceRow,
    ResourceTable,
)

if TYPE_CHECKING:
    from oar_conformance.model import Value

__all__ = [
    "DEFAULT_LABELS",
    "DEFAULT_ORDER",
    "LABEL_ORDER",
    "STATES",
    "USABLE_STATES",
    "block_value",
    "check_column_name",
    "order_rows",
    "parse_labels",
    "parse_order",
    "platform_of",
    "table_of",
    "table_rows",
    "top_down",
]

STATES = ("Alive", "Absent", "Suspected", "Dead")
"""The states of a resource row."""
USABLE_STATES = frozenset({"Alive", "Absent"})
"""States whose rows join OAR3's hierarchy."""
LABEL_ORDER = ("cluster", "switch", "network_address", "host", "cpu", "core", "resource_id")
"""Usual labels from the top of a cluster down; breaks ties between equal partitions."""
ORDER_DEFAULTS: dict[str, Value] = {
    "scheduler_priority": 0,
    "state_num": 0,
    "available_upto": 2_147_483_647,
    "suspended_jobs": "NO",
}
"""OAR3 columns a ``SCHEDULER_RESOURCE_ORDER`` may name, at their value in a new table."""
SQL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A column name a site may use: a plain SQL identifier. OAR3 writes labels, properties
and ``SCHEDULER_RESOURCE_ORDER`` unquoted into its SQL, and the kit adds a site's columns
to its databases with ``ALTER TABLE``, so nothing else may pass."""


def check_column_name(name: object, what: str) -> str:
    """``name`` if it is a plain SQL identifier; else a usage error naming ``what``.

    The error suggests the name with every other character replaced by ``_``.
    """
    if isinstance(name, str) and SQL_NAME.fullmatch(name):
        return name
    text = str(name)
    fixed = re.sub(r"[^A-Za-z0-9_]", "_", text)
    fixed = fixed if fixed[:1].isalpha() or fixed[:1] == "_" else f"_{fixed}"
    msg = (
        f"{what}: {text!r} is not a column name OAR3 can use; write a plain SQL identifier "
        f"([A-Za-z_][A-Za-z0-9_]*), e.g. {fixed!r}"
    )
    raise UsageError(msg)


def parse_labels(text: str | Sequence[str]) -> tuple[str, ...]:
    """``HIERARCHY_LABELS`` as a tuple: ``"resource_id,network_address"`` or a list."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    labels = tuple(p.strip() for p in parts if p.strip())
    if not labels or len(set(labels)) != len(labels):
        msg = (
            f"HIERARCHY_LABELS={text!r} must name distinct columns, e.g. "
            f"{','.join(DEFAULT_LABELS)!r}"
        )
        raise UsageError(msg)
    for label in labels:
        check_column_name(label, f"HIERARCHY_LABELS={text!r}")
    return labels


def parse_order(text: str) -> tuple[tuple[str, bool], ...]:
    """``SCHEDULER_RESOURCE_ORDER`` as ``(column, descending)`` pairs."""
    keys: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if len(words) not in (1, 2) or direction not in ("ASC", "DESC"):
            msg = (
                f"SCHEDULER_RESOURCE_ORDER={text!r}: {part.strip()!r} is not 'column [ASC|DESC]'; "
                f"OAR3's default is {DEFAULT_ORDER!r}"
            )
            raise UsageError(msg)
        check_column_name(words[0], f"SCHEDULER_RESOURCE_ORDER={text!r}")
        keys.append((words[0], direction == "DESC"))
    return tuple(keys)


def order_rows(table: ResourceTable) -> list[ResourceRow]:
    """The rows in ``SCHEDULER_RESOURCE_ORDER``; ties keep ``resource_id`` order.

    A database breaks ties as it likes; the kit's tables end their orders on a unique
    column, as OAR3's shipped orders do, so both agree.
    """
    rows = sorted(table.rows, key=lambda r: r.resource_id)
    for name, descending in reversed(parse_order(table.order)):
        values = {row.resource_id: _order_value(table, row, name) for row in rows}
        rows.sort(key=lambda row: values[row.resource_id], reverse=descending)
    return rows


def _order_value(table: ResourceTable, row: ResourceRow, name: str) -> Value:
    try:
        return row.column(name)
    except KeyError:
        if name in ORDER_DEFAULTS:
            return ORDER_DEFAULTS[name]
        msg = (
            f"SCHEDULER_RESOURCE_ORDER={table.order!r} names column {name!r}, which the "
            f"resources have not; columns: {', '.join(table.columns)}"
        )
        raise UsageError(msg) from None


def platform_of(table: ResourceTable) -> Platform:
    """The platform OAR3 builds from ``table``: ids, levels, ``hy`` order and properties.

    Column by column rather than row by row: a 65,000-row table is built in a fraction of
    a second.
    """
    labels = tuple(table.labels)
    usable = [
        (roid, row) for roid, row in enumerate(order_rows(table)) if row.state in USABLE_STATES
    ]
    if not usable:
        msg = f"{table!r} has no Alive or Absent resource: OAR3 would schedule nothing on it"
        raise UsageError(msg)
    roids = [roid for roid, _ in usable]
    resource_ids = {roid: row.resource_id for roid, row in usable}
    properties: dict[str, dict[int, str]] = {"type": {roid: row.type for roid, row in usable}}
    for name in table.properties:
        if name != "type":
            properties[name] = {
                roid: str(row.values[name]) for roid, row in usable if name in row.values
            }
    levels: dict[str, Level] = {}
    for label in labels:
        parts = _blocks(table, label, usable, roids)
        # A partition equal to another label's (core = resource_id) shares its tuple.
        twin = next((lv for lv in levels.values() if lv.blocks == parts), None)
        levels[label] = Level(label, twin.blocks if twin is not None else parts)
    hy_order = tuple(label for label in labels if label != "resource_id")
    if "resource_id" in labels:
        hy_order += ("resource_id",)
    return Platform(
        tuple(levels[name] for name in top_down(levels.values(), labels)),
        properties,
        hy_order=hy_order,
        resource_ids=resource_ids,
        table=table,
    )


def _blocks(
    table: ResourceTable, label: str, usable: list[tuple[int, ResourceRow]], roids: list[int]
) -> tuple[frozenset[int], ...]:
    """Label ``label``'s blocks: the usable rows sharing one value, in order of appearance."""
    if label in ("resource_id", "id"):  # one value per row
        return tuple(frozenset((roid,)) for roid in roids)
    if label in OWN_COLUMNS:
        values: list[Value] = [row.column(label) for _, row in usable]
    else:
        lacking = next((row for _, row in usable if label not in row.values), None)
        if lacking is not None:
            msg = (
                f"HIERARCHY_LABELS names {label!r} but resource {lacking.resource_id} has no "
                f"such column; columns: {', '.join(table.columns)}"
            )
            raise UsageError(msg)
        values = [row.values[label] for _, row in usable]
    by_value: dict[Value, list[int]] = {}
    for value, roid in zip(values, roids, strict=True):
        by_value.setdefault(value, []).append(roid)
    return tuple(frozenset(ids) for ids in by_value.values())


def top_down(levels: Iterable[Level], labels: Sequence[str]) -> tuple[str, ...]:
    """Level names from the top of the hierarchy down: fewer blocks first.

    Equal block counts (``network_address`` and ``host``, ``core`` and ``resource_id``
    with one resource per core) follow :data:`LABEL_ORDER`, then ``labels``' order.
    """

    def rank(level: Level) -> tuple[int, int, int]:
        usual = LABEL_ORDER.index(level.name) if level.name in LABEL_ORDER else -1
        return (len(level.blocks), usual, list(labels).index(level.name))

    return tuple(level.name for level in sorted(levels, key=rank))


def block_value(name: str, index: int) -> Value:
    """The column value naming block ``index`` (from 0) of label ``name``, as sites spell it.

    ``cpu`` and ``core`` are numbers unique across the platform (``oar_resources_add``
    numbers them so); nodes are ``node-1``, ``node-2``, ...; other labels ``<name>-<n>``.
    """
    if name in ("cpu", "core"):
        return index + 1
    prefix = {"network_address": "node", "cluster": "cluster", "switch": "sw"}.get(name, name)
    return f"{prefix}-{index + 1}"


def table_rows(table: ResourceTable) -> list[dict[str, Value | None]]:
    """The rows as ``resources`` column -> value (``None`` where a row has none), ready
    for one ``INSERT`` of them all."""
    extra = table.columns[len(OWN_COLUMNS) :]
    return [
        {
            "resource_id": row.resource_id,
            "network_address": row.network_address,
            "type": row.type,
            "state": row.state,
            **{name: row.values.get(name) for name in extra},
        }
        for row in table.rows
    ]


def table_of(platform: Platform) -> ResourceTable:
    """``platform``'s table, or one with the same hierarchy for a hand-built platform.

    A hand-built platform (ids chosen by a test, levels of any names) gets one row per
    resource, its id as ``resource_id``, one column per level naming the block
    (:func:`block_value`) and ``network_address`` its node (its ``network_address``
    block, else ``node-<id>``).
    """
    if platform.table is not None:
        return platform.table
    where: dict[int, dict[str, Value]] = {rid: {} for rid in platform.resources}
    for level in platform.levels:
        for index, block in enumerate(level.blocks):
            for rid in block:
                where[rid][level.name] = block_value(level.name, index)
    names = [name for name in platform.level_names if name != "resource_id"]
    rows = []
    for rid in sorted(where):
        values = {name: where[rid][name] for name in names if name != "network_address"}
        values.update({k: _number(v[rid]) for k, v in platform.properties.items() if k != "type"})
        node = str(where[rid].get("network_address", f"node-{rid}"))
        kind = platform.properties.get("type", {}).get(rid, "default")
        rows.append(ResourceRow(rid, node, kind, "Alive", values))
    props = tuple(k for k in platform.properties if k != "type")
    return ResourceTable(tuple(rows), ("resource_id", *names), DEFAULT_ORDER, props)


def _number(value: str) -> Value:
    """A property value as its column holds it: digits are a number (``mem``)."""
    return int(value) if value.isdigit() else value

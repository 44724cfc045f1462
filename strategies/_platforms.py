"""Platforms: a compact random *shape*, expanded into rows of OAR3's ``resources`` table.

Drawing per resource or per block would make a 65,000-resource platform cost 65,000
draws (slow, and far past Hypothesis' buffer). Instead a few short cyclic patterns are
drawn (fan-outs per level, node sizes, node states, property values) plus the number of
resources, and the expansion repeats the patterns until that number is reached. The
platform is then built from the rows as OAR3 builds it (:mod:`oar_conformance.resources`).
With small platforms a pattern of up to six entries still lets every block differ;
with large ones the cost is linear in the number of resources and independent of the
number of draws.

Generation time is mostly Hypothesis' cost per draw and per strategy built, so the
strategies share the helpers defined here: strategies built once (:func:`ints`,
:func:`one_of_values`, :func:`cycles`) and subsets drawn in two choices
(:func:`draw_subset`) rather than as unique lists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from itertools import combinations, cycle, pairwise
from math import comb, isqrt
from typing import TYPE_CHECKING, TypeVar

from hypothesis import strategies as st

from oar_conformance.model import Platform, ResourceRow, ResourceTable
from oar_conformance.resources import USABLE_STATES, block_value, platform_of

from ._validate import check_bool, check_int, check_order

if TYPE_CHECKING:
    from collections.abc import Sequence

    from oar_conformance.model import Value
    from oar_conformance.site import Site

LEVEL_NAMES = ("cluster", "switch", "network_address", "cpu", "core", "resource_id")
"""Hierarchy labels a platform may use, from the top of the hierarchy down.

``resource_id`` (one block per resource) and ``network_address`` (one block per node)
are in every platform, as in OAR3's default ``HIERARCHY_LABELS``; the others are added
the way sites add them.
"""
COLORS = ("red", "blue", "green")
"""Values of the ``color`` property."""
MEMS = ("8", "16", "32", "64")
"""Values of the ``mem`` property (strings, as OAR's resources table hands them over)."""
OTHER_TYPE = "licence"
"""The type of the resources that are not ``default`` (OAR3's licence example)."""
ORDERS = (
    "resource_id ASC",
    "resource_id ASC",
    "network_address ASC, resource_id ASC",
    "resource_id DESC",
    "scheduler_priority ASC, state_num ASC, available_upto DESC, suspended_jobs ASC, "
    "network_address ASC, resource_id ASC",
)
"""``SCHEDULER_RESOURCE_ORDER`` values drawn: OAR3's default first, the shipped one last."""
MAX_RESOURCES = 100_000
"""Largest platform the strategies generate."""

T = TypeVar("T")

# Optional labels by shrinking preference (first: none, then core, cpu, ...).
_OPTIONAL = ("core", "cpu", "switch", "cluster")
_MAX_CYCLE = 6
_MAX_CORE_SIZE = 3
_MAX_NODE_SIZE = 8
_MAX_OTHER = 3
_NODE_STATES = ("Alive", "Alive", "Alive", "Absent", "Suspected", "Dead")


@dataclass(frozen=True)
class _Shape:
    """Everything drawn for a resources table; ``_expand`` writes its rows."""

    names: tuple[str, ...]
    """Labels from the top down, ``resource_id`` excluded."""
    resources: int
    fanouts: tuple[tuple[int, ...], ...]
    """For each level but the top one: children per block, used cyclically."""
    sizes: tuple[int, ...]
    """Resources per block of the lowest level, used cyclically."""
    states: tuple[str, ...]
    """State of each node's resources, used cyclically over nodes."""
    late: tuple[bool, ...]
    """Whether a node's last resource was added later (numbered after every other)."""
    others: int
    """Resources of type ``OTHER_TYPE`` (on a node of their own)."""
    order: str
    labels: tuple[str, ...]
    """``HIERARCHY_LABELS`` as written (``resource_id`` first, as in oar.conf, or last)."""
    properties: tuple[tuple[str, int, tuple[Value, ...]], ...]
    """``(name, level index, cyclic values per block of that level)``."""


def platforms(
    *,
    min_levels: int = 2,
    max_levels: int = 6,
    min_resources: int = 1,
    max_resources: int = 64,
    properties: bool = True,
    site: Site | None = None,
    down: bool = True,
) -> st.SearchStrategy[Platform]:
    """Platforms OAR3 builds from :func:`resource_tables` (see :func:`platform_of`).

    Resource ids are OAR3's positions in ``SCHEDULER_RESOURCE_ORDER``, from 0, with holes
    where rows are Suspected or Dead; a block is the set of resources sharing one value
    of a label. Shrinks towards OAR3's default labels ``resource_id,network_address``, one
    node holding one Alive resource, one value per property. With a ``site``, platforms
    stay inside it (see :func:`resource_tables`).
    """
    if site is not None and site.table is not None:
        return st.just(platform_of(_site_table(site, site.table, down=down)))
    return resource_tables(
        min_levels=min_levels,
        max_levels=max_levels,
        min_resources=min_resources,
        max_resources=max_resources,
        properties=properties,
        down=down,
        site=site,
    ).map(platform_of)


def resource_tables(
    *,
    min_levels: int = 2,
    max_levels: int = 6,
    min_resources: int = 1,
    max_resources: int = 64,
    properties: bool = True,
    site: Site | None = None,
    down: bool = True,
) -> st.SearchStrategy[ResourceTable]:
    """Rows of OAR3's ``resources`` table with ``HIERARCHY_LABELS`` and an order.

    Labels: ``resource_id`` and ``network_address`` always (``min_levels`` >= 2), plus
    some of ``core``, ``cpu``, ``switch`` and ``cluster``, listed with ``resource_id``
    first (as in oar.conf) or last. ``min_resources``..``max_resources`` resources of
    type ``default`` on nodes of irregular sizes; some nodes Absent, Suspected or Dead;
    some nodes with a resource added later (its id after every other, so the node's
    block is not contiguous in ``resource_id`` order); now and then a few resources of
    type ``licence`` on a node of their own; ``SCHEDULER_RESOURCE_ORDER`` one of
    :data:`ORDERS`. The resource bounds count the rows of type ``default``: fewer are
    usable when nodes are down. Without ``down`` nodes are Alive or Absent only (rounds:
    OAR3 maps a Suspected or Dead row that a job's expression matches to resource 0, see
    the README). With ``properties`` every resource has a ``color`` and a ``mem``,
    each set per block of some level. ``cpu`` and ``core`` values are integers unique
    across the platform, as ``oar_resources_add`` numbers them.

    With a ``site`` (:class:`~oar_conformance.site.Site`), tables use its labels, order,
    fan-outs, size range (within ``min_resources``..``max_resources`` where they meet)
    and property values; requests drawn on them name only its ``request-levels`` and
    compare only its ``request-properties``. A site that lists its rows gives that table.
    """
    check_int("min_levels", min_levels, 2, len(LEVEL_NAMES))
    check_int("max_levels", max_levels, 2, len(LEVEL_NAMES))
    check_order("min_levels", min_levels, "max_levels", max_levels)
    check_int("min_resources", min_resources, 1, MAX_RESOURCES)
    check_int("max_resources", max_resources, 1, MAX_RESOURCES)
    check_order("min_resources", min_resources, "max_resources", max_resources)
    check_bool("properties", properties)
    if site is not None:
        if site.table is not None:
            return st.just(_site_table(site, site.table, down=down))
        shapes = _site_shapes(
            site, min_resources=min_resources, max_resources=max_resources, down=down
        )
        return shapes.map(lambda shape: _site_table(site, _expand(shape), down=down))
    return _shapes(
        min_levels=min_levels,
        max_levels=max_levels,
        min_resources=min_resources,
        max_resources=max_resources,
        properties=properties,
        down=down,
    ).map(_expand)


@cache
def ints(low: int, high: int) -> st.SearchStrategy[int]:
    """``st.integers(low, high)``, built once: building a strategy inside a draw costs
    more than the draw itself."""
    return st.integers(low, high)


@cache
def one_of_values(values: tuple[T, ...]) -> st.SearchStrategy[T]:
    """``st.sampled_from(values)``, built once per tuple of values.

    Categorical choices use it rather than an index drawn by :func:`ints`: it is uniform
    (``st.integers`` favours its bounds), and its label is its own, so Hypothesis'
    mutator copies it only into draws over the same values.
    """
    return st.sampled_from(values)


def index(draw: st.DrawFn, n: int) -> int:
    """A position in a sequence of ``n`` entries, uniform; shrinks towards 0."""
    position: int = draw(one_of_values(tuple(range(n))))
    return position


BOOLEANS = st.booleans()


@cache
def cycles(entries: st.SearchStrategy[T]) -> st.SearchStrategy[tuple[T, ...]]:
    """Cyclic patterns of 1 to ``_MAX_CYCLE`` ``entries``, built once per ``entries``.

    Plain ``st.lists(...).map(tuple)``, kept although a length-first loop of draws is
    slightly cheaper: with it Hypothesis generates far more regular patterns (every
    block alike, as on real clusters), and about half as many find scenarios came out
    unsatisfiable. Shrinks towards one simplest entry.
    """
    return st.lists(entries, min_size=1, max_size=_MAX_CYCLE).map(tuple)


def draw_small(draw: st.DrawFn, low: int, high: int) -> int:
    """An integer in ``[low, high]``, each value about half as likely as the one before.

    One choice, read so that smaller choices give smaller values: the first half of the
    range gives ``low``, the next quarter ``low + 1``, and so on, the way ``st.lists``
    spreads lengths. Shrinks towards ``low``.
    """
    top = (1 << (high - low)) - 1
    return high - (top - draw(ints(0, top))).bit_length() if top else low


def draw_subset(
    draw: st.DrawFn, order: Sequence[int], low: int, high: int, *, small: bool = False
) -> list[int]:
    """``low``..``high`` distinct entries of ``order``, in two choices (size, then which).

    The subsets of one size are ranked by the positions of their entries in ``order``,
    so shrinking prefers the first entries of ``order``. The rank is drawn over the same
    range whatever the size (and taken modulo the number of subsets of that size), so
    the shrinker can lower the size without shifting every later choice. The size is
    uniform, or drawn by :func:`draw_small` (mostly ``low``) with ``small``.
    """
    size = draw_small(draw, low, high) if small else draw(ints(low, high))
    ranked = _ranked_subsets(len(order), size)
    rank = index(draw, comb(len(order), len(order) // 2)) % len(ranked)
    return [order[i] for i in ranked[rank]]


@cache
def _ranked_subsets(n: int, size: int) -> tuple[tuple[int, ...], ...]:
    return tuple(combinations(range(n), size))


_COLOR_VALUES = st.sampled_from(COLORS)
_MEM_VALUES = st.sampled_from(MEMS)
_STATE_VALUES = st.sampled_from(_NODE_STATES)
_UP_VALUES = st.sampled_from(_NODE_STATES[:4])
_ORDER_VALUES = st.sampled_from(ORDERS)


@st.composite
def _shapes(
    draw: st.DrawFn,
    *,
    min_levels: int,
    max_levels: int,
    min_resources: int,
    max_resources: int,
    properties: bool,
    down: bool,
) -> _Shape:
    extra = [
        _OPTIONAL[i]
        for i in draw_subset(draw, range(4), min_levels - 2, max_levels - 2, small=True)
    ]
    names = tuple(n for n in LEVEL_NAMES[:-1] if n == "network_address" or n in extra)
    resources = draw(ints(min_resources, max_resources))
    # Wide enough fan-outs that a big platform is a few clusters, not thousands.
    max_fanout = min(32, max(2, isqrt(max_resources)))
    fanouts = tuple(draw(cycles(ints(1, max_fanout))) for _ in names[1:])
    largest = _MAX_NODE_SIZE if names[-1] == "network_address" else _MAX_CORE_SIZE
    sizes = draw(cycles(ints(1, largest)))
    special = draw(ints(0, 3)) == 3  # one table in four has dead nodes, late ids, licences
    states = draw(cycles(_STATE_VALUES if down else _UP_VALUES)) if special else ("Alive",)
    late = draw(cycles(BOOLEANS)) if special else (False,)
    others = draw(ints(0, _MAX_OTHER)) if special else 0
    order = draw(_ORDER_VALUES)
    labels = ("resource_id", *names) if draw(BOOLEANS) else (*names, "resource_id")
    props: list[tuple[str, int, tuple[Value, ...]]] = []
    if properties:
        for name, values in (("color", _COLOR_VALUES), ("mem", _MEM_VALUES)):
            level = draw(ints(0, len(names)))
            pattern = draw(cycles(values))
            props.append(
                (name, level, tuple(int(v) for v in pattern) if name == "mem" else pattern)
            )
    return _Shape(
        names, resources, fanouts, sizes, states, late, others, order, labels, tuple(props)
    )


@st.composite
def _site_shapes(
    draw: st.DrawFn, site: Site, *, min_resources: int, max_resources: int, down: bool
) -> _Shape:
    """A shape inside ``site``: its labels, order and fan-outs (the top one bounding the
    number of top blocks), its property values."""
    names = tuple(name for name, _, _ in site.levels if name != "resource_id")
    low = max(site.resources[0], min(min_resources, site.resources[1]))
    high = max(low, min(site.resources[1], max_resources))
    resources = draw(ints(low, high))
    spread = {name: (a, b) for name, a, b in site.levels}
    fanouts = tuple(draw(cycles(ints(*spread[name]))) for name in names[1:])
    sizes = draw(cycles(ints(*spread["resource_id"])))
    if names:
        resources, fanouts, sizes = _top_fanout(
            resources, fanouts, sizes, spread, names, (low, high)
        )
    special = draw(ints(0, 3)) == 3  # one platform in four has nodes down or late ids
    states = draw(cycles(_STATE_VALUES if down else _UP_VALUES)) if special else ("Alive",)
    late = draw(cycles(BOOLEANS)) if special else (False,)
    props: list[tuple[str, int, tuple[Value, ...]]] = []
    for name, values in site.properties.items():
        if name == "type":
            continue
        level = draw(ints(0, len(names)))
        props.append((name, level, draw(cycles(one_of_values(tuple(values))))))
    return _Shape(
        names,
        resources,
        fanouts,
        sizes,
        states,
        late,
        0,
        site.order,
        site.labels,
        tuple(props),
    )


def _top_fanout(
    resources: int,
    fanouts: tuple[tuple[int, ...], ...],
    sizes: tuple[int, ...],
    spread: dict[str, tuple[int, int]],
    names: tuple[str, ...],
    size: tuple[int, int],
) -> tuple[int, tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Resources and patterns giving the site's number of top-level blocks.

    A site's top fan-out bounds how many top blocks the platform has. The drawn number
    of resources is moved, inside ``size``, to a count the patterns make into that many
    top blocks; when the drawn patterns cannot (their blocks are all too small or all
    too large for ``size``), the widest or narrowest patterns the site allows replace
    them. The top fan-out wins over ``size`` when nothing else fits (a caller's bounds
    tighter than the site's, e.g. a round's 16 resources).
    """
    low, high = spread[names[0]]
    if low <= _top_blocks(resources, fanouts, sizes) <= high:
        return resources, fanouts, sizes
    below = [spread[name] for name in (*names[1:], "resource_id")]
    if _top_size(high, fanouts, sizes) < size[0]:
        fanouts, sizes = tuple((b,) for _, b in below[:-1]), (below[-1][1],)
    elif _top_size(low - 1, fanouts, sizes) >= size[1]:
        fanouts, sizes = tuple((a,) for a, _ in below[:-1]), (below[-1][0],)
    first = _top_size(low - 1, fanouts, sizes) + 1
    last = _top_size(high, fanouts, sizes)
    return min(max(resources, first), last), fanouts, sizes


def _top_size(blocks: int, fanouts: Sequence[Sequence[int]], sizes: Sequence[int]) -> int:
    """Resources in the first ``blocks`` whole top-level blocks of cyclic patterns."""
    count = blocks
    for pattern in (*fanouts, sizes):
        whole, part = divmod(count, len(pattern))
        count = whole * sum(pattern) + sum(pattern[:part])
    return count


def _top_blocks(resources: int, fanouts: Sequence[Sequence[int]], sizes: Sequence[int]) -> int:
    """How many top-level blocks ``resources`` resources make (the last one may be cut)."""
    low, high = 1, resources
    while low < high:
        middle = (low + high) // 2
        if _top_size(middle, fanouts, sizes) >= resources:
            high = middle
        else:
            low = middle + 1
    return low


def _site_table(site: Site, table: ResourceTable, *, down: bool) -> ResourceTable:
    """``table`` with what requests may use at ``site`` (without ``down``: no row down)."""
    rows = table.rows if down else tuple(r for r in table.rows if r.state in USABLE_STATES)
    return replace(
        table, rows=rows, properties=site.request_properties, request_levels=site.request_levels
    )


def _chunks(total: int, pattern: Sequence[int]) -> list[int]:
    """Boundaries cutting ``range(total)`` into runs of cyclic lengths (last run truncated)."""
    bounds = [0]
    for step in cycle(pattern):
        if bounds[-1] >= total:
            break
        bounds.append(min(bounds[-1] + step, total))
    return bounds


def _expand(shape: _Shape) -> ResourceTable:
    """Write the rows a shape describes; linear in its number of resources."""
    n = shape.resources
    # Each level is a list of boundaries into positions 0..n-1, built from the bottom up:
    # a block of level k takes the next ``fanout`` blocks of level k + 1, so nesting holds.
    bounds = [_chunks(n, shape.sizes)]
    for fanout in reversed(shape.fanouts):
        below = bounds[0]
        bounds.insert(0, [below[i] for i in _chunks(len(below) - 1, fanout)])
    columns: dict[str, list[Value]] = {}
    # A site whose only label is resource_id names no level above it: its resources still
    # sit on nodes (the rows' network_address), in blocks of its resource_id fan-out.
    for name, level_bounds in zip(shape.names, bounds if shape.names else [], strict=True):
        column = columns[name] = []
        for i, (a, b) in enumerate(pairwise(level_bounds)):
            column.extend([block_value(name, i)] * (b - a))
    node: str | None = next((n for n in ("network_address", "host") if n in shape.names), None)
    if node is None and shape.names:
        node = shape.names[-1]
    nodes = bounds[shape.names.index(node)] if node is not None else bounds[0]
    node_names = columns.get("network_address") or [
        block_value("network_address", i)
        for i, (a, b) in enumerate(pairwise(nodes))
        for _ in range(b - a)
    ]
    state = [""] * n
    late = set()
    for i, (a, b) in enumerate(pairwise(nodes)):
        state[a:b] = [shape.states[i % len(shape.states)]] * (b - a)
        if shape.late[i % len(shape.late)] and b - a > 1:
            late.add(b - 1)
    if "Alive" not in state and "Absent" not in state:
        state[nodes[0] : nodes[1]] = ["Alive"] * (nodes[1] - nodes[0])
    rid = [0] * n
    for i, p in enumerate([p for p in range(n) if p not in late] + sorted(late)):
        rid[p] = i + 1
    props: dict[str, list[Value]] = {}
    for name, level, pattern in shape.properties:
        level_bounds = bounds[level] if level < len(bounds) else list(range(n + 1))
        column_values = props[name] = []
        for i, (a, b) in enumerate(pairwise(level_bounds)):
            column_values.extend([pattern[i % len(pattern)]] * (b - a))
    labels = [name for name in shape.names if name != "network_address"]
    keys = (*labels, *props)
    cells = zip(*(columns[name] for name in labels), *props.values(), strict=True)
    values = [dict(zip(keys, row, strict=True)) for row in cells] if keys else [{}] * n
    rows = [
        ResourceRow(r, str(node), "default", st, v)
        for r, node, st, v in zip(rid, node_names, state, values, strict=True)
    ]
    for k in range(shape.others):
        other = {name: _OTHER_VALUES[name] for name in labels}
        other.update({name: column_values[0] for name, column_values in props.items()})
        rows.append(ResourceRow(n + k + 1, "licence-server", OTHER_TYPE, "Alive", other))
    comparable = (*props, "type") if shape.others else tuple(props)
    return ResourceTable(tuple(rows), shape.labels, shape.order, comparable)


_OTHER_VALUES: dict[str, Value] = {"cluster": "licences", "switch": "licences", "cpu": 0, "core": 0}

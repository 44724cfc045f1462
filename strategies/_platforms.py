"""Platforms: a compact random *shape*, expanded deterministically into levels of blocks.

Drawing per resource or per block would make a 65,000-resource platform cost 65,000
draws (slow, and far past Hypothesis' buffer). Instead a few short cyclic patterns are
drawn (fan-outs per level, bottom block sizes, id gaps, property values) plus the
number of resources, and the expansion repeats the patterns until that number is
reached. With small platforms a pattern of up to six entries still lets every block
differ; with large ones the cost is linear in the number of resources and independent
of the number of draws.

Generation time is mostly Hypothesis' cost per draw and per strategy built, so the
strategies share the helpers defined here: strategies built once (:func:`ints`,
:func:`one_of_values`, :func:`cycles`) and subsets drawn in two choices
(:func:`draw_subset`) rather than as unique lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import accumulate, combinations, cycle, islice, pairwise
from math import comb, isqrt
from typing import TYPE_CHECKING, TypeVar

from hypothesis import strategies as st

from oar_conformance.model import Level, Platform

from ._validate import check_bool, check_int, check_order

if TYPE_CHECKING:
    from collections.abc import Sequence

LEVEL_NAMES = ("cluster", "switch", "host", "cpu", "core")
"""Level names a platform may use, from the top of the hierarchy down."""
COLORS = ("red", "blue", "green")
"""Values of the ``color`` property."""
MEMS = ("8", "16", "32", "64")
"""Values of the ``mem`` property (strings, as OAR's resources table hands them over)."""
MAX_RESOURCES = 100_000
"""Largest platform the strategies generate."""

T = TypeVar("T")

# Index into LEVEL_NAMES by shrinking preference: one level shrinks to "host", two to
# host/core, so minimal examples read like ordinary requests.
_LEVEL_PREFERENCE = (2, 4, 3, 1, 0)
_MAX_CYCLE = 6
_MAX_BOTTOM_SIZE = 3
_MAX_GAP = 9


@dataclass(frozen=True)
class _Shape:
    """Everything drawn for a platform; ``_expand`` turns it into a ``Platform``."""

    names: tuple[str, ...]
    resources: int
    fanouts: tuple[tuple[int, ...], ...]
    """For each level but the bottom one: children per block, used cyclically."""
    sizes: tuple[int, ...]
    """Resource ids per bottom block, used cyclically."""
    gaps: tuple[int, ...]
    """Hole before each resource id, used cyclically (``0``: no hole)."""
    properties: tuple[tuple[str, int, tuple[str, ...]], ...]
    """``(name, level index, cyclic values per block of that level)``."""


def platforms(
    *,
    min_levels: int = 1,
    max_levels: int = 5,
    min_resources: int = 1,
    max_resources: int = 64,
    properties: bool = True,
) -> st.SearchStrategy[Platform]:
    """Platforms of ``min_levels``..``max_levels`` levels and ``min_resources``..``max_resources``.

    Level names are an ordered subsequence of ``LEVEL_NAMES``. Every level partitions
    the resources and each block nests in exactly one block of the level above; fan-outs
    and bottom block sizes (1 to 3 ids) are irregular. Resource ids are positive and
    increase in hierarchy order, sometimes with holes between them. With ``properties``
    every resource gets a ``color`` (one of ``COLORS``) and a ``mem`` (one of ``MEMS``),
    each set per block of some level.

    Shrinks towards a single ``host`` level holding one block with the single resource
    id 1, no holes, and one value per property.
    """
    check_int("min_levels", min_levels, 1, len(LEVEL_NAMES))
    check_int("max_levels", max_levels, 1, len(LEVEL_NAMES))
    check_order("min_levels", min_levels, "max_levels", max_levels)
    check_int("min_resources", min_resources, 1, MAX_RESOURCES)
    check_int("max_resources", max_resources, 1, MAX_RESOURCES)
    check_order("min_resources", min_resources, "max_resources", max_resources)
    check_bool("properties", properties)
    return _shapes(
        min_levels=min_levels,
        max_levels=max_levels,
        min_resources=min_resources,
        max_resources=max_resources,
        properties=properties,
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


@st.composite
def _shapes(
    draw: st.DrawFn,
    *,
    min_levels: int,
    max_levels: int,
    min_resources: int,
    max_resources: int,
    properties: bool,
) -> _Shape:
    picked = draw_subset(draw, _LEVEL_PREFERENCE, min_levels, max_levels)
    names = tuple(LEVEL_NAMES[i] for i in sorted(picked))
    resources = draw(ints(min_resources, max_resources))
    # Wide enough fan-outs that a big platform is a few clusters, not thousands.
    max_fanout = min(32, max(2, isqrt(max_resources)))
    fanouts = tuple(draw(cycles(ints(1, max_fanout))) for _ in names[1:])
    sizes = draw(cycles(ints(1, _MAX_BOTTOM_SIZE)))
    gaps = draw(cycles(ints(0, _MAX_GAP))) if draw(BOOLEANS) else (0,)
    props: list[tuple[str, int, tuple[str, ...]]] = []
    if properties:
        for name, values in (("color", _COLOR_VALUES), ("mem", _MEM_VALUES)):
            level = draw(ints(0, len(names) - 1))
            props.append((name, level, draw(cycles(values))))
    return _Shape(names, resources, fanouts, sizes, gaps, tuple(props))


def _chunks(total: int, pattern: Sequence[int]) -> list[int]:
    """Boundaries cutting ``range(total)`` into runs of cyclic lengths (last run truncated)."""
    bounds = [0]
    for step in cycle(pattern):
        if bounds[-1] >= total:
            break
        bounds.append(min(bounds[-1] + step, total))
    return bounds


def _expand(shape: _Shape) -> Platform:
    """Build the platform a shape describes; linear in its number of resources."""
    ids = list(accumulate(islice(cycle([gap + 1 for gap in shape.gaps]), shape.resources)))
    # Each level is a list of boundaries into ``ids``, built from the bottom up: a block
    # of level k takes the next ``fanout`` blocks of level k + 1, so nesting holds.
    bounds = [_chunks(shape.resources, shape.sizes)]
    for fanout in reversed(shape.fanouts):
        below = bounds[0]
        bounds.insert(0, [below[i] for i in _chunks(len(below) - 1, fanout)])
    levels = tuple(
        Level(name, tuple(frozenset(ids[a:b]) for a, b in pairwise(level_bounds)))
        for name, level_bounds in zip(shape.names, bounds, strict=True)
    )
    props: dict[str, dict[int, str]] = {}
    for name, level, pattern in shape.properties:
        values = props[name] = {}
        for i, (a, b) in enumerate(pairwise(bounds[level])):
            values.update(dict.fromkeys(ids[a:b], pattern[i % len(pattern)]))
    return Platform(levels, props)

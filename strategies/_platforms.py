"""Platforms: a compact random *shape*, expanded deterministically into levels of blocks.

Drawing per resource or per block would make a 65,000-resource platform cost 65,000
draws (slow, and far past Hypothesis' buffer). Instead a few short cyclic patterns are
drawn (fan-outs per level, bottom block sizes, id gaps, property values) plus the
number of resources, and the expansion repeats the patterns until that number is
reached. With small platforms a pattern of up to six entries still lets every block
differ; with large ones the cost is linear in the number of resources and independent
of the number of draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate, cycle, islice, pairwise
from math import isqrt
from typing import TYPE_CHECKING

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


def _cycle_of(elements: st.SearchStrategy[int]) -> st.SearchStrategy[tuple[int, ...]]:
    return st.lists(elements, min_size=1, max_size=_MAX_CYCLE).map(tuple)


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
    picked = draw(
        st.lists(
            st.sampled_from(_LEVEL_PREFERENCE),
            min_size=min_levels,
            max_size=max_levels,
            unique=True,
        )
    )
    names = tuple(LEVEL_NAMES[i] for i in sorted(picked))
    resources = draw(st.integers(min_resources, max_resources))
    # Wide enough fan-outs that a big platform is a few clusters, not thousands.
    max_fanout = min(32, max(2, isqrt(max_resources)))
    fanouts = tuple(draw(_cycle_of(st.integers(1, max_fanout))) for _ in names[1:])
    sizes = draw(_cycle_of(st.integers(1, _MAX_BOTTOM_SIZE)))
    gaps = draw(_cycle_of(st.integers(0, _MAX_GAP))) if draw(st.booleans()) else (0,)
    props: list[tuple[str, int, tuple[str, ...]]] = []
    if properties:
        for name, values in (("color", COLORS), ("mem", MEMS)):
            level = draw(st.integers(0, len(names) - 1))
            pattern = draw(st.lists(st.sampled_from(values), min_size=1, max_size=_MAX_CYCLE))
            props.append((name, level, tuple(pattern)))
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

"""Requests: ``oarsub -l`` groups (levels, counts, property constraints) on a platform.

A group's constraints are always computed from its expression on the platform's
properties, so the ``Group`` a plugin receives is exactly what OAR would build. Given the
free resources, counts can also be derived from the platform instead of drawn, which is
how scenarios reach "fits exactly" and "one block too many" with decent probability.
"""

from __future__ import annotations

import operator
from collections import Counter, deque
from typing import TYPE_CHECKING, Literal

from hypothesis import strategies as st

from oar_conformance.errors import UsageError
from oar_conformance.model import ALL, BEST, HALF_BEST, Group, Platform

from ._platforms import BOOLEANS, draw_subset, ints, one_of_values
from ._shrink import plain
from ._validate import check_bool, check_int, check_order, check_platform

if TYPE_CHECKING:
    from collections.abc import Callable

    from typing_extensions import TypedDict, Unpack

    class _GroupOptions(TypedDict, total=False):
        special_counts: bool
        constraints: bool
        max_count: int


Ids = frozenset[int]

MAX_COUNT = 64
"""Largest drawn count :func:`groups` accepts for ``max_count``."""
MAX_GROUPS = 8
"""Largest number of ``+``-separated groups in a request."""

_GROUP_OPTIONS = frozenset({"special_counts", "constraints", "max_count"})
_COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "=": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}
_OPERATORS = st.sampled_from(tuple(_COMPARISONS))
_JOINTS = st.sampled_from(("AND", "OR"))
_Mode = Literal["drawn", "fit", "fit+1", "too_many"]
# Three groups in seven keep their drawn counts (the only source of special counts); the
# others get a top count that fits exactly, is one too many, or exceeds the level.
_MODES: tuple[_Mode, ...] = ("drawn", "drawn", "drawn", "fit", "fit", "fit+1", "too_many")
_MODE_VALUES = st.sampled_from(_MODES)


def groups(
    platform: Platform,
    *,
    special_counts: bool = True,
    constraints: bool = True,
    max_count: int = 4,
) -> st.SearchStrategy[Group]:
    """One request group on ``platform``, e.g. ``{color='red'}/switch=1/core=2``.

    Levels are a non-empty ordered subsequence of the levels requests may name (skipping
    some is fine): every level of the platform, or only a site's ``request-levels``.
    Counts are 1..``max_count``; with ``special_counts`` a single-level group may also ask
    ``ALL``, ``BEST`` or ``HALF_BEST`` (OAR3 accepts those with one level only). With
    ``constraints`` and a platform with properties, the group may carry an expression on
    ``color`` and/or ``mem`` (joined by ``AND``/``OR``) whose matching ids are its
    ``constraints``; otherwise ``constraints`` is every resource.

    Shrinks towards the lowest level requests may name alone, count 1, no expression.
    """
    check_platform(platform)
    check_bool("special_counts", special_counts)
    check_bool("constraints", constraints)
    check_int("max_count", max_count, 1, MAX_COUNT)
    return _groups(
        platform,
        available=None,
        special_counts=special_counts,
        constraints=constraints,
        max_count=max_count,
    )


def requests(
    platform: Platform,
    *,
    min_groups: int = 1,
    max_groups: int = 3,
    **group_kwargs: Unpack[_GroupOptions],
) -> st.SearchStrategy[tuple[Group, ...]]:
    """``min_groups``..``max_groups`` groups, as joined by ``+`` in ``oarsub -l``.

    ``group_kwargs`` are passed to :func:`groups`. Shrinks towards ``min_groups`` groups,
    each shrinking as :func:`groups` does.
    """
    unknown = sorted(set(group_kwargs) - _GROUP_OPTIONS)
    if unknown:
        msg = f"requests() got unknown options {unknown}; use some of {sorted(_GROUP_OPTIONS)}"
        raise UsageError(msg)
    check_int("min_groups", min_groups, 1, MAX_GROUPS)
    check_int("max_groups", max_groups, 1, MAX_GROUPS)
    check_order("min_groups", min_groups, "max_groups", max_groups)
    key = (id(platform), min_groups, max_groups, *sorted(group_kwargs.items()))
    for cached_platform, cached_key, strategy in _RECENT:
        if cached_platform is platform and cached_key == key:
            return strategy
    group = groups(platform, **group_kwargs)
    strategy = st.lists(group, min_size=min_groups, max_size=max_groups).map(tuple)
    _RECENT.appendleft((platform, key, strategy))
    return strategy


_RECENT: deque[tuple[Platform, tuple[object, ...], st.SearchStrategy[tuple[Group, ...]]]] = deque(
    maxlen=4
)
"""The last few :func:`requests` strategies built, with their platform (held, so its
``id`` stays unique). ``jobs()`` asks for one per moldable of every job, always on the
same platform; building and validating it anew each time cost more than drawing it."""


@st.composite
def _groups(
    draw: st.DrawFn,
    platform: Platform,
    *,
    available: Ids | None,
    special_counts: bool,
    constraints: bool,
    max_count: int,
) -> Group:
    return draw_group(
        draw,
        platform,
        available=available,
        special_counts=special_counts,
        constraints=constraints,
        max_count=max_count,
    )


def draw_group(
    draw: st.DrawFn,
    platform: Platform,
    *,
    available: Ids | None,
    special_counts: bool,
    constraints: bool,
    max_count: int,
) -> Group:
    """A group, drawn in place; given ``available``, counts may be derived from the free blocks."""
    if plain(draw):
        return simplest_group(platform)
    names = _level_names(draw, platform)
    expression, selected = (
        _constraints(draw, platform) if constraints else ("", platform.default_resources)
    )
    special = special_counts and len(names) == 1
    counts = [_count(draw, max_count, special=special) for _ in names]
    # Counts are drawn even when then derived, so shrinking prefers plain drawn counts.
    if available is not None:
        mode = draw(_MODE_VALUES)
        if mode != "drawn":
            region = selected & available
            counts = _derived_counts(draw, platform, names, counts, region=region, mode=mode)
    return Group(tuple(zip(names, counts, strict=True)), selected, expression)


@st.composite
def _satisfiable_groups(draw: st.DrawFn, platform: Platform, available: Ids) -> Group:
    return draw_satisfiable_group(draw, platform, available)


def draw_satisfiable_group(draw: st.DrawFn, platform: Platform, available: Ids) -> Group:
    """A group OAR3's hierarchical search serves from ``available``.

    ``available`` must hold a whole block of the lowest level requests may name. Levels and
    expression are drawn as by :func:`draw_group`; when no block of the lowest requested
    level is free inside the expression's ids, the expression is dropped, and if that is
    not enough either the group asks for that lowest level alone. Counts are then read off
    the free blocks (:func:`_fitting_counts`), never ``ALL``/``BEST``/``HALF_BEST``.
    """
    if plain(draw):
        return simplest_group(platform)
    names = _level_names(draw, platform)
    expression, selected = _constraints(draw, platform)
    region = selected & available
    if not _any_inside(platform, names[-1], region):
        expression, selected = "", platform.default_resources
        region = selected & available
    if not _any_inside(platform, names[-1], region):
        names = [platform.request_levels[-1]]
    counts = _fitting_counts(draw, platform, names, region)
    return Group(tuple(zip(names, counts, strict=True)), selected, expression)


def simplest_group(platform: Platform) -> Group:
    """``/resource_id=1`` (oarsub's default request): one block of the lowest level
    requests may name (``/core=1`` at a site whose requests may not name ``resource_id``)."""
    return Group(((platform.request_levels[-1], 1),), platform.default_resources)


def _level_names(draw: st.DrawFn, platform: Platform) -> list[str]:
    """An ordered subsequence of the levels requests may name (every level, or a site's
    ``request-levels``), top down, mostly one or two; shrinks to the lowest one.

    The bottom level (``resource_id`` on OAR3 platforms) is oarsub's default request;
    then the top (nodes with OAR3's default labels), and so on down.
    """
    allowed = platform.request_levels
    depth = len(allowed)
    preference = (depth - 1, *range(depth - 1))
    return [allowed[i] for i in sorted(draw_subset(draw, preference, 1, depth, small=True))]


def _any_inside(platform: Platform, name: str, region: Ids) -> bool:
    return any(b <= region for b in platform.level(name).blocks)


def _fitting_counts(
    draw: st.DrawFn, platform: Platform, names: list[str], region: Ids
) -> list[int]:
    """Counts OAR3's search can serve inside ``region`` (which holds a block of ``names[-1]``).

    From the lowest requested level up, as :func:`_derived_counts`: each lower count is
    drawn between 1 and the largest number of usable children a block has, so at least
    one block stays usable; the top count between 1 and the number of usable top blocks.
    Shrinks towards counts of 1.
    """
    usable = [b for b in platform.level(names[-1]).blocks if b <= region]
    counts = [1] * len(names)
    for j in range(len(names) - 1, 0, -1):
        parents = platform.level(names[j - 1]).blocks
        owner = platform.block_index(names[j - 1])
        tally = Counter(owner[min(child)] for child in usable)
        counts[j] = draw(ints(1, max(tally.values())))
        usable = [parents[p] for p in sorted(tally) if tally[p] >= counts[j]]
    counts[0] = draw(ints(1, len(usable)))
    return counts


def _count(draw: st.DrawFn, max_count: int, *, special: bool) -> int:
    """1..``max_count``, or with ``special`` one of those or ``ALL``, ``BEST``, ``HALF_BEST``."""
    if special:
        count: int = draw(one_of_values((*range(1, max_count + 1), ALL, BEST, HALF_BEST)))
        return count
    return draw(ints(1, max_count))


def _derived_counts(
    draw: st.DrawFn,
    platform: Platform,
    names: list[str],
    drawn: list[int],
    *,
    region: Ids,
    mode: _Mode,
) -> list[int]:
    """Counts read off the platform, as OAR's hierarchical search would see it.

    From the lowest requested level up: a block is usable when it lies inside ``region``
    (lowest level) or holds at least the requested count of usable blocks of the level
    below. Lower counts keep their ``drawn`` value or become the largest number of
    usable children any block has (so only the richest blocks qualify); the top count is
    the number of usable top blocks (``fit``), one more (``fit+1``) or one more than the
    level has blocks (``too_many``).
    """
    usable = [b for b in platform.level(names[-1]).blocks if b <= region]
    counts = list(drawn)
    for j in range(len(names) - 1, 0, -1):
        parents = platform.level(names[j - 1]).blocks
        owner = platform.block_index(names[j - 1])
        tally = Counter(owner[min(child)] for child in usable)
        if draw(BOOLEANS):
            counts[j] = max(tally.values(), default=1)
        usable = [parents[p] for p in sorted(tally) if tally[p] >= counts[j]]
    top = len(platform.level(names[0]).blocks)
    counts[0] = {"fit": max(1, len(usable)), "fit+1": len(usable) + 1}.get(mode, top + 1)
    return counts


def _constraints(draw: st.DrawFn, platform: Platform) -> tuple[str, Ids]:
    """An oarsub-like SQL expression and the ids it selects (``""``: every resource)."""
    names = _expression_properties(platform)
    # Half of the groups have no expression, as most real requests.
    atoms = max(0, draw(ints(0, 3)) - 1) if names else 0
    if atoms == 0:
        return "", platform.default_resources
    first = _atom(draw, platform, names)
    if atoms == 1:
        return first
    joint = draw(_JOINTS)
    second = _atom(draw, platform, names)
    combine = frozenset.intersection if joint == "AND" else frozenset.union
    return f"{first[0]} {joint} {second[0]}", combine(first[1], second[1])


def _expression_properties(platform: Platform) -> tuple[str, ...]:
    """Properties expressions may compare: those of the platform's table (``color``,
    ``mem``, a site's), ``type`` when it has resources of several types."""
    values = platform.property_values
    table = platform.table
    names = table.properties if table is not None else ("color", "mem", "type")
    return tuple(
        name for name in names if values.get(name) and (name != "type" or len(values[name]) > 1)
    )


def _atom(draw: st.DrawFn, platform: Platform, names: tuple[str, ...]) -> tuple[str, Ids]:
    """One comparison on a property: ``color='red'``, ``type='licence'`` or ``mem>=16``.

    A property whose values are all numbers is compared (``<``, ``>=``, ...), any other
    tested for equality.
    """
    name = draw(one_of_values(names))
    values = platform.property_values[name]
    if not all(value.isdigit() for value in values):
        value = draw(one_of_values(values))
        quoted = value.replace("'", "''")  # SQL's escape, as oarsub users write it
        return f"{name}='{quoted}'", platform.with_property(name, value)
    op = draw(_OPERATORS)
    threshold = draw(one_of_values(tuple(sorted(int(v) for v in values))))
    compare = _COMPARISONS[op]
    column = platform.properties[name]
    selected = frozenset(rid for rid, v in column.items() if compare(int(v), threshold))
    return f"{name}{op}{threshold}", selected

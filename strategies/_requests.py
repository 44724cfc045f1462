"""Requests: ``oarsub -l`` groups (levels, counts, property constraints) on a platform.

A group's constraints are always computed from its expression on the platform's
properties, so the ``Group`` a plugin receives is exactly what OAR would build. Given the
free resources, counts can also be derived from the platform instead of drawn, which is
how scenarios reach "fits exactly" and "one block too many" with decent probability.
"""

from __future__ import annotations

import operator
from collections import Counter
from typing import TYPE_CHECKING, Literal

from hypothesis import strategies as st

from oar_conformance.errors import UsageError
from oar_conformance.model import ALL, BEST, HALF_BEST, Group, Platform

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
_Mode = Literal["drawn", "fit", "fit+1", "too_many"]
# Three groups in seven keep their drawn counts (the only source of special counts); the
# others get a top count that fits exactly, is one too many, or exceeds the level.
_MODES: tuple[_Mode, ...] = ("drawn", "drawn", "drawn", "fit", "fit", "fit+1", "too_many")


def groups(
    platform: Platform,
    *,
    special_counts: bool = True,
    constraints: bool = True,
    max_count: int = 4,
) -> st.SearchStrategy[Group]:
    """One request group on ``platform``, e.g. ``{color='red'}/switch=1/core=2``.

    Levels are a non-empty ordered subsequence of the platform's levels (skipping some is
    fine). Counts are 1..``max_count``; with ``special_counts`` a single-level group may
    also ask ``ALL``, ``BEST`` or ``HALF_BEST`` (OAR3 accepts those with one level only).
    With ``constraints`` and a platform with properties, the group may carry an
    expression on ``color`` and/or ``mem`` (joined by ``AND``/``OR``) whose matching ids
    are its ``constraints``; otherwise ``constraints`` is every resource.

    Shrinks towards the top level alone, count 1, no expression.
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
    group = groups(platform, **group_kwargs)
    return st.lists(group, min_size=min_groups, max_size=max_groups).map(tuple)


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
    """A group; given ``available``, its counts may be derived from the free blocks."""
    if plain(draw):
        return Group(((platform.levels[0].name, 1),), platform.resources)
    depth = len(platform.levels)
    picked = draw(st.lists(st.integers(0, depth - 1), min_size=1, max_size=depth, unique=True))
    names = [platform.levels[i].name for i in sorted(picked)]
    expression, selected = draw(_constraints(platform)) if constraints else ("", platform.resources)
    special = special_counts and len(names) == 1
    counts = [draw(_counts(max_count, special=special)) for _ in names]
    # Counts are drawn even when then derived, so shrinking prefers plain drawn counts.
    if available is not None:
        mode = draw(st.sampled_from(_MODES))
        if mode != "drawn":
            region = selected & available
            counts = _derived_counts(draw, platform, names, counts, region=region, mode=mode)
    return Group(tuple(zip(names, counts, strict=True)), selected, expression)


def _counts(max_count: int, *, special: bool) -> st.SearchStrategy[int]:
    drawn = st.integers(1, max_count)
    return drawn | st.sampled_from((ALL, BEST, HALF_BEST)) if special else drawn


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
        owner = {rid: p for p, block in enumerate(parents) for rid in block}
        tally = Counter(owner[min(child)] for child in usable)
        if draw(st.booleans()):
            counts[j] = max(tally.values(), default=1)
        usable = [parents[p] for p in sorted(tally) if tally[p] >= counts[j]]
    top = len(platform.level(names[0]).blocks)
    counts[0] = {"fit": max(1, len(usable)), "fit+1": len(usable) + 1}.get(mode, top + 1)
    return counts


@st.composite
def _constraints(draw: st.DrawFn, platform: Platform) -> tuple[str, Ids]:
    """An oarsub-like SQL expression and the ids it selects (``""``: every resource)."""
    names = _expression_properties(platform)
    # Half of the groups have no expression, as most real requests.
    atoms = max(0, draw(st.integers(0, 3)) - 1) if names else 0
    if atoms == 0:
        return "", platform.resources
    first = draw(_atoms(platform, names))
    if atoms == 1:
        return first
    joint = draw(st.sampled_from(("AND", "OR")))
    second = draw(_atoms(platform, names))
    combine = frozenset.intersection if joint == "AND" else frozenset.union
    return f"{first[0]} {joint} {second[0]}", combine(first[1], second[1])


def _expression_properties(platform: Platform) -> list[str]:
    """Properties expressions may compare: ``color``, and ``mem`` if its values are integers."""
    props = platform.properties
    mem_ok = all(value.isdigit() for value in props.get("mem", {}).values())
    return [name for name in ("color", "mem") if props.get(name) and (name != "mem" or mem_ok)]


@st.composite
def _atoms(draw: st.DrawFn, platform: Platform, names: list[str]) -> tuple[str, Ids]:
    """One comparison on a property: ``color='red'`` or ``mem>=16``."""
    name = draw(st.sampled_from(names))
    values = platform.properties[name]
    if name == "color":
        color = draw(st.sampled_from(sorted(set(values.values()))))
        return f"color='{color}'", platform.with_property("color", color)
    op = draw(st.sampled_from(tuple(_COMPARISONS)))
    threshold = draw(st.sampled_from(sorted({int(mem) for mem in values.values()})))
    compare = _COMPARISONS[op]
    selected = frozenset(rid for rid, mem in values.items() if compare(int(mem), threshold))
    return f"mem{op}{threshold}", selected

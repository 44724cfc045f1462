"""What "the requested hierarchy is satisfied" means, on plain ids (no OAR objects).

OAR's ``find_resource_hierarchies_scattered`` answers a group ``/host=2/core=2`` with 2
host blocks, each holding 2 core blocks, every chosen lowest-level block whole, free and
inside the group's constraints. ``ALL``, ``BEST`` and ``HALF_BEST`` are single-level
counts: every block of the level (all free), every free block, half (rounded down) of the
free blocks. Groups joined by ``+`` are separate requests whose answers are united, and
may overlap. These helpers judge a given answer against that meaning; they never search
for an answer themselves, except to split a united answer back into its groups.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from oar_conformance.model import (
    ALL,
    BEST,
    HALF_BEST,
    Group,
    Platform,
    count_text,
    ids_text,
    plural,
)

__all__ = [
    "UNDECIDED_SPLIT",
    "Split",
    "free_region",
    "group_problem",
    "has_selection",
    "split_result",
]

Ids = frozenset[int]

SEARCH_BUDGET = 1_500_000
"""Work allowed when splitting an answer among overlapping groups before giving up,
counted in resource ids: each selection built costs its size, each step of the cover
search the size of the answer. About 20,000 selections on a 64-resource platform; on a
large one the search gives up early instead of filling memory with selections."""


class _OutOfBudget(Exception):
    """The split search spent its whole budget."""


def _spend(budget: list[int], amount: int) -> None:
    budget[0] -= max(1, amount)
    if budget[0] < 0:
        raise _OutOfBudget


def free_region(group: Group, available: Ids) -> Ids:
    """Where a group may take resources: free and inside its constraints."""
    return group.constraints & available


def _free_blocks(platform: Platform, level: str, region: Ids) -> list[Ids]:
    return [b for b in platform.level(level).blocks if b <= region]


def group_problem(platform: Platform, group: Group, region: Ids, selection: Ids) -> str | None:
    """Why ``selection`` is not a valid answer to ``group`` within ``region`` (None if it is)."""
    if not selection:
        return "it took nothing for this group"
    return _problem(platform, group.levels, 0, region, selection, "the platform")


def _problem(
    platform: Platform,
    levels: Sequence[tuple[str, int]],
    depth: int,
    region: Ids,
    selection: Ids,
    scope: str,
) -> str | None:
    name, count = levels[depth]
    touched = platform.blocks_touching(name, selection)
    if depth == len(levels) - 1:
        for block in touched:
            if not block <= selection:
                return (
                    f"{name} block {ids_text(block)} is only partly taken "
                    f"({ids_text(block & selection)}); lowest requested blocks must be whole"
                )
            if not block <= region:
                return (
                    f"{name} block {ids_text(block)} is not entirely free and inside the "
                    f"constraints (unusable: {ids_text(block - region)})"
                )
        return _count_problem(platform, name, count, touched, region, scope)
    if count < 0:
        return f"{name}={count_text(count)} is only meaningful with one level"
    if len(touched) != count:
        return f"{plural(len(touched), f'{name} block')} taken in {scope}, {count} requested"
    for block in touched:
        inner = _problem(
            platform, levels, depth + 1, region, selection & block, f"{name} {ids_text(block)}"
        )
        if inner is not None:
            return inner
    return None


def _count_problem(
    platform: Platform, name: str, count: int, touched: list[Ids], region: Ids, scope: str
) -> str | None:
    if count > 0:
        if len(touched) != count:
            return f"{plural(len(touched), f'{name} block')} taken in {scope}, {count} requested"
        return None
    every = platform.level(name).blocks
    if count == ALL:
        if len(touched) != len(every):
            blocks = plural(len(every), f"{name} block")
            return f"{name}=ALL asks for all {blocks}, {len(touched)} taken"
        return None
    free = _free_blocks(platform, name, region)
    if count == BEST:
        if len(touched) != len(free):
            return (
                f"{name}=BEST asks for every free {name} block ({len(free)}), {len(touched)} taken"
            )
        return None
    if count == HALF_BEST:
        half = len(free) // 2
        if len(touched) != half:
            return (
                f"{name}=HALF_BEST asks for half of the {plural(len(free), f'free {name} block')} "
                f"({half}), {len(touched)} taken"
            )
        return None
    return f"{name}={count} is not a valid count (positive, ALL, BEST or HALF_BEST)"


def has_selection(platform: Platform, group: Group, usable: Ids, free: Ids) -> bool:
    """Whether ``usable`` ids hold at least one valid answer to ``group``.

    Greedy and linear in the platform size: a block can serve ``/a=n/b=m`` when ``n`` of
    its children can serve the rest; at the lowest requested level a block serves when it
    is whole inside ``usable``. ``free`` is the group's free region (for BEST/HALF_BEST).
    """
    return _serves(platform, group.levels, 0, usable, platform.resources, free)


def _serves(
    platform: Platform,
    levels: Sequence[tuple[str, int]],
    depth: int,
    usable: Ids,
    scope: Ids,
    free: Ids,
) -> bool:
    name, count = levels[depth]
    blocks = platform.blocks_touching(name, scope & usable)
    if depth == len(levels) - 1:
        whole = sum(1 for b in blocks if b <= usable)
        if count > 0:
            return whole >= count
        if count == ALL:
            return all(b <= usable for b in platform.level(name).blocks)
        best = _free_blocks(platform, name, free)
        if count == BEST:
            return bool(best) and all(b <= usable for b in best)
        return count == HALF_BEST and 0 < len(best) // 2 <= whole
    if count <= 0:
        return False
    served = 0
    for block in blocks:
        if _serves(platform, levels, depth + 1, usable, block, free):
            served += 1
            if served == count:
                return True
    return False


def _selections(
    platform: Platform, group: Group, usable: Ids, free: Ids, budget: list[int]
) -> Iterator[Ids]:
    """Every valid answer to ``group`` made of ``usable`` ids (lazily; may be many).

    ``free`` is the group's whole free region, which BEST and HALF_BEST counts refer to.
    Each selection built, also inside a block, is paid from ``budget``.
    """
    yield from _select(platform, group.levels, 0, usable, platform.resources, free, budget)


def _blocks_within(platform: Platform, name: str, usable: Ids, scope: Ids) -> list[Ids]:
    """The blocks of level ``name`` inside ``scope`` that hold some ``usable`` id."""
    return [b for b in platform.blocks_touching(name, scope & usable) if b <= scope]


def _select(
    platform: Platform,
    levels: Sequence[tuple[str, int]],
    depth: int,
    usable: Ids,
    scope: Ids,
    free: Ids,
    budget: list[int],
) -> Iterator[Ids]:
    name, count = levels[depth]
    blocks = _blocks_within(platform, name, usable, scope)
    if depth == len(levels) - 1:
        whole = [b for b in blocks if b <= usable]
        if count > 0:
            for combo in itertools.combinations(whole, count):
                selection = frozenset().union(*combo)
                _spend(budget, len(selection))
                yield selection
        elif count == ALL:
            every = platform.level(name).blocks
            if all(b <= usable for b in every):
                yield frozenset().union(*every)
        elif count == BEST:
            best = _free_blocks(platform, name, free)
            if best and all(b <= usable for b in best):
                yield frozenset().union(*best)
        elif count == HALF_BEST:
            half = len(_free_blocks(platform, name, free)) // 2
            if half:
                for combo in itertools.combinations(whole, half):
                    selection = frozenset().union(*combo)
                    _spend(budget, len(selection))
                    yield selection
        return
    if count <= 0:
        return
    for combo in itertools.combinations(blocks, count):
        parts = [list(_select(platform, levels, depth + 1, usable, b, free, budget)) for b in combo]
        for choice in itertools.product(*parts):
            selection = frozenset().union(*choice)
            _spend(budget, len(selection))
            yield selection


def _least(
    platform: Platform, levels: Sequence[tuple[str, int]], depth: int, usable: Ids, scope: Ids
) -> int:
    """A lower bound on the size of every valid selection of ``levels[depth:]`` made of
    ``usable`` ids inside ``scope``: the ``count`` smallest blocks, level by level (0 for
    the special counts, which need no bound to be right)."""
    name, count = levels[depth]
    if count <= 0:
        return 0
    blocks = _blocks_within(platform, name, usable, scope)
    if depth == len(levels) - 1:
        sizes = sorted(len(b) for b in blocks if b <= usable)
    else:
        sizes = sorted(_least(platform, levels, depth + 1, usable, b) for b in blocks)
    return sum(sizes[:count])


@dataclass(frozen=True)
class Split:
    """How an answer splits into one valid selection per group.

    ``parts`` is that split when one exists (``None`` when none does or the search gave
    up); ``undecided`` says the search ran out of budget, in which case no violation may be
    claimed.
    """

    parts: tuple[Ids, ...] | None
    undecided: bool = False


UNDECIDED_SPLIT = (
    "overlapping groups: the search for one valid answer per group ran out of budget "
    f"({SEARCH_BUDGET} selections)"
)
"""Why a check that needed :func:`split_result` could not judge an example."""


def split_result(
    platform: Platform,
    groups: Sequence[Group],
    available: Ids,
    result: Ids,
    *,
    disjoint: bool = False,
) -> Split:
    """Find valid selections, one per group, whose union is exactly ``result``.

    Groups whose usable parts of ``result`` do not overlap split in one step; otherwise a
    bounded search tries combinations (``disjoint`` demands pairwise disjoint parts).
    """
    regions = [free_region(g, available) & result for g in groups]
    overlapping = any(a & b for a, b in itertools.combinations(regions, 2))
    if not overlapping:
        if frozenset().union(*regions) != result:
            return Split(None)
        for group, part in zip(groups, regions, strict=True):
            if group_problem(platform, group, free_region(group, available), part) is not None:
                return Split(None)
        return Split(tuple(regions))
    if disjoint and sum(
        _least(platform, g.levels, 0, region, platform.resources)
        for g, region in zip(groups, regions, strict=True)
    ) > len(result):
        return Split(None)  # the smallest answers of the groups, apart, outgrow the result
    budget = [SEARCH_BUDGET]
    lists: list[list[Ids]] = []
    try:
        for group, region in zip(groups, regions, strict=True):
            free = free_region(group, available)
            found = list(_selections(platform, group, region, free, budget))
            if not found:
                return Split(None)
            lists.append(found)
        return _cover(lists, result, disjoint, budget)
    except _OutOfBudget:
        return Split(None, undecided=True)


def _cover(lists: list[list[Ids]], result: Ids, disjoint: bool, budget: list[int]) -> Split:
    later_union = [
        frozenset().union(*itertools.chain.from_iterable(lists[i + 1 :])) for i in range(len(lists))
    ]

    def search(i: int, covered: Ids, chosen: tuple[Ids, ...]) -> Split | None:
        if i == len(lists):
            return Split(chosen) if covered == result else None
        for selection in lists[i]:
            _spend(budget, len(result))
            if disjoint and selection & covered:
                continue
            union = covered | selection
            if not result - union <= later_union[i]:
                continue
            found = search(i + 1, union, (*chosen, selection))
            if found is not None:
                return found
        return None

    return search(0, frozenset(), ()) or Split(None)

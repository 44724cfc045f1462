"""Two example ``oar.find_func`` plugins for OAR3: one correct, one faulty on purpose.

OAR3 calls a find plugin as ``f(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs)``:

- ``itvs_avail``: the free resource ids (a ``ProcSet``) over the window being tried;
- ``hy_res_rqts``: the request, one ``(levels, constraints)`` pair per ``+``-separated
  group, ``levels`` being ``[(level name, count), ...]`` from the top down and
  ``constraints`` the ids the group's property expression selects;
- ``hy``: the hierarchy, level name -> list of ``ProcSet`` blocks;
- ``beginning``: whether the window starts at the beginning of the slot set.

It returns the ids to allocate, or an empty ``ProcSet`` for "no allocation here".
``compact`` answers like OAR3's default but prefers the blocks with the most free
resources; ``greedy`` is the same search with a classic bug, kept to show what an
oar-conformance counterexample looks like.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from typing import Any

from procset import ProcSet

__all__ = ["ALL", "BEST", "HALF_BEST", "compact", "greedy"]

ALL = -1
"""Every block of the level, all of them free (``host=ALL``)."""
BEST = -2
"""Every free block of the level (``host=BEST``)."""
HALF_BEST = -3
"""Half (rounded down) of the free blocks of the level (``host=HALF_BEST``)."""

Hierarchy = Mapping[str, Sequence[ProcSet]]
Levels = Sequence[tuple[str, int]]
Request = Sequence[tuple[Levels, ProcSet]]


def compact(
    itvs_avail: ProcSet,
    hy_res_rqts: Request,
    hy: Hierarchy,
    beginning: bool,
    *args: Any,
    **kwargs: Any,
) -> ProcSet:
    """Correct: every group served in the richest blocks, or nothing at all.

    Each group may only use ``itvs_avail & constraints``. At every requested level the
    blocks holding the most free resources are tried first (ties keep hierarchy order),
    so jobs pack into the emptiest switch or host instead of the first one. Groups are
    answered separately and united, as OAR3's default does, so two groups may share
    resources (oar-conformance reports that as advisory F7).
    """
    result = ProcSet()
    for levels, constraints in hy_res_rqts:
        found = _answer_group(levels, itvs_avail & constraints, hy)
        if found is None:
            return ProcSet()
        result = result | found
    return result


def greedy(
    itvs_avail: ProcSet,
    hy_res_rqts: Request,
    hy: Hierarchy,
    beginning: bool,
    *args: Any,
    **kwargs: Any,
) -> ProcSet:
    """FAULTY on purpose: ``compact`` that forgets each group's property constraints.

    A job asking ``{gpu='YES'}/host=1`` may get a host without a GPU. oar-conformance
    reports it as F1 (result inside availability and the group's constraints).
    """
    result = ProcSet()
    for levels, _constraints in hy_res_rqts:
        found = _answer_group(levels, itvs_avail, hy)  # bug: should be itvs_avail & constraints
        if found is None:
            return ProcSet()
        result = result | found
    return result


def _answer_group(levels: Levels, free: ProcSet, hy: Hierarchy) -> ProcSet | None:
    """One group's answer using only ``free`` ids, or ``None`` when it cannot be served."""
    name, count = levels[0]
    search = _Search(free, hy)
    if count < 0:
        # ALL, BEST and HALF_BEST are only meaningful with a single level.
        return search.special(name, count) if len(levels) == 1 else None
    return search.pick(levels, scope=None)


class _Counter:
    """Counts the ids of any block that lie in a fixed ``ProcSet``.

    Prefix sums over its intervals and bisection make a count cost O(log n) per interval
    of the block, where intersecting ``ProcSet`` values costs O(n): with tens of
    thousands of resources (often one interval each) that is the difference between
    milliseconds and minutes.
    """

    def __init__(self, ids: ProcSet) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []
        total = 0
        for itv in ids.intervals():
            self.starts.append(itv.inf)
            self.ends.append(itv.sup)
            self.before.append(total)
            total += itv.sup - itv.inf + 1

    def _up_to(self, rid: int) -> int:
        i = bisect_right(self.starts, rid) - 1
        if i < 0:
            return 0
        return self.before[i] + min(rid, self.ends[i]) - self.starts[i] + 1

    def count(self, block: ProcSet) -> int:
        """How many ids of ``block`` are in the set."""
        return sum(self._up_to(itv.sup) - self._up_to(itv.inf - 1) for itv in block.intervals())


class _Search:
    """One group's search: the hierarchy, and which ids the group may use."""

    def __init__(self, free: ProcSet, hy: Hierarchy) -> None:
        self.hy = hy
        self.free = _Counter(free)
        self.mins: dict[str, list[tuple[int, int]]] = {}

    def blocks(self, name: str, scope: ProcSet | None) -> list[ProcSet]:
        """Blocks of level ``name`` inside ``scope`` (every block when None), in hierarchy order."""
        blocks = self.hy[name]
        if scope is None:
            return [b for b in blocks if b]
        if name not in self.mins:
            self.mins[name] = sorted((b.min, i) for i, b in enumerate(blocks) if b)
        mins = self.mins[name]
        within = _Counter(scope)
        inside: list[int] = []
        for itv in scope.intervals():
            lo = bisect_left(mins, (itv.inf, -1))
            hi = bisect_right(mins, (itv.sup, len(blocks)))
            inside += [i for _, i in mins[lo:hi] if within.count(blocks[i]) == len(blocks[i])]
        return [blocks[i] for i in sorted(inside)]

    def richest_first(self, blocks: Sequence[ProcSet]) -> list[tuple[int, ProcSet]]:
        """``(free ids, block)`` for blocks with free ids, most first; ties keep their order."""
        scored = [(self.free.count(b), b) for b in blocks]
        return sorted((s for s in scored if s[0] > 0), key=lambda s: -s[0])

    def pick(self, levels: Levels, scope: ProcSet | None) -> ProcSet | None:
        """``count`` blocks of the first level inside ``scope``, each answering the rest.

        A lowest requested block must be entirely free; a higher one qualifies when the
        levels below can be answered inside it. Blocks of one level are disjoint, so taking
        the first qualifying ones never prevents a solution: no backtracking is needed.
        """
        (name, count), rest = levels[0], levels[1:]
        if count <= 0:
            return None
        taken: list[ProcSet] = []
        for free, block in self.richest_first(self.blocks(name, scope)):
            if rest:
                inner = self.pick(rest, scope=block)
                if inner is not None:
                    taken.append(inner)
            elif free == len(block):
                taken.append(block)
            if len(taken) == count:
                return _union(taken)
        return None

    def special(self, name: str, count: int) -> ProcSet | None:
        """A single-level ``ALL``, ``BEST`` or ``HALF_BEST`` answer (whole free blocks only)."""
        blocks = self.hy[name]
        whole = [b for free, b in self.richest_first(blocks) if free == len(b)]
        if count == ALL:
            chosen = whole if len(whole) == len(blocks) else []
        elif count == BEST:
            chosen = whole
        elif count == HALF_BEST:
            chosen = whole[: len(whole) // 2]
        else:
            chosen = []
        return _union(chosen) if chosen else None


def _union(parts: Sequence[ProcSet]) -> ProcSet:
    """The union of ``parts``, by halves: ``ProcSet().union(*parts)`` is quadratic."""
    if len(parts) <= 1:
        return parts[0] if parts else ProcSet()
    middle = len(parts) // 2
    return _union(parts[:middle]) | _union(parts[middle:])

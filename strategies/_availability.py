"""Availability: which resources are free (OAR's ``itvs_avail``) on a given platform.

Busy resources come in the shapes a real slot set produces: none, all, whole blocks of
some level (jobs took hosts), or a few runs of consecutive resources. Blocks are chosen
by a short cyclic pattern plus a few picks, and runs are index ranges over the sorted
ids, so the number of draws stays small on a 65,000-resource platform.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

from hypothesis import strategies as st

from oar_conformance.errors import UsageError

from ._platforms import BOOLEANS, cycles, index, ints, one_of_values
from ._validate import check_platform

if TYPE_CHECKING:
    from oar_conformance.model import Platform

Busy = Literal["none", "all", "blocks", "ranges"]
"""How :func:`availability` makes resources busy; ``None`` there mixes them all."""
BUSY_KINDS: tuple[Busy, ...] = get_args(Busy)

_MAX_PICKS = 4
_MIXED: tuple[Busy, ...] = ("none", "none", "all", "blocks", "ranges")
"""Kinds drawn when none is asked for: half of the scenarios leave everything free, as
most of OAR3's calls do on a lightly loaded cluster."""


def availability(
    platform: Platform, *, busy: Busy | None = None
) -> st.SearchStrategy[frozenset[int]]:
    """The free resource ids of ``platform``: a subset of ``platform.resources``.

    ``busy`` restricts how resources are made busy: ``"none"``, ``"all"``, ``"blocks"``
    (whole blocks of one level) or ``"ranges"`` (a few runs over the sorted ids);
    ``None`` mixes the four.

    Shrinks towards nothing busy (every resource free); within ``"blocks"`` and
    ``"ranges"``, towards a single busy block or resource, the first one.
    """
    check_platform(platform)
    if busy is not None and busy not in BUSY_KINDS:
        msg = f"busy={busy!r} must be None or one of {BUSY_KINDS}"
        raise UsageError(msg)
    return _availability(platform, kinds=BUSY_KINDS if busy is None else (busy,))


@st.composite
def _availability(
    draw: st.DrawFn, platform: Platform, *, kinds: tuple[Busy, ...]
) -> frozenset[int]:
    return draw_availability(draw, platform, kinds)


def draw_availability(
    draw: st.DrawFn, platform: Platform, kinds: tuple[Busy, ...] = BUSY_KINDS
) -> frozenset[int]:
    """Free ids of ``platform``, drawn in place (no strategy built): see :func:`availability`."""
    resources = platform.resources
    kind = draw(one_of_values(_MIXED if kinds == BUSY_KINDS else kinds))
    if kind == "none":
        return resources
    if kind == "all":
        return frozenset()
    if kind == "blocks":
        blocks = platform.levels[index(draw, len(platform.levels))].blocks
        last = len(blocks) - 1
        picks = {draw(ints(0, last)) for _ in range(draw(ints(0, _MAX_PICKS)))}
        pattern = draw(cycles(BOOLEANS))
        if not picks and not any(pattern):
            picks = {0}
        taken = [b for i, b in enumerate(blocks) if i in picks or pattern[i % len(pattern)]]
        return resources.difference(*taken)
    ordered = platform.sorted_resources
    n = len(ordered)
    runs = [(draw(ints(0, n - 1)), draw(ints(1, n))) for _ in range(draw(ints(1, _MAX_PICKS)))]
    return resources.difference(*(ordered[start : start + length] for start, length in runs))

"""Help Hypothesis delete elements of lists whose elements take many choices each.

Hypothesis' shrinker deletes at most a handful of consecutive choices at a time, so a
list element drawn with more choices than that can never be removed from the middle of
a list: a failing ``/host=1+/host=1+/host=BEST`` would stay three groups long. Drawing
such an element behind :func:`plain` fixes that: the shrinker first sets the gate to 0,
collapsing the element to its simplest form in one choice, then deletes that choice.
"""

from __future__ import annotations

from hypothesis import strategies as st

_PLAIN_ONE_IN = 10


def plain(draw: st.DrawFn) -> bool:
    """Whether to build the simplest element (about one draw in ten, and when shrinking)."""
    return draw(st.integers(0, _PLAIN_ONE_IN - 1)) == 0

"""Queues: a handful of uniquely named OAR queues with priorities and states."""

from __future__ import annotations

from hypothesis import strategies as st

from oar_conformance.model import Queue

from ._validate import check_int, check_order

QUEUE_NAMES = ("default", "admin", "besteffort", "q1", "q2", "q3", "q4", "q5")
"""Names :func:`queues` picks from, in shrinking order."""
MAX_PRIORITY = 10
"""Highest queue priority drawn (OAR schedules higher priorities first)."""


def queues(*, min_size: int = 1, max_size: int = 5) -> st.SearchStrategy[tuple[Queue, ...]]:
    """``min_size``..``max_size`` queues with unique names from ``QUEUE_NAMES``.

    Priorities are 0..10 and often shared by several queues (ties are where sorting
    plugins differ); states are ``Active`` or ``notActive``; the policy is ``kamelot``.

    Shrinks towards ``min_size`` queues, the first one ``default``, all with priority 0
    and ``Active``.
    """
    check_int("min_size", min_size, 1, len(QUEUE_NAMES))
    check_int("max_size", max_size, 1, len(QUEUE_NAMES))
    check_order("min_size", min_size, "max_size", max_size)
    return _queues(min_size=min_size, max_size=max_size)


def _queues(*, min_size: int, max_size: int) -> st.SearchStrategy[tuple[Queue, ...]]:
    # One list of (name, priority, state) so the shrinker can delete any queue.
    queue = st.tuples(
        st.sampled_from(QUEUE_NAMES),
        st.integers(0, MAX_PRIORITY),
        st.sampled_from(("Active", "notActive")),
    )
    drawn = st.lists(queue, min_size=min_size, max_size=max_size, unique_by=lambda q: q[0])
    return drawn.map(lambda qs: tuple(Queue(n, p, s, "kamelot") for n, p, s in qs))

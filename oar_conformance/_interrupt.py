"""A Ctrl-C that is never lost: noted when it arrives, raised again at the kit's checkpoints.

Python raises ``KeyboardInterrupt`` wherever the main thread is when SIGINT arrives. If
that is inside a garbage-collector callback (Hypothesis registers one), the exception
is "unraisable": CPython prints nothing useful and drops it, and a run waiting on a
plugin's worker would go on for minutes. So the kit's SIGINT handler also sets a flag,
and the places where a run waits (between examples, while a worker computes) check it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["catching_ctrl_c", "check", "interrupted", "note", "reset"]

_EVENT = threading.Event()


def note() -> None:
    """Remember that the user pressed Ctrl-C."""
    _EVENT.set()


def reset() -> None:
    """Forget an earlier Ctrl-C (a new run starts)."""
    _EVENT.clear()


def interrupted() -> bool:
    """Whether Ctrl-C was pressed during this run."""
    return _EVENT.is_set()


def check() -> None:
    """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed and its exception got lost."""
    if _EVENT.is_set():
        raise KeyboardInterrupt


@contextmanager
def catching_ctrl_c() -> Iterator[None]:
    """Within the block, SIGINT is noted before the handler in place runs.

    Only the main thread may install signal handlers; elsewhere the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: Any = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        note()
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)

"""Databases being made in the background, and what stopped them: waited for on use."""

from __future__ import annotations

import threading

__all__ = ["failed", "track", "wait"]

_STARTING: dict[str, threading.Thread] = {}
_FAILED: dict[str, BaseException] = {}


def track(spec: str, thread: threading.Thread) -> bool:
    """Note ``thread`` as making ``spec``'s database; False if one already is."""
    if spec in _STARTING:
        return False
    _STARTING[spec] = thread
    return True


def failed(spec: str, exc: BaseException) -> None:
    """Keep what stopped ``spec``'s database for whoever asks for it."""
    _FAILED[spec] = exc


def wait(spec: str) -> None:
    """Wait for ``spec``'s database if it is being made; raise what stopped it."""
    thread = _STARTING.get(spec)
    if thread is not None:
        thread.join()
        _STARTING.pop(spec, None)
    error = _FAILED.pop(spec, None)
    if error is not None:
        raise error

"""Calling untrusted plugin code: exceptions captured, a per-call time limit enforced.

In the main thread the limit is a ``SIGALRM`` interval timer (cheap, and it interrupts a
pure-Python endless loop); elsewhere the call runs in a daemon thread that is abandoned
when it overruns. Either way the kit reports a timeout instead of hanging.
"""

from __future__ import annotations

import random
import signal
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from oar_conformance.outcome import PluginError

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_TIMEOUT",
    "REPEAT_STATES",
    "CallResult",
    "PluginTimeout",
    "call_guarded",
    "other_random_state",
    "serve_in_worker",
]

DEFAULT_TIMEOUT = 5.0
"""Seconds one plugin call may take before it is reported as a timeout."""

DEFAULT_MEMORY_LIMIT = 4 * 1024**3
"""Bytes of address space a plugin's worker process may use (``RLIMIT_AS``)."""


REPEAT_STATES = 3
"""Random states a repeat call is tried under before a plugin is deemed deterministic."""


@contextmanager
def other_random_state(scenario: object, attempt: int = 0) -> Iterator[None]:
    """Run the block with the global ``random`` state moved to one of its own.

    Hypothesis resets ``random`` before each example, so a plugin drawing from it looks
    deterministic unless a repeat call gets another state. The state is derived from the
    scenario and ``attempt``, so a replayed example behaves the same; trying a few states
    lets a random plugin show itself on tiny scenarios too, which keeps shrinking going.
    """
    saved = random.getstate()
    random.seed(zlib.crc32(repr(scenario).encode()) * 1_000_003 + attempt)
    try:
        yield
    finally:
        random.setstate(saved)


class PluginTimeout(BaseException):
    """Raised inside a plugin call that overran its time limit."""


@dataclass(frozen=True)
class CallResult:
    """What one guarded call gave: a value, or the error that replaced it."""

    value: Any
    error: PluginError | None
    seconds: float


def _summary(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _plugin_traceback(exc: BaseException) -> str:
    """The traceback without the kit's own frames (the first frame is the guard)."""
    return "".join(traceback.format_exception(exc)).strip()


def _timeout_error(timeout: float) -> PluginError:
    return PluginError(
        "timeout",
        f"the call did not return within {timeout:g} s (per-call limit; raise it with "
        "--oar-timeout if the plugin is legitimately slow on large platforms)",
    )


_CallListener = Callable[[bool], None]
_LISTENER: list[_CallListener] = []
_PLUGIN_ERRORS: tuple[type[BaseException], ...] = (Exception, SystemExit)


def serve_in_worker(listener: _CallListener) -> None:
    """Set this process up as a plugin's worker.

    ``listener(True)`` is called as each plugin call starts and ``listener(False)`` as it
    ends, so the parent knows which time limit applies. A ``KeyboardInterrupt`` raised by
    the plugin is its failure here: a worker has a session of its own, so no Ctrl-C from
    the terminal reaches it.
    """
    global _PLUGIN_ERRORS  # noqa: PLW0603 - set once, when a worker starts
    _LISTENER[:] = [listener]
    _PLUGIN_ERRORS = (Exception, SystemExit, KeyboardInterrupt)


def call_guarded(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float
) -> CallResult:
    """Call ``func(*args, **kwargs)``; never raise because of what the plugin does."""
    for listener in _LISTENER:
        listener(True)
    try:
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
            return _call_with_alarm(func, args, kwargs, timeout)
        return _call_in_thread(func, args, kwargs, timeout)
    finally:
        for listener in _LISTENER:
            listener(False)


def _call_with_alarm(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float
) -> CallResult:
    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise PluginTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    start = time.perf_counter()
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            value = func(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except PluginTimeout:
        return CallResult(None, _timeout_error(timeout), time.perf_counter() - start)
    except _PLUGIN_ERRORS as exc:
        error = PluginError("raised", _summary(exc), _plugin_traceback(exc))
        return CallResult(None, error, time.perf_counter() - start)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return CallResult(value, None, time.perf_counter() - start)


def _call_in_thread(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float
) -> CallResult:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = func(*args, **kwargs)
        except _PLUGIN_ERRORS as exc:
            box["error"] = PluginError("raised", _summary(exc), _plugin_traceback(exc))

    start = time.perf_counter()
    worker = threading.Thread(target=target, name="oar-conformance-plugin-call", daemon=True)
    worker.start()
    worker.join(timeout)
    seconds = time.perf_counter() - start
    if worker.is_alive():
        return CallResult(None, _timeout_error(timeout), seconds)
    return CallResult(box.get("value"), box.get("error"), seconds)

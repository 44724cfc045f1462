"""The guarded call: a plugin's exception, hang or exit becomes a value, never a crash."""

from __future__ import annotations

import signal
import sys
import threading
import time

import pytest

from oar_conformance._guard import call_guarded


def _boom() -> None:
    msg = "plugin bug"
    raise ValueError(msg)


def _spin() -> None:
    while True:
        pass


def _catch_everything() -> None:
    """A plugin that swallows exceptions must still be stopped by the time limit."""
    while True:
        try:
            time.sleep(0.01)
        except Exception:  # noqa: PERF203 - the point of the test
            continue


def test_value_returned() -> None:
    result = call_guarded(lambda a, b=0: a + b, (1,), {"b": 2}, 1.0)
    assert result.value == 3
    assert result.error is None
    assert result.seconds >= 0


def test_exception_captured_with_plugin_traceback() -> None:
    result = call_guarded(_boom, (), {}, 1.0)
    assert result.error is not None
    assert result.error.kind == "raised"
    assert result.error.summary == "ValueError: plugin bug"
    assert "_boom" in result.error.traceback


def test_sys_exit_is_reported_not_obeyed() -> None:
    result = call_guarded(sys.exit, (3,), {}, 1.0)
    assert result.error is not None
    assert result.error.kind == "raised"
    assert "SystemExit" in result.error.summary


@pytest.mark.parametrize("func", [_spin, _catch_everything])
def test_timeout_in_main_thread(func: object) -> None:
    result = call_guarded(func, (), {}, 0.1)  # type: ignore[arg-type]
    assert result.error is not None
    assert result.error.kind == "timeout"
    assert "0.1 s" in result.error.summary


def test_timeout_outside_main_thread() -> None:
    box: dict[str, object] = {}

    def worker() -> None:
        box["result"] = call_guarded(time.sleep, (5,), {}, 0.1)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(3)
    result = box["result"]
    assert result.error is not None  # type: ignore[attr-defined]
    assert result.error.kind == "timeout"  # type: ignore[attr-defined]


def test_previous_alarm_handler_restored() -> None:
    def mine(signum: int, frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        call_guarded(lambda: None, (), {}, 1.0)
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, previous)

"""A Ctrl-C whose KeyboardInterrupt got lost (raised inside a gc callback) still stops a run."""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Iterator
from multiprocessing import Pipe

import pytest

from oar_conformance import _interrupt
from oar_conformance.worker import _poll


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    _interrupt.reset()
    yield
    _interrupt.reset()


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(1)


def test_sigint_is_noted_and_raised_within_the_block() -> None:
    with _interrupt.catching_ctrl_c(), pytest.raises(KeyboardInterrupt):
        _ctrl_c()
    assert _interrupt.interrupted()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_keyboard_interrupt_lost_in_a_gc_callback_is_raised_at_the_next_wait() -> None:
    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            os.kill(os.getpid(), signal.SIGINT)  # its exception is swallowed here

    ours, theirs = Pipe()
    gc.callbacks.append(callback)
    try:
        with _interrupt.catching_ctrl_c():
            gc.collect()  # what Hypothesis' gc callback may be running when Ctrl-C lands
        assert _interrupt.interrupted()
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            _poll(ours, 30)  # a worker computing: the lost Ctrl-C ends the wait at once
        assert time.monotonic() - start < 5
    finally:
        gc.callbacks.remove(callback)
        theirs.close()


def test_without_ctrl_c_a_wait_ends_with_the_answer_or_its_limit() -> None:
    ours, theirs = Pipe()
    assert not _poll(ours, 0.3)
    theirs.send("answer")
    assert _poll(ours, 5)

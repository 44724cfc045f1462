"""Hostile plugins never take the run down: each is a failed call reported by F6.

The samples in ``tests/samples/oar_conformance_samples/hostile.py`` answer one-group
requests correctly and attack their process on a request with several groups: exit,
crash, block with signals ignored, hold the GIL, leave threads and children behind,
flood their output, raise KeyboardInterrupt, allocate far too much. Checks run them in
worker processes (the default), which the kit kills and replaces.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from _catalogue import caught, check

from oar_conformance.errors import CheckSkipped
from oar_conformance.worker import shutdown_workers

FIND = "oar.find_func"
CHILD_MARK = "oar-conformance-hostile-child " + os.environ.get("PYTEST_XDIST_WORKER", "main")
"""The mark of the children this test process's hostile samples leave (not another's)."""


@pytest.mark.parametrize(
    ("name", "kind", "says"),
    [
        ("hostile_exits", "died", "the plugin ended its process with exit code 3"),
        ("hostile_segfaults", "died", "the plugin's process was killed by SIGSEGV"),
        ("hostile_aborts", "died", "the plugin's process was killed by SIGABRT"),
        ("hostile_ignores_alarm", "timeout", "no answer within 1 s (per-call limit)"),
        ("hostile_holds_gil", "timeout", "no answer within 1 s (per-call limit)"),
        ("hostile_starts_thread", "raised", "RuntimeError: left a thread behind"),
        ("hostile_spawns_child", "raised", "RuntimeError: left a child process behind"),
        ("hostile_prints_10mb", "died", "the plugin ended its process with exit code 1"),
        ("hostile_raises_interrupt", "raised", "KeyboardInterrupt"),
        ("hostile_eats_memory", "raised", "MemoryError"),
    ],
)
def test_each_hostile_plugin_is_a_failed_call_under_f6(name: str, kind: str, says: str) -> None:
    failure = caught(FIND, name, "F6", timeout=1.0)
    assert failure.violation.kind == kind
    assert failure.violation.message.startswith(says)
    assert len(failure.violation.scenario.groups) > 1


def test_a_hang_is_reported_with_the_example_that_hung() -> None:
    """Not shrunk: each try would cost the per-call limit again."""
    failure = caught(FIND, "hostile_holds_gil", "F6", timeout=1.0)
    error = failure.violation.outcome.error
    assert error.killed
    assert "the plugin's process was killed" in error.summary


def test_a_dead_plugin_s_last_output_comes_with_the_report_and_only_its_tail() -> None:
    """10 MB went to the worker's own file, not to the kit's terminal or a full pipe."""
    tail = caught(FIND, "hostile_prints_10mb", "F6").violation.outcome.error.traceback
    assert tail.startswith("last output of the plugin's process (10000")
    assert tail.rstrip().endswith("last words of the plugin")
    assert len(tail) < 5_000
    silent = caught(FIND, "hostile_exits", "F6").violation.outcome.error.traceback
    assert silent == ""


def test_other_checks_stop_calling_a_plugin_that_keeps_dying() -> None:
    """The hang limit counts dead workers: F1 skips instead of restarting forever."""
    with pytest.raises(CheckSkipped, match="ended its process 3 times"):
        check(FIND, "hostile_exits", "F1", profile="ci")


def _processes_with(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if mark.encode() in command:
            found.append(int(entry.name))
    return found


def test_what_a_plugin_leaves_behind_dies_with_its_worker() -> None:
    caught(FIND, "hostile_spawns_child", "F6")
    assert _processes_with(CHILD_MARK), "the sample should have left a child running"
    shutdown_workers()
    deadline = time.monotonic() + 10
    while _processes_with(CHILD_MARK) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_with(CHILD_MARK) == []
    assert os.getpid() not in _processes_with("oar_conformance.worker")

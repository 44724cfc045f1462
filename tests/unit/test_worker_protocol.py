"""The worker protocol: no answer is ever taken for another's, and only a worker's parent
signals it.

Real worker processes of the ``sample_first_fit`` and ``hostile_exits`` samples answer
hand-built find scenarios whose answers differ, so an answer read for the wrong request
shows. ``test_the_protocol_holds_under_python_o`` runs the desynchronisation tests again
under ``python -O``, where an ``assert`` checks nothing.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pytest

from oar_conformance import worker
from oar_conformance.binding import Driver
from oar_conformance.families.find import FAMILY
from oar_conformance.families.find.outcome import FindOutcome
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.model import Group, Level, Platform
from oar_conformance.options import CheckOptions
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import FIND_GROUP, PluginSpec

HOSTS = (frozenset(range(1, 5)), frozenset(range(5, 9)))
PLATFORM = Platform(
    levels=(
        Level("network_address", HOSTS),
        Level("resource_id", tuple(frozenset({i}) for i in range(1, 9))),
    )
)
ONE_HOST = Group(levels=(("network_address", 1),), constraints=PLATFORM.resources, expression="")
FIRST = FindScenario(platform=PLATFORM, available=HOSTS[0], groups=(ONE_HOST,))
SECOND = FindScenario(platform=PLATFORM, available=HOSTS[1], groups=(ONE_HOST,))
TWO_GROUPS = FindScenario(platform=PLATFORM, available=PLATFORM.resources, groups=(ONE_HOST,) * 2)


def _runner(name: str = "sample_first_fit") -> worker.IsolatedRunner:
    return worker.IsolatedRunner(
        "find",
        PluginSpec(FIND_GROUP, name),
        CheckOptions(timeout=5.0),
        lambda error: FindOutcome(None, error),
    )


@pytest.fixture(autouse=True)
def _no_worker_left() -> Iterator[None]:
    yield
    worker.shutdown_workers()


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _serving(runner: worker.IsolatedRunner) -> int:
    """The pid of ``runner``'s worker, checked to be a child of its live zygote."""
    current = runner._worker
    assert current is not None
    assert isinstance(current.pid, int)
    assert current.pid > 0
    zygote = current.zygote.process
    assert zygote.poll() is None
    assert _parent(current.pid) == zygote.pid
    return current.pid


def test_a_late_zygote_answer_is_never_taken_for_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The zygote answers a kill request after the kit gave up waiting (it was stopped):
    the next fork must not read that answer as its own (or its exit code as a pid)."""
    runner = _runner()
    assert runner.run(FIRST).result == HOSTS[0]
    current = runner._worker
    assert current is not None
    zygote = current.zygote.process
    monkeypatch.setattr(worker, "_ANSWER_LIMIT", 0.5)
    monkeypatch.setattr(worker, "_KILL_WAIT", 0.5, raising=False)
    zygote.send_signal(signal.SIGSTOP)
    resume = threading.Timer(6.5, zygote.send_signal, (signal.SIGCONT,))
    resume.start()
    try:
        runner.close()  # its kill request is answered once the kit stopped waiting
        resume.join()
        time.sleep(0.5)  # the late answer is in the socket by now, if the zygote lives
    finally:
        resume.cancel()
        if zygote.poll() is None:
            zygote.send_signal(signal.SIGCONT)
        monkeypatch.undo()
    assert runner.run(SECOND).result == HOSTS[1]
    _serving(runner)


def test_an_answer_left_unread_is_never_taken_for_the_next() -> None:
    runner = _runner()
    assert runner.send(FIRST) is None  # its answer is never received
    assert runner.run(SECOND).result == HOSTS[1]
    assert runner.run(FIRST).result == HOSTS[0]


class _RaisesFirst:
    """A first worker whose first ``raising`` examples raise (a bug of the kit's runner)."""

    def __init__(self, raising: int) -> None:
        self.raising = raising

    def run(self, scenario: FindScenario, needs: Collection[str] = ()) -> FindOutcome:
        self.raising -= 1
        if self.raising >= 0:
            msg = "the runner failed"
            raise RuntimeError(msg)
        return FindOutcome(frozenset())


def _merge(first: FindOutcome, second: FindOutcome) -> FindOutcome:
    return dataclasses.replace(first, reference=second.result)


def _pair(raising: int) -> tuple[Driver[Any, Any], worker.IsolatedRunner]:
    partner = _runner()
    family = dataclasses.replace(FAMILY, beside=("beside", "alone"), merge=_merge)
    driver: Driver[Any, Any] = Driver(
        family, FAMILY.scenarios(CheckOptions()), _RaisesFirst(raising), partner
    )
    return driver, partner


def test_the_second_worker_is_drained_when_the_first_raises() -> None:
    driver, partner = _pair(raising=1)
    with pytest.raises(RuntimeError, match="the runner failed"):
        driver.run(FIRST, frozenset({"beside"}))
    current = partner._worker
    assert current is not None
    assert not current.conn.poll(1.0), "the second worker's answer was left queued"
    assert driver.run(SECOND, frozenset({"beside"})).reference == HOSTS[1]


def test_a_stale_answer_of_the_second_worker_is_never_merged() -> None:
    """Whatever is left queued, the next example merges its own answer."""
    driver, partner = _pair(raising=0)
    assert partner.send(FIRST) is None  # as if an earlier example had given up on it
    assert driver.run(SECOND, frozenset({"beside"})).reference == HOSTS[1]


def test_the_kit_never_signals_a_worker_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the zygote (the worker's parent, which knows whether it reaped it) does: the
    kit signalling a pid its zygote has reaped could hit another process."""
    signalled: list[tuple[str, int, int]] = []
    real_kill, real_killpg = os.kill, os.killpg

    def kill(pid: int, signum: int) -> None:
        signalled.append(("kill", pid, signum))
        real_kill(pid, signum)

    def killpg(pgid: int, signum: int) -> None:
        signalled.append(("killpg", pgid, signum))
        real_killpg(pgid, signum)

    runner = _runner("hostile_exits")
    assert runner.run(FIRST).result == HOSTS[0]
    dead = _serving(runner)
    monkeypatch.setattr(os, "kill", kill)
    monkeypatch.setattr(os, "killpg", killpg)
    died = runner.run(TWO_GROUPS)  # the plugin ends its process: the kit discards it
    assert died.error == PluginError(
        "died", "the plugin ended its process with exit code 3", died.error.traceback
    )
    assert runner.run(FIRST).result == HOSTS[0]
    killed = _serving(runner)
    runner.close()
    assert [s for s in signalled if s[1] in {dead, killed}] == []
    assert not Path(f"/proc/{killed}").exists() or _parent(killed) != os.getpid()


def test_the_protocol_holds_under_python_o(tmp_path: Path) -> None:
    """The desynchronisation tests again, under ``python -O`` (in a session of its own:
    a stale exit code taken for a pid could signal the process group of 0, its own).

    Without plugins loaded from entry points, pytest leaves the kit's modules as they are
    (it rewrites the asserts of a plugin's distribution, which ``-O`` would then keep).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    done = subprocess.run(
        [
            sys.executable,
            "-O",
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-W",
            "ignore::pytest.PytestConfigWarning",
            "-k",
            "never_taken or drained or never_merged",
            str(Path(__file__)),
        ],
        cwd=Path(__file__).parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        start_new_session=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout, done.stdout

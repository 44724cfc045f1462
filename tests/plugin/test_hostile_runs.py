"""Hostile plugins through the two front ends: exit 1 with JUnit and reports, and a real
Ctrl-C still stops the run and leaves no worker behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TIMEOUT = 180.0
WORKER_MARK = "oar_conformance.worker"


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "oar_conformance.cli", *args]


def _check_f6(cwd: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``oar-conformance check`` of F6 alone on hostile sample ``name`` (quick, seed 1)."""
    check = ("check", "--plugin", f"find:{name}", "--invariant", "F6", "--profile", "quick")
    return subprocess.run(
        _cli(*check, "--seed", "1", *args),
        cwd=cwd,
        env=_env(cwd),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _env(tmp: Path) -> dict[str, str]:
    """The environment of a run, its temporary files in ``tmp`` (a run killed by its
    plugin, as with --no-isolate, cannot remove them)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    env["TMPDIR"] = str(tmp)
    return env


def _descendants(root: int) -> list[int]:
    """Processes whose parent chain leads to ``root`` (workers run in sessions of their own,
    so a process group would not find them)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = []
    for pid in parents:
        up = parents.get(pid)
        while up and up != root:
            up = parents.get(up)
        if up == root:
            found.append(pid)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _workers_of(root: int) -> list[int]:
    return [pid for pid in _descendants(root) if WORKER_MARK.encode() in _cmdline(pid)]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("hostile_exits", "exit code 3"),
        ("hostile_holds_gil", "no answer within 1 s"),
        ("hostile_starts_thread", "left a thread behind"),
    ],
)
def test_check_exits_1_with_junit_and_report(tmp_path: Path, name: str, says: str) -> None:
    done = _check_f6(
        tmp_path, name, "--timeout", "1", "--junit", "out/junit.xml", "--report", "out"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    junit = (tmp_path / "out" / "junit.xml").read_text(encoding="utf-8")
    assert "<failure" in junit
    assert says in junit
    assert (tmp_path / "out" / f"find_func_{name}_F6.md").is_file()
    assert (tmp_path / "out" / f"test_find_func_{name}_F6.py").is_file()


def test_the_pytest_form_reports_a_crash_as_a_failure(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--oar-plugin=oar.find_func:hostile_segfaults",
        "--oar-invariant=F6",
        "--oar-profile=quick",
        "--oar-seed=1",
        "--junitxml=junit.xml",
        timeout=TIMEOUT,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*killed by SIGSEGV*"])
    assert "<failure" in (pytester.path / "junit.xml").read_text(encoding="utf-8")


def test_a_real_ctrl_c_stops_the_run_and_removes_the_workers(tmp_path: Path) -> None:
    """The plugin blocks with SIGALRM ignored; Ctrl-C must still end the run promptly."""
    run = subprocess.Popen(
        _cli(
            "check",
            "--plugin",
            "find:hostile_ignores_alarm",
            "--invariant",
            "F6",
            "--profile",
            "quick",
            "--timeout",
            "120",
        ),
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _workers_of(run.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    started = _workers_of(run.pid)
    assert started, "no worker started"
    time.sleep(1.0)
    run.send_signal(signal.SIGINT)
    try:
        output, _ = run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        alive = [(pid, _cmdline(pid)) for pid in [run.pid, *_descendants(run.pid)]]
        run.kill()
        pytest.fail(f"the run did not stop within 60 s of Ctrl-C; still running: {alive}")
    assert run.returncode == 130, output
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in started)


def _carrying(variable: str) -> list[int]:
    """Processes whose environment holds ``variable`` (inherited from the run that set it,
    whatever became of their parents)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if variable.encode() in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


def test_a_run_killed_mid_call_leaves_no_process_behind(tmp_path: Path) -> None:
    """SIGKILL of the kit while the plugin hangs: its zygote, its worker and the child the
    plugin started all end within seconds."""
    variable = f"OAR_CONFORMANCE_TEST_RUN={uuid.uuid4().hex}"
    env = _env(tmp_path)
    key, value = variable.split("=")
    env[key] = value
    run = subprocess.Popen(
        _cli(
            "check",
            "--plugin",
            "find:hostile_spawns_child_and_hangs",
            "--invariant",
            "F6",
            "--profile",
            "quick",
            "--seed",
            "1",
            "--timeout",
            "120",
        ),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            _cmdline(pid).startswith(b"sleep\0") for pid in _carrying(variable)
        ):
            time.sleep(0.1)
        tree = {pid: _cmdline(pid) for pid in _carrying(variable)}
        assert any(command.startswith(b"sleep\0") for command in tree.values()), tree
        run.kill()
        run.wait(10)
        deadline = time.monotonic() + 5
        while _carrying(variable) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert {pid: _cmdline(pid) for pid in _carrying(variable)} == {}
    finally:
        run.kill()
        run.wait(10)
        for pid in _carrying(variable):  # what a failed run of this test left
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_without_isolation_the_plugin_runs_in_the_kit_s_own_process(tmp_path: Path) -> None:
    """--no-isolate is for pdb: a plugin that exits then takes the run down with it."""
    done = _check_f6(tmp_path, "hostile_exits", "--no-isolate", "--junit", "out/junit.xml")
    assert done.returncode == 3, done.stdout + done.stderr
    assert not (tmp_path / "out" / "junit.xml").exists()

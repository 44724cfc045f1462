"""The CI-gate features of ``oar-conformance check``: configuration, summary, reports, script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oar_conformance.config import parse
from oar_conformance.errors import UsageError

REPO = Path(__file__).resolve().parents[2]
FIND = "oar.find_func"


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oar_conformance.cli", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_skip_needs_a_reason_and_plugin_args_may_be_per_plugin() -> None:
    settings = parse({"skip": {"F7": "groups share nodes here"}, "plugin-args": {"x": "a:k=v"}})
    assert settings.skip == {"F7": "groups share nodes here"}
    assert settings.plugin_args_by_plugin == {"x": "a:k=v"}
    assert settings.plugin_args is None
    with pytest.raises(UsageError, match=r"skip\.F7='': a skipped invariant needs a reason"):
        parse({"skip": {"F7": ""}})


def test_config_skips_summary_and_report_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.oar-conformance]\n"
        f'plugins = ["{FIND}:sample_first_fit", "{FIND}:bad_f1_ignores_busy"]\n'
        'profile = "quick"\nseed = 7\nreport = "gate-report"\n'
        "[tool.oar-conformance.skip]\n"
        'F7 = "groups may share nodes at this site"\n'
        f'"{FIND}:sample_first_fit::F5" = "checked by the plugin\'s own tests"\n',
        encoding="utf-8",
    )
    done = check(tmp_path, "--invariant", "F1", "--invariant", "F5", "--invariant", "F7", "-v")
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "oar-conformance summary" in out
    assert f"{FIND}:bad_f1_ignores_busy  FAIL F1; 1 skip; 1 pass" in out
    assert f"{FIND}:sample_first_fit     2 skip; 1 pass" in out
    assert "skipped by [tool.oar-conformance]: groups may share nodes at this site" in out
    report = tmp_path / "gate-report"
    names = sorted(p.name for p in report.iterdir())
    assert names == [
        "find_func_bad_f1_ignores_busy_F1.json",
        "find_func_bad_f1_ignores_busy_F1.md",
        "test_find_func_bad_f1_ignores_busy_F1.py",
    ]
    replay = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(report)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert replay.returncode == 1, replay.stdout
    assert "returned busy resources" in replay.stdout


def test_all_loads_every_installed_plugin_first(tmp_path: Path) -> None:
    """``--all`` takes every installed plugin; one that cannot be imported stops the run
    before any check (exit 2), naming it, since nothing about it could be checked."""
    done = check(tmp_path, "--all", "--invariant", "F6", "--profile", "quick")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"plugin {FIND}:broken_import could not be loaded" in done.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="the gate script needs bash")
def test_plain_gate_script_on_the_example_repository(tmp_path: Path) -> None:
    """The template a plugin repository copies: fresh venv, kit, plugin, JUnit and reports."""
    repo = tmp_path / "plugin-repo"
    shutil.copytree(
        REPO / "ci" / "example-plugin", repo, ignore=shutil.ignore_patterns("*.egg-info")
    )
    shutil.copy(REPO / "ci" / "templates" / "oar-conformance-gate.sh", repo)
    env = {**os.environ, "OAR_CONFORMANCE": str(REPO), "REPORT_DIR": "out"}
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run(
        ["bash", "oar-conformance-gate.sh", "--seed", "2"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "oar.find_func:example_greedy::F1" in done.stdout
    junit = (repo / "out" / "junit.xml").read_text(encoding="utf-8")
    assert 'name="F1-inside-availability"' in junit
    assert "<failure" in junit
    assert "Counterexample (shrunk)" in junit
    assert (repo / "out" / "test_find_func_example_greedy_F1.py").is_file()

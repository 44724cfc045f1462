"""A bug of the kit itself exits 3 and shows as an error of the check it ended, never as
the plugin's failure; the run's other checks keep their verdicts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

INJECT = """
import dataclasses
from oar_conformance import catalogue

def broken(scenario, outcome):
    raise ZeroDivisionError("a fault injected into the check")

_injected = dataclasses.replace(catalogue.get("F3"), judge=broken)
catalogue._BY_ID["F3"] = _injected
catalogue.family_of(_injected).invariants._items["F3"] = _injected
"""
"""Replaces F3's check by one that raises: a bug of the kit, as a user would meet it."""

CHECK = [
    "check",
    "--plugin",
    "oar.find_func:bad_f1_ignores_busy",
    "--profile",
    "quick",
    "--seed",
    "7",
    "--invariant",
    "F1",
    "--invariant",
    "F3",
    "--invariant",
    "F4",
]


def test_a_check_that_raises_makes_the_cli_exit_3_not_1(tmp_path: Path) -> None:
    run = f"import sys\nfrom oar_conformance.cli import main\nsys.exit(main({CHECK!r}))\n"
    script = f"{INJECT}\n{run}"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 3, done.stdout + done.stderr
    assert "ERROR oar.find_func:bad_f1_ignores_busy::F3" in done.stdout
    assert "FAILED oar.find_func:bad_f1_ignores_busy::F1" in done.stdout
    assert "internal error of oar-conformance in the check of F3" in done.stdout
    assert "ZeroDivisionError: a fault injected into the check" in done.stdout
    assert "please report it" in done.stderr
    assert "FAILED oar.find_func:bad_f1_ignores_busy::F3" not in done.stdout


def test_pytest_shows_a_kit_error_as_an_error_and_exits_3(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(INJECT)
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--oar-plugin=oar.find_func:sample_disjoint_fit",
        "--oar-profile=quick",
        "--oar-seed=7",
        "--oar-invariant=F1",
        "--oar-invariant=F3",
    )

    assert result.ret == 3
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*internal error of oar-conformance in the check of F3*"])

"""A check that could not judge most of its examples is never shown as passed: skipped with
the reason, a failure under --oar-strict, and its unjudged count in the JUnit properties."""

from __future__ import annotations

import pytest

BLIND = """
import dataclasses
from oar_conformance import catalogue
from oar_conformance.violations import Unjudged

def blind(scenario, outcome):
    yield Unjudged("this check cannot tell")

_blind = dataclasses.replace(catalogue.get("F3"), judge=blind)
catalogue._BY_ID["F3"] = _blind
catalogue.family_of(_blind).invariants._items["F3"] = _blind
"""
"""Replaces F3's check by one that can judge no example."""

ARGS = (
    "-p",
    "no:cacheprovider",
    "-rs",
    "--oar-plugin=oar.find_func:sample_disjoint_fit",
    "--oar-profile=quick",
    "--oar-seed=7",
    "--oar-invariant=F1",
    "--oar-invariant=F3",
)


def test_an_undecided_check_is_skipped_with_its_reason(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(BLIND)
    result = pytester.runpytest_subprocess(*ARGS, "--junitxml=report.xml")

    assert result.ret == 0
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*F3: * of * examples unjudged (100.0%): this check cannot tell*",
            "*F3: * of * examples (100%) could not be judged*this check cannot tell*",
        ]
    )
    junit = (pytester.path / "report.xml").read_text(encoding="utf-8")
    assert 'name="unjudged"' in junit
    assert "this check cannot tell" in junit


def test_an_undecided_check_fails_under_strict(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(BLIND)
    result = pytester.runpytest_subprocess(*ARGS, "--oar-strict")

    assert result.ret == 1
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*could not be judged*--oar-strict: an undecided check fails*"])

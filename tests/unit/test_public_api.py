"""What a test writer imports from ``oar_conformance``: a small, lazy, working API."""

from __future__ import annotations

import subprocess
import sys

import pytest

import oar_conformance
from oar_conformance import (
    CheckOptions,
    ConformanceFailure,
    UsageError,
    catalogue,
    check,
    get_profile,
    strategies,
)

QUICK = CheckOptions(profile=get_profile("quick"), seed=20261125, example_database=None)


def test_every_public_name_resolves() -> None:
    missing = [name for name in oar_conformance.__all__ if not hasattr(oar_conformance, name)]
    assert missing == []
    assert catalogue.get("F1").id == "F1"
    assert callable(strategies.find_scenarios)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'chek'"):
        _ = oar_conformance.chek  # type: ignore[attr-defined]


def test_importing_the_package_stays_light() -> None:
    """pytest loads the plugin module in every run: Hypothesis, OAR3 and SQLAlchemy wait."""
    code = (
        "import sys, oar_conformance, oar_conformance._pytest_plugin; "
        "print(sorted(m for m in ('hypothesis', 'sqlalchemy', 'oar', 'procset') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_check_passes_a_correct_plugin_and_lists_what_it_checked() -> None:
    result = check("oar.find_func:sample_first_fit", "F1", "F4", options=QUICK)
    assert result.passed == (
        "oar.find_func:sample_first_fit::F1",
        "oar.find_func:sample_first_fit::F4",
    )
    assert result.skipped == ()


def test_check_raises_the_shrunk_violation_of_a_faulty_plugin() -> None:
    with pytest.raises(ConformanceFailure) as info:
        check("oar.find_func:bad_f4_mutates_avail", "F1", "F4", options=QUICK)
    assert info.value.violation.invariant_id == "F4"


def test_check_refuses_a_run_that_checked_nothing() -> None:
    with pytest.raises(UsageError, match="nothing was checked"):
        check("oar.find_func:sample_first_fit", "S1", options=QUICK)

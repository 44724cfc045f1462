"""A counterexample the kit could not shrink says so, in the failure and its report."""

from __future__ import annotations

import pytest

from oar_conformance import shared_run
from oar_conformance.catalogue import get
from oar_conformance.driver import CheckOptions, run_invariants
from oar_conformance.errors import ConformanceFailure
from oar_conformance.plugins import FIND_GROUP, PluginSpec
from oar_conformance.profiles import get_profile
from oar_conformance.report import render_failure, unshrunk_note
from oar_conformance.reproducer import FailureContext

SPEC = PluginSpec(FIND_GROUP, "bad_f2_one_extra_block")


def test_a_failure_without_a_choice_sequence_says_it_was_not_shrunk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Hypothesis that gives no choice sequence (``_choices`` is ``None``) cannot shrink."""
    monkeypatch.setattr(shared_run, "_choices", lambda: None)
    options = CheckOptions(
        profile=get_profile("quick"), seed=3, example_database=None, isolate=False
    )

    failure = run_invariants(SPEC, [get("F2")], options).outcomes["F2"]

    assert isinstance(failure, ConformanceFailure)
    note = unshrunk_note(getattr(failure, "__notes__", []))
    assert "not shrunk" in note
    assert "choice sequence" in note
    context = FailureContext(SPEC, get("F2"), "pytest ...", unshrunk=note)
    text = render_failure(failure.violation, context)
    assert "Counterexample (not shrunk):" in text
    assert note in text


def test_a_shrunk_failure_has_no_such_note() -> None:
    options = CheckOptions(
        profile=get_profile("quick"), seed=3, example_database=None, isolate=False
    )

    failure = run_invariants(SPEC, [get("F2")], options).outcomes["F2"]

    assert isinstance(failure, ConformanceFailure)
    assert unshrunk_note(getattr(failure, "__notes__", [])) == ""
    text = render_failure(failure.violation, FailureContext(SPEC, get("F2"), "pytest ..."))
    assert "Counterexample (shrunk):" in text

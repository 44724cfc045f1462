"""One run per family: every selected invariant fed by the same examples, each failure
shrunk on its own, as it would be in a run of its own."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis.database import InMemoryExampleDatabase

from oar_conformance.catalogue import by_group, get
from oar_conformance.driver import CheckOptions, run_invariants
from oar_conformance.errors import ConformanceFailure, UsageError
from oar_conformance.families.rounds.outcome import RoundOutcome, RoundResult, merge
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import FIND_GROUP, PluginSpec
from oar_conformance.profiles import get_profile
from oar_conformance.shared_run import run_name
from oar_conformance.stats import RunStats

SEED = 20261125
QUICK = get_profile("quick")
PER_EXAMPLE = ["F1", "F2", "F3", "F4", "F5", "F6", "F7"]


def options(**kw: Any) -> CheckOptions:
    base: dict[str, Any] = {
        "profile": QUICK,
        "seed": SEED,
        "example_database": None,
        "isolate": False,
    }
    return CheckOptions(**(base | kw))


def find(name: str) -> PluginSpec:
    return PluginSpec(FIND_GROUP, name)


def test_one_run_calls_the_plugin_once_per_example_for_every_invariant() -> None:
    stats = RunStats()
    result = run_invariants(
        find("sample_disjoint_fit"), [get(i) for i in PER_EXAMPLE[:6]], options(stats=stats)
    )

    assert result.outcomes == dict.fromkeys(PER_EXAMPLE[:6])
    assert result.examples == QUICK.max_examples
    assert stats.for_plugin("oar.find_func:sample_disjoint_fit").examples == QUICK.max_examples


def test_statistics_count_the_search_s_examples_and_shrink_tries_apart() -> None:
    stats = RunStats()
    result = run_invariants(find("bad_f2_one_extra_block"), [get("F2")], options(stats=stats))

    plugin = stats.for_plugin("oar.find_func:bad_f2_one_extra_block")
    assert isinstance(result.outcomes["F2"], ConformanceFailure)
    assert plugin.examples == result.examples <= QUICK.max_examples
    assert plugin.allocated + plugin.empty + plugin.unschedulable + plugin.errors == result.examples
    assert plugin.shrink_tries > 0
    assert f"(plus {plugin.shrink_tries} shrink tries)" in stats.lines()[0]


def test_each_failure_is_the_counterexample_its_own_run_gives() -> None:
    """bad_f1_ignores_busy breaks F1 and the advisory F7: both reported, shrunk apart."""
    together = run_invariants(find("bad_f1_ignores_busy"), [get(i) for i in PER_EXAMPLE], options())

    failed = together.failures()
    assert sorted(failed) == ["F1", "F7"]
    for invariant_id, failure in failed.items():
        alone = run_invariants(find("bad_f1_ignores_busy"), [get(invariant_id)], options())
        own = alone.failures()[invariant_id]
        assert failure.violation.invariant_id == invariant_id
        assert failure.violation.scenario == own.violation.scenario
        assert failure.violation.message == own.violation.message
    assert together.outcomes["F2"] is None


def test_the_search_stops_once_every_invariant_has_failed() -> None:
    result = run_invariants(find("bad_f6_raises"), [get("F6")], options(shrink=False))

    assert isinstance(result.outcomes["F6"], ConformanceFailure)
    assert result.found["F6"].examples == result.examples < QUICK.max_examples


def test_an_example_that_does_not_fail_again_is_shown_as_found() -> None:
    """flaky_f6_first_call raises on its first call only: the replay cannot shrink it."""
    result = run_invariants(find("flaky_f6_first_call"), [get("F6")], options())

    failure = result.outcomes["F6"]
    assert isinstance(failure, ConformanceFailure)
    assert "first call in this process" in failure.violation.message
    assert any("not shrunk" in note for note in getattr(failure, "__notes__", []))


def test_a_saved_counterexample_is_replayed_first_by_the_next_run() -> None:
    database = InMemoryExampleDatabase()
    first = run_invariants(
        find("bad_f2_one_extra_block"), [get("F2")], options(example_database=database)
    )
    again = run_invariants(
        find("bad_f2_one_extra_block"),
        [get(i) for i in PER_EXAMPLE],
        options(example_database=database, seed=SEED + 1),
    )

    assert first.found["F2"].examples > 1
    assert again.found["F2"].examples == 1
    assert again.failures()["F2"].violation.scenario == first.failures()["F2"].violation.scenario


def test_invariants_of_different_runs_or_groups_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="different runs"):
        run_invariants(find("sample_first_fit"), [get("F1"), get("R1")], options())
    with pytest.raises(UsageError, match=r"checks oar\.assign_func plugins"):
        run_invariants(find("sample_first_fit"), [get("A1")], options())
    with pytest.raises(UsageError, match="not part of this run"):
        run_invariants(find("sample_first_fit"), [get("F1")], options()).raise_for("F2")


def test_metasched_and_round_invariants_share_one_run_of_rounds() -> None:
    assert {run_name(i) for i in by_group("oar.extra_metasched_func")} == {"round", "campaign"}
    assert {run_name(i) for i in by_group(FIND_GROUP)} == {"find", "round", "campaign"}


def test_an_unknown_plugin_ends_every_check_of_the_run_with_its_error() -> None:
    result = run_invariants(find("no_such_plugin"), [get("F1"), get("F2")], options())

    assert all(isinstance(e, UsageError) for e in result.outcomes.values())
    with pytest.raises(UsageError, match="no_such_plugin"):
        result.raise_for("F2")


def test_a_run_level_invariant_is_judged_on_the_whole_run() -> None:
    result = run_invariants(find("bad_f9_never_allocates"), [get("F1"), get("F9")], options())

    assert result.outcomes["F1"] is None
    outcome = result.outcomes["F9"]
    assert isinstance(outcome, ConformanceFailure)
    assert outcome.violation.invariant_id == "F9"


def test_a_run_of_rounds_draws_the_profile_s_round_examples() -> None:
    ci = get_profile("ci")

    assert ci.examples(rounds=False) == 200
    assert ci.examples(rounds=True) == 100
    assert get_profile("thorough").examples(rounds=True) == 1000


def test_the_other_database_s_round_made_beside_is_merged_into_the_main_one() -> None:
    main = RoundOutcome(calls=(), gantt=(), states=(), db="sqlite")
    other = RoundResult(calls=(), gantt=(), states=())
    beside = RoundOutcome(calls=(), gantt=(), states=(), other=other, other_db="postgresql")
    lost = RoundOutcome(
        calls=(), gantt=(), states=(), error=PluginError("timeout", "no answer", "", killed=True)
    )

    assert merge(main, beside).other is other
    assert merge(main, beside).other_db == "postgresql"
    assert merge(main, lost).error is lost.error  # a second worker lost fails the example
    assert merge(main, lost).other is None

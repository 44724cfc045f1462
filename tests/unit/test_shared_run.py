"""One run per family: every selected invariant fed by the same examples, each failure
shrunk on its own, as it would be in a run of its own."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    ExampleDatabase,
    InMemoryExampleDatabase,
)

from oar_conformance.catalogue import by_group, get
from oar_conformance.driver import CheckOptions, run_invariants
from oar_conformance.errors import ConformanceFailure, UsageError
from oar_conformance.families.rounds.outcome import RoundOutcome, RoundResult, merge
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import FIND_GROUP, PluginSpec
from oar_conformance.profiles import get_profile
from oar_conformance.report import REPLAYED, render_failure, replayed_note
from oar_conformance.reproducer import FailureContext
from oar_conformance.shared_run import RunResult, run_name
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


def _saved_failure(plugin: str, invariant_id: str, database: ExampleDatabase) -> RunResult:
    """A run of seed ``SEED`` that saves ``plugin``'s counterexample of ``invariant_id``."""
    found = run_invariants(find(plugin), [get(invariant_id)], options(example_database=database))
    assert invariant_id in found.failures()
    return found


def _case(ending: BaseException | None) -> tuple[Any, ...] | None:
    """A failure's counterexample and what it shows (the call's timing left out)."""
    if not isinstance(ending, ConformanceFailure):
        return None
    violation = ending.violation
    return violation.scenario, violation.message, violation.received, violation.expected


def _drawn(result: RunResult, stats: RunStats, plugin: str) -> tuple[Any, ...]:
    """What a run drew and judged, timings left out."""
    counts = stats.for_plugin(f"{FIND_GROUP}:{plugin}")
    outcomes = {key: (type(value).__name__, _case(value)) for key, value in result.outcomes.items()}
    sizes = [size for size, _ in counts.samples]
    kinds = (counts.allocated, counts.empty, counts.unschedulable, counts.errors)
    return result.examples, outcomes, sizes, kinds, counts.judged, counts.shrink_tries


def test_a_seeded_run_gives_its_own_verdict_whatever_an_earlier_run_saved(
    tmp_path: Path,
) -> None:
    """Seed B finds F2 itself: the counterexample seed A saved (in a folder, as
    `.hypothesis/` keeps it) neither replaces B's example to shrink from nor changes what
    B draws, counts or tries while shrinking."""
    plugin = "bad_f2_one_extra_block"
    _saved_failure(plugin, "F2", DirectoryBasedExampleDatabase(tmp_path))
    runs = []
    for database in (DirectoryBasedExampleDatabase(tmp_path), None):
        stats = RunStats()
        again = run_invariants(
            find(plugin),
            [get(i) for i in PER_EXAMPLE],
            options(example_database=database, seed=SEED + 1, stats=stats),
        )
        runs.append(_drawn(again, stats, plugin))
        failure = again.failures()["F2"]
        assert REPLAYED not in getattr(failure, "__notes__", [])

    assert runs[0] == runs[1]


def test_a_failure_only_a_saved_example_shows_is_reported_as_replayed() -> None:
    """One example of seed B does not show F3 (two groups are needed); the counterexample
    seed A saved does, and the report says where it comes from."""
    plugin, database = "bad_f3_first_group_only", InMemoryExampleDatabase()
    saved = _saved_failure(plugin, "F3", database)
    one = options(profile=replace(QUICK, max_examples=1), seed=SEED + 1)

    alone = run_invariants(find(plugin), [get("F1"), get("F3")], one)
    stats = RunStats()
    replayed = run_invariants(
        find(plugin),
        [get("F1"), get("F3")],
        replace(one, example_database=database, stats=stats),
    )

    assert alone.outcomes == {"F1": None, "F3": None}
    assert replayed.outcomes["F1"] is None
    failure = replayed.failures()["F3"]
    assert failure.violation.scenario == saved.failures()["F3"].violation.scenario
    assert replayed.examples == alone.examples == 1
    assert stats.for_plugin(f"{FIND_GROUP}:{plugin}").examples == 1
    notes = getattr(failure, "__notes__", [])
    context = FailureContext(find(plugin), get("F3"), "pytest ...", replayed=replayed_note(notes))
    assert REPLAYED in render_failure(failure.violation, context)


def test_saved_examples_that_do_not_fail_leave_a_seeded_run_s_examples_as_they_are() -> None:
    """Examples saved under a correct plugin's checks (here: another plugin's
    counterexample of F2) are replayed apart: the search draws what it draws without them."""
    database = InMemoryExampleDatabase()
    _saved_failure("bad_f2_one_extra_block", "F2", database)
    bad, good = (
        f"{FIND_GROUP}:{name}".encode()
        for name in ("bad_f2_one_extra_block", "sample_disjoint_fit")
    )
    for key, values in list(database.data.items()):
        for value in values:
            database.save(key.replace(bad, good, 1), value)
    runs = []
    for saved in (database, None):
        stats = RunStats()
        result = run_invariants(
            find("sample_disjoint_fit"),
            [get(i) for i in PER_EXAMPLE],
            options(example_database=saved, seed=SEED + 1, stats=stats),
        )
        runs.append(_drawn(result, stats, "sample_disjoint_fit"))

    assert runs[0] == runs[1]
    assert runs[0][1] == dict.fromkeys(PER_EXAMPLE, ("NoneType", None))


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

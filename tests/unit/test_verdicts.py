"""Verdicts a CI gate can act on: examples a check cannot judge are counted (never a
silent pass), and a bug of the kit ends its own check as a kit error, never as the
plugin's failure."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oar_conformance.binding import isolated_driver
from oar_conformance.catalogue import family_of, get
from oar_conformance.driver import CheckOptions, check, run_invariants
from oar_conformance.errors import CheckUndecided, ConformanceFailure, KitError, UsageError
from oar_conformance.families.find.outcome import FindOutcome
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.families.rounds.invariants import round_findings
from oar_conformance.families.rounds.outcome import RoundOutcome, RoundResult
from oar_conformance.hierarchy import UNDECIDED_SPLIT
from oar_conformance.invariant import InvariantSet
from oar_conformance.memory import RunMemory
from oar_conformance.model import Group, Level, Platform
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import FIND_GROUP, PluginSpec
from oar_conformance.profiles import get_profile
from oar_conformance.shared_run import UNJUDGED_SHARE
from oar_conformance.site import parse_site
from oar_conformance.stats import RunStats
from oar_conformance.violations import Breach, Unjudged
from oar_conformance.worker import _overrun

QUICK = get_profile("quick")
CORRECT = PluginSpec(FIND_GROUP, "sample_disjoint_fit")


def options(**kw: Any) -> CheckOptions:
    base: dict[str, Any] = {
        "profile": QUICK,
        "seed": 20261207,
        "example_database": None,
        "isolate": False,
    }
    return CheckOptions(**(base | kw))


def _huge_overlap() -> tuple[FindScenario, FindOutcome]:
    """``/host=1500+/host=1500`` on 3,000 one-resource hosts answered with all of them:
    too many ways to split the answer for the search's budget."""
    hosts = tuple(frozenset({i}) for i in range(1, 3001))
    platform = Platform((Level("host", hosts),))
    everything = platform.resources
    groups = (Group((("host", 1500),), everything), Group((("host", 1500),), everything))
    return (
        FindScenario(platform=platform, available=everything, groups=groups),
        FindOutcome(result=everything),
    )


@pytest.mark.parametrize("invariant_id", ["F2", "F7"])
def test_a_split_out_of_budget_is_unjudged_not_passed(invariant_id: str) -> None:
    scenario, outcome = _huge_overlap()
    judgement = get(invariant_id).assess(scenario, outcome)
    assert judgement.violations == []
    assert judgement.unjudged == UNDECIDED_SPLIT


def test_a_breach_wins_over_an_unjudged_part() -> None:
    def judge(scenario: object, outcome: object) -> Iterator[Breach | Unjudged]:
        yield Unjudged("could not tell")
        yield Breach("wrong", kind="wrong")

    invariant = dataclasses.replace(get("F1"), judge=judge)
    judgement = invariant.assess(None, None)
    assert [v.kind for v in judgement.violations] == ["wrong"]
    assert judgement.unjudged is None


def test_an_invariant_needing_what_its_family_cannot_observe_is_refused() -> None:
    invariants: InvariantSet[object, object] = InvariantSet("toy", ("g",), ("repeat",))

    def judge(scenario: object, outcome: object) -> Iterator[Breach]:
        return iter(())

    invariants.register(
        "X1", slug="a", title="a", rationale="r", needs=("repeat", "errors"), check=judge
    )
    with pytest.raises(UsageError, match=r"X2 needs \['repaet'\].*use one of"):
        invariants.register(
            "X2", slug="b", title="b", rationale="r", needs=("repaet",), check=judge
        )


def _every(share: float) -> Any:
    """A judge that cannot tell one example in ``1 / share`` (counted by calls)."""
    calls = [0]

    def judge(scenario: object, outcome: object) -> Iterator[Unjudged]:
        calls[0] += 1
        if calls[0] * share >= 1:
            calls[0] = 0
            yield Unjudged("the toy cannot tell")

    return judge


def test_a_check_that_could_not_judge_most_examples_does_not_pass() -> None:
    stats = RunStats()
    blind = dataclasses.replace(get("F1"), judge=_every(1.0))
    result = run_invariants(CORRECT, [blind, get("F3")], options(stats=stats))

    undecided = result.outcomes["F1"]
    assert isinstance(undecided, CheckUndecided)
    assert "could not be judged" in str(undecided)
    assert "the toy cannot tell" in str(undecided)
    assert result.outcomes["F3"] is None
    unjudged, read, reason = stats.for_plugin(str(CORRECT)).unjudged_share("F1")
    assert unjudged == read == result.examples
    assert reason == "the toy cannot tell"
    assert any("F1: " in line and "unjudged" in line for line in stats.lines())


def test_a_few_unjudged_examples_are_counted_and_the_check_passes() -> None:
    stats = RunStats()
    few = dataclasses.replace(get("F1"), judge=_every(UNJUDGED_SHARE / 2))
    result = run_invariants(CORRECT, [few], options(stats=stats))

    assert result.outcomes["F1"] is None
    unjudged, read, _ = stats.for_plugin(str(CORRECT)).unjudged_share("F1")
    assert 0 < unjudged <= UNJUDGED_SHARE * read


def test_a_check_that_raises_is_a_kit_error_of_its_own_and_the_others_keep_their_verdicts() -> None:
    def broken(scenario: object, outcome: object) -> Iterator[Breach]:
        raise ZeroDivisionError("a bug in the check")

    buggy = dataclasses.replace(get("F3"), judge=broken)
    result = run_invariants(
        PluginSpec(FIND_GROUP, "bad_f1_ignores_busy"), [get("F1"), buggy, get("F4")], options()
    )

    error = result.outcomes["F3"]
    assert isinstance(error, KitError)
    assert "ZeroDivisionError: a bug in the check" in str(error)
    assert "ZeroDivisionError" in error.details
    assert result.failures().keys() == {"F1"}
    assert result.outcomes["F4"] is None


def test_check_twice_in_one_process_gives_the_verdicts_two_processes_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plugin that hung in one check and was fixed before the next passes the next:
    what a run learns (the example that hung, its workers) ends with the run."""
    flag = tmp_path / "hang"
    flag.touch()
    monkeypatch.setenv("OAR_CONFORMANCE_SAMPLE_HANG_FLAG", str(flag))
    plugin = "oar.find_func:hostile_hangs_while_flagged"
    settings = CheckOptions(profile=QUICK, seed=1, timeout=0.5, example_database=None)

    with pytest.raises(ConformanceFailure, match="F6"):
        check(plugin, "F6", options=settings)
    flag.unlink()
    assert check(plugin, "F6", options=settings).passed == (f"{plugin}::F6",)
    assert not settings.memory.killed


def test_workers_are_kept_by_the_value_of_their_settings() -> None:
    """Equal site profiles share a worker; another site gets its own."""
    site = parse_site({"hierarchy-labels": ["resource_id", "network_address"]})
    same = parse_site({"hierarchy-labels": ["resource_id", "network_address"]})
    other = parse_site({"hierarchy-labels": ["resource_id", "network_address", "cpu"]})
    memory = RunMemory()
    base = options(isolate=True, memory=memory)
    try:
        first = isolated_driver(get("F1"), CORRECT, dataclasses.replace(base, site=site))
        again = isolated_driver(get("F1"), CORRECT, dataclasses.replace(base, site=same))
        apart = isolated_driver(get("F1"), CORRECT, dataclasses.replace(base, site=other))
        assert again.runner is first.runner
        assert apart.runner is not first.runner
    finally:
        memory.close()
    assert not memory.workers


def _failed_round(**kw: Any) -> Any:
    crash = PluginError("raised", "KeyError: 7", "Traceback ...", oar3=kw.pop("oar3_error", False))
    base: dict[str, Any] = {"calls": (), "gantt": (), "states": (), "error": crash}
    return RoundOutcome(**(base | {"group": FIND_GROUP} | kw))


def _alone(summary: str | None) -> Any:
    error = None if summary is None else PluginError("raised", summary, oar3=True)
    return RoundResult(calls=(), gantt=(), states=(), error=error)


@pytest.mark.parametrize(
    ("outcome", "verdict"),
    [
        pytest.param(_failed_round(plugin_calls=1), "round-failed", id="the plugin's call"),
        pytest.param(
            _failed_round(oar3_error=True, plugin_calls=0),
            "unjudged: the round failed in OAR3 before the plugin was called",
            id="OAR3 before any call",
        ),
        pytest.param(
            _failed_round(oar3_error=True, plugin_calls=2, oar3=_alone("KeyError: 7")),
            "unjudged: OAR3 alone fails this round the same way",
            id="OAR3 alone fails the same way",
        ),
        pytest.param(
            _failed_round(oar3_error=True, plugin_calls=2, oar3=_alone(None)),
            "round-failed",
            id="OAR3 alone does not fail",
        ),
        pytest.param(
            _failed_round(oar3_error=True, plugin_calls=2, oar3=_alone("ValueError: x")),
            "round-failed",
            id="OAR3 alone fails otherwise",
        ),
    ],
)
def test_a_failed_round_is_the_plugin_s_only_when_the_plugin_caused_it(
    outcome: Any, verdict: str
) -> None:
    judgement = get("R1").assess(None, outcome)
    if verdict.startswith("unjudged: "):
        assert judgement.violations == []
        assert judgement.unjudged is not None
        assert judgement.unjudged.startswith(verdict.removeprefix("unjudged: "))
        assert [i for i, _ in round_findings(None, outcome)] == ["R1"]  # type: ignore[arg-type]
    else:
        assert [v.kind for v in judgement.violations] == [verdict]
        assert round_findings(None, outcome) == []  # type: ignore[arg-type]


def test_time_outside_plugin_calls_is_the_plugin_s_only_once_it_was_called() -> None:
    before = _overrun(5.0, "", in_call=False, called=False)
    after = _overrun(5.0, "", in_call=False, called=True)
    hung = _overrun(5.0, "", in_call=True, called=True)
    assert before.oar3
    assert "before the plugin was called" in before.summary
    assert not after.oar3
    assert not hung.oar3


@pytest.mark.parametrize("invariant_id", ["F6", "A1", "S4"])
def test_a_failed_call_check_does_not_blame_oar3_s_overrun_on_the_plugin(
    invariant_id: str,
) -> None:
    family = family_of(get(invariant_id))
    outcome = family.failed(_overrun(5.0, "", in_call=False, called=False), options())
    judgement = get(invariant_id).assess(None, outcome)
    assert judgement.violations == []
    assert judgement.unjudged is not None
    assert "before the plugin was called" in judgement.unjudged


def test_m2_leaves_oar3_s_own_failure_to_r1() -> None:
    oar3_s = _failed_round(group="oar.extra_metasched_func", oar3_error=True, plugin_calls=1)
    plugin_s = _failed_round(group="oar.extra_metasched_func", plugin_calls=1)
    assert get("M2").check(None, oar3_s) == []
    assert [v.kind for v in get("M2").check(None, plugin_s)] == ["raised"]
    assert [v.kind for v in get("R1").check(None, oar3_s)] == ["round-failed"]
    assert get("R1").check(None, plugin_s) == []

"""R1 and R2 proven both ways for plugins of every group, inside real OAR3 rounds.

A find or assign plugin is named by a ``find=``/``assign=`` type on some waiting jobs, a
sort plugin by ``JOB_PRIORITY=CUSTOM`` and ``CUSTOM_JOB_SORTING``, as a site configures
them. Correct samples leave a valid gantt; faulty ones are caught by R1 with the kind of
damage they do to the schedule (or the round they end).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _dbhelp import (
    FAST,
    SEED,
    caught,
    check,
    needs_oar3,
    needs_postgresql,
    small_round,
)

from oar_conformance.catalogue import get
from oar_conformance.db import get_database
from oar_conformance.driver import CheckOptions, run_check
from oar_conformance.families.rounds.oar_round import RoundPlugin, round_config, run_round
from oar_conformance.families.rounds.outcome import RoundResult
from oar_conformance.families.rounds.render import round_case
from oar_conformance.plugins import PluginSpec
from oar_conformance.report import render_failure
from oar_conformance.reproducer import FailureContext
from oar_conformance.stats import RunStats

pytestmark = needs_oar3

FIND = "oar.find_func"
ASSIGN = "oar.assign_func"
SORT = "oar.jobs_sorting_func"

CORRECT = [
    (FIND, "sample_first_fit"),
    (FIND, "sample_disjoint_fit"),
    (FIND, "sample_oar_default"),
    (ASSIGN, "sample_oar_default"),
    (ASSIGN, "sample_latest_moldable"),
    (SORT, "sample_fifo"),
    (SORT, "sample_priority"),
]


@pytest.mark.parametrize(("group", "name"), CORRECT)
def test_correct_plugins_leave_a_valid_gantt(group: str, name: str) -> None:
    stats = RunStats()
    options = CheckOptions(profile=FAST, seed=SEED, example_database=None, stats=stats)
    run_check(PluginSpec(group, name), get("R1"), options)
    plugin = stats.for_plugin(f"{group}:{name}")
    assert plugin.examples == FAST.max_examples
    assert not plugin.weak, f"rounds must place the plugin's jobs, not pass vacuously: {plugin}"


@pytest.mark.parametrize(
    ("group", "name", "kind", "message"),
    [
        (FIND, "bad_f1_ignores_busy", "overlap", " share "),
        (FIND, "bad_f2_one_extra_block", "request", "does not satisfy"),
        (FIND, "bad_f6_raises", "round-failed", "NotImplementedError"),
        (ASSIGN, "bad_a3_ignores_occupation", "overlap", " share "),
        (ASSIGN, "bad_a4_one_block_too_many", "request", "does not satisfy"),
        (ASSIGN, "bad_a1_empty_res_set", "unknown", "holds no resources in the gantt"),
        (SORT, "bad_s1_drops_last", "round-failed", "no attribute 'moldable_id'"),
    ],
)
def test_faulty_plugins_caught_by_r1(group: str, name: str, kind: str, message: str) -> None:
    failure = caught(name, "R1", group=group)
    assert failure.violation.kind == kind
    assert message in failure.violation.message


def test_a_metasched_failure_stays_m2s() -> None:
    """One bug, one id: R1 says nothing about a metasched round that failed."""
    check("bad_m2_raises_on_second_group", "R1")


def _spy_round(plugin_jobs: frozenset[int], args: str = "") -> tuple[RoundResult, list[Any]]:
    """``small_round`` with OAR3's default find as a plugin on ``plugin_jobs``; its calls."""
    calls: list[Any] = []

    def spy(avail, rqts, hy, beginning, *more, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((rqts, more, kwargs))
        from oar.kao.scheduling import find_resource_hierarchies_job  # noqa: PLC0415

        return find_resource_hierarchies_job(avail, rqts, hy)

    scenario = replace(small_round(), plugin_jobs=plugin_jobs)
    with get_database("sqlite").session() as session:
        result = run_round(session, scenario, RoundPlugin(FIND, spy, args))
    return result, calls


def test_find_plugins_get_each_jobs_own_request() -> None:
    """OAR3 repeats a job's last group when the next job starts; the kit trims it."""
    result, calls = _spy_round(frozenset({1, 2, 3}))
    assert result.error is None
    assert result.plugin_calls == len(calls) > 0
    seen = [len(rqts) for rqts, _, _ in calls]
    assert set(seen) == {1}, f"each job asked for one group, the plugin saw {seen}"


def test_find_args_reach_the_plugin_from_the_job_type() -> None:
    _result, calls = _spy_round(frozenset({1}), "a:b:mode=fast")
    assert calls
    assert {repr((more, kwargs)) for _, more, kwargs in calls} == {
        repr((("a", "b"), {"mode": "fast"}))
    }


@pytest.mark.postgresql
@needs_postgresql
@pytest.mark.parametrize(
    ("group", "name"),
    [(FIND, "sample_disjoint_fit"), (ASSIGN, "sample_oar_default"), (SORT, "sample_fifo")],
)
def test_r2_same_schedule_on_postgresql(group: str, name: str) -> None:
    check(name, "R2", group=group)


def test_round_counterexample_replays_from_its_snippet(tmp_path: Path) -> None:
    failure = caught("bad_f2_one_extra_block", "R1", group=FIND)
    spec = PluginSpec(FIND, "bad_f2_one_extra_block")
    context = FailureContext(spec=spec, invariant=get("R1"), command="pytest ...")
    report = render_failure(failure.violation, context)
    assert "-t find=PLUGIN" in report
    assert "the plugin (the type find=PLUGIN) was called" in report
    _case, snippet = round_case(failure.violation, context)
    script = tmp_path / "replay_round.py"
    script.write_text(snippet, encoding="utf-8")

    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert "ConformanceFailure" in done.stderr
    assert "does not satisfy" in done.stderr
    assert "conforms" not in done.stdout


@pytest.mark.parametrize(
    ("group", "key", "default"),
    [
        ("oar.extra_metasched_func", "EXTRA_METASCHED_CONFIG", ""),
        (SORT, "CUSTOM_JOB_SORTING_CONFIG", "{}"),
    ],
)
def test_plugin_args_are_the_configuration_string(group: str, key: str, default: str) -> None:
    def plugin(*args: object) -> None:
        raise AssertionError("not called")

    scenario = small_round()
    given = round_config(scenario, RoundPlugin(group, plugin, '{"weight": 2}'))
    empty = round_config(scenario, RoundPlugin(group, plugin))
    assert (given[key], empty[key]) == ('{"weight": 2}', default)
    assert round_config(scenario, None)["EXTRA_METASCHED"] == "default"


def test_sort_plugin_reads_its_configuration_inside_the_round() -> None:
    seen: list[str] = []

    def by_user(queues, now, jids, jobs, config_str, plt):  # type: ignore[no-untyped-def]
        seen.append(config_str)
        return list(jids)

    with get_database("sqlite").session() as session:
        result = run_round(session, small_round(), RoundPlugin(SORT, by_user, '{"user": 1}'))
    assert result.error is None
    assert seen
    assert set(seen) == {'{"user": 1}'}

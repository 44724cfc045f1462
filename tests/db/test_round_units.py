"""Unit tests of the round pieces: rows, strategy, invariants on hand-made outcomes.

The invariants read plain values, so most of this runs without OAR3; the round itself
(schema, load, ``meta_schedule``, read back) needs it.
"""

from __future__ import annotations

from typing import Any

import pytest
from _dbhelp import needs_oar3, small_round
from hypothesis import find, given, settings

from oar_conformance import strategies as ost
from oar_conformance.catalogue import get
from oar_conformance.errors import UsageError
from oar_conformance.families.rounds.load import moldable_rows, resource_rows, types_of
from oar_conformance.families.rounds.outcome import Call, GanttEntry, RoundOutcome, RoundResult
from oar_conformance.families.rounds.render import render_round_case
from oar_conformance.families.rounds.scenario import RoundScenario
from oar_conformance.model import HALF_BEST, Group, Job, Level, Moldable, Platform, Queue


def _calls(*groups: tuple[str, ...]) -> tuple[Call, ...]:
    named = [tuple((n, 0) for n in g) for g in groups]
    return tuple(Call(None if i == 0 else named[i - 1], g) for i, g in enumerate(named))


def _outcome(calls: tuple[Call, ...] = (), gantt: tuple[GanttEntry, ...] = ()) -> RoundOutcome:
    return RoundOutcome(calls, gantt, ())


def _ids(invariant_id: str, scenario: RoundScenario, outcome: RoundOutcome) -> list[str]:
    return [v.kind for v in get(invariant_id).check(scenario, outcome)]


def test_resource_rows_name_blocks_and_properties() -> None:
    rows = resource_rows(small_round())
    assert [r["resource_id"] for r in rows] == [1, 2, 3, 4]
    assert [r["host"] for r in rows] == ["host-1", "host-1", "host-2", "host-2"]
    assert [r["core"] for r in rows] == [1, 2, 3, 4]
    assert [r["network_address"] for r in rows] == ["node-1", "node-2", "node-3", "node-4"]
    assert rows[2]["color"] == "blue"
    assert rows[2]["mem"] == 16
    assert "cluster" not in rows[0]


def test_moldable_rows_and_types_as_oarsub_stores_them() -> None:
    job = small_round().job(3)
    assert moldable_rows(job) == [(60, [("host=1/core=2", "")]), (60, [("host=1", "color='blue'")])]
    typed = Job(9, job.moldables, types={"find": "mine:1", "besteffort": ""})
    assert types_of(typed) == ["besteffort", "find=mine:1"]


def test_priority_groups_highest_first() -> None:
    assert small_round().priority_groups() == (("admin",), ("default", "q1"))


@settings(max_examples=60, database=None)
@given(ost.round_scenarios(max_resources=8, max_jobs=4))
def test_round_scenarios_are_consistent(scenario: RoundScenario) -> None:
    names = {q.name for q in scenario.queues}
    assert all(j.queue in names for j in scenario.jobs)
    assert all(r.queue in names for r in scenario.running)
    held = [r.ids for r in scenario.running]
    assert sum(map(len, held)) == len(frozenset().union(*held))
    assert all(r.start <= scenario.now < r.start + r.walltime for r in scenario.running)
    assert all("timesharing" not in j.types for j in scenario.jobs)
    assert all(("besteffort" in j.types) == (j.queue == "besteffort") for j in scenario.jobs)
    assert all(r.queue != "besteffort" for r in scenario.running)
    earlier: set[int] = set()
    for job in scenario.jobs:
        assert set(job.dependencies) <= earlier
        earlier.add(job.id)
    assert not scenario.plugin_jobs


@settings(max_examples=40, database=None)
@given(ost.round_scenarios(max_resources=8, max_jobs=4, plugin_jobs=True))
def test_plugin_jobs_name_some_waiting_jobs(scenario: RoundScenario) -> None:
    ids = {j.id for j in scenario.jobs}
    assert scenario.plugin_jobs <= ids
    assert bool(scenario.plugin_jobs) == bool(ids)


@pytest.mark.parametrize(
    ("what", "condition"),
    [
        ("a besteffort job", lambda s: any("besteffort" in j.types for j in s.jobs)),
        ("a dependency", lambda s: any(j.dependencies for j in s.jobs)),
        ("a job with two alternatives", lambda s: any(len(j.moldables) > 1 for j in s.jobs)),
        ("two queues sharing a priority", lambda s: len(s.queues) > len(s.priority_groups())),
        ("a running job", lambda s: bool(s.running)),
    ],
)
def test_round_scenarios_reach(what: str, condition: Any) -> None:
    found = find(
        ost.round_scenarios(max_resources=8, max_jobs=4),
        condition,
        settings=settings(max_examples=2000, database=None),
    )
    assert condition(found), what


def test_round_scenarios_reject_a_non_bool_plugin_jobs() -> None:
    with pytest.raises(UsageError, match="plugin_jobs=1 must be True or False"):
        ost.round_scenarios(plugin_jobs=1)  # type: ignore[arg-type]


def test_m1_accepts_oar3s_order_and_catches_a_changed_prev_queues() -> None:
    scenario = small_round()
    good = _calls(("admin",), ("default", "q1"))
    assert _ids("M1", scenario, _outcome(good)) == []
    emptied = (good[0], Call((), good[1].queues))
    assert _ids("M1", scenario, _outcome(emptied)) == ["prev-queues"]
    assert _ids("M1", scenario, _outcome(good[:1])) == ["count"]
    assert _ids("M1", scenario, _outcome(tuple(reversed(good)))) == ["queues"]


def test_r1_catches_overlap_a_moved_running_job_and_a_wrong_request() -> None:
    scenario = small_round()
    running = GanttEntry(1001, 0, 86_000, 1200, frozenset({1, 2}), running=True)
    job2 = GanttEntry(2, 2, 86_400, 600, frozenset({3, 4}), running=False)
    assert _ids("R1", scenario, _outcome(gantt=(running, job2))) == []
    clash = GanttEntry(1, 1, 86_400, 600, frozenset({1, 2}), running=False)
    assert _ids("R1", scenario, _outcome(gantt=(running, clash))) == ["overlap"]
    shifted = GanttEntry(1001, 0, 86_100, 1200, frozenset({1, 2}), running=True)
    assert _ids("R1", scenario, _outcome(gantt=(shifted,))) == ["running-moved"]
    wrong = GanttEntry(2, 2, 86_400, 600, frozenset({1, 2}), running=False)
    assert _ids("R1", scenario, _outcome(gantt=(running, wrong))) == ["request"]


def test_r2_compares_schedules_job_by_job() -> None:
    scenario = small_round()
    entry = GanttEntry(2, 2, 86_400, 600, frozenset({3, 4}), running=False)
    same = RoundOutcome((), (entry,), (), other=RoundResult((), (entry,), ()), other_db="pg")
    assert _ids("R2", scenario, same) == []
    later = GanttEntry(2, 2, 87_000, 600, frozenset({3, 4}), running=False)
    differs = RoundOutcome((), (entry,), (), other=RoundResult((), (later,), ()), other_db="pg")
    assert _ids("R2", scenario, differs) == ["schedule"]


def test_render_shows_queues_calls_and_gantt() -> None:
    scenario = small_round()
    entry = GanttEntry(2, 2, 86_400, 600, frozenset({3, 4}), running=False)
    text = render_round_case(scenario, _outcome(_calls(("admin",)), (entry,)), frozenset({3}))
    assert "10: admin" in text
    assert "1. queues=[admin:0] prev_queues=None" in text
    assert "job 2 moldable 2: 3-4 ! [86400, 87059]" in text


@needs_oar3
def test_a_real_round_on_sqlite_schedules_by_priority() -> None:
    from oar_conformance.db import get_database  # noqa: PLC0415
    from oar_conformance.families.rounds.oar_round import run_round  # noqa: PLC0415

    seen: list[tuple[object, list[str]]] = []

    def plugin(session, prev, plt, sched, slots, jst, queues, now, config):  # type: ignore[no-untyped-def]
        seen.append((prev and [q.name for q in prev], sorted(q.name for q in queues)))

    database = get_database("sqlite")
    for _ in range(2):  # the second round sees none of the first one's rows
        with database.session() as session:
            result = run_round(session, small_round(), plugin)
        assert result.error is None
        assert result.schedule == (
            (1, 1, 87_060, (3, 4)),  # after job 2 and its security minute
            (2, 2, 86_400, (3, 4)),  # admin first, on the blue host
            (3, 3, 87_260, (1, 2)),  # after the running job
            (1001, 0, 86_000, (1, 2)),
        )
        assert dict(result.states)[2] == "toLaunch"
    assert seen == [(None, ["admin"]), (["admin"], ["default", "q1"])] * 2


def test_queue_lookup_names_known_queues() -> None:
    scenario = small_round()
    assert scenario.queue("admin") == Queue("admin", 10)
    with pytest.raises(KeyError, match="admin"):
        scenario.queue("nope")


def test_job_lookup_names_known_ids() -> None:
    scenario = small_round()
    assert scenario.job(2).queue == "admin"
    with pytest.raises(KeyError, match=r"job_id=9 is not a waiting job here; ids: \[1, 2, 3\]"):
        scenario.job(9)


def _six_hosts_round(first: Queue, second: Queue) -> RoundScenario:
    """Job 1 takes four hosts, job 2 HALF_BEST hosts, job 3 one host (submitted first)."""
    platform = Platform((Level("host", tuple(frozenset({i}) for i in range(1, 7))),))
    everything = platform.resources

    def job(job_id: int, queue: Queue, *groups: Group, submitted: int = 0) -> Job:
        moldable = Moldable(job_id, 60, groups)
        return Job(job_id, (moldable,), queue=queue.name, submission_time=submitted)

    jobs = (
        job(1, first, Group((("host", 1),), everything), Group((("host", 3),), everything)),
        job(2, second, Group((("host", HALF_BEST),), everything)),
        job(3, second, Group((("host", 1),), everything), submitted=-60),
    )
    queues = tuple({q.name: q for q in (first, second)}.values())
    return RoundScenario(platform, 86_400, queues, (), jobs)


def _placed(job_id: int, *ids: int) -> GanttEntry:
    return GanttEntry(job_id, job_id, 86_400, 60, frozenset(ids), running=False)


def test_r1_judges_half_best_against_some_order_of_equal_priority_jobs() -> None:
    """OAR3 placed job 1 before job 2 (same queue), so half of hosts 5-6 is one host."""
    default = Queue("default", 0)
    scenario = _six_hosts_round(default, default)
    gantt = (_placed(1, 1, 2, 3, 4), _placed(2, 5), _placed(3, 6))
    assert _ids("R1", scenario, _outcome(gantt=gantt)) == []
    two_of_two = (_placed(1, 1, 2, 3, 4), _placed(2, 5, 6))
    assert _ids("R1", scenario, _outcome(gantt=two_of_two)) == ["request"]


def test_r1_counts_higher_priority_jobs_as_placed_before() -> None:
    """Job 1 is in a higher-priority queue: HALF_BEST for job 2 is of hosts 5-6 only."""
    scenario = _six_hosts_round(Queue("admin", 5), Queue("default", 0))
    wrong = (_placed(1, 1, 2, 3, 4), _placed(2, 5, 6))
    assert _ids("R1", scenario, _outcome(gantt=wrong)) == ["request"]
    right = (_placed(1, 1, 2, 3, 4), _placed(2, 5))
    assert _ids("R1", scenario, _outcome(gantt=right)) == []


@needs_oar3
def test_a_find_plugin_s_wrong_answer_in_a_round_is_its_own_failed_call() -> None:
    """OAR3 would fail on a ``set`` in its own code: the round says the plugin returned
    it (R1's round-failed, the plugin's), so C10 does not report it as OAR3 failing on
    what the rounds left: one bug, one id."""
    from dataclasses import replace  # noqa: PLC0415

    from oar_conformance.db import get_database  # noqa: PLC0415
    from oar_conformance.families.rounds.oar_round import RoundPlugin, run_round  # noqa: PLC0415
    from oar_conformance.plugins import FIND_GROUP  # noqa: PLC0415

    def wrong(itvs_slots, hy_res_rqts, hy, beginning_slotset, *args, **kwargs):  # type: ignore[no-untyped-def]
        return set(itvs_slots)

    scenario = replace(small_round(), plugin_jobs=frozenset({1}))
    with get_database("sqlite").session() as session:
        result = run_round(session, scenario, RoundPlugin(FIND_GROUP, wrong))
    assert result.error is not None
    assert (result.error.kind, result.error.oar3) == ("type", False)
    assert "returned set" in result.error.summary
    assert "but OAR3 needs a ProcSet" in result.error.summary
    outcome = RoundOutcome(
        result.calls, result.gantt, result.states, result.error, group=FIND_GROUP
    )
    (breach,) = get("R1").check(scenario, outcome)
    assert (breach.kind, breach.received) == ("round-failed", "an answer OAR3 cannot use")

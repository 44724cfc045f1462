"""Every assign invariant proven both ways on installed sample plugins, through OAR3.

A correct plugin passes every contract invariant; a plugin with one deliberate bug is
caught by the invariant it is named after, with that id. The samples are a real
distribution with real entry points (tests/samples), loaded as OAR3 loads plugins, and
each round runs OAR3's own scheduling loop, so the whole module needs a genuine OAR3.
The last part checks the adapter itself: OAR3's conventions, failed calls, isolation.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _catalogue import caught, check, needs_oar3

from oar_conformance import oar3
from oar_conformance.catalogue import Severity, by_group, get
from oar_conformance.families.assign.outcome import Placement, QuotaCheck, QuotaUsage
from oar_conformance.families.assign.runner import AssignRunner
from oar_conformance.families.assign.scenario import AssignScenario, QuotaRule, QuotaRules, Window
from oar_conformance.find_functions import LAST_BLOCKS_FIND
from oar_conformance.model import Group, Job, Level, Moldable, Platform, to_procset
from oar_conformance.oar_jobs import find_type
from oar_conformance.site import read_site

ASSIGN = "oar.assign_func"
ASSIGN_FAMILY = [inv for inv in by_group(ASSIGN) if inv.family == "assign"]
"""The per-job and per-schedule checks (the round family is proven in tests/db)."""
CONTRACT = [inv.id for inv in ASSIGN_FAMILY if inv.severity is Severity.CONTRACT]
CORRECT = ["sample_oar_default", "sample_latest_moldable", "sample_delegating_search"]
FAULTY = [
    ("bad_a1_empty_res_set", "A1"),
    ("bad_a2_ignores_dependencies", "A2"),
    ("bad_a3_ignores_occupation", "A3"),
    ("bad_a4_one_block_too_many", "A4"),
    ("bad_a5_no_split", "A5"),
    ("bad_a6_short_split", "A6"),
    ("bad_a7_random", "A7"),
    ("bad_a8_gives_up_when_busy", "A8"),
    ("bad_a9_never_schedules", "A9"),
]
FEATURES = ["A11", "A12"]
"""Invariants of OAR3's job features (quotas, find= jobs), drawn in a share of examples:
proven at the ci profile, the merge gate's budget."""
FAULTY_FEATURES = [("bad_a11_ignores_quotas", "A11"), ("bad_a12_ignores_find", "A12")]
SITE = read_site(Path(__file__).parents[1] / "samples" / "sites" / "assign.toml")

pytestmark = [pytest.mark.oar3, needs_oar3]


def test_every_assign_invariant_has_a_faulty_sample() -> None:
    faulty = FAULTY + FAULTY_FEATURES
    found = sorted([iid for _, iid in faulty] + ["A10"], key=lambda i: int(i[1:]))
    assert found == [inv.id for inv in ASSIGN_FAMILY]


def test_quadratic_plugin_is_too_slow_at_the_sites_size() -> None:
    failure = caught(ASSIGN, "bad_a10_quadratic", "A10", site=SITE)
    assert "over the budget of 0.05 s" in failure.violation.message


def test_oar3_default_is_within_the_sites_budget() -> None:
    check(ASSIGN, "sample_oar_default", "A10", site=SITE)


@pytest.mark.parametrize("invariant_id", CONTRACT)
@pytest.mark.parametrize("name", CORRECT)
def test_correct_plugins_pass_every_contract_invariant(name: str, invariant_id: str) -> None:
    check(ASSIGN, name, invariant_id)


@pytest.mark.parametrize(("name", "invariant_id"), FAULTY)
def test_faulty_plugin_caught_with_its_id(name: str, invariant_id: str) -> None:
    scenario = caught(ASSIGN, name, invariant_id).violation.scenario
    # Shrunk to something a person reads at a glance.
    assert len(scenario.jobs) <= 2, scenario
    assert len(scenario.busy) <= 1, scenario
    assert len(scenario.platform.resources) <= 16, scenario


@pytest.mark.parametrize("invariant_id", FEATURES)
@pytest.mark.parametrize("name", CORRECT)
def test_correct_plugins_pass_the_feature_invariants_at_ci(name: str, invariant_id: str) -> None:
    check(ASSIGN, name, invariant_id, profile="ci")


@pytest.mark.parametrize(("name", "invariant_id"), FAULTY_FEATURES)
def test_feature_faults_caught_at_ci(name: str, invariant_id: str) -> None:
    scenario = caught(ASSIGN, name, invariant_id, profile="ci").violation.scenario
    assert len(scenario.jobs) <= 2, scenario
    assert len(scenario.platform.resources) <= 16, scenario


def test_oar3_default_passes_the_advisory_a8() -> None:
    check(ASSIGN, "sample_oar_default", "A8")


# -- the adapter: OAR3 objects in, plain values out, nothing leaking between rounds -----

PLATFORM = Platform((Level("host", (frozenset({1, 2}), frozenset({3, 4}))),))
MAX_TIME = 2**31
"""Where OAR3's initial slot set ends."""


def one_host(mld_id: int, minutes: int = 1) -> Moldable:
    return Moldable(mld_id, 60 * minutes, (Group((("host", 1),), PLATFORM.resources),))


ROUND = AssignScenario(
    platform=PLATFORM,
    now=600,
    busy=(Window(600, 60, frozenset({1, 2, 3})),),
    jobs=(Job(1, (one_host(1),)), Job(2, (one_host(2),), dependencies=(1,))),
)
"""Host 1-2 and resource 3 taken during [600, 659]; job 2 waits for job 1."""


def oar_default(slots_set: Any, job: Any, hy: Any, min_start_time: int, *a: Any) -> None:
    oar3.scheduling().assign_resources_mld_job_split_slots(slots_set, job, hy, min_start_time)


def test_round_follows_oar3_time_conventions() -> None:
    """A window [600, 659] frees its resources at 660; a job of walltime w started at s
    occupies [s, s + w - 1]; a dependent job gets min_start_time s + w."""
    outcome = AssignRunner(oar_default).run(ROUND, {"repeat", "reference"})
    first, second = outcome.jobs
    assert first.placement == Placement(1, 660, 120, 1, frozenset({1, 2}))
    assert second.min_start_time == 780
    assert second.placement == Placement(2, 780, 120, 2, frozenset({1, 2}))
    assert first.before is not None
    assert second.after is not None
    assert [(r.begin, r.end, r.free) for r in first.before.slots] == [
        (600, 659, frozenset({4})),
        (660, MAX_TIME, PLATFORM.resources),
    ]
    assert sorted((r.begin, r.end, r.free) for r in second.after.slots) == [
        (600, 659, frozenset({4})),
        (660, 779, frozenset({3, 4})),
        (780, 899, frozenset({3, 4})),
        (900, MAX_TIME, PLATFORM.resources),
    ]
    assert outcome.repeat == outcome.placements == outcome.reference
    for invariant in ASSIGN_FAMILY:
        assert list(invariant.check(ROUND, outcome)) == [], invariant.id


def test_plugin_gets_oar3_arguments_and_the_job_attributes() -> None:
    seen: list[dict[str, Any]] = []

    def spy(slots_set: Any, job: Any, hy: Any, min_start_time: int, *a: Any, **kw: Any) -> None:
        seen.append(
            {
                "slot_set": type(slots_set).__name__,
                "job": type(job).__name__,
                "hy": hy,
                "min_start_time": min_start_time,
                "args": a,
                "kwargs": kw,
                "assign": job.assign,
                "find": job.find,
                "deps": job.deps,
                "key_cache": job.key_cache,
                "mld_res_rqts": job.mld_res_rqts,
            }
        )
        oar_default(slots_set, job, hy, min_start_time)

    AssignRunner(spy, ("x",), {"k": "v"}).run(ROUND)
    assert [s["min_start_time"] for s in seen] == [-1, 780]
    assert seen[0]["slot_set"] == "SlotSet"
    assert seen[0]["job"] == "JobPseudo"
    assert seen[0]["hy"] == PLATFORM.hy()
    assert (seen[0]["args"], seen[0]["kwargs"]) == (("x",), {"k": "v"})
    assert (seen[1]["assign"], seen[1]["find"]) == (True, False)
    assert seen[1]["deps"] == [(1, "Waiting", None)]
    assert seen[1]["mld_res_rqts"] == [(2, 120, [([("host", 1)], to_procset(PLATFORM.resources))])]
    assert seen[1]["key_cache"] == {2: "120" + str(seen[1]["mld_res_rqts"][0][2])}


def test_a_failed_call_ends_the_round() -> None:
    def raises_on_job_1(slots_set: Any, job: Any, *rest: Any) -> None:
        if job.id == 1:
            raise ValueError("no")

    outcome = AssignRunner(raises_on_job_1).run(ROUND)
    assert outcome.error is not None
    assert outcome.error.summary == "ValueError: no"
    assert [r.job_id for r in outcome.jobs] == [1]
    (violation,) = get("A1").check(ROUND, outcome)
    assert violation.message == "job 1: ValueError: no"


def test_a_hanging_call_is_a_timeout() -> None:
    def hangs(*args: Any) -> None:
        while True:
            time.sleep(0.01)

    outcome = AssignRunner(hangs, timeout=0.05).run(ROUND)
    assert outcome.error is not None
    assert outcome.error.kind == "timeout"


def test_wrong_types_are_read_back_not_crashed_on() -> None:
    def strings(slots_set: Any, job: Any, *rest: Any) -> None:
        job.start_time, job.res_set, job.moldable_id, job.walltime = "0", {1}, 1, 120

    outcome = AssignRunner(strings).run(replace(ROUND, jobs=ROUND.jobs[:1]))
    (result,) = outcome.jobs
    assert (result.start_time, result.res_set) == (None, None)
    assert result.bad_types == (
        "start_time is str '0', not an int",
        "res_set is set {1}, not a ProcSet",
    )
    assert get("A1").check(ROUND, outcome)


def test_oar3_choking_on_the_plugin_answer_is_reported() -> None:
    """Job 2 waits for job 1, whose start_time the plugin left as a string."""

    def strings(slots_set: Any, job: Any, *rest: Any) -> None:
        job.start_time, job.res_set, job.walltime = "0", to_procset({1}), 120

    outcome = AssignRunner(strings).run(ROUND)
    assert outcome.error is not None
    assert "OAR3's scheduling loop failed on what the plugin left in a job" in (
        outcome.error.summary
    )


def test_rounds_do_not_leak_oar3_state(capfd: pytest.CaptureFixture[str]) -> None:
    """Within a round a plugin's changes stay (as in OAR3); the next round starts clean."""
    sched = oar3.scheduling()
    before = (sched.Quotas.enabled, dict(sched.config), dict(sched.JobPseudo.key_cache))
    seen: list[bool] = []

    def vandal(slots_set: Any, job: Any, hy: Any, min_start_time: int, *a: Any) -> None:
        seen.append(sched.Quotas.enabled)
        sched.Quotas.enabled = True
        sched.config["SCHEDULER_LOG_JOB_SCHEDULING_TIME"] = "yes"
        sched.JobPseudo.key_cache["leak"] = 1
        sched.JobPseudo.types["leak"] = ""
        logging.getLogger("oar.kamelot").error("chatter")
        sched.Quotas.enabled = False
        oar_default(slots_set, job, hy, min_start_time)
        sched.Quotas.enabled = True

    runner = AssignRunner(vandal)
    runner.run(ROUND)
    runner.run(ROUND)
    assert seen == [False, True, False, True]  # each round starts neutral
    after = (sched.Quotas.enabled, dict(sched.config), dict(sched.JobPseudo.key_cache))
    assert after == before
    assert "leak" not in sched.JobPseudo.types
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")


# -- quotas and find= jobs: OAR3's own code asked, its state put back -------------------

TWO_NODES = Platform(
    (
        Level("host", (frozenset({1, 2}), frozenset({3, 4}))),
        Level("resource_id", tuple(frozenset({i}) for i in range(1, 5))),
    )
)
ONE_NODE = (Group((("host", 1),), TWO_NODES.resources),)
QUOTAS = AssignScenario(
    TWO_NODES,
    0,
    (),
    (Job(1, (Moldable(1, 60, ONE_NODE),)), Job(2, (Moldable(2, 60, ONE_NODE),))),
    quotas=QuotaRules((QuotaRule("*", "*", "*", "/", resources=2),)),
)
"""Two one-host jobs of alice, who may hold 2 resources at a time."""


def both_at_now(slots_set: Any, job: Any, hy: Any, min_start_time: int, *a: Any) -> None:
    """Both jobs at 0 on the first free host: ignores quotas."""
    mld_id, walltime, _ = job.mld_res_rqts[0]
    free = slots_set.slots[1].itvs
    res_set = next(b for b in hy["host"] if b.issubset(free))
    job.moldable_id, job.walltime, job.res_set, job.start_time = mld_id, walltime, res_set, 0
    left, right = slots_set.get_encompassing_slots(0, walltime - 1)
    slots_set.split_slots(left, right, job)


def test_quota_rounds_ask_oar3s_quota_check_and_leave_quotas_off() -> None:
    sched = oar3.scheduling()
    default = AssignRunner(oar_default).run(QUOTAS, {"reference"})
    assert [p.start_time for p in default.placements] == [0, 120]
    assert [r.quotas for r in default.jobs] == [QuotaCheck(True, 2), QuotaCheck(True, 2)]
    greedy = AssignRunner(both_at_now).run(QUOTAS)
    assert greedy.jobs[1].quotas == QuotaCheck(
        False,
        2,
        message="nb resources quotas failed",
        rule="*,*,*,/",
        limit=2,
        slot=(0, 119),
        usage=(
            QuotaUsage("*,*,*,alice", 2, 1),
            QuotaUsage("*,*,*,*", 2, 1),
            QuotaUsage("*,default,*,*", 2, 1),
        ),
    )
    (violation,) = get("A11").check(QUOTAS, greedy)
    assert violation.message.startswith("job 2 of alice (project default) breaks the quota rule")
    assert (sched.Quotas.enabled, sched.Quotas.default_rules, sched.Quotas.job_types) == (
        False,
        {},
        ["*"],
    )
    assert sched.ResourceSet.default_itvs == to_procset(())


def test_no_quotas_jobs_are_not_checked() -> None:
    exempt = replace(QUOTAS, jobs=tuple(replace(j, types={"no_quotas": ""}) for j in QUOTAS.jobs))
    outcome = AssignRunner(both_at_now).run(exempt)
    assert [r.quotas for r in outcome.jobs] == [None, None]
    assert list(get("A11").check(exempt, outcome)) == []


def test_find_jobs_get_their_function_and_its_answers_are_recorded() -> None:
    typed = {"find": LAST_BLOCKS_FIND + ":x"}
    scenario = replace(QUOTAS, quotas=None, jobs=(replace(QUOTAS.jobs[0], types=typed),))
    seen: list[tuple[Any, ...]] = []

    def spy(slots_set: Any, job: Any, hy: Any, min_start_time: int, *a: Any) -> None:
        seen.append((job.find, job.find_args, job.find_kwargs, job.types))
        oar_default(slots_set, job, hy, min_start_time)

    (result,) = AssignRunner(spy).run(scenario).jobs
    assert seen == [(True, ["x"], {}, {})]
    assert result.res_set == frozenset({3, 4})
    assert result.find is not None
    assert result.find.answers == (frozenset({3, 4}),)
    assert result.find.window == frozenset({3, 4})
    (ignored,) = AssignRunner(both_at_now).run(scenario).jobs
    assert ignored.find is not None
    assert (ignored.find.answers, ignored.find.window) == ((), frozenset({3, 4}))


@pytest.mark.parametrize("value", ["f", "f:x", "f:k=v", "f:=v:k=v=w:", "f::b"])
def test_find_types_read_as_oar3_reads_them(value: str) -> None:
    extract = oar3.import_module("oar.kao.helpers").extract_find_assign_args
    assert tuple(find_type({"find": value}) or ()) == extract(value)

"""Campaigns on a real OAR3 database: steps and ticks, blame, reproducers, PostgreSQL.

Hand-made campaigns on :func:`two_hosts` (hosts 1-2 and 3-4) check that each step and
tick goes through OAR3's own functions with the effect OAR3's modules have, that a
breach OAR3 alone also shows is set apart as an OAR3 finding, that a counterexample's
reproducer replays the campaign, and that C11 compares sqlite with PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _dbhelp import needs_oar3, needs_postgresql, two_hosts

from oar_conformance.catalogue import get
from oar_conformance.db import get_database
from oar_conformance.driver import CheckOptions, driver_for, run_check
from oar_conformance.errors import ConformanceFailure
from oar_conformance.families.campaigns.invariants import oar3_findings
from oar_conformance.families.campaigns.oar_campaign import run_campaign
from oar_conformance.families.campaigns.outcome import OAR3_ALONE, Trace
from oar_conformance.families.campaigns.render import campaign_case, render_campaign
from oar_conformance.families.campaigns.scenario import (
    CampaignScenario,
    Delete,
    End,
    Hold,
    QueueState,
    ResourceState,
    Resume,
    Submit,
    Wait,
)
from oar_conformance.families.rounds.oar_round import RoundPlugin
from oar_conformance.model import Group, Job, Moldable
from oar_conformance.plugins import METASCHED_GROUP, PluginSpec, load
from oar_conformance.profiles import Profile
from oar_conformance.reproducer import FailureContext

pytestmark = needs_oar3

PLATFORM = two_hosts()
HOST = Group((("host", 1),), PLATFORM.resources)
CORE = Group((("core", 1),), PLATFORM.resources)
BROKEN = Group((("host", 1),), frozenset(), "color='green'")
"""A request no resource matches: OAR3 never predicts such a job."""


def job(job_id: int, group: Group = CORE, walltime: int = 600, **kw: object) -> Job:
    return Job(job_id, (Moldable(job_id, walltime, (group,)),), **kw)  # type: ignore[arg-type]


def play(*steps: object, plugin: str | None = None) -> Trace:
    scenario = CampaignScenario(PLATFORM, tuple(steps))  # type: ignore[arg-type]
    round_plugin = None
    if plugin is not None:
        round_plugin = RoundPlugin(METASCHED_GROUP, load(PluginSpec(METASCHED_GROUP, plugin)))
    with get_database("sqlite").session() as session:
        trace, _ = run_campaign(session, scenario, round_plugin)
    return trace


def test_a_job_is_launched_runs_and_ends_through_oar3s_functions() -> None:
    trace = play(Submit(job(1)), Wait(60), End(1))

    first, second, third = trace.rounds
    assert first.state_of == {1: "toLaunch"}
    assert first.job(1).ids
    assert first.job(1).moldable == 1
    assert second.before == ((1, "Running"),)
    assert third.state_of == {1: "Terminated"}
    assert third.job(1).ids == frozenset()  # an ended job holds nothing


def test_walltime_expiry_frags_and_ends_a_job_in_error() -> None:
    trace = play(Submit(job(1, walltime=60)), Wait(60))

    assert trace.rounds[-1].before == ((1, "Error"),)


def test_hold_resume_and_delete_of_a_waiting_job() -> None:
    trace = play(
        Submit(job(1, HOST, 3600)),
        Submit(job(2, HOST, 3600)),
        Submit(job(3, HOST, 3600)),
        Hold(3),
        Resume(3),
        Delete(3),
        Wait(60),
    )

    states = [r.state_of.get(3) for r in trace.rounds]
    assert states == [None, None, "Waiting", "Hold", "Waiting", "Error", "Error"]
    assert trace.rounds[2].planned(3) is not None
    assert trace.rounds[3].planned(3) is None  # held: no prediction
    assert trace.rounds[5].before[-1] == (3, "Error")  # leon ended it before the round


def test_a_step_on_a_job_in_the_wrong_state_says_it_did_nothing() -> None:
    trace = play(End(7), Submit(job(1)), Resume(1))

    assert trace.rounds[0].note == "no effect: there is no job 7"
    assert trace.rounds[2].note == "no effect: job 1 is toLaunch"


def test_a_dead_resource_frags_its_jobs_and_a_stopped_queue_plans_nothing() -> None:
    trace = play(
        Submit(job(1, HOST, 3600)),
        ResourceState(1, "Dead"),
        QueueState("default", active=False),
        Submit(job(2)),
    )

    assert "fragged jobs [1]" in trace.rounds[1].note
    assert trace.rounds[1].state_of[1] == "Error"
    assert dict(trace.rounds[1].resources)[1] == "Dead"
    assert trace.rounds[3].state_of[2] == "Waiting"
    assert trace.rounds[3].planned(2) is None


def test_an_accepted_reservation_starts_at_its_time() -> None:
    trace = play(Submit(job(1, HOST, 600), reservation=180), Wait(60), Wait(60), Wait(60))

    accepted = trace.rounds[0]
    assert accepted.job(1).reservation == "Scheduled"
    planned = accepted.planned(1)
    assert planned is not None
    assert planned.start == 86_400 + 180
    assert [r.state_of[1] for r in trace.rounds] == ["Waiting", "Waiting", "toLaunch", "Running"]


def test_oar3s_own_breach_is_set_apart_as_an_oar3_finding() -> None:
    """OAR3 starts a job whose dependency can never be scheduled (C6): OAR3's, not the
    plugin's, whatever the plugin does."""
    scenario = CampaignScenario(
        PLATFORM, (Submit(job(1, BROKEN)), Submit(job(2, dependencies=(1,))))
    )
    invariant = get("C6")
    options = CheckOptions(example_database=None, group=METASCHED_GROUP)
    driver = driver_for(invariant, load(PluginSpec(METASCHED_GROUP, "sample_noop")), options)

    alone = driver.run(scenario, invariant.needs)
    confirmed = driver.run(scenario, invariant.needs | {OAR3_ALONE})

    assert invariant.check(scenario, alone), "the plugin's campaign shows the breach"
    assert invariant.check(scenario, confirmed) == []
    assert [i for i, _ in oar3_findings(scenario, confirmed)] == ["C6"]


def test_a_campaign_counterexample_renders_as_a_script_and_replays(tmp_path: Path) -> None:
    spec = PluginSpec(METASCHED_GROUP, "bad_c10_drops_slot_sets_after_an_end")
    scenario = CampaignScenario(
        PLATFORM, (Submit(job(1, walltime=60)), Wait(60), Submit(job(2, walltime=60)))
    )
    invariant = get("C10")
    options = CheckOptions(example_database=None, group=METASCHED_GROUP)
    driver = driver_for(invariant, load(spec), options)
    (violation,) = invariant.check(scenario, driver.run(scenario, invariant.needs))

    case, snippet = campaign_case(violation, FailureContext(spec, invariant, "pytest"))

    assert "1. t=86400  oarsub -q default -l /core=1,walltime=0:01:00  -> job 1" in case
    assert "round FAILED: OAR3's meta_schedule failed: KeyError" in case
    assert "gantt: job 1 [86460, 86579] on 1" in case
    path = tmp_path / "test_reproduce_c10.py"
    path.write_text(snippet)
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode != 0
    assert "ConformanceFailure: C10" in done.stderr
    fixed = snippet.replace("bad_c10_drops_slot_sets_after_an_end", "sample_noop")
    path.write_text(fixed)
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "conforms"


def test_render_shows_oar3s_campaign_where_it_differs() -> None:
    spec = PluginSpec(METASCHED_GROUP, "bad_c7_resumes_held")
    scenario = CampaignScenario(
        PLATFORM,
        (Submit(job(1, HOST, 3600)), Submit(job(2, HOST, 3600)), Submit(job(3, HOST)), Hold(3)),
    )
    invariant = get("C7")
    options = CheckOptions(example_database=None, group=METASCHED_GROUP)
    driver = driver_for(invariant, load(spec), options)
    outcome = driver.run(scenario, invariant.needs | invariant.confirm)

    text = render_campaign(scenario, outcome)

    assert "4. t=86580  oarhold 3" in text
    assert "the same campaign with OAR3's default in place of the plugin:" in text


@pytest.mark.postgresql
@needs_postgresql
def test_c11_catches_a_plugin_whose_sql_differs_on_postgresql() -> None:
    profile = Profile("c11", 30, 16, "c11", campaigns=20, campaign_steps=12)
    options = CheckOptions(profile=profile, seed=1, example_database=None)
    spec = PluginSpec(METASCHED_GROUP, "bad_c11_drains_by_like")

    with pytest.raises(ConformanceFailure) as info:
        run_check(spec, get("C11"), options)

    assert info.value.violation.kind == "resources"
    run_check(PluginSpec(METASCHED_GROUP, "sample_noop"), get("C11"), options)

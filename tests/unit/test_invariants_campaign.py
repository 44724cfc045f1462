"""Campaign invariants on hand-written traces (plain values, no OAR3), and campaign drawing.

Each check is proven on a trace that breaks it and one that does not; a breach the same
campaign shows under OAR3 alone (same invariant, kind and job) is not the plugin's.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oar_conformance import strategies as ost
from oar_conformance.catalogue import get
from oar_conformance.errors import UsageError
from oar_conformance.families.campaigns.invariants import oar3_findings
from oar_conformance.families.campaigns.outcome import (
    CampaignOutcome,
    JobRow,
    Planned,
    RoundRecord,
    Trace,
)
from oar_conformance.families.campaigns.scenario import (
    CampaignScenario,
    End,
    Hold,
    Submit,
    Wait,
)
from oar_conformance.model import Group, Job, Level, Moldable, Platform
from oar_conformance.outcome import PluginError

PLATFORM = Platform(
    (Level("host", (frozenset({1, 2}), frozenset({3, 4}))),),
)
CORE = Group((("host", 1),), PLATFORM.resources)
SCENARIO = CampaignScenario(
    PLATFORM,
    (
        Submit(Job(1, (Moldable(1, 600, (CORE,)),))),
        Submit(Job(2, (Moldable(2, 600, (CORE,)),), dependencies=(1,))),
        Hold(2),
    ),
)
QUEUES = (("admin", "Active"), ("besteffort", "Active"), ("default", "Active"))
RESOURCES = tuple((r, "Alive") for r in (1, 2, 3, 4))


def record(
    now: int,
    before: dict[int, str],
    jobs: list[JobRow],
    gantt: list[Planned] = (),  # type: ignore[assignment]
    **kw: object,
) -> RoundRecord:
    values: dict[str, object] = {
        "note": "",
        "now": now,
        "before": tuple(sorted(before.items())),
        "jobs": tuple(jobs),
        "gantt": tuple(gantt),
        "fragged": frozenset(),
        "new_frags": frozenset(),
        "resources": RESOURCES,
        "queues": QUEUES,
    }
    values.update(kw)
    return RoundRecord(**values)  # type: ignore[arg-type]


def running(job_id: int, ids: set[int], start: int = 100, state: str = "toLaunch") -> JobRow:
    return JobRow(job_id, state, start, job_id, frozenset(ids))


def outcome(*rounds: RoundRecord, oar3: Trace | None = None) -> CampaignOutcome:
    return CampaignOutcome(Trace(tuple(rounds)), oar3=oar3)


def breaches(invariant_id: str, observed: CampaignOutcome) -> list[str]:
    return [v.kind for v in get(invariant_id).check(SCENARIO, observed)]


def test_c1_two_running_jobs_on_one_resource() -> None:
    bad = outcome(record(100, {1: "Waiting", 2: "Waiting"}, [running(1, {1}), running(2, {1, 2})]))
    good = outcome(record(100, {1: "Waiting", 2: "Waiting"}, [running(1, {1}), running(2, {2})]))

    assert breaches("C1", bad) == ["shared"]
    assert breaches("C1", good) == []


def test_c1_reads_the_gantt_of_a_job_launched_without_resources() -> None:
    """The resources a launched job got from the gantt still count when none were recorded."""
    first = record(
        100,
        {1: "Waiting"},
        [replace(running(1, set()), ids=frozenset())],
        [Planned(1, 1, 100, frozenset({1}))],
    )
    second = record(
        160, {1: "Running", 2: "Waiting"}, [running(1, set(), state="Running"), running(2, {1})]
    )

    assert breaches("C1", outcome(first, second)) == ["shared"]
    assert breaches("C2", outcome(first, second)) == ["no-resources"]


def test_c2_a_launched_job_recorded_as_the_gantt_planned_it() -> None:
    planned = [Planned(1, 1, 100, frozenset({1, 2}))]
    good = record(100, {1: "Waiting"}, [running(1, {1, 2})], planned)
    moved = record(100, {1: "Waiting"}, [running(1, {3, 4})], planned)

    assert breaches("C2", outcome(good)) == []
    assert breaches("C2", outcome(moved)) == ["not-as-planned"]


def test_c3_a_running_job_that_moves_between_rounds() -> None:
    first = record(100, {1: "Waiting"}, [running(1, {1})])
    same = record(160, {1: "Running"}, [running(1, {1}, state="Running")])
    moved = record(160, {1: "Running"}, [running(1, {2}, state="Running")])

    assert breaches("C3", outcome(first, same)) == []
    assert breaches("C3", outcome(first, moved)) == ["moved"]


def test_c6_c7_c9_dependencies_transitions_and_holds() -> None:
    early = record(
        100, {1: "Running", 2: "Waiting"}, [running(1, {1}, state="Running"), running(2, {3})]
    )
    resumed = record(100, {2: "Hold"}, [JobRow(2, "Waiting", 0, 0, frozenset())])
    planned_held = record(
        100,
        {2: "Hold"},
        [JobRow(2, "Hold", 0, 0, frozenset())],
        [Planned(2, 2, 5000, frozenset({1}))],
    )

    assert breaches("C6", outcome(early)) == ["early"]
    assert breaches("C7", outcome(resumed)) == ["transition"]
    assert breaches("C9", outcome(planned_held)) == ["held"]


def test_a_breach_oar3_alone_shows_too_is_an_oar3_finding() -> None:
    early = record(
        100, {1: "Running", 2: "Waiting"}, [running(1, {1}, state="Running"), running(2, {3})]
    )
    observed = outcome(early, oar3=Trace((early,)))

    assert breaches("C6", observed) == []
    assert "C6" in [i for i, _ in oar3_findings(SCENARIO, observed)]


def test_a_breach_on_another_job_than_oar3s_stays_the_plugins() -> None:
    mine = record(
        100, {1: "Running", 2: "Waiting"}, [running(1, {1}, state="Running"), running(2, {3})]
    )
    theirs = record(100, {1: "Waiting", 2: "Waiting"}, [JobRow(1, "Waiting", 0, 0, frozenset())])

    assert breaches("C6", outcome(mine, oar3=Trace((theirs,)))) == ["early"]


def test_c10_leaves_the_plugin_s_own_failed_calls_to_its_family() -> None:
    """A call of the plugin that raised, hung or died is F6/A1/S4/M2/R1's: one bug, one id."""
    lost = CampaignOutcome(Trace(()), lost=PluginError("died", "the plugin's process ended"))
    raised = record(100, {1: "Waiting"}, [], error=PluginError("raised", "RuntimeError: no"))
    timeout = record(100, {1: "Waiting"}, [], error=PluginError("timeout", "no answer in 5 s"))

    assert breaches("C10", lost) == []
    assert breaches("C10", outcome(raised)) == []
    assert breaches("C10", outcome(timeout)) == []


def test_c10_reports_oar3_failing_on_what_the_rounds_left() -> None:
    failed = PluginError("raised", "KeyError: 'default'", oar3=True)
    broken = record(100, {1: "Waiting"}, [], error=failed)

    assert breaches("C10", outcome(broken)) == ["round-failed"]
    assert breaches("C10", outcome(broken, oar3=Trace((broken,)))) == []


def test_the_script_numbers_steps_with_their_times() -> None:
    scenario = CampaignScenario(
        PLATFORM, (Submit(SCENARIO.jobs[0], reservation=300), Wait(600), End(1))
    )

    assert scenario.script() == (
        "1. t=86400  oarsub -q default -l /host=1,walltime=0:10:00 -r 86700  -> job 1",
        "2. t=86460  wait 600 s",
        "3. t=87060  job 1 ends (exit 0)",
    )
    assert scenario.reservations() == {1: 86_700}


@settings(max_examples=60, deadline=None, database=None)
@given(ost.campaigns(max_resources=8, max_steps=10))
def test_drawn_campaigns_number_jobs_and_name_earlier_ones(scenario: CampaignScenario) -> None:
    ids = [job.id for job in scenario.jobs]
    assert ids == list(range(1, len(ids) + 1))
    assert 1 <= len(scenario.steps) <= 10
    assert len(scenario.platform.resources) >= 4  # bounds count rows of type default
    submitted: set[int] = set()
    for step in scenario.steps:
        if isinstance(step, Submit):
            assert set(step.job.dependencies) <= submitted
            assert ("besteffort" in step.job.types) == (step.job.queue == "besteffort")
            submitted.add(step.job.id)
        elif hasattr(step, "job"):
            assert step.job == 0 or step.job in submitted


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"max_steps": 0}, "max_steps=0"), ({"max_resources": 0}, "max_resources=0")],
)
def test_campaigns_reject_bad_bounds_naming_the_value(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ost.campaigns(**kwargs)


def test_campaigns_draw_plugin_jobs_when_asked() -> None:
    @settings(max_examples=10, deadline=None, database=None)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        scenario = data.draw(ost.campaigns(max_steps=4, plugin_jobs=True))
        assert scenario.plugin_jobs == frozenset(j.id for j in scenario.jobs)

    check()

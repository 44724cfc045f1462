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
from oar_conformance.families.campaigns.invariants import (
    DOWN_JOB,
    _round_scenario,
    oar3_findings,
)
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
from oar_conformance.families.rounds.outcome import GanttEntry, RoundOutcome
from oar_conformance.families.rounds.scenario import RoundScenario, RunningJob
from oar_conformance.model import Group, Job, Level, Moldable, Platform, Queue
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


def test_the_round_c4_judges_is_built_from_the_record_and_the_round_before() -> None:
    """Pins ``_round_scenario``: what R1 is handed for one campaign round (C4).

    Running: jobs 1 and 9 (launched with resources), the reservations 3 and 11 accepted
    earlier (11's planned moldable is not the job's: walltime 0) and the down resources 3
    and 4 (held by ``DOWN_JOB``); not job 2 (besteffort), job 7 (launched without
    resources) nor job 5 (waiting). Waiting: 3, 4, 5, 8, 10 and 11 in submission order.
    The gantt: the down resources first, then the record's order, running jobs with their
    own walltime, waiting ones with their planned moldable's (0 for an unknown one, job
    10), others with 0; the launched besteffort job 2 is left out.
    """
    forever = 10 * 365 * 86_400

    def job(job_id: int, *walltimes: int, queue: str = "default", **types: str) -> Job:
        moldables = tuple(Moldable(10 * job_id + i, w, (CORE,)) for i, w in enumerate(walltimes))
        return Job(job_id, moldables, queue=queue, types=types)

    jobs = [
        job(1, 600),
        job(2, 600, queue="besteffort", besteffort=""),
        job(3, 100, 300),
        job(4, 200, 400),
        job(5, 600),
        job(6, 600),
        job(7, 600),
        job(8, 600, queue="besteffort", besteffort=""),
        job(9, 60),
        job(10, 600),
        job(11, 600),
    ]
    scenario = CampaignScenario(
        PLATFORM, tuple(Submit(j) for j in jobs), config="cfg", job_security_time=7
    )
    previous = record(
        40,
        {},
        [
            JobRow(1, "Running", 50, 10, frozenset({1}), walltime=600),
            JobRow(2, "Running", 50, 20, frozenset({2})),
            JobRow(3, "Waiting", 700, 31, frozenset({3}), reservation="Scheduled"),
            JobRow(5, "Waiting", 0, 50, frozenset({3})),
            JobRow(7, "Running", 50, 70, frozenset()),
            JobRow(9, "Running", 50, 90, frozenset({2}), walltime=60),
            JobRow(11, "Waiting", 800, 110, frozenset({1}), reservation="Scheduled"),
        ],
    )
    before = {1: "Running", 2: "Running", 3: "Waiting", 4: "Waiting"}
    before |= {5: "Waiting", 6: "Terminated", 7: "Running", 8: "Waiting", 9: "Running"}
    before |= {10: "Waiting", 11: "Waiting"}
    current = record(
        100,
        before,
        [],
        [
            Planned(1, 10, 50, frozenset({1})),
            Planned(2, 20, 50, frozenset({2})),
            Planned(3, 31, 700, frozenset({3})),
            Planned(4, 41, 1000, frozenset({1, 2})),
            Planned(6, 60, 10, frozenset({3})),
            Planned(8, 80, 2000, frozenset({2})),
            Planned(10, 999, 3000, frozenset({1})),
            Planned(11, 998, 800, frozenset({1})),
        ],
        resources=((1, "Alive"), (2, "Absent"), (3, "Dead"), (4, "Suspected")),
        queues=(("admin", "Active"), ("default", "notActive")),
    )

    single, observed = _round_scenario(scenario, current, previous)

    assert single == RoundScenario(
        PLATFORM,
        100,
        (Queue("admin", 10), Queue("default", 2, "notActive"), Queue("besteffort", 0)),
        (
            RunningJob(1, "default", 50, 600, frozenset({1})),
            RunningJob(9, "default", 50, 60, frozenset({2})),
            RunningJob(3, "default", 700, 300, frozenset({3})),
            RunningJob(11, "default", 800, 0, frozenset({1})),
            RunningJob(DOWN_JOB, "admin", 100, forever, frozenset({3, 4})),
        ),
        (jobs[2], jobs[3], jobs[4], jobs[7], jobs[9], jobs[10]),
        "cfg",
        7,
    )
    assert observed == RoundOutcome(
        calls=(),
        gantt=(
            GanttEntry(DOWN_JOB, 0, 100, forever, frozenset({3, 4}), True),
            GanttEntry(1, 0, 50, 600, frozenset({1}), True),
            GanttEntry(3, 0, 700, 300, frozenset({3}), True),
            GanttEntry(4, 41, 1000, 400, frozenset({1, 2}), False),
            GanttEntry(6, 60, 10, 0, frozenset({3}), False),
            GanttEntry(8, 80, 2000, 600, frozenset({2}), False),
            GanttEntry(10, 999, 3000, 0, frozenset({1}), False),
            GanttEntry(11, 0, 800, 0, frozenset({1}), True),
        ),
        states=(),
        error=None,
    )
    first, _ = _round_scenario(scenario, replace(current, resources=RESOURCES), None)
    assert first.running == ()


def _reservation(job_id: int, state: str, reservation: str) -> JobRow:
    return JobRow(job_id, state, 0, 0, frozenset(), reservation=reservation)


def test_c13_a_reservation_decided_unlike_oar3() -> None:
    """Pins ``_decisions``: accepted when ``Scheduled``; refused when a reservation waiting at
    the round's start ends in Error (a job that is no reservation is never decided); the
    first round that decides counts, a later round decides the others."""
    before = {5: "Waiting", 6: "Waiting", 7: "Hold"}
    mine = record(
        100,
        before,
        [
            _reservation(5, "Waiting", "Scheduled"),
            _reservation(6, "Error", "toSchedule"),
            _reservation(7, "Error", "toSchedule"),
        ],
    )
    later = record(160, {5: "Waiting"}, [_reservation(5, "Error", "toSchedule")])
    theirs = record(
        100,
        before,
        [
            _reservation(5, "Error", "toSchedule"),
            _reservation(6, "Waiting", "Scheduled"),
            _reservation(7, "Waiting", "Scheduled"),
        ],
    )
    (breach,) = get("C13").check(SCENARIO, outcome(mine, later, oar3=Trace((theirs,))))
    assert breach.message == (
        "round after step 1: reservation 5 was accepted, OAR3's default refuses it"
    )
    assert (breach.received, breach.expected, breach.kind) == ("accepted", "refused", "decision")
    (breach,) = get("C13").check(SCENARIO, outcome(theirs, oar3=Trace((mine,))))
    assert breach.message == (
        "round after step 1: reservation 5 was refused, OAR3's default accepts it"
    )
    assert (breach.received, breach.expected) == ("refused", "accepted")
    assert list(get("C13").check(SCENARIO, outcome(mine, oar3=Trace((mine,))))) == []
    assert list(get("C13").check(SCENARIO, outcome(mine))) == []
    second = record(
        160,
        {4: "Waiting", 5: "Waiting", 8: "Waiting"},
        [
            _reservation(4, "Error", "None"),
            _reservation(5, "Waiting", "Scheduled"),
            _reservation(8, "Waiting", "Scheduled"),
        ],
    )
    refused_8 = record(
        100,
        {5: "Waiting", 8: "Waiting"},
        [
            _reservation(5, "Waiting", "Scheduled"),
            _reservation(8, "Error", "toSchedule"),
            _reservation(4, "Waiting", "Scheduled"),
        ],
    )
    (breach,) = get("C13").check(SCENARIO, outcome(mine, second, oar3=Trace((refused_8,))))
    assert breach.message == (
        "round after step 2: reservation 8 was accepted, OAR3's default refuses it"
    )


def test_c11_shows_both_tables_cut_to_a_readable_length() -> None:
    """Pins ``_short``: a table's text is cut to 160 characters, ending in ``...``."""
    rows = [running(i, {1}) for i in range(1, 9)]
    mine = record(100, {1: "Waiting"}, rows)
    theirs = record(100, {1: "Waiting"}, rows[:1])
    observed = CampaignOutcome(Trace((mine,)), other=Trace((theirs,), db="postgresql"))
    (breach,) = get("C11").check(SCENARIO, observed)
    assert breach.message == "round after step 1: table jobs differs between sqlite and postgresql"
    assert breach.kind == "jobs"
    assert breach.received == "sqlite: " + repr(tuple(rows))[:157] + "..."
    assert breach.expected == f"as on postgresql: {tuple(rows[:1])!r}"
    assert len(repr(tuple(rows[:1]))) <= 160
    queues = (("q" * 143, "Active"),)
    assert len(repr(queues)) == 160
    (breach,) = get("C11").check(
        SCENARIO,
        CampaignOutcome(
            Trace((replace(mine, queues=queues),)),
            other=Trace((replace(mine, queues=()),), db="postgresql"),
        ),
    )
    assert breach.received == f"sqlite: {queues!r}", "160 characters are shown whole"


def test_c1_names_the_round_and_reads_every_launched_job() -> None:
    """Pins ``_held``: rounds numbered from 1, every launched row read (rows in other
    states skipped, not ending the round), a launched job with no resources holding none."""
    fine = record(
        100, {1: "Waiting"}, [JobRow(9, "Waiting", 0, 0, frozenset({1})), running(5, {1})]
    )
    rows = [JobRow(9, "Waiting", 0, 0, frozenset()), running(5, {1}), running(3, set())]
    shared = record(160, {5: "Running", 6: "Waiting"}, [*rows, running(6, {1})])
    (breach,) = get("C1").check(SCENARIO, outcome(fine, shared))
    assert breach.message == "round after step 2: jobs 5 and 6 both run on 1"
    assert breach.kind == "shared"


def test_c10_says_which_round_failed_and_how() -> None:
    """Pins ``_c10_rule`` and ``_finding``: the step, the error's first line, its kind."""
    fine = record(100, {1: "Waiting"}, [])
    failed = PluginError("raised", "KeyError: 'default'\nmore lines", oar3=True)
    broken = record(160, {1: "Waiting"}, [], error=failed)
    (breach,) = get("C10").check(SCENARIO, outcome(fine, broken))
    assert breach.message == "round after step 2: the round failed: KeyError: 'default'"
    assert (breach.received, breach.expected, breach.kind) == (
        "raised",
        "a round that completes",
        "round-failed",
    )

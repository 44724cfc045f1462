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
from oar_conformance.hierarchy import UNDECIDED_SPLIT
from oar_conformance.model import Group, Job, Level, Moldable, Platform, Queue
from oar_conformance.outcome import PluginError
from oar_conformance.violations import Breach, Unjudged

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


# -- every field of each rule's breach -----------------------------------------------------


def judged(
    invariant_id: str, observed: CampaignOutcome, scenario: CampaignScenario = SCENARIO
) -> list[object]:
    return list(get(invariant_id).judge(scenario, observed))


def finding(message: str, received: str, expected: str, kind: str, step: int = 1) -> Breach:
    return Breach(f"round after step {step}: {message}", received, expected, kind)


def test_c1_names_the_first_pair_of_jobs_sharing_a_resource() -> None:
    rows = [running(3, {1, 2}), running(1, {3}), running(2, {2, 3})]
    assert judged("C1", outcome(record(100, {1: "Waiting", 2: "Waiting", 3: "Waiting"}, rows))) == [
        finding(
            "jobs 1 and 2 both run on 3",
            "3 held by jobs 1 and 2",
            "each resource held by one running job",
            "shared",
        )
    ]


def test_c2_says_what_a_launched_job_lacks_or_where_it_went() -> None:
    waiting = {1: "Waiting"}
    planned = [Planned(1, 1, 100, frozenset({1, 2}))]
    launched = "the resources it was launched on"
    assert judged("C2", outcome(record(100, waiting, [running(1, set())]))) == [
        finding(
            "job 1 is toLaunch with no assigned resources",
            "no assigned_resources rows",
            launched,
            "no-resources",
        )
    ]
    no_moldable = JobRow(1, "Running", 100, 0, frozenset({1}))
    assert judged("C2", outcome(record(100, waiting, [no_moldable]))) == [
        finding(
            "job 1 is Running with no assigned moldable",
            "assigned_moldable_job 0",
            "the moldable it was launched with",
            "no-moldable",
        )
    ]
    gantt = "the gantt's rows, from the round's time 100"
    assert judged("C2", outcome(record(100, waiting, [running(1, {3, 4})], planned))) == [
        finding(
            "job 1 launched on 3-4 from 100, gantt: 1-2",
            "assigned 3-4 from 100",
            gantt,
            "not-as-planned",
        )
    ]
    late = running(1, {1, 2}, start=160)
    assert judged("C2", outcome(record(100, waiting, [late], planned))) == [
        finding(
            "job 1 launched on 1-2 from 160, gantt: 1-2",
            "assigned 1-2 from 160",
            gantt,
            "not-as-planned",
        )
    ]
    assert judged("C2", outcome(record(100, waiting, [running(1, {1, 2})]))) == [
        finding(
            "job 1 launched on 1-2 from 100, gantt: not in the gantt",
            "assigned 1-2 from 100",
            gantt,
            "not-as-planned",
        )
    ]
    already = record(100, {1: "Running"}, [running(1, {1, 2}, start=5, state="Running")])
    assert judged("C2", outcome(already)) == [], "launched earlier: no plan to compare with"


def test_c3_says_where_a_running_job_was_and_went() -> None:
    first = record(100, {1: "Waiting"}, [running(1, {1})])
    moved = record(160, {1: "Running"}, [running(1, {2}, start=120, state="Running")])
    assert judged("C3", outcome(first, moved)) == [
        finding(
            "running job 1 moved from 1 at 100 to 2 at 120",
            "2 from 120",
            "1 from 100, where it runs",
            "moved",
            step=2,
        )
    ]


def test_c4_gives_r1_s_breach_with_the_round() -> None:
    """Pins ``c4_rounds_valid``: R1's breach of the round built from the record, marks
    and all, named after its step."""
    both = {1: "Waiting", 2: "Waiting"}
    overlap = [Planned(1, 1, 200, frozenset({1, 2})), Planned(2, 2, 700, frozenset({1, 2}))]
    assert judged("C4", outcome(record(100, both, [], overlap))) == [
        Breach(
            "round after step 1: job 1 [200, 859] and job 2 [700, 1359] share 1-2",
            "1-2 used twice at once",
            "no resource held by two jobs at the same second",
            "overlap",
            {"clash": frozenset({1, 2})},
        )
    ]
    after = [Planned(1, 1, 200, frozenset({1, 2})), Planned(2, 2, 861, frozenset({1, 2}))]
    assert judged("C4", outcome(record(100, both, [], after))) == []
    short = [Planned(1, 1, 200, frozenset({1}))]
    assert judged("C4", outcome(record(100, {1: "Waiting"}, [], short))) == [
        Breach(
            "round after step 1: job 1: 1 does not satisfy /host=1,walltime=0:10:00",
            "resources 1",
            "resources matching /host=1,walltime=0:10:00",
            "request",
            {"clash": frozenset({1})},
        )
    ]


def _reserved(state: str = "Waiting", *ids: int, start: int = 0) -> JobRow:
    return JobRow(1, state, start, 1 if ids else 0, frozenset(ids), reservation="Scheduled")


ACCEPTED = record(100, {1: "Waiting"}, [_reserved()], [Planned(1, 1, 500, frozenset({1, 2}))])
"""Reservation 1 accepted in the first round: 1-2 at 500."""


def test_c5_a_reservation_moved_or_dropped_from_the_gantt() -> None:
    moved = record(160, {1: "Waiting"}, [_reserved()], [Planned(1, 1, 600, frozenset({1, 2}))])
    expected = "1-2 at 500"
    message = "reservation 1 accepted for 1-2 at 500 is now planned: "
    assert judged("C5", outcome(ACCEPTED, moved)) == [
        finding(message + "1-2 at 600", "1-2 at 600", expected, "moved", step=2)
    ]
    dropped = record(160, {1: "Waiting"}, [_reserved()])
    assert judged("C5", outcome(ACCEPTED, dropped)) == [
        finding(message + "none", "none", expected, "moved", step=2)
    ]


def test_c5_a_reservation_not_launched_at_its_start() -> None:
    due = record(500, {1: "Waiting"}, [_reserved()], ACCEPTED.gantt)
    assert judged("C5", outcome(ACCEPTED, due)) == [
        finding(
            "reservation 1 for 500 still waits at 500 with 1-2 Alive",
            "Waiting at 500",
            "launched in the first round at or after 500",
            "late",
            step=2,
        )
    ]
    assert judged("C5", outcome(ACCEPTED, replace(due, now=499))) == [], "not yet due"
    busy = replace(due, jobs=(_reserved(), running(2, {2})))
    assert judged("C5", outcome(ACCEPTED, busy)) == [], "a job still holds 2"
    absent = ((1, "Alive"), (2, "Absent"), (3, "Alive"), (4, "Alive"))
    assert judged("C5", outcome(ACCEPTED, replace(due, resources=absent))) == []
    launched = replace(due, jobs=(_reserved("toLaunch", 1, 2, start=500),))
    assert judged("C5", outcome(ACCEPTED, launched)) == []
    ended = replace(due, jobs=(_reserved("Error"),), gantt=())
    assert judged("C5", outcome(ACCEPTED, ended)) == [], "an ended reservation is not judged"


def test_c6_names_the_dependency_and_its_state() -> None:
    early = record(100, {1: "Hold", 2: "Waiting"}, [running(2, {3})])
    assert judged("C6", outcome(early)) == [
        finding(
            "job 2 started while job 1 it depends on was Hold",
            "job 2 toLaunch",
            "job 2 waiting until job 1 ends",
            "early",
        )
    ]
    done = record(100, {1: "Terminated", 2: "Waiting"}, [running(2, {3})])
    assert judged("C6", outcome(done)) == []


def test_c7_names_the_state_change() -> None:
    launching = "launching (Waiting -> toLaunch) or settling a reservation"
    resumed = record(100, {2: "Hold"}, [JobRow(2, "Waiting", 0, 0, frozenset())])
    assert judged("C7", outcome(resumed)) == [
        finding(
            "job 2 went from Hold to Waiting in the round",
            "Hold -> Waiting",
            launching,
            "transition",
        )
    ]
    gone = record(100, {2: "Waiting"}, [])
    assert judged("C7", outcome(gone)) == [
        finding(
            "job 2 went from Waiting to deleted in the round",
            "Waiting -> deleted",
            launching,
            "transition",
        )
    ]
    refused = record(100, {2: "Waiting"}, [JobRow(2, "Error", 0, 0, frozenset())])
    assert judged("C7", outcome(refused)) == []
    ended = record(100, {2: "Running"}, [JobRow(2, "Terminated", 0, 0, frozenset())])
    assert judged("C7", outcome(ended))[0].received == "Running -> Terminated"  # type: ignore[attr-defined]
    failed = replace(ended, error=PluginError("raised", "E: x"))
    assert judged("C7", outcome(failed)) == [], "a failed round is C10's"


BESTEFFORT = CampaignScenario(
    PLATFORM,
    (
        Submit(Job(1, (Moldable(1, 600, (CORE,)),), queue="besteffort", types={"besteffort": ""})),
        Submit(Job(2, (Moldable(2, 600, (CORE,)),))),
    ),
)
"""Job 1 besteffort, job 2 not; the security time is 60 s."""


def _fragged(job_id: int, *gantt: Planned) -> CampaignOutcome:
    row = running(job_id, {1, 2}, state="Running")
    frags = frozenset({job_id})
    return outcome(record(100, {job_id: "Running"}, [row], list(gantt), new_frags=frags))


def test_c8_a_frag_of_a_job_not_besteffort_or_not_needed() -> None:
    def due(start: int) -> Planned:
        return Planned(2, 2, start, frozenset({1, 2}))

    assert judged("C8", _fragged(1, due(160)), BESTEFFORT) == [], "job 2 starts within 60 s"
    needless = finding(
        "the round fragged besteffort job 1 on 1-2, which no job needs now",
        "job 1 fragged",
        "a job planned on its resources within the security time",
        "needless",
    )
    assert judged("C8", _fragged(1, due(161)), BESTEFFORT) == [needless]
    elsewhere = Planned(2, 2, 100, frozenset({3, 4}))
    assert judged("C8", _fragged(1, elsewhere), BESTEFFORT) == [needless]
    assert judged("C8", _fragged(2), BESTEFFORT) == [
        finding(
            "the round fragged job 2, which is not besteffort",
            "job 2 fragged",
            "only besteffort jobs fragged",
            "not-besteffort",
        )
    ]
    unknown = outcome(record(100, {}, [], new_frags=frozenset({7})))
    assert judged("C8", unknown, BESTEFFORT)[0].message == (  # type: ignore[attr-defined]
        "round after step 1: the round fragged job 7, which is not besteffort"
    )


def test_c9_names_why_a_planned_job_should_not_be() -> None:
    planned = [Planned(2, 2, 5000, frozenset({1}))]
    held = record(100, {2: "Hold"}, [JobRow(2, "Hold", 0, 0, frozenset())], planned)
    assert judged("C9", outcome(held)) == [
        finding(
            "job 2 is held but is planned at 5000 on 1",
            "a prediction at 5000",
            "no prediction",
            "held",
        )
    ]
    stopped = (("admin", "Active"), ("default", "notActive"))
    waiting = record(
        100, {2: "Waiting"}, [JobRow(2, "Waiting", 0, 0, frozenset())], planned, queues=stopped
    )
    assert judged("C9", outcome(waiting)) == [
        finding(
            "job 2 waits in stopped queue default but is planned at 5000 on 1",
            "a prediction at 5000",
            "no prediction",
            "stopped-queue",
        )
    ]
    reservation = JobRow(2, "Waiting", 0, 0, frozenset(), reservation="Scheduled")
    assert judged("C9", outcome(replace(waiting, jobs=(reservation,)))) == []


def test_c11_says_which_database_failed_and_which_ran_longer() -> None:
    fine = record(100, {1: "Waiting"}, [])
    failed = record(160, {1: "Waiting"}, [], error=PluginError("raised", "E: x", oar3=True))

    def c11(mine: tuple[RoundRecord, ...], theirs: tuple[RoundRecord, ...]) -> list[object]:
        return judged("C11", CampaignOutcome(Trace(mine), other=Trace(theirs, db="postgresql")))

    same = "the same outcome on both databases"
    assert c11((fine, failed), (fine, fine)) == [
        Breach("round after step 2 fails on sqlite only", "a failure on sqlite", same, "error")
    ]
    assert c11((fine, fine), (fine, failed)) == [
        Breach(
            "round after step 2 fails on postgresql only", "a failure on postgresql", same, "error"
        )
    ]
    assert c11((fine, fine), (fine,)) == [
        Breach("the campaign ran 2 rounds on sqlite and 1 on postgresql", kind="length")
    ]
    assert c11((fine,), (fine, fine)) == [
        Breach("the campaign ran 1 round on sqlite and 2 on postgresql", kind="length")
    ]
    for table, changed in [
        ("gantt", replace(fine, gantt=(Planned(1, 1, 200, frozenset({1})),))),
        ("frag_jobs", replace(fine, fragged=frozenset({1}))),
        ("resources", replace(fine, resources=())),
        ("queues", replace(fine, queues=())),
    ]:
        (breach,) = c11((fine, fine), (fine, changed))
        assert (
            breach.message
            == f"round after step 2: table {table} differs between sqlite and postgresql"
        )  # type: ignore[attr-defined]
        assert breach.kind == table  # type: ignore[attr-defined]
    assert c11((fine, failed), (fine, failed)) == []
    assert judged("C11", outcome(fine)) == [], "no other database's campaign"


def test_c12_a_job_left_without_prediction_round_after_round() -> None:
    rows = [JobRow(1, "Waiting", 0, 0, frozenset()), JobRow(2, "Waiting", 0, 0, frozenset())]
    waiting = record(100, {1: "Waiting", 2: "Waiting"}, rows)
    assert judged("C12", outcome(waiting, waiting)) == []
    assert judged("C12", outcome(waiting, waiting, waiting)) == [
        finding(
            "job 1 has waited 3 rounds with no prediction",
            "no prediction for 3 rounds",
            "a prediction within 2 rounds",
            "starved",
            step=3,
        )
    ]
    predicted = replace(waiting, gantt=(Planned(1, 1, 900, frozenset({1})),))
    assert judged("C12", outcome(waiting, waiting, predicted)) == []
    assert judged("C12", outcome(waiting, predicted, waiting, waiting)) == [], "counted again"
    stopped = replace(waiting, queues=(("admin", "Active"), ("default", "notActive")))
    assert judged("C12", outcome(stopped, stopped, stopped)) == []


def test_c4_keeps_the_first_round_it_cannot_judge_unless_a_later_one_breaks_r1() -> None:
    """Pins ``_plugins``' unjudged reason: a campaign rule that cannot judge one round
    says which (the first), and a breach in a later round still counts."""
    hosts = Platform((Level("host", tuple(frozenset({i}) for i in range(1, 3001))),))
    everything = hosts.resources
    halves = (Group((("host", 1500),), everything), Group((("host", 1501),), everything))
    scenario = CampaignScenario(
        hosts, tuple(Submit(Job(i, (Moldable(i, 600, halves),))) for i in (1, 2))
    )
    alive = tuple((r, "Alive") for r in sorted(everything))
    undecided = record(100, {1: "Waiting"}, [], [Planned(1, 1, 200, everything)], resources=alive)
    later = replace(undecided, now=160, before=((1, "Waiting"), (2, "Waiting")))
    assert judged("C4", outcome(undecided, replace(later, gantt=undecided.gantt)), scenario) == [
        Unjudged(f"round after step 1: {UNDECIDED_SPLIT}")
    ]
    both = (Planned(1, 1, 200, everything), Planned(2, 2, 300, everything))
    (breach,) = judged("C4", outcome(undecided, replace(later, gantt=both)), scenario)
    assert isinstance(breach, Breach)
    assert (breach.kind, breach.message[:50]) == (
        "overlap",
        "round after step 2: job 1 [200, 859] and job 2 [30",
    )


def test_c4_judges_a_round_that_planned_a_held_job() -> None:
    """The round R1 is handed holds the waiting jobs only: a held job the plugin planned
    is a gantt entry of no waiting job (bad_c9_plans_held's campaign once ended C4 with a
    KeyError, reported as an error of the kit)."""
    held = record(
        100,
        {1: "Waiting", 2: "Hold"},
        [JobRow(2, "Hold", 0, 0, frozenset())],
        [Planned(2, 2, 5000, frozenset({1, 2}))],
    )
    assert judged("C4", outcome(held)) == [
        Breach(
            "round after step 1: the gantt holds a moldable that belongs to no waiting job (job 2)",
            "job 2, moldable 2",
            "only moldables of the scenario's jobs",
            "unknown-job",
            {"clash": frozenset({1, 2})},
        )
    ]


# -- a breach OAR3 alone shows on another job (or with another kind) stays the plugin's ----

PLAIN = Moldable(1, 600, (CORE,))
MATCHING = CampaignScenario(
    PLATFORM,
    (
        *(Submit(Job(i, (replace(PLAIN, id=i),))) for i in (1, 2, 3)),
        *(
            Submit(Job(i, (replace(PLAIN, id=i),), queue="besteffort", types={"besteffort": ""}))
            for i in (4, 7)
        ),
        *(Submit(Job(i, (replace(PLAIN, id=i),), dependencies=(1,))) for i in (5, 6)),
    ),
)
"""Jobs 1-3 plain, 4 and 7 besteffort, 5 and 6 depending on job 1."""


def _launched_on(*pairs: tuple[int, set[int]]) -> RoundRecord:
    before = dict.fromkeys((j for j, _ in pairs), "Waiting")
    return record(100, before, [running(j, ids) for j, ids in pairs])


def _no_resources(job_id: int) -> RoundRecord:
    return record(100, {job_id: "Waiting"}, [running(job_id, set())])


def _no_moldable(job_id: int) -> RoundRecord:
    return record(100, {job_id: "Waiting"}, [JobRow(job_id, "toLaunch", 100, 0, frozenset({1}))])


def _unplanned(job_id: int) -> RoundRecord:
    return record(100, {job_id: "Waiting"}, [running(job_id, {1})])


def _moved(job_id: int) -> tuple[RoundRecord, ...]:
    return (
        record(
            100,
            {job_id: "Waiting"},
            [running(job_id, {1})],
            [Planned(job_id, job_id, 100, frozenset({1}))],
        ),
        record(160, {job_id: "Running"}, [running(job_id, {2}, state="Running")]),
    )


def _reservation_moved(job_id: int) -> tuple[RoundRecord, ...]:
    row = JobRow(job_id, "Waiting", 0, 0, frozenset(), reservation="Scheduled")
    first = record(
        100, {job_id: "Waiting"}, [row], [Planned(job_id, job_id, 500, frozenset({1, 2}))]
    )
    return first, replace(first, now=160, gantt=())


def _reservation_late(job_id: int) -> tuple[RoundRecord, ...]:
    first = _reservation_moved(job_id)[0]
    return first, replace(first, now=500)


def _early(job_id: int) -> RoundRecord:
    return record(100, {1: "Waiting", job_id: "Waiting"}, [running(job_id, {3})])


def _changed(job_id: int, state: str, new: str) -> RoundRecord:
    return record(100, {job_id: state}, [JobRow(job_id, new, 0, 0, frozenset())])


def _frag_of(job_id: int) -> RoundRecord:
    row = running(job_id, {1, 2}, state="Running")
    return record(100, {job_id: "Running"}, [row], new_frags=frozenset({job_id}))


def _held(job_id: int) -> RoundRecord:
    row = JobRow(job_id, "Hold", 0, 0, frozenset())
    return record(100, {job_id: "Hold"}, [row], [Planned(job_id, job_id, 900, frozenset({1}))])


def _starved(job_id: int) -> tuple[RoundRecord, ...]:
    waiting = record(100, {job_id: "Waiting"}, [JobRow(job_id, "Waiting", 0, 0, frozenset())])
    return (waiting, waiting, waiting)


def _overlap() -> RoundRecord:
    both = [Planned(1, 1, 200, frozenset({1, 2})), Planned(2, 2, 700, frozenset({1, 2}))]
    return record(100, {1: "Waiting", 2: "Waiting"}, [], both)


def _short() -> RoundRecord:
    return record(100, {1: "Waiting"}, [], [Planned(1, 1, 200, frozenset({1}))])


def _trace(rounds: RoundRecord | tuple[RoundRecord, ...]) -> Trace:
    return Trace(rounds if isinstance(rounds, tuple) else (rounds,))


@pytest.mark.parametrize(
    ("invariant_id", "mine", "theirs"),
    [
        ("C1", _launched_on((1, {1}), (2, {1})), _launched_on((1, {1}), (3, {1}))),
        ("C1", _launched_on((1, {1}), (3, {1})), _launched_on((2, {1}), (3, {1}))),
        ("C2", _no_resources(1), _no_resources(2)),
        ("C2", _no_moldable(1), _no_moldable(2)),
        ("C2", _unplanned(1), _unplanned(2)),
        ("C3", _moved(1), _moved(2)),
        ("C4", _overlap(), _short()),
        ("C5", _reservation_moved(1), _reservation_moved(2)),
        ("C5", _reservation_late(1), _reservation_late(2)),
        ("C6", _early(5), _early(6)),
        ("C7", _changed(1, "Hold", "Waiting"), _changed(2, "Hold", "Waiting")),
        ("C7", _changed(1, "Hold", "Waiting"), _changed(1, "Running", "Waiting")),
        ("C7", _changed(1, "Hold", "Waiting"), _changed(1, "Hold", "Terminated")),
        ("C8", _frag_of(1), _frag_of(2)),
        ("C8", _frag_of(4), _frag_of(7)),
        ("C9", _held(1), _held(2)),
        ("C12", _starved(1), _starved(2)),
    ],
)
def test_a_breach_unlike_oar3_alones_stays_the_plugins(
    invariant_id: str,
    mine: RoundRecord | tuple[RoundRecord, ...],
    theirs: RoundRecord | tuple[RoundRecord, ...],
) -> None:
    """Pins each rule's subject: OAR3 alone breaking the rule on another job, between
    other jobs, from or to another state, or with another kind, leaves the plugin's
    breach its own; the same breach under OAR3 alone is OAR3's."""
    alone = judged(invariant_id, CampaignOutcome(_trace(mine)), MATCHING)
    assert len(alone) == 1
    assert isinstance(alone[0], Breach)
    other = CampaignOutcome(_trace(mine), oar3=_trace(theirs))
    assert judged(invariant_id, other, MATCHING) == alone
    assert [i for i, _ in oar3_findings(MATCHING, other)].count(invariant_id) == 1
    same = CampaignOutcome(_trace(mine), oar3=_trace(mine))
    assert judged(invariant_id, same, MATCHING) == []


def test_c5_judges_accepted_reservations_only_and_each_of_them() -> None:
    plain = record(100, {2: "Waiting"}, [JobRow(2, "Waiting", 0, 0, frozenset())])
    planned = replace(plain, gantt=(Planned(2, 2, 500, frozenset({1, 2})),))
    moved = replace(planned, now=160, gantt=(Planned(2, 2, 600, frozenset({1, 2})),))
    assert judged("C5", outcome(planned, moved)) == [], "job 2 is no reservation"
    first = replace(ACCEPTED, jobs=(JobRow(2, "Waiting", 0, 0, frozenset()), *ACCEPTED.jobs))
    dropped = record(160, {1: "Waiting"}, [JobRow(2, "Waiting", 0, 0, frozenset()), _reserved()])
    assert [b.kind for b in judged("C5", outcome(first, dropped))] == ["moved"]  # type: ignore[attr-defined]


def test_c5_a_reservation_is_late_whatever_else_holds_other_resources() -> None:
    """Only launched jobs on its own resources excuse it; all of the Alive ones may be its."""
    due = record(500, {1: "Waiting"}, [_reserved()], ACCEPTED.gantt)
    ended = JobRow(3, "Terminated", 100, 3, frozenset({1}))
    elsewhere = running(2, {3})
    late = judged("C5", outcome(ACCEPTED, due))
    assert len(late) == 1
    assert judged("C5", outcome(ACCEPTED, replace(due, jobs=(_reserved(), ended)))) == late
    assert judged("C5", outcome(ACCEPTED, replace(due, jobs=(_reserved(), elsewhere)))) == late
    only_its_own = ((1, "Alive"), (2, "Alive"), (3, "Absent"), (4, "Absent"))
    assert judged("C5", outcome(ACCEPTED, replace(due, resources=only_its_own))) == late


def test_c6_judges_only_jobs_the_round_launched() -> None:
    still_waiting = record(
        100, {1: "Waiting", 5: "Waiting"}, [JobRow(5, "Waiting", 0, 0, frozenset())]
    )
    assert judged("C6", outcome(still_waiting), MATCHING) == []
    running_before = record(100, {1: "Waiting", 5: "Running"}, [running(5, {3}, state="Running")])
    assert judged("C6", outcome(running_before), MATCHING) == []


def test_c2_and_c9_read_every_job_of_the_round() -> None:
    """A job they pass over (not launched, launched earlier, not planned, planned and
    waiting) does not end the round's check."""
    waiting = JobRow(3, "Waiting", 0, 0, frozenset())
    earlier = running(2, {3}, state="Running")
    for passed in (waiting, earlier):
        round_ = record(
            100, {1: "Waiting", 2: "Running", 3: "Waiting"}, [passed, running(1, set())]
        )
        assert [b.kind for b in judged("C2", outcome(round_), MATCHING)] == ["no-resources"]  # type: ignore[attr-defined]
    planned_waiting = Planned(3, 3, 900, frozenset({3}))
    held = _held(1)
    for first, gantt in ((waiting, held.gantt), (waiting, (planned_waiting, *held.gantt))):
        round_ = replace(held, jobs=(first, *held.jobs), gantt=gantt)
        assert [b.kind for b in judged("C9", outcome(round_), MATCHING)] == ["held"]  # type: ignore[attr-defined]


def test_c8_a_frag_of_a_job_the_round_no_longer_lists() -> None:
    gone = record(100, {4: "Running"}, [], new_frags=frozenset({4}))
    assert judged("C8", outcome(gone), MATCHING) == [
        finding(
            "the round fragged besteffort job 4 on -, which no job needs now",
            "job 4 fragged",
            "a job planned on its resources within the security time",
            "needless",
        )
    ]


def test_c12_counts_a_job_whose_dependencies_ended() -> None:
    rows = [JobRow(1, "Terminated", 0, 1, frozenset()), JobRow(5, "Waiting", 0, 0, frozenset())]
    waiting = record(100, {1: "Terminated", 5: "Waiting"}, rows)
    assert [b.kind for b in judged("C12", outcome(waiting, waiting, waiting), MATCHING)] == [
        "starved"
    ]  # type: ignore[attr-defined]


def test_c4_reads_the_running_jobs_from_the_round_before() -> None:
    """Job 1 launched in round 1 runs in round 2, where job 2 is planned over it."""
    launched = JobRow(1, "toLaunch", 100, 1, frozenset({1, 2}), walltime=600)
    first = record(100, {1: "Waiting"}, [launched], [Planned(1, 1, 100, frozenset({1, 2}))])
    second = record(
        160,
        {1: "Running", 2: "Waiting"},
        [JobRow(1, "Running", 100, 1, frozenset({1, 2}), walltime=600)],
        [Planned(1, 1, 100, frozenset({1, 2})), Planned(2, 2, 200, frozenset({1, 2}))],
    )
    (breach,) = judged("C4", outcome(first, second), MATCHING)
    assert breach.message == (  # type: ignore[attr-defined]
        "round after step 2: running job 1 [100, 759] and job 2 [200, 859] share 1-2"
    )

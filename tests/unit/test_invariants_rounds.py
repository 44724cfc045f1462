"""Known answers of the rounds and metasched invariants' helpers (plain values, no OAR3).

A round that failed in OAR3's own code is an OAR3 finding, never the plugin's, when OAR3
failed before calling the plugin or OAR3 alone fails the round the same way. A BEST
request is judged against what was free when its job was placed.
"""

from __future__ import annotations

from dataclasses import replace

from oar_conformance.catalogue import get
from oar_conformance.families.metasched.invariants import group_text
from oar_conformance.families.rounds.invariants import (
    _satisfied,
    oar3_round_failure,
    round_findings,
)
from oar_conformance.families.rounds.outcome import GanttEntry, RoundOutcome, RoundResult
from oar_conformance.families.rounds.scenario import RoundScenario, RunningJob
from oar_conformance.hierarchy import UNDECIDED_SPLIT
from oar_conformance.model import BEST, Group, Job, Level, Moldable, Platform, Queue
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import FIND_GROUP, METASCHED_GROUP
from oar_conformance.violations import Breach, Unjudged

OAR3_ERROR = PluginError("raised", "KeyError: 7", oar3=True)


def failed(error: PluginError | None, plugin_calls: int = 0, **kw: object) -> RoundOutcome:
    return RoundOutcome((), (), (), error=error, plugin_calls=plugin_calls, **kw)  # type: ignore[arg-type]


def test_a_round_failing_in_oar3_before_the_plugin_is_oar3s_finding() -> None:
    """Pins ``round_findings``: the finding is R1's, with the reason as its message."""
    reason = "the round failed in OAR3 before the plugin was called: KeyError: 7"
    assert oar3_round_failure(failed(OAR3_ERROR)) == reason
    assert round_findings(None, failed(OAR3_ERROR)) == [  # type: ignore[arg-type]
        ("R1", Breach(reason, kind="round-failed"))
    ]


def test_a_round_oar3_alone_fails_the_same_way_is_oar3s_finding() -> None:
    alone = RoundResult((), (), (), error=OAR3_ERROR)
    reason = "OAR3 alone fails this round the same way: KeyError: 7"
    assert oar3_round_failure(failed(OAR3_ERROR, 2, oar3=alone)) == reason
    other = RoundResult((), (), (), error=PluginError("raised", "ValueError: x", oar3=True))
    assert oar3_round_failure(failed(OAR3_ERROR, 2, oar3=other)) is None


def test_a_round_that_did_not_fail_in_oar3_is_no_finding() -> None:
    """Pins ``oar3_round_failure``: no error, or the plugin's own, is never OAR3's."""
    assert oar3_round_failure(failed(None)) is None
    assert oar3_round_failure(failed(PluginError("raised", "KeyError: 7"))) is None
    assert round_findings(None, failed(None)) == []  # type: ignore[arg-type]


# -- BEST requests judged against what was free when the job was placed -------------------

HOSTS = Platform((Level("host", tuple(frozenset({i}) for i in range(1, 17))),))
BEST_HOSTS = (Group((("host", BEST),), HOSTS.resources),)
QUEUES = (Queue("admin", 10), Queue("default", 3), Queue("low", 1))


def _job(job_id: int, queue: str) -> Job:
    return Job(job_id, (Moldable(job_id, 100, BEST_HOSTS),), queue=queue)


JOBS = (_job(1, "default"), _job(2, "admin"), _job(3, "default"), _job(4, "low"))
JOBS += (_job(6, "admin"), _job(7, "admin"))
ROUND = RoundScenario(HOSTS, 0, QUEUES, (), JOBS, job_security_time=0)


def entry(job_id: int, start: int, *ids: int, running: bool = False) -> GanttEntry:
    return GanttEntry(job_id, job_id, start, 2000 if running else 100, frozenset(ids), running)


def satisfied(*gantt: GanttEntry, scenario: RoundScenario = ROUND) -> object:
    """Whether the first BEST entry of ``gantt`` (job 1) is a valid answer when placed."""
    job_1 = next(e for e in gantt if e.job_id == 1)
    return _satisfied(scenario, gantt, job_1, BEST_HOSTS)


REST = frozenset(range(8, 17))
"""Hosts no other job holds: a BEST answer takes them all."""


def test_best_counts_running_and_higher_priority_jobs_as_placed_before() -> None:
    """Pins ``_satisfied``'s "before": running jobs and higher-priority jobs overlapping in
    time, all of them; a job of equal priority may or may not have been placed before.

    Job 1 runs [1000, 1099]; admin job 2 starts at 1099 (overlaps), admin job 7 ends at
    1000 (overlaps), admin job 6 ends at 999 (does not), job 3 (same priority) holds 5.
    """
    running = entry(1001, 0, 1, running=True)
    admin = entry(2, 1099, 2)
    ended = entry(6, 900, 7)
    touching = entry(7, 901, 4)
    same = entry(3, 1000, 5)
    lower = entry(4, 1000, 6)
    best = entry(1, 1000, 3, 6, 7, *REST)
    assert satisfied(best, running, ended, admin, touching, same, lower) is True
    assert satisfied(entry(1, 1000, 3, 5, 6, 7, *REST), running, admin, touching, same) is True
    not_7 = entry(1, 1000, 3, 5, 6, *REST)
    assert satisfied(not_7, running, admin, ended, touching) is False, "job 6 ended: 7 is free"
    without_6 = entry(1, 1000, 3, 5, *REST)
    assert satisfied(without_6, running, admin, ended, touching, same, lower) is False


def test_best_ignores_jobs_of_lower_priority_and_placeholders() -> None:
    """Jobs of lower priority were placed after it, entries of job 0 or less are not jobs."""
    lower = entry(4, 1000, 6)
    placeholder = GanttEntry(0, 0, 1000, 100, frozenset({6}), False)
    best = entry(1, 1000, *range(1, 6), *range(7, 17))
    assert satisfied(best, lower) is False
    assert satisfied(best, placeholder) is False
    assert satisfied(entry(1, 1000, *range(1, 17)), lower, placeholder) is True


def test_best_beside_too_many_jobs_of_its_priority_is_unjudged() -> None:
    """Pins ``_MAX_ORDERS``: 12 same-priority jobs (4,096 orders) are tried, 13 are not."""
    many = tuple(_job(100 + i, "default") for i in range(13))
    scenario = replace(ROUND, jobs=(JOBS[0], *many))
    neighbours = [entry(100 + i, 1000, 2 + i) for i in range(13)]
    best = entry(1, 1000, 1)
    assert satisfied(best, *neighbours[:12], scenario=scenario) is False
    verdict = satisfied(best, *neighbours, scenario=scenario)
    assert verdict == Unjudged(
        "job 1 asks for BEST or HALF_BEST beside 13 jobs of its priority: more than 4096 "
        "orders they could have been placed in"
    )


def test_r1_names_running_jobs_as_running() -> None:
    """Pins ``_label`` and ``_end`` in R1's overlap message."""
    one = Job(9, (Moldable(9, 100, (Group((("host", 1),), HOSTS.resources),)),))
    running = RunningJob(1001, "default", 0, 2000, frozenset({1}))
    scenario = RoundScenario(HOSTS, 0, QUEUES, (running,), (one,), job_security_time=0)
    gantt = (entry(1001, 0, 1, running=True), entry(9, 1000, 1))
    (breach,) = get("R1").check(scenario, RoundOutcome((), gantt, ()))
    assert breach.message == "running job 1001 [0, 1999] and job 9 [1000, 1099] share 1"


def test_metasched_queue_groups_are_written_sorted() -> None:
    """Pins ``group_text``, the queue groups M1's messages show."""
    assert group_text(None) == "None"
    assert group_text((("default", 3), ("admin", 10))) == "[admin, default]"
    assert group_text(("q1", "admin")) == "[admin, q1]"


# -- R1 and R2: every field of what they yield ---------------------------------------------

PAIRS = Platform((Level("host", (frozenset({1, 2}), frozenset({3, 4}))),))
ONE_HOST = (Group((("host", 1),), PAIRS.resources),)
SMALL = RoundScenario(
    PAIRS,
    1000,
    (Queue("default", 2),),
    (RunningJob(7, "default", 900, 600, frozenset({1, 2})),),
    (Job(1, (Moldable(1, 60, ONE_HOST),)), Job(2, (Moldable(2, 60, ONE_HOST),))),
    job_security_time=60,
)
"""Hosts 1-2 and 3-4; job 7 runs on 1-2 over [900, 1559]; jobs 1 and 2 ask for a host."""
SEVEN = GanttEntry(7, 0, 900, 600, frozenset({1, 2}), True)
ON_3_4 = GanttEntry(1, 1, 1000, 60, frozenset({3, 4}), False)


def place(job_id: int, start: int, *ids: int, moldable: int = 0) -> GanttEntry:
    return GanttEntry(job_id, moldable or job_id, start, 60, frozenset(ids), False)


def r1(*gantt: GanttEntry) -> list[Breach | Unjudged]:
    return list(get("R1").judge(SMALL, RoundOutcome((), gantt, ())))


def clash(message: str, kind: str, received: str, expected: str, *marks: int) -> Breach:
    return Breach(message, received, expected, kind, {"clash": frozenset(marks)})


def test_r1_accepts_a_valid_gantt() -> None:
    assert r1(SEVEN, ON_3_4, place(2, 1120, 3, 4)) == []


def test_r1_refuses_resources_outside_the_platform_or_none() -> None:
    platform = "a non-empty set of the platform's resources"
    assert r1(SEVEN, place(1, 1000, 3, 4, 5)) == [
        clash("job 1 holds 3-5 in the gantt", "unknown", "resources 3-5", platform, 5)
    ]
    assert r1(place(1, 1000)) == [
        clash("job 1 holds no resources in the gantt", "unknown", "no resources", platform)
    ]
    moved_out = GanttEntry(7, 0, 900, 600, frozenset({9}), True)
    assert r1(moved_out) == [
        clash("running job 7 holds 9 in the gantt", "unknown", "resources 9", platform, 9)
    ]


def test_r1_refuses_a_running_job_moved() -> None:
    elsewhere = GanttEntry(7, 0, 900, 600, frozenset({3, 4}), True)
    assert r1(elsewhere) == [
        clash(
            "running job 7 moved in the gantt",
            "running-moved",
            "3-4 from 900",
            "1-2 from 900, as it runs",
            1,
            2,
            3,
            4,
        )
    ]
    later = GanttEntry(7, 0, 901, 600, frozenset({1, 2}), True)
    assert r1(later) == [
        clash(
            "running job 7 moved in the gantt",
            "running-moved",
            "1-2 from 901",
            "1-2 from 900, as it runs",
        )
    ]


def test_r1_refuses_a_moldable_of_no_waiting_job() -> None:
    """A job the scenario does not hold (an id a plugin made up, a held job planned) is
    the gantt's breach, not an error of the kit."""
    expected = "only moldables of the scenario's jobs"
    assert r1(place(9, 1000, 3, 4)) == [
        clash(
            "the gantt holds a moldable that belongs to no waiting job (job 9)",
            "unknown-job",
            "job 9, moldable 9",
            expected,
            3,
            4,
        )
    ]
    assert r1(place(1, 1000, 3, 4, moldable=5)) == [
        clash(
            "the gantt holds a moldable that belongs to no waiting job (job 1)",
            "unknown-job",
            "job 1, moldable 5",
            expected,
            3,
            4,
        )
    ]
    assert r1(GanttEntry(0, 0, 1000, 60, frozenset({3, 4}), False)) == [
        clash(
            "the gantt holds a moldable that belongs to no waiting job (job 0)",
            "unknown-job",
            "job 0, moldable 0",
            expected,
            3,
            4,
        )
    ]


def test_r1_refuses_a_start_before_now_and_a_wrong_answer() -> None:
    assert r1(SEVEN, place(1, 999, 3, 4)) == [
        clash(
            "job 1 is planned at 999, before now (1000)",
            "past",
            "start 999",
            "a start >= 1000",
            3,
            4,
        )
    ]
    assert r1(SEVEN, place(1, 1000, 3)) == [
        clash(
            "job 1: 3 does not satisfy /host=1,walltime=0:01:00",
            "request",
            "resources 3",
            "resources matching /host=1,walltime=0:01:00",
            3,
        )
    ]


def test_r1_refuses_a_job_twice_and_an_overlap() -> None:
    assert r1(SEVEN, ON_3_4, ON_3_4) == [
        clash(
            "job 1 is in the gantt twice",
            "duplicate",
            "moldables 1 and 1",
            "one entry per job",
            3,
            4,
        )
    ]
    shared = "no resource held by two jobs at the same second"
    assert r1(SEVEN, ON_3_4, place(2, 1119, 3, 4)) == [
        clash(
            "job 1 [1000, 1119] and job 2 [1119, 1238] share 3-4",
            "overlap",
            "3-4 used twice at once",
            shared,
            3,
            4,
        )
    ]
    assert r1(SEVEN, place(1, 1500, 1, 2)) == [
        clash(
            "running job 7 [900, 1559] and job 1 [1500, 1619] share 1-2",
            "overlap",
            "1-2 used twice at once",
            shared,
            1,
            2,
        )
    ]


def test_r1_says_how_the_round_failed() -> None:
    def failed_round(error: PluginError, group: str) -> list[Breach | Unjudged]:
        outcome = RoundOutcome((), (), (), error=error, group=group, plugin_calls=1, db="pg")
        return list(get("R1").judge(SMALL, outcome))

    expected = "a round that completes and leaves a schedule"
    for kind, summary, received in [
        ("timeout", "no answer within 1 s", "a plugin call with no answer in time"),
        ("died", "exit 3", "the plugin's process ended"),
        ("raised", "E: x", "a round ended by an exception"),
    ]:
        assert failed_round(PluginError(kind, summary), FIND_GROUP) == [
            Breach(f"the round failed (on pg): {summary}", received, expected, "round-failed")
        ]
    in_oar3 = PluginError("raised", "KeyError: 7", oar3=True)
    assert failed_round(in_oar3, METASCHED_GROUP) == [
        Breach(
            "the round failed (on pg): KeyError: 7",
            "OAR3 failing on what the plugin left",
            expected,
            "round-failed",
        )
    ]
    assert failed_round(PluginError("raised", "E: x"), METASCHED_GROUP) == [], "M2's"
    before_the_plugin = RoundOutcome((), (), (), error=in_oar3)
    assert list(get("R1").judge(SMALL, before_the_plugin)) == [
        Unjudged("the round failed in OAR3 before the plugin was called: KeyError: 7")
    ]


def r2(gantt: tuple[GanttEntry, ...], other: RoundResult | None, **kw: object) -> list[object]:
    outcome = RoundOutcome((), gantt, (), other=other, other_db="postgresql", **kw)  # type: ignore[arg-type]
    return list(get("R2").judge(SMALL, outcome))


def test_r2_needs_the_other_round() -> None:
    assert r2((ON_3_4,), None) == [
        Unjudged("the same round on the other database gave no answer to compare")
    ]


def test_r2_says_which_database_failed() -> None:
    worked = RoundResult((), (), ())
    failed = RoundResult((), (), (), error=PluginError("raised", "E: y"))
    same = "the same outcome on both databases"
    assert r2((), worked, error=PluginError("raised", "E: x")) == [
        Breach(
            "the round fails on sqlite but not on postgresql: E: x",
            "a failure on sqlite only",
            same,
            "error",
        )
    ]
    assert r2((ON_3_4,), failed) == [
        Breach(
            "the round fails on postgresql but not on sqlite: E: y",
            "a failure on postgresql only",
            same,
            "error",
        )
    ]
    assert r2((), failed, error=PluginError("raised", "E: x")) == []


def test_r2_names_the_first_job_placed_differently() -> None:
    here = "moldable 1 at 1000 on 3-4"
    assert r2((ON_3_4,), RoundResult((), (), ())) == [
        Breach(
            f"job 1: {here} on sqlite, not in the gantt on postgresql",
            f"sqlite: {here}",
            "as on postgresql: not in the gantt",
            "schedule",
        )
    ]
    assert r2((), RoundResult((), (ON_3_4,), ())) == [
        Breach(
            f"job 1: not in the gantt on sqlite, {here} on postgresql",
            "sqlite: not in the gantt",
            f"as on postgresql: {here}",
            "schedule",
        )
    ]
    two = (ON_3_4, place(2, 1000, 1, 2))
    later = (ON_3_4, place(2, 1100, 1, 2), place(3, 1000, 1))
    assert r2(two, RoundResult((), later, ())) == [
        Breach(
            "job 2: moldable 2 at 1000 on 1-2 on sqlite, moldable 2 at 1100 on 1-2 on postgresql",
            "sqlite: moldable 2 at 1000 on 1-2",
            "as on postgresql: moldable 2 at 1100 on 1-2",
            "schedule",
        )
    ]
    assert r2(two, RoundResult((), two, ())) == []


def test_r1_names_an_overlap_whichever_job_the_gantt_lists_first() -> None:
    """Job 2, listed first, starts at the last second job 1 holds."""
    assert r1(SEVEN, place(2, 1119, 3, 4), ON_3_4) == [
        clash(
            "job 2 [1119, 1238] and job 1 [1000, 1119] share 3-4",
            "overlap",
            "3-4 used twice at once",
            "no resource held by two jobs at the same second",
            3,
            4,
        )
    ]


def test_r1_leaves_an_answer_the_split_cannot_decide_unjudged() -> None:
    """``/host=1500+/host=1501`` on 3,000 one-resource hosts, given all of them."""
    hosts = Platform((Level("host", tuple(frozenset({i}) for i in range(1, 3001))),))
    halves = (Group((("host", 1500),), hosts.resources), Group((("host", 1501),), hosts.resources))
    scenario = RoundScenario(hosts, 0, QUEUES, (), (Job(1, (Moldable(1, 60, halves),)),))
    everything = GanttEntry(1, 1, 0, 60, hosts.resources, False)
    outcome = RoundOutcome((), (everything,), ())
    assert list(get("R1").judge(scenario, outcome)) == [Unjudged(UNDECIDED_SPLIT)]

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
from oar_conformance.model import BEST, Group, Job, Level, Moldable, Platform, Queue
from oar_conformance.outcome import PluginError
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

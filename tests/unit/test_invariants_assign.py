"""Known answers for the assign invariants A1-A12, on hand-built plain values (no OAR3).

Every check is shown both ways: the round below passes all of them, and each test breaks
it in one place and expects the invariant it names to object. The round, with times in
seconds and security time 0 (each slot spans both of its ends)::

    resources   0        60       120
    1-2         xxxxxxxxx222222222.....      x: already scheduled [0, 59]
    3-4         111111111..........          1: job 1 [0, 59]; 2: job 2 [60, 119],
                                                which waits for job 1
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import pytest

from oar_conformance.catalogue import get
from oar_conformance.families.assign.occupation import (
    Occupant,
    Segment,
    clashes,
    difference,
    free_over,
    malformed,
    minus,
    normalised,
    slot_chain,
)
from oar_conformance.families.assign.outcome import (
    AssignOutcome,
    FindCalls,
    JobResult,
    Placement,
    QuotaCheck,
    QuotaUsage,
    SlotRecord,
    SlotSnapshot,
)
from oar_conformance.families.assign.scenario import (
    AssignScenario,
    QuotaRule,
    QuotaRules,
    Window,
)
from oar_conformance.hierarchy import UNDECIDED_SPLIT
from oar_conformance.model import Group, Job, Level, Moldable, Platform
from oar_conformance.options import CheckOptions
from oar_conformance.outcome import PluginError
from oar_conformance.violations import Breach, Unjudged, Violation

Ids = frozenset[int]
END = 2**31
"""OAR3's ``MAX_TIME``: where the initial slot set ends."""

PLATFORM = Platform(
    (
        Level("host", (frozenset({1, 2}), frozenset({3, 4}))),
        Level("core", tuple(frozenset({i}) for i in range(1, 5))),
    )
)
EVERYTHING = PLATFORM.resources


def ids(*values: int) -> Ids:
    return frozenset(values)


def one_host(mld_id: int, walltime: int = 60, constraints: Ids = EVERYTHING) -> Moldable:
    return Moldable(mld_id, walltime, (Group((("host", 1),), constraints),))


SCENARIO = AssignScenario(
    platform=PLATFORM,
    now=0,
    busy=(Window(0, 60, ids(1, 2)),),
    jobs=(Job(1, (one_host(1),)), Job(2, (one_host(2),), dependencies=(1,))),
    job_security_time=0,
)


def slots(*spans: tuple[int, int, Iterable[int]], begin: int = 0) -> SlotSnapshot:
    """A well-linked slot set: slot ``i`` (from 1) spans ``spans[i - 1]``."""
    n = len(spans)
    records = tuple(
        SlotRecord(i, i, i - 1, i + 1 if i < n else 0, b, e, frozenset(free))
        for i, (b, e, free) in enumerate(spans, start=1)
    )
    return SlotSnapshot(begin, records)


INITIAL = slots((0, 59, ids(3, 4)), (60, END, EVERYTHING))
AFTER_1 = slots((0, 59, ids()), (60, END, EVERYTHING))
AFTER_2 = slots((0, 59, ids()), (60, 119, ids(3, 4)), (120, END, EVERYTHING))


def placed(
    job_id: int,
    start: int,
    res_set: Ids,
    before: SlotSnapshot,
    after: SlotSnapshot,
    *,
    min_start_time: int = -1,
    walltime: int | None = 60,
    moldable_id: int | None = None,
) -> JobResult:
    return JobResult(
        job_id=job_id,
        called=True,
        min_start_time=min_start_time,
        start_time=start,
        walltime=walltime,
        moldable_id=job_id if moldable_id is None else moldable_id,
        res_set=res_set,
        before=before,
        after=after,
    )


JOB_1 = placed(1, 0, ids(3, 4), INITIAL, AFTER_1)
JOB_2 = placed(2, 60, ids(1, 2), AFTER_1, AFTER_2, min_start_time=60)
GOOD = AssignOutcome(jobs=(JOB_1, JOB_2))
GOOD_PLACEMENTS = GOOD.placements


def with_jobs(*results: JobResult, **changes: object) -> AssignOutcome:
    return replace(GOOD, jobs=results, **changes)  # type: ignore[arg-type]


def violations(
    invariant_id: str, outcome: AssignOutcome, scenario: AssignScenario = SCENARIO
) -> list[Violation]:
    return list(get(invariant_id).check(scenario, outcome))


def only(
    invariant_id: str, outcome: AssignOutcome, scenario: AssignScenario = SCENARIO
) -> Violation:
    found = violations(invariant_id, outcome, scenario)
    assert len(found) == 1, found
    assert found[0].invariant_id == invariant_id
    return found[0]


def all_ids() -> Iterator[str]:
    yield from (f"A{i}" for i in (*range(1, 9), 11, 12))


# -- the reference round passes everything ------------------------------------------------


@pytest.mark.parametrize("invariant_id", list(all_ids()))
def test_a_correct_round_passes(invariant_id: str) -> None:
    outcome = replace(GOOD, repeat=GOOD_PLACEMENTS, reference=GOOD_PLACEMENTS)
    assert violations(invariant_id, outcome) == []


def test_an_unschedulable_job_that_leaves_the_slot_set_alone_passes() -> None:
    nothing = placed(2, -1, ids(), AFTER_1, AFTER_1, walltime=None, moldable_id=-1)
    outcome = with_jobs(JOB_1, nothing)
    for invariant_id in all_ids():
        assert violations(invariant_id, outcome) == [], invariant_id


# -- A1 well formed -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "kind", "message"),
    [
        ({"res_set": ids()}, "empty", "start_time 60 with an empty res_set"),
        ({"moldable_id": 1}, "moldable", "moldable_id 1 is not one of the job's moldables (2)"),
        ({"walltime": 30}, "walltime", "walltime 30 for moldable 2, whose walltime is 60"),
        ({"walltime": None}, "walltime", "walltime None for moldable 2"),
        ({"start_time": -1}, "unschedulable-with-resources", "start_time -1 (unschedulable)"),
        ({"start_time": -7}, "negative", "start_time -7"),
        ({"start_time": None}, "unset", "did not set start_time"),
        ({"res_set": None, "start_time": None}, "unset", "did not set start_time and res_set"),
        ({"bad_types": ("res_set is set {1}, not a ProcSet",)}, "type", "not a ProcSet"),
    ],
)
def test_a1_malformed_answers(change: dict[str, object], kind: str, message: str) -> None:
    bad = replace(JOB_2, **change)  # type: ignore[arg-type]
    violation = only("A1", with_jobs(JOB_1, bad))
    assert violation.kind == kind
    assert message in violation.message
    assert violation.message.startswith("job 2: ")


def test_a1_reports_a_failed_call_and_the_others_stay_silent() -> None:
    error = PluginError("raised", "ZeroDivisionError: division by zero", "Traceback ...")
    failed = replace(JOB_2, start_time=None, res_set=None, error=error)
    outcome = with_jobs(JOB_1, failed, error=error)
    violation = only("A1", outcome)
    assert violation.kind == "raised"
    assert violation.message == "job 2: ZeroDivisionError: division by zero"
    assert violation.received == "an exception"
    for invariant_id in ("A2", "A3", "A4", "A5", "A6", "A7", "A8"):
        assert violations(invariant_id, outcome) == [], invariant_id


def test_a1_reports_a_timeout() -> None:
    error = PluginError("timeout", "the call did not return within 5 s")
    violation = only("A1", with_jobs(JOB_1, error=error))
    assert (violation.kind, violation.received) == ("timeout", "no answer in time")


def test_a1_ignores_jobs_oar_did_not_hand_to_the_plugin() -> None:
    skipped = JobResult(2, False, -1, -1, None, None, None)
    assert violations("A1", with_jobs(JOB_1, skipped)) == []


def test_malformed_judges_only_the_answer() -> None:
    assert malformed(SCENARIO, JOB_1) is None
    assert malformed(SCENARIO, replace(JOB_1, moldable_id=2)) is not None


# -- A2 start in time ---------------------------------------------------------------------


def test_a2_start_before_the_dependencies_end() -> None:
    early = replace(JOB_2, start_time=0)
    violation = only("A2", with_jobs(JOB_1, early))
    assert violation.kind == "before-dependencies"
    assert "before min_start_time 60" in violation.message


def test_a2_start_before_now() -> None:
    scenario = replace(SCENARIO, now=30)
    violation = only("A2", with_jobs(JOB_1, JOB_2), scenario)
    assert violation.kind == "before-now"
    assert "job 1 starts at 0, before the slot set begins at 30" in violation.message


def test_a2_min_start_time_minus_one_means_no_constraint() -> None:
    assert violations("A2", with_jobs(replace(JOB_2, min_start_time=-1, start_time=0))) == []


# -- A3 resources free over the window ----------------------------------------------------


def test_a3_busy_during_part_of_the_window() -> None:
    """Job 1 on 1-2 from 30: busy until 59 in the slot set it was given.

    ::

        1-2  xxxxxxxxx.........
                  1111111111         the clash is [30, 59]
    """
    late = replace(JOB_1, start_time=30, res_set=ids(1, 2))
    violation = only("A3", with_jobs(late))
    assert violation.kind == "busy"
    assert violation.message == "job 1 took 1-2, busy at some second of [30, 89]"
    assert violation.marks == {"clash": ids(1, 2)}


def test_a3_adjacent_windows_do_not_clash() -> None:
    """Free from 60 on: a job starting at 60 (the window's end + 1) is fine."""
    assert violations("A3", with_jobs(JOB_1, JOB_2)) == []
    assert free_over(slot_chain(INITIAL)[0], 60, 119) == EVERYTHING


def test_a3_resources_outside_the_platform() -> None:
    alien = replace(JOB_1, res_set=ids(3, 4, 9))
    violation = only("A3", with_jobs(alien))
    assert violation.kind == "unknown"
    assert "9, not resources of the platform" in violation.message


def test_a3_trusts_the_slot_set_it_was_handed() -> None:
    """Job 2 overlaps job 1, but its slot set (corrupted earlier) said free: A5/A6, not A3."""
    trusting = replace(JOB_2, start_time=0, res_set=ids(3, 4), min_start_time=-1, before=INITIAL)
    assert violations("A3", with_jobs(JOB_1, trusting)) == []
    assert violations("A6", with_jobs(JOB_1, trusting)) != []


# -- A4 hierarchy ---------------------------------------------------------------------------


def test_a4_partial_host() -> None:
    partial = replace(JOB_1, res_set=ids(3), after=slots((0, 59, ids(4)), (60, END, EVERYTHING)))
    violation = only("A4", with_jobs(partial))
    assert violation.kind == "shape"
    assert "host block 3-4 is only partly taken (3)" in violation.message
    assert violation.message.startswith("job 1, moldable 1: ")


def test_a4_too_many_hosts() -> None:
    both = replace(
        JOB_2,
        res_set=EVERYTHING,
        after=slots((0, 59, ids()), (60, 119, ids()), (120, END, EVERYTHING)),
    )
    violation = only("A4", with_jobs(JOB_1, both))
    assert "2 host blocks taken in the platform, 1 requested" in violation.message


def test_a4_outside_the_constraints() -> None:
    scenario = replace(
        SCENARIO,
        jobs=(Job(1, (one_host(1, constraints=ids(1, 2)),)), SCENARIO.jobs[1]),
    )
    violation = only("A4", GOOD, scenario)
    assert violation.kind == "constraints"
    assert violation.message == ("job 1, moldable 1: took 3-4, outside every group's constraints")


def test_a4_leaves_busy_resources_to_a3() -> None:
    busy = replace(JOB_1, res_set=ids(1, 2))
    assert violations("A4", with_jobs(busy)) == []


def test_a4_best_counts_the_blocks_free_over_the_window() -> None:
    """host=BEST at 0 means host 3-4 only: 1-2 is busy until 59."""
    best = Moldable(1, 60, (Group((("host", -2),), EVERYTHING),))
    scenario = replace(SCENARIO, jobs=(Job(1, (best,)),))
    assert violations("A4", with_jobs(JOB_1), scenario) == []


# -- A5 slot set split ----------------------------------------------------------------------


def test_a5_no_split() -> None:
    unsplit = replace(JOB_1, after=INITIAL)
    violation = only("A5", with_jobs(unsplit))
    assert violation.kind == "split"
    assert violation.message == "after job 1: during [0, 59] the slot set lists 3-4 as free"
    assert violation.marks == {"clash": ids(3, 4)}


def test_a5_short_split() -> None:
    short = replace(JOB_2, after=slots((0, 59, ids()), (60, 89, ids(3, 4)), (90, END, EVERYTHING)))
    violation = only("A5", with_jobs(JOB_1, short))
    assert "during [90, 119] the slot set lists 1-4 as free" in violation.message


def test_a5_slot_boundaries_may_differ() -> None:
    """Only free ids over time count: an extra boundary between equal slots is fine."""
    extra = slots((0, 29, ids()), (30, 59, ids()), (60, 119, ids(3, 4)), (120, END, EVERYTHING))
    assert violations("A5", with_jobs(JOB_1, replace(JOB_2, after=extra))) == []


def test_a5_accepts_oar3_unsplit_last_second() -> None:
    """OAR3 does not split a slot ending exactly at start + walltime.

    ::

        before  [0, 60: 1-4] [61, ...: 1-4]
        job     1-2 during [0, 59]
        OAR3    [0, 60: 3-4] [61, ...: 1-4]      (1-2 stay taken at 60 too)
    """
    before = slots((0, 60, EVERYTHING), (61, END, EVERYTHING))
    after = slots((0, 60, ids(3, 4)), (61, END, EVERYTHING))
    scenario = replace(SCENARIO, busy=())
    job = placed(1, 0, ids(1, 2), before, after)
    assert violations("A5", with_jobs(job), scenario) == []
    exact = slots((0, 59, ids(3, 4)), (60, 60, EVERYTHING), (61, END, EVERYTHING))
    assert violations("A5", with_jobs(replace(job, after=exact)), scenario) == []
    longer = slots((0, 61, ids(3, 4)), (62, END, EVERYTHING))
    assert violations("A5", with_jobs(replace(job, after=longer)), scenario) != []


def test_a5_unschedulable_job_must_not_touch_the_slot_set() -> None:
    nothing = placed(2, -1, ids(), AFTER_1, AFTER_2, walltime=None, moldable_id=-1)
    violation = only("A5", with_jobs(JOB_1, nothing))
    assert "unschedulable, yet the slot set changed" in violation.message


def test_a5_broken_chain() -> None:
    gap = slots((0, 59, ids()), (61, END, EVERYTHING))
    violation = only("A5", with_jobs(replace(JOB_1, after=gap)))
    assert violation.kind == "chain"
    assert "slot 1 ends at 59 but the next slot 2 begins at 61" in violation.message


@pytest.mark.parametrize(
    ("records", "problem"),
    [
        ((), "the slot set has no slots"),
        (((1, 2, 0, 0, 0, 9),), "the slot stored under 1 has id 2"),
        (((1, 1, 0, 0, 9, 0),), "slot 1 ends (0) before it begins (9)"),
        (((1, 1, 0, 2, 0, 9), (2, 2, 0, 0, 10, 19)), "2 slots have no previous slot"),
        (((1, 1, 0, 3, 0, 9),), "slot 1 links to slot 3, which does not exist"),
        (((1, 1, 0, 2, 0, 9), (2, 2, 1, 1, 10, 19)), "slot 2 links back to slot 1"),
        (((1, 1, 0, 2, 0, 9), (2, 2, 3, 0, 10, 19)), "names slot 3 as its previous one"),
        (((1, 1, 0, 0, 0, 9), (2, 2, 5, 0, 10, 19)), "slots [2] are not reachable"),
        (((1, 1, 0, 0, 5, 9),), "the first slot begins at 5, the slot set at 0"),
    ],
)
def test_slot_chain_problems(records: tuple[tuple[int, ...], ...], problem: str) -> None:
    snapshot = SlotSnapshot(0, tuple(SlotRecord(*r, free=EVERYTHING) for r in records))
    chain, found = slot_chain(snapshot)
    assert chain == ()
    assert found is not None
    assert problem in found


def test_slot_chain_follows_links_not_dict_order() -> None:
    snapshot = SlotSnapshot(
        0,
        (
            SlotRecord(2, 2, 1, 0, 10, 19, ids(1)),
            SlotRecord(1, 1, 0, 2, 0, 9, ids(2)),
        ),
    )
    assert slot_chain(snapshot) == ((Segment(0, 9, ids(2)), Segment(10, 19, ids(1))), None)


def test_unreadable_slot_set() -> None:
    snapshot = SlotSnapshot(0, (), unreadable="AttributeError: 'set' object has no attribute 'b'")
    assert slot_chain(snapshot)[1] == (
        "the slot set cannot be read: AttributeError: 'set' object has no attribute 'b'"
    )


def test_free_over() -> None:
    chain, _ = slot_chain(AFTER_2)
    assert free_over(chain, 60, 119) == ids(3, 4)
    assert free_over(chain, 60, 120) == ids(3, 4)
    assert free_over(chain, 120, 500) == EVERYTHING
    assert free_over(chain, -10, 5) == ids()


# -- A6 no overlap ------------------------------------------------------------------------


def test_a6_two_jobs_share_a_resource() -> None:
    """Job 2 from 30 on 3-4 overlaps job 1 during [30, 59]."""
    overlapping = replace(JOB_2, start_time=30, res_set=ids(3, 4), min_start_time=-1)
    violation = only("A6", with_jobs(JOB_1, overlapping))
    assert violation.kind == "between-jobs"
    assert violation.message == "job 2 and job 1 both hold 3-4 during [30, 59]"
    assert violation.marks == {"clash": ids(3, 4)}


def test_a6_job_on_an_already_scheduled_resource() -> None:
    busy = replace(JOB_1, res_set=ids(1, 2), start_time=59)
    violation = only("A6", with_jobs(busy))
    assert violation.kind == "with-scheduled"
    assert violation.message == "job 1 and already scheduled both hold 1-2 during [59, 59]"


def test_a6_back_to_back_is_no_overlap() -> None:
    after = replace(JOB_2, start_time=60, res_set=ids(3, 4))
    assert violations("A6", with_jobs(JOB_1, after)) == []


def test_clashes_ignore_overlapping_windows_of_jobs_already_scheduled() -> None:
    windows = [
        Occupant("already scheduled", 0, 9, ids(1)),
        Occupant("already scheduled", 5, 9, ids(1)),
    ]
    assert clashes(windows) == []
    job = Occupant("job 1", 9, 20, ids(1, 2), 1)
    assert [(a.label, b.label, s, lo, hi) for a, b, s, lo, hi in clashes([*windows, job])] == [
        ("already scheduled", "job 1", ids(1), 9, 9),
        ("already scheduled", "job 1", ids(1), 9, 9),
    ]


# -- A7 deterministic -----------------------------------------------------------------------


def test_a7_different_second_round() -> None:
    moved = (GOOD_PLACEMENTS[0], GOOD_PLACEMENTS[1]._replace(start_time=120))
    violation = only("A7", replace(GOOD, repeat=moved))
    assert violation.kind == "nondeterministic"
    assert violation.received == (
        "job 2: first start 60 on 1-2 (moldable 2), then start 120 on 1-2 (moldable 2)"
    )


def test_a7_failed_second_round() -> None:
    error = PluginError("raised", "RuntimeError: boom")
    violation = only("A7", replace(GOOD, repeat=(), repeat_error=error))
    assert violation.received == "the second round failed: RuntimeError: boom"


def test_a7_unschedulable_both_times_is_deterministic() -> None:
    nothing = placed(1, -1, ids(), INITIAL, INITIAL, walltime=None, moldable_id=-1)
    outcome = with_jobs(nothing, repeat=(nothing.placement,))
    assert violations("A7", outcome) == []


# -- A8 schedules when OAR3's default does ------------------------------------------------


def test_a8_gives_up_where_the_default_schedules() -> None:
    nothing = placed(2, -1, ids(), AFTER_1, AFTER_1, walltime=None, moldable_id=-1)
    violation = only("A8", with_jobs(JOB_1, nothing, reference=GOOD_PLACEMENTS))
    assert violation.kind == "missed"
    assert violation.expected == ("a placement, e.g. OAR3's default: start 60 on 1-2 (moldable 2)")
    assert get("A8").severity.value == "advisory"


def test_a8_needs_a_reference_and_ignores_malformed_answers() -> None:
    nothing = placed(2, -1, ids(), AFTER_1, AFTER_1, walltime=None, moldable_id=-1)
    assert violations("A8", with_jobs(JOB_1, nothing)) == []
    empty = replace(JOB_2, res_set=ids())
    assert violations("A8", with_jobs(JOB_1, empty, reference=GOOD_PLACEMENTS)) == []
    unreached = Placement(2, -1, None, -1, ids())
    assert violations("A8", replace(GOOD, reference=(GOOD_PLACEMENTS[0], unreached))) == []


def test_a5_says_what_the_slot_set_no_longer_covers() -> None:
    """Pins A5's span message: a slot set cut short is described by the spans it covers."""
    cut = slots((0, 59, ids()))
    violation = only("A5", with_jobs(replace(JOB_1, after=cut), JOB_2))
    assert violation.message == (
        f"after job 1: the slot set no longer covers [0, {END}] the same way "
        f"(differs during [60, {END}])"
    )
    assert violation.received == "slots covering [0, 59]"
    assert violation.expected == f"slots covering [0, {END}]"


def test_a5_names_an_empty_side_nothing() -> None:
    """Pins A5's texts when the job's resources, or all of them, are missing from a slot."""
    unsplit = only("A5", with_jobs(replace(JOB_1, after=INITIAL)))
    assert unsplit.received == "free during [0, 59]: 3-4"
    assert unsplit.expected == "free during [0, 59]: nothing (before minus the job's resources)"
    emptied = slots((0, 59, ids()), (60, END, ids()))
    gone = only("A5", with_jobs(replace(JOB_1, after=emptied), JOB_2))
    assert gone.received == f"free during [60, {END}]: nothing"


def test_a5_unsplit_last_second_found_in_a_slot_starting_at_the_jobs_end() -> None:
    """Pins the search for the slot holding the job's last second: here it begins there.

    ::

        before  [0, 58: 1-4] [59, 60: 1-4] [61, ...: 1-4]
        job     1-2 during [0, 59]
        OAR3    [0, 58: 3-4] [59, 60: 3-4] [61, ...: 1-4]
    """
    before = slots((0, 58, EVERYTHING), (59, 60, EVERYTHING), (61, END, EVERYTHING))
    after = slots((0, 58, ids(3, 4)), (59, 60, ids(3, 4)), (61, END, EVERYTHING))
    job = placed(1, 0, ids(1, 2), before, after)
    assert violations("A5", with_jobs(job), replace(SCENARIO, busy=())) == []


def test_a8_says_unschedulable_in_words() -> None:
    """Pins ``_describe`` and ``_placed_text`` of an unschedulable placement."""
    nothing = placed(2, -1, ids(), AFTER_1, AFTER_1, walltime=None, moldable_id=-1)
    violation = only("A7", with_jobs(JOB_1, JOB_2, repeat=(JOB_1.placement, nothing.placement)))
    assert violation.received == "job 2: first start 60 on 1-2 (moldable 2), then unschedulable"


def test_a9_reads_the_first_placed_jobs_shape_and_the_examples_size() -> None:
    """Pins ``_vacuity_case``: what A9's tally counts of one schedule."""
    read = get("A9").tally(CheckOptions()).read  # type: ignore[union-attr]
    assert read(SCENARIO, GOOD) is None, "no reference: not counted"
    counted = replace(GOOD, reference=GOOD_PLACEMENTS)
    assert read(SCENARIO, counted) == ("/host=N", True, True, (4 * 100 + 2) * 100 + 1, REF)
    unplaced = (Placement(1, -1, None, -1, ids()), GOOD_PLACEMENTS[1])
    two_hosts = Job(1, (Moldable(1, 60, (Group((("host", 2),), EVERYTHING),)),))
    other = replace(SCENARIO, jobs=(two_hosts, SCENARIO.jobs[1]), busy=())
    assert read(other, replace(GOOD, reference=unplaced)) == (
        "/host=N",
        True,
        True,
        (4 * 100 + 2) * 100,
        REF,
    )
    none = (Placement(1, -1, None, -1, ids()), Placement(2, -1, None, -1, ids()))
    assert read(other, replace(GOOD, reference=none))[:2] == ("/host=N", False)
    failed = replace(counted, error=PluginError("raised", "boom"))
    assert read(SCENARIO, failed) is None


def test_a10_reads_the_time_per_call() -> None:
    """Pins ``_timed``: A10 reads seconds per call, nothing when no call was made."""
    read = get("A10").tally(CheckOptions()).read  # type: ignore[union-attr]
    assert read(SCENARIO, replace(GOOD, seconds=0.5)) == (4, 0.25)
    uncalled = replace(JOB_1, called=False)
    assert read(SCENARIO, with_jobs(uncalled, seconds=0.5)) is None
    failed = replace(GOOD, seconds=0.5, error=PluginError("raised", "boom"))
    assert read(SCENARIO, failed) is None


REF = "OAR3's default assign"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"bad_types": ("start_time is 1.5", "res_set is set {1}")},
            (
                "type",
                "start_time is 1.5; res_set is set {1}",
                "ints for the times and ids, a ProcSet",
            ),
        ),
        ({"res_set": None}, ("unset", "the plugin did not set res_set", "both set")),
        (
            {"start_time": -1},
            (
                "unschedulable-with-resources",
                "start_time -1 (unschedulable) with res_set 1-2",
                "an empty res_set when start_time is -1",
            ),
        ),
        (
            {"start_time": -7},
            ("negative", "start_time -7", "a start >= 0, or -1 for unschedulable"),
        ),
        (
            {"res_set": ids()},
            ("empty", "start_time 60 with an empty res_set", "the resources it got"),
        ),
        (
            {"job_id": 3, "moldable_id": 9},
            (
                "moldable",
                "moldable_id 9 is not one of the job's moldables (3, 4)",
                "one of 3, 4",
            ),
        ),
    ],
)
def test_malformed_says_what_is_wrong_and_what_was_expected(
    change: dict[str, object], expected: tuple[str, str, str]
) -> None:
    """Pins ``malformed``'s three texts (kind, message, expectation) for each way of being wrong."""
    scenario = replace(SCENARIO, jobs=(*SCENARIO.jobs, Job(3, (one_host(3), one_host(4)))))
    assert malformed(scenario, replace(JOB_2, **change)) == expected  # type: ignore[arg-type]


def test_an_empty_slot_set_is_not_a_chain() -> None:
    assert slot_chain(SlotSnapshot(0, ())) == ((), "the slot set has no slots")


def test_free_over_the_chain_edges() -> None:
    """Pins ``free_over``'s bounds: a window must lie inside the chain, ends included."""
    a, b = ids(1, 2, 3), ids(2, 3, 4)
    chain = [Segment(0, 59, a), Segment(60, 119, b)]
    assert free_over(chain, -1, 10) == ids()
    assert free_over(chain, 0, 120) == ids()
    assert free_over(chain, 0, 119) == ids(2, 3)
    assert free_over(chain, 59, 59) == a
    assert free_over(chain, 59, 70) == ids(2, 3)
    assert free_over(chain, 50, 60) == ids(2, 3)
    assert free_over(chain, 60, 60) == b


def test_normalised_merges_only_touching_equal_segments() -> None:
    a, b = ids(1), ids(2)
    chain = [Segment(0, 9, a), Segment(10, 19, a), Segment(21, 30, a), Segment(31, 40, b)]
    assert normalised(chain) == [Segment(0, 19, a), Segment(21, 30, a), Segment(31, 40, b)]


def test_minus_cuts_a_segment_at_the_window() -> None:
    """Pins ``minus``: a window starting where a segment begins makes no empty segment."""
    chain = [Segment(0, 99, ids(1, 2)), Segment(100, 199, ids(1, 2))]
    assert minus(chain, 0, 9, ids(1)) == [
        Segment(0, 9, ids(2)),
        Segment(10, 99, ids(1, 2)),
        Segment(100, 199, ids(1, 2)),
    ]
    assert minus(chain, 90, 109, ids(2)) == [
        Segment(0, 89, ids(1, 2)),
        Segment(90, 99, ids(1)),
        Segment(100, 109, ids(1)),
        Segment(110, 199, ids(1, 2)),
    ]


def test_difference_finds_the_first_stretch_one_timeline_lacks() -> None:
    """Pins ``difference``: a time before or after a timeline's segments has no free ids."""
    a, b = ids(1), ids(2)
    assert difference([Segment(0, 9, a)], [Segment(0, 19, a)]) == (10, 19, None, a)
    assert difference([Segment(5, 9, a)], [Segment(0, 9, a)]) == (0, 4, None, a)
    one_second = [Segment(0, 0, a), Segment(1, 9, b)]
    assert difference(one_second, [Segment(0, 0, b), Segment(1, 9, b)]) == (0, 0, a, b)
    assert difference(one_second, one_second) is None


def test_a5_span_runs_from_the_first_to_the_last_slot_before() -> None:
    """Pins the span A5 names: from the first slot's begin to the last slot's end."""
    three = slots((0, 29, ids(3, 4)), (30, 59, ids(3, 4)), (60, END, EVERYTHING))
    job = replace(JOB_1, before=three, after=slots((0, 59, ids())))
    violation = only("A5", with_jobs(job, JOB_2))
    assert violation.expected == f"slots covering [0, {END}]"


def test_a5_unschedulable_message_is_exact() -> None:
    nothing = placed(2, -1, ids(), AFTER_1, AFTER_2, walltime=None, moldable_id=-1)
    violation = only("A5", with_jobs(JOB_1, nothing))
    assert violation.message == "after job 2: unschedulable, yet the slot set changed"


def test_a9_shape_is_the_first_job_the_default_places() -> None:
    """Pins ``_vacuity_case``'s choice: the first placed job's request, else the first job's."""
    read = get("A9").tally(CheckOptions()).read  # type: ignore[union-attr]
    pair = Moldable(1, 60, (Group((("host", 1),), EVERYTHING), Group((("core", 1),), EVERYTHING)))
    scenario = replace(SCENARIO, jobs=(Job(1, (pair,)), SCENARIO.jobs[1]))
    unplaced_first = (Placement(1, -1, None, -1, ids()), GOOD_PLACEMENTS[1])
    assert read(scenario, replace(GOOD, reference=unplaced_first))[0] == "/host=N"
    none = (Placement(1, -1, None, -1, ids()), Placement(2, -1, None, -1, ids()))
    assert read(scenario, replace(GOOD, reference=none))[0] == "/host=N+/core=N"


# -- A11 within quotas, A12 the job's find function ------------------------------------

ALICE_TWO = QuotaRules((QuotaRule("*", "*", "*", "/", resources=2),))
"""Each user may hold 2 resources at a time: job 2 (alice) on 1-2 during [60, 119] is
within it, but the same job at 0, beside job 1 (alice, 3-4), is not."""
QUOTA_SCENARIO = replace(SCENARIO, quotas=ALICE_TWO)
OVER = QuotaCheck(
    False,
    2,
    message="nb resources quotas failed",
    rule="*,*,*,/",
    limit=2,
    slot=(0, 59),
    usage=(QuotaUsage("*,*,*,alice", 2, 1), QuotaUsage("*,default,*,*", 2, 1)),
)


def test_a11_passes_placements_within_the_quotas() -> None:
    ok = QuotaCheck(True, 2)
    outcome = with_jobs(replace(JOB_1, quotas=ok), replace(JOB_2, quotas=ok))
    assert violations("A11", outcome, QUOTA_SCENARIO) == []


def test_a11_reports_the_rule_and_who_held_what() -> None:
    over = replace(JOB_2, quotas=OVER)
    violation = only("A11", with_jobs(JOB_1, over), QUOTA_SCENARIO)
    assert violation.message == (
        "job 2 of alice (project default) breaks the quota rule *,*,*,/ = 2: "
        "nb resources quotas failed"
    )
    assert violation.received == (
        "2 resources during [60, 119]; held at [0, 59] before it: "
        "*,*,*,alice: 2 resources, 1 job, *,default,*,*: 2 resources, 1 job"
    )
    assert violation.kind == "resources"


def test_a11_names_a_job_count_rule() -> None:
    over = replace(JOB_2, quotas=replace(OVER, message="nb jobs quotas failed", usage=()))
    violation = only("A11", with_jobs(JOB_1, over), QUOTA_SCENARIO)
    assert violation.kind == "jobs"
    assert violation.received.endswith("nothing held before it")


def test_a11_ignores_unjudged_jobs_and_broken_slot_sets() -> None:
    unplaced = placed(2, -1, ids(), AFTER_1, AFTER_1, walltime=None, moldable_id=-1)
    broken = slots((5, 59, ids()), begin=0)
    for result in (
        replace(unplaced, quotas=OVER),
        replace(JOB_2, quotas=None),
        replace(JOB_2, quotas=OVER, before=broken),
    ):
        assert violations("A11", with_jobs(JOB_1, result), QUOTA_SCENARIO) == []


LAST = FindCalls("oar_conformance_last_blocks", (ids(3, 4), ids(1, 2)), window=ids(1, 2))
"""The job's find function answered 3-4 (busy during [0, 59]) and 1-2 (the window)."""


@pytest.mark.parametrize("answers", [(ids(1, 2),), (ids(3, 4), ids(1, 2))])
def test_a12_passes_a_placement_on_one_of_the_answers(answers: tuple[Ids, ...]) -> None:
    outcome = with_jobs(JOB_1, replace(JOB_2, find=replace(LAST, answers=answers)))
    assert violations("A12", outcome) == []


def test_a12_passes_jobs_without_find() -> None:
    assert violations("A12", GOOD) == []


def test_a12_passes_the_functions_answer_over_the_window_even_if_never_called() -> None:
    same = replace(JOB_2, find=replace(LAST, answers=()))
    assert violations("A12", with_jobs(JOB_1, same)) == []


def test_a12_reports_a_placement_the_function_never_gave() -> None:
    other = replace(JOB_2, find=replace(LAST, answers=(ids(3, 4),), window=None))
    violation = only("A12", with_jobs(JOB_1, other))
    assert violation.message == (
        "job 2 has type find=oar_conformance_last_blocks, but its resources are none of "
        "that function's answers"
    )
    assert violation.received == "res_set 1-2; the function answered 3-4"
    assert violation.kind == "other-answer"


def test_a12_reports_a_function_never_called() -> None:
    ignored = replace(JOB_1, find=FindCalls("oar_conformance_default", (), window=ids(1, 2)))
    violation = only("A12", with_jobs(ignored, JOB_2))
    assert violation.kind == "not-called"
    assert violation.received == "res_set 3-4; the function was never called"
    assert violation.expected == (
        "resources the job's find function chose, e.g. its answer over the job's window: 1-2"
    )
    assert violation.marks == {"clash": ids(1, 2, 3, 4)}


def test_a12_without_a_window_answer_asks_for_one_of_the_answers() -> None:
    ignored = replace(JOB_1, find=FindCalls("f", ()))
    violation = only("A12", with_jobs(ignored, JOB_2))
    assert violation.expected == "resources the job's find function chose, e.g. one of its answers"


# -- quotas and find= types in scenarios, as OAR3 reads them ---------------------------


def test_quota_rules_are_written_as_oar3s_quotas_file() -> None:
    rules = QuotaRules(
        (QuotaRule("*", "/", "deploy", "*", resources="0.5*ALL", jobs=1),),
        job_types=("deploy",),
    )
    assert rules.json() == {"quotas": {"*,/,deploy,*": ["0.5*ALL", 1, -1]}, "job_types": ["deploy"]}
    assert rules.text() == '*,/,deploy,* = ["0.5*ALL", 1, -1]; job_types deploy'
    assert ALICE_TWO.json() == {"quotas": {"*,*,*,/": [2, -1, -1]}}


def test_find_and_no_quotas_types_become_job_attributes() -> None:
    job = replace(SCENARIO.jobs[0], types={"find": "last:x:k=v:=w", "no_quotas": "", "deploy": ""})
    attributes = SCENARIO.job_attributes(job)
    assert attributes["types"] == {"deploy": ""}
    assert (attributes["find"], attributes["find_args"], attributes["find_kwargs"]) == (
        True,
        ["x", "=w"],
        {"k": "v"},
    )
    assert attributes["no_quotas"] is True
    assert SCENARIO.find_name(job) == "last"


def test_a_job_without_types_has_no_find_function_and_quotas_apply() -> None:
    attributes = SCENARIO.job_attributes(SCENARIO.jobs[0])
    assert (attributes["find"], attributes["find_args"], attributes["no_quotas"]) == (
        False,
        [],
        False,
    )
    assert SCENARIO.find_name(SCENARIO.jobs[0]) is None


def test_a_quota_scenario_says_its_rules_and_owners() -> None:
    text = repr(replace(QUOTA_SCENARIO, jobs=(replace(SCENARIO.jobs[0], types={"deploy": ""}),)))
    assert text.endswith(
        "jobs=[1: /host=1,walltime=0:01:00 -t deploy (alice/default)], "
        "quotas=[*,*,*,/ = [2, -1, -1]])"
    )


# -- every field of what each check yields -------------------------------------------------


def judged(
    invariant_id: str, outcome: AssignOutcome, scenario: AssignScenario = SCENARIO
) -> list[Breach | Unjudged]:
    return list(get(invariant_id).judge(scenario, outcome))


SKIPPED = JobResult(1, False, -1, -1, None, None, None)
"""Job 1, which OAR3 did not hand to the plugin (its dependencies could not be met)."""
RAISING = "the job's attributes set and the slot set split, without raising"


def test_a1_names_the_failed_job_when_it_is_known() -> None:
    error = PluginError("raised", "ZeroDivisionError: division by zero")
    assert judged("A1", with_jobs(JOB_1, replace(JOB_2, error=error), error=error)) == [
        Breach("job 2: ZeroDivisionError: division by zero", "an exception", RAISING, "raised")
    ]
    assert judged("A1", with_jobs(JOB_1, error=error)) == [
        Breach("ZeroDivisionError: division by zero", "an exception", RAISING, "raised")
    ]
    wrong = PluginError("type", "returned 3")
    assert judged("A1", with_jobs(JOB_1, error=wrong)) == [
        Breach("returned 3", "an answer OAR3 cannot use", RAISING, "type")
    ]
    in_oar3 = PluginError("raised", "KeyError: 7", oar3=True)
    assert judged("A1", with_jobs(JOB_1, error=in_oar3)) == [Unjudged("KeyError: 7")]


def test_a1_reads_the_jobs_after_one_it_was_not_called_for() -> None:
    empty = replace(JOB_2, res_set=ids())
    assert judged("A1", with_jobs(SKIPPED, empty)) == [
        Breach(
            "job 2: start_time 60 with an empty res_set",
            "start_time 60 with an empty res_set",
            "the resources it got",
            "empty",
        )
    ]


def test_a2_says_when_the_job_could_start() -> None:
    assert judged("A2", GOOD, replace(SCENARIO, now=30)) == [
        Breach(
            "job 1 starts at 0, before the slot set begins at 30",
            "start_time 0",
            "a start >= 30",
            "before-now",
        )
    ]
    assert judged("A2", with_jobs(JOB_1, replace(JOB_2, start_time=0))) == [
        Breach(
            "job 2 starts at 0, before min_start_time 60 (the end of the jobs it depends on)",
            "start_time 0",
            "a start >= 60",
            "before-dependencies",
        )
    ]


def test_a3_a_one_second_job_and_a_window_before_the_slot_set() -> None:
    """A window of one second is free when its resources are; a window wholly before
    the slot set has nothing free."""
    second = replace(SCENARIO, jobs=(Job(1, (one_host(1, walltime=1),)), SCENARIO.jobs[1]))
    assert judged("A3", with_jobs(replace(JOB_1, walltime=1), JOB_2), second) == []
    late = slots((100, 159, ids(3, 4)), (160, END, EVERYTHING), begin=100)
    scenario = replace(
        SCENARIO, now=100, busy=(Window(100, 60, ids(1, 2)),), jobs=SCENARIO.jobs[:1]
    )
    assert judged("A3", with_jobs(placed(1, 0, ids(3, 4), late, late)), scenario) == [
        Breach(
            "job 1 took 3-4, busy at some second of [0, 59]",
            "res_set 3-4 during [0, 59]",
            "resources free all along: none",
            "busy",
            {"clash": ids(3, 4)},
        )
    ]


def test_a4_says_which_constraints_were_left() -> None:
    def constrained(allowed: Ids) -> AssignScenario:
        return replace(
            SCENARIO, jobs=(Job(1, (one_host(1, constraints=allowed),)), SCENARIO.jobs[1])
        )

    outside = "job 1, moldable 1: took 3-4, outside every group's constraints"
    assert judged("A4", GOOD, constrained(ids(1, 2))) == [
        Breach(
            outside,
            "res_set 3-4",
            "resources among 1-2 (/host=1,walltime=0:01:00)",
            "constraints",
            {"clash": ids(3, 4)},
        )
    ]
    assert judged("A4", GOOD, constrained(ids())) == [
        Breach(
            outside,
            "res_set 3-4",
            "no resources: nothing matches /host=1,walltime=0:01:00, so this moldable cannot "
            "be chosen",
            "constraints",
            {"clash": ids(3, 4)},
        )
    ]


ALL_AT_60 = slots((0, 59, ids()), (60, 119, ids()), (120, END, EVERYTHING))


def test_a4_judges_the_jobs_after_one_left_to_a3() -> None:
    busy = replace(JOB_1, res_set=ids(1, 2))
    both = replace(JOB_2, res_set=EVERYTHING, after=ALL_AT_60)
    assert judged("A4", with_jobs(busy, both)) == [
        Breach(
            "job 2, moldable 2: /host=1: 2 host blocks taken in the platform, 1 requested",
            "res_set 1-4",
            "an answer to /host=1,walltime=0:01:00 among the free 1-4",
            "shape",
        )
    ]


def test_a4_names_the_group_answered_wrongly() -> None:
    two = Moldable(2, 60, (Group((("host", 1),), ids(1, 2)), Group((("core", 1),), ids(3, 4))))
    scenario = replace(SCENARIO, jobs=(SCENARIO.jobs[0], Job(2, (two,), dependencies=(1,))))
    both = replace(JOB_2, res_set=EVERYTHING, after=ALL_AT_60)
    assert judged("A4", with_jobs(JOB_1, both), scenario) == [
        Breach(
            "job 2, moldable 2: group 2 (/core=1): 2 core blocks taken in the platform, 1 "
            "requested",
            "res_set 1-4",
            "an answer to /host=1+/core=1,walltime=0:01:00 among the free 1-4",
            "shape",
        )
    ]


def test_a4_leaves_an_answer_the_split_cannot_decide_unjudged() -> None:
    """``/host=1500+/host=1501`` on 3,000 one-resource hosts, answered with all of them."""
    hosts = Platform((Level("host", tuple(frozenset({i}) for i in range(1, 3001))),))
    everything = hosts.resources
    groups = (Group((("host", 1500),), everything), Group((("host", 1501),), everything))
    scenario = AssignScenario(hosts, 0, (), (Job(1, (Moldable(1, 60, groups),)),), 0)
    free = slots((0, END, everything))
    taken = slots((0, 59, ()), (60, END, everything))
    assert judged("A4", with_jobs(placed(1, 0, everything, free, taken)), scenario) == [
        Unjudged(UNDECIDED_SPLIT)
    ]


def test_a5_says_how_the_chain_is_broken_after_a_job_not_called() -> None:
    gap = slots((0, 59, ids()), (61, END, EVERYTHING))
    assert judged("A5", with_jobs(SKIPPED, replace(JOB_2, after=gap, min_start_time=-1))) == [
        Breach(
            "after job 2: slot 1 ends at 59 but the next slot 2 begins at 61 (slots must "
            "follow each other second by second)",
            "a broken slot chain",
            "slots linked first to last, second after second",
            "chain",
        )
    ]


def test_a6_counts_the_other_clashes() -> None:
    overlapping = replace(JOB_2, start_time=30, res_set=ids(3, 4), min_start_time=-1)
    everywhere = replace(JOB_1, res_set=EVERYTHING)
    assert judged("A6", with_jobs(everywhere, overlapping)) == [
        Breach(
            "job 1 and already scheduled both hold 1-2 during [0, 59] (1 more clashes)",
            "already scheduled on 1-2 during [0, 59], job 1 on 1-4 during [0, 59]",
            "each resource held by one job at a time",
            "with-scheduled",
            {"clash": ids(1, 2)},
        )
    ]


def test_a4_names_every_group_answered_wrongly() -> None:
    two = Moldable(2, 60, (Group((("host", 1),), ids(1, 2)), Group((("core", 1),), ids(3, 4))))
    scenario = replace(SCENARIO, jobs=(SCENARIO.jobs[0], Job(2, (two,), dependencies=(1,))))
    after = slots((0, 59, ids()), (60, 119, ids(2)), (120, END, EVERYTHING))
    assert judged(
        "A4", with_jobs(JOB_1, replace(JOB_2, res_set=ids(1, 3, 4), after=after)), scenario
    ) == [
        Breach(
            "job 2, moldable 2: group 1 (/host=1): host block 1-2 is only partly taken (1); "
            "lowest requested blocks must be whole; group 2 (/core=1): 2 core blocks taken in "
            "the platform, 1 requested",
            "res_set 1,3-4",
            "an answer to /host=1+/core=1,walltime=0:01:00 among the free 1-4",
            "shape",
        )
    ]


def test_a5_judges_the_jobs_after_one_handed_a_broken_slot_set() -> None:
    broken = slots((0, 59, ids(3, 4)), (61, END, EVERYTHING))
    first = replace(JOB_1, before=broken, after=broken)
    assert judged("A5", with_jobs(first, replace(JOB_2, after=AFTER_1))) == [
        Breach(
            "after job 2: during [60, 119] the slot set lists 1-4 as free",
            "free during [60, 119]: 1-4",
            "free during [60, 119]: 3-4 (before minus the job's resources)",
            "split",
            {"clash": ids(1, 2)},
        )
    ]

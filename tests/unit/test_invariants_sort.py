"""Known-answer tests of the sort invariants S1-S5, and of the runner that feeds them.

The scenario used throughout: five waiting jobs in OAR3's order (ascending ids), where
jobs 2 and 5 are identical but for their ids::

    in  job  user   submitted
     1    1  alice        300
     2    2  bob          100   = job 5 but its id
     3    4  alice        200
     4    5  bob          100

Checks read plain outcomes built by hand; the runner tests call tiny local plugins.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings

from oar_conformance.catalogue import get, registered
from oar_conformance.errors import UsageError
from oar_conformance.families.sort.outcome import (
    Answer,
    SortOutcome,
    jids_text,
    permutation_problems,
    swapped_twins,
)
from oar_conformance.families.sort.runner import JobRecord, SortPlatform, SortRunner
from oar_conformance.families.sort.scenario import SortScenario, twin_key
from oar_conformance.model import Group, Job, Moldable, Queue
from oar_conformance.oar_jobs import JOB_SECURITY_TIME
from oar_conformance.outcome import PluginError
from oar_conformance.strategies import sort_scenarios
from oar_conformance.violations import Breach, Unjudged

ALL_IDS = frozenset(range(1, 5))


def job(jid: int, user: str, submitted: int, *, moldable: int | None = None) -> Job:
    alternative = Moldable(moldable or jid, 600, (Group((("host", 1),), ALL_IDS),))
    return Job(jid, (alternative,), user=user, submission_time=submitted)


SCENARIO = SortScenario(
    queues=(Queue("default", 0),),
    now=1000,
    jobs=(job(1, "alice", 300), job(2, "bob", 100), job(4, "alice", 200), job(5, "bob", 100)),
)
JIDS = (1, 2, 4, 5)
FIFO = (2, 5, 4, 1)

RAISED = PluginError("raised", "KeyError: 'priority'", "Traceback ...")
TIMEOUT = PluginError("timeout", "the call did not return within 5 s")
WRONG_TYPE = PluginError("type", "returned dict {}, but OAR3 needs a list of job ids")


def outcome(
    order: tuple[int, ...] | None, error: PluginError | None = None, **kw: Any
) -> SortOutcome:
    return SortOutcome(Answer(order, error), **kw)


def kinds(inv_id: str, out: SortOutcome, sc: SortScenario = SCENARIO) -> list[str]:
    return [v.kind for v in get(inv_id).check(sc, out)]


def test_the_catalogue_has_s1_to_s5_for_sort_plugins() -> None:
    sort = [inv for inv in registered() if inv.family == "sort"]
    assert [inv.id for inv in sort] == ["S1", "S2", "S3", "S4", "S5"]
    assert {inv.group for inv in sort} == {"oar.jobs_sorting_func"}
    assert [inv.severity.value for inv in sort].count("advisory") == 1
    assert get("S4").needs == {"errors"}
    assert get("S2").needs == {"repeat", "reorder"}
    assert get("S3").needs == {"repeat", "reorder", "resort"}


# --- the scenario -------------------------------------------------------------------------


def test_twins_are_jobs_equal_but_for_job_and_moldable_ids() -> None:
    assert SCENARIO.twins() == [(2, 5)]
    assert twin_key(SCENARIO.jobs[1]) == twin_key(SCENARIO.jobs[3])
    other_user = replace(SCENARIO, jobs=(*SCENARIO.jobs[:3], job(5, "carol", 100)))
    assert other_user.twins() == []


def test_a_job_others_depend_on_has_no_twin() -> None:
    """Job 6 depends on job 2: jobs 2 and 5 are no longer interchangeable."""
    needing = replace(job(6, "carol", 0), dependencies=(2,))
    assert replace(SCENARIO, jobs=(*SCENARIO.jobs, needing)).twins() == []


def test_edges_name_the_edge_inputs() -> None:
    empty = SortScenario((Queue("default", 0),), 0, ())
    assert empty.edges() == ["no waiting job", "now = 0", "config '{}'"]
    assert SCENARIO.edges() == [
        "jobs without types",
        "jobs identical but for their ids",
        "config '{}'",
    ]
    typed = replace(SCENARIO, jobs=(replace(SCENARIO.jobs[0], types={"besteffort": ""}),))
    assert typed.edges() == ["a single waiting job", "config '{}'"]


def test_repr_is_short() -> None:
    assert repr(SCENARIO) == (
        "SortScenario(queues=['default'], now=1000, waiting_jids=[1, 2, 4, 5], config='{}')"
    )


# --- the strategy -------------------------------------------------------------------------

FAST = settings(max_examples=100, derandomize=True, database=None, deadline=None)
SEARCH = settings(max_examples=2000, database=None, deadline=None)
REACH = settings(SEARCH, phases=[Phase.generate])


@FAST
@given(sort_scenarios(max_jobs=12))
def test_scenarios_are_what_the_meta_scheduler_passes(scenario: SortScenario) -> None:
    jids = scenario.waiting_jids
    assert len(jids) <= 12
    assert jids == sorted(set(jids)), "waiting_jids come in ascending id order"
    moldable_ids = [m.id for j in scenario.jobs for m in j.moldables]
    assert len(set(moldable_ids)) == len(moldable_ids)
    assert len({q.priority for q in scenario.queues}) == 1
    assert {q.state for q in scenario.queues} == {"Active"}
    assert all(j.queue in scenario.queue_names for j in scenario.jobs)
    assert all(("besteffort" in j.types) == (j.queue == "besteffort") for j in scenario.jobs)
    assert all(j.submission_time <= scenario.now for j in scenario.jobs)
    assert all(d in jids and d < j.id for j in scenario.jobs for d in j.dependencies)
    assert isinstance(json.loads(scenario.config), dict)


@pytest.mark.parametrize(
    ("edge", "condition"),
    [
        ("no job", lambda s: not s.jobs),
        ("one job", lambda s: len(s.jobs) == 1),
        ("now = 0 with jobs", lambda s: s.now == 0 and len(s.jobs) > 1),
        ("a job without types", lambda s: any(not j.types for j in s.jobs)),
        ("twins apart", lambda s: any(b - a > 1 for a, b in s.twins())),
        ("user priorities", lambda s: len(json.loads(s.config).get("priority", {})) == 2),
        ("config {}", lambda s: s.config == "{}" and len(s.jobs) > 2),
        ("three queues", lambda s: len({j.queue for j in s.jobs}) == 3),
        ("many jobs", lambda s: len(s.jobs) >= 15),
    ],
)
def test_scenarios_reach_the_edges(edge: str, condition: Any) -> None:
    assert find(sort_scenarios(), condition, settings=REACH, random=random.Random(0))


def test_scenarios_shrink_to_the_simplest_call() -> None:
    minimal = find(sort_scenarios(), lambda s: True, settings=SEARCH)
    assert minimal == SortScenario((Queue("default", 0),), 0, (), "{}")
    one = find(sort_scenarios(), lambda s: len(s.jobs) == 1, settings=SEARCH)
    assert one.jobs[0].user == "alice"
    assert one.jobs[0].types == {}
    assert one.now == one.jobs[0].submission_time == 0


@pytest.mark.parametrize("bad", [-1, 101, "3", True])
def test_max_jobs_is_checked(bad: Any) -> None:
    with pytest.raises(UsageError, match=f"max_jobs={bad!r} must be an integer between 0 and 100"):
        sort_scenarios(max_jobs=bad)


# --- S1 -----------------------------------------------------------------------------------

S1_CASES = [
    ("fifo", FIFO, []),
    ("input order", JIDS, []),
    ("any permutation", (5, 4, 2, 1), []),
    ("last lost", (2, 5, 4), ["lost"]),
    ("all lost", (), ["lost"]),
    ("duplicated", (2, 5, 4, 1, 2), ["duplicated"]),
    ("invented", (2, 5, 4, 1, 3), ["invented"]),
    ("one replaced by another", (2, 2, 4, 1), ["lost", "duplicated"]),
    ("replaced by an unknown id", (2, 5, 4, 9), ["lost", "invented"]),
]


@pytest.mark.parametrize(
    ("order", "expected"), [c[1:] for c in S1_CASES], ids=[c[0] for c in S1_CASES]
)
def test_s1_permutation(order: tuple[int, ...], expected: list[str]) -> None:
    assert kinds("S1", outcome(order)) == expected


def test_s1_messages_name_the_jobs() -> None:
    (lost,) = get("S1").check(SCENARIO, outcome((2, 5)))
    assert lost.message == "jobs 1 and 4 are missing from the answer"
    assert lost.received == "[2, 5]"
    assert lost.expected == "a permutation of waiting_jids [1, 2, 4, 5]"
    (dup,) = get("S1").check(SCENARIO, outcome((2, 5, 4, 1, 1)))
    assert dup.message == "job 1 is returned more than once"


def test_s1_reports_a_wrong_return_type_but_not_a_failed_call() -> None:
    assert kinds("S1", outcome(None, WRONG_TYPE)) == ["type"]
    assert kinds("S1", outcome(None, RAISED)) == []
    assert kinds("S1", outcome(None, TIMEOUT)) == []


def test_s1_on_the_empty_list() -> None:
    empty = SortScenario((Queue("default", 0),), 0, ())
    assert kinds("S1", outcome(()), empty) == []
    assert kinds("S1", outcome((1,)), empty) == ["invented"]


def test_permutation_problems_and_jids_text() -> None:
    assert permutation_problems([1, 2, 3], [3, 3, 7]) == {
        "lost": [1, 2],
        "duplicated": [3],
        "invented": [7],
    }
    assert permutation_problems([1, 2], [2, 1]) == {}
    assert [jids_text(x) for x in ([1], [1, 2], [1, 2, 3])] == ["1", "1 and 2", "1, 2 and 3"]


# --- S2 -----------------------------------------------------------------------------------

S2_CASES = [
    ("both equal", FIFO, FIFO, []),
    ("repeat differs", (5, 2, 4, 1), FIFO, ["nondeterministic"]),
    ("reorder differs", FIFO, (5, 2, 4, 1), ["order-dependent"]),
    ("both differ: the repeat is named", (5, 2, 4, 1), (5, 2, 4, 1), ["nondeterministic"]),
]


@pytest.mark.parametrize(
    ("repeat", "reorder", "expected"), [c[1:] for c in S2_CASES], ids=[c[0] for c in S2_CASES]
)
def test_s2_deterministic(
    repeat: tuple[int, ...], reorder: tuple[int, ...], expected: list[str]
) -> None:
    out = outcome(FIFO, repeat=Answer(repeat), reorder=Answer(reorder))
    assert kinds("S2", out) == expected


def test_s2_an_extra_call_that_fails_is_a_difference() -> None:
    out = outcome(FIFO, repeat=Answer(FIFO), reorder=Answer(None, RAISED))
    (violation,) = get("S2").check(SCENARIO, out)
    assert violation.kind == "order-dependent"
    assert violation.received == "first [2, 5, 4, 1], then error: KeyError: 'priority'"


def test_s2_says_nothing_when_s1_or_s4_report() -> None:
    different = {"repeat": Answer(JIDS), "reorder": Answer(JIDS)}
    assert kinds("S2", outcome((2, 5), **different)) == []
    assert kinds("S2", outcome(None, RAISED, **different)) == []
    assert kinds("S2", outcome(None, WRONG_TYPE, **different)) == []
    assert kinds("S2", outcome(FIFO)) == []


# --- S3 -----------------------------------------------------------------------------------

STABLE = {"repeat": Answer(FIFO), "reorder": Answer(FIFO), "resort": Answer(FIFO)}


def test_s3_holds_for_a_stable_idempotent_sort() -> None:
    assert kinds("S3", outcome(FIFO, **STABLE)) == []


def test_s3_ties_must_keep_input_order() -> None:
    swapped = (5, 2, 4, 1)
    same = {name: Answer(swapped) for name in ("repeat", "reorder", "resort")}
    (violation,) = get("S3").check(SCENARIO, outcome(swapped, **same))
    assert violation.kind == "ties"
    assert violation.message == (
        "jobs 2 and 5 are identical but for their ids, yet job 5 was put before job 2"
    )
    assert swapped_twins(SCENARIO, swapped) == [(2, 5)]


def test_s3_only_identical_jobs_are_ties() -> None:
    """Jobs 1 and 4 are both alice's, but submitted at different times: any order is fine."""
    order = (2, 5, 1, 4)
    same = {name: Answer(order) for name in ("repeat", "reorder", "resort")}
    assert kinds("S3", outcome(order, **same)) == []


def test_s3_sorting_the_answer_again_changes_nothing() -> None:
    out = outcome(FIFO, repeat=Answer(FIFO), reorder=Answer(FIFO), resort=Answer((4, 2, 5, 1)))
    (violation,) = get("S3").check(SCENARIO, out)
    assert violation.kind == "not-idempotent"
    assert violation.received == "[4, 2, 5, 1]"
    failed = outcome(FIFO, repeat=Answer(FIFO), reorder=Answer(FIFO), resort=Answer(None, RAISED))
    assert kinds("S3", failed) == ["not-idempotent"]


def test_s3_says_nothing_when_s1_s2_or_s4_report() -> None:
    swapped = (5, 2, 4, 1)
    assert kinds("S3", outcome(swapped, repeat=Answer(FIFO), reorder=Answer(swapped))) == []
    assert kinds("S3", outcome(swapped, repeat=Answer(swapped), reorder=Answer(FIFO))) == []
    assert kinds("S3", outcome((5, 2, 4))) == []
    assert kinds("S3", outcome(None, RAISED)) == []


# --- S4 -----------------------------------------------------------------------------------


def test_s4_reports_raised_and_timed_out_calls_only() -> None:
    assert kinds("S4", outcome(FIFO)) == []
    assert kinds("S4", outcome((2,))) == []
    assert kinds("S4", outcome(None, WRONG_TYPE)) == []
    assert kinds("S4", outcome(None, TIMEOUT)) == ["timeout"]
    (violation,) = get("S4").check(SCENARIO, outcome(None, RAISED))
    assert violation.kind == "raised"
    assert violation.message == (
        "KeyError: 'priority' (inputs with jobs without types, jobs identical but for "
        "their ids, config '{}')"
    )
    assert violation.received == "an exception"


# --- S5 -----------------------------------------------------------------------------------


def test_s5_reports_mutated_inputs() -> None:
    assert kinds("S5", outcome(FIFO)) == []
    mutated = ("waiting_jids", "waiting_jobs[2].user", "waiting_jobs[5].user")
    (violation,) = get("S5").check(SCENARIO, outcome(FIFO, mutated=mutated))
    assert violation.kind == "waiting_jids+waiting_jobs"
    assert violation.message == (
        "the call changed waiting_jids, waiting_jobs[2].user, waiting_jobs[5].user"
    )
    assert get("S5").severity.value == "advisory"


# --- the runner ---------------------------------------------------------------------------


class Recorder:
    """A fake plugin remembering its arguments and answering with a given function."""

    def __init__(self, answer: Any = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.answer = answer

    def __call__(self, *args: Any) -> Any:
        self.calls.append(args)
        return list(args[2]) if self.answer is None else self.answer(*args)


def test_the_plugin_is_called_as_kamelot_calls_it() -> None:
    plugin = Recorder()
    scenario = replace(SCENARIO, queues=(Queue("default", 3), Queue("admin", 3)), config='{"a": 1}')
    out = SortRunner(plugin).run(scenario)
    assert out.result == JIDS
    ((queues, now, jids, jobs, config, plt),) = plugin.calls
    assert queues == ["default", "admin"]
    assert now == 1000
    assert jids == [1, 2, 4, 5]
    assert list(jobs) == [1, 2, 4, 5]
    assert config == '{"a": 1}'
    assert plt.get_time() == 1000
    record = jobs[2]
    assert (record.id, record.user, record.queue_name, record.submission_time) == (
        2,
        "bob",
        "default",
        100,
    )
    assert (record.state, record.types, record.deps, record.ts) == ("Waiting", {}, [], False)
    ((mid, walltime, rqts),) = record.mld_res_rqts
    assert (mid, walltime) == (2, 600 + JOB_SECURITY_TIME)
    assert rqts[0][0] == [("host", 1)]
    assert record.key_cache == {2: f"{walltime}{rqts}"}


def test_records_follow_oar3s_get_jobs_types() -> None:
    shared = replace(SCENARIO.jobs[0], types={"timesharing": "user,*", "besteffort": ""})
    record = JobRecord.of(shared)
    assert record.types == {"besteffort": ""}
    assert (record.ts, record.ts_user, record.ts_name, record.key_cache) == (True, "user", "*", {})


def test_unknown_attributes_name_themselves() -> None:
    with pytest.raises(AttributeError, match=r"job\.karma is not an attribute"):
        _ = JobRecord.of(SCENARIO.jobs[0]).karma
    with pytest.raises(AttributeError, match=r"plt\.resource_set is not offered"):
        _ = SortPlatform(0).resource_set
    assert SortPlatform(5).get_sum_accounting_window(None, ["default"], 0, 5) == (1, 1)
    assert SortPlatform(5).get_sum_accounting_by_user() == ({}, {})


def test_extra_calls_reverse_dict_and_queues_and_resort_the_answer() -> None:
    plugin = Recorder(lambda q, n, jids, jobs, c, p: [*jobs])
    scenario = replace(SCENARIO, queues=(Queue("default", 0), Queue("admin", 0)))
    out = SortRunner(plugin).run(scenario, {"repeat", "reorder", "resort"})
    first, repeat, reorder, resort = plugin.calls
    assert first[0] == repeat[0] == resort[0] == ["default", "admin"]
    assert reorder[0] == ["admin", "default"]
    assert list(reorder[3]) == [5, 4, 2, 1]
    assert reorder[2] == [1, 2, 4, 5]
    assert resort[2] == list(out.answer.order or ())
    assert out.repeat == Answer(JIDS)
    assert out.reorder == Answer((5, 4, 2, 1))


def test_the_reorder_call_also_reverses_each_jobs_types() -> None:
    plugin = Recorder()
    typed = replace(SCENARIO.jobs[0], types={"besteffort": "", "deploy": "", "cosystem": ""})
    SortRunner(plugin).run(replace(SCENARIO, jobs=(typed,)), {"reorder"})
    first, reorder = plugin.calls
    assert list(first[3][1].types) == ["besteffort", "deploy", "cosystem"]
    assert list(reorder[3][1].types) == ["cosystem", "deploy", "besteffort"]


def test_the_repeat_gets_another_random_state() -> None:
    plugin = Recorder(lambda q, n, jids, *rest: random.sample(jids, len(jids)))
    random.seed(0)
    out = SortRunner(plugin).run(SCENARIO, {"repeat"})
    random.seed(0)
    again = SortRunner(plugin).run(SCENARIO, {"repeat"})
    assert (again.answer, again.repeat) == (out.answer, out.repeat)
    assert out.repeat != out.answer


def test_resort_is_only_made_on_a_permutation() -> None:
    plugin = Recorder(lambda q, n, jids, *rest: jids[:-1])
    out = SortRunner(plugin).run(SCENARIO, {"resort"})
    assert out.result == (1, 2, 4)
    assert out.resort is None
    assert len(plugin.calls) == 1


READ_CASES = [
    ("tuple", (2, 1), (2, 1), None),
    ("bools are not ids", [True], None, "elements such as True of type bool"),
    ("strings are not ids", ["1"], None, "elements such as '1' of type str"),
    ("a generator", iter([1]), None, "list_iterator"),
    ("None", None, None, "NoneType None"),
]


@pytest.mark.parametrize(
    ("value", "order", "detail"), [c[1:] for c in READ_CASES], ids=[c[0] for c in READ_CASES]
)
def test_answers_must_be_lists_of_ints(value: Any, order: Any, detail: str | None) -> None:
    out = SortRunner(Recorder(lambda *args: value)).run(SCENARIO)
    assert out.result == order
    if detail is None:
        assert out.error is None
    else:
        assert out.error is not None
        assert out.error.kind == "type"
        assert detail in out.error.summary
        assert "OAR3 needs a list of job ids" in out.error.summary


def test_failed_calls_are_captured() -> None:
    def boom(*args: Any) -> list[int]:
        raise KeyError("priority")

    out = SortRunner(boom).run(SCENARIO)
    assert out.error is not None
    assert out.error.kind == "raised"
    assert out.answer.failed
    assert not Answer(None, WRONG_TYPE).failed


MUTATIONS = [
    ("sort in place", lambda q, n, jids, jobs: jids.sort(reverse=True), ("waiting_jids",)),
    ("queues", lambda q, n, jids, jobs: q.append("admin"), ("queues",)),
    ("pop a job", lambda q, n, jids, jobs: jobs.pop(4), ("waiting_jobs",)),
    ("reinsert a job", lambda q, n, jids, jobs: jobs.update({1: jobs.pop(1)}), ("waiting_jobs",)),
    (
        "overwrite an attribute",
        lambda q, n, jids, jobs: setattr(jobs[2], "user", "root"),
        ("waiting_jobs[2].user",),
    ),
    (
        "change a type",
        lambda q, n, jids, jobs: jobs[5].types.update(x=""),
        ("waiting_jobs[5].types",),
    ),
    ("add an attribute", lambda q, n, jids, jobs: setattr(jobs[2], "karma", 0.5), ()),
]


@pytest.mark.parametrize(
    ("change", "mutated"), [c[1:] for c in MUTATIONS], ids=[c[0] for c in MUTATIONS]
)
def test_mutations_are_named(change: Any, mutated: tuple[str, ...]) -> None:
    def plugin(queues: Any, now: Any, jids: Any, jobs: Any, config: Any, plt: Any) -> list[int]:
        answer = list(jids)
        change(queues, now, jids, jobs)
        return answer

    assert SortRunner(plugin).run(SCENARIO).mutated == mutated


# -- every field of what each check yields -------------------------------------------------

PERMUTATION = f"a permutation of waiting_jids {list(JIDS)}"


def judged(inv_id: str, out: SortOutcome, sc: SortScenario = SCENARIO) -> list[object]:
    return list(get(inv_id).judge(sc, out))


def test_s1_names_each_kind_of_problem_in_one_breach() -> None:
    def breach(message: str, kind: str, order: str) -> Breach:
        return Breach(message, order, PERMUTATION, kind)

    assert judged("S1", outcome((1, 2, 2, 9))) == [
        breach("jobs 4 and 5 are missing from the answer", "lost", "[1, 2, 2, 9]"),
        breach("job 2 is returned more than once", "duplicated", "[1, 2, 2, 9]"),
        breach("job 9 is not waiting (not in waiting_jids)", "invented", "[1, 2, 2, 9]"),
    ]
    assert judged("S1", outcome((1, 2, 4, 5, 9, 7))) == [
        breach(
            "jobs 9 and 7 are not waiting (not in waiting_jids)", "invented", "[1, 2, 4, 5, 9, 7]"
        )
    ]
    assert judged("S1", outcome((1, 2, 2, 2, 4, 4, 5))) == [
        breach("jobs 2 and 4 are returned more than once", "duplicated", "[1, 2, 2, 2, 4, 4, 5]")
    ]
    assert judged("S1", outcome(None, WRONG_TYPE)) == [
        Breach(WRONG_TYPE.summary, "not a list of job ids", PERMUTATION, "type")
    ]


def test_s2_shows_both_orders() -> None:
    assert judged("S2", outcome(FIFO, repeat=Answer(FIFO))) == [
        Unjudged("the repeated and reordered calls were not made")
    ]
    assert judged("S2", outcome(FIFO, reorder=Answer(FIFO))) == [
        Unjudged("the repeated and reordered calls were not made")
    ]
    again = "the same order both times"
    assert judged("S2", outcome(FIFO, repeat=Answer((2, 5, 1, 4)), reorder=Answer(FIFO))) == [
        Breach(
            "two identical calls gave different orders",
            "first [2, 5, 4, 1], then [2, 5, 1, 4]",
            again,
            "nondeterministic",
        )
    ]
    failed = outcome(FIFO, repeat=Answer(None, RAISED), reorder=Answer((5, 2, 4, 1)))
    assert judged("S2", failed) == [
        Breach(
            "two identical calls gave different orders",
            "first [2, 5, 4, 1], then error: KeyError: 'priority'",
            again,
            "nondeterministic",
        )
    ]
    assert judged("S2", outcome(FIFO, repeat=Answer(FIFO), reorder=Answer((5, 2, 4, 1)))) == [
        Breach(
            "the order depends on the insertion order of waiting_jobs or of queues: with both "
            "reversed (equal inputs) the answer changed",
            "first [2, 5, 4, 1], then [5, 2, 4, 1]",
            "the same order: only waiting_jids' order carries meaning",
            "order-dependent",
        )
    ]


def test_s3_shows_the_swapped_twins_and_the_second_sort() -> None:
    swapped = (5, 2, 4, 1)
    assert judged("S3", outcome(swapped, repeat=Answer(swapped), reorder=Answer(swapped))) == [
        Breach(
            "jobs 2 and 5 are identical but for their ids, yet job 5 was put before job 2",
            "[5, 2, 4, 1]",
            "job 2 before job 5, as in waiting_jids [1, 2, 4, 5]",
            "ties",
        )
    ]
    same = {"repeat": Answer(FIFO), "reorder": Answer(FIFO)}
    assert judged("S3", outcome(FIFO, **same)) == [Unjudged("the answer was not sorted again")]
    assert judged("S3", outcome(FIFO, resort=Answer(None, RAISED), **same)) == [
        Breach(
            "sorting the answer again (waiting_jids = [2, 5, 4, 1]) changed it",
            "error: KeyError: 'priority'",
            "[2, 5, 4, 1] again",
            "not-idempotent",
        )
    ]
    assert judged("S3", outcome(FIFO, resort=Answer(FIFO), **same)) == []


def test_s4_names_the_edge_inputs_of_the_failed_call() -> None:
    answer = "a list of job ids (waiting_jids itself is a valid answer)"
    assert judged("S4", outcome(None, RAISED)) == [
        Breach(
            "KeyError: 'priority' (inputs with jobs without types, jobs identical but for their "
            "ids, config '{}')",
            "an exception",
            answer,
            "raised",
        )
    ]
    edgeless = replace(
        SCENARIO,
        jobs=tuple(replace(j, types={"t": ""}) for j in SCENARIO.jobs[:3]),
        config="{'a': 1}",
    )
    assert judged("S4", outcome(None, TIMEOUT), edgeless) == [
        Breach(TIMEOUT.summary, "no answer in time", answer, "timeout")
    ]
    died = PluginError("died", "the plugin's process ended")
    assert judged("S4", outcome(None, died), edgeless) == [
        Breach("the plugin's process ended", "the plugin's process ended", answer, "died")
    ]
    empty = replace(SCENARIO, jobs=(), now=0)
    assert judged("S4", outcome(None, RAISED), empty)[0].message == (  # type: ignore[attr-defined]
        "KeyError: 'priority' (inputs with no waiting job, now = 0, config '{}')"
    )
    assert judged("S4", outcome(None, PluginError("raised", "KeyError: 7", oar3=True))) == [
        Unjudged("KeyError: 7")
    ]


def test_s5_names_every_input_changed() -> None:
    changed = ("waiting_jids", "waiting_jobs[2]", "waiting_jobs[1]")
    assert judged("S5", outcome(FIFO, mutated=changed)) == [
        Breach(
            "the call changed waiting_jids, waiting_jobs[2], waiting_jobs[1]",
            "waiting_jids, waiting_jobs[2], waiting_jobs[1] modified in place",
            "inputs left as they were (sort a copy: sorted(waiting_jids, key=...))",
            "waiting_jids+waiting_jobs",
        )
    ]

"""Words a reader trips on: oarsub lines a shell can run, plurals, empty sets said in words.

Every ``oarsub`` line a report shows is parsed back with ``shlex.split``, as a shell would
read it once pasted, on requests whose properties hold quotes, spaces and characters a
shell reads inside double quotes.
"""

from __future__ import annotations

import shlex

from hypothesis import given
from hypothesis import strategies as st

from oar_conformance.catalogue import get
from oar_conformance.families.campaigns.scenario import CampaignScenario, Submit
from oar_conformance.families.find.outcome import FindOutcome
from oar_conformance.families.find.render import render_find_case, reproducer_find
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.families.rounds.outcome import GanttEntry, RoundOutcome
from oar_conformance.families.rounds.render import render_round_case
from oar_conformance.families.rounds.scenario import RoundScenario
from oar_conformance.model import Group, Job, Level, Moldable, Platform, Queue, plural
from oar_conformance.plugins import FIND_GROUP
from oar_conformance.stats import PluginStats, RunStats

PLATFORM = Platform((Level("host", (frozenset({1, 2}), frozenset({3, 4}))),))

EXPRESSIONS = st.text(
    alphabet=st.sampled_from("ab =<>8'\"$`!\\{}()*;&|#~"), min_size=1, max_size=20
) | st.sampled_from(["color='red'", "mem > 8 and cluster='a b'", 'name="it\'s"'])
"""Property expressions as a site may write them, quotes and shell characters included."""


def _group(expression: str) -> Group:
    return Group((("host", 1),), PLATFORM.resources, expression)


def _oarsub(line: str) -> list[str]:
    """The words of the ``oarsub`` command in ``line``, as a shell reads them."""
    return shlex.split(line[line.index("oarsub") :])


@given(EXPRESSIONS)
def test_the_find_case_and_reproducer_quote_the_request_for_a_shell(expression: str) -> None:
    groups = (_group(expression), Group((("host", 1),), PLATFORM.resources))
    scenario = FindScenario(PLATFORM, PLATFORM.resources, groups)
    request = scenario.oarsub()

    case = render_find_case(scenario, frozenset({1, 2}))
    script = reproducer_find(
        scenario, group=FIND_GROUP, name="sample_disjoint_fit", invariant="F1", family="find"
    )

    (line,) = [t for t in case.splitlines() if t.startswith("request: ")]
    assert _oarsub(line) == ["oarsub", "-l", request]
    (comment,) = [t for t in script.splitlines() if t.startswith("# oarsub ")]
    assert _oarsub(comment) == ["oarsub", "-l", request]


@given(EXPRESSIONS, st.sampled_from(["", "x", "it's", "a b"]))
def test_a_job_s_oarsub_line_passes_every_argument_as_one_word(expression: str, value: str) -> None:
    moldables = (Moldable(1, 600, (_group(expression),)), Moldable(2, 60, (_group(""),)))
    job = Job(7, moldables, queue="default", types={"t y'pe": value, "besteffort": ""})

    words = _oarsub(job.oarsub(("-a", "3")))

    assert words == [
        "oarsub",
        *("-q", "default"),
        *("-l", moldables[0].oarsub()),
        *("-l", moldables[1].oarsub()),
        *("-t", "besteffort"),
        *("-t", f"t y'pe={value}" if value else "t y'pe"),
        *("-a", "3"),
    ]


def test_campaign_and_round_renderings_quote_their_oarsub_lines() -> None:
    moldable = Moldable(1, 600, (_group("color='red'"),))
    job = Job(1, (moldable,), dependencies=())
    later = Job(2, (moldable,), dependencies=(1,))
    campaign = CampaignScenario(PLATFORM, (Submit(job, reservation=300), Submit(later)))
    first, second = campaign.script()
    scenario = RoundScenario(
        PLATFORM, 0, (Queue("default", 2),), (), (job,), plugin_jobs=frozenset({1})
    )

    case = render_round_case(scenario, RoundOutcome((), (), (), group=FIND_GROUP))

    assert _oarsub(first.partition("  -> ")[0]) == [
        "oarsub",
        *("-q", "default"),
        *("-l", moldable.oarsub()),
        *("-r", "86700"),
    ]
    assert _oarsub(second.partition("  -> ")[0])[-2:] == ["-a", "1"]
    (line,) = [t for t in case.splitlines() if "oarsub" in t]
    assert _oarsub(line)[-4:] == ["-l", moldable.oarsub(), "-t", "find=PLUGIN"]
    assert "oarsub -q default -l \"{color='red'}/host=1,walltime=0:10:00\"" in case


def test_plural_says_one_thing_and_many_things() -> None:
    assert [plural(n, "job") for n in (0, 1, 2)] == ["0 jobs", "1 job", "2 jobs"]
    assert plural(1, "shrink try", "shrink tries") == "1 shrink try"
    assert plural(3, "shrink try", "shrink tries") == "3 shrink tries"


def test_statistics_and_platforms_say_one_in_the_singular() -> None:
    stats = RunStats()
    stats.plugins["oar.find_func:x"] = PluginStats(examples=1, allocated=1, errors=1)
    stats.plugins["oar.find_func:x"].shrink_tries = 1
    stats.plugins["oar.find_func:x"].found_in_oar3("F8", "first")

    assert stats.lines()[0] == (
        "oar.find_func:x: 1 example, 1 allocated, 0 empty, 0 unschedulable, 1 error "
        "(plus 1 shrink try)"
    )
    assert "in 1 example;" in stats.oar3_lines()[0]
    one = Platform((Level("host", (frozenset({1}),)),))
    assert repr(one).startswith("Platform(1 resource,")
    assert "platform: 1 resource," in render_find_case(
        FindScenario(one, one.resources, (Group((("host", 1),), one.resources),)), None
    )


def _said(violation: object) -> list[str]:
    """The message, Received and Expected texts of ``violation``."""
    return [getattr(violation, name) for name in ("message", "received", "expected")]


def test_an_answer_where_nothing_matches_the_constraints_is_said_in_words() -> None:
    nothing = Group((("host", 1),), frozenset(), "mem>8")
    scenario = FindScenario(PLATFORM, PLATFORM.resources, (nothing,))

    (violation,) = get("F1").check(scenario, FindOutcome(frozenset({1, 2})))

    assert violation.expected == "an empty ProcSet: nothing matches {mem>8}"
    assert "-" not in _said(violation)
    assert "group 1 {mem>8} selects nothing" in render_find_case(scenario, frozenset({1, 2}))


def test_an_empty_answer_is_said_in_words_where_it_differs() -> None:
    scenario = FindScenario(PLATFORM, PLATFORM.resources, (_group(""),))

    (violation,) = get("F5").check(scenario, FindOutcome(frozenset(), repeat=frozenset({1, 2})))

    assert violation.received == "first an empty ProcSet, then 1-2"


def test_a_gantt_row_without_resources_is_said_in_words() -> None:
    job = Job(1, (Moldable(1, 600, (_group(""),)),))
    scenario = RoundScenario(PLATFORM, 0, (Queue("default", 2),), (), (job,))
    empty = GanttEntry(1, 1, 0, 600, frozenset(), running=False)

    (violation,) = get("R1").check(scenario, RoundOutcome((), (empty,), ()))

    assert violation.message == "job 1 holds no resources in the gantt"
    assert violation.received == "no resources"

"""Tests of the assign renderings: the gantt chart, the case text and the reproducer.

Renderings are compared to reviewed snapshots in ``snapshots/`` (see ``test_render``).
The reproducer is also run against OAR3, when installed, and must place the jobs as the
kit's adapter does.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from test_render import assert_snapshot

from oar_conformance import oar3
from oar_conformance.catalogue import get
from oar_conformance.families.assign.outcome import (
    AssignOutcome,
    FindCalls,
    JobResult,
    Placement,
    QuotaCheck,
    QuotaUsage,
)
from oar_conformance.families.assign.render import (
    assign_case,
    render_assign_case,
    render_gantt,
    reproducer_assign,
)
from oar_conformance.families.assign.scenario import (
    AssignScenario,
    QuotaRule,
    QuotaRules,
    Window,
)
from oar_conformance.model import ALL, Group, Job, Level, Moldable, Platform, to_procset
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import PluginSpec
from oar_conformance.report import render_failure
from oar_conformance.reproducer import FailureContext
from oar_conformance.violations import Breach

Ids = frozenset[int]

PLATFORM = Platform(
    (
        Level("switch", (frozenset(range(1, 5)), frozenset(range(5, 9)))),
        Level("host", tuple(frozenset({i, i + 1}) for i in range(1, 9, 2))),
    )
)


def ids(*values: int) -> Ids:
    return frozenset(values)


def host(mld_id: int, count: int = 1, walltime: int = 60) -> Moldable:
    return Moldable(mld_id, walltime, (Group((("host", count),), PLATFORM.resources),))


SCENARIO = AssignScenario(
    platform=PLATFORM,
    now=600,
    busy=(Window(540, 180, ids(1, 2)),),
    jobs=(
        Job(1, (host(1), host(2, count=2, walltime=30))),
        Job(2, (host(3),), dependencies=(1,)),
        Job(3, (Moldable(4, 60, (Group((("switch", ALL),), PLATFORM.resources),)),)),
    ),
)


def placed(job_id: int, start: int, walltime: int, mld: int, res: Ids, **kw: Any) -> JobResult:
    return JobResult(job_id, True, kw.pop("min_start_time", -1), start, walltime, mld, res, **kw)


CLASHING = AssignOutcome(
    jobs=(
        placed(1, 600, 120, 1, ids(3, 4)),
        placed(2, 660, 120, 3, ids(3, 4), min_start_time=720),
        placed(3, -1, None, -1, ids()),
    ),
    reference=None,
)


def outcome_with_reference() -> AssignOutcome:
    """``CLASHING`` with what OAR3's default really does on ``SCENARIO``."""
    default = (
        Placement(1, 600, 90, 2, frozenset(range(3, 7))),
        Placement(2, 690, 120, 3, ids(3, 4)),
        Placement(3, 810, 120, 4, PLATFORM.resources),
    )
    return replace(CLASHING, reference=default)


# -- the gantt chart ----------------------------------------------------------------------


def test_gantt_marks_jobs_occupation_and_clashes() -> None:
    assert render_gantt(SCENARIO, CLASHING).splitlines() == [
        "resources  -60 0   60  120 180",
        "1-2        xxxxxxxxxxxx....",
        "3-4        ....1111!!!!2222",
        "5-8        ................",
        "legend: ! clash  x already scheduled  1 job 1  2 job 2  . free  "
        "(times in seconds from now)",
    ]


def test_gantt_uses_letters_when_last_digits_collide() -> None:
    scenario = replace(SCENARIO, busy=(), jobs=(Job(1, (host(1),)), Job(11, (host(2),))))
    outcome = AssignOutcome(
        jobs=(placed(1, 600, 120, 1, ids(1, 2)), placed(11, 600, 120, 2, ids(3, 4)))
    )
    lines = render_gantt(scenario, outcome).splitlines()
    assert lines[1:3] == ["1-2        aaaa", "3-4        bbbb"]
    assert "a job 1  b job 11" in lines[-1]


def test_gantt_without_anything_scheduled() -> None:
    scenario = replace(SCENARIO, busy=())
    outcome = AssignOutcome(jobs=(placed(1, -1, None, -1, ids()),))
    assert render_gantt(scenario, outcome) == ("(nothing scheduled: every resource free all along)")


def test_gantt_caps_rows() -> None:
    platform = Platform((Level("host", tuple(frozenset({i}) for i in range(1, 101))),))
    scenario = AssignScenario(platform, 0, (), (Job(1, (host(1),)),))
    outcome = AssignOutcome(jobs=(placed(1, 0, 120, 1, frozenset(range(1, 101, 2))),))
    lines = render_gantt(scenario, outcome, max_rows=10).splitlines()
    assert len(lines) == 13
    assert lines[-2] == "... 90 more resources in 90 more rows"


# -- the case -------------------------------------------------------------------------------


def test_assign_case_snapshot() -> None:
    assert_snapshot("assign_case", render_assign_case(SCENARIO, outcome_with_reference()))


FEATURES = replace(
    SCENARIO,
    busy=(),
    jobs=(
        Job(1, (host(1),), user="bob", types={"deploy": ""}),
        Job(2, (host(2),), user="bob", project="physics", types={"find": "last_blocks:x"}),
    ),
    quotas=QuotaRules(
        (QuotaRule("*", "*", "*", "/", resources=2), QuotaRule("*", "/", "deploy", "*", jobs=1)),
        job_types=("deploy",),
    ),
)
"""Quotas on, a typed job of bob and a find= job of bob that broke his quota."""


def test_assign_case_with_quotas_and_a_find_job_snapshot() -> None:
    over = QuotaCheck(
        False,
        2,
        message="nb resources quotas failed",
        rule="*,*,*,/",
        limit=2,
        slot=(600, 719),
        usage=(QuotaUsage("*,*,*,bob", 2, 1), QuotaUsage("*,physics,*,*", 0, 0)),
    )
    calls = FindCalls("last_blocks", (ids(7, 8),), window=ids(7, 8))
    outcome = AssignOutcome(
        jobs=(
            placed(1, 600, 120, 1, ids(1, 2), quotas=QuotaCheck(True, 2)),
            placed(2, 600, 120, 2, ids(3, 4), quotas=over, find=calls),
        )
    )
    assert_snapshot("assign_case_features", render_assign_case(FEATURES, outcome))


def test_assign_case_shows_errors_and_unreached_jobs() -> None:
    error = PluginError("raised", "ValueError: no", "Traceback (most recent call last):\n  ...")
    outcome = AssignOutcome(
        jobs=(replace(placed(1, 600, 120, 1, ids(3, 4)), error=error),), error=error
    )
    text = render_assign_case(SCENARIO, outcome)
    assert "    plugin set: error: ValueError: no" in text
    assert text.count("not reached: the round stopped at the failed call") == 2


def test_assign_case_shows_jobs_oar_skipped_and_bad_types() -> None:
    skipped = JobResult(2, False, -1, -1, None, None, None)
    typed = replace(placed(1, 600, 120, 1, None), bad_types=("res_set is set {3}, not a ProcSet",))
    text = render_assign_case(SCENARIO, AssignOutcome(jobs=(typed, skipped)))
    assert "res_set=None (res_set is set {3}, not a ProcSet)" in text
    assert "not called: OAR3 skipped it for its dependencies (start_time -1)" in text


def test_assign_case_in_a_failure_report() -> None:
    error = PluginError("raised", "ValueError: no", "Traceback (most recent call last):\n  ...")
    outcome = AssignOutcome(jobs=(replace(CLASHING.jobs[0], error=error),), error=error)
    violation = get("A1").violation(
        Breach("job 1: ValueError: no", kind="raised"), SCENARIO, outcome
    )
    context = FailureContext(
        spec=PluginSpec("oar.assign_func", "mine"),
        invariant=get("A1"),
        command="pytest --oar-plugin=oar.assign_func:mine",
    )
    case, snippet = assign_case(violation, context)
    assert case.endswith("plugin traceback:\n  Traceback (most recent call last):\n    ...")
    assert snippet.startswith("# A1 outcome well formed, and no failed call: job 1: ValueError")
    report = render_failure(violation, context)
    assert "Counterexample (shrunk):\n  platform: 8 resources" in report
    assert "    NAME = 'mine'" in report


# -- the reproducer -----------------------------------------------------------------------


def test_reproducer_snapshot() -> None:
    source = reproducer_assign(
        SCENARIO,
        group="oar.assign_func",
        name="mine",
        invariant="A3",
        family="assign",
        args=("2",),
        kwargs={"mode": "fast"},
        comment="A6 no two jobs of one schedule share a resource at the same time",
    )
    assert_snapshot("reproducer_assign", source)
    assert max(len(line) for line in source.splitlines()) <= 100


class FakeEntryPoint:
    def __init__(self, name: str, target: Any) -> None:
        self.name = name
        self.target = target

    def load(self) -> Any:
        return self.target


@pytest.mark.oar3
@pytest.mark.skipif(not oar3.status().available, reason=oar3.status().skip_line)
def test_reproducer_places_jobs_as_the_adapter_does(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from oar_conformance.families.assign.runner import AssignRunner  # noqa: PLC0415

    sched = oar3.scheduling()
    calls: list[tuple[Any, ...]] = []

    def plugin(
        slots_set: Any, job: Any, hy: Any, min_start_time: int, *args: Any, **kw: Any
    ) -> None:
        calls.append((job.id, min_start_time, args, kw))
        sched.assign_resources_mld_job_split_slots(slots_set, job, hy, min_start_time)

    def entry_points(*, group: str) -> list[FakeEntryPoint]:
        assert group == "oar.assign_func"
        return [FakeEntryPoint("mine", plugin)]

    expected = AssignRunner(plugin, ("2",), {"mode": "fast"}).run(SCENARIO).placements
    adapter_calls = list(calls)
    calls.clear()
    source = reproducer_assign(
        SCENARIO,
        group="oar.assign_func",
        name="mine",
        invariant="A3",
        family="assign",
        args=("2",),
        kwargs={"mode": "fast"},
    )
    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    namespace: dict[str, Any] = {"__name__": "reproducer"}
    exec(compile(source, "reproducer.py", "exec"), namespace)
    namespace["show"]()
    printed = capsys.readouterr().out.splitlines()
    assert calls == adapter_calls
    assert [c[2:] for c in calls] == [(("2",), {"mode": "fast"})] * len(SCENARIO.jobs)
    assert any(min_start_time > 0 for _, min_start_time, _, _ in calls)
    for placement, line in zip(expected, printed, strict=False):
        res_set = to_procset(placement.res_set or frozenset())
        assert line == (
            f"job {placement.job_id}: start_time={placement.start_time} "
            f"walltime={placement.walltime} moldable_id={placement.moldable_id} "
            f"res_set={res_set}"
        )


@pytest.mark.oar3
@pytest.mark.skipif(not oar3.status().available, reason=oar3.status().skip_line)
def test_reproducer_runs_with_plain_python_against_an_installed_plugin(tmp_path: Path) -> None:
    script = tmp_path / "reproduce.py"
    script.write_text(
        reproducer_assign(
            SCENARIO,
            group="oar.assign_func",
            name="sample_oar_default",
            invariant="A3",
            family="assign",
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == [
        "job 1: start_time=600 walltime=90 moldable_id=2 res_set=3-6",
        "job 2: start_time=690 walltime=120 moldable_id=3 res_set=3-4",
        "job 3: start_time=810 walltime=120 moldable_id=4 res_set=1-8",
    ]
    assert lines[3].startswith("Slot(id=")

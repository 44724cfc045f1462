"""Tests of the sort counterexample rendering and of its reproducer script.

Renderings are compared to reviewed snapshots in ``snapshots/``, with the same rules as
tests/unit/test_render.py: a missing snapshot is written and the test fails, so a new
rendering is always read by a person before CI accepts it.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_render import assert_snapshot, run_reproducer

from oar_conformance.catalogue import get
from oar_conformance.families.sort.outcome import Answer, SortOutcome
from oar_conformance.families.sort.render import render_sort_case, reproducer_sort, sort_case
from oar_conformance.families.sort.runner import SortRunner
from oar_conformance.families.sort.scenario import SortScenario
from oar_conformance.model import Group, Job, Moldable, Queue
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import PluginSpec
from oar_conformance.report import render_failure
from oar_conformance.reproducer import FailureContext

GROUP = "oar.jobs_sorting_func"


EVERYTHING = frozenset(range(1, 5))


def job(jid: int, **kw: Any) -> Job:
    alternative = Moldable(jid, 600, (Group((("host", 1),), EVERYTHING),))
    return Job(jid, (alternative,), **kw)


SCENARIO = SortScenario(
    queues=(Queue("default", 2), Queue("besteffort", 2)),
    now=3600,
    jobs=(
        job(1, user="alice", submission_time=300, types={"timesharing": "user,*"}),
        job(3, user="bob", project="physics", submission_time=100, dependencies=(1,)),
        job(4, queue="besteffort", user="carol", submission_time=200, types={"besteffort": ""}),
        job(5, user="bob", project="physics", submission_time=100, dependencies=(1,)),
    ),
    config='{"priority": {"user": {"bob": 2}}}',
)


def context(name: str, invariant_id: str) -> FailureContext:
    return FailureContext(
        spec=PluginSpec(GROUP, name),
        invariant=get(invariant_id),
        command=f"pytest --oar-plugin={GROUP}:{name} -k {invariant_id}",
    )


def test_sort_case_snapshot_shows_swapped_ties_and_every_call() -> None:
    swapped = (5, 3, 4, 1)
    outcome = SortOutcome(
        Answer(swapped),
        repeat=Answer(swapped),
        reorder=Answer(swapped),
        resort=Answer((3, 5, 4, 1)),
    )
    assert_snapshot("sort_case", render_sort_case(SCENARIO, outcome))


def test_sort_case_marks_lost_and_duplicated_jobs() -> None:
    text = render_sort_case(SCENARIO, SortOutcome(Answer((3, 3, 9, 4))))
    table = text.splitlines()[5:9]
    assert [row.split()[1] for row in table] == ["lost", "1,2", "4", "lost"]
    assert text.splitlines()[-3:] == ["lost: 1 and 5", "duplicated: 3 (2 times)", "invented: 9"]


def test_sort_case_of_a_failed_call_and_of_no_job() -> None:
    failed = SortOutcome(Answer(None, PluginError("raised", "KeyError: 'x'")))
    text = render_sort_case(SCENARIO, failed)
    assert [row.split()[1] for row in text.splitlines()[5:9]] == ["?"] * 4
    assert "returned:     error: KeyError: 'x'" in text
    empty = SortScenario((Queue("default", 0),), 0, ())
    assert render_sort_case(empty, SortOutcome(Answer(()))).splitlines()[3:6] == [
        "waiting jobs, in waiting_jids order (0):",
        "  (none)",
        "waiting_jids: []",
    ]


def test_reproducer_snapshot() -> None:
    source = reproducer_sort(
        SCENARIO,
        group=GROUP,
        name="mine",
        invariant="S3",
        family="sort",
        comment="S3 stable: swapped",
    )
    assert_snapshot("reproducer_sort", source)
    assert max(map(len, source.splitlines())) <= 100


def test_failure_report_snapshot() -> None:
    def boom(queues: Any, now: Any, jids: Any, jobs: Any, config: str, plt: Any) -> Any:
        raise KeyError("priority")

    outcome = SortRunner(boom).run(SCENARIO)
    (violation,) = get("S4").check(SCENARIO, outcome)
    text = render_failure(violation, context("bad", "S4"))
    head, traceback = text.split("  plugin traceback (first call):\n")
    assert_snapshot("sort_failure", head.rstrip())
    assert 'raise KeyError("priority")' in traceback
    assert "Reproduce with:\n  pytest --oar-plugin=oar.jobs_sorting_func:bad -k S4" in traceback
    assert "    # S4 does not raise" in traceback


class Recorder:
    """A fake plugin remembering every job's attributes and answering in reverse."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, queues: Any, now: Any, jids: Any, jobs: Any, config: str, plt: Any) -> Any:
        attributes = {jid: dict(vars(record)) for jid, record in jobs.items()}
        self.calls.append((queues, now, list(jids), attributes, config, plt.get_time()))
        return list(reversed(jids))


def test_reproducer_passes_what_the_kit_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    in_kit = Recorder()
    SortRunner(in_kit).run(SCENARIO)
    standalone = Recorder()
    source = reproducer_sort(SCENARIO, group=GROUP, name="mine", invariant="S3", family="sort")
    assert run_reproducer(source, monkeypatch, standalone, GROUP)["reproduce"]() == [5, 4, 3, 1]
    assert standalone.calls == in_kit.calls
    (call,) = standalone.calls
    assert call[3][1]["ts_user"] == "user"
    assert call[3][3]["deps"] == [(1, "Waiting", None)]


def test_reproducer_reports_a_missing_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    source = reproducer_sort(SCENARIO, group=GROUP, name="absent", invariant="S3", family="sort")
    namespace = run_reproducer(source, monkeypatch, Recorder(), GROUP)
    with pytest.raises(LookupError, match="no entry point 'absent'"):
        namespace["reproduce"]()


def test_reproducer_runs_with_plain_python_against_an_installed_sample(tmp_path: Path) -> None:
    """The sample distribution (tests/samples) is installed: load sample_fifo for real."""
    if not any(ep.name == "sample_fifo" for ep in importlib.metadata.entry_points(group=GROUP)):
        pytest.skip("the sample plugins are not installed (pip install -e tests/samples)")
    script = tmp_path / "reproduce.py"
    script.write_text(
        reproducer_sort(SCENARIO, group=GROUP, name="sample_fifo", invariant="S3", family="sort")
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "returned: [3, 5, 4, 1]\nconforms\n"


def test_sort_case_returns_the_case_and_a_reproducer_naming_the_violation() -> None:
    outcome = SortOutcome(Answer((3, 4, 1)))
    (violation,) = get("S1").check(SCENARIO, outcome)
    case, snippet = sort_case(violation, context("bad_s1", "S1"))
    assert case.splitlines()[-1] == "lost: 5"
    assert snippet.splitlines()[0] == (
        "# S1 permutation of waiting_jids (nothing lost, duplicated or invented): "
        "job 5 is missing from the answer"
    )
    assert "NAME = 'bad_s1'" in snippet

"""Tests of the human renderings and of the reproducer script.

Renderings are compared to reviewed snapshots in ``snapshots/``; a missing snapshot is
written and the test fails, so a new rendering is always read by a person before CI
accepts it.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from procset import ProcSet

from oar_conformance.families.find.render import render_find_case, render_hierarchy, reproducer_find
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.model import ALL, BEST, Group, Level, Platform, to_procset
from oar_conformance.reproducer import procset_literal

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_VARIABLE = "OAR_CONFORMANCE_UPDATE_SNAPSHOTS"


def assert_snapshot(name: str, text: str, directory: Path | None = None) -> None:
    """Compare ``text`` to the reviewed snapshot ``name``; write it when missing or asked.

    Writing fails the test with a hint, so a snapshot is never created silently.
    """
    path = (directory or SNAPSHOTS) / f"{name}.txt"
    content = text + "\n"
    exists = path.exists()
    if exists and path.read_text() == content:
        return
    if not exists or os.environ.get(UPDATE_VARIABLE) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        verb = "created" if not exists else "updated"
        pytest.fail(
            f"snapshot {path} {verb}: review it (git diff / git add) and run the tests again",
            pytrace=False,
        )
    assert text == path.read_text().removesuffix("\n"), (
        f"rendering differs from snapshot {path}; if the change is intended, rerun with "
        f"{UPDATE_VARIABLE}=1 and review the diff"
    )


def blocks(*spans: tuple[int, int]) -> tuple[frozenset[int], ...]:
    return tuple(frozenset(range(a, b + 1)) for a, b in spans)


def ids(*spans: tuple[int, int] | int) -> frozenset[int]:
    out: set[int] = set()
    for span in spans:
        a, b = span if isinstance(span, tuple) else (span, span)
        out.update(range(a, b + 1))
    return frozenset(out)


@pytest.fixture
def small() -> Platform:
    """Two switches: hosts 1-3 and 4-6 under the first, host 8-9 under the second."""
    return Platform(
        (
            Level("switch", blocks((1, 6), (8, 9))),
            Level("host", blocks((1, 3), (4, 6), (8, 9))),
        )
    )


@pytest.fixture
def with_cores() -> Platform:
    """Switch / host / core, cores being single resources."""
    return Platform(
        (
            Level("switch", blocks((1, 8), (9, 12))),
            Level("host", blocks((1, 4), (5, 8), (9, 12))),
            Level("core", blocks(*((i, i) for i in range(1, 13)))),
        ),
        properties={"color": {i: "red" if i <= 6 else "blue" for i in range(1, 13)}},
    )


def big_platform(resources: int = 65_000) -> Platform:
    """cluster / switch (1000 resources) / host (40) / core (single resources)."""
    return Platform(
        (
            Level("cluster", (frozenset(range(1, resources + 1)),)),
            Level("switch", blocks(*((i, i + 999) for i in range(1, resources + 1, 1000)))),
            Level("host", blocks(*((i, i + 39) for i in range(1, resources + 1, 40)))),
            Level("core", tuple(frozenset({i}) for i in range(1, resources + 1))),
        )
    )


# -- render_hierarchy ---------------------------------------------------------------------


def test_hierarchy_with_marks_snapshot(small: Platform) -> None:
    marks = {
        "chosen": ids((1, 2)),
        "busy": ids((4, 5)),
        "outside constraints": ids((8, 9)),
        "free": ids((1, 3), 6, (8, 9)),
    }
    assert_snapshot("hierarchy_marks", render_hierarchy(small, marks=marks))


def test_hierarchy_without_marks(small: Platform) -> None:
    text = render_hierarchy(small)
    assert text.splitlines() == [
        "switch 1-6",
        "  host 1-3  [. . .]",
        "  host 4-6  [. . .]",
        "switch 8-9",
        "  host 8-9  [. .]",
        "legend: . resource",
    ]


def test_single_resource_children_show_as_marks_of_their_parent(with_cores: Platform) -> None:
    text = render_hierarchy(with_cores, marks={"chosen": ids(1, 2, 9)})
    *tree, legend = text.splitlines()
    assert not any("core" in line for line in tree)
    assert "  host 1-4   [# # . .]  chosen 1-2" in tree
    assert legend == "legend: # chosen  . unmarked  (each core is one resource)"


def test_a_small_top_level_of_single_resources_shows_each() -> None:
    platform = Platform((Level("host", blocks((1, 1), (2, 2), (3, 3))),))
    assert render_hierarchy(platform, marks={"chosen": ids(1, 2)}).splitlines() == [
        "host 1  [#]  all chosen",
        "host 2  [#]  all chosen",
        "host 3  [.]",
        "legend: # chosen  . unmarked",
    ]


def test_a_top_level_of_single_resources_is_one_line() -> None:
    platform = Platform((Level("resource_id", blocks(*((i, i) for i in range(1, 65_001)))),))
    text = render_hierarchy(platform, marks={"chosen": ids(2, 64_999)})
    assert text.splitlines() == [
        "resource_id 1-65000 (65000 blocks)  [. # .*64996 # .]  chosen 2,64999",
        "legend: # chosen  . unmarked",
    ]


def test_legend_lists_only_marks_that_show(small: Platform) -> None:
    text = render_hierarchy(small, marks={"chosen": ids(1), "busy": frozenset(), "free": ids(2)})
    assert text.splitlines()[-1] == "legend: # chosen  . free / unmarked"
    text = render_hierarchy(small, marks={"busy": ids((1, 6)), "free": ids((1, 6))})
    assert text.splitlines()[-1] == "legend: x busy  . unmarked"


@pytest.mark.parametrize(
    ("other", "char", "label"),
    [("busy", "!", "chosen but busy"), ("outside constraints", "^", "chosen but outside")],
)
def test_clash_is_visible(small: Platform, other: str, char: str, label: str) -> None:
    text = render_hierarchy(small, marks={"chosen": ids((1, 2)), other: ids((2, 4))})
    host = next(line for line in text.splitlines() if "host 1-3" in line)
    assert f"[# {char} " in host
    assert f"{char} {label}" in text.splitlines()[-1]


def test_busy_clash_wins_over_outside_clash(small: Platform) -> None:
    marks = {"chosen": ids(1), "busy": ids(1), "outside constraints": ids(1)}
    assert "[! . .]" in render_hierarchy(small, marks=marks)


def test_unknown_marks_get_letters_skipping_known_symbols(small: Platform) -> None:
    names = [f"mark{i:02d}" for i in range(25)]
    marks = {name: ids(1) if name != "mark23" else ids(2) for name in names}
    text = render_hierarchy(small, marks=marks)
    # mark00 is the most important and shows on resource 1; mark23 gets 'y' ('x' is busy).
    assert "[a y .]" in text
    assert "a mark00" in text
    assert "y mark23" in text


def test_unknown_mark_outranks_chosen(small: Platform) -> None:
    text = render_hierarchy(small, marks={"chosen": ids((1, 3)), "duplicated": ids(2)})
    assert "[# a #]" in text
    assert text.splitlines()[-1] == "legend: a duplicated  # chosen  . unmarked"


def test_marks_outside_the_platform_are_reported(small: Platform) -> None:
    text = render_hierarchy(small, marks={"chosen": ids(1, 7, 100)})
    assert "marked but not in the platform: chosen 7,100" in text


def test_large_blocks_use_packed_then_run_length_marks() -> None:
    platform = Platform((Level("host", blocks((1, 20), (21, 120))),))
    text = render_hierarchy(platform, marks={"busy": ids((1, 2), (21, 30))})
    assert "[xx..................]" in text
    assert "[x*10 .*90]  busy 21-30" in text


def test_uniform_blocks_fold_when_the_tree_does_not_fit() -> None:
    platform = Platform(
        (
            Level("switch", blocks((1, 40), (41, 80))),
            Level("host", blocks(*((i, i + 1) for i in range(1, 81, 2)))),
        )
    )
    text = render_hierarchy(platform, marks={"chosen": ids(3)}, max_lines=10)
    assert "switch 41-80 (20 host blocks)  [.*40]" in text
    # The first switch is not uniform: its hosts show, alike ones merged.
    assert "host 3-4" in text
    assert "host 5-40 (18 blocks)" in text
    assert len(text.splitlines()) <= 10


def test_big_platform_is_capped() -> None:
    """Its rendering time is measured by the benchmark (scale section)."""
    platform = big_platform()
    marks = {
        "chosen": ids((1, 3), 40_001),
        "busy": ids((1_001, 5_000), 40_001),
        "free": platform.resources - ids((1_001, 5_000), 40_001),
    }
    text = render_hierarchy(platform, marks=marks)
    lines = text.splitlines()
    assert len(lines) <= 60
    assert "chosen but busy" in lines[-1]
    assert any("!" in line for line in lines)


def test_unreadable_platform_is_summarised_on_one_line() -> None:
    platform = big_platform()
    marks = {"busy": frozenset(range(1, 65_001, 2))}  # no block is uniform
    text = render_hierarchy(platform, marks=marks, max_lines=20)
    lines = text.splitlines()
    assert len(lines) == 20
    assert lines[-2].startswith("... ")
    assert "more blocks" in lines[-2]
    assert "busy)" in lines[-2]


@pytest.mark.parametrize("max_lines", [4, 7, 60])
def test_max_lines_is_respected(with_cores: Platform, max_lines: int) -> None:
    marks = {"chosen": ids(1, 9, 50), "busy": ids((2, 5))}
    assert len(render_hierarchy(with_cores, marks=marks, max_lines=max_lines).splitlines()) <= (
        max_lines
    )


def test_too_few_lines_is_a_usage_error(small: Platform) -> None:
    with pytest.raises(ValueError, match="max_lines=3"):
        render_hierarchy(small, max_lines=3)


def test_empty_platform() -> None:
    assert render_hierarchy(Platform(())) == "(empty platform: no resources)"


@st.composite
def marked_platforms(draw: st.DrawFn) -> tuple[Platform, dict[str, frozenset[int]]]:
    """Two or three levels cut from consecutive ids, with random marks."""
    sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=30))
    bottom: list[frozenset[int]] = []
    start = 1
    for size in sizes:
        bottom.append(frozenset(range(start, start + size)))
        start += size + draw(st.integers(0, 2))
    levels = [Level("host", tuple(bottom))]
    for name in ("switch", "cluster")[: draw(st.integers(1, 2))]:
        cuts = draw(st.lists(st.integers(1, 4), min_size=1, max_size=len(levels[0].blocks)))
        upper: list[frozenset[int]] = []
        below = list(levels[0].blocks)
        for cut in cuts:
            if below:
                upper.append(frozenset().union(*below[:cut]))
                below = below[cut:]
        if below:
            upper.append(frozenset().union(*below))
        levels.insert(0, Level(name, tuple(upper)))
    platform = Platform(tuple(levels))
    everything = sorted(platform.resources)
    names = ["chosen", "busy", "outside constraints", "free", "odd"]
    marks = {
        name: frozenset(draw(st.lists(st.sampled_from(everything), max_size=10)))
        for name in draw(st.lists(st.sampled_from(names), unique=True))
    }
    return platform, marks


@given(marked_platforms(), st.integers(4, 30))
def test_every_rendering_fits_and_shows_each_resource_once(
    case: tuple[Platform, dict[str, frozenset[int]]], max_lines: int
) -> None:
    platform, marks = case
    lines = render_hierarchy(platform, marks=marks, max_lines=max_lines).splitlines()
    assert len(lines) <= max_lines
    assert lines[-1].startswith("legend: ")
    full = render_hierarchy(platform, marks=marks, max_lines=10_000).splitlines()
    marks_text = [line.split("[", 1)[1].split("]", 1)[0] for line in full if "[" in line]
    assert sum(map(count_marks, marks_text)) == len(platform.resources)


def count_marks(text: str) -> int:
    """How many resources ``# # .``, ``##.`` or ``#*2 .*30`` stands for."""
    tokens = text.split()
    if all(len(token) == 1 for token in tokens):
        return len(tokens)
    if len(tokens) == 1 and "*" not in text:
        return len(text)
    assert "..." not in tokens
    return sum(int(t.split("*")[1]) if "*" in t else 1 for t in tokens)


def test_count_marks() -> None:
    assert [count_marks(t) for t in ("# # .", "##.x", "#*2 x .*30", ".*40")] == [3, 4, 33, 40]


# -- render_find_case ---------------------------------------------------------------------


def scenario(platform: Platform) -> FindScenario:
    red = platform.with_property("color", "red")
    return FindScenario(
        platform=platform,
        available=platform.resources - ids(2, 3, 10),
        groups=(
            Group((("host", 1), ("core", 2)), platform.resources),
            Group((("host", ALL),), red, "color='red'"),
        ),
        beginning=False,
    )


def test_find_case_snapshot(with_cores: Platform) -> None:
    case = scenario(with_cores)
    text = render_find_case(case, ids(1, 2, 9), reference=ids((1, 4), (9, 12)))
    assert_snapshot("find_case", text)


def test_find_case_with_constraints_everywhere_marks_outside(with_cores: Platform) -> None:
    red = with_cores.with_property("color", "red")
    case = FindScenario(
        with_cores, with_cores.resources, (Group((("host", 1),), red, "color='red'"),)
    )
    text = render_find_case(case, ids(7, 8), marks={"clash": ids(7, 8)})
    assert "group 1 {color='red'} selects 1-6" in text
    assert "  host 5-8   [. . ^ ^]  chosen 7-8; outside constraints 7-8; clash 7-8" in text
    assert "^ chosen but outside constraints" in text


def test_find_case_error_and_empty_answers(with_cores: Platform) -> None:
    case = scenario(with_cores)
    failed = render_find_case(case, None)
    assert failed.splitlines()[-1] == "returned: nothing (error)"
    assert "#" not in failed
    assert "OAR3 default" not in failed
    empty = render_find_case(case, frozenset(), reference=ids(4))
    assert empty.splitlines()[-2:] == [
        "returned: nothing (empty ProcSet)",
        "OAR3 default would return: 4 (1 resource)",
    ]


# -- reproducer_find ----------------------------------------------------------------------


def test_procset_literal_round_trips() -> None:
    assert procset_literal(ids((1, 4), 7, (9, 10))) == "ProcSet((1, 4), 7, (9, 10))"
    assert procset_literal(frozenset()) == "ProcSet()"
    assert eval(procset_literal(ids((1, 4), 7))) == ProcSet((1, 4), 7)


class Recorder:
    """A fake plugin remembering what it was called with."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> ProcSet:
        self.calls.append((args, kwargs))
        return ProcSet(1, 9)


class FakeEntryPoint:
    def __init__(self, name: str, target: Any) -> None:
        self.name = name
        self.target = target

    def load(self) -> Any:
        return self.target


def run_reproducer(
    source: str, monkeypatch: pytest.MonkeyPatch, plugin: Any, group: str = "oar.find_func"
) -> dict[str, Any]:
    """Exec a reproducer with ``plugin`` registered as ``mine`` in entry-point ``group``."""
    expected_group = group

    def entry_points(*, group: str) -> list[FakeEntryPoint]:
        assert group == expected_group
        return [FakeEntryPoint("other", None), FakeEntryPoint("mine", plugin)]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    namespace: dict[str, Any] = {"__name__": "reproducer"}
    exec(compile(source, "reproducer.py", "exec"), namespace)
    return namespace


def test_reproducer_snapshot(with_cores: Platform) -> None:
    source = reproducer_find(
        scenario(with_cores),
        group="oar.find_func",
        name="mine",
        invariant="F1",
        family="find",
        args=("2",),
        kwargs={"mode": "fast"},
        comment="find.within-available: the plugin returned busy resources",
    )
    assert_snapshot("reproducer_find", source)


def test_reproducer_calls_the_plugin_with_equal_inputs(
    with_cores: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = scenario(with_cores)
    source = reproducer_find(
        case,
        group="oar.find_func",
        name="mine",
        invariant="F1",
        family="find",
        args=("2", "x"),
        kwargs={"mode": "fast"},
    )
    plugin = Recorder()
    namespace = run_reproducer(source, monkeypatch, plugin)
    assert namespace["reproduce"]() == ProcSet(1, 9)
    (args, kwargs), *_ = plugin.calls
    itvs_avail, hy_res_rqts, hy, beginning, *extra = args
    assert itvs_avail == to_procset(case.available)
    assert hy == with_cores.hy()
    assert hy_res_rqts == case.hy_res_rqts()
    assert hy_res_rqts[1][0] == [("host", ALL)]
    assert beginning is False
    assert extra == ["2", "x"]
    assert kwargs == {"mode": "fast"}


def test_reproducer_wraps_long_levels(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    platform = big_platform(4_000)
    case = FindScenario(
        platform, platform.resources - ids(7), (Group((("host", BEST),), platform.resources),)
    )
    source = reproducer_find(
        case, group="oar.find_func", name="mine", invariant="F1", family="find"
    )
    assert max(len(line) for line in source.splitlines()) <= 100
    assert "BEST = -2" in source
    assert "ALL = " not in source
    plugin = Recorder()
    run_reproducer(source, monkeypatch, plugin)["show"]()
    assert capsys.readouterr().out == "returned: ProcSet(1, 9)\n"
    (args, _), *_ = plugin.calls
    assert args[2] == platform.hy()
    assert args[0] == to_procset(case.available)


def test_reproducer_comment_is_a_leading_comment(small: Platform) -> None:
    case = FindScenario(small, small.resources, (Group((("host", 1),), small.resources),))
    source = reproducer_find(
        case, group="g", name="n", invariant="F1", family="find", comment="line one\n\nline three"
    )
    assert source.splitlines()[:4] == [
        "# line one",
        "#",
        "# line three",
        "# oarsub -l /host=1",
    ]


def install_plugin(root: Path) -> None:
    """A genuinely installed plugin: a module and its dist-info with an entry point."""
    (root / "fake_plugin.py").write_text(
        textwrap.dedent(
            """
            import json

            def find(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
                print(json.dumps({
                    "avail": str(itvs_avail),
                    "rqts": [[lv, str(c)] for lv, c in hy_res_rqts],
                    "hy": {k: [str(b) for b in v] for k, v in hy.items()},
                    "beginning": beginning, "args": args, "kwargs": kwargs,
                }))
                return itvs_avail
            """
        )
    )
    info = root / "fake_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[oar.find_func]\nfake = fake_plugin:find\n")


def test_reproducer_runs_with_plain_python_against_an_installed_plugin(
    small: Platform, tmp_path: Path
) -> None:
    install_plugin(tmp_path)
    case = FindScenario(small, ids((1, 4), 8), (Group((("switch", 1), ("host", 1)), ids((1, 6))),))
    script = tmp_path / "reproduce.py"
    script.write_text(
        reproducer_find(
            case, group="oar.find_func", name="fake", invariant="F1", family="find", args=("a",)
        )
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "ConformanceFailure: F1 " in done.stderr
    received, returned, *_ = done.stdout.splitlines()
    assert received == (
        '{"avail": "1-4 8", "rqts": [[[["switch", 1], ["host", 1]], "1-6"]], '
        '"hy": {"switch": ["1-6", "8-9"], "host": ["1-3", "4-6", "8-9"]}, '
        '"beginning": true, "args": ["a"], "kwargs": {}}'
    )
    assert returned == "returned: ProcSet((1, 4), 8)"


@pytest.mark.parametrize(("invariant", "outcome"), [("F1", "passed"), ("F2", "failed")])
def test_reproducer_runs_under_pytest(
    small: Platform, pytester: pytest.Pytester, invariant: str, outcome: str
) -> None:
    """The plugin returns every free resource: inside them (F1 holds), but more than the
    one host asked for (F2 is broken), which the snippet's test says."""
    install_plugin(pytester.path)
    pytester.syspathinsert()
    case = FindScenario(small, ids((1, 4), 8), (Group((("host", 1),), small.resources),))
    pytester.makepyfile(
        reproduce=reproducer_find(
            case, group="oar.find_func", name="fake", invariant=invariant, family="find"
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "reproduce.py")
    result.assert_outcomes(**{outcome: 1})
    if outcome == "failed":
        result.stdout.fnmatch_lines([f"*ConformanceFailure: {invariant} *"])


def test_reproducer_reports_a_missing_plugin(
    small: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = FindScenario(small, small.resources, (Group((("host", 1),), small.resources),))
    source = reproducer_find(
        case, group="oar.find_func", name="absent", invariant="F1", family="find"
    )
    namespace = run_reproducer(source, monkeypatch, Recorder())
    with pytest.raises(LookupError, match="no entry point 'absent'"):
        namespace["reproduce"]()


# -- the snapshot helper ------------------------------------------------------------------


def test_missing_snapshot_is_written_and_fails(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="created: review it"):
        assert_snapshot("new", "text", tmp_path)
    assert (tmp_path / "new.txt").read_text() == "text\n"
    assert_snapshot("new", "text", tmp_path)


def test_changed_snapshot_fails_unless_updating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "old.txt").write_text("before\n")
    monkeypatch.delenv(UPDATE_VARIABLE, raising=False)
    with pytest.raises(AssertionError, match="differs from snapshot"):
        assert_snapshot("old", "after", tmp_path)
    monkeypatch.setenv(UPDATE_VARIABLE, "1")
    with pytest.raises(pytest.fail.Exception, match="updated: review it"):
        assert_snapshot("old", "after", tmp_path)
    assert (tmp_path / "old.txt").read_text() == "after\n"

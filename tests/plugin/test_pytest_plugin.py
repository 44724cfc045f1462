"""Pytester tests of ``pytest --oar-plugin=NAME``: items, outcomes, reports, options, xdist.

Runs that execute Hypothesis checks go through ``runpytest_subprocess`` so no Hypothesis
setting, signal handler or imported plugin module leaks between runs; runs that only
configure or collect stay in-process, which is much faster. Each run selects few checks
(``-k 'F1-'`` picks F1 even for a plugin whose name contains "f1") on the quick profile.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oar_conformance import oar3
from oar_conformance.catalogue import by_group
from oar_conformance.options_table import OPTIONS, Option, reproduce_command

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_VARIABLE = "OAR_CONFORMANCE_UPDATE_SNAPSHOTS"
FIND = "oar.find_func"
QUICK = "--oar-profile=quick"
TIMEOUT = 120.0
FIND_ITEMS = [f"{FIND}:sample_first_fit::{inv.id}-{inv.slug}" for inv in by_group(FIND)]


def run_checks(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """A conformance run in a fresh interpreter, on the quick profile, warnings as errors."""
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-W", "error", "-ra", QUICK, *args, timeout=TIMEOUT
    )


def failure_section(output: str, title: str) -> str:
    """The text pytest prints under the ``____ title ____`` header of one failure."""
    lines = output.splitlines()
    header = re.compile(rf"^_+ {re.escape(title)} _+$")
    start = next(i for i, line in enumerate(lines) if header.match(line)) + 1
    end = next(
        (i for i in range(start, len(lines)) if re.match(r"^(=+ .* =+|_+ .* _+)$", lines[i])),
        len(lines),
    )
    return "\n".join(lines[start:end]).strip("\n")


def header_seed(output: str) -> int:
    found = re.search(r"^oar-conformance: seed=(\d+) ", output, re.MULTILINE)
    assert found, f"no seed in the run header:\n{output}"
    return int(found.group(1))


def assert_snapshot(name: str, text: str) -> None:
    """Compare ``text`` to the reviewed snapshot ``name``; write it when missing or asked.

    Writing fails the test with a hint, so a snapshot is never accepted unread.
    """
    path = SNAPSHOTS / f"{name}.txt"
    content = text + "\n"
    exists = path.exists()
    if exists and path.read_text(encoding="utf-8") == content:
        return
    if not exists or os.environ.get(UPDATE_VARIABLE) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        verb = "updated" if exists else "created"
        pytest.fail(
            f"snapshot {path} {verb}: review it (git diff) and run the tests again",
            pytrace=False,
        )
    assert text == path.read_text(encoding="utf-8").removesuffix("\n"), (
        f"rendering differs from snapshot {path}; if the change is intended, rerun with "
        f"{UPDATE_VARIABLE}=1 and review the diff"
    )


# -- outcomes --------------------------------------------------------------------------------


def test_correct_plugin_passes_and_advisory_violation_is_only_an_xfail(
    pytester: pytest.Pytester,
) -> None:
    """sample_first_fit unites overlapping groups, as OAR3 does: F7 is only advisory."""
    args = ["--oar-plugin=sample_first_fit", "--oar-seed=11", "-k", "F1- or F3- or F7-"]

    result = run_checks(pytester, *args)

    result.assert_outcomes(passed=2, xfailed=1, deselected=len(FIND_ITEMS) - 3)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "oar-conformance: seed=11 profile=quick strict=False db=sqlite "
            f"plugins={FIND}:sample_first_fit",
            f"collected {len(FIND_ITEMS)} items / {len(FIND_ITEMS) - 3} deselected / 3 selected",
            "*= oar-conformance advisories =*",
            "F7 groups disjoint  [advisory]",
            "*= oar-conformance statistics =*",
            f"{FIND}:sample_first_fit: * examples, * allocated, * empty, *",
            "XFAIL *F7-groups-disjoint - advisory F7 violated: * (pass --oar-strict to fail on it)",
        ]
    )


def test_strict_turns_the_advisory_xfail_into_a_failure(pytester: pytest.Pytester) -> None:
    args = ["--oar-plugin=sample_first_fit", "--oar-seed=11", "-k", "F7-", "--oar-strict"]

    result = run_checks(pytester, *args)

    result.assert_outcomes(failed=1, deselected=len(FIND_ITEMS) - 1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    section = failure_section(result.stdout.str(), f"{FIND}:sample_first_fit::F7")
    assert section.startswith("F7 groups disjoint  [advisory]")
    assert "oar-conformance advisories" not in result.stdout.str()


def test_faulty_plugin_fails_with_its_invariant_and_counterexample(
    pytester: pytest.Pytester,
) -> None:
    args = ["--oar-plugin=bad_f2_one_extra_block", "-k", "F2-", "--oar-seed=1"]
    result = run_checks(pytester, *args)

    result.assert_outcomes(failed=1, deselected=len(FIND_ITEMS) - 1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    section = failure_section(result.stdout.str(), f"{FIND}:bad_f2_one_extra_block::F2")
    assert section.startswith("F2 requested hierarchy satisfied for every group  [contract]")
    for part in (
        "what is wrong:",
        "Counterexample (shrunk):",
        "request: oarsub -l",
        "Reproduce with:",
    ):
        assert part in section
    seed = header_seed(result.stdout.str())
    assert (
        f"pytest --oar-plugin={FIND}:bad_f2_one_extra_block --oar-seed={seed} "
        "--oar-profile=quick --oar-invariant=F2" in section
    )
    result.stdout.fnmatch_lines(
        [f"FAILED {FIND}:bad_f2_one_extra_block::F2-hierarchy-satisfied - F2 *"]
    )


def test_plugin_that_fails_to_import_shows_its_own_import_error(
    pytester: pytest.Pytester,
) -> None:
    result = run_checks(pytester, "--oar-plugin=broken_import", "-k", "F1-")

    result.assert_outcomes(failed=1, deselected=len(FIND_ITEMS) - 1)
    section = failure_section(result.stdout.str(), f"{FIND}:broken_import::F1")
    assert "could not be loaded from 'oar_conformance_samples.broken:find'" in section
    assert "ImportError: cannot import name 'this_module_does_not_exist'" in section
    assert 'oar_conformance_samples/broken.py", line 3, in <module>' in section
    for kit_module in ("_pytest_plugin.py", "conformance.py", "_pytest/"):
        assert kit_module not in section


# -- reproducibility -------------------------------------------------------------------------


def test_same_seed_gives_the_same_counterexample(pytester: pytest.Pytester) -> None:
    args = ["--oar-plugin=bad_f4_mutates_avail", "-k", "F4-", "--oar-seed=20240607"]
    title = f"{FIND}:bad_f4_mutates_avail::F4"

    first = run_checks(pytester, *args)
    shutil.rmtree(pytester.path / ".hypothesis", ignore_errors=True)  # no replay from it
    second = run_checks(pytester, *args)

    first.assert_outcomes(failed=1, deselected=len(FIND_ITEMS) - 1)
    second.assert_outcomes(failed=1, deselected=len(FIND_ITEMS) - 1)
    assert header_seed(first.stdout.str()) == header_seed(second.stdout.str()) == 20240607
    assert failure_section(first.stdout.str(), title) == failure_section(second.stdout.str(), title)


SITES = Path(__file__).resolve().parents[1] / "samples" / "sites"
NON_DEFAULT = {
    "seed": "--oar-seed=5",
    "profile": QUICK,
    "strict": "--oar-strict",
    "timeout": "--oar-timeout=3",
    "plugin_args": "--oar-plugin-args=a:k=v",
    "db": "--oar-db=postgresql",
    "memory_limit": "--oar-memory-limit=3GiB",
    "site": f"--oar-site={SITES / 'cpu_core.toml'}",
}
"""A value other than the default for every option that changes a verdict (F2 runs no
round, so no PostgreSQL starts)."""
VERDICT_OPTIONS = [o for o in OPTIONS if o.verdict and o.kind not in {"names", "ids"}]


def reproduce_line(section: str) -> str:
    """The ``pytest ...`` command under "Reproduce with:" of a rendered failure."""
    lines = section.splitlines()
    start = lines.index("Reproduce with:")
    return lines[start + 1].strip()


def test_every_verdict_option_has_a_non_default_value_here() -> None:
    """A new option that changes verdicts must join the reproduction test below."""
    assert sorted(NON_DEFAULT) == sorted(o.name for o in VERDICT_OPTIONS)


def test_the_reproduce_line_carries_every_verdict_option_and_reproduces(
    pytester: pytest.Pytester,
) -> None:
    """A failure found with non-default options: its reproduce line names each option,
    and running that line alone (no example database) gives the same failure."""
    title = f"{FIND}:bad_f2_one_extra_block::F2"
    args = ["--oar-plugin=bad_f2_one_extra_block", "-k", "F2-", *NON_DEFAULT.values()]
    first = run_checks(pytester, *args)
    first.assert_outcomes(failed=1, deselected=len(FIND_ITEMS) - 1)
    section = failure_section(first.stdout.str(), title)
    line = reproduce_line(section)
    words = shlex.split(line)
    assert words[0] == "pytest"
    for option in VERDICT_OPTIONS:
        assert any(w.split("=")[0] == option.pytest_flag for w in words), (option.name, line)
    assert "--oar-memory-limit=3221225472" in words
    assert words[-1] == "--oar-invariant=F2"

    shutil.rmtree(pytester.path / ".hypothesis", ignore_errors=True)
    again = pytester.runpytest_subprocess("-p", "no:cacheprovider", *words[1:], timeout=TIMEOUT)

    again.assert_outcomes(failed=1)
    assert failure_section(again.stdout.str(), title) == section


@pytest.mark.parametrize("option", VERDICT_OPTIONS, ids=lambda o: o.name)
def test_reproduce_command_carries_a_non_default_verdict_option(option: Option) -> None:
    changed = {"switch": not option.default, "int": 7, "float": 2.5, "size": 1024}
    value = changed.get(option.kind, "other")
    command = reproduce_command(f"{FIND}:x", "F1", {option.name: value})
    expected = option.pytest_flag if option.kind == "switch" else f"{option.pytest_flag}={value}"
    assert expected in shlex.split(command)
    assert option.pytest_flag not in reproduce_command(
        f"{FIND}:x", "F1", {option.name: option.default}
    )


def normalised(text: str, tmp: Path) -> str:
    """``text`` without what changes between machines and Hypothesis versions.

    Trailing spaces go too, so an editor that strips them cannot break the snapshot.
    """
    text = "\n".join(line.rstrip() for line in text.replace(str(tmp), "<tmp>").splitlines())
    text = re.sub(
        r"@reproduce_failure\('[^']*', b'[^']*'\)",
        "@reproduce_failure('<hypothesis version>', b'<blob>')",
        text,
    )
    return re.sub(r"\d+\.\d+ ?(ms|s)\b", "<time>", text)


def test_rendered_counterexample_matches_snapshot(pytester: pytest.Pytester) -> None:
    result = run_checks(pytester, "--oar-plugin=bad_f1_ignores_busy", "-k", "F1-", "--oar-seed=1")

    result.assert_outcomes(failed=1, deselected=len(FIND_ITEMS) - 1)
    section = failure_section(result.stdout.str(), f"{FIND}:bad_f1_ignores_busy::F1")
    assert_snapshot("f1_counterexample", normalised(section, pytester.path))


# -- naming and selection (in-process: nothing runs) ---------------------------------------


@pytest.mark.parametrize(
    "name", ["sample_first_fit", f"{FIND}:sample_first_fit", "find:sample_first_fit"]
)
def test_items_are_named_group_plugin_and_invariant(pytester: pytest.Pytester, name: str) -> None:
    result = pytester.runpytest("--collect-only", "-q", f"--oar-plugin={name}")

    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([*FIND_ITEMS, "", f"{len(FIND_ITEMS)} tests collected in *"])


def test_repeated_option_adds_plugins_once_each(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "--collect-only",
        "-q",
        "--oar-plugin=sample_first_fit",
        "--oar-plugin=sample_last_fit",
        f"--oar-plugin={FIND}:sample_first_fit",
    )

    last_fit = [item.replace("sample_first_fit", "sample_last_fit") for item in FIND_ITEMS]
    result.stdout.fnmatch_lines([*FIND_ITEMS, *last_fit, f"{2 * len(FIND_ITEMS)} tests collected*"])


def test_unknown_plugin_is_a_usage_error_listing_installed_plugins(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest("--oar-plugin=no_such_plugin")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: oar-conformance: plugin 'no_such_plugin' is not registered in any OAR3 "
            f"entry-point group; installed: {FIND}: *sample_first_fit*"
        ]
    )


def test_header_shows_the_seed_given(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--collect-only", "--oar-plugin=sample_nothing", "--oar-seed=4242")

    result.stdout.fnmatch_lines(
        [
            "oar-conformance: seed=4242 profile=ci strict=False db=sqlite "
            f"plugins={FIND}:sample_nothing"
        ]
    )


def test_header_shows_a_fresh_seed_when_none_is_given(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--collect-only", "--oar-plugin=sample_nothing")

    assert header_seed(result.stdout.str()) >= 0


# -- configuration files -------------------------------------------------------------------


def test_plugins_from_pytest_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\noar_plugins =\n    sample_first_fit\noar_profile = quick\n")

    result = pytester.runpytest("--collect-only", "-q")

    result.stdout.fnmatch_lines([*FIND_ITEMS, f"{len(FIND_ITEMS)} tests collected*"])


def test_plugins_from_pytest_section_of_pyproject(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\noar_plugins = ["sample_first_fit"]\noar_seed = "77"\n'
    )

    result = pytester.runpytest("--collect-only")

    result.stdout.fnmatch_lines(
        ["oar-conformance: seed=77 profile=ci *", f"collected {len(FIND_ITEMS)} items"]
    )


def test_plugins_and_profile_from_tool_table_of_pyproject(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        '[tool.oar-conformance]\nplugins = ["find:sample_first_fit"]\nprofile = "quick"\n'
    )

    result = pytester.runpytest("--collect-only")

    result.stdout.fnmatch_lines(
        [
            "oar-conformance: seed=* profile=quick strict=False db=sqlite "
            f"plugins={FIND}:sample_first_fit"
        ]
    )
    result.stdout.fnmatch_lines([f"<ConformanceItem {item}>" for item in FIND_ITEMS])


def test_command_line_overrides_tool_table(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        '[tool.oar-conformance]\nplugins = ["sample_first_fit"]\nprofile = "quick"\n'
    )

    result = pytester.runpytest(
        "--collect-only", "--oar-profile=thorough", "--oar-plugin=sample_nothing"
    )

    result.stdout.fnmatch_lines(
        [f"oar-conformance: * profile=thorough * plugins={FIND}:sample_nothing"]
    )


def test_unknown_key_in_tool_table_is_a_usage_error_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        '[tool.oar-conformance]\nplugins = ["sample_first_fit"]\nprofle = "quick"\n'
    )

    result = pytester.runpytest("--collect-only")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: oar-conformance: *pyproject.toml*unknown key 'profle'*"])


# -- plugin disabled, xdist, side effects ---------------------------------------------------


def test_disabled_plugin_does_not_know_its_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "no:oar_conformance", "--oar-plugin=sample_first_fit")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --oar-plugin=sample_first_fit*"])


def test_disabled_plugin_leaves_an_ordinary_suite_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.oar-conformance]\nplugins = ["sample_first_fit"]\n')
    pytester.makepyfile("def test_ordinary():\n    assert 1 + 1 == 2\n")

    result = pytester.runpytest("-p", "no:oar_conformance")

    result.assert_outcomes(passed=1)
    assert "oar-conformance" not in result.stdout.str()


def test_xdist_workers_share_the_seed_and_report_failures_and_statistics(
    pytester: pytest.Pytester,
) -> None:
    """No seed is given: the workers must use the one the controller drew and printed.

    The ci profile (200 examples) makes missing F1's fault with a fresh seed unlikely
    (about 3 seeds in 100 miss it within the quick profile's 50).
    """
    result = run_checks(
        pytester,
        "-n",
        "2",
        "--oar-profile=ci",
        "--oar-plugin=bad_f1_ignores_busy",
        "--oar-plugin=sample_first_fit",
        "-k",
        "F1-",
    )

    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "2 workers [2 items]" in output
    section = failure_section(output, f"{FIND}:bad_f1_ignores_busy::F1")
    assert section.startswith("[gw")
    assert f"--oar-seed={header_seed(output)} " in section
    result.stdout.fnmatch_lines(
        [
            "*= oar-conformance statistics =*",
            f"{FIND}:bad_f1_ignores_busy: * examples, *",
            "  call time by platform size: *",
            f"{FIND}:sample_first_fit: 200 examples, *",
            f"FAILED {FIND}:bad_f1_ignores_busy::F1-inside-availability *",
        ]
    )


def test_run_writes_nothing_but_the_hypothesis_database(tmp_path: Path) -> None:
    """F8 calls OAR3, which must leave no log file; nor may rendering the F4 violation."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    plugin = "--oar-plugin=bad_f4_mutates_avail"
    args = ["-p", "no:cacheprovider", QUICK, "--oar-seed=3", plugin, "-k", "F4- or F8-"]

    done = subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    f8 = "1 passed" if oar3.status().available else "1 skipped"
    assert f"1 failed, {f8}" in done.stdout, done.stdout + done.stderr
    # the example database (kept under CI too, see tests/unit/test_example_db.py), and
    # nothing else
    assert {p.name for p in tmp_path.iterdir()} <= {".hypothesis"}

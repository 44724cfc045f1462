"""Tests of the ``oar-conformance`` command, run as a user runs it: in a subprocess.

Every run happens in a fresh temporary folder, the way a plugin repository runs it in CI:
``check`` reads ``[tool.oar-conformance]`` from the current folder and writes nothing there
but the Hypothesis example database.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from oar_conformance import oar3
from oar_conformance.db._postgres import find_pg_bin
from oar_conformance.plugins import ENTRY_POINT_GROUPS

# F8 compares with OAR3's default find, so it runs only where OAR3 is installed, as do
# the rounds R1 and R2 (R2 also needs a PostgreSQL it can start).
F8_OUTCOME = "passed" if oar3.status().available else "skipped"
NEEDING_OAR3 = 1 + 2 + 13
"""F8; R1 and R2; the campaign invariants C1..C13."""
NEEDING_POSTGRESQL = 2
"""R2 and C11."""

FIND = "oar.find_func"
TIMEOUT = 120.0


def oar_conformance(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``oar-conformance ARGS`` in ``cwd`` with this interpreter."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run(
        [sys.executable, "-m", "oar_conformance.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def write_config(folder: Path, body: str) -> None:
    (folder / "pyproject.toml").write_text(f"[tool.oar-conformance]\n{body}", encoding="utf-8")


def test_list_shows_every_group_and_each_plugin_with_its_module(tmp_path: Path) -> None:
    done = oar_conformance(tmp_path, "list")

    assert done.returncode == 0, done.stderr
    headers = [line for line in done.stdout.splitlines() if not line.startswith(" ")]
    assert headers == [f"{group}:" for group in ENTRY_POINT_GROUPS]
    module = r"oar_conformance_samples\.find:first_fit +\[oar-conformance-samples\]$"
    assert re.search(rf"^  sample_first_fit +{module}", done.stdout, re.MULTILINE)
    broken = r"^  broken_import +oar_conformance_samples\.broken:find "
    assert re.search(broken, done.stdout, re.MULTILINE)


def test_invariants_lists_find_invariants_with_severities(tmp_path: Path) -> None:
    done = oar_conformance(tmp_path, "invariants")

    assert done.returncode == 0, done.stderr
    severities = dict(re.findall(r"^(F\d+) +(\w+) +oar\.find_func ", done.stdout, re.MULTILINE))
    assert severities == {
        **{f"F{i}": "contract" for i in range(1, 7)},
        "F7": "advisory",
        "F8": "advisory",
        "F9": "contract",
        "F10": "advisory",
    }


def test_check_passes_a_correct_plugin_and_writes_only_the_example_database(
    tmp_path: Path,
) -> None:
    """The seed makes the advisory F7 violation (groups united, as OAR3 does) show up.

    F10 is skipped: the quick profile never reaches the size call time is judged at.
    """
    args = ["--plugin", f"{FIND}:sample_first_fit", "--profile", "quick", "--seed", "11"]

    done = oar_conformance(tmp_path, "check", *args)

    assert done.returncode == 0, done.stdout + done.stderr
    passed, skipped = 7 + NEEDING_OAR3, 1
    if F8_OUTCOME == "skipped":
        passed, skipped = 7, 1 + NEEDING_OAR3
    elif find_pg_bin() is None:
        passed, skipped = passed - NEEDING_POSTGRESQL, 1 + NEEDING_POSTGRESQL
    shown = f"{passed} passed, {skipped} skipped, 1 xfailed"
    assert re.search(rf"\b{shown}\b", done.stdout), done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hypothesis"]


def test_check_fails_a_faulty_plugin_with_the_invariant_id(tmp_path: Path) -> None:
    args = ["--plugin", f"{FIND}:bad_f2_one_extra_block", "--profile", "ci", "--seed", "2"]
    args += ["-k", "F2-"]

    done = oar_conformance(tmp_path, "check", *args)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "F2 requested hierarchy satisfied for every group  [contract]" in done.stdout
    assert "Counterexample (shrunk):" in done.stdout
    assert f"FAILED {FIND}:bad_f2_one_extra_block::F2-hierarchy-satisfied" in done.stdout


def test_check_strict_fails_on_an_advisory_violation(tmp_path: Path) -> None:
    """Without --strict the same F7 violation is an xfail (see the passing check above)."""
    args = ["--plugin", "sample_first_fit", "--profile", "quick", "--seed", "11", "-k", "F7-"]

    done = oar_conformance(tmp_path, "check", *args, "--strict")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "F7 groups disjoint  [advisory]" in done.stdout
    assert f"FAILED {FIND}:sample_first_fit::F7-groups-disjoint" in done.stdout


def test_check_reads_plugins_and_profile_from_pyproject_of_current_folder(tmp_path: Path) -> None:
    write_config(tmp_path, 'plugins = ["find:sample_first_fit"]\nprofile = "quick"\n')

    done = oar_conformance(tmp_path, "check", "-v", "-k", "F1-")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "profile=quick" in done.stdout
    assert f"{FIND}:sample_first_fit::F1-inside-availability PASSED" in done.stdout


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (
            f"{FIND}:no_such_plugin",
            f"plugin 'no_such_plugin' is not registered in group {FIND}; "
            "installed there: bad_f10_quadratic, bad_f1_ignores_busy, ",
        ),
        ("no_such_plugin", f"installed: {FIND}: bad_f10_quadratic, bad_f1_ignores_busy, "),
        ("no_such_group:sample_first_fit", "plugin group 'no_such_group' is unknown; use one of"),
    ],
    ids=["unknown-plugin-in-group", "unknown-plugin", "unknown-group"],
)
def test_check_unknown_plugin_or_group_is_a_usage_error(
    tmp_path: Path, plugin: str, message: str
) -> None:
    done = oar_conformance(tmp_path, "check", "--plugin", plugin)

    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("oar-conformance: error: ")
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_check_plugin_that_fails_to_import_shows_its_import_error(tmp_path: Path) -> None:
    """Nothing can be checked, so exit 2, with the plugin's error rather than the kit's."""
    done = oar_conformance(tmp_path, "check", "--plugin", "broken_import")

    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(
        f"oar-conformance: error: plugin {FIND}:broken_import could not be loaded"
    )
    assert "ImportError: cannot import name 'this_module_does_not_exist'" in done.stderr
    assert 'oar_conformance_samples/broken.py", line 3, in <module>' in done.stderr
    assert "cli.py" not in done.stderr
    assert "plugins.py" not in done.stderr
    assert "importlib" not in done.stderr


def test_with_isolation_the_plugin_module_is_imported_in_its_worker_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module's import-time code runs in the worker, never in the kit's process."""
    imports = tmp_path / "imports"
    monkeypatch.setenv("OAR_CONFORMANCE_SAMPLE_IMPORT_LOG", str(imports))
    script = (
        "import os, sys; print(os.getpid()); from oar_conformance.cli import main; "
        "sys.exit(main(['check', '--plugin', 'hostile_import_side_effects', '--profile', "
        "'quick', '--invariant', 'F1']))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    kit = done.stdout.splitlines()[0]
    importers = imports.read_text(encoding="ascii").split()
    assert importers, "the plugin was never imported"
    assert kit not in importers


def test_a_plugin_module_that_exits_on_import_is_a_usage_error_from_its_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAR_CONFORMANCE_SAMPLE_EXIT_ON_IMPORT", "1")
    done = oar_conformance(tmp_path, "check", "--plugin", "hostile_import_side_effects")

    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(
        f"oar-conformance: error: plugin {FIND}:hostile_import_side_effects could not be loaded"
    )


def test_check_without_any_plugin_says_how_to_name_one(tmp_path: Path) -> None:
    done = oar_conformance(tmp_path, "check")

    assert done.returncode == 2, done.stdout + done.stderr
    assert "no plugin to check; pass --plugin NAME (see 'oar-conformance list')" in done.stderr
    assert "[tool.oar-conformance]" in done.stderr


def test_check_unknown_key_in_pyproject_is_a_usage_error(tmp_path: Path) -> None:
    write_config(tmp_path, 'plugins = ["sample_first_fit"]\nstrikt = true\n')

    done = oar_conformance(tmp_path, "check")

    assert done.returncode == 2, done.stdout + done.stderr
    assert "unknown key 'strikt'" in done.stderr


@pytest.mark.skipif(not oar3.status().available, reason=oar3.status().skip_line)
def test_oar3s_own_findings_are_listed_apart_and_never_fail_the_run(tmp_path: Path) -> None:
    """OAR3's default order leaves jobs beyond the scheduling window unpredicted (C12):
    the campaigns of the no-op metasched plugin show it, OAR3 alone does it too, so it is
    an OAR3 finding and the run passes."""
    args = ["--plugin", "oar.extra_metasched_func:sample_noop", "--profile", "ci"]
    args += ["--seed", "1", "-k", "C12"]

    done = oar_conformance(tmp_path, "check", *args)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "OAR3 findings (OAR3's own, not the plugin's)" in done.stdout
    assert re.search(r"OAR3-C12 \(beside oar.extra_metasched_func:sample_noop\)", done.stdout)
    assert re.search(r"\b1 passed\b", done.stdout), done.stdout


_TIMING = re.compile(r"call time by platform size|first example done| in \d+\.\d+s\b")


def _untimed(output: str) -> list[str]:
    """``output`` without the lines that report how long things took."""
    return [line for line in output.splitlines() if not _TIMING.search(line)]


def test_a_seeded_check_gives_the_same_output_with_the_example_database_of_a_run_before(
    tmp_path: Path,
) -> None:
    """The second run finds the `.hypothesis/` folder the first one saved F3's
    counterexample in, and still draws, reports and counts what the first one did."""
    args = ["--plugin", f"{FIND}:bad_f3_first_group_only", "--profile", "quick", "--seed", "3"]
    args += ["--invariant", "F1", "--invariant", "F3"]

    first = oar_conformance(tmp_path, "check", *args)
    assert (tmp_path / ".hypothesis").is_dir()
    second = oar_conformance(tmp_path, "check", *args)

    assert first.returncode == second.returncode == 1, first.stdout + first.stderr
    assert "Counterexample (shrunk):" in first.stdout
    assert _untimed(second.stdout) == _untimed(first.stdout)

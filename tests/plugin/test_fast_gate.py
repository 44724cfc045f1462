"""The fast gate as a user runs it: one run per family, runs spread over processes with
``-n``, the same verdicts as one run per invariant, and no OAR3 before it is needed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import FIND, TIMEOUT, oar_conformance

from oar_conformance import oar3
from oar_conformance._pytest_plugin import _run_scope

needs_oar3 = pytest.mark.skipif(not oar3.status().available, reason=oar3.status().skip_line)


def _examples(stdout: str, plugin: str) -> int:
    found = re.search(rf"{re.escape(plugin)}: (\d+) examples", stdout)
    assert found, stdout
    return int(found.group(1))


def _verdicts(stdout: str) -> list[tuple[str, str]]:
    """(invariant id, outcome) of each test line ``-v`` shows, with or without ``-n``."""
    found = []
    for line in stdout.splitlines():
        outcome = re.search(r"\b(PASSED|FAILED|SKIPPED|XFAIL)\b", line)
        test = re.search(r"oar\.\w+:\w+::(\w+)-", line)
        if outcome and test and not line.startswith(outcome.group(1)):  # not the summary
            found.append((test.group(1), outcome.group(1)))
    return sorted(found)


def test_a_run_feeds_every_invariant_and_one_by_one_repeats_it(tmp_path: Path) -> None:
    """The find invariants but the advisory F7 and F8, which this plugin breaks (shrinking
    its failures would add examples to the count)."""
    plugin = f"{FIND}:sample_disjoint_fit"
    ids = ["F1", "F2", "F3", "F4", "F5", "F6", "F9", "F10"]
    args = ["check", "--plugin", plugin, "--profile", "quick", "--seed", "4", "-v"]
    args += [f"--invariant={i}" for i in ids]

    shared = oar_conformance(tmp_path, *args)
    apart = oar_conformance(tmp_path, *args, "--one-by-one")

    assert shared.returncode == apart.returncode == 0, shared.stdout + apart.stdout
    assert _examples(shared.stdout, plugin) == 50  # one run of the quick profile's examples
    assert _examples(apart.stdout, plugin) == len(ids) * 50  # a run for each invariant
    assert _verdicts(shared.stdout) == _verdicts(apart.stdout)
    assert len(_verdicts(shared.stdout)) == len(ids)  # one test per invariant


@needs_oar3
def test_check_n_2_spreads_runs_and_reports_what_one_process_reports(tmp_path: Path) -> None:
    args = ["check", "--plugin", f"{FIND}:bad_f2_one_extra_block", "--profile", "quick"]
    args += ["--seed", "2", "-v", "-k", "F2- or F3- or R1-"]

    one = oar_conformance(tmp_path, *args)
    two = oar_conformance(tmp_path, *args, "-n", "2")

    assert one.returncode == two.returncode == 1, one.stdout + two.stdout
    assert "created: 2/2 workers" in two.stdout or "2 workers" in two.stdout, two.stdout
    failed = [line for line in _verdicts(one.stdout) if line[1] == "FAILED"]
    assert failed == [line for line in _verdicts(two.stdout) if line[1] == "FAILED"]
    assert ("F2", "FAILED") in failed

    def counterexample(out: str) -> str:
        return out[out.index("Counterexample (shrunk):") :].split("\n\n", 1)[0]

    assert counterexample(one.stdout) == counterexample(two.stdout)


def test_check_n_rejects_a_bad_count(tmp_path: Path) -> None:
    done = oar_conformance(tmp_path, "check", "--plugin", f"{FIND}:sample_first_fit", "-n", "x")

    assert done.returncode == 2
    assert "-n 'x' must be a number of processes or 'auto'" in done.stderr


def test_a_run_scope_is_the_plugin_and_its_run() -> None:
    metasched = "oar.extra_metasched_func:sample_noop"
    assert _run_scope(f"{metasched}::M1-one-call-per-priority") == f"{metasched}::round"
    assert _run_scope(f"{metasched}::R2-same-on-postgresql") == f"{metasched}::round"
    assert _run_scope(f"{FIND}:x::F3-all-or-nothing") == f"{FIND}:x::find"
    assert _run_scope("tests/test_a.py::test_b") is None
    assert _run_scope(f"{FIND}:x::Z9-unknown") is None


def test_find_and_sort_runs_import_neither_oar3_nor_sqlalchemy_in_the_kit() -> None:
    """Plugins run in workers: the kit's own process never needs OAR3 for these runs."""
    script = (
        "import sys\n"
        "from oar_conformance.catalogue import get\n"
        "from oar_conformance.driver import CheckOptions, run_invariants\n"
        "from oar_conformance.plugins import PluginSpec\n"
        "from oar_conformance.profiles import get_profile\n"
        "options = CheckOptions(profile=get_profile('quick'), seed=1, example_database=None)\n"
        "for group, name, ids in [\n"
        "    ('oar.find_func', 'sample_first_fit', 'F1 F2 F3 F4 F5 F6 F7 F8 F9 F10'),\n"
        "    ('oar.jobs_sorting_func', 'sample_fifo', 'S1 S2 S3 S4 S5'),\n"
        "]:\n"
        "    result = run_invariants(PluginSpec(group, name), [get(i) for i in ids.split()],"
        " options)\n"
        "    assert not result.failures() or set(result.failures()) <= {'F7'}, result.outcomes\n"
        "print(sorted(m for m in ('sqlalchemy', 'oar.kao.scheduling') if m in sys.modules))\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@needs_oar3
def test_a_postgresql_that_cannot_be_reached_ends_the_run_as_a_usage_error(
    tmp_path: Path,
) -> None:
    """The server is started in the background; the first round that needs it stops the run."""
    url = "postgresql://nobody:secret@127.0.0.1:1/oar"
    args = ["check", "--plugin", "oar.extra_metasched_func:sample_noop", "--profile", "quick"]

    done = oar_conformance(tmp_path, *args, "--db", url, "--invariant", "M1")

    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot reach PostgreSQL at postgresql" in done.stdout + done.stderr
    assert "secret" not in done.stdout + done.stderr

"""Every sort invariant proven both ways on installed sample plugins.

A correct plugin passes it; a plugin with one deliberate bug is caught by it, with the
expected id and kind, on a counterexample shrunk to a few jobs. The samples are a real
distribution with real entry points (tests/samples), loaded exactly as OAR3's kamelot
loads a ``CUSTOM_JOB_SORTING``. None of this needs OAR3: sort checks run on the kit's own
job records.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _catalogue import caught, check

SORT = "oar.jobs_sorting_func"
INVARIANTS = ["S1", "S2", "S3", "S4", "S5"]
CORRECT = ["sample_fifo", "sample_priority"]


@pytest.mark.parametrize("invariant_id", INVARIANTS)
@pytest.mark.parametrize("name", CORRECT)
def test_correct_plugins_pass_every_invariant(name: str, invariant_id: str) -> None:
    check(SORT, name, invariant_id)


@pytest.mark.parametrize(
    ("name", "invariant_id", "kind", "message"),
    [
        ("bad_s1_drops_last", "S1", "lost", "job 1 is missing from the answer"),
        ("bad_s2_dict_order", "S2", "order-dependent", "insertion order of waiting_jobs"),
        ("bad_s2_random_ties", "S2", "nondeterministic", "two identical calls"),
        ("bad_s3_reverse_ties", "S3", "ties", "jobs 1 and 2 are identical but for their ids"),
        (
            "bad_s4_needs_config",
            "S4",
            "raised",
            "KeyError: 'priority' (inputs with no waiting job, now = 0, config '{}')",
        ),
        ("bad_s4_empty_list", "S4", "raised", "ValueError: min() arg is an empty sequence"),
        ("bad_s5_sorts_in_place", "S5", "waiting_jids", "the call changed waiting_jids"),
    ],
)
def test_faulty_plugin_caught_with_its_id(
    name: str, invariant_id: str, kind: str, message: str
) -> None:
    violation = caught(SORT, name, invariant_id).violation
    assert violation.kind == kind
    assert message in violation.message
    assert len(violation.scenario.jobs) <= 3, violation.scenario


def test_a_hanging_sort_is_reported_as_a_timeout() -> None:
    violation = caught(SORT, "bad_s4_hangs_on_ties", "S4", timeout=0.02).violation
    assert violation.kind == "timeout"
    assert "0.02 s" in violation.message
    assert "jobs identical but for their ids" in violation.message


def test_sort_checks_run_without_oar3() -> None:
    """With ``import oar`` failing, every sort check still runs and nothing imports OAR3."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["oar"] = None  # any import of OAR3 now fails
        from oar_conformance import oar3
        from _catalogue import check
        assert not oar3.status().available
        for invariant_id in ("S1", "S2", "S3", "S4", "S5"):
            check("oar.jobs_sorting_func", "sample_fifo", invariant_id)
        print(sorted(m for m in sys.modules if m.startswith("oar.")))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"

"""The example plugin repository in ci/example-plugin does what its README promises.

``example_compact`` passes every contract find invariant and ``example_greedy`` is caught by
F1 (their database rounds, R1 and R2, are run by the README's first command when OAR3 is
installed).
The example must be installed in the environment (``pip install -e ci/example-plugin``);
these tests install nothing and skip when it is missing.
"""

from __future__ import annotations

import pytest

from oar_conformance.catalogue import Severity, by_group

pytest.importorskip(
    "oar_example_plugin",
    reason="the example plugin is not installed; run: pip install -e ci/example-plugin",
)

FIND = "oar.find_func"
CONTRACT = [
    inv for inv in by_group(FIND) if inv.family == "find" and inv.severity is Severity.CONTRACT
]
TIMEOUT = 300.0


def test_compact_passes_every_contract_find_invariant_on_the_ci_profile(
    pytester: pytest.Pytester,
) -> None:
    selected = " or ".join(f"{inv.id}-{inv.slug}" for inv in CONTRACT)

    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-W",
        "error",
        "--oar-profile=ci",
        f"--oar-plugin={FIND}:example_compact",
        "-k",
        selected,
        timeout=TIMEOUT,
    )

    result.assert_outcomes(passed=len(CONTRACT), deselected=len(by_group(FIND)) - len(CONTRACT))


def test_greedy_is_caught_by_f1_for_ignoring_constraints(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-W",
        "error",
        "--oar-profile=ci",
        "--oar-seed=2",
        f"--oar-plugin={FIND}:example_greedy",
        "-k",
        "F1-",
        timeout=TIMEOUT,
    )

    result.assert_outcomes(failed=1, deselected=len(by_group(FIND)) - 1)
    result.stdout.fnmatch_lines(
        [
            "*what is wrong: returned resources * outside every group's constraints",
            f"FAILED {FIND}:example_greedy::F1-inside-availability - F1 *",
        ]
    )

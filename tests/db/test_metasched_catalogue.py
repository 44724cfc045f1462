"""Every metasched invariant proven both ways on installed sample plugins (sqlite).

A correct plugin passes it; a plugin with one deliberate bug is caught by it, with the
expected id and kind. The samples are registered under ``oar.extra_metasched_func`` in
tests/samples and run inside a real ``meta_schedule`` round, configured by
``EXTRA_METASCHED`` as a site would.
"""

from __future__ import annotations

import pytest
from _dbhelp import caught, check, needs_oar3

pytestmark = needs_oar3

CORRECT = ["sample_noop", "sample_logs_queues"]


@pytest.mark.parametrize("invariant_id", ["M1", "M2", "R1"])
@pytest.mark.parametrize("name", CORRECT)
def test_correct_plugins_pass(name: str, invariant_id: str) -> None:
    check(name, invariant_id)


@pytest.mark.parametrize(
    ("name", "invariant_id", "kind", "message"),
    [
        ("bad_m1_clears_queues", "M1", "prev-queues", "call 2 received prev_queues []"),
        (
            "bad_m2_raises_on_second_group",
            "M2",
            "raised",
            "call 2: RuntimeError: unexpected previous queues",
        ),
        ("bad_r1_frees_busy_resources", "R1", "overlap", " share "),
    ],
)
def test_faulty_plugin_caught_with_its_id(
    name: str, invariant_id: str, kind: str, message: str
) -> None:
    failure = caught(name, invariant_id)
    assert failure.violation.kind == kind
    assert message in failure.violation.message


def test_the_postgresql_only_fault_passes_on_sqlite() -> None:
    """Swallowing an SQL error is harmless on sqlite, where the SQL works (see R2, M2 on pg)."""
    check("bad_m2_swallows_sql_error", "M2")


def test_faulty_plugins_keep_their_own_id() -> None:
    """One bug, one id: the M1 and R1 faults do not fail M2."""
    check("bad_m1_clears_queues", "M2")
    check("bad_r1_frees_busy_resources", "M2")

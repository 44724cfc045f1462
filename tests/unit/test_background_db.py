"""Databases started in the background: waited for on use, their failure handed over."""

from __future__ import annotations

import subprocess
import sys

import pytest

from oar_conformance.db import DatabaseUnavailable, get_database, start_database
from oar_conformance.stats import PluginStats, process_age

UNREACHABLE = "postgresql://nobody:secret@127.0.0.1:1/oar"


def test_a_database_that_cannot_start_fails_where_it_is_asked_for() -> None:
    start_database(UNREACHABLE)

    with pytest.raises(DatabaseUnavailable, match="cannot reach PostgreSQL") as info:
        get_database(UNREACHABLE)
    assert "secret" not in str(info.value)


def test_starting_costs_the_caller_no_database_import() -> None:
    """In a fresh interpreter: reaching ``start_database`` imports no SQLAlchemy (the
    thread it starts does)."""
    script = (
        "import sys\n"
        "from oar_conformance.db import start_database\n"
        "assert 'sqlalchemy' not in sys.modules\n"
        "start_database('postgresql://nobody@127.0.0.1:1/oar')\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_process_age_and_the_first_example_merge_to_the_earliest() -> None:
    assert 0 < process_age() < 24 * 3600
    one, two = (
        PluginStats(examples=3, first_example=1.5),
        PluginStats(examples=2, first_example=0.9),
    )
    one.merge(two)
    assert (one.examples, one.first_example) == (5, 0.9)
    one.merge(PluginStats())
    assert one.first_example == 0.9

"""PostgreSQL: M2 and R2 on a throwaway server, and nothing left behind, even on failure.

Each test that starts a server does so in a child process (as a plugin author's run
would) or through the kit's own cleanup, then checks from outside that no server
process, temporary directory or database remains.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from _dbhelp import caught, check, needs_oar3, needs_postgresql

from oar_conformance.db._postgres import DatabaseUnavailable, open_postgresql, pending_cleanups
from oar_conformance.db._schema import create_schema
from oar_conformance.errors import UsageError

pytestmark = [pytest.mark.postgresql, needs_postgresql]

HERE = Path(__file__).parent


def _leftover_dirs(tmpdir: Path) -> set[str]:
    return set(glob.glob(os.path.join(tmpdir, "oar-conformance-pg-*")))


def _servers(paths: set[str]) -> list[str]:
    """Live (not zombie) processes whose command line names one of ``paths``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if state != "Z" and any(p in cmdline for p in paths):
            found.append(cmdline)
    return found


def _run_child(code: str, tmpdir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter; ``tmpdir`` is its private ``TMPDIR``."""
    env = dict(os.environ, PYTHONPATH=str(HERE))
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@needs_oar3
def test_m2_catches_an_aborted_transaction_only_on_postgresql() -> None:
    failure = caught("bad_m2_swallows_sql_error", "M2", db="postgresql")
    assert failure.violation.kind == "session"
    assert "InFailedSqlTransaction" in failure.violation.message


@needs_oar3
def test_r2_same_schedule_on_both_databases() -> None:
    check("sample_noop", "R2")


@needs_oar3
def test_r2_catches_sql_that_only_sqlite_accepts() -> None:
    failure = caught("bad_m2_swallows_sql_error", "R2")
    assert failure.violation.kind == "error"
    assert "fails on postgresql but not on sqlite" in failure.violation.message


@pytest.fixture
def private_tmpdir() -> Iterator[Path]:
    """A TMPDIR of one's own that a server run as ``nobody`` can traverse."""
    folder = Path(tempfile.mkdtemp(prefix="oar-conformance-test-"))
    folder.chmod(0o711)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@needs_oar3
def test_failing_check_leaves_no_server_directory_or_database(private_tmpdir: Path) -> None:
    """The child gets its own TMPDIR, so servers of other test workers do not count."""
    tmp_path = private_tmpdir
    child = _run_child(
        """
        import glob, json, os, tempfile
        from _dbhelp import caught
        caught("bad_m2_swallows_sql_error", "M2", db="postgresql")
        pattern = os.path.join(tempfile.gettempdir(), "oar-conformance-pg-*")
        print(json.dumps(sorted(glob.glob(pattern))))
        """,
        tmp_path,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    made = set(json.loads(child.stdout.strip().splitlines()[-1]))
    assert made, "the child should have started a server"
    assert not _leftover_dirs(tmp_path)
    assert _servers(made) == []


@needs_oar3
def test_given_server_gets_its_temporary_database_dropped() -> None:
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    from oar_conformance.db._postgres import _start_server  # noqa: PLC0415

    open_before = pending_cleanups()
    url, stop = _start_server()
    try:
        child = _run_child(
            f"""
            from _dbhelp import caught
            caught("bad_m2_swallows_sql_error", "M2", db={url!r})
            """
        )
        assert child.returncode == 0, child.stderr[-2000:]
        engine = create_engine(url)
        with engine.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database")).scalars().all()
        engine.dispose()
        assert not [n for n in names if n.startswith("oar_conformance_")]
    finally:
        stop()
    assert pending_cleanups() == open_before


@needs_oar3
def test_refuses_a_database_that_holds_oar_tables() -> None:
    from oar_conformance.db._postgres import _start_server  # noqa: PLC0415

    open_before = pending_cleanups()
    url, stop = _start_server()
    try:
        engine, drop = open_postgresql(url)
        try:
            create_schema(engine)
            with pytest.raises(UsageError, match="already holds OAR tables"):
                create_schema(engine)
            oar_db = engine.url.render_as_string(hide_password=False)
            with pytest.raises(UsageError, match="only writes to a database it created"):
                open_postgresql(oar_db)
        finally:
            engine.dispose()
            drop()
    finally:
        stop()
    assert pending_cleanups() == open_before


def test_unreachable_server_is_a_clear_error() -> None:
    open_before = pending_cleanups()
    with pytest.raises(DatabaseUnavailable, match="cannot reach PostgreSQL at"):
        open_postgresql("postgresql://oar@127.0.0.1:1/postgres")
    assert pending_cleanups() == open_before


@needs_oar3
def test_r2_without_postgresql_is_skipped_with_a_reason() -> None:
    child = _run_child(
        """
        import oar_conformance.db._postgres as pg
        from oar_conformance.errors import CheckSkipped
        from _dbhelp import check
        pg.find_pg_bin = lambda: None
        try:
            check("sample_noop", "R2")
        except CheckSkipped as exc:
            print("SKIPPED:", exc)
        """
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert "SKIPPED: R2 needs a PostgreSQL server and none could be started" in child.stdout
    assert "initdb was not found" in child.stdout


@needs_oar3
def test_pytest_form_with_xdist_checks_a_find_plugin_in_postgresql_rounds(
    pytester: pytest.Pytester, private_tmpdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pytest --oar-plugin=... --oar-db=postgresql -n 2``: one server per worker, both gone."""
    monkeypatch.setenv("TMPDIR", str(private_tmpdir))
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--oar-profile=quick",
        "--oar-seed=3",
        "--oar-db=postgresql",
        "--oar-invariant=R1",
        "--oar-plugin=oar.find_func:sample_disjoint_fit",
        "--oar-plugin=oar.find_func:bad_f1_ignores_busy",
        timeout=300,
    )

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*db=postgresql*",
            "*the plugin (the type find=PLUGIN) was called*(on postgresql)*",
            "FAILED oar.find_func:bad_f1_ignores_busy::R1-gantt-valid*",
        ],
        consecutive=False,
    )
    assert not _leftover_dirs(private_tmpdir)

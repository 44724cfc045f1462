"""PostgreSQL: M2 and R2 on a throwaway server, private to the kit, and nothing left behind.

Each test that starts a server does so in a child process (as a plugin author's run
would) or through the kit's own cleanup, then checks from outside that no server
process, temporary directory or database remains, even when the kit is killed with SIGKILL;
and that a client without the secret, over TCP or as another user, cannot get in.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _dbhelp import caught, check, needs_oar3, needs_postgresql

from oar_conformance.db import _watchdog
from oar_conformance.db._postgres import (
    DatabaseUnavailable,
    _start_server,
    find_pg_bin,
    open_postgresql,
    pending_cleanups,
)
from oar_conformance.db._schema import create_schema
from oar_conformance.errors import UsageError

pytestmark = [pytest.mark.postgresql, needs_postgresql]

HERE = Path(__file__).parent


def _leftover_dirs(tmpdir: Path) -> set[str]:
    return set(glob.glob(os.path.join(tmpdir, "oar-conformance-pg-*")))


def _live(paths: set[str]) -> dict[int, str]:
    """Live (not zombie) processes whose command line names one of ``paths``, by pid."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if state != "Z" and any(p in cmdline for p in paths):
            found[int(proc.name)] = cmdline
    return found


def _servers(paths: set[str]) -> list[str]:
    """Command lines of the live processes naming one of ``paths``."""
    return list(_live(paths).values())


def _within(seconds: float, done: Callable[[], bool]) -> float:
    """Poll ``done`` until true; how long it took (fails after ``seconds``).

    What a killed process (a kit, or a worker killed by its kit) held is removed by its
    watchdog a moment after the kill, not at once.
    """
    start = time.monotonic()
    while not done():
        if time.monotonic() - start > seconds:
            pytest.fail(f"still not done after {seconds} s")
        time.sleep(0.1)
    return time.monotonic() - start


def _run_child(
    code: str, tmpdir: Path | None = None, path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter; ``tmpdir`` is its private ``TMPDIR``.

    ``path`` goes first on its ``PYTHONPATH`` (and so on that of the kit's workers).
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in (path, HERE) if p))
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
    _within(20, lambda: not _leftover_dirs(tmp_path) and _servers(made) == [])


@needs_oar3
def test_given_server_gets_its_temporary_database_dropped() -> None:
    from sqlalchemy import create_engine, text  # noqa: PLC0415

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
def test_r2_without_postgresql_is_skipped_with_a_reason(tmp_path: Path) -> None:
    """No initdb: a ``sitecustomize`` hides it from the child and the workers it may start."""
    (tmp_path / "sitecustomize.py").write_text(
        "import oar_conformance.db._postgres as pg\npg.find_pg_bin = lambda: None\n"
    )
    child = _run_child(
        """
        from oar_conformance.errors import CheckSkipped
        from _dbhelp import check
        try:
            check("sample_noop", "R2")
        except CheckSkipped as exc:
            print("SKIPPED:", exc)
        """,
        path=tmp_path,
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
    _within(20, lambda: not _leftover_dirs(private_tmpdir))


_KIT = """
    import time
    from sqlalchemy.engine import make_url
    from oar_conformance.db._postgres import open_postgresql
    engine, drop = open_postgresql(None)
    print(make_url(engine.url).query["host"], flush=True)
    time.sleep(300)
"""


def _launch(tmpdir: Path, script: str) -> tuple[subprocess.Popen[str], str]:
    """Kit ``script`` in a session of its own, servers in ``tmpdir``; its first line."""
    kit = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(HERE), TMPDIR=str(tmpdir)),
        start_new_session=True,
    )
    assert kit.stdout is not None
    ready, _, _ = select.select([kit.stdout], [], [], 120)
    line = kit.stdout.readline().strip() if ready else ""
    if not line:
        os.killpg(kit.pid, signal.SIGKILL)
        _, err = kit.communicate()
        pytest.fail(f"the kit did not start a server: {err[-2000:]}")
    return kit, line


def _start_kit(tmpdir: Path) -> tuple[subprocess.Popen[str], Path]:
    """A kit process in a session of its own with a server in ``tmpdir``; its directory."""
    kit, line = _launch(tmpdir, _KIT)
    return kit, Path(line)


def _kill_group(kit: subprocess.Popen[str]) -> None:
    """SIGKILL to the kit and every process of its group (not the watchdog: own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(kit.pid, signal.SIGKILL)
    kit.communicate()


def _postmasters(root: Path) -> list[int]:
    """Pids of the live postmasters naming ``root`` (their children show other titles)."""
    found = _live({str(root)}).items()
    return [pid for pid, line in found if Path(line.split()[0]).name == "postgres"]


def _gone(root: Path) -> bool:
    """No directory ``root`` any more, and no process (server, watchdog) naming it."""
    return not root.exists() and not _live({str(root)})


def _wipe(root: Path) -> None:
    """Teardown of a test that failed halfway: stop the server of ``root``, delete it."""
    if root.exists():
        bindir = find_pg_bin()
        data = (root / "data").stat() if (root / "data").exists() else root.stat()
        pg_ctl = None if bindir is None else bindir / "pg_ctl"
        _watchdog.remove_server_dir(root, pg_ctl, data.st_uid, data.st_gid)


def _tcp_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return True
    except ConnectionRefusedError:
        return False


@pytest.fixture
def private_server(
    private_tmpdir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path]]:
    """A server started in this process in a private TMPDIR: its URL and directory."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    monkeypatch.setattr(tempfile, "tempdir", str(private_tmpdir))
    url, stop = _start_server()
    root = Path(str(make_url(url).query["host"]))
    try:
        yield url, root
    finally:
        stop()
    assert not root.exists()
    assert _live({str(root)}) == {}, "the watchdog outlived the cleanup"


def test_server_is_private_and_wants_the_secret(
    private_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the unix socket in a 0700 directory, and no way in without the password."""
    import psycopg2  # noqa: PLC0415
    from sqlalchemy import create_engine, text  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415

    url, root = private_server
    address = make_url(url)
    port = int(str(address.query["port"]))
    assert address.password
    info = root.stat()
    assert info.st_mode & 0o777 == 0o700
    owner = pwd.getpwnam("nobody").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert info.st_uid == owner
    assert (root / f".s.PGSQL.{port}").is_socket()
    secret = address.password.encode()
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    assert not [p for p in files if secret in p.read_bytes()], "the password was left in a file"

    engine = create_engine(url)
    with engine.connect() as conn:
        listen = conn.execute(text("SELECT current_setting('listen_addresses')")).scalar()
        rules = conn.execute(text("SELECT DISTINCT auth_method FROM pg_hba_file_rules")).all()
    engine.dispose()
    assert listen == ""
    assert rules == [("scram-sha-256",)]

    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", os.devnull)
    where = {"host": str(root), "port": port, "user": "oar", "dbname": "postgres"}
    with pytest.raises(psycopg2.OperationalError, match="no password supplied"):
        psycopg2.connect(**where)
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(**where, password="not-the-secret")
    wrong = create_engine(address.set(password="not-the-secret"))
    with pytest.raises(OperationalError, match="password authentication failed"):
        wrong.connect()
    wrong.dispose()


def test_no_tcp_listener(private_tmpdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's port (PostgreSQL's default) stays closed on 127.0.0.1 while it runs."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    if _tcp_accepts(5432):
        pytest.skip("another program accepts TCP connections on 127.0.0.1:5432")
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmpdir))
    url, stop = _start_server()
    try:
        port = int(str(make_url(url).query["port"]))
        assert not _tcp_accepts(port)
        assert not _tcp_accepts(5432)
    finally:
        stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="running a client as another user needs root")
def test_another_user_cannot_reach_the_socket(private_server: tuple[str, Path]) -> None:
    """``daemon``, even knowing the password, is stopped at the server's directory."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    bindir = find_pg_bin()
    assert bindir is not None
    psql = bindir / "psql"
    if not psql.exists():
        pytest.skip(f"no psql next to initdb in {bindir} to play the other user's client")
    try:
        other = pwd.getpwnam("daemon")
    except KeyError:
        pytest.skip("no user 'daemon' to play another user")
    url, root = private_server
    address = make_url(url)
    command = [str(psql), "-X", "-w", "-h", str(root), "-p", str(address.query["port"])]
    command += ["-U", "oar", "-d", "postgres", "-c", "SELECT 1"]
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "PGPASSWORD": str(address.password)}

    def psql_as(uid: int | None, gid: int | None) -> subprocess.CompletedProcess[str]:
        groups = None if uid is None else []
        return subprocess.run(
            command,
            env=env,
            user=uid,
            group=gid,
            extra_groups=groups,
            cwd="/",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    mine = psql_as(None, None)
    assert mine.returncode == 0, mine.stderr
    theirs = psql_as(other.pw_uid, other.pw_gid)
    assert theirs.returncode != 0
    assert "Permission denied" in theirs.stderr, theirs.stderr


def test_sigkill_of_the_kit_leaves_no_server_or_directory(private_tmpdir: Path) -> None:
    """SIGKILL to the kit's whole process group: the watchdog, in its own session, cleans up."""
    kit, root = _start_kit(private_tmpdir)
    try:
        assert (root / "data" / "postmaster.pid").exists()
        assert _postmasters(root)
        watchdogs = [pid for pid, line in _live({str(root)}).items() if "_watchdog" in line]
        assert len(watchdogs) == 1
        assert os.getsid(watchdogs[0]) != os.getsid(kit.pid)
    finally:
        _kill_group(kit)
    try:
        _within(20, lambda: _gone(root))
    finally:
        _wipe(root)
    assert not _leftover_dirs(private_tmpdir)


_FORKING_KIT = """
    import os, sys, time
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from oar_conformance.db._postgres import _start_server
    url, stop = _start_server()
    if os.fork() == 0:
        sys.exit(0)
    os.wait()
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    lingering = os.fork()
    if lingering == 0:
        time.sleep(300)
        os._exit(0)
    print(make_url(url).query["host"], lingering, flush=True)
    time.sleep(300)
"""


def test_forked_children_neither_stop_the_server_nor_keep_it(private_tmpdir: Path) -> None:
    """A fork exiting normally leaves the server up; one still running does not hold it."""
    kit, line = _launch(private_tmpdir, _FORKING_KIT)
    root = Path()
    try:
        words = line.split()
        if len(words) != 2:
            pytest.fail(f"the kit printed {line!r}, not its server's directory and a pid")
        root, lingering = Path(words[0]), int(words[1])
        os.kill(kit.pid, signal.SIGKILL)
        _within(20, lambda: _gone(root))
        assert Path(f"/proc/{lingering}").exists(), "the forked child should still run"
    finally:
        _kill_group(kit)
        if root != Path():
            _wipe(root)


def test_new_server_removes_what_dead_runs_left(
    private_tmpdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dead owner: directory (and server) removed; live owner or a fresh unstamped one: kept."""
    stale_kit, stale = _start_kit(private_tmpdir)
    try:
        watchdog = [pid for pid, line in _live({str(stale)}).items() if "_watchdog" in line]
        for pid in watchdog:
            os.kill(pid, signal.SIGKILL)
        _within(20, lambda: not [p for p in watchdog if p in _live({str(stale)})])
    finally:
        _kill_group(stale_kit)
    try:
        assert _postmasters(stale), "the server of the killed run should still run"

        def plant(name: str) -> Path:
            folder = private_tmpdir / f"{_watchdog.PREFIX}{name}"
            folder.mkdir(mode=0o700)
            return folder

        dead = plant("dead")
        sleeper = subprocess.Popen(["sleep", "60"])
        _watchdog.write_stamp(dead, sleeper.pid)
        sleeper.kill()
        sleeper.wait()
        live = plant("live")
        _watchdog.write_stamp(live)
        fresh = plant("unstamped-fresh")
        old = plant("unstamped-old")
        an_hour_ago = time.time() - 3600
        os.utime(old, (an_hour_ago, an_hour_ago))

        monkeypatch.setattr(tempfile, "tempdir", str(private_tmpdir))
        _, stop = _start_server()
        try:
            assert not stale.exists()
            assert not _live({str(stale)})
            assert not dead.exists()
            assert not old.exists()
            assert live.exists()
            assert fresh.exists()
        finally:
            stop()
        assert _leftover_dirs(private_tmpdir) == {str(live), str(fresh)}
    finally:
        _wipe(stale)


@needs_oar3
def test_campaigns_run_on_postgresql_as_the_main_database() -> None:
    """With --db postgresql the campaigns themselves are played on PostgreSQL (C11 then
    compares them with sqlite), and a campaign fault is still caught there."""
    check("sample_noop", "C1", db="postgresql")
    check("sample_noop", "C11", db="postgresql")
    failure = caught("bad_c2_launches_unrecorded", "C2", db="postgresql")
    assert failure.violation.outcome.db == "postgresql"

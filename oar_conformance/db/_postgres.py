"""PostgreSQL for database rounds: a throwaway server, or a temporary database on a given one.

``open_postgresql(None)`` runs ``initdb`` into a fresh temporary directory (mode 0700,
owned by the server's user) and starts the server with ``pg_ctl``. The server is private:
no TCP listener (``listen_addresses=''``), only a unix-domain socket in that directory, which
only the kit's and the server's users can enter, and ``scram-sha-256`` authentication with
a random password (given to ``initdb`` through a 0600 file deleted right after), so a client
reaching the socket without the secret is refused. The URL handed out reaches the socket
(``postgresql+psycopg2://oar:PASSWORD@/postgres?host=DIR&port=5432``) and is only ever shown
with its password hidden. ``open_postgresql(url)`` connects to an existing server and
``CREATE``s a database of its own there. Either way the kit only writes to what it created,
and the returned cleanup drops the database, stops the server and deletes the directory.

Cleanup runs at exit (``atexit``) and on ``SIGTERM``; Ctrl-C unwinds through ``finally``
blocks and ``atexit``. For what those miss (SIGKILL, a crash), each server has a watchdog
(:mod:`._watchdog`), a process in a session of its own holding a pipe from the kit, started
before the directory is made: when the kit is gone it stops the server and deletes the
directory (a forked child of the kit neither holds that pipe nor stops the kit's servers at
its own exit). Each directory is also stamped with the kit's pid and start time, and before
starting a server the kit removes the directories in the temporary directory whose owner is
dead (stopping their server first), never those of a live run; unstamped ones, from older
kits, only when no server runs in them and they are older than fifteen minutes.

``initdb`` refuses to run as root, so as root the server runs as ``nobody``, owning the
directory, with no supplementary group. When PostgreSQL cannot be started or reached,
:class:`DatabaseUnavailable` says what to install or check, instead of a traceback.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, NamedTuple

from oar_conformance.db import _watchdog
from oar_conformance.db._tables import refuse_oar_tables
from oar_conformance.errors import UsageError

__all__ = ["DatabaseUnavailable", "find_pg_bin", "open_postgresql", "pending_cleanups"]

INSTALL_HINT = (
    "install Debian's PostgreSQL server (apt-get install postgresql) so that initdb and "
    "pg_ctl are found, or give the URL of a running server: --oar-db=postgresql://USER@HOST/DB"
)
_UNPRIVILEGED = "nobody"
_START_TIMEOUT = 60
_PORT = 5432
"""Only names the socket file (``.s.PGSQL.5432``): the server has no TCP listener."""
_WATCHDOG_EXIT = 5

_CLEANUPS: dict[int, Callable[[], None]] = {}


class DatabaseUnavailable(UsageError):
    """PostgreSQL could not be started or reached; the message says what to do."""


def pending_cleanups() -> int:
    """How many servers/databases this process made and has not removed yet."""
    return len(_CLEANUPS)


def _run_pending() -> None:
    for key in list(_CLEANUPS):
        cleanup = _CLEANUPS.pop(key, None)
        if cleanup is not None:
            with contextlib.suppress(Exception):
                cleanup()


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    _run_pending()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


atexit.register(_run_pending)


def _register(cleanup: Callable[[], None]) -> Callable[[], None]:
    """Track ``cleanup`` for exit and SIGTERM; the returned callable runs it once."""
    key = id(cleanup)
    _CLEANUPS[key] = cleanup
    with contextlib.suppress(ValueError):  # not in the main thread: atexit still runs
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)

    def once() -> None:
        pending = _CLEANUPS.pop(key, None)
        if pending is not None:
            pending()

    return once


def find_pg_bin() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` (PATH first, then Debian's layout)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(versions[-1]).parent if versions else None


class _RunAs(NamedTuple):
    """The unprivileged user running initdb, pg_ctl and the server when the kit is root."""

    uid: int
    gid: int


def _as_user() -> _RunAs | None:
    """Who runs PostgreSQL: None for the kit's own user, :data:`_UNPRIVILEGED` for root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(_UNPRIVILEGED)
    except KeyError:
        msg = f"running as root, the kit needs the user {_UNPRIVILEGED!r} to run PostgreSQL"
        raise DatabaseUnavailable(msg) from None
    return _RunAs(entry.pw_uid, entry.pw_gid)


def _pg(binary: Path, args: list[str], runas: _RunAs | None, what: str, log: Path | None) -> None:
    env = dict(os.environ, LC_ALL="C", LANG="C")
    try:
        done = subprocess.run(
            [str(binary), *args],
            capture_output=True,
            text=True,
            timeout=_START_TIMEOUT,
            user=None if runas is None else runas.uid,
            group=None if runas is None else runas.gid,
            extra_groups=None if runas is None else [],
            env=env,
            cwd="/",
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        msg = f"{what} failed: {exc}; {INSTALL_HINT}"
        raise DatabaseUnavailable(msg) from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        if log is not None and log.exists():
            detail += log.read_text(errors="replace").strip().splitlines()[-5:]
        msg = f"{what} failed (exit {done.returncode}): {' | '.join(detail)}"
        raise DatabaseUnavailable(msg)


_WRITE_ENDS: set[int] = set()
"""Write ends of the watchdogs' pipes: this process alone must hold them."""


def _forget_in_child() -> None:
    """After a fork: the child must neither keep a watchdog alive nor stop our servers."""
    for fd in _WRITE_ENDS:
        with contextlib.suppress(OSError):
            os.close(fd)
    _WRITE_ENDS.clear()
    _CLEANUPS.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def _start_watchdog(root: Path, bindir: Path, runas: _RunAs | None) -> Callable[[], None]:
    """Start the watchdog of ``root`` (see :mod:`._watchdog`); the callable lets it go.

    Started before ``root`` is made, so no moment of its life leaves it unguarded. Its
    pipe's write end is non-inheritable and closed in forked children, so the watchdog
    reads end of file exactly when this process ends or lets go.
    """
    read_end, write_end = os.pipe()
    uid, gid = runas if runas is not None else (-1, -1)
    command = [sys.executable, "-I", "-S", _watchdog.__file__, str(read_end), str(root)]
    try:
        process = subprocess.Popen(
            [*command, str(bindir), str(uid), str(gid), str(os.getpid())],
            pass_fds=(read_end,),
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
        )
    except (OSError, subprocess.SubprocessError) as exc:
        os.close(write_end)
        msg = f"cannot start the watchdog of the PostgreSQL server ({sys.executable!r}): {exc}"
        raise DatabaseUnavailable(msg) from None
    finally:
        os.close(read_end)
    _WRITE_ENDS.add(write_end)

    def let_go() -> None:
        if write_end in _WRITE_ENDS:
            _WRITE_ENDS.discard(write_end)
            os.close(write_end)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=_WATCHDOG_EXIT)

    return let_go


def _remove_leftovers(bindir: Path, runas: _RunAs | None) -> None:
    """Remove what dead runs left in the temporary directory (see :mod:`._watchdog`)."""
    owners = {os.geteuid()} if runas is None else {os.geteuid(), runas.uid}
    with contextlib.suppress(OSError):
        _watchdog.remove_leftovers(Path(tempfile.gettempdir()), bindir / "pg_ctl", owners)


def _initdb(bindir: Path, root: Path, runas: _RunAs | None) -> str:
    """Run initdb into ``root/data`` with password authentication; the password."""
    password = secrets.token_urlsafe(24)
    pwfile = root / "pwfile"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            if runas is not None:
                os.fchown(out.fileno(), runas.uid, runas.gid)
            out.write(password + "\n")
        _pg(
            bindir / "initdb",
            [
                "-D",
                str(root / "data"),
                "-U",
                "oar",
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
            runas,
            "initdb",
            None,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    return password


def _start_server() -> tuple[str, Callable[[], None]]:
    """initdb + pg_ctl start in a private temporary directory; the URL and how to remove it."""
    from sqlalchemy.engine import URL  # noqa: PLC0415

    bindir = find_pg_bin()
    if bindir is None:
        msg = f"PostgreSQL's initdb was not found; {INSTALL_HINT}"
        raise DatabaseUnavailable(msg)
    runas = _as_user()
    _remove_leftovers(bindir, runas)
    root = Path(tempfile.gettempdir()) / f"{_watchdog.PREFIX}{secrets.token_hex(6)}"
    data, log = root / "data", root / "server.log"
    uid, gid = runas if runas is not None else (-1, -1)
    let_go = _start_watchdog(root, bindir, runas)
    made = False

    def stop() -> None:
        running = None
        try:
            if made:
                running = _watchdog.stop_server(data, bindir / "pg_ctl", uid, gid)
        finally:
            if made:
                shutil.rmtree(root, ignore_errors=True)
            let_go()
        if running is not None:
            msg = f"the PostgreSQL server of {root} (pid {running}) did not stop; kill it by hand"
            raise DatabaseUnavailable(msg)

    cleanup = _register(stop)
    try:
        try:
            root.mkdir(mode=0o700)
        except OSError as exc:
            msg = f"cannot make the server directory {root}: {exc}; set TMPDIR to a writable one"
            raise DatabaseUnavailable(msg) from None
        made = True
        root.chmod(0o700)
        _watchdog.write_stamp(root)
        if runas is not None:
            os.chown(root, runas.uid, runas.gid)
        password = _initdb(bindir, root, runas)
        options = (
            f"-c listen_addresses='' -p {_PORT} -k {shlex.quote(str(root))} "
            "-c unix_socket_permissions=0700 -c fsync=off -c full_page_writes=off"
        )
        _pg(
            bindir / "pg_ctl",
            [
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(log),
                "-w",
                "-t",
                str(_START_TIMEOUT),
                "start",
            ],
            runas,
            "pg_ctl start",
            log,
        )
    except BaseException:
        cleanup()
        raise
    url = URL.create(
        "postgresql+psycopg2",
        username="oar",
        password=password,
        database="postgres",
        query={"host": str(root), "port": str(_PORT)},
    )
    return url.render_as_string(hide_password=False), cleanup


def _admin_engine(url: str) -> Any:
    from sqlalchemy import create_engine, text  # noqa: PLC0415
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        shown = engine.url.render_as_string(hide_password=True)
        msg = f"cannot reach PostgreSQL at {shown}: {reason}; check that it runs and accepts you"
        raise DatabaseUnavailable(msg) from None
    return engine


def _normalised(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return url


def open_postgresql(url: str | None) -> tuple[Any, Callable[[], None]]:
    """An engine on a new, empty database the kit created, and the cleanup removing it.

    ``url=None`` starts a throwaway server; otherwise ``url`` names a server (and a
    database to connect through) where the kit creates and later drops its own database.
    """
    from sqlalchemy import create_engine, text  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    stop_server: Callable[[], None] | None = None
    if url is None:
        url, stop_server = _start_server()
    try:
        admin = _admin_engine(_normalised(url))
    except BaseException:
        if stop_server is not None:
            stop_server()
        raise
    if stop_server is None:
        try:
            refuse_oar_tables(admin)
        except UsageError:
            admin.dispose()
            raise
    name = f"oar_conformance_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if stop_server is not None:
            stop_server()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        shown = admin.url.render_as_string(hide_password=True)
        msg = f"cannot create a temporary database on {shown}: {reason}"
        raise DatabaseUnavailable(msg) from None
    engine = create_engine(make_url(_normalised(url)).set(database=name))

    def drop() -> None:
        try:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        finally:
            if stop_server is not None:
                stop_server()

    return engine, _register(drop)

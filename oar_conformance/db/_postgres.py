"""PostgreSQL for database rounds: a throwaway server, or a temporary database on a given one.

``open_postgresql(None)`` runs ``initdb`` into a fresh temporary directory and starts the
server with ``pg_ctl`` on 127.0.0.1 at a free port (its unix socket in that directory);
``open_postgresql(url)`` connects to an existing server and ``CREATE``s a database of its
own there. Either way the kit only writes to what it created, and the returned cleanup
drops the database, stops the server and deletes the directory. Cleanup also runs at exit
(``atexit``) and on ``SIGTERM``; Ctrl-C unwinds through ``finally`` blocks and ``atexit``.
``initdb`` refuses to run as root, so as root the server runs as ``nobody``, owning the
directory. When PostgreSQL cannot be started or reached, :class:`DatabaseUnavailable`
says what to install or check, instead of a traceback.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from oar_conformance.db._tables import refuse_oar_tables
from oar_conformance.errors import UsageError

__all__ = ["DatabaseUnavailable", "find_pg_bin", "open_postgresql", "pending_cleanups"]

INSTALL_HINT = (
    "install Debian's PostgreSQL server (apt-get install postgresql) so that initdb and "
    "pg_ctl are found, or give the URL of a running server: --oar-db=postgresql://USER@HOST/DB"
)
_UNPRIVILEGED = "nobody"
_START_TIMEOUT = 60

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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_user() -> tuple[Callable[[], None] | None, int, int]:
    """How to drop root for initdb/pg_ctl: a preexec function and the uid/gid to own files."""
    if os.geteuid() != 0:
        return None, -1, -1
    try:
        entry = pwd.getpwnam(_UNPRIVILEGED)
    except KeyError:
        msg = f"running as root, the kit needs the user {_UNPRIVILEGED!r} to run PostgreSQL"
        raise DatabaseUnavailable(msg) from None
    uid, gid = entry.pw_uid, entry.pw_gid

    def drop() -> None:
        os.setgid(gid)
        os.setuid(uid)

    return drop, uid, gid


def _pg(
    binary: Path, args: list[str], drop: Callable[[], None] | None, what: str, log: Path | None
) -> None:
    env = dict(os.environ, LC_ALL="C", LANG="C")
    try:
        done = subprocess.run(
            [str(binary), *args],
            capture_output=True,
            text=True,
            timeout=_START_TIMEOUT,
            preexec_fn=drop,
            env=env,
            cwd="/",
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        msg = f"{what} failed: {exc}; {INSTALL_HINT}"
        raise DatabaseUnavailable(msg) from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        if log is not None and log.exists():
            detail += log.read_text(errors="replace").strip().splitlines()[-5:]
        msg = f"{what} failed (exit {done.returncode}): {' | '.join(detail)}"
        raise DatabaseUnavailable(msg)


def _start_server() -> tuple[str, Callable[[], None]]:
    """initdb + pg_ctl start in a temporary directory; the server URL and how to remove it."""
    bindir = find_pg_bin()
    if bindir is None:
        msg = f"PostgreSQL's initdb was not found; {INSTALL_HINT}"
        raise DatabaseUnavailable(msg)
    drop, uid, gid = _as_user()
    root = Path(tempfile.mkdtemp(prefix="oar-conformance-pg-"))
    data, log = root / "data", root / "server.log"
    started = False

    def stop() -> None:
        try:
            if started:
                _pg(
                    bindir / "pg_ctl",
                    ["-D", str(data), "-m", "immediate", "-w", "stop"],
                    drop,
                    "pg_ctl stop",
                    None,
                )
        finally:
            shutil.rmtree(root, ignore_errors=True)

    cleanup = _register(stop)
    try:
        if uid >= 0:
            os.chown(root, uid, gid)
        _pg(
            bindir / "initdb",
            [
                "-D",
                str(data),
                "-U",
                "oar",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
            drop,
            "initdb",
            None,
        )
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} "
            "-c fsync=off -c full_page_writes=off"
        )
        started = True
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
            drop,
            "pg_ctl start",
            log,
        )
    except BaseException:
        cleanup()
        raise
    return f"postgresql+psycopg2://oar@127.0.0.1:{port}/postgres", cleanup


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

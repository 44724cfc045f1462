"""Removes a throwaway PostgreSQL server once the kit that started it is gone, even by SIGKILL.

:mod:`oar_conformance.db._postgres` runs this file as a process of its own, in a session of
its own (a kill of the kit's process group spares it), as
``python -I -S _watchdog.py FD ROOT BINDIR UID GID OWNER``, before it makes ``ROOT``. ``FD``
is the read end of a pipe whose write end only the kit (pid ``OWNER``) holds: end of file on
it means the kit exited or was killed, and the watchdog then stops the server of
``ROOT/data`` (``pg_ctl -m immediate stop`` as user ``UID`` when not -1, then signals to its
postmaster if needed) and deletes ``ROOT``. When the kit has removed ``ROOT`` itself (a normal
cleanup), the watchdog exits at the end of file or within :data:`POLL_SECONDS`.

It also holds the helpers the kit shares with it: the owner stamp of a server directory
(:func:`write_stamp`, :func:`owner_alive`), stopping the server of a data directory
(:func:`stop_server`) and removing what dead runs left (:func:`remove_leftovers`).
Standard library only, and no import of the package, so that it starts in milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Collection
from pathlib import Path

__all__ = [
    "POLL_SECONDS",
    "PREFIX",
    "STAMP",
    "UNSTAMPED_AGE",
    "main",
    "owner_alive",
    "postmaster",
    "remove_leftovers",
    "remove_server_dir",
    "stop_server",
    "write_stamp",
]

PREFIX = "oar-conformance-pg-"
STAMP = "owner.pid"
POLL_SECONDS = 0.5
UNSTAMPED_AGE = 15 * 60
"""Seconds after which an unstamped directory (an older kit's) with no live server is removed."""

_SIGNAL_WAIT = 5.0
_PG_CTL_TIMEOUT = 20


def _start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot), or None if gone or a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in {"Z", "X"}:
        return None
    return int(fields[19])


def _has_proc() -> bool:
    return Path("/proc/self/stat").exists()


def write_stamp(root: Path, pid: int | None = None) -> None:
    """Stamp ``root`` with ``pid`` (this process by default) and that process's start time.

    The start time tells the owner from a later process that got the same pid.
    """
    pid = os.getpid() if pid is None else pid
    started = _start_time(pid)
    partial = root / f".{STAMP}.partial"
    partial.write_text(f"{pid} {'-' if started is None else started}\n")
    partial.replace(root / STAMP)


def _stamp(root: Path) -> tuple[int, str] | None:
    """The pid and start time stamped in ``root``, or None without a (readable) stamp."""
    try:
        words = (root / STAMP).read_text().split()
        return int(words[0]), words[1]
    except (OSError, ValueError, IndexError):
        return None


def owner_alive(root: Path) -> bool | None:
    """Whether the process stamped in ``root`` still runs; None if ``root`` has no stamp."""
    stamp = _stamp(root)
    if stamp is None:
        return None
    pid, started = stamp
    if not _has_proc():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True
    now = _start_time(pid)
    return now is not None and started in {"-", str(now)}


def postmaster(data: Path) -> int | None:
    """The pid of the running postmaster of data directory ``data``, or None.

    The pid read from ``postmaster.pid`` counts only if that process names ``data`` on its
    command line or works in it, so a recycled pid is never mistaken for the server.
    """
    try:
        pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    if pid <= 0 or _start_time(pid) is None:
        return None
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        words = []
    if os.fsencode(str(data)) in words:
        return pid
    with contextlib.suppress(OSError):
        if Path(os.readlink(f"/proc/{pid}/cwd")) == data.resolve():
            return pid
    return None


def _wait_gone(pid: int, started: int | None, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        now = _start_time(pid)
        if now is None or now != started:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def stop_server(data: Path, pg_ctl: Path | None, uid: int = -1, gid: int = -1) -> int | None:
    """Stop the server of ``data`` if one runs; the pid of a server still running, else None.

    First ``pg_ctl -m immediate stop`` (as ``uid``/``gid`` when they are not -1: pg_ctl
    refuses root), then SIGQUIT (PostgreSQL's immediate shutdown) and at last SIGKILL to the
    postmaster, whose children exit when it dies.
    """
    pid = postmaster(data)
    if pid is None:
        return None
    started = _start_time(pid)
    if pg_ctl is not None and pg_ctl.exists():
        drop = uid >= 0 and os.geteuid() == 0
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                [
                    str(pg_ctl),
                    "-D",
                    str(data),
                    "-m",
                    "immediate",
                    "-w",
                    "-t",
                    str(_PG_CTL_TIMEOUT),
                    "stop",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=_PG_CTL_TIMEOUT + 10,
                cwd="/",
                env=dict(os.environ, LC_ALL="C", LANG="C"),
                user=uid if drop else None,
                group=gid if drop else None,
                extra_groups=[] if drop else None,
                check=False,
            )
        if _wait_gone(pid, started, 1.0):
            return None
    for signum in (signal.SIGQUIT, signal.SIGKILL):
        with contextlib.suppress(OSError):
            os.kill(pid, signum)
        if _wait_gone(pid, started, _SIGNAL_WAIT):
            return None
    return pid


def remove_server_dir(root: Path, pg_ctl: Path | None, uid: int = -1, gid: int = -1) -> None:
    """Stop the server of ``root/data`` and delete ``root``, again while something reappears.

    A ``pg_ctl start`` or ``initdb`` orphaned by a killed kit may still be writing there.
    """
    deadline = time.monotonic() + _SIGNAL_WAIT
    while True:
        stop_server(root / "data", pg_ctl, uid, gid)
        shutil.rmtree(root, ignore_errors=True)
        if not root.exists() or time.monotonic() >= deadline:
            return
        time.sleep(0.1)


def _leftover(entry: Path, owners: Collection[int]) -> bool:
    """Whether ``entry`` is a server directory of a dead run that may be removed."""
    try:
        info = entry.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid not in owners:
        return False
    alive = owner_alive(entry)
    if alive is not None:
        return not alive
    if not os.access(entry, os.R_OK | os.X_OK) or postmaster(entry / "data") is not None:
        return False
    return time.time() - info.st_mtime > UNSTAMPED_AGE


def remove_leftovers(tmp: Path, pg_ctl: Path | None, owners: Collection[int]) -> list[Path]:
    """Remove the server directories in ``tmp`` that dead runs left; the ones removed.

    Only directories owned by one of ``owners`` (uids) count. A stamped directory goes when
    its owner is dead, its server first; one whose owner is alive (another run) stays. An
    unstamped one (made by an older kit) goes only when no server runs in it and it is older
    than :data:`UNSTAMPED_AGE`.
    """
    removed = []
    try:
        entries = sorted(tmp.glob(f"{PREFIX}*"))
    except OSError:
        return []
    for entry in entries:
        if not _leftover(entry, owners):
            continue
        uid = gid = -1
        with contextlib.suppress(OSError):
            data = (entry / "data").stat()
            uid, gid = data.st_uid, data.st_gid
        remove_server_dir(entry, pg_ctl, uid, gid)
        removed.append(entry)
    return removed


def main(argv: list[str]) -> int:
    """Watch the pipe ``FD``; at its end of file remove the server directory ``ROOT``.

    ``ROOT`` may not exist yet: the kit makes it once the watchdog runs. It is removed only
    if stamped by the kit (``OWNER``) or not stamped at all (the kit died before stamping),
    never when it holds another run's stamp. Once ``ROOT`` has existed and is gone (the kit
    cleaned up), the watchdog exits without waiting for end of file.
    """
    try:
        fd, root, bindir = int(argv[0]), Path(argv[1]), Path(argv[2])
        uid, gid, owner = int(argv[3]), int(argv[4]), int(argv[5])
    except (IndexError, ValueError):
        sys.stderr.write(f"usage: _watchdog.py FD ROOT BINDIR UID GID OWNER, not {argv!r}\n")
        return 2
    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    os.set_inheritable(fd, False)
    seen = False
    while True:
        ready, _, _ = select.select([fd], [], [], POLL_SECONDS)
        if ready:
            try:
                chunk = os.read(fd, 64)
            except OSError:
                chunk = b""
            if not chunk:
                break
        elif root.exists():
            seen = True
        elif seen:
            return 0
    stamp = _stamp(root)
    if stamp is None or stamp[0] == owner:
        remove_server_dir(root, bindir / "pg_ctl", uid, gid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

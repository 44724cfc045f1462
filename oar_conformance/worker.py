"""Plugin code in worker processes that the kit can kill and replace.

The parent keeps Hypothesis, shrinking and reporting; a worker holds the plugin and its
family's runner (the OAR3 adapter, with its database session for rounds) and answers
one scenario at a time with a plain outcome. A plugin that ends its process, crashes,
blocks past the per-call limit (signals ignored, the GIL held in C), leaves threads or
children behind, or floods its output cannot take the run down: the worker is killed
(with its process group) and a fresh one serves the next example, and the example is
a failed call of the plugin, reported by its family's failed-call invariant.

Per plugin, a *zygote* (``python -m oar_conformance.worker``, a fresh interpreter in a
session of its own) imports the kit and the plugin (under OAR3's private configuration),
then forks a worker on request for any family and options, so a replacement costs
milliseconds, not an interpreter start. It imports OAR3 once its first worker is away
(which imports it itself if its examples need it), so the first examples do not wait for
it and later workers have it. Each worker runs in a session of its own (no terminal Ctrl-C reaches
it, so a ``KeyboardInterrupt`` there is the plugin's), under the memory limit, with its
output in an unnamed file (nothing is left on disk) whose tail is shown on failure, and
dies with the zygote, which dies with the kit (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO

from oar_conformance import _guard, _interrupt
from oar_conformance.model import Platform
from oar_conformance.options import CheckOptions
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import PluginSpec

__all__ = ["OUTSIDE_CALL_LIMIT", "IsolatedRunner", "prestart", "shutdown_workers"]

OUTSIDE_CALL_LIMIT = 120.0
"""Seconds a worker may work outside plugin calls (OAR3's own code, the kit's checks)."""

_GRACE = 2.0
"""Seconds past the per-call limit before the parent kills a worker whose call hangs."""

_STARTUP_LIMIT = 120.0
"""Seconds a zygote may take to import the kit, OAR3 and the plugin."""

_ANSWER_LIMIT = 10.0
"""Seconds a zygote may take to answer a fork or a status request; past it, it is stopped
and a new one starts (the kit never waits on a zygote without a bound)."""

_TAIL_LINES = 20
_TAIL_BYTES = 4096


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent dies."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _limit_memory(limit: int) -> None:
    if limit:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _picklable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a ``RuntimeError`` carrying its text."""
    import pickle  # noqa: PLC0415

    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - a round trip of our own bytes
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


# -- in the zygote and its workers ------------------------------------------------------


def _zygote(control: Connection, fds: socket.socket) -> None:
    """Import the kit, OAR3 and the plugin once, then fork a worker per request.

    Requests on ``control``: ``("fork", family, options)`` with the worker's socket and
    output file sent on ``fds`` (answer ``("forked", pid)``), ``("wait", pid, seconds)`` (answer
    ``("status", code)``: an exit code, ``-signal``, or ``None`` if it still runs). EOF
    ends the zygote and everything it forked.
    """
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    spec, memory_limit, oar3_first = control.recv()
    _limit_memory(memory_limit)
    from oar_conformance import oar3  # noqa: PLC0415 - imported in the zygote only
    from oar_conformance.catalogue import families  # noqa: PLC0415
    from oar_conformance.plugins import load  # noqa: PLC0415

    try:
        func = load(spec)
    except BaseException as exc:
        control.send(("raise", _picklable(exc)))
        return
    control.send(("ready", None))
    children = _Children()
    prepared = oar3_first
    if oar3_first:  # the first worker needs it at once: import it before it is asked for
        _prepare(oar3)
    try:
        while True:
            try:
                message = control.recv()
            except (EOFError, OSError):
                return
            children.reap()
            if message[0] == "fork":
                _, family, options = message
                _, sent, _, _ = socket.recv_fds(fds, 1, 2)
                pid = os.fork()
                if pid == 0:
                    control.close()
                    fds.close()
                    try:
                        chosen = next(f for f in families() if f.name == family)
                        _worker(Connection(sent[0]), sent[1], chosen.runner(func, options))
                    finally:
                        os._exit(0)
                for fd in sent:
                    os.close(fd)
                children.running.add(pid)
                control.send(("forked", pid))
                if not prepared:
                    prepared = True
                    _prepare(oar3)
            elif message[0] == "wait":
                control.send(("status", children.wait(message[1], message[2])))
    finally:
        children.kill()


def _prepare(oar3: ModuleType) -> None:
    """Import OAR3 into the zygote while its first worker starts on the first examples,
    so the next workers it forks have it loaded (the first imports it if it needs it)."""
    if oar3.status().available:
        with contextlib.suppress(Exception):  # a broken OAR3 fails where a check needs it
            oar3.scheduling()


@dataclass
class _Children:
    """The zygote's forked workers: running ones, and exit codes not yet asked for."""

    running: set[int] = field(default_factory=set)
    ended: dict[int, int] = field(default_factory=dict)

    def reap(self, pid: int = -1) -> None:
        """Collect the exit codes of workers that ended (of ``pid`` only, if given)."""
        while self.running:
            try:
                found, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return
            if found == 0:
                return
            self.running.discard(found)
            self.ended[found] = os.waitstatus_to_exitcode(status)

    def wait(self, pid: int, seconds: float) -> int | None:
        """Worker ``pid``'s exit code, waiting up to ``seconds``; ``None`` if it runs on."""
        deadline = time.monotonic() + seconds
        while pid in self.running and time.monotonic() < deadline:
            self.reap(pid)
            if pid in self.running:
                time.sleep(0.002)
        return self.ended.pop(pid, None)

    def kill(self) -> None:
        for pid in self.running:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)


def _worker(conn: Connection, log: int, runner: Any) -> None:
    """A forked worker: its own session and output, then answer scenarios until EOF."""
    os.setsid()
    _die_with_parent()
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    _guard.serve_in_worker(lambda started: conn.send(("call", started)))
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        scenario, needs, databases = message
        random.seed(0)  # as Hypothesis resets it before each example in its own process
        if databases:
            from oar_conformance.db import attach  # noqa: PLC0415 - rounds only

            for spec, url in databases.items():
                attach(spec, url)
        try:
            outcome = runner.run(scenario, needs)
        except BaseException as exc:
            conn.send(("raise", _picklable(exc)))
            continue
        conn.send(("outcome", outcome))


# -- in the kit --------------------------------------------------------------------------


def _tail(log: BinaryIO) -> str:
    """The last lines the worker (so the plugin) wrote to stdout and stderr."""
    try:
        size = os.fstat(log.fileno()).st_size
        raw = os.pread(log.fileno(), _TAIL_BYTES, max(0, size - _TAIL_BYTES))
    except (OSError, ValueError):
        return ""
    text = raw.decode("utf-8", errors="replace")
    lines = text.splitlines()[-_TAIL_LINES:]
    if not lines:
        return ""
    return f"last output of the plugin's process ({size} bytes in all):\n" + "\n".join(lines)


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "the plugin's process stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            return f"the plugin's process was killed by {name} (out of memory?)"
        return f"the plugin's process was killed by {name}"
    return f"the plugin ended its process with exit code {exitcode}"


def _output_file() -> BinaryIO:
    """A file for a process's output with no name on disk: nothing to leave behind."""
    return tempfile.TemporaryFile(prefix="oar-conformance-output-")


@dataclass(eq=False)
class _Zygote:
    """The process that holds one plugin loaded and forks its workers."""

    process: subprocess.Popen[bytes]
    control: Connection
    fds: socket.socket
    log: BinaryIO

    @classmethod
    def start(cls, spec: PluginSpec, memory_limit: int, oar3_first: bool = False) -> _Zygote:
        ours, theirs = socket.socketpair()
        fd_ours, fd_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        log = _output_file()
        path = os.pathsep.join(p for p in sys.path if p and Path(p).is_dir())
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oar_conformance.worker",
                str(theirs.fileno()),
                str(fd_theirs.fileno()),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            pass_fds=(theirs.fileno(), fd_theirs.fileno()),
            start_new_session=True,
            env=dict(os.environ, PYTHONPATH=path),
        )
        theirs.close()
        fd_theirs.close()
        zygote = cls(process, Connection(ours.detach()), fd_ours, log)
        zygote.control.send((spec, memory_limit, oar3_first))
        return zygote

    def ready(self) -> tuple[str, Any]:
        """``("ready", None)``, the plugin's import error, or a ``PluginError`` if it died."""
        if not self.control.poll(_STARTUP_LIMIT):
            return "lost", PluginError("timeout", "the plugin's import did not finish", "")
        try:
            kind, value = self.control.recv()
            return kind, value
        except (EOFError, OSError):
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)
            error = PluginError("died", _death(self.process.returncode), _tail(self.log))
            return "lost", error

    def fork(self, family: str, options: CheckOptions) -> _Worker:
        """A new worker running ``family``'s runner for the plugin with ``options``."""
        ours, theirs = socket.socketpair()
        log = _output_file()
        plain = replace(options, stats=None, example_database=None)
        self.control.send(("fork", family, plain))
        socket.send_fds(self.fds, [b"w"], [theirs.fileno(), log.fileno()])
        theirs.close()
        if not self.control.poll(_ANSWER_LIMIT):
            msg = f"the plugin's zygote did not fork a worker within {_ANSWER_LIMIT:g} s"
            raise OSError(msg)
        kind, pid = self.control.recv()
        assert kind == "forked"
        return _Worker(pid, Connection(ours.detach()), log, self)

    def status(self, pid: int, seconds: float) -> int | None:
        """The exit code of worker ``pid`` (``-signal`` when killed), once it ended."""
        try:
            self.control.send(("wait", pid, seconds))
            if not self.control.poll(seconds + _ANSWER_LIMIT):
                return None
            kind, code = self.control.recv()
        except (EOFError, OSError):
            return None
        return code if kind == "status" else None

    def stop(self) -> None:
        """End the zygote, which kills its workers; then make sure it is gone."""
        self.control.close()
        self.fds.close()
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)
        self.log.close()


@dataclass(eq=False)
class _Worker:
    pid: int
    conn: Connection
    log: BinaryIO
    zygote: _Zygote

    def kill(self) -> int | None:
        """Kill the worker and everything it started in its session; its exit status."""
        with contextlib.suppress(OSError):
            os.killpg(self.pid, signal.SIGKILL)
        code = self.zygote.status(self.pid, 5)
        self.conn.close()
        self.log.close()
        return code


@dataclass(eq=False)
class IsolatedRunner:
    """A family's runner for one plugin, living in a worker process.

    ``run`` sends the scenario and waits: up to the per-call limit (plus a grace) while
    the plugin runs, up to :data:`OUTSIDE_CALL_LIMIT` between its calls. A worker that
    dies or overruns is killed; the example then becomes ``failed(error)``, the family's
    outcome of a failed call, and the next example gets a fresh worker.
    """

    family: str
    spec: PluginSpec
    options: CheckOptions
    failed: Callable[[PluginError], Any]
    rounds: bool = False
    """The family runs database rounds: the kit's process creates the PostgreSQL databases
    (so a killed worker leaves none behind) and the worker attaches to them."""
    _worker: _Worker | None = field(default=None, repr=False)

    def _wait(self, worker: _Worker) -> tuple[str, Any]:
        """The worker's answer, or ``("lost", error)`` after its death or an overrun."""
        in_call = False
        while True:
            limit = self.options.timeout + _GRACE if in_call else OUTSIDE_CALL_LIMIT
            if not _poll(worker.conn, limit):
                what = (
                    f"no answer within {self.options.timeout:g} s (per-call limit): the "
                    "plugin's process was killed"
                    if in_call
                    else f"the plugin's process did not answer within {OUTSIDE_CALL_LIMIT:g} s "
                    "after its last call (a thread it left may hold the GIL): it was killed"
                )
                tail = _tail(worker.log)
                self._discard()
                return "lost", PluginError("timeout", what, tail, killed=True)
            try:
                kind, value = worker.conn.recv()
            except (EOFError, OSError):
                tail = _tail(worker.log)
                code = self._discard()
                return "lost", PluginError("died", _death(code), tail)
            if kind == "call":
                in_call = bool(value)
                continue
            return kind, value

    def _start(self) -> tuple[str, Any]:
        """A ready worker, forked from the plugin's zygote (started, or again, if needed)."""
        for attempt in range(2):
            kind, zygote = _zygote_for(self.spec, self.options.memory_limit)
            if kind != "ready":
                return kind, zygote
            _RUNNERS.add(self)
            try:
                self._worker = zygote.fork(self.family, self.options)
                break
            except (EOFError, OSError):  # the zygote ended: start another once
                _drop_zygote(zygote)
                if attempt:
                    raise
        assert self._worker is not None
        return self._wait(self._worker)

    def run(self, scenario: Any, needs: Collection[str] = ()) -> Any:
        """Observe the plugin on ``scenario`` in the worker."""
        early = self.send(scenario, needs)
        return early if early is not None else self.receive()

    def send(self, scenario: Any, needs: Collection[str] = ()) -> Any | None:
        """Hand ``scenario`` to the worker without waiting (see :meth:`receive`).

        Returns the example's failed outcome at once when no worker could start.
        """
        for attempt in range(2):
            if self._worker is None:
                kind, value = self._start()
                if kind != "ready":
                    if kind == "raise":
                        raise value
                    return self.failed(value)
            assert self._worker is not None
            try:
                sent = scenario if self.rounds else _lean(scenario)
                self._worker.conn.send((sent, needs, self._databases(needs)))
                return None
            except OSError:  # it ended between two examples (stopped, or a plugin thread)
                self._discard()
                if attempt:
                    raise
        return None

    def receive(self) -> Any:
        """The outcome of the scenario last sent."""
        assert self._worker is not None
        kind, value = self._wait(self._worker)
        if kind == "outcome":
            return value
        if kind == "raise":
            raise value
        return self.failed(value)

    def _databases(self, needs: Collection[str]) -> dict[str, str]:
        """The PostgreSQL databases this example's rounds use, created here, by URL."""
        if not self.rounds:
            return {}
        from oar_conformance.db import DatabaseUnavailable, get_database  # noqa: PLC0415

        wanted = {self.options.db}
        if any(need.startswith("other-db") for need in needs):
            wanted.add("postgresql" if self.options.db == "sqlite" else "sqlite")
        urls = {}
        for spec in sorted(wanted - {"sqlite"}):
            with contextlib.suppress(DatabaseUnavailable):  # the worker then says why (R2)
                urls[spec] = get_database(spec).url
        return urls

    def _discard(self) -> int | None:
        worker, self._worker = self._worker, None
        return worker.kill() if worker is not None else None

    def close(self) -> None:
        """Stop the worker; a later ``run`` forks another."""
        if self._worker is not None:
            with contextlib.suppress(OSError, ValueError):
                self._worker.conn.send(None)
            self._discard()


_ZYGOTES: dict[tuple[str, int], _Zygote] = {}
_STARTING: dict[tuple[str, int], _Zygote] = {}
"""Zygotes started ahead (:func:`prestart`) whose readiness nobody has waited for yet."""
_RUNNERS: set[IsolatedRunner] = set()


def prestart(spec: PluginSpec, memory_limit: int, *, oar3_first: bool = False) -> None:
    """Start plugin ``spec``'s zygote now, without waiting: it imports the kit and the
    plugin (and OAR3 first when ``oar3_first``: the first run needs it) while the run
    starts up, so the first example does not wait for them."""
    key = (str(spec), memory_limit)
    if key not in _ZYGOTES and key not in _STARTING:
        _STARTING[key] = _Zygote.start(spec, memory_limit, oar3_first)


def _zygote_for(spec: PluginSpec, memory_limit: int) -> tuple[str, Any]:
    """``("ready", zygote)`` for plugin ``spec``, or why it could not load the plugin."""
    key = (str(spec), memory_limit)
    zygote = _ZYGOTES.get(key)
    if zygote is None:
        zygote = _STARTING.pop(key, None) or _Zygote.start(spec, memory_limit)
        kind, value = zygote.ready()
        if kind != "ready":
            zygote.stop()
            return kind, value
        _ZYGOTES[key] = zygote
    return "ready", zygote


def _drop_zygote(zygote: _Zygote) -> None:
    for key, known in list(_ZYGOTES.items()):
        if known is zygote:
            del _ZYGOTES[key]
    zygote.stop()


def shutdown_workers() -> None:
    """Stop every worker and zygote of this process (also run at exit)."""
    for runner in list(_RUNNERS):
        runner.close()
    _RUNNERS.clear()
    for zygote in list(_ZYGOTES.values()):
        _drop_zygote(zygote)
    while _STARTING:
        _STARTING.popitem()[1].stop()


atexit.register(shutdown_workers)


if __name__ == "__main__":
    _zygote(
        Connection(int(sys.argv[1])),
        socket.socket(fileno=int(sys.argv[2])),
    )


def _lean(scenario: Any) -> Any:
    """``scenario`` without what a plugin call never reads: its platform's table and ids.

    The rows OAR3 built the platform from are for rounds (and reports); a find or assign
    call gets ``hy`` and ids only, and pickling 65,000 rows per example would cost more
    than the call.
    """
    platform = getattr(scenario, "platform", None)
    if not isinstance(platform, Platform) or platform.table is None:
        return scenario
    return replace(scenario, platform=replace(platform, table=None, resource_ids={}))


_SLICE = 0.25
"""Seconds between two looks at a lost Ctrl-C while a worker computes."""


def _poll(conn: Connection, seconds: float) -> bool:
    """``conn.poll(seconds)``, in slices: a Ctrl-C whose exception was lost still stops it."""
    deadline = time.monotonic() + seconds
    while True:
        _interrupt.check()
        left = deadline - time.monotonic()
        if conn.poll(max(0.0, min(left, _SLICE))):
            return True
        if left <= _SLICE:
            return False

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
dies with the zygote (``PR_SET_PDEATHSIG``).

The zygote is the only process that signals a worker: it is the worker's parent and knows
whether it has reaped it, so the pid (and the process group of that id, which the worker
leads) cannot be another process's. It kills a worker's group before reaping it, takes in
what dead workers leave (a child subreaper) and, when the kit ends (end of file on its
control socket, or ``SIGTERM`` when the kit dies, even by SIGKILL), kills every worker's
group before it exits: nothing a plugin started outlives the kit.

Every request to the zygote or to a worker carries an id that its answer repeats. A zygote
that answers late or with another id is stopped (its workers with it) and a fresh one
serves the next request; a worker's answer to an earlier request (one the kit gave up on)
is dropped, so no answer is ever taken for another's.
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
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, BinaryIO

from oar_conformance import _guard, _interrupt
from oar_conformance.errors import PluginLoadError
from oar_conformance.memory import RunMemory
from oar_conformance.model import Platform, plural
from oar_conformance.options import CheckOptions
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import PluginSpec

__all__ = [
    "OUTSIDE_CALL_LIMIT",
    "IsolatedRunner",
    "check_loads",
    "prestart",
    "shutdown_workers",
]

OUTSIDE_CALL_LIMIT = 120.0
"""Seconds a worker may work outside plugin calls (OAR3's own code, the kit's checks)."""

_REAP_LIMIT = 2.0
"""Seconds a stopping zygote spends killing and reaping what its workers left."""

_GRACE = 2.0
"""Seconds past the per-call limit before the parent kills a worker whose call hangs."""

_STARTUP_LIMIT = 120.0
"""Seconds a zygote may take to import the kit, OAR3 and the plugin."""

_ANSWER_LIMIT = 10.0
"""Seconds a zygote may take to answer a request (past :data:`_KILL_WAIT` for a kill); past
it, it is stopped and a new one starts (the kit never waits on a zygote without a bound)."""

_KILL_WAIT = 5.0
"""Seconds a zygote waits for a worker it killed to end before answering that it runs on."""

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36

_TAIL_LINES = 20
_TAIL_BYTES = 4096


def _prctl(option: int, value: int) -> None:
    """Linux's ``prctl(option, value)``; nothing elsewhere."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(option, value)


def _die_with_parent(signum: int, parent: int) -> None:
    """Have ``signum`` sent to this process when its parent dies; end now if ``parent``
    already died (before the signal was armed)."""
    _prctl(_PR_SET_PDEATHSIG, signum)
    if os.getppid() != parent:
        os._exit(1)


_stoppable = [True]
"""Whether ``SIGTERM`` may interrupt the zygote with ``SystemExit``: while it starts (it
has no worker yet) and while it imports OAR3, never once it may have workers to kill. The
kit's death both closes the control socket and sends ``SIGTERM``, at the same moment: an
exception raised in the zygote's cleanup would leave the workers' children alive."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    """The kit died (or stops the zygote): end at once if that is safe; otherwise the
    zygote's loop sees the signal on its wake-up pipe and ends through its cleanup."""
    if _stoppable[0]:
        _stoppable[0] = False
        raise SystemExit(1)


def _stoppably(work: Callable[[], object]) -> None:
    """``work()``, which ``SIGTERM`` may interrupt (the caller's cleanup then runs)."""
    _stoppable[0] = True
    try:
        work()
    finally:
        _stoppable[0] = False


def _wake_up_pipe() -> int:
    """A pipe Python writes to when a signal with a Python handler arrives; its end to read."""
    read, write = os.pipe()
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    return read


def _kill_group(pid: int) -> None:
    """SIGKILL child ``pid`` and the process group it leads; only for a child not reaped
    yet, whose pid (and group id) no other process can hold."""
    for kill in (os.kill, os.killpg):
        with contextlib.suppress(OSError):
            kill(pid, signal.SIGKILL)


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


def _zygote(control: Connection, fds: socket.socket, kit: int) -> None:
    """Import the kit, OAR3 and the plugin once, then fork a worker per request.

    Every request on ``control`` starts with its id, which the answer repeats:
    ``(id, "fork", family, options)``, the worker's socket and output file sent on ``fds``
    under the same id (answer ``(id, "forked", pid)``); ``(id, "kill", pid, seconds)``: kill
    worker ``pid`` and its process group, wait up to ``seconds`` for it to end (answer
    ``(id, "ended", code)``: an exit code, ``-signal``, or ``None`` if it still runs). End of
    file, a request it cannot read, or ``SIGTERM`` (sent when the kit dies) ends the zygote
    and everything it forked.
    """
    signal.signal(signal.SIGTERM, _on_sigterm)
    _die_with_parent(signal.SIGTERM, kit)
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)  # what a dead worker leaves comes here, to be killed
    signal.signal(signal.SIGINT, signal.default_int_handler)
    spec, memory_limit, oar3_first = control.recv()
    _limit_memory(memory_limit)
    from oar_conformance import oar3  # noqa: PLC0415 - imported in the zygote only
    from oar_conformance.catalogue import families  # noqa: PLC0415
    from oar_conformance.plugins import load  # noqa: PLC0415

    try:
        func = load(spec)
    except BaseException as exc:
        control.send((0, "raise", _picklable(exc)))
        return
    control.send((0, "ready", None))
    children = _Children()
    prepared = oar3_first
    woken = _wake_up_pipe()
    _stoppable[0] = False
    try:
        if oar3_first:  # the first worker needs it at once: import it before it is asked for
            _stoppably(lambda: _prepare(oar3))
        while True:
            if woken in wait([control, woken]):
                return  # SIGTERM (or another signal): the kit died or stops this zygote
            try:
                message = control.recv()
            except (EOFError, OSError):
                return
            children.reap()
            match message:
                case (int(rid), "fork", str(family), CheckOptions() as options):
                    name, sent, _, _ = socket.recv_fds(fds, 32, 2)
                    if name != str(rid).encode() or len(sent) != 2:
                        return  # the kit's sockets and requests disagree: end, it starts anew
                    chosen = next(f for f in families() if f.name == family)
                    pid = _fork(chosen, func, options, sent, (control, fds), woken)
                    children.running.add(pid)
                    control.send((rid, "forked", pid))
                    if not prepared:
                        prepared = True
                        _stoppably(lambda: _prepare(oar3))
                case (int(rid), "kill", int(pid), float(seconds)):
                    control.send((rid, "ended", children.kill(pid, seconds)))
                case _:
                    return
    finally:
        children.kill_all()


def _fork(
    family: Any,
    func: Callable[..., Any],
    options: CheckOptions,
    sent: list[int],
    closed: tuple[Connection, socket.socket],
    woken: int,
) -> int:
    """Fork a worker answering on socket ``sent[0]`` with output to file ``sent[1]``; in
    the zygote, its pid (the zygote's own sockets ``closed`` and wake-up pipe ``woken``
    are closed in the worker)."""
    zygote = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(signal.set_wakeup_fd(-1))
        os.close(woken)
        for own in closed:
            own.close()
        try:
            _worker(Connection(sent[0]), sent[1], family.runner(func, options), zygote)
        finally:
            os._exit(0)
    for fd in sent:
        os.close(fd)
    return pid


def _prepare(oar3: ModuleType) -> None:
    """Import OAR3 into the zygote while its first worker starts on the first examples,
    so the next workers it forks have it loaded (the first imports it if it needs it)."""
    if oar3.status().available:
        with contextlib.suppress(Exception):  # a broken OAR3 fails where a check needs it
            oar3.scheduling()


@dataclass
class _Children:
    """The zygote's forked workers: running ones (not reaped: the zygote alone may signal
    them), and exit codes not yet asked for."""

    running: set[int] = field(default_factory=set)
    ended: dict[int, int] = field(default_factory=dict)

    def reap(self) -> None:
        """Collect every child that ended. A worker's process group is killed before the
        worker is reaped (what it left behind dies with it, while its group id is still
        its own); orphans taken in as subreaper are reaped too."""
        while True:
            try:
                found = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if found is None or found.si_pid == 0:
                return
            pid = found.si_pid
            if pid in self.running:
                _kill_group(pid)
            _, status = os.waitpid(pid, 0)
            if pid in self.running:
                self.running.discard(pid)
                self.ended[pid] = os.waitstatus_to_exitcode(status)

    def kill(self, pid: int, seconds: float) -> int | None:
        """Kill worker ``pid`` with its process group, if it is still ours; its exit code,
        waiting up to ``seconds`` for it; ``None`` if it runs on or was never ours."""
        if pid in self.running:
            _kill_group(pid)
        deadline = time.monotonic() + seconds
        while pid in self.running and time.monotonic() < deadline:
            self.reap()
            if pid in self.running:
                time.sleep(0.002)
        return self.ended.pop(pid, None)

    def kill_all(self) -> None:
        """Kill every worker's group and every orphan taken in (all children not reaped),
        then reap them, and the orphans a dead worker leaves to this subreaper, for up to
        :data:`_REAP_LIMIT` seconds: nothing of theirs outlives the zygote."""
        for pid in self.running:
            _kill_group(pid)
        deadline = time.monotonic() + _REAP_LIMIT
        while time.monotonic() < deadline:
            children = _adopted()
            if not children:
                return
            for pid in children:
                _kill_group(pid)
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(-1, os.WNOHANG)[0] > 0:
                    pass
            time.sleep(0.01)


def _adopted() -> list[int]:
    """This process's children (workers, and orphans it took in as subreaper)."""
    me = os.getpid()
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    with open(f"/proc/{entry.name}/stat", "rb") as stat:
                        parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if parent == me:
                    found.append(int(entry.name))
    return found


def _worker(conn: Connection, log: int, runner: Any, zygote: int) -> None:
    """A forked worker: its own session and output, then answer scenarios until EOF.

    Each request is ``(id, scenario, needs, databases)``; every answer repeats its id:
    ``(id, "call", started)`` as each plugin call starts and ends, then ``(id, "outcome",
    outcome)`` or ``(id, "raise", exception)``. ``(0, "ready", None)`` comes first.
    """
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(signal.SIGKILL, zygote)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    current = [0]
    _guard.serve_in_worker(lambda started: conn.send((current[0], "call", started)))
    conn.send((0, "ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if not (isinstance(message, tuple) and len(message) == 4):
            return
        rid, scenario, needs, databases = message
        current[0] = rid
        random.seed(0)  # as Hypothesis resets it before each example in its own process
        if databases:
            from oar_conformance.db import attach  # noqa: PLC0415 - rounds only

            for spec, url in databases.items():
                attach(spec, url)
        try:
            outcome = runner.run(scenario, needs)
        except BaseException as exc:
            conn.send((rid, "raise", _picklable(exc)))
            continue
        conn.send((rid, "outcome", outcome))


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
    return f"last output of the plugin's process ({plural(size, 'byte')} in all):\n" + "\n".join(
        lines
    )


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


class _ZygoteLost(OSError):
    """A zygote ended, or answered late or out of turn: it was stopped (its workers with
    it), and the next request starts a fresh one."""


class _WorkerConfused(RuntimeError):
    """A worker answered something the kit never asked: a bug of the kit."""


@dataclass(eq=False)
class _Zygote:
    """The process that holds one plugin loaded and forks its workers."""

    process: subprocess.Popen[bytes]
    control: Connection
    fds: socket.socket
    log: BinaryIO
    lost: bool = False
    """Stopped: every worker it forked is dead or dying, none may be asked anything."""
    _last: int = 0

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
                str(os.getpid()),
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
            answer = self.control.recv()
        except (EOFError, OSError):
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)
            error = PluginError("died", _death(self.process.returncode), _tail(self.log))
            return "lost", error
        match answer:
            case (0, "ready" | "raise" as kind, value):
                return kind, value
        msg = f"the plugin's zygote answered {answer!r} to its start, not (0, 'ready', None)"
        raise _ZygoteLost(msg)

    def _ask(self, request: tuple[Any, ...], answer: str, seconds: float, fds: Any = ()) -> Any:
        """Send ``request`` (and ``fds``) under a new id; the value of the answer to it.

        A zygote that does not give that answer within ``seconds`` is stopped, and
        :class:`_ZygoteLost` raised: an answer left unread can never be taken for the answer
        to a later request.
        """
        if self.lost:
            msg = f"the plugin's zygote (pid {self.process.pid}) was stopped; start another"
            raise _ZygoteLost(msg)
        self._last += 1
        rid = self._last
        try:
            self.control.send((rid, *request))
            if fds:
                socket.send_fds(self.fds, [str(rid).encode()], list(fds))
            if not _poll(self.control, seconds):
                msg = f"no answer within {seconds:g} s"
                raise _ZygoteLost(msg)
            reply = self.control.recv()
        except BaseException as exc:  # Ctrl-C included: an answer may still come
            _drop_zygote(self)
            if isinstance(exc, (EOFError, OSError)):
                msg = f"the plugin's zygote failed request {rid} ({request[0]}): {exc}"
                raise _ZygoteLost(msg) from exc
            raise
        match reply:
            case (int(got), str(kind), value) if got == rid and kind == answer:
                return value
        _drop_zygote(self)
        msg = (
            f"the plugin's zygote answered {reply!r} to request {rid} ({request[0]}), "
            f"not ({rid}, {answer!r}, ...): it was stopped and a fresh one starts"
        )
        raise _ZygoteLost(msg)

    def fork(self, family: str, options: CheckOptions) -> _Worker:
        """A new worker running ``family``'s runner for the plugin with ``options``."""
        ours, theirs = socket.socketpair()
        log = _output_file()
        # what stays in the kit: statistics, the example database, the run's memory
        plain = replace(options, stats=None, example_database=None, memory=RunMemory())
        try:
            pid = self._ask(
                ("fork", family, plain), "forked", _ANSWER_LIMIT, (theirs.fileno(), log.fileno())
            )
        except BaseException:
            ours.close()
            log.close()
            raise
        finally:
            theirs.close()
        if not isinstance(pid, int) or pid <= 0:
            ours.close()
            log.close()
            _drop_zygote(self)
            msg = f"the plugin's zygote forked a worker with pid {pid!r}: it was stopped"
            raise _ZygoteLost(msg)
        return _Worker(pid, Connection(ours.detach()), log, self)

    def kill(self, pid: int) -> int | None:
        """Have the zygote kill worker ``pid`` and its process group: it alone may, being
        the worker's parent and knowing it has not reaped it. The worker's exit code
        (``-signal`` when killed), ``None`` if unknown (a stopped zygote's workers die with
        it)."""
        try:
            code = self._ask(("kill", pid, _KILL_WAIT), "ended", _KILL_WAIT + _ANSWER_LIMIT)
        except _ZygoteLost:
            return None
        return code if isinstance(code, int) else None

    def stop(self) -> None:
        """End the zygote, which kills its workers; then make sure it is gone.

        Its pid is signalled only while ``Popen`` has not reaped it, so it is still its own.
        """
        self.lost = True
        self.control.close()
        self.fds.close()
        for signals in ((), (signal.SIGCONT, signal.SIGTERM), (signal.SIGKILL,)):
            for signum in signals:
                if self.process.poll() is None:
                    with contextlib.suppress(OSError):
                        os.killpg(self.process.pid, signum)
            try:
                self.process.wait(2)
                break
            except subprocess.TimeoutExpired:
                continue
        self.log.close()


@dataclass(eq=False)
class _Worker:
    pid: int
    conn: Connection
    log: BinaryIO
    zygote: _Zygote

    def kill(self) -> int | None:
        """Kill the worker and everything it started in its session (through its zygote);
        its exit status."""
        code = self.zygote.kill(self.pid)
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
    _last: int = field(default=0, repr=False)
    """The id of the last request sent to a worker."""
    _pending: tuple[int, Any, Collection[str]] | None = field(default=None, repr=False)
    """The request sent whose answer is not received yet: its id, scenario and needs."""

    def _wait(self, worker: _Worker, rid: int) -> tuple[str, Any]:
        """The worker's answer to request ``rid`` (answers to earlier ones are dropped), or
        ``("lost", error)`` after its death or an overrun, or ``("again", None)`` when its
        zygote was stopped under it (nothing the plugin did)."""
        in_call = called = False
        while True:
            limit = self.options.timeout + _GRACE if in_call else OUTSIDE_CALL_LIMIT
            if not _poll(worker.conn, limit):
                tail = _tail(worker.log)
                self._discard()
                return "lost", _overrun(self.options.timeout, tail, in_call=in_call, called=called)
            try:
                reply = worker.conn.recv()
            except (EOFError, OSError):
                if worker.zygote.lost:
                    self._discard()
                    return "again", None
                tail = _tail(worker.log)
                code = self._discard()
                return "lost", PluginError("died", _death(code), tail)
            match reply:
                case (int(), "call", started):
                    in_call = bool(started)
                    called = called or in_call
                case (int(got), str(kind), value) if got == rid:
                    return kind, value
                case (int(got), "outcome" | "raise", _) if got < rid:
                    continue  # the answer to a request given up on earlier
                case _:
                    self._discard()
                    msg = f"the plugin's worker answered {reply!r} while request {rid} was due"
                    raise _WorkerConfused(msg)

    def _start(self) -> tuple[str, Any]:
        """A ready worker, forked from the plugin's zygote (started, or again, if needed)."""
        kind, zygote = _zygote_for(self.spec, self.options.memory_limit)
        if kind != "ready":
            return kind, zygote
        _RUNNERS.add(self)
        try:
            worker = zygote.fork(self.family, self.options)
        except (EOFError, OSError):  # the zygote ended or was stopped: start another once
            _drop_zygote(zygote)
            kind, zygote = _zygote_for(self.spec, self.options.memory_limit)
            if kind != "ready":
                return kind, zygote
            worker = zygote.fork(self.family, self.options)
        self._worker = worker
        return self._wait(worker, 0)

    def run(self, scenario: Any, needs: Collection[str] = ()) -> Any:
        """Observe the plugin on ``scenario`` in the worker."""
        early = self.send(scenario, needs)
        return early if early is not None else self.receive()

    def send(self, scenario: Any, needs: Collection[str] = ()) -> Any | None:
        """Hand ``scenario`` to the worker without waiting (see :meth:`receive`).

        Returns the example's failed outcome at once when no worker could start.
        """
        for attempt in range(2):
            if self._worker is not None and self._worker.zygote.lost:
                self._discard()
            if self._worker is None:
                kind, value = self._start()
                if kind == "raise":
                    raise value
                if kind != "ready":
                    return self.failed(value)
            worker = self._worker
            if worker is None:  # _start sets it with a "ready" answer
                msg = "the plugin's worker answered 'ready' and was gone"
                raise _WorkerConfused(msg)
            self._last += 1
            try:
                sent = scenario if self.rounds else _lean(scenario)
                worker.conn.send((self._last, sent, needs, self._databases(needs)))
            except OSError:  # it ended between two examples (stopped, or a plugin thread)
                self._discard()
                if attempt:
                    raise
                continue
            self._pending = (self._last, scenario, needs)
            return None
        return None

    def receive(self) -> Any:
        """The outcome of the scenario last sent."""
        for attempt in range(2):
            pending, worker = self._pending, self._worker
            if pending is None or worker is None:
                msg = "IsolatedRunner.receive() with no scenario sent: call send() first"
                raise RuntimeError(msg)
            rid, scenario, needs = pending
            try:
                kind, value = self._wait(worker, rid)
            finally:
                self._pending = None
            if kind == "again" and not attempt:
                early = self.send(scenario, needs)
                if early is not None:
                    return early
                continue
            if kind == "outcome":
                return value
            if kind == "raise":
                raise value
            if kind == "lost":
                return self.failed(value)
            break
        msg = f"the plugin's zygote was stopped twice while one example ran ({kind!r})"
        raise _ZygoteLost(msg)

    def drain(self) -> None:
        """Wait out and drop the answer to the scenario last sent if it was not received,
        so that none is left queued; a worker that cannot give it is killed."""
        pending, worker = self._pending, self._worker
        self._pending = None
        if pending is None or worker is None:
            return
        try:
            self._wait(worker, pending[0])
        except BaseException:
            self._discard()
            raise

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
        self._pending = None
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


def _overrun(timeout: float, tail: str, *, in_call: bool, called: bool) -> PluginError:
    """Why a worker that did not answer in time was killed, and whose doing it was: time
    spent outside plugin calls is the plugin's only once the plugin has been called (a
    thread it left may hold the GIL); before that, OAR3's or the kit's own code overran."""
    if in_call:
        what = f"no answer within {timeout:g} s (per-call limit): the plugin's process was killed"
    elif called:
        what = (
            f"the plugin's process did not answer within {OUTSIDE_CALL_LIMIT:g} s after its "
            "last call (a thread it left may hold the GIL): it was killed"
        )
    else:
        what = (
            f"OAR3's or the kit's own work ran past {OUTSIDE_CALL_LIMIT:g} s before the "
            "plugin was called: the worker was killed (not the plugin's doing)"
        )
    return PluginError("timeout", what, tail, killed=True, oar3=not called)


def check_loads(spec: PluginSpec, memory_limit: int) -> None:
    """Import plugin ``spec`` in its zygote (started now, or the one started ahead), never
    in this process: a module that cannot be imported, or that ends or wedges its process
    while importing, is a :class:`PluginLoadError` (exit 2) carrying what the worker saw."""
    kind, value = _zygote_for(spec, memory_limit)
    if kind == "ready":
        return
    if isinstance(value, PluginLoadError):
        raise value
    if isinstance(value, PluginError):
        msg = (
            f"plugin {spec} could not be loaded: importing its module, {value.summary}. Fix "
            f"the plugin module and run again.\n{value.traceback}".rstrip()
        )
        raise PluginLoadError(msg)
    msg = f"plugin {spec} could not be loaded: {value!r}. Fix the plugin module and run again."
    raise PluginLoadError(msg)


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
        int(sys.argv[3]),
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

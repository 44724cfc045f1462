"""Hostile ``oar.find_func`` plugins: each attacks the process it runs in.

Every one answers single-group requests correctly (``first_fit``) and misbehaves on a
request with several groups, so a run meets some good calls first and the fault shrinks
to a small example. The kit must report each under F6 (the failed call) and keep going:
the plugin runs in a worker process that the kit kills and replaces.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

from oar_conformance_samples.find import first_fit

CHILD_MARK = "oar-conformance-hostile-child"
"""In the command line of the child ``spawns_child`` leaves behind, so a test can look for it."""


def _several(hy_res_rqts):
    return len(hy_res_rqts) > 1


def exits(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Ends its process with exit code 3."""
    if _several(hy_res_rqts):
        os._exit(3)
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)


def segfaults(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Reads address 0 through ctypes: SIGSEGV."""
    if _several(hy_res_rqts):
        ctypes.string_at(0)
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)


def aborts(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Calls abort(): SIGABRT."""
    if _several(hy_res_rqts):
        os.abort()
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)


def ignores_alarm(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Ignores SIGALRM, then blocks for good."""
    if _several(hy_res_rqts):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            time.sleep(1)
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)


def holds_gil(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Sums a huge range: a loop in C that holds the GIL for hours and never lets a
    signal handler run."""
    if _several(hy_res_rqts):
        sum(range(10**15))
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)


def starts_thread(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Starts a non-daemon thread that never ends, then raises."""
    if _several(hy_res_rqts):
        threading.Thread(target=lambda: time.sleep(10**6), daemon=False).start()
        msg = "left a thread behind"
        raise RuntimeError(msg)
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)


def spawns_child(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Starts a child process that outlives the call, then raises."""
    if _several(hy_res_rqts):
        # marked with the test process it belongs to (pytest-xdist's worker, if any)
        owner = os.environ.get("PYTEST_XDIST_WORKER", "main")
        code = f"import time; time.sleep(600)  # {CHILD_MARK} {owner}"
        subprocess.Popen([sys.executable, "-c", code])
        msg = "left a child process behind"
        raise RuntimeError(msg)
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)


def spawns_child_and_hangs(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Starts ``sleep 600`` as a child of its own, then blocks until killed."""
    if _several(hy_res_rqts):
        subprocess.Popen(["sleep", "600"])
        while True:
            time.sleep(1)
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)


def prints_10mb(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Prints 10 MB to stdout and stderr, then ends its process with exit code 1."""
    if _several(hy_res_rqts):
        sys.stdout.write("x" * 5_000_000 + "\n")
        sys.stderr.write("y" * 5_000_000 + "\nlast words of the plugin\n")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)


def raises_interrupt(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Raises KeyboardInterrupt, as if Ctrl-C had been pressed."""
    if _several(hy_res_rqts):
        raise KeyboardInterrupt
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)


def eats_memory(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Allocates 16 GiB."""
    if _several(hy_res_rqts):
        hog = bytearray(16 * 1024**3)
        del hog
    return first_fit(itvs_avail, hy_res_rqts, hy, beginning)

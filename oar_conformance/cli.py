"""The ``oar-conformance`` command: ``list`` installed plugins, ``check`` one or more.

``site`` writes a site profile from an ``oar.conf`` and/or an OAR database (read only).

``check`` runs the very same tests as ``pytest --oar-plugin`` (it drives pytest in-process
on an empty folder, so only the conformance checks run). Exit status: 0 when every check
passes, 1 on any violation, 2 when nothing could be checked: a usage error (unknown plugin
or group, bad option or ``[tool.oar-conformance]`` value) or a plugin whose module fails to
import, in which case the plugin's own import error and traceback are printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from oar_conformance.errors import UsageError

__all__ = ["main"]

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE = 0, 1, 2
_NO_AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
EXIT_INTERRUPTED = 130
"""Ctrl-C: the run stopped, its workers and databases removed (128 + SIGINT, as shells do)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oar-conformance",
        description="Property-based conformance checks for OAR3 scheduler plugins.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="list installed OAR3 plugins per entry-point group")
    check = sub.add_parser("check", help="check plugins against the invariant catalogue")
    check.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="NAME",
        help="NAME (every group where it is registered) or GROUP:NAME; repeatable",
    )
    check.add_argument(
        "--all", action="store_true", help="check every installed plugin of every group"
    )
    check.add_argument(
        "--db",
        help="database of rounds (R1, R2, M1, M2): sqlite (default), postgresql (a throwaway "
        "server) or a postgresql:// URL where the kit creates and drops its own database",
    )
    check.add_argument("--profile", help="quick, ci (default) or thorough")
    check.add_argument("--strict", action="store_true", help="fail on advisory invariants too")
    check.add_argument("--seed", type=int, help="seed for a reproducible run")
    check.add_argument("--timeout", type=float, help="per-call limit for plugin calls (s)")
    check.add_argument("--plugin-args", help="extra plugin arguments, e.g. 'a:b:key=value'")
    check.add_argument(
        "--invariant",
        action="append",
        default=[],
        metavar="ID",
        help="only check these invariants (e.g. F1); repeatable; default: all",
    )
    check.add_argument(
        "-k", dest="keyword", metavar="EXPR", help="only checks matching EXPR (pytest -k)"
    )
    check.add_argument(
        "--junit", metavar="FILE", type=Path, help="write a JUnit XML report to FILE"
    )
    check.add_argument(
        "--report",
        metavar="DIR",
        type=Path,
        help="write per counterexample a Markdown report, a JSON record and a standalone "
        "reproducer test into DIR",
    )
    check.add_argument(
        "--no-isolate",
        action="store_true",
        help="call plugins in this process, not in a worker the kit can kill (to debug with "
        "pdb; a plugin that exits or hangs then ends the run)",
    )
    check.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="memory a plugin's worker process may use, e.g. 4GiB (default); 0: no limit",
    )
    check.add_argument(
        "--site",
        metavar="FILE",
        type=Path,
        help="site profile (TOML, see 'oar-conformance site'): platforms and requests stay "
        "inside the site (default: [tool.oar-conformance.site], else OAR3-built platforms)",
    )
    check.add_argument(
        "-n",
        dest="processes",
        metavar="N",
        help="spread the plugins' runs over N processes, or 'auto' for one per core "
        "(pytest-xdist); results and seeds are the same as in one process",
    )
    check.add_argument(
        "--one-by-one",
        action="store_true",
        help="one Hypothesis run per invariant instead of one per family of examples "
        "(slower; to compare, or to look at one invariant's search alone)",
    )
    check.add_argument("-v", "--verbose", action="store_true", help="one line per check")
    invariants = sub.add_parser("invariants", help="list the invariant catalogue")
    invariants.add_argument(
        "--markdown",
        action="store_true",
        help="one section per invariant: statement, severity, why OAR3 needs it",
    )
    site = sub.add_parser(
        "site", help="write a site profile (TOML) from oar.conf and/or OAR's database"
    )
    site.add_argument(
        "--from-conf", metavar="FILE", help="OAR configuration, e.g. /etc/oar/oar.conf"
    )
    site.add_argument(
        "--from-db",
        metavar="URL",
        help="OAR's database, read only: postgresql://USER:PASSWORD@HOST/oar or sqlite:///PATH",
    )
    site.add_argument(
        "--labels", help="HIERARCHY_LABELS (default: from --from-conf, else OAR3's default)"
    )
    site.add_argument(
        "-o", dest="output", metavar="FILE", type=Path, help="write to FILE (default: stdout)"
    )
    return parser


def _site(options: argparse.Namespace) -> int:
    from oar_conformance.site_sources import make_profile  # noqa: PLC0415

    text = make_profile(options.from_conf, options.from_db, options.labels)
    if options.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        options.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        msg = f"cannot write {str(options.output)!r} ({exc.strerror}); give a writable -o FILE"
        raise UsageError(msg) from None
    return EXIT_OK


def _list() -> int:
    from oar_conformance.plugins import installed  # noqa: PLC0415

    for group, plugins in installed().items():
        print(f"{group}:")
        if not plugins:
            print("  (none installed)")
        for p in plugins:
            print(f"  {p.name:<28} {p.value}  [{p.distribution}]")
    return EXIT_OK


def _invariants(markdown: bool) -> int:
    from oar_conformance.catalogue import registered  # noqa: PLC0415

    for inv in registered():
        if markdown:
            print(f"## {inv.id} {inv.title}\n")
            print(f"- plugins checked: `{inv.group}`; severity: {inv.severity.value}")
            print(f"- why OAR3 needs it: {inv.rationale}\n")
        else:
            print(f"{inv.id:<4}{inv.severity.value:<10}{inv.group:<26}{inv.title}")
    return EXIT_OK


def _check(options: argparse.Namespace) -> int:
    from oar_conformance.config import read_pyproject  # noqa: PLC0415
    from oar_conformance.plugins import load, resolve  # noqa: PLC0415

    settings = read_pyproject(Path.cwd() / "pyproject.toml")
    names = options.plugin or list(settings.plugins)
    if options.all:
        from oar_conformance.plugins import installed  # noqa: PLC0415

        names = [f"{group}:{p.name}" for group, found in installed().items() for p in found]
    if not names:
        msg = (
            "no plugin to check; pass --plugin NAME (see 'oar-conformance list') or set "
            "plugins in [tool.oar-conformance]"
        )
        raise UsageError(msg)
    specs = [spec for name in names for spec in resolve(name)]
    _prestart(options, settings, specs)
    for spec in specs:
        load(spec)
    args = [f"--oar-plugin={name}" for name in names]
    pairs = (
        ("--oar-profile", options.profile or settings.profile),
        ("--oar-seed", options.seed if options.seed is not None else settings.seed),
        ("--oar-timeout", options.timeout or settings.timeout),
        ("--oar-plugin-args", options.plugin_args or settings.plugin_args),
        ("--oar-db", options.db or settings.db),
    )
    args += [f"{flag}={value}" for flag, value in pairs if value is not None]
    if options.strict or settings.strict:
        args.append("--oar-strict")
    if options.no_isolate:
        args.append("--oar-no-isolate")
    if options.memory_limit is not None:
        args.append(f"--oar-memory-limit={options.memory_limit}")
    if options.site is not None:
        from oar_conformance.site import read_site  # noqa: PLC0415

        read_site(options.site)  # a bad profile is one line and exit 2, before any check
        args.append(f"--oar-site={options.site.resolve()}")
    args += [f"--oar-invariant={i}" for i in options.invariant]
    if options.junit:
        args += [f"--junitxml={options.junit.resolve()}", "-o", "junit_family=xunit2"]
    report = options.report or settings.report
    if report:
        args.append(f"--oar-report={Path(report).resolve()}")
    if options.keyword:
        args += ["-k", options.keyword]
    if options.one_by_one:
        args.append("--oar-one-by-one")
    args += _processes(options.processes)
    return _run_pytest(args, verbose=options.verbose)


def _prestart(options: argparse.Namespace, settings: Any, specs: list[Any]) -> None:
    """Start the plugins' worker processes now, while pytest starts (one process runs
    the checks; under -n the pytest-xdist workers start their own)."""
    if options.no_isolate or settings.isolate is False or options.processes not in {None, "0", "1"}:
        return
    from oar_conformance._guard import DEFAULT_MEMORY_LIMIT  # noqa: PLC0415
    from oar_conformance.binding import prestart  # noqa: PLC0415
    from oar_conformance.catalogue import by_group, get  # noqa: PLC0415
    from oar_conformance.config import parse_size  # noqa: PLC0415

    memory = options.memory_limit or settings.memory_limit
    limit = DEFAULT_MEMORY_LIMIT if memory is None else parse_size(memory)
    wanted = {get(i).id for i in options.invariant}
    for spec in specs:
        prestart(spec, [i for i in by_group(spec.group) if not wanted or i.id in wanted], limit)


def _processes(value: str | None) -> list[str]:
    """pytest-xdist's arguments for ``-n VALUE`` (none for one process)."""
    if value is None:
        return []
    if value != "auto" and not (value.isdigit() and int(value) >= 0):
        msg = f"-n {value!r} must be a number of processes or 'auto'"
        raise UsageError(msg)
    if value in {"0", "1"}:
        return []
    if importlib.util.find_spec("xdist") is None:
        msg = f"-n {value} needs pytest-xdist; install it (pip install pytest-xdist) or drop -n"
        raise UsageError(msg)
    return ["-n", value]


def _run_pytest(args: list[str], *, verbose: bool) -> int:
    import pytest  # noqa: PLC0415

    interrupted: list[int] = []

    def on_ctrl_c(signum: int, frame: FrameType | None) -> None:
        """Remember a real Ctrl-C, then interrupt as Python does."""
        interrupted.append(signum)
        signal.default_int_handler(signum, frame)

    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    plugins = ["-p", "oar_conformance._pytest_plugin"]
    if "-n" in args:
        plugins += ["-p", "xdist.plugin"]
    autoload = os.environ.get(_NO_AUTOLOAD)
    os.environ[_NO_AUTOLOAD] = "1"  # only the checks run: other pytest plugins cost a second
    try:
        with tempfile.TemporaryDirectory(prefix="oar-conformance-") as empty:
            ini = Path(empty) / "pytest.ini"
            ini.write_text("[pytest]\n", encoding="utf-8")
            code = pytest.main(
                [
                    "-c",
                    str(ini),
                    "--rootdir",
                    str(Path.cwd()),
                    *plugins,
                    "-p",
                    "no:cacheprovider",
                    "-v" if verbose else "-q",
                    "-rfEsx",
                    *args,
                    empty,
                ]
            )
    except Exception:
        # pytest's own report of an interrupted run may fail (a traceback entry with no
        # line number); the run was stopped all the same.
        if interrupted:
            return EXIT_INTERRUPTED
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
        if autoload is None:
            os.environ.pop(_NO_AUTOLOAD, None)
        else:
            os.environ[_NO_AUTOLOAD] = autoload
    if interrupted:
        return EXIT_INTERRUPTED
    return {0: EXIT_OK, 1: EXIT_VIOLATION}.get(int(code), EXIT_USAGE)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``oar-conformance`` console script."""
    options = _parser().parse_args(argv)
    try:
        if options.command == "list":
            return _list()
        if options.command == "invariants":
            return _invariants(options.markdown)
        if options.command == "site":
            return _site(options)
        return _check(options)
    except UsageError as exc:
        print(f"oar-conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("oar-conformance: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

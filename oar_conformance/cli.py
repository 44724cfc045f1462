"""The ``oar-conformance`` command: ``list`` installed plugins, ``check`` one or more.

``site`` writes a site profile from an ``oar.conf`` and/or an OAR database (read only).

``check`` runs the very same tests as ``pytest --oar-plugin`` (it drives pytest in-process
on an empty folder, so only the conformance checks run). Exit status: 0 when every check
passes, 1 on any violation, 2 when nothing could be checked: a usage error (unknown plugin
or group, bad option or ``[tool.oar-conformance]`` value) or a plugin whose module fails to
import, in which case the plugin's own import error and traceback are printed; 3 when the
kit itself failed (an internal error, never the plugin's), with its traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from oar_conformance.errors import UsageError
from oar_conformance.options_table import OPTIONS, Option, by_name

__all__ = ["main"]

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE, EXIT_KIT_ERROR = 0, 1, 2, 3
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
    for option in OPTIONS:
        if option.cli is not None:
            check.add_argument(option.cli, dest=option.name, **_flag_arguments(option))
    check.add_argument(
        "--all",
        action="store_true",
        help="check every installed plugin of every group (but the kit's own find functions)",
    )
    check.add_argument(
        "-k", dest="keyword", metavar="EXPR", help="only checks matching EXPR (pytest -k)"
    )
    check.add_argument(
        "--junit", metavar="FILE", type=Path, help="write a JUnit XML report to FILE"
    )
    check.add_argument(
        "-n",
        dest="processes",
        metavar="N",
        help="spread the plugins' runs over N processes, or 'auto' for one per core "
        "(pytest-xdist); results and seeds are the same as in one process",
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


def _flag_arguments(option: Option) -> dict[str, Any]:
    """``add_argument`` arguments of ``option``'s ``check`` flag."""
    if option.kind in {"names", "ids"}:
        return {"action": "append", "default": [], "metavar": option.metavar, "help": option.help}
    if option.kind == "switch":
        return {"action": "store_const", "const": option.flag_value, "help": option.help}
    types: dict[str, Any] = {"int": int, "float": float, "path": Path}
    return {"type": types.get(option.kind, str), "metavar": option.metavar, "help": option.help}


def _forwarded(options: argparse.Namespace) -> list[str]:
    """The pytest flags of the ``check`` flags given (the pytest plugin reads the rest,
    ``[tool.oar-conformance]`` included, itself)."""
    args: list[str] = []
    for option in OPTIONS:
        value = getattr(options, option.name, None)
        if option.cli is None or option.pytest_flag is None or option.name == "plugins":
            continue
        if value is None or value == []:
            continue
        if option.kind == "ids":
            args += [f"{option.pytest_flag}={v}" for v in value]
        elif option.kind == "switch":
            args.append(option.pytest_flag)
        elif option.kind == "path":
            args.append(f"{option.pytest_flag}={Path(value).resolve()}")
        else:
            args.append(f"{option.pytest_flag}={value}")
    return args


def _site(options: argparse.Namespace) -> int:
    from oar_conformance.site_sources import draft_profile  # noqa: PLC0415

    text, notes = draft_profile(options.from_conf, options.from_db, options.labels)
    for note in notes:
        print(f"oar-conformance: note: {note}", file=sys.stderr)
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
    names = options.plugins or list(settings.plugins)
    if options.all:
        from oar_conformance.plugins import checkable  # noqa: PLC0415

        names = checkable()
    if not names:
        msg = (
            "no plugin to check; pass --plugin NAME (see 'oar-conformance list') or set "
            "plugins in [tool.oar-conformance]"
        )
        raise UsageError(msg)
    specs = [spec for name in names for spec in resolve(name)]
    limit = _worker_memory(options, settings)
    _prestart(options, specs, limit)
    for spec in specs:  # a plugin module that cannot be imported is exit 2, with its error
        if limit is None:
            load(spec)
        else:
            from oar_conformance.worker import check_loads  # noqa: PLC0415

            check_loads(spec, limit)  # in the plugin's worker: its code never runs here
    if options.site is not None:
        from oar_conformance.site import read_site  # noqa: PLC0415

        read_site(options.site)  # a bad profile is one line and exit 2, before any check
    args = [f"{by_name('plugins').pytest_flag}={name}" for name in names]
    args += _forwarded(options)
    if options.junit:
        args += [f"--junitxml={options.junit.resolve()}", "-o", "junit_family=xunit2"]
    if options.keyword:
        args += ["-k", options.keyword]
    args += _processes(options.processes)
    return _run_pytest(args, verbose=options.verbose)


def _worker_memory(options: argparse.Namespace, settings: Any) -> int | None:
    """The memory limit of the plugins' worker processes; ``None`` when plugins run in
    this process (``--no-isolate`` or ``isolate = false``)."""
    isolate = settings.isolate if options.isolate is None else options.isolate
    if isolate is False:
        return None
    from oar_conformance._guard import DEFAULT_MEMORY_LIMIT  # noqa: PLC0415
    from oar_conformance.config import parse_size  # noqa: PLC0415

    memory = options.memory_limit or settings.memory_limit
    return DEFAULT_MEMORY_LIMIT if memory is None else parse_size(memory)


def _prestart(options: argparse.Namespace, specs: list[Any], limit: int | None) -> None:
    """Start the plugins' worker processes now, while pytest starts (one process runs
    the checks; under -n the pytest-xdist workers start their own)."""
    if limit is None or options.processes not in {None, "0", "1"}:
        return
    from oar_conformance.binding import prestart  # noqa: PLC0415
    from oar_conformance.catalogue import by_group, get  # noqa: PLC0415

    wanted = {get(i).id for i in options.invariants}
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
    if int(code) == EXIT_KIT_ERROR:
        print(
            "oar-conformance: internal error of oar-conformance (see the checks marked "
            "ERROR above): the plugin is not to blame; please report it with this output",
            file=sys.stderr,
        )
    return {0: EXIT_OK, 1: EXIT_VIOLATION, 3: EXIT_KIT_ERROR}.get(int(code), EXIT_USAGE)


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
    except Exception:
        traceback.print_exc()
        print(
            "oar-conformance: internal error of oar-conformance: the plugin is not to blame; "
            "please report it with this output",
            file=sys.stderr,
        )
        return EXIT_KIT_ERROR


if __name__ == "__main__":
    sys.exit(main())

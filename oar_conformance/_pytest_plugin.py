"""The pytest plugin: ``pytest --oar-plugin=NAME`` adds one test per (plugin, invariant).

Registered under ``pytest11`` so pytest loads it without importing the kit: every hook
imports lazily, and nothing happens unless ``--oar-plugin`` (or the ``oar_plugins`` ini
value, or ``plugins`` in ``[tool.oar-conformance]``) names a plugin.

The first test of a (plugin, run) does the run for every selected invariant it feeds
(:mod:`oar_conformance.shared_run`); the others read their verdict from it. Under
pytest-xdist (``-n N``) the tests of one run go to the same worker, so runs, not
invariants, are spread over the processes.
"""

from __future__ import annotations

import dataclasses
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from oar_conformance.options_table import OPTIONS, Option, by_name, merged, reproduce_command

if TYPE_CHECKING:
    from oar_conformance.catalogue import Invariant
    from oar_conformance.driver import CheckOptions
    from oar_conformance.plugins import PluginSpec
    from oar_conformance.shared_run import RunResult
    from oar_conformance.stats import RunStats

OPT_PLUGIN = str(by_name("plugins").pytest_flag)
OPT_STRICT = str(by_name("strict").pytest_flag)
OPT_INVARIANT = str(by_name("invariants").pytest_flag)

_STATE = pytest.StashKey["_RunState"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The options and ini keys of :data:`~oar_conformance.options_table.OPTIONS`."""
    group = parser.getgroup("oar-conformance", "OAR3 plugin conformance")
    for option in OPTIONS:
        if option.pytest_flag is not None:
            group.addoption(option.pytest_flag, **_flag_arguments(option))
        if option.ini is None:
            continue
        if option.kind == "switch":
            parser.addini(option.ini, option.help, type="bool", default=None)
        elif option.kind == "names":
            parser.addini(option.ini, option.help, type="linelist")
        else:
            parser.addini(option.ini, option.help)


def _flag_arguments(option: Option) -> dict[str, Any]:
    """``addoption`` arguments of ``option``'s pytest flag."""
    if option.kind in {"names", "ids"}:
        return {"action": "append", "default": [], "metavar": option.metavar, "help": option.help}
    if option.kind == "switch":
        return {
            "action": "store_const",
            "const": option.flag_value,
            "default": None,
            "help": option.help,
        }
    types = {"int": int, "float": float}
    found: dict[str, Any] = {"metavar": option.metavar, "help": option.help}
    if option.kind in types:
        found["type"] = types[option.kind]
    return found


class _RunState:
    """What the plugin resolved at configure time, shared by items and the summary."""

    def __init__(
        self,
        specs: list[PluginSpec],
        options: CheckOptions,
        strict: bool,
        seed: int,
        stats: RunStats,
    ) -> None:
        self.specs = specs
        self.options = options
        self.strict = strict
        self.seed = seed
        self.stats = stats
        self.advisories: list[str] = []
        self.report: Path | None = None
        self.reported: list[Path] = []
        self.skip: dict[str, str] = {}
        self.args_by_plugin: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {}
        self.one_by_one = False
        self.runs: dict[tuple[str, str], RunResult] = {}
        self.databases_started = False
        self.verdict_values: dict[str, Any] = {}
        """The run's values of the options that change a verdict (``options_table``),
        but the plugin's own arguments, which are per plugin."""

    def result_for(self, item: ConformanceItem) -> RunResult:
        """The run feeding ``item``'s invariant, done by the first test that needs it."""
        from oar_conformance.driver import run_invariants  # noqa: PLC0415
        from oar_conformance.shared_run import run_name  # noqa: PLC0415

        run = item.invariant.id if self.one_by_one else run_name(item.invariant)
        key = (str(item.spec), run)
        if key not in self.runs:
            selected = [
                other
                for other in item.session.items
                if isinstance(other, ConformanceItem) and other.get_closest_marker("skip") is None
            ]
            mine = [
                other
                for other in selected
                if other.spec == item.spec and run_name(other.invariant) == run
            ]
            if not self.databases_started:
                self.databases_started = True
                # an xdist worker is handed its runs one by one: it starts only its own
                ahead = mine if hasattr(item.config, "workerinput") else selected
                _start_databases(self.options.db, [i.invariant for i in ahead])
            invariants = [item.invariant]
            if not self.one_by_one:
                invariants = [other.invariant for other in mine]
            self.runs[key] = run_invariants(item.spec, invariants, item._options)
        return self.runs[key]


def _value(config: pytest.Config, name: str, file_settings: Any) -> Any:
    """Option ``name``'s value: its flag, else its ini key, else the pyproject table,
    else its default (``options_table.merged``)."""
    option = by_name(name)
    flag = config.getoption(option.pytest_flag) if option.pytest_flag else None
    ini = config.getini(option.ini) if option.ini else None
    return merged(option, flag, ini, getattr(file_settings, name, None))[0]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "oar_conformance: a generated oar-conformance check")
    from oar_conformance.config import read_pyproject  # noqa: PLC0415
    from oar_conformance.errors import UsageError  # noqa: PLC0415

    try:
        file_settings = read_pyproject(config.rootpath / "pyproject.toml")
        names = list(_value(config, "plugins", file_settings))
        if not names:
            return
        state = _build_state(config, names, file_settings)
    except UsageError as exc:
        raise pytest.UsageError(f"oar-conformance: {exc}") from None
    config.stash[_STATE] = state
    config.pluginmanager.register(_KitErrors(), "oar-conformance-kit-errors")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the worker process of every plugin with tests to run, while pytest reports
    the collection (with OAR3 imported first when the plugin's first run needs it)."""
    config = session.config
    state = config.stash.get(_STATE, None)
    if state is None or not state.options.isolate or config.option.collectonly:
        return
    if not _runs_tests(config):
        return
    from oar_conformance.binding import prestart  # noqa: PLC0415

    runs: dict[PluginSpec, list[Invariant[Any, Any]]] = {}
    for item in session.items:
        if isinstance(item, ConformanceItem) and item.get_closest_marker("skip") is None:
            runs.setdefault(item.spec, []).append(item.invariant)
    for spec, invariants in runs.items():
        prestart(spec, invariants, state.options.memory_limit)


def _site(config: pytest.Config, file_settings: Any) -> tuple[Any, str | None]:
    """The site profile and the file it was read from (``None``: a pyproject table)."""
    from oar_conformance.site import Site, read_site  # noqa: PLC0415

    site = _value(config, "site", file_settings)
    if site is None:
        return None, None
    if not isinstance(site, Site):
        site = read_site(Path(site).resolve())
    return site, site.source if Path(site.source).is_file() else None


def _build_state(config: pytest.Config, names: list[str], file_settings: Any) -> _RunState:
    from oar_conformance import _interrupt  # noqa: PLC0415
    from oar_conformance.catalogue import get  # noqa: PLC0415
    from oar_conformance.config import parse_size, shown_db  # noqa: PLC0415
    from oar_conformance.driver import CheckOptions  # noqa: PLC0415
    from oar_conformance.errors import UsageError  # noqa: PLC0415
    from oar_conformance.plugins import parse_plugin_args, resolve  # noqa: PLC0415
    from oar_conformance.profiles import get_profile  # noqa: PLC0415
    from oar_conformance.stats import RunStats  # noqa: PLC0415

    _interrupt.reset()  # a new run: an earlier Ctrl-C of this process is done with
    for invariant_id in config.getoption(OPT_INVARIANT):
        get(invariant_id)
    specs: list[PluginSpec] = []
    for name in names:
        for spec in resolve(name):
            if spec not in specs:
                specs.append(spec)
    profile = get_profile(_value(config, "profile", file_settings))
    strict = bool(_value(config, "strict", file_settings))
    seed_value = _value(config, "seed", file_settings)
    worker_seed = getattr(config, "workerinput", {}).get("oar_seed")
    if worker_seed is not None:
        seed_value = worker_seed
    if seed_value is None:
        seed_value = random.SystemRandom().randrange(10**9)
    seed = int(seed_value)
    timeout = float(_value(config, "timeout", file_settings))
    if timeout <= 0:
        msg = f"timeout={timeout!r} must be a positive number of seconds"
        raise UsageError(msg)
    args, kwargs = parse_plugin_args(_value(config, "plugin_args", file_settings))
    stats = RunStats()
    db = str(_value(config, "db", file_settings))
    if db not in {"sqlite", "postgresql"} and not db.startswith(("postgresql://", "postgres://")):
        msg = f"db={shown_db(db)!r} must be sqlite, postgresql or a postgresql:// URL"
        raise UsageError(msg)
    memory = _value(config, "memory_limit", file_settings)
    site, site_file = _site(config, file_settings)
    options = CheckOptions(
        profile=profile,
        seed=seed,
        timeout=timeout,
        args=args,
        kwargs=kwargs,
        stats=stats,
        db=db,
        isolate=bool(_value(config, "isolate", file_settings)),
        memory_limit=parse_size(memory, by_name("memory_limit").key or ""),
        site=site,
    )
    state = _RunState(specs, options, strict, seed, stats)
    state.skip = {
        key.upper() if "::" not in key else key: r for key, r in file_settings.skip.items()
    }
    for key in state.skip:
        get(key.rsplit("::", 1)[-1])
    for key, text in file_settings.plugin_args_by_plugin.items():
        for spec in resolve(key):
            state.args_by_plugin[str(spec)] = parse_plugin_args(text)
    state.verdict_values = {o.name: _value(config, o.name, file_settings) for o in OPTIONS}
    state.verdict_values |= {  # as the run used them: a drawn seed, a hidden password
        "seed": seed,
        "profile": profile.name,
        "strict": strict,
        "timeout": timeout,
        "db": shown_db(db),
        "memory_limit": options.memory_limit,
        "site": site_file,
    }
    _outputs(config, state, file_settings)
    return state


def _outputs(config: pytest.Config, state: _RunState, file_settings: Any) -> None:
    """Where counterexample reports go, and whether invariants run one by one."""
    report = _value(config, "report", file_settings)
    if report:
        state.report = Path(report).resolve()
    state.one_by_one = bool(_value(config, "one_by_one", file_settings))


def _start_databases(db: str, chosen: list[Invariant[Any, Any]]) -> None:
    """Start the PostgreSQL the rounds of ``chosen`` will use, while the first checks run.

    A server that cannot start is a usage error when ``db`` asked for it (the first round
    ends the session with it), and skips R2 otherwise.
    """
    from oar_conformance.catalogue import family_of  # noqa: PLC0415
    from oar_conformance.db import start_database  # noqa: PLC0415
    from oar_conformance.families.rounds.outcome import OTHER_DB  # noqa: PLC0415

    rounds = [inv for inv in chosen if family_of(inv).needs_database]
    if rounds and db != "sqlite":
        start_database(db)
    elif any(OTHER_DB in inv.needs for inv in rounds):
        start_database("postgresql")


def _runs_tests(config: pytest.Config) -> bool:
    """False in an xdist controller, whose workers run the tests (one database each)."""
    distributed = getattr(config.option, "numprocesses", None) or getattr(
        config.option, "dist", "no"
    ) not in (None, "no")
    return hasattr(config, "workerinput") or not distributed


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return None
    from oar_conformance import oar3  # noqa: PLC0415
    from oar_conformance.config import shown_db  # noqa: PLC0415

    found = oar3.status()
    site = state.options.site
    return [
        f"oar-conformance: seed={state.seed} profile={state.options.profile.name} "
        f"strict={state.strict} db={shown_db(state.options.db)} "
        f"plugins={', '.join(map(str, state.specs))}",
        f"oar-conformance: OAR3 {found.version}"
        if found.available
        else f"oar-conformance: {found.skip_line}",
        f"oar-conformance: {site.describe()}"
        if site is not None
        else "oar-conformance: platforms as OAR3 builds them (no site profile)",
    ]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Hand the controller's seed to every xdist worker so all workers agree."""
    state = node.config.stash.get(_STATE, None)
    if state is not None:
        node.workerinput["oar_seed"] = state.seed


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the plugins' worker processes; on an xdist worker, hand advisories, reports and
    statistics back to the controller."""
    worker = sys.modules.get("oar_conformance.worker")
    if worker is not None:
        worker.shutdown_workers()
    state = session.config.stash.get(_STATE, None)
    output = getattr(session.config, "workeroutput", None)
    if state is None or output is None:
        return
    from dataclasses import fields  # noqa: PLC0415

    output["oar_advisories"] = list(state.advisories)
    output["oar_reported"] = [str(path) for path in state.reported]
    output["oar_stats"] = {  # plain values only: execnet sends no dataclass or defaultdict
        key: {f.name: getattr(s, f.name) for f in fields(s)}
        | {"seconds": {k: list(v) for k, v in s.seconds.items()}}
        for key, s in state.stats.plugins.items()
    }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """Merge what a finished xdist worker found into the controller's summary."""
    state = node.config.stash.get(_STATE, None)
    output = getattr(node, "workeroutput", None) or {}
    if state is None:
        return
    state.advisories.extend(output.get("oar_advisories", []))
    state.reported.extend(Path(path) for path in output.get("oar_reported", []))
    from oar_conformance.stats import PluginStats  # noqa: PLC0415

    for key, counts in output.get("oar_stats", {}).items():
        seconds = counts.pop("seconds", {})
        samples = [tuple(s) for s in counts.pop("samples", [])]
        other = PluginStats(**counts, samples=samples)
        for bucket, times in seconds.items():
            other.seconds[bucket].extend(times)
        state.stats.for_plugin(key).merge(other)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``-n N`` (xdist's ``load``): keep each (plugin, run)'s tests on one worker."""
    if config.stash.get(_STATE, None) is None or config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415

    class RunScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """xdist's scope scheduling, a kit test's scope being its (plugin, run)."""

        def _split_scope(self, nodeid: str) -> str:
            return _run_scope(nodeid) or str(super()._split_scope(nodeid))

    return RunScheduling(config, log)


def _run_scope(nodeid: str) -> str | None:
    """``PLUGIN::RUN`` for a kit test's node id, ``None`` for any other test."""
    from oar_conformance.catalogue import get  # noqa: PLC0415
    from oar_conformance.errors import UsageError  # noqa: PLC0415
    from oar_conformance.shared_run import run_name  # noqa: PLC0415

    plugin, sep, rest = nodeid.partition("::")
    if not sep or not plugin.startswith("oar."):
        return None
    try:
        return f"{plugin}::{run_name(get(rest.split('-', 1)[0]))}"
    except UsageError:
        return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    from oar_conformance.catalogue import by_group  # noqa: PLC0415

    added: list[pytest.Item] = []
    wanted = {i.upper() for i in config.getoption(OPT_INVARIANT)}
    for spec in state.specs:
        for inv in by_group(spec.group):
            if wanted and inv.id not in wanted:
                continue
            name = f"{spec}::{inv.id}-{inv.slug}"
            item = ConformanceItem.from_parent(
                session, name=name, nodeid=name, spec=spec, invariant=inv
            )
            item.add_marker("oar_conformance")
            reason = state.skip.get(inv.id) or state.skip.get(f"{spec}::{inv.id}")
            if reason:
                item.add_marker(
                    pytest.mark.skip(reason=f"skipped by [tool.oar-conformance]: {reason}")
                )
            added.append(item)
    # Report the generated items as collected, so counts, -k and --collect-only add up.
    config.hook.pytest_collectreport(report=pytest.CollectReport("", "passed", None, list(added)))
    items.extend(added)


class ConformanceItem(pytest.Item):
    """One (plugin, invariant) check."""

    def __init__(self, *, spec: PluginSpec, invariant: Invariant[Any, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.invariant = invariant

    @property
    def _state(self) -> _RunState:
        return self.config.stash[_STATE]

    @property
    def _options(self) -> CheckOptions:
        """The run's options, with this plugin's own arguments when configured."""
        options = self._state.options
        if str(self.spec) in self._state.args_by_plugin:
            args, kwargs = self._state.args_by_plugin[str(self.spec)]
            options = dataclasses.replace(options, args=args, kwargs=kwargs)
        return options

    def setup(self) -> None:
        """Do this check's run (or read it); a kit error ends the check here, so pytest
        shows it as an error of the check, never as a failure of the plugin."""
        from oar_conformance import oar3  # noqa: PLC0415
        from oar_conformance.driver import requires_oar3  # noqa: PLC0415
        from oar_conformance.errors import KitError  # noqa: PLC0415

        if requires_oar3(self.invariant) and not oar3.status().available:
            return
        error = self._state.result_for(self).outcomes.get(self.invariant.id)
        if isinstance(error, KitError):
            pytest.fail(kit_error_text(error), pytrace=False)

    def runtest(self) -> None:
        from oar_conformance import oar3  # noqa: PLC0415
        from oar_conformance.catalogue import Severity  # noqa: PLC0415
        from oar_conformance.db import DatabaseUnavailable  # noqa: PLC0415
        from oar_conformance.driver import requires_oar3  # noqa: PLC0415
        from oar_conformance.errors import (  # noqa: PLC0415
            CheckSkipped,
            CheckUndecided,
            ConformanceFailure,
        )

        if requires_oar3(self.invariant) and not oar3.status().available:
            pytest.skip(oar3.status().skip_line)
        unjudged, read, reason = self._state.stats.for_plugin(str(self.spec)).unjudged_share(
            self.invariant.id
        )
        if unjudged:
            self.user_properties.append(("unjudged", f"{unjudged} of {read} examples: {reason}"))
        try:
            self._state.result_for(self).raise_for(self.invariant.id)
        except DatabaseUnavailable as exc:  # the PostgreSQL asked for could not start
            pytest.exit(f"oar-conformance: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
        except CheckUndecided as exc:
            if self._state.strict:
                pytest.fail(f"{exc} ({OPT_STRICT}: an undecided check fails)", pytrace=False)
            pytest.skip(str(exc))
        except CheckSkipped as exc:
            pytest.skip(str(exc))
        except ConformanceFailure as exc:
            rendered = self._render(exc)
            self._write_report(exc, rendered)
            if self.invariant.severity is Severity.ADVISORY and not self._state.strict:
                self._state.advisories.append(rendered)
                pytest.xfail(
                    f"advisory {self.invariant.id} violated: {exc.violation.message} "
                    f"(pass {OPT_STRICT} to fail on it)"
                )
            raise

    def _write_report(self, exc: BaseException, rendered: str) -> None:
        from oar_conformance.report import write_report_files  # noqa: PLC0415

        state = self._state
        if state.report is not None:
            paths = write_report_files(
                state.report,
                exc.violation,  # type: ignore[attr-defined]
                self._context(exc),
                rendered,
            )
            state.reported.extend(paths)

    def _render(self, exc: BaseException) -> str:
        from oar_conformance.report import render_failure  # noqa: PLC0415

        cached: str | None = getattr(exc, "_oar_rendered", None)
        if cached is None:
            cached = render_failure(exc.violation, self._context(exc))  # type: ignore[attr-defined]
            exc._oar_rendered = cached  # type: ignore[attr-defined]
        return cached

    def _context(self, exc: BaseException) -> Any:
        from oar_conformance.plugins import plugin_args_text  # noqa: PLC0415
        from oar_conformance.report import blob_line, replayed_note, unshrunk_note  # noqa: PLC0415
        from oar_conformance.reproducer import FailureContext  # noqa: PLC0415

        state, inv = self._state, self.invariant
        args = plugin_args_text(self._options.args, self._options.kwargs)
        values = state.verdict_values | {"plugin_args": args}
        command = reproduce_command(str(self.spec), inv.id, values)
        return FailureContext(
            spec=self.spec,
            invariant=self.invariant,
            command=command,
            blob=blob_line(getattr(exc, "__notes__", [])),
            unshrunk=unshrunk_note(getattr(exc, "__notes__", [])),
            replayed=replayed_note(getattr(exc, "__notes__", [])),
            args=self._options.args,
            kwargs=self._options.kwargs,
            seed=state.seed,
            profile=state.options.profile.name,
        )

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        from oar_conformance.errors import ConformanceFailure, UsageError  # noqa: PLC0415

        if isinstance(excinfo.value, ConformanceFailure):
            return self._render(excinfo.value)
        if isinstance(excinfo.value, UsageError):
            return f"oar-conformance usage error: {excinfo.value}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[str, int, str]:
        # A line number is required by pytest's skip reports; 0 stands for "no source line".
        return (f"oar-conformance {self.spec}", 0, f"{self.spec}::{self.invariant.id}")


KIT_ERROR_EXIT = 3
"""Exit status of a run in which the kit itself failed (pytest's own internal-error code)."""

_REPORT_LINE = (
    "This is a bug of oar-conformance, not of the plugin: please report it with this output "
    "and the reproduce line of the run."
)


def kit_error_text(error: BaseException) -> str:
    """What a check ended by a kit error shows: the error, its traceback, where to report."""
    details = getattr(error, "details", "")
    return f"{error}\n\n{details}\n\n{_REPORT_LINE}"


class _KitErrors:
    """Counts the checks a kit error ended (their setup failed), in this process or from
    xdist workers, and makes the session exit 3 for them (unless it was stopped or
    misused). Registered per session, so nothing outlives it."""

    def __init__(self) -> None:
        self.checks: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup" and report.failed and _run_scope(report.nodeid) is not None:
            self.checks.append(report.nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.checks and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.TESTS_FAILED,
        ):
            session.exitstatus = KIT_ERROR_EXIT


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    if state.advisories:
        terminalreporter.section("oar-conformance advisories")
        for text in state.advisories:
            terminalreporter.write_line(text)
    if state.reported:
        from oar_conformance.model import plural  # noqa: PLC0415

        folder = state.report
        tests = sum(1 for p in state.reported if p.suffix == ".py")
        terminalreporter.write_line(
            f"oar-conformance: {plural(tests, 'counterexample report')} written to {folder} "
            f"(replay them with: pytest {folder})"
        )
    _summary_table(terminalreporter)
    findings = state.stats.oar3_lines()
    if findings:
        terminalreporter.section("oar-conformance OAR3 findings (OAR3's own, not the plugin's)")
        for line in findings:
            terminalreporter.write_line(line)
    lines = state.stats.lines()
    if lines:
        terminalreporter.section("oar-conformance statistics")
        for line in lines:
            terminalreporter.write_line(line)


_OUTCOMES = (("failed", "FAIL"), ("xfailed", "advisory"), ("skipped", "skip"), ("passed", "pass"))


def _summary_table(terminalreporter: Any) -> None:
    """One screen: plugin x invariant family, with pass / fail / skip counts and failed ids."""
    from oar_conformance.catalogue import families, get  # noqa: PLC0415

    cells: dict[str, dict[str, dict[str, list[str]]]] = {}
    for key, _label in _OUTCOMES:
        for report in terminalreporter.stats.get(key, []):
            nodeid = getattr(report, "nodeid", "")
            plugin, sep, rest = nodeid.partition("::")
            if not sep or not plugin.startswith("oar."):
                continue
            family = get(rest.split("-", 1)[0]).family
            ids = cells.setdefault(plugin, {}).setdefault(family, {}).setdefault(key, [])
            ids.append(rest.split("-", 1)[0])
    if not cells:
        return
    names = [f.name for f in families() if any(f.name in row for row in cells.values())]
    header = ["plugin", *names]
    rows = []
    for plugin, row in sorted(cells.items()):
        line = [plugin]
        for family in names:
            parts = []
            for key, label in _OUTCOMES:
                found = row.get(family, {}).get(key, [])
                if found and key in {"failed", "xfailed"}:
                    parts.append(f"{label} {','.join(sorted(found))}")
                elif found:
                    parts.append(f"{len(found)} {label}")
            line.append("; ".join(parts) or "-")
        rows.append(line)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    terminalreporter.section("oar-conformance summary")
    for r in [header, *rows]:
        terminalreporter.write_line("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))

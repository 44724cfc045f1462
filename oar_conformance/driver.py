"""The conformance driver: one Hypothesis test per (plugin, invariant).

The pytest plugin and the CLI both go through :func:`run_check`; a test writer can call it
directly too (or :func:`oar_conformance.check`)::

    from oar_conformance import CheckOptions, PluginSpec, get_invariant, run_check

    run_check(PluginSpec("oar.find_func", "my_find"), get_invariant("F1"), CheckOptions())

It raises :class:`~oar_conformance.errors.ConformanceFailure` carrying the shrunk
violation when the plugin breaks the invariant, and returns quietly otherwise. The
invariant's family (:mod:`oar_conformance.families`) gives the scenarios and the runner.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.database import ExampleDatabase
from hypothesis.strategies import SearchStrategy

from oar_conformance import _interrupt, oar3
from oar_conformance.catalogue import by_group, family_of, get
from oar_conformance.errors import CheckSkipped, ConformanceFailure, UsageError
from oar_conformance.families import Family, Runner
from oar_conformance.invariant import Invariant, Severity
from oar_conformance.options import CheckOptions
from oar_conformance.outcome import Outcome
from oar_conformance.plugins import PluginSpec, load, resolve
from oar_conformance.stats import PluginStats, RunStats
from oar_conformance.tally import Tally
from oar_conformance.violations import Violation
from oar_conformance.worker import IsolatedRunner

__all__ = [
    "CheckOptions",
    "CheckResult",
    "Driver",
    "check",
    "driver_for",
    "isolated_driver",
    "requires_oar3",
    "run_check",
    "stable_seed",
]

ScenarioT = TypeVar("ScenarioT")
OutcomeT = TypeVar("OutcomeT", bound=Outcome)

_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
"""Hypothesis phases of a check; ``explain`` is left out: with one generated argument it
only adds "or any other generated value" and makes failing checks several times slower."""

HANG_LIMIT = 3
"""Calls lost (timeouts, dead workers) after which a plugin's other checks stop calling it;
the check of failed calls (F6, A1, S4, M2, R1) reports them."""

LOST_CALLS = frozenset({"timeout", "died"})
"""Error kinds of calls that never answered."""

RESTART_LIMIT = 100
"""Dead workers after which a check stops shrinking and reports its latest failing example:
each try costs a new worker process (a fork, a few milliseconds)."""


@dataclass(frozen=True)
class Driver(Generic[ScenarioT, OutcomeT]):
    """One plugin bound to its family: the scenarios to draw and the runner observing it."""

    family: Family[ScenarioT, OutcomeT]
    strategy: SearchStrategy[ScenarioT]
    runner: Runner[ScenarioT, OutcomeT]

    def run(self, scenario: ScenarioT, needs: Collection[str] = ()) -> OutcomeT:
        """Observe the plugin on ``scenario``."""
        return self.runner.run(scenario, needs)

    def classify(self, outcome: OutcomeT) -> str:
        """How the run statistics count ``outcome``."""
        return self.family.classify(outcome)

    def resources(self, scenario: ScenarioT) -> int:
        """The size the call time of ``scenario`` is reported against."""
        return self.family.size(scenario)


def driver_for(
    invariant: Invariant[Any, Any], func: Callable[..., Any], options: CheckOptions
) -> Driver[Any, Any]:
    """The driver of ``invariant``'s family for plugin ``func``, called in this process."""
    family = family_of(invariant)
    return Driver(family, family.scenarios(options), family.runner(func, options))


def isolated_driver(
    invariant: Invariant[Any, Any], spec: PluginSpec, options: CheckOptions
) -> Driver[Any, Any]:
    """The driver of ``invariant``'s family for plugin ``spec``, called in a worker.

    The worker is kept for the plugin's next checks with the same runner settings.
    """
    family = family_of(invariant)
    key = (
        family.name,
        str(spec),
        options.timeout,
        options.args,
        tuple(options.kwargs.items()),
        options.db,
        options.memory_limit,
        id(options.site),  # a round worker's databases have its site's columns
    )
    runner = _WORKERS.get(key)
    if runner is None:
        runner = IsolatedRunner(
            family.name,
            spec,
            options,
            lambda error: family.failed(error, options),
            rounds=family.needs_database,
        )
        _WORKERS[key] = runner
    return Driver(family, family.scenarios(options), runner)


_WORKERS: dict[tuple[Any, ...], IsolatedRunner] = {}


def requires_oar3(invariant: Invariant[Any, Any]) -> bool:
    """Whether checking ``invariant`` needs a genuine OAR3 installed."""
    return "reference" in invariant.needs or family_of(invariant).needs_oar3


def stable_seed(base: int, spec: PluginSpec, invariant: Invariant[Any, Any]) -> int:
    """A per-check seed derived from the run seed, equal across processes and runs."""
    digest = hashlib.sha256(f"{base}:{spec}:{invariant.id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _CheckDatabase(ExampleDatabase):
    """Hypothesis' example database with the keys of one (plugin, invariant) check apart.

    Every check runs the same test body, so Hypothesis gives them one key; prefixing it
    with the check keeps each check's failing examples to itself.
    """

    def __init__(self, inner: ExampleDatabase, check: str) -> None:
        super().__init__()
        self._inner = inner
        self._prefix = check.encode() + b"::"

    def save(self, key: bytes, value: bytes) -> None:
        self._inner.save(self._prefix + key, value)

    def fetch(self, key: bytes) -> Iterable[bytes]:
        return self._inner.fetch(self._prefix + key)

    def delete(self, key: bytes, value: bytes) -> None:
        self._inner.delete(self._prefix + key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self._inner.move(self._prefix + src, self._prefix + dest, value)


def run_check(spec: PluginSpec, invariant: Invariant[Any, Any], options: CheckOptions) -> None:
    """Check ``invariant`` on plugin ``spec``; raise ``ConformanceFailure`` when broken."""
    if spec.group not in invariant.groups:
        msg = f"invariant {invariant.id} checks {invariant.group} plugins, not {spec}"
        raise UsageError(msg)
    options = replace(options, group=spec.group)
    if requires_oar3(invariant):
        oar3.require()
    oar3.status()  # import OAR3, if present, under isolation before a plugin imports it
    func = load(spec)
    if options.isolate:
        driver = isolated_driver(invariant, spec, options)
    else:
        driver = driver_for(invariant, func, options)
    stats: PluginStats = (options.stats or RunStats()).for_plugin(str(spec))
    needs = invariant.needs
    reports_errors = "errors" in needs
    lost = _LostCalls(stats, (str(spec), invariant.family), reports_errors)
    tally = invariant.tally(options) if invariant.tally is not None else None

    def hangs() -> bool:
        return not reports_errors and stats.timeouts >= HANG_LIMIT

    def check(scenario: Any) -> None:
        _interrupt.check()
        if hangs():
            return
        outcome = driver.run(scenario, needs)
        stats.record(
            resources=driver.resources(scenario),
            seconds=outcome.seconds,
            kind=driver.classify(outcome),
        )
        if outcome.error is not None:
            lost.note(invariant, scenario, outcome)
        if tally is not None:
            tally.add(scenario, outcome)
        for violation in invariant.check(scenario, outcome):
            raise ConformanceFailure(violation)

    test = given(driver.strategy)(check)
    test = settings(
        max_examples=options.profile.max_examples,
        deadline=None,
        print_blob=True,
        database=_database(options.example_database, f"{spec}::{invariant.id}"),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        phases=_PHASES if options.shrink else _PHASES[:-1],
    )(test)
    if options.seed is not None:
        test = seed(stable_seed(options.seed, spec, invariant))(test)
    if reports_errors and lost.key in _KILLED:
        for violation in invariant.check(*_KILLED[lost.key]):
            raise ConformanceFailure(violation)
    if hangs():
        raise CheckSkipped(_hang_message(spec, stats.timeouts))
    try:
        with _interrupt.catching_ctrl_c():
            test()
    except _Unshrunk as stop:
        raise ConformanceFailure(stop.violation) from None
    if hangs():
        raise CheckSkipped(_hang_message(spec, stats.timeouts))
    if tally is not None:
        _conclude(invariant, tally)


def _conclude(invariant: Invariant[Any, Any], tally: Tally[Any, Any]) -> None:
    """Report a run-level invariant's verdict on the examples it read."""
    verdict = tally.verdict()
    if verdict is not None:
        raise ConformanceFailure(
            invariant.violation(verdict.breach, verdict.scenario, verdict.outcome)
        )
    reason = tally.unjudged()
    if reason is not None:
        raise CheckSkipped(f"{invariant.id}: {reason}")


@dataclass
class _LostCalls:
    """How one check treats calls that never answered (a hang, a dead worker).

    Lost calls count towards the plugin's hang limit. A worker killed for not answering
    ends the run with that example, unshrunk (each try would cost the per-call limit
    again); it is kept for the family's check of failed calls. That check also stops
    shrinking after :data:`RESTART_LIMIT` dead workers and reports its latest example.
    """

    stats: PluginStats
    key: tuple[str, str]
    reports_errors: bool
    deaths: int = 0

    def note(self, invariant: Invariant[Any, Any], scenario: Any, outcome: Any) -> None:
        error = outcome.error
        if error.kind in LOST_CALLS:
            self.stats.timeouts += 1
        stop = False
        if error.killed:
            self.stats.timeouts = max(self.stats.timeouts, HANG_LIMIT)
            _KILLED.setdefault(self.key, (scenario, outcome))
            stop = self.reports_errors
        elif error.kind == "died" and self.reports_errors:
            self.deaths += 1
            stop = self.deaths >= RESTART_LIMIT
        if stop:
            for violation in invariant.check(scenario, outcome):
                raise _Unshrunk(violation)


class _Unshrunk(BaseException):
    """Ends a Hypothesis run at once: not an ``Exception``, so Hypothesis does not shrink."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.message)
        self.violation = violation


_KILLED: dict[tuple[str, str], tuple[Any, Any]] = {}
"""(plugin, family) -> the first example whose worker was killed for not answering."""


def _hang_message(spec: PluginSpec, timeouts: int) -> str:
    return (
        f"{spec} timed out or ended its process {timeouts} times, so this check stopped "
        "calling it; the family's check of failed calls (F6, A1, S4, M2, R1) reports that"
    )


def _database(value: Any, check: str) -> ExampleDatabase | None:
    """The check's view of ``value``: ``"default"`` is Hypothesis' own database."""
    database = settings().database if value == "default" else value
    if database is None:
        return None
    return _CheckDatabase(database, check)


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` did: the checks that passed and those skipped, with the reason."""

    passed: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]


def check(
    plugin: str,
    *invariant_ids: str,
    options: CheckOptions | None = None,
    strict: bool = False,
) -> CheckResult:
    """Check ``plugin`` (``NAME`` or ``GROUP:NAME``) on the named invariants, or on all.

    Raises :class:`~oar_conformance.errors.ConformanceFailure` with the shrunk violation
    of the first contract invariant the plugin breaks (advisory ones too when
    ``strict``). A check that cannot run here (OAR3 missing, a plugin that hangs) is
    skipped with its reason; a usage error when nothing at all could be checked, so an
    empty run never passes. For example, in a plugin's own tests::

        from oar_conformance import CheckOptions, check

        def test_my_find_conforms():
            check("oar.find_func:my_find", options=CheckOptions(seed=1))
    """
    options = options or CheckOptions()
    wanted = [get(i) for i in invariant_ids]
    passed: list[str] = []
    skipped: list[tuple[str, str]] = []
    for spec in resolve(plugin):
        for invariant in wanted or by_group(spec.group):
            name = f"{spec}::{invariant.id}"
            if spec.group not in invariant.groups:
                continue
            try:
                run_check(spec, invariant, options)
            except ConformanceFailure:
                if invariant.severity is Severity.CONTRACT or strict:
                    raise
                skipped.append((name, "advisory invariant violated"))
            except (CheckSkipped, ImportError) as exc:
                skipped.append((name, str(exc)))
            else:
                passed.append(name)
    if not passed and not any(r == "advisory invariant violated" for _, r in skipped):
        reasons = "; ".join(f"{n}: {r}" for n, r in skipped) or "no invariant applies"
        msg = (
            f"plugin={plugin!r} invariants={list(invariant_ids)!r}: nothing was checked ({reasons})"
        )
        raise UsageError(msg)
    return CheckResult(tuple(passed), tuple(skipped))

"""One generated example feeds every selected invariant of a plugin's family.

A plugin is checked in *runs*: one per family whose examples it gets (a find plugin has a
find run and a round run; a metasched plugin's M and R invariants share one run of
rounds). :func:`run_invariants` does one run in two steps:

1. **Search.** One Hypothesis run draws the family's scenarios, calls the plugin once
   per scenario (with every observation the selected invariants need: a repeat call,
   OAR3's default, the other database) and judges the outcome with each invariant that
   has not failed yet (an invariant's ``confirm`` observations are made only for an
   example it finds a breach in); run-level invariants (tallies) read every example. It never fails
   itself, so it goes through the profile's examples, and stops early once every
   per-example invariant has failed and no tally is waiting. It reads no example
   database, so a seeded run draws the same examples whatever an earlier run saved.
   Then a replay pass offers the saved examples of the checks (``_example_db``) to the
   per-example invariants the search did not see fail; a failure it finds is labelled
   as replayed (``report.REPLAYED``). It feeds neither tallies nor statistics.
2. **Shrink.** Each invariant that failed is shrunk on its own: a Hypothesis run of that
   invariant alone starts from the example the search found (its choice sequence, the
   only example the example database offers it) and shrinks it as a one-invariant check
   would; what it finds is saved for the next run's replay. If the
   example no longer fails (a plugin that changed its mind), the search's example is
   reported as found, unshrunk. A family with a shrinking budget
   (``Family.shrink_tries``: campaigns) stops trying smaller examples when it is spent
   and reports the smallest failing one found so far; the budget counts tries, not
   seconds, so a seeded run gives the same counterexample on any machine.

Seeds are per run (search) and per invariant (shrink), so an invariant's counterexample
is the same whichever other invariants were selected. Failed calls (hangs, dead
workers) are handled as before: after :data:`HANG_LIMIT` lost calls only the family's
check of failed calls keeps calling the plugin.
"""

from __future__ import annotations

import contextlib
import pickle
import time
import unittest
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings

from oar_conformance import _interrupt, oar3
from oar_conformance._example_db import seeded_database, shared_database
from oar_conformance.binding import (
    Driver,
    driver_for,
    isolated_driver,
    requires_oar3,
    stable_seed,
)
from oar_conformance.catalogue import family_of
from oar_conformance.errors import (
    CheckSkipped,
    CheckUndecided,
    ConformanceFailure,
    KitError,
    OarConformanceError,
    UsageError,
)
from oar_conformance.invariant import Invariant
from oar_conformance.options import CheckOptions
from oar_conformance.plugins import PluginSpec, load
from oar_conformance.report import REPLAYED
from oar_conformance.stats import PluginStats, RunStats
from oar_conformance.tally import Tally
from oar_conformance.violations import Violation

__all__ = [
    "HANG_LIMIT",
    "LOST_CALLS",
    "RESTART_LIMIT",
    "UNJUDGED_SHARE",
    "Found",
    "RunResult",
    "run_invariants",
    "run_name",
]

_T = TypeVar("_T")

_SEARCH = (Phase.explicit, Phase.generate, Phase.target)
_REPLAY = (Phase.reuse,)
_SHRINK = (Phase.reuse, Phase.shrink)
"""Hypothesis phases of the search, its replay pass and the shrink step; ``explain`` is
left out: with one generated argument it only adds "or any other generated value" and
makes shrinking slower."""

_QUIET = (HealthCheck.too_slow, HealthCheck.data_too_large)
"""Health checks that only say plugin calls and platforms are big, which they are."""

HANG_LIMIT = 3
"""Calls lost (timeouts, dead workers) after which a plugin's other checks stop calling it;
the check of failed calls (F6, A1, S4, M2, R1) reports them."""

LOST_CALLS = frozenset({"timeout", "died"})
"""Error kinds of calls that never answered."""

RESTART_LIMIT = 100
"""Dead workers after which a check stops shrinking and reports its latest failing example:
each try costs a new worker process (a fork, a few milliseconds)."""


UNJUDGED_SHARE = 0.05
"""Above this share of examples a check could not judge, its pass is not reported as one."""


def run_name(invariant: Invariant[Any, Any]) -> str:
    """The run that feeds ``invariant``: its family's, or the family whose examples it
    shares."""
    return family_of(invariant).run


@dataclass(frozen=True)
class Found:
    """When the search first saw an invariant fail: examples drawn, seconds since it began."""

    examples: int
    seconds: float


@dataclass
class RunResult:
    """What one run concluded, per invariant id: passed, failed, skipped or errored.

    ``raise_for(id)`` replays the verdict as a one-invariant check would end: quietly,
    with ``ConformanceFailure``, ``CheckSkipped`` or the error that stopped the run.
    ``found`` tells when the search first saw each failure (for the benchmark).
    """

    outcomes: dict[str, BaseException | None] = field(default_factory=dict)
    found: dict[str, Found] = field(default_factory=dict)
    examples: int = 0

    def raise_for(self, invariant_id: str) -> None:
        """End as the check of ``invariant_id`` ends; a usage error if it was not run."""
        if invariant_id not in self.outcomes:
            msg = f"invariant {invariant_id!r} was not part of this run; select it to check it"
            raise UsageError(msg)
        error = self.outcomes[invariant_id]
        if error is not None:
            raise error

    def failures(self) -> dict[str, ConformanceFailure]:
        """The invariants the plugin broke, with their (shrunk) failure."""
        return {
            key: value
            for key, value in self.outcomes.items()
            if isinstance(value, ConformanceFailure)
        }


def run_invariants(
    spec: PluginSpec, invariants: Sequence[Invariant[Any, Any]], options: CheckOptions
) -> RunResult:
    """Check ``invariants`` (all fed by one run) on plugin ``spec``; see the module doc.

    Raises ``UsageError`` when an invariant does not check ``spec``'s group or the
    invariants belong to different runs; every other ending is in the result.
    """
    runs = {run_name(i) for i in invariants}
    for invariant in invariants:
        if spec.group not in invariant.groups:
            msg = f"invariant {invariant.id} checks {invariant.group} plugins, not {spec}"
            raise UsageError(msg)
    if len(runs) > 1:
        msg = f"invariants {[i.id for i in invariants]} come from different runs {sorted(runs)}"
        raise UsageError(msg)
    result = RunResult()
    if not invariants:
        return result
    options = replace(options, group=spec.group)
    selected: list[Invariant[Any, Any]] = []
    for invariant in invariants:
        if requires_oar3(invariant) and not oar3.status().available:
            result.outcomes[invariant.id] = CheckSkipped(oar3.status().skip_line)
        else:
            selected.append(invariant)
    if not selected:
        return result
    try:
        if options.isolate:  # the plugin's code runs in the worker only, its import too
            driver = isolated_driver(selected[0], spec, options)
        else:
            driver = driver_for(selected[0], load(spec), options)
        search = _Search(spec, selected, options, driver, result)
        with _interrupt.catching_ctrl_c():
            search.run()
            for invariant in selected:
                if invariant.id in search.first:
                    result.outcomes[invariant.id] = _shrunk_or_error(search, invariant)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # an error of the whole run ends each of its open checks
        ending = exc if isinstance(exc, OarConformanceError) else KitError(f"the {spec} run", exc)
        for invariant in selected:
            result.outcomes.setdefault(invariant.id, ending)
    return result


@dataclass
class _First:
    """The search's first failing example of one invariant."""

    choices: bytes | None
    violation: Violation
    found: Found
    final: bool = False
    """Reported as is, never shrunk (a worker killed for not answering)."""
    replayed: bool = False
    """Found by the replay of a saved example, not by this run's own examples."""


class _Search:
    """Step 1: one Hypothesis run judging every selected invariant on each example."""

    def __init__(
        self,
        spec: PluginSpec,
        invariants: list[Invariant[Any, Any]],
        options: CheckOptions,
        driver: Driver[Any, Any],
        result: RunResult,
    ) -> None:
        self.spec = spec
        self.options = options
        self.driver = driver
        self.result = result
        self.invariants = invariants
        self.active = [i for i in invariants if i.tally is None]
        self.tallies: dict[str, Tally[Any, Any]] = {
            i.id: i.tally(options) for i in invariants if i.tally is not None
        }
        self.needs = frozenset().union(*(i.needs for i in invariants))
        self.first: dict[str, _First] = {}
        self.stats: PluginStats = (options.stats or RunStats()).for_plugin(str(spec))
        self.key = (str(spec), run_name(invariants[0]))
        self.started = time.perf_counter()
        self.lost = 0
        """Calls lost by the replay pass, which ends it at :data:`HANG_LIMIT`."""

    def _errors(self) -> list[Invariant[Any, Any]]:
        return [i for i in self.active if "errors" in i.needs]

    def _hangs(self) -> bool:
        return self.stats.timeouts >= HANG_LIMIT

    def _done(self) -> bool:
        """Nothing left to learn from more examples."""
        if self._hangs():
            return not self._errors()
        return not self.active and not self.tallies

    def run(self) -> None:
        killed = self.options.memory.killed.get(self.key)
        if killed is not None:
            for invariant in self._errors():
                self._fail(invariant, killed[0], killed[1], None, final=True)
        if not self._done():
            with contextlib.suppress(_Stop):
                self._hypothesis(self.observe, None, _SEARCH)()
        database = shared_database(
            self.options.example_database, [f"{self.spec}::{i.id}" for i in self.active]
        )
        if database is not None and self.active and not self._hangs():
            # Hypothesis skips a replay with nothing saved: then there is nothing to judge
            with contextlib.suppress(_Stop, unittest.SkipTest):
                self._hypothesis(self.replay, database, _REPLAY)()
        self._conclude()

    def _hypothesis(
        self, observe: Callable[[Any], None], database: Any, phases: tuple[Phase, ...]
    ) -> Callable[[], None]:
        """A Hypothesis run of this search's examples through ``observe``."""
        test = given(self.driver.strategy)(_body(observe))
        if self.options.seed is not None:
            test = seed(stable_seed(self.options.seed, self.spec, self.key[1]))(test)
        return settings(  # after seed(), which would drop the example database
            max_examples=self.driver.family.examples_in(self.options.profile),
            deadline=None,
            database=database,
            suppress_health_check=_QUIET,
            phases=phases,
        )(test)

    def replay(self, scenario: Any) -> None:
        """Judge one saved example with the per-example invariants still waiting for a
        failure; the search's counts, tallies and statistics are left as they are, and the
        pass ends after :data:`HANG_LIMIT` lost calls."""
        _interrupt.check()
        outcome = self._run(scenario)
        error = outcome.error
        for invariant in list(self.active):
            judgement = self._guarded(invariant.id, invariant.assess, scenario, outcome)
            if judgement is None or not judgement.violations:
                continue
            confirmed, violations = outcome, judgement.violations
            extra = invariant.confirm - self.needs
            if extra:
                confirmed = self.driver.confirm(scenario, outcome, self.needs, extra)
                violations = invariant.check(scenario, confirmed)
            for violation in violations:
                final = bool(error and error.killed)
                self._fail(invariant, scenario, confirmed, violation, final=final, replayed=True)
                break
        if error is not None and error.kind in LOST_CALLS:
            self.lost += 1
        if not self.active or self.lost >= HANG_LIMIT:
            raise _Stop

    def observe(self, scenario: Any) -> None:
        """Judge one example with every invariant still waiting for a failure (the search
        starts only when there is something to learn, and stops once there is not)."""
        _interrupt.check()
        self.result.examples += 1
        outcome = self._run(scenario)
        error = outcome.error
        if error is not None and error.killed:
            self.options.memory.killed.setdefault(self.key, (scenario, outcome))
        for key in list(self.tallies):
            self._guarded(key, self.tallies[key].add, scenario, outcome)
        confirmed = outcome
        for invariant in list(self.active):
            judgement = self._guarded(invariant.id, invariant.assess, scenario, outcome)
            if judgement is None:
                continue
            violations = judgement.violations
            if not violations:
                self.stats.judge(invariant.id, judgement.unjudged)
            if violations and invariant.confirm - self.needs:
                if confirmed is outcome:
                    extra = frozenset().union(*(i.confirm for i in self.active)) - self.needs
                    confirmed = self.driver.confirm(scenario, outcome, self.needs, extra)
                violations = invariant.check(scenario, confirmed)
            for violation in violations:
                self._fail(
                    invariant, scenario, confirmed, violation, final=bool(error and error.killed)
                )
                break
        _count(self.stats, self.driver, scenario, confirmed)
        if self._done():
            raise _Stop

    def _guarded(self, key: str, judge: Callable[[Any, Any], _T], *values: Any) -> _T | None:
        """``judge(*values)`` for invariant ``key``; a bug of the check ends that invariant
        with a kit error (``None``), never the run's other checks."""
        try:
            return judge(*values)
        except Exception as exc:
            self.tallies.pop(key, None)
            self.active = [i for i in self.active if i.id != key]
            self.result.outcomes[key] = KitError(f"the check of {key}", exc)
            return None

    def _run(self, scenario: Any) -> Any:
        """The outcome with every need; a need that cannot be met here skips its invariants."""
        try:
            return self.driver.run(scenario, self.needs)
        except CheckSkipped as exc:
            if exc.need is None or exc.need not in self.needs:
                raise
            self._drop(exc.need, exc)
        return self._run(scenario)

    def _drop(self, need: str, reason: CheckSkipped) -> None:
        """Skip the invariants needing ``need`` and stop asking for it."""
        for invariant in self.invariants:
            if need in invariant.needs and invariant.id not in self.first:
                if invariant in self.active:
                    self.active.remove(invariant)
                self.tallies.pop(invariant.id, None)
                self.result.outcomes[invariant.id] = reason
        self.needs = self.needs - {need}

    def _fail(
        self,
        invariant: Invariant[Any, Any],
        scenario: Any,
        outcome: Any,
        violation: Violation | None,
        *,
        final: bool,
        replayed: bool = False,
    ) -> None:
        if violation is None:
            found = invariant.check(scenario, outcome)
            if not found:
                return
            violation = found[0]
        if invariant in self.active:
            self.active.remove(invariant)
        self.first[invariant.id] = _First(
            None if final else _choices(),
            violation,
            Found(self.result.examples, time.perf_counter() - self.started),
            final,
            replayed,
        )
        self.result.found[invariant.id] = self.first[invariant.id].found

    def _conclude(self) -> None:
        """Skipped invariants (a plugin that hangs), then the tallies' verdicts."""
        for invariant in self.invariants:
            key = invariant.id
            if key in self.first or key in self.result.outcomes:
                continue
            if self._hangs() and "errors" not in invariant.needs:
                self.result.outcomes[key] = CheckSkipped(_hang_message(self.spec, self.stats))
            elif key in self.tallies:
                self.result.outcomes[key] = _verdict(invariant, self.tallies[key])
            else:
                self.result.outcomes[key] = _undecided(key, self.stats)


def _count(
    stats: PluginStats,
    driver: Driver[Any, Any],
    scenario: Any,
    outcome: Any,
    *,
    shrink: bool = False,
) -> None:
    """Count ``outcome`` in the plugin's statistics (``shrink``: a shrinking try, counted
    apart from the search's examples, OAR3's findings left to those); a lost call counts
    towards the hang limit, a worker killed for not answering reaches it."""
    stats.record(
        resources=driver.resources(scenario),
        seconds=outcome.seconds,
        kind=driver.classify(outcome),
        shrink=shrink,
    )
    findings = driver.family.findings
    if findings is not None and not shrink:
        for invariant_id, breach in findings(scenario, outcome):
            stats.found_in_oar3(invariant_id, breach.message)
    error = outcome.error
    if error is not None and error.kind in LOST_CALLS:
        stats.timeouts += 1
    if error is not None and error.killed:
        stats.timeouts = max(stats.timeouts, HANG_LIMIT)


def _undecided(invariant_id: str, stats: PluginStats) -> CheckUndecided | None:
    """A check that passed on too few judged examples is not a pass: say so."""
    unjudged, read, reason = stats.unjudged_share(invariant_id)
    if not read or unjudged <= UNJUDGED_SHARE * read:
        return None
    return CheckUndecided(
        f"{invariant_id}: {unjudged} of {read} examples ({100 * unjudged / read:.0f}%) could "
        f"not be judged, more than {100 * UNJUDGED_SHARE:.0f}%: {reason}. No breach was "
        "found among the examples it judged; run on smaller platforms or fewer groups (a "
        "site profile) to judge more of them"
    )


def _verdict(invariant: Invariant[Any, Any], tally: Tally[Any, Any]) -> BaseException | None:
    """A run-level invariant's ending, from the examples its tally read."""
    verdict = tally.verdict()
    if verdict is not None:
        return ConformanceFailure(
            invariant.violation(verdict.breach, verdict.scenario, verdict.outcome)
        )
    reason = tally.unjudged()
    return None if reason is None else CheckSkipped(f"{invariant.id}: {reason}")


def _shrunk_or_error(search: _Search, invariant: Invariant[Any, Any]) -> BaseException:
    """``invariant``'s shrunk failure, or what stopped its shrinking (Hypothesis' flaky
    error, ...): that ends its check only, not the others of the run. A failure found by
    the replay of a saved example says so."""
    ending = _shrunk_or_flaky(search, invariant)
    if search.first[invariant.id].replayed and isinstance(ending, ConformanceFailure):
        ending.add_note(REPLAYED)
    return ending


def _shrunk_or_flaky(search: _Search, invariant: Invariant[Any, Any]) -> BaseException:
    """``invariant``'s shrunk failure, or what stopped its shrinking."""
    try:
        return _shrunk(search, invariant)
    except (KeyboardInterrupt, SystemExit):
        raise
    except OarConformanceError as exc:
        return exc
    except BaseException as exc:
        if _is_flaky(exc):  # the plugin answers differently on replay: the search's example
            found = ConformanceFailure(search.first[invariant.id].violation)
            found.add_note(
                "(shown as found: replaying the example did not fail the same way, so it was "
                f"not shrunk: {type(exc).__name__})"
            )
            return found
        return KitError(f"the shrinking of {invariant.id}", exc)


def _is_flaky(exc: BaseException) -> bool:
    """Whether ``exc`` is Hypothesis' report that a failure did not replay."""
    from hypothesis.errors import Flaky  # noqa: PLC0415

    return isinstance(exc, Flaky)


def _shrunk(search: _Search, invariant: Invariant[Any, Any]) -> BaseException:
    """Step 2: ``invariant``'s failure, shrunk from the example the search found."""
    first = search.first[invariant.id]
    found = _as_found(first, search.options.shrink)
    if first.final or first.choices is None or not search.options.shrink:
        return found
    options, spec = search.options, search.spec
    stats = search.stats
    reports_errors = "errors" in invariant.needs
    deaths = 0
    budget = search.driver.family.shrink_tries
    tries = 0
    failing: dict[bytes, Violation] = {}

    def observe(scenario: Any) -> None:
        nonlocal deaths, tries
        _interrupt.check()
        if not reports_errors and stats.timeouts >= HANG_LIMIT:
            return
        tries += 1
        if budget is not None and tries > budget:
            known = failing.get(_key(scenario))
            if known is None:
                return  # out of time: nothing smaller is tried
            raise ConformanceFailure(known)  # the shrunk example, replayed to be reported
        outcome = search.driver.run(scenario, invariant.needs)
        extra = invariant.confirm - invariant.needs
        if extra and _checked(invariant, scenario, outcome):
            outcome = search.driver.confirm(scenario, outcome, invariant.needs, extra)
        _count(stats, search.driver, scenario, outcome, shrink=True)
        error = outcome.error
        if error is not None:
            stop = False
            if error.killed:
                stop = reports_errors
            elif error.kind == "died" and reports_errors:
                deaths += 1
                stop = deaths >= RESTART_LIMIT
            if stop:
                for violation in _checked(invariant, scenario, outcome):
                    raise _Unshrunk(violation)
        for violation in _checked(invariant, scenario, outcome):
            if budget is not None:
                failing[_key(scenario)] = violation
            raise ConformanceFailure(violation)

    check = f"{spec}::{invariant.id}"
    test = given(search.driver.strategy)(_body(observe))
    if options.seed is not None:
        test = seed(stable_seed(options.seed, spec, invariant.id))(test)
    test = settings(  # after seed(), which would drop the example database
        max_examples=search.driver.family.examples_in(options.profile),
        deadline=None,
        print_blob=True,
        report_multiple_bugs=False,
        database=seeded_database(options.example_database, check, first.choices),
        suppress_health_check=_QUIET,
        phases=_SHRINK,
    )(test)
    try:
        test()
    except ConformanceFailure as exc:
        return exc
    except _Unshrunk as stop:
        return ConformanceFailure(stop.violation)
    except _KitBug as bug:
        return bug.error
    found.add_note(
        "(shown as found: the example did not fail again when replayed, so it was not shrunk)"
    )
    return found


def _key(scenario: Any) -> bytes:
    """``scenario`` as bytes, to recognise an example met before."""
    return pickle.dumps(scenario, protocol=4)


def _body(observe: Callable[[Any], None]) -> Callable[[Any], None]:
    """The test body of both steps: one source, so Hypothesis keys their saved examples
    alike and the search replays what an invariant's shrinking saved."""

    def example(scenario: Any) -> None:
        observe(scenario)

    return example


def _as_found(first: _First, shrink: bool) -> ConformanceFailure:
    """The search's failure as found; saying so when it should have been shrunk but
    Hypothesis gave no choice sequence to shrink it from."""
    found = ConformanceFailure(first.violation)
    if first.choices is None and not first.final and shrink:
        found.add_note(_NO_CHOICES)
    return found


_NO_CHOICES = (
    "(shown as found, not shrunk: this Hypothesis does not give the example's choice "
    "sequence to shrink it from; install a Hypothesis this kit supports, see its pyproject)"
)


def _choices() -> bytes | None:
    """The current example's choice sequence (what Hypothesis replays), if it can tell."""
    try:
        from hypothesis.control import current_build_context  # noqa: PLC0415
        from hypothesis.database import choices_to_bytes  # noqa: PLC0415

        return choices_to_bytes(current_build_context().data.choices)
    except Exception:  # an older or newer Hypothesis: the failure is then shown unshrunk
        return None


class _Stop(BaseException):
    """Ends the search: not an ``Exception``, so Hypothesis does not take it for a bug."""


def _checked(invariant: Invariant[Any, Any], scenario: Any, outcome: Any) -> list[Violation]:
    """``invariant.check``, a bug of the check ending the shrinking at once as a kit error
    (Hypothesis would otherwise shrink the kit's own exception)."""
    try:
        return invariant.check(scenario, outcome)
    except Exception as exc:
        raise _KitBug(KitError(f"the check of {invariant.id}", exc)) from exc


class _KitBug(BaseException):
    """Ends a shrinking run at once with a kit error: not an ``Exception``, so
    Hypothesis neither shrinks nor wraps it."""

    def __init__(self, error: KitError) -> None:
        super().__init__(str(error))
        self.error = error


class _Unshrunk(BaseException):
    """Ends a shrinking run at once: not an ``Exception``, so Hypothesis does not shrink."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.message)
        self.violation = violation


def _hang_message(spec: PluginSpec, stats: PluginStats) -> str:
    return (
        f"{spec} timed out or ended its process {stats.timeouts} times, so this check "
        "stopped calling it; the family's check of failed calls (F6, A1, S4, M2, R1) "
        "reports that"
    )

"""The conformance driver: one Hypothesis test per (plugin, invariant).

The pytest plugin and the CLI both go through :func:`run_check`; a test writer can call it
directly too::

    from oar_conformance.conformance import CheckOptions, run_check
    from oar_conformance.invariants import get
    from oar_conformance.plugins import PluginSpec

    run_check(PluginSpec("oar.find_func", "my_find"), get("F1"), CheckOptions())

It raises :class:`~oar_conformance.errors.ConformanceFailure` carrying the shrunk
violation when the plugin breaks the invariant, and returns quietly otherwise.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

from oar_conformance import oar3
from oar_conformance.driving import CheckOptions, Driver
from oar_conformance.errors import CheckSkipped, ConformanceFailure, UsageError
from oar_conformance.invariants import Invariant
from oar_conformance.plugins import PluginSpec, load
from oar_conformance.stats import PluginStats, RunStats

__all__ = ["CheckOptions", "Driver", "driver_for", "requires_oar3", "run_check"]

_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
"""Hypothesis phases of a check; ``explain`` is left out: with one generated argument it
only adds "or any other generated value" and makes failing checks several times slower."""

HANG_LIMIT = 3
"""Timeouts after which a plugin's other checks stop calling it (F6 reports the hang)."""


_RUNNERS = {
    "find": "oar_conformance.find_runner",
    "assign": "oar_conformance.assign_runner",
    "sort": "oar_conformance.sort_runner",
    "metasched": "oar_conformance.round_runner",
    "round": "oar_conformance.round_runner",
}
"""Family -> the runner module whose ``make_driver(func, options)`` exercises it."""


def driver_for(invariant: Invariant, func: Callable[..., Any], options: CheckOptions) -> Driver:
    """The driver of ``invariant``'s family; a usage error when that family has none yet."""
    try:
        module = importlib.import_module(_RUNNERS[invariant.family])
    except KeyError:
        msg = f"the {invariant.family} family cannot be checked by this version of the kit"
        raise UsageError(msg) from None
    driver: Driver = module.make_driver(func, options)
    return driver


def requires_oar3(invariant: Invariant) -> bool:
    """Whether checking ``invariant`` needs a genuine OAR3 installed."""
    return "reference" in invariant.needs or invariant.family in {"assign", "metasched", "round"}


def stable_seed(base: int, spec: PluginSpec, invariant: Invariant) -> int:
    """A per-check seed derived from the run seed, equal across processes and runs."""
    digest = hashlib.sha256(f"{base}:{spec}:{invariant.id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def run_check(spec: PluginSpec, invariant: Invariant, options: CheckOptions) -> None:
    """Check ``invariant`` on plugin ``spec``; raise ``ConformanceFailure`` when broken."""
    if spec.group not in invariant.groups:
        msg = f"invariant {invariant.id} checks {invariant.group} plugins, not {spec}"
        raise UsageError(msg)
    options = replace(options, group=spec.group)
    if requires_oar3(invariant):
        oar3.require()
    oar3.status()  # import OAR3, if present, under isolation before a plugin imports it
    func = load(spec)
    driver = driver_for(invariant, func, options)
    stats: PluginStats = (options.stats or RunStats()).for_plugin(str(spec))
    needs = invariant.needs
    reports_errors = "errors" in needs

    def hangs() -> bool:
        return not reports_errors and stats.timeouts >= HANG_LIMIT

    def check(scenario: Any) -> None:
        if hangs():
            return
        outcome = driver.run(scenario, needs)
        error = getattr(outcome, "error", None)
        if error is not None and error.kind == "timeout":
            stats.timeouts += 1
        stats.record(
            resources=driver.resources(scenario),
            seconds=getattr(outcome, "seconds", 0.0),
            kind=driver.classify(outcome),
        )
        for violation in invariant.check(scenario, outcome):
            raise ConformanceFailure(violation)

    test = given(driver.strategy)(check)
    test._hypothesis_internal_add_digest = f"{spec}::{invariant.id}".encode()  # type: ignore[attr-defined]
    test = settings(
        max_examples=options.profile.max_examples,
        deadline=None,
        print_blob=True,
        database=_database(options.database),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        phases=_PHASES if options.shrink else _PHASES[:-1],
    )(test)
    if options.seed is not None:
        test = seed(stable_seed(options.seed, spec, invariant))(test)
    if hangs():
        raise CheckSkipped(_hang_message(spec, stats.timeouts))
    test()
    if hangs():
        raise CheckSkipped(_hang_message(spec, stats.timeouts))


def _hang_message(spec: PluginSpec, timeouts: int) -> str:
    return (
        f"{spec} timed out {timeouts} times, so this check stopped calling it; the hang "
        "itself is reported by the check of errors and timeouts (F6)"
    )


def _database(value: Any) -> Any:
    if value == "default":
        return settings().database
    return value

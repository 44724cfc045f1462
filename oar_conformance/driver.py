"""The conformance driver: check a plugin on invariants, one run per family of examples.

The pytest plugin and the CLI both go through :func:`run_invariants`
(:mod:`oar_conformance.shared_run`: one generated example feeds every selected
invariant of a family); a test writer can call :func:`check` or :func:`run_check`::

    from oar_conformance import CheckOptions, PluginSpec, get_invariant, run_check

    run_check(PluginSpec("oar.find_func", "my_find"), get_invariant("F1"), CheckOptions())

They raise :class:`~oar_conformance.errors.ConformanceFailure` carrying the shrunk
violation when the plugin breaks an invariant, and return quietly otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from oar_conformance.binding import (
    Driver,
    driver_for,
    isolated_driver,
    requires_oar3,
    stable_seed,
)
from oar_conformance.catalogue import by_group, get
from oar_conformance.errors import CheckSkipped, CheckUndecided, ConformanceFailure, UsageError
from oar_conformance.invariant import Invariant, Severity
from oar_conformance.memory import RunMemory
from oar_conformance.options import CheckOptions
from oar_conformance.plugins import PluginSpec, resolve
from oar_conformance.shared_run import RunResult, run_invariants, run_name

__all__ = [
    "CheckOptions",
    "CheckResult",
    "Driver",
    "RunResult",
    "check",
    "driver_for",
    "isolated_driver",
    "requires_oar3",
    "run_check",
    "run_invariants",
    "stable_seed",
]


def run_check(spec: PluginSpec, invariant: Invariant[Any, Any], options: CheckOptions) -> None:
    """Check ``invariant`` alone on plugin ``spec``; raise ``ConformanceFailure`` when broken."""
    run_invariants(spec, [invariant], options).raise_for(invariant.id)


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
    options = replace(options or CheckOptions(), memory=RunMemory())  # this call's own
    try:
        return _check(plugin, invariant_ids, options, strict)
    finally:
        options.memory.close()


def _check(
    plugin: str, invariant_ids: tuple[str, ...], options: CheckOptions, strict: bool
) -> CheckResult:
    """:func:`check`'s work, with ``options`` holding the call's own memory."""
    wanted = [get(i) for i in invariant_ids]
    passed: list[str] = []
    skipped: list[tuple[str, str]] = []
    for spec in resolve(plugin):
        runs: dict[str, list[Invariant[Any, Any]]] = defaultdict(list)
        for invariant in wanted or by_group(spec.group):
            if spec.group in invariant.groups:
                runs[run_name(invariant)].append(invariant)
        results = {name: run_invariants(spec, found, options) for name, found in runs.items()}
        for invariant in wanted or by_group(spec.group):
            if spec.group not in invariant.groups:
                continue
            name = f"{spec}::{invariant.id}"
            try:
                results[run_name(invariant)].raise_for(invariant.id)
            except ConformanceFailure:
                if invariant.severity is Severity.CONTRACT or strict:
                    raise
                skipped.append((name, "advisory invariant violated"))
            except CheckUndecided as exc:
                if strict:
                    raise
                skipped.append((name, str(exc)))
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

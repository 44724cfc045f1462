"""A plugin bound to a family: the scenarios to draw and the runner that observes it.

The shared run (:mod:`oar_conformance.shared_run`) draws a family's scenarios and hands
each to its runner, in this process (:func:`driver_for`) or in a worker process the kit
can kill (:func:`isolated_driver`, kept for the plugin's next runs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from oar_conformance import oar3, worker
from oar_conformance.catalogue import family_of
from oar_conformance.families import Family, Runner
from oar_conformance.invariant import Invariant
from oar_conformance.options import CheckOptions
from oar_conformance.outcome import Outcome
from oar_conformance.plugins import PluginSpec
from oar_conformance.worker import IsolatedRunner

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "Driver",
    "driver_for",
    "isolated_driver",
    "prestart",
    "requires_oar3",
    "stable_seed",
]

ScenarioT = TypeVar("ScenarioT")
OutcomeT = TypeVar("OutcomeT", bound=Outcome)


@dataclass(frozen=True)
class Driver(Generic[ScenarioT, OutcomeT]):
    """One plugin bound to its family: the scenarios to draw and the runner observing it."""

    family: Family[ScenarioT, OutcomeT]
    strategy: SearchStrategy[ScenarioT]
    runner: Runner[ScenarioT, OutcomeT]
    partner: IsolatedRunner | None = None
    """A second worker making the family's ``beside`` observation at the same time."""

    def run(self, scenario: ScenarioT, needs: Collection[str] = ()) -> OutcomeT:
        """Observe the plugin on ``scenario`` (with the partner, when it has a part)."""
        beside, merge = self.family.beside, self.family.merge
        if self.partner is None or beside is None or merge is None or beside[0] not in needs:
            return self.runner.run(scenario, needs)
        need, alone = beside
        early = self.partner.send(scenario, frozenset({alone}))
        try:
            first = self.runner.run(scenario, frozenset(needs) - {need})
            second: OutcomeT = early if early is not None else self.partner.receive()
        finally:  # the first raised: no answer of this example may stay queued for the next
            self.partner.drain()
        return merge(first, second)

    def confirm(
        self,
        scenario: ScenarioT,
        outcome: OutcomeT,
        had: Collection[str],
        extra: Collection[str],
    ) -> OutcomeT:
        """``outcome`` (observed with ``had``) with the observations ``extra`` adds: the
        partner's part alone when that is all it lacks, else the example observed again."""
        beside, merge = self.family.beside, self.family.merge
        if self.partner is not None and beside is not None and merge is not None:
            need, alone = beside
            if set(extra) == {need}:
                return merge(outcome, self.partner.run(scenario, frozenset({alone})))
        return self.run(scenario, frozenset(had) | frozenset(extra))

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

    The worker is kept for the plugin's next runs with the same runner settings.
    """
    family = family_of(invariant)
    runner = _worker(family, spec, options, "first")
    partner = None if family.beside is None else _worker(family, spec, options, "second")
    return Driver(family, family.scenarios(options), runner, partner)


def _worker(
    family: Family[Any, Any], spec: PluginSpec, options: CheckOptions, role: str
) -> IsolatedRunner:
    """The worker of ``family``'s runs of ``spec`` with ``options``, kept in the run's
    memory for its next runs with the same settings."""
    key = (
        family.run,
        role,
        str(spec),
        options.timeout,
        options.args,
        tuple(options.kwargs.items()),
        options.db,
        options.memory_limit,
        repr(options.site),  # a round worker's databases have its site's columns
    )
    runner = options.memory.workers.get(key)
    if runner is None:
        runner = IsolatedRunner(
            family.name,
            spec,
            options,
            lambda error: family.failed(error, options),
            rounds=family.needs_database,
        )
        options.memory.workers[key] = runner
    return runner


def prestart(
    spec: PluginSpec, invariants: Sequence[Invariant[Any, Any]], memory_limit: int
) -> None:
    """Start ``spec``'s worker process ahead of its first run (of ``invariants``, in
    order), with OAR3 imported first when that run needs it; the run then finds it
    ready. Cheap: nothing here imports Hypothesis, OAR3 or the plugin."""
    first = [i for i in invariants if family_of(i).run == family_of(invariants[0]).run]
    needs = any(requires_oar3(i) for i in first) and oar3.status().available  # none: False
    worker.prestart(spec, memory_limit, oar3_first=needs)


def requires_oar3(invariant: Invariant[Any, Any]) -> bool:
    """Whether checking ``invariant`` needs a genuine OAR3 installed."""
    return "reference" in invariant.needs or family_of(invariant).needs_oar3


def stable_seed(base: int, spec: PluginSpec, name: str) -> int:
    """A seed derived from the run seed for one run of ``spec`` (an invariant id or a
    family's run name), equal across processes and runs."""
    digest = hashlib.sha256(f"{base}:{spec}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")

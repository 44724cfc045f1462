"""Run-level judgements: what a whole check's examples show that no single one does.

A per-example check cannot see that a plugin allocated almost nothing, or that its call
time explodes with the platform. A :class:`Tally` reads every example of a check (plain
values only) and gives at most one verdict at the end: a breach with the example that
shows it best. Families build their run-level invariants from the two tallies here.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from oar_conformance.model import plural
from oar_conformance.stats import curve_text
from oar_conformance.violations import Breach

if TYPE_CHECKING:
    from oar_conformance.options import CheckOptions

__all__ = [
    "COST_SLUG",
    "COST_TITLE",
    "DEFAULT_CALL_BUDGET",
    "LARGE_PLATFORM",
    "MIN_SERVABLE",
    "VACUITY_SHARE",
    "Case",
    "CostTally",
    "Tally",
    "VacuityTally",
    "Verdict",
    "call_budget",
    "costs",
    "vacuity",
]

VACUITY_SHARE = 0.10
"""Below this share of servable examples with an allocation, a check is vacuous."""
MIN_SERVABLE = 10
"""Servable examples a check needs before it can call a plugin vacuous."""
DEFAULT_CALL_BUDGET = 2.0
"""Seconds one call may take at the site's largest size when the site gives no budget."""
LARGE_PLATFORM = 65_536
"""The size a call's cost is judged at without a site profile (thorough profile only)."""

ScenarioT = TypeVar("ScenarioT")
OutcomeT = TypeVar("OutcomeT")


@dataclass(frozen=True)
class Verdict(Generic[ScenarioT, OutcomeT]):
    """A run-level breach and the example that shows it."""

    breach: Breach
    scenario: ScenarioT
    outcome: OutcomeT


class Tally(Protocol[ScenarioT, OutcomeT]):
    """Reads every example of a check; gives its verdict once the examples are done."""

    def add(self, scenario: ScenarioT, outcome: OutcomeT) -> None:
        """Count one example."""
        ...

    def verdict(self) -> Verdict[ScenarioT, OutcomeT] | None:
        """The run-level breach, or ``None`` when the check's examples show none."""
        ...

    def unjudged(self) -> str | None:
        """Why the examples could not settle the question (``None``: they could)."""
        ...


Case = tuple[str, bool, bool, int, str]
"""What a vacuity tally reads of one example: (request shape, servable, allocated, size,
the reference that judged it servable); the smallest missed example is the one shown."""


@dataclass
class VacuityTally(Generic[ScenarioT, OutcomeT]):
    """Counts, among the examples a reference serves, those the plugin served too.

    ``read(scenario, outcome)`` gives the example's :data:`Case` (``None``: not counted,
    e.g. a failed call): ``shape`` is the request's shape (counts and expressions
    abstracted), ``servable`` whether the reference (OAR3's default, or the kit's own
    search without OAR3) allocates; the case names that reference for the verdict.
    """

    read: Callable[[ScenarioT, OutcomeT], Case | None]
    reference: str = "the reference"
    servable: int = 0
    allocated: int = 0
    missed: Counter[str] = field(default_factory=Counter)
    served: set[str] = field(default_factory=set)
    example: tuple[int, Any, Any] | None = None
    verb: str = "allocated"
    """What the plugin did on an example that counts (``scheduled a job`` for assign)."""

    def add(self, scenario: ScenarioT, outcome: OutcomeT) -> None:
        case = self.read(scenario, outcome)
        if case is None or not case[1]:
            return
        shape, _, allocated, size, self.reference = case
        self.servable += 1
        if allocated:
            self.allocated += 1
            self.served.add(shape)
            return
        self.missed[shape] += 1
        if self.example is None or size < self.example[0]:
            self.example = (size, scenario, outcome)

    def unjudged(self) -> str | None:
        if self.servable >= MIN_SERVABLE:
            return None
        return (
            f"{self.reference} could serve only {plural(self.servable, 'example')} (at "
            f"least {MIN_SERVABLE} are needed to judge); run more examples"
        )

    def verdict(self) -> Verdict[ScenarioT, OutcomeT] | None:
        if self.servable < MIN_SERVABLE or self.allocated >= VACUITY_SHARE * self.servable:
            return None
        assert self.example is not None  # fewer allocations than servable examples
        never = [shape for shape, _ in self.missed.most_common() if shape not in self.served]
        share = 100 * self.allocated / self.servable
        listed = "; ".join(never[:8]) + ("; ..." if len(never) > 8 else "")
        breach = Breach(
            f"{self.verb} on {self.allocated} of the {self.servable} examples where "
            f"{self.reference} does ({share:.0f}%): the safety checks passed on "
            f"almost nothing. Request shapes never served: {listed or '-'}",
            received=f"{self.allocated}/{self.servable} {self.verb} ({share:.0f}%)",
            expected=f"at least {100 * VACUITY_SHARE:.0f}% (declare a refusing policy in "
            "[tool.oar-conformance] skip, with its reason)",
            kind="vacuous",
        )
        _, scenario, outcome = self.example
        return Verdict(breach, scenario, outcome)


COST_SLUG = "cost-at-site-size"
COST_TITLE = "a call at the site's largest size stays within the per-call budget"


def costs(
    read: Callable[[ScenarioT, OutcomeT], tuple[int, float] | None],
) -> Callable[[CheckOptions], CostTally[ScenarioT, OutcomeT]]:
    """The tally factory of a cost invariant (F10, A10) reading call times with ``read``."""
    return lambda options: CostTally(read, *call_budget(options))


def vacuity(
    read: Callable[[ScenarioT, OutcomeT], Case | None], *, verb: str = "allocated"
) -> Callable[[CheckOptions], VacuityTally[ScenarioT, OutcomeT]]:
    """The tally factory of a vacuity invariant (F9, A9) reading cases with ``read``."""
    return lambda options: VacuityTally(read, verb=verb)


def call_budget(options: CheckOptions) -> tuple[int, float]:
    """(size, seconds): where a call's cost is judged and the time it may take there.

    The site's largest platform and its ``call-budget``; without a site,
    :data:`LARGE_PLATFORM` resources (reached by the thorough profile only) and
    :data:`DEFAULT_CALL_BUDGET`.
    """
    site = options.site
    if site is None:
        return (LARGE_PLATFORM, DEFAULT_CALL_BUDGET)
    return (site.largest, site.call_budget or DEFAULT_CALL_BUDGET)


@dataclass
class CostTally(Generic[ScenarioT, OutcomeT]):
    """Call times against platform size; judges the calls at ``target`` size or above.

    ``read(scenario, outcome)`` gives (platform size, call seconds), ``None`` for a call
    that failed.
    The verdict is a breach when the median call at sizes within half of ``target``
    exceeds ``budget`` seconds; ``None`` when it holds or no example reached that size.
    """

    read: Callable[[ScenarioT, OutcomeT], tuple[int, float] | None]
    target: int
    budget: float
    samples: list[tuple[int, float]] = field(default_factory=list)
    slowest: tuple[float, Any, Any] | None = None

    def add(self, scenario: ScenarioT, outcome: OutcomeT) -> None:
        timed = self.read(scenario, outcome)
        if timed is None:
            return
        size, seconds = timed
        self.samples.append((size, seconds))
        if size * 2 >= self.target and (self.slowest is None or seconds > self.slowest[0]):
            self.slowest = (seconds, scenario, outcome)

    def unjudged(self) -> str | None:
        if self.slowest is not None:
            return None
        return (
            f"no example reached {self.target:,} resources (half of it at least), so the "
            "call time at that size was not measured; give a site profile or use the "
            "thorough profile. Measured: " + (curve_text(self.samples) or "nothing")
        )

    def verdict(self) -> Verdict[ScenarioT, OutcomeT] | None:
        large = [s for n, s in self.samples if n * 2 >= self.target]
        if not large or self.slowest is None:
            return None
        median = statistics.median(large)
        if median <= self.budget:
            return None
        breach = Breach(
            f"a call on {self.target:,}-resource platforms takes {median:.2f} s (median of "
            f"{len(large)}), over the budget of {self.budget:g} s. Measured: "
            f"{curve_text(self.samples)}",
            received=f"{median:.2f} s per call",
            expected=f"<= {self.budget:g} s (site call-budget)",
            kind="slow",
        )
        _, scenario, outcome = self.slowest
        return Verdict(breach, scenario, outcome)

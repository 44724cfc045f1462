"""The record that describes one plugin family to the rest of the kit.

A family (find, assign, sort, metasched, round) bundles its invariants, how its
scenarios are generated, how a plugin is run on one scenario (its OAR3 adapter), how an
outcome is counted and how a violation is rendered. The driver, the report, the pytest
plugin, the CLI, the statistics and the benchmark read families through this record only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from oar_conformance.invariant import InvariantSet
from oar_conformance.outcome import Outcome, PluginError

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from oar_conformance.options import CheckOptions
    from oar_conformance.profiles import Profile
    from oar_conformance.reproducer import FailureContext
    from oar_conformance.violations import Breach, Violation

__all__ = ["Family", "Runner", "platform_size", "sized"]

ScenarioT = TypeVar("ScenarioT")
OutcomeT = TypeVar("OutcomeT", bound=Outcome)
ScenarioT_contra = TypeVar("ScenarioT_contra", contravariant=True)
OutcomeT_co = TypeVar("OutcomeT_co", bound=Outcome, covariant=True)


class Runner(Protocol[ScenarioT_contra, OutcomeT_co]):
    """A family's OAR3 adapter for one plugin: runs it on a scenario, reads the outcome.

    ``needs`` names the extra observations the selected invariants asked for (a repeat
    call, OAR3's default answer, the other database, ...).
    """

    def run(self, scenario: ScenarioT_contra, needs: Collection[str] = ()) -> OutcomeT_co:
        """Observe the plugin on ``scenario``."""
        ...


@dataclass(frozen=True)
class Family(Generic[ScenarioT, OutcomeT]):
    """One plugin family: its invariants, scenarios, adapter, statistics and renderer.

    ``scenarios(options)`` is the Hypothesis strategy of its scenarios;
    ``runner(func, options)`` the adapter calling plugin ``func`` as OAR3 does;
    ``classify(outcome)`` counts an outcome as ``allocated``, ``empty``,
    ``unschedulable`` or ``error``; ``size(scenario)`` is the platform size the call time
    is reported against; ``render(violation, context)`` gives the counterexample and a
    standalone reproducer; ``failed(error, options)`` is the outcome of an example whose
    plugin call never answered (its worker died or was killed), which the family's
    failed-call invariant reports. ``needs_oar3``: every check needs a genuine OAR3;
    ``needs_database``: its checks run database rounds. ``examples``: the family whose
    examples it judges (same scenarios and runner), so one run feeds both; ``""``: its
    own. ``beside``: ``(need, alone)``, an observation a second worker can make at the
    same time as the first (asked for with the ``alone`` need), ``merge(first, second)``
    putting the two outcomes together (the other database's round). ``budget(profile)``:
    how many examples a run draws, when not the profile's calls or rounds.
    ``findings(scenario, outcome)``: what OAR3 itself broke in the example, as
    (invariant id, breach) pairs, counted apart from the plugin's failures.
    ``shrink_tries``: how many examples shrinking one failure may try (None: as many as
    Hypothesis does), for families whose examples are slow. ``data_types``: the types of
    its scenarios besides the model's (its ``scenario.DATA_TYPES``), the only ones a
    report file of this family may hold (:mod:`oar_conformance.scenario_data`).
    """

    invariants: InvariantSet[ScenarioT, OutcomeT]
    scenarios: Callable[[CheckOptions], SearchStrategy[ScenarioT]]
    runner: Callable[[Callable[..., Any], CheckOptions], Runner[ScenarioT, OutcomeT]]
    classify: Callable[[OutcomeT], str]
    size: Callable[[ScenarioT], int]
    render: Callable[[Violation, FailureContext], tuple[str, str]]
    failed: Callable[[PluginError, CheckOptions], OutcomeT]
    needs_oar3: bool = False
    needs_database: bool = False
    examples: str = ""
    beside: tuple[str, str] | None = None
    merge: Callable[[OutcomeT, OutcomeT], OutcomeT] | None = None
    budget: Callable[[Profile], int] | None = None
    findings: Callable[[ScenarioT, OutcomeT], list[tuple[str, Breach]]] | None = None
    shrink_tries: int | None = None
    data_types: tuple[type, ...] = ()

    def examples_in(self, profile: Profile) -> int:
        """How many examples a run of this family draws under ``profile``."""
        if self.budget is not None:
            return self.budget(profile)
        return profile.examples(rounds=self.needs_database)

    @property
    def name(self) -> str:
        """The family's name, as invariants and reports give it."""
        return self.invariants.family

    @property
    def run(self) -> str:
        """The name of the run that draws this family's examples (shared by families
        with the same scenarios and runner)."""
        return self.examples or self.name

    @property
    def groups(self) -> tuple[str, ...]:
        """The entry-point groups whose plugins this family checks."""
        return self.invariants.groups


def sized(
    make: Callable[..., SearchStrategy[ScenarioT]],
    options: CheckOptions,
    *,
    cap: int | None = None,
) -> SearchStrategy[ScenarioT]:
    """``make(min_resources=..., max_resources=..., site=...)`` over the platform sizes.

    Without a site: the profile's sizes, and one example in four on the profile's large
    platforms (when it has them and ``cap``, the family's largest platform, leaves room
    for them). With a site: the site's own size range (capped by ``cap``).
    """
    from hypothesis import strategies as st  # noqa: PLC0415 - workers never draw

    profile, site = options.profile, options.site
    if site is not None:
        low, high = site.resources
        if cap is not None:
            low, high = min(low, cap), min(high, cap)
        return make(min_resources=low, max_resources=high, site=site)
    top = profile.max_resources if cap is None else min(profile.max_resources, cap)
    strategy = make(min_resources=min(profile.min_resources, top), max_resources=top)
    if profile.large_resources and (cap is None or top < cap):
        largest = profile.large_resources if cap is None else min(profile.large_resources, cap)
        large = make(min_resources=top + 1, max_resources=largest)
        strategy = st.one_of(strategy, strategy, strategy, large)
    return strategy


def platform_size(scenario: Any) -> int:
    """The number of resources of ``scenario.platform``: what call times are reported against."""
    return len(scenario.platform.resources)

"""The sort family: ``oar.jobs_sorting_func`` plugins, checked call by call (S1-S5).

Scenarios are queues and waiting jobs; the runner calls the plugin with OAR3's calling
convention on the kit's own job records, so no OAR3 is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oar_conformance.families._family import Family
from oar_conformance.families.sort.invariants import INVARIANTS
from oar_conformance.families.sort.outcome import Answer, SortOutcome
from oar_conformance.families.sort.render import sort_case
from oar_conformance.families.sort.runner import SortRunner
from oar_conformance.families.sort.scenario import DATA_TYPES, SortScenario
from oar_conformance.outcome import PluginError

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from oar_conformance.options import CheckOptions
    from oar_conformance.profiles import Profile

__all__ = ["FAMILY", "SortOutcome", "SortRunner", "SortScenario"]


def _max_jobs(profile: Profile) -> int:
    """Most jobs per scenario: 16 for quick, 32 for ci, 100 for thorough (and alike)."""
    if profile.large_resources:
        return 100
    return 16 if profile.max_resources <= 32 else 32


def _scenarios(options: CheckOptions) -> SearchStrategy[SortScenario]:
    from oar_conformance import strategies as ost  # noqa: PLC0415 - strategies are heavy

    return ost.sort_scenarios(max_jobs=_max_jobs(options.profile))


def _runner(func: Callable[..., Any], options: CheckOptions) -> SortRunner:
    """OAR3 passes a sorting plugin no extra arguments: ``options.args`` are not used."""
    return SortRunner(func, options.timeout)


def _failed(error: PluginError, options: CheckOptions) -> SortOutcome:
    return SortOutcome(answer=Answer(None, error))


def _classify(outcome: SortOutcome) -> str:
    if outcome.error is not None:
        return "error"
    return "allocated" if outcome.result else "empty"


def _size(scenario: SortScenario) -> int:
    """Sort calls are timed against the number of waiting jobs."""
    return len(scenario.jobs)


FAMILY: Family[SortScenario, SortOutcome] = Family(
    invariants=INVARIANTS,
    scenarios=_scenarios,
    runner=_runner,
    classify=_classify,
    size=_size,
    render=sort_case,
    data_types=DATA_TYPES,
    failed=_failed,
)

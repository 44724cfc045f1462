"""The find family: ``oar.find_func`` plugins, checked call by call (F1-F8).

Scenarios are a platform, the free resources and an ``oarsub -l`` request; the runner
calls the plugin with ProcSets exactly as OAR3's scheduling loop does (no OAR3 needed,
except for F8's reference answer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oar_conformance.families._family import Family, platform_size, sized
from oar_conformance.families.find.invariants import INVARIANTS
from oar_conformance.families.find.outcome import FindOutcome
from oar_conformance.families.find.render import find_case
from oar_conformance.families.find.runner import FindRunner
from oar_conformance.families.find.scenario import DATA_TYPES, FindScenario
from oar_conformance.outcome import PluginError

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from oar_conformance.options import CheckOptions

__all__ = ["FAMILY", "FindOutcome", "FindRunner", "FindScenario"]


def _scenarios(options: CheckOptions) -> SearchStrategy[FindScenario]:
    from oar_conformance import strategies as ost  # noqa: PLC0415 - strategies are heavy

    return sized(ost.find_scenarios, options)


def _runner(func: Callable[..., Any], options: CheckOptions) -> FindRunner:
    return FindRunner(func, options.args, options.kwargs, options.timeout)


def _failed(error: PluginError, options: CheckOptions) -> FindOutcome:
    return FindOutcome(result=None, error=error)


def _classify(outcome: FindOutcome) -> str:
    if outcome.error is not None:
        return "error"
    return "allocated" if outcome.result else "empty"


FAMILY: Family[FindScenario, FindOutcome] = Family(
    invariants=INVARIANTS,
    scenarios=_scenarios,
    runner=_runner,
    classify=_classify,
    size=platform_size,
    render=find_case,
    data_types=DATA_TYPES,
    failed=_failed,
)

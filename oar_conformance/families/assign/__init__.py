"""The assign family: ``oar.assign_func`` plugins inside OAR3's own scheduling loop (A1-A12).

Scenarios are a platform, jobs already scheduled and waiting jobs with moldables and
dependencies, in a share of them quotas and ``find=`` jobs; the runner builds real OAR3
slot sets and runs ``schedule_id_jobs_ct`` with the plugin as every job's assign function
(needs OAR3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oar_conformance.families._family import Family, platform_size, sized
from oar_conformance.families.assign.invariants import INVARIANTS
from oar_conformance.families.assign.outcome import AssignOutcome
from oar_conformance.families.assign.render import assign_case
from oar_conformance.families.assign.runner import MAX_ASSIGN_RESOURCES, AssignRunner
from oar_conformance.families.assign.scenario import DATA_TYPES, AssignScenario
from oar_conformance.outcome import PluginError

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from oar_conformance.options import CheckOptions

__all__ = ["FAMILY", "AssignOutcome", "AssignRunner", "AssignScenario"]


def _scenarios(options: CheckOptions) -> SearchStrategy[AssignScenario]:
    from oar_conformance import strategies as ost  # noqa: PLC0415 - strategies are heavy

    return sized(ost.assign_scenarios, options, cap=MAX_ASSIGN_RESOURCES)


def _runner(func: Callable[..., Any], options: CheckOptions) -> AssignRunner:
    return AssignRunner(func, options.args, options.kwargs, options.timeout)


def _failed(error: PluginError, options: CheckOptions) -> AssignOutcome:
    return AssignOutcome(jobs=(), error=error)


def _classify(outcome: AssignOutcome) -> str:
    if outcome.error is not None:
        return "error"
    return "allocated" if outcome.allocated else "unschedulable"


FAMILY: Family[AssignScenario, AssignOutcome] = Family(
    invariants=INVARIANTS,
    scenarios=_scenarios,
    runner=_runner,
    classify=_classify,
    size=platform_size,
    render=assign_case,
    data_types=DATA_TYPES,
    failed=_failed,
    needs_oar3=True,
)

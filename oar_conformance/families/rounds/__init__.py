"""The round family: a plugin of any group inside one real OAR3 ``meta_schedule`` round.

Scenarios are the rows of a database (resources, queues, running and waiting jobs); the
runner loads them into a database the kit created, configures the plugin as a site
configures its group and runs OAR3's meta-scheduler (needs OAR3). R1 judges the gantt,
R2 compares sqlite with PostgreSQL. The metasched family is this record with its own
invariants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oar_conformance.families._family import Family, platform_size
from oar_conformance.families.rounds.invariants import INVARIANTS, round_findings
from oar_conformance.families.rounds.outcome import OTHER_DB, OTHER_DB_ALONE, RoundOutcome, merge
from oar_conformance.families.rounds.render import round_case
from oar_conformance.families.rounds.scenario import DATA_TYPES, RoundScenario
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import JOB_TYPE_SELECTORS, METASCHED_GROUP, plugin_args_text

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from oar_conformance.families.rounds.runner import RoundRunner
    from oar_conformance.options import CheckOptions

__all__ = ["FAMILY", "RoundOutcome", "RoundScenario", "declare_site_columns"]

MAX_ROUND_RESOURCES = 16
"""Largest platform of a round: a round runs OAR3's whole meta-scheduler on a database."""


def _round_scenarios(options: CheckOptions) -> SearchStrategy[RoundScenario]:
    """Rounds for the plugin's group: with ``find=``/``assign=`` jobs for those groups."""
    from oar_conformance import strategies as ost  # noqa: PLC0415 - strategies are heavy

    declare_site_columns(options)
    top = max(1, min(options.profile.max_resources, MAX_ROUND_RESOURCES))
    per_job = (options.group or METASCHED_GROUP) in JOB_TYPE_SELECTORS
    return ost.round_scenarios(max_resources=top, plugin_jobs=per_job, site=options.site)


def declare_site_columns(options: CheckOptions) -> None:
    """Give the kit's databases the columns of the site's labels and properties."""
    if options.site is not None:
        from oar_conformance.db._schema import declare_columns  # noqa: PLC0415

        declare_columns(options.site.columns())


def _round_runner(func: Callable[..., Any], options: CheckOptions) -> RoundRunner:
    """The plugin configured for its group, its arguments written back as ``a:b:key=value``.

    A find or assign plugin gets them in its job type (``find=NAME:a:b:key=value``), a
    metasched or sort plugin as its configuration string.
    """
    # SQLAlchemy and OAR3 are imported only when a round runs.
    from oar_conformance.families.rounds.oar_round import RoundPlugin  # noqa: PLC0415
    from oar_conformance.families.rounds.runner import RoundRunner  # noqa: PLC0415

    declare_site_columns(options)
    group = options.group or METASCHED_GROUP
    args = plugin_args_text(options.args, options.kwargs)
    return RoundRunner(RoundPlugin(group, func, args), options.db, options.timeout)


def _failed_round(error: PluginError, options: CheckOptions) -> RoundOutcome:
    """A round whose plugin never answered: no gantt, the error (R1's, or M2's)."""
    kind = "sqlite" if options.db == "sqlite" else "postgresql"
    group = options.group or METASCHED_GROUP
    return RoundOutcome(calls=(), gantt=(), states=(), error=error, db=kind, group=group)


def _classify_round(outcome: RoundOutcome) -> str:
    """Allocated when the plugin's own jobs (or, for metasched and sort, any job) got placed."""
    if outcome.error is not None:
        return "error"
    per_job = outcome.group in JOB_TYPE_SELECTORS
    placed = outcome.plugin_jobs_placed if per_job else outcome.scheduled
    return "allocated" if placed else "unschedulable"


FAMILY: Family[RoundScenario, RoundOutcome] = Family(
    invariants=INVARIANTS,
    scenarios=_round_scenarios,
    runner=_round_runner,
    classify=_classify_round,
    size=platform_size,
    render=round_case,
    data_types=DATA_TYPES,
    failed=_failed_round,
    needs_oar3=True,
    needs_database=True,
    beside=(OTHER_DB, OTHER_DB_ALONE),
    merge=merge,
    findings=round_findings,
)

"""Rendering a round counterexample: queues, jobs, the plugin's calls, the gantt.

A round is small (a few queues and jobs), so it is drawn as four short blocks: the queues
by priority group, the running and waiting jobs with their requests (the jobs whose type
names a find or assign plugin under test show ``-t 'find=PLUGIN'``), the calls OAR3 made
to the plugin (each call for a metasched plugin, how many for the others), and the gantt
read back, where resources named by the violation are marked with ``!``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oar_conformance.families.rounds.scenario import DATA_TYPES
from oar_conformance.model import ids_text
from oar_conformance.plugins import (
    ASSIGN_GROUP,
    FIND_GROUP,
    JOB_TYPE_SELECTORS,
    METASCHED_GROUP,
    SORT_GROUP,
    plugin_args_text,
)
from oar_conformance.reproducer import indent, scenario_source

if TYPE_CHECKING:
    from oar_conformance.families.rounds.scenario import RoundScenario
    from oar_conformance.reproducer import FailureContext
    from oar_conformance.violations import Violation

__all__ = ["render_round_case", "round_case"]

_CONFIGURED = {
    FIND_GROUP: "the type find=PLUGIN",
    ASSIGN_GROUP: "the type assign=PLUGIN",
    SORT_GROUP: "JOB_PRIORITY=CUSTOM, CUSTOM_JOB_SORTING=PLUGIN",
}


def _group(group: Any) -> str:
    if group is None:
        return "None"
    return "[" + ", ".join(f"{name}:{priority}" for name, priority in group) + "]"


def render_round_case(
    scenario: RoundScenario, outcome: Any, marks: frozenset[int] = frozenset()
) -> str:
    """The round as text: platform, queues, jobs, calls and gantt."""
    lines = [f"{scenario.platform!r}, now={scenario.now}"]
    lines += [
        f"  {level.name}: " + " | ".join(ids_text(b) for b in level.blocks)
        for level in scenario.platform.levels
    ]
    for name, values in sorted(scenario.platform.properties.items()):
        by_value: dict[str, set[int]] = {}
        for rid, value in values.items():
            by_value.setdefault(value, set()).add(rid)
        lines.append(
            f"  {name}: " + ", ".join(f"{v}={ids_text(ids)}" for v, ids in sorted(by_value.items()))
        )
    lines.append("queues (priority groups, highest first):")
    for group in scenario.priority_groups():
        parts = [
            f"{n}{'' if scenario.queue(n).state == 'Active' else ' (notActive)'}" for n in group
        ]
        lines.append(f"  {scenario.queue(group[0]).priority}: " + ", ".join(parts))
    lines.append("running jobs:" if scenario.running else "running jobs: none")
    lines += [f"  {r.text()}" for r in scenario.running]
    lines.append("waiting jobs:" if scenario.jobs else "waiting jobs: none")
    plugin_group = str(getattr(outcome, "group", METASCHED_GROUP))
    selector = JOB_TYPE_SELECTORS.get(plugin_group, "")
    for job in scenario.jobs:
        plugin = selector and job.id in scenario.plugin_jobs
        command = job.oarsub(*([("-t", f"{selector}=PLUGIN")] if plugin else []))
        after = f" (after {', '.join(map(str, job.dependencies))})" if job.dependencies else ""
        lines.append(f"  job {job.id}: {command}{after}")
    db = getattr(outcome, "db", "?")
    if plugin_group != METASCHED_GROUP:
        how = _CONFIGURED.get(plugin_group, plugin_group)
        count = getattr(outcome, "plugin_calls", 0)
        times = "once" if count == 1 else f"{count} times"
        lines.append(f"the plugin ({how}) was called {times} (on {db})")
    else:
        lines.append(f"calls of the plugin (on {db}):")
    for index, call in enumerate(getattr(outcome, "calls", ()), 1):
        what = ""
        if call.error is not None:
            what = f"  -> {call.error.kind}: {call.error.summary.splitlines()[0]}"
        elif call.session_error:
            what = f"  -> session unusable: {call.session_error.splitlines()[0]}"
        lines.append(
            f"  {index}. queues={_group(call.queues)} prev_queues={_group(call.prev_queues)}{what}"
        )
    error = getattr(outcome, "error", None)
    if error is not None:
        lines.append(f"round failed: {error.summary.splitlines()[0]}")
    lines.append("gantt after the round:" if getattr(outcome, "gantt", ()) else "gantt: empty")
    for entry in getattr(outcome, "gantt", ()):
        end = entry.start + entry.walltime + scenario.job_security_time - 1
        ids = ids_text(entry.ids) + (" !" if entry.ids & marks else "")
        label = "running " if entry.running else ""
        lines.append(
            f"  {label}job {entry.job_id} moldable {entry.moldable_id}: "
            f"{ids} [{entry.start}, {end}]"
        )
    return "\n".join(lines)


_SNIPPET = """\
# {title}
\"\"\"Replay a database-round counterexample found by oar-conformance.

A round needs OAR3 and a database, so this replays it through the kit (installed beside
OAR3 and the plugin): it raises ConformanceFailure with the report while the plugin is
wrong, and prints "conforms" once it is fixed.
\"\"\"

from oar_conformance.replay import assert_conforms, load_scenario

{scenario}assert_conforms({spec!r}, {invariant_id!r}, SCENARIO, plugin_args={plugin_args!r})
print("conforms")
"""


def round_case(violation: Violation, context: FailureContext) -> tuple[str, str]:
    """The round counterexample of ``violation`` and a snippet replaying it with the kit."""
    marks = frozenset().union(*violation.marks.values()) if violation.marks else frozenset()
    case = render_round_case(violation.scenario, violation.outcome, marks)
    errors = [getattr(violation.outcome, "error", None)]
    errors += [c.error for c in getattr(violation.outcome, "calls", ())]
    for error in errors:
        if error is not None and error.traceback:
            case += "\n\nplugin traceback:\n" + indent(error.traceback)
            break
    plugin_args = plugin_args_text(context.args, context.kwargs)
    snippet = _SNIPPET.format(
        title=f"{violation.invariant_id} {violation.title}: {violation.message}",
        scenario=scenario_source(
            violation.scenario, family=context.invariant.family, types=DATA_TYPES
        ),
        spec=str(context.spec),
        invariant_id=violation.invariant_id,
        plugin_args=plugin_args,
    )
    return case, snippet

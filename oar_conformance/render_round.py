"""Rendering a metasched counterexample: queues, jobs, the plugin's calls, the gantt.

A round is small (a few queues and jobs), so it is drawn as four short blocks: the queues
by priority group, the running and waiting jobs with their requests, the calls OAR3 made
to the plugin (with what went wrong), and the gantt read back, where resources named by
the violation are marked with ``!``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oar_conformance.model import ids_text

if TYPE_CHECKING:
    from oar_conformance.report import FailureContext
    from oar_conformance.round_scenario import RoundScenario
    from oar_conformance.violations import Violation

__all__ = ["render_round_case", "round_case"]


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
    lines += [f"  job {j.id}: {j.oarsub()}" for j in scenario.jobs]
    lines.append(f"calls of the plugin (on {getattr(outcome, 'db', '?')}):")
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


def round_case(violation: Violation, context: FailureContext) -> tuple[str, str]:
    """The metasched counterexample of ``violation``; no standalone snippet (it needs a DB)."""
    from oar_conformance.report import indent  # noqa: PLC0415 - report imports renderers

    marks = frozenset().union(*violation.marks.values()) if violation.marks else frozenset()
    case = render_round_case(violation.scenario, violation.outcome, marks)
    errors = [getattr(violation.outcome, "error", None)]
    errors += [c.error for c in getattr(violation.outcome, "calls", ())]
    for error in errors:
        if error is not None and error.traceback:
            case += "\n\nplugin traceback:\n" + indent(error.traceback)
            break
    return case, ""

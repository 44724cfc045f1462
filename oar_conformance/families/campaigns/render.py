"""Rendering a campaign counterexample: the numbered script, and the gantt after each round.

The shrunk campaign reads as a session on the cluster: each numbered step (an ``oarsub``
line with its time, an event, a wait), what the step did when it did nothing, then the
round after it: the jobs whose state changed, and the gantt it left. The reproducer
replays the campaign through the kit against OAR3 and the plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oar_conformance.families.campaigns.scenario import DATA_TYPES
from oar_conformance.model import ids_text, shell_word
from oar_conformance.plugins import JOB_TYPE_SELECTORS, METASCHED_GROUP, plugin_args_text
from oar_conformance.reproducer import indent, scenario_source

if TYPE_CHECKING:
    from oar_conformance.families.campaigns.outcome import RoundRecord, Trace
    from oar_conformance.families.campaigns.scenario import CampaignScenario
    from oar_conformance.reproducer import FailureContext
    from oar_conformance.violations import Violation

__all__ = ["campaign_case", "render_campaign"]


def _round_lines(
    scenario: CampaignScenario, record: RoundRecord, last: dict[int, str]
) -> list[str]:
    lines = []
    if record.note:
        lines.append(f"     ({record.note})")
    changed = [
        f"job {j.id} {j.state}"
        + (f" on {ids_text(j.ids)}" if j.ids and j.state != last.get(j.id) else "")
        for j in record.jobs
        if last.get(j.id) != j.state
    ]
    if record.new_frags:
        changed.append(f"fragged {', '.join(map(str, sorted(record.new_frags)))}")
    lines.append(f"     round at {record.now}: " + ("; ".join(changed) or "no job changed"))
    if record.error is not None:
        lines.append(f"     round FAILED: {record.error.summary.splitlines()[0]}")
    for planned in record.gantt:
        job = scenario.job(planned.job_id) if planned.job_id > 0 else None
        walltime = (
            next((m.walltime for m in job.moldables if m.id == planned.moldable), 0) if job else 0
        )
        end = planned.start + walltime + scenario.job_security_time - 1
        span = f"[{planned.start}, {end}]"
        lines.append(f"       gantt: job {planned.job_id} {span} on {ids_text(planned.ids)}")
    return lines


def render_trace(scenario: CampaignScenario, trace: Trace) -> list[str]:
    """The numbered script with each round's changes and gantt under its step."""
    lines: list[str] = []
    script = scenario.script()
    last: dict[int, str] = {}
    for index, line in enumerate(script):
        lines.append(line)
        if index < len(trace.rounds):
            record = trace.rounds[index]
            lines += _round_lines(scenario, record, last)
            last = record.state_of
        else:
            lines.append("     (not played: the campaign had stopped)")
    return lines


def render_campaign(scenario: CampaignScenario, outcome: Any) -> str:
    """The campaign as text: platform, how the plugin is configured, the script."""
    lines = [f"{scenario.platform!r}"]
    lines += [
        f"  {level.name}: " + " | ".join(ids_text(b) for b in level.blocks)
        for level in scenario.platform.levels
    ]
    queues = ", ".join(f"{q.name}:{q.priority}" for q in scenario.queues)
    group = str(getattr(outcome, "group", METASCHED_GROUP))
    selector = JOB_TYPE_SELECTORS.get(group)
    how = (
        f"every job has -t {shell_word(f'{selector}=PLUGIN')}"
        if selector
        else f"{group} configured"
    )
    lines.append(
        f"queues {queues}; {how}; rounds on {getattr(outcome, 'db', '?')}, "
        f"{scenario.job_security_time} s security time"
    )
    lines.append("campaign (each step is followed by a tick and one round):")
    trace = getattr(outcome, "trace", None)
    if trace is not None:
        lines += render_trace(scenario, trace)
    lost = getattr(outcome, "lost", None)
    if lost is not None:
        lines.append(f"the plugin's process was lost: {lost.summary}")
    oar3 = getattr(outcome, "oar3", None)
    if oar3 is not None and trace is not None and oar3.rounds != trace.rounds:
        lines.append("the same campaign with OAR3's default in place of the plugin:")
        lines += render_trace(scenario, oar3)
    return "\n".join(lines)


_SNIPPET = """\
# {title}
\"\"\"Replay a campaign counterexample found by oar-conformance.

A campaign needs OAR3 and a database, so this replays it through the kit (installed
beside OAR3 and the plugin): it raises ConformanceFailure with the report while the
plugin is wrong, and prints "conforms" once it is fixed.

{script}
\"\"\"

from oar_conformance.replay import assert_conforms, load_scenario

{scenario}assert_conforms({spec!r}, {invariant_id!r}, SCENARIO, plugin_args={plugin_args!r})
print("conforms")
"""


def campaign_case(violation: Violation, context: FailureContext) -> tuple[str, str]:
    """The campaign counterexample of ``violation`` and a snippet replaying it."""
    scenario = violation.scenario
    case = render_campaign(scenario, violation.outcome)
    error = getattr(violation.outcome, "error", None)
    if error is not None and error.traceback:
        case += "\n\ntraceback:\n" + indent(error.traceback)
    snippet = _SNIPPET.format(
        title=f"{violation.invariant_id} {violation.title}: {violation.message}",
        script="\n".join(scenario.script()),
        scenario=scenario_source(scenario, family=context.invariant.family, types=DATA_TYPES),
        spec=str(context.spec),
        invariant_id=violation.invariant_id,
        plugin_args=plugin_args_text(context.args, context.kwargs),
    )
    return case, snippet

"""Failure reports: title, indented detail, the counterexample, then "Reproduce with:".

The same text is shown by the pytest plugin and the CLI, so a counterexample reads the same
wherever a plugin author meets it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from oar_conformance.invariants import Invariant
from oar_conformance.model import FindScenario
from oar_conformance.outcome import FindOutcome
from oar_conformance.plugins import PluginSpec
from oar_conformance.violations import Violation

__all__ = ["FailureContext", "blob_line", "render_failure"]

_BLOB = re.compile(r"@reproduce_failure\([^)]*\)")


def blob_line(notes: Sequence[str]) -> str | None:
    """The ``@reproduce_failure(...)`` decorator Hypothesis printed, if any."""
    for note in notes:
        found = _BLOB.search(note)
        if found:
            return found.group(0)
    return None


@dataclass(frozen=True)
class FailureContext:
    """Where a violation was found: the plugin, the check and how to run it again."""

    spec: PluginSpec
    invariant: Invariant
    command: str
    blob: str | None = None
    args: tuple[str, ...] = ()
    kwargs: Mapping[str, str] = field(default_factory=dict)


def _indent(text: str, prefix: str = "  ") -> str:
    return textwrap.indent(text, prefix, lambda line: True)


def _case(violation: Violation, context: FailureContext) -> tuple[str, str]:
    """The rendered counterexample and a self-contained reproducer snippet."""
    from oar_conformance.render import render_find_case, reproducer_find  # noqa: PLC0415

    scenario, outcome = violation.scenario, violation.outcome
    if isinstance(scenario, FindScenario) and isinstance(outcome, FindOutcome):
        case = render_find_case(scenario, outcome.result, reference=outcome.reference)
        if outcome.error is not None and outcome.error.traceback:
            case += "\n\nplugin traceback:\n" + _indent(outcome.error.traceback)
        snippet = reproducer_find(
            scenario,
            group=context.spec.group,
            name=context.spec.name,
            args=context.args,
            kwargs=context.kwargs,
            comment=f"{violation.invariant_id} {violation.title}: {violation.message}",
        )
        return case, snippet
    return repr(scenario), ""


def render_failure(violation: Violation, context: FailureContext) -> str:
    """The full human report of one violation."""
    inv = context.invariant
    head = [
        f"{violation.invariant_id} {violation.title}  [{inv.severity.value}]",
        f"plugin {context.spec}",
        "",
        _indent(f"what is wrong: {violation.message}"),
    ]
    if violation.received:
        head.append(_indent(f"Received: {violation.received}"))
    if violation.expected:
        head.append(_indent(f"Expected: {violation.expected}"))
    head.append(_indent(f"why it matters: {inv.rationale}"))
    case, snippet = _case(violation, context)
    parts = ["\n".join(head), "Counterexample (shrunk):\n" + _indent(case)]
    reproduce = [_indent(context.command)]
    if context.blob:
        reproduce.append(_indent(f"or add {context.blob} to a @given test of your own"))
    if snippet:
        reproduce.append(_indent("or run this standalone snippet with python:"))
        reproduce.append(_indent(snippet, "    "))
    parts.append("Reproduce with:\n" + "\n".join(reproduce))
    return "\n\n".join(parts) + "\n"

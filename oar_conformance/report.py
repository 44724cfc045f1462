"""Failure reports: title, indented detail, the counterexample, then "Reproduce with:".

The same text is shown by the pytest plugin and the CLI, so a counterexample reads the same
wherever a plugin author meets it.
"""

from __future__ import annotations

import importlib
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from oar_conformance.invariants import Invariant
from oar_conformance.plugins import PluginSpec
from oar_conformance.violations import Violation

__all__ = ["FailureContext", "blob_line", "indent", "render_failure"]

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


def indent(text: str, prefix: str = "  ") -> str:
    return textwrap.indent(text, prefix, lambda line: True)


_CASES = {
    "find": "oar_conformance.render:find_case",
    "assign": "oar_conformance.render_gantt:assign_case",
    "sort": "oar_conformance.render_sort:sort_case",
}
"""Family -> ``module:function(violation, context) -> (counterexample, reproducer)``."""


def _case(violation: Violation, context: FailureContext) -> tuple[str, str]:
    """The rendered counterexample and a self-contained reproducer snippet."""
    target = _CASES.get(context.invariant.family)
    if target is None:
        return repr(violation.scenario), ""
    module, _, name = target.partition(":")
    render: Callable[[Violation, FailureContext], tuple[str, str]]
    render = getattr(importlib.import_module(module), name)
    return render(violation, context)


def render_failure(violation: Violation, context: FailureContext) -> str:
    """The full human report of one violation."""
    inv = context.invariant
    head = [
        f"{violation.invariant_id} {violation.title}  [{inv.severity.value}]",
        f"plugin {context.spec}",
        "",
        indent(f"what is wrong: {violation.message}"),
    ]
    if violation.received:
        head.append(indent(f"Received: {violation.received}"))
    if violation.expected:
        head.append(indent(f"Expected: {violation.expected}"))
    head.append(indent(f"why it matters: {inv.rationale}"))
    case, snippet = _case(violation, context)
    parts = ["\n".join(head), "Counterexample (shrunk):\n" + indent(case)]
    reproduce = [indent(context.command)]
    if context.blob:
        reproduce.append(indent(f"or add {context.blob} to a @given test of your own"))
    if snippet:
        reproduce.append(indent("or run this standalone snippet with python:"))
        reproduce.append(indent(snippet, "    "))
    parts.append("Reproduce with:\n" + "\n".join(reproduce))
    return "\n\n".join(parts) + "\n"

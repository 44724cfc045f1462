"""Failure reports: title, indented detail, the counterexample, then "Reproduce with:".

The same text is shown by the pytest plugin and the CLI, so a counterexample reads the same
wherever a plugin author meets it.
"""

from __future__ import annotations

import importlib
import json
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from oar_conformance.invariants import Invariant
from oar_conformance.model import as_jsonable
from oar_conformance.plugins import PluginSpec, plugin_args_text
from oar_conformance.violations import Violation

__all__ = [
    "FailureContext",
    "blob_line",
    "indent",
    "render_failure",
    "wrapped",
    "write_report_files",
]

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
    seed: int | None = None
    profile: str = ""


def indent(text: str, prefix: str = "  ") -> str:
    return textwrap.indent(text, prefix, lambda line: True)


_CASES = {
    "find": "oar_conformance.render:find_case",
    "assign": "oar_conformance.render_gantt:assign_case",
    "sort": "oar_conformance.render_sort:sort_case",
    "metasched": "oar_conformance.render_round:round_case",
    "round": "oar_conformance.render_round:round_case",
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


_REPRODUCER = """\
\"\"\"{title}

Counterexample found by oar-conformance for {spec} (seed {seed}, profile {profile}).
Fails with plain pytest while the plugin breaks {invariant_id}; passes once it is fixed.
Readable report: {slug}.md
\"\"\"

from oar_conformance.replay import assert_conforms, load_scenario

SCENARIO = load_scenario(
    {blob}
)


def test_{func}():
    assert_conforms({spec_text!r}, {invariant_id!r}, SCENARIO, plugin_args={plugin_args!r})
"""


def wrapped(text: str, width: int = 84) -> str:
    """A long string literal as implicitly joined lines that fit the page."""
    chunks = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    return "\n    ".join(f'"{chunk}"' for chunk in chunks)


def _slug(context: FailureContext) -> str:
    raw = f"{context.spec.short_group}-{context.spec.name}-{context.invariant.id}"
    return re.sub(r"[^A-Za-z0-9_]+", "_", raw).strip("_")


def write_report_files(
    folder: Path, violation: Violation, context: FailureContext, rendered: str
) -> list[Path]:
    """Write the Markdown report, the JSON record and the standalone reproducer test.

    Returns the paths written; files of an earlier run for the same check are replaced.
    """
    from oar_conformance.replay import dump_scenario  # noqa: PLC0415 - replay imports this

    folder.mkdir(parents=True, exist_ok=True)
    slug = _slug(context)
    inv = context.invariant
    markdown = folder / f"{slug}.md"
    markdown.write_text(
        f"# {inv.id} {inv.title} — {context.spec}\n\n"
        f"Severity: {inv.severity.value}. Seed {context.seed}, profile {context.profile}.\n\n"
        f"```text\n{rendered.rstrip()}\n```\n\n"
        f"Standalone reproducer: `pytest {folder.name}/test_{slug}.py`\n",
        encoding="utf-8",
    )
    record = {
        "plugin": str(context.spec),
        "invariant": inv.id,
        "title": inv.title,
        "severity": inv.severity.value,
        "message": violation.message,
        "received": violation.received,
        "expected": violation.expected,
        "kind": violation.kind,
        "seed": context.seed,
        "profile": context.profile,
        "reproduce": context.command,
        "scenario": as_jsonable(violation.scenario),
        "outcome": as_jsonable(violation.outcome),
    }
    record_path = folder / f"{slug}.json"
    record_path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    plugin_args = plugin_args_text(context.args, context.kwargs)
    reproducer = folder / f"test_{slug}.py"
    reproducer.write_text(
        _REPRODUCER.format(
            title=f"{inv.id} {inv.title}: {violation.message}".replace('"', "'"),
            spec=context.spec,
            spec_text=str(context.spec),
            seed=context.seed,
            profile=context.profile,
            invariant_id=inv.id,
            slug=slug,
            blob=wrapped(dump_scenario(violation.scenario)),
            func=slug.lower(),
            plugin_args=plugin_args,
        ),
        encoding="utf-8",
    )
    return [markdown, record_path, reproducer]

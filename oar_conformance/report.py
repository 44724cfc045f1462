"""Failure reports: title, indented detail, the counterexample, then "Reproduce with:".

The same text is shown by the pytest plugin and the CLI, so a counterexample reads the same
wherever a plugin author meets it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from oar_conformance.catalogue import family_of
from oar_conformance.model import as_jsonable
from oar_conformance.plugins import plugin_args_text
from oar_conformance.reproducer import FailureContext, indent, scenario_source
from oar_conformance.scenario_data import scenario_record
from oar_conformance.violations import Violation

__all__ = [
    "REPLAYED",
    "UNSHRUNK",
    "blob_line",
    "render_failure",
    "replayed_note",
    "unshrunk_note",
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


UNSHRUNK = "(shown as found"
"""How the kit's note on a counterexample it could not shrink begins."""


def unshrunk_note(notes: Sequence[str]) -> str:
    """The kit's note saying why a counterexample was not shrunk, if there is one."""
    return next((note for note in notes if note.startswith(UNSHRUNK)), "")


REPLAYED = "replayed from the example database (found by an earlier run)"
"""The kit's note on a failure that this run's own examples did not show: the replay of
an example an earlier run saved did."""


def replayed_note(notes: Sequence[str]) -> str:
    """The kit's note saying the failure was found by replaying a saved example, if so."""
    return REPLAYED if REPLAYED in notes else ""


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
    case, snippet = family_of(inv).render(violation, context)
    if context.unshrunk:
        head.append(indent(context.unshrunk))
    if context.replayed:
        head.append(indent(context.replayed))
    shown = "not shrunk" if context.unshrunk else "shrunk"
    parts = ["\n".join(head), f"Counterexample ({shown}):\n" + indent(case)]
    reproduce = [indent(context.command)]
    if context.blob:
        reproduce.append(indent(f"or add {context.blob} to a @given test of your own"))
    if snippet:
        reproduce.append(indent("or run this standalone snippet with pytest or python:"))
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

{scenario}

def test_{func}():
    assert_conforms({spec_text!r}, {invariant_id!r}, SCENARIO, plugin_args={plugin_args!r})
"""


def _slug(context: FailureContext) -> str:
    raw = f"{context.spec.short_group}-{context.spec.name}-{context.invariant.id}"
    return re.sub(r"[^A-Za-z0-9_]+", "_", raw).strip("_")


def write_report_files(
    folder: Path, violation: Violation, context: FailureContext, rendered: str
) -> list[Path]:
    """Write the Markdown report, the JSON record and the standalone reproducer test.

    The JSON record holds the scenario as data (``"scenario"``, a versioned record that
    :func:`oar_conformance.replay.load_scenario` opens); its ``"outcome"`` is for reading only.

        Returns the paths written; files of an earlier run for the same check are replaced.
    """

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
    family = family_of(inv)
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
        "scenario": scenario_record(violation.scenario, family=inv.family, types=family.data_types),
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
            scenario=scenario_source(
                violation.scenario, family=inv.family, types=family.data_types
            ),
            func=slug.lower(),
            plugin_args=plugin_args,
        ),
        encoding="utf-8",
    )
    return [markdown, record_path, reproducer]

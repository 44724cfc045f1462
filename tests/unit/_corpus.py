"""The corpus of real judgements: examples the sample plugins gave, with every verdict.

``tests/unit/corpus/make_corpus.py`` (run by a developer, with OAR3 and PostgreSQL) runs
the kit's families on the sample plugins of ``tests/samples`` and writes one JSON file per
file of examples here: each example is a scenario, the outcome the plugin gave on it, and
what each invariant's check yielded on the pair (breaches with every field, unjudged
reasons, in order), plus the OAR3 findings of families that have them.
``test_corpus.py`` reads them back (no OAR3 needed) and requires the same verdicts.

Values are written with :mod:`oar_conformance.scenario_data` through the explicit tables
of :data:`TYPES`: never pickle.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oar_conformance.catalogue import get
from oar_conformance.families.assign.outcome import (
    AssignOutcome,
    JobResult,
    Placement,
    SlotRecord,
    SlotSnapshot,
)
from oar_conformance.families.assign.scenario import DATA_TYPES as ASSIGN_SCENARIO_TYPES
from oar_conformance.families.campaigns.invariants import oar3_findings
from oar_conformance.families.campaigns.outcome import (
    CampaignOutcome,
    JobRow,
    Planned,
    RoundRecord,
    Trace,
)
from oar_conformance.families.campaigns.scenario import DATA_TYPES as CAMPAIGN_SCENARIO_TYPES
from oar_conformance.families.find.outcome import FindOutcome
from oar_conformance.families.find.scenario import DATA_TYPES as FIND_SCENARIO_TYPES
from oar_conformance.families.rounds.invariants import round_findings
from oar_conformance.families.rounds.outcome import Call, GanttEntry, RoundOutcome, RoundResult
from oar_conformance.families.rounds.scenario import DATA_TYPES as ROUND_SCENARIO_TYPES
from oar_conformance.families.sort.outcome import Answer, SortOutcome
from oar_conformance.families.sort.scenario import DATA_TYPES as SORT_SCENARIO_TYPES
from oar_conformance.invariant import Invariant
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import METASCHED_GROUP
from oar_conformance.scenario_data import DataTypes, decode, encode
from oar_conformance.violations import Breach, Unjudged

__all__ = [
    "CORPUS",
    "FORMAT",
    "TYPES",
    "VERSION",
    "Example",
    "findings",
    "invariants_for",
    "judge",
    "load",
    "record",
]

CORPUS = Path(__file__).resolve().parent / "corpus"
"""The folder of the corpus files, ``<file>.json``."""
FORMAT = "oar-conformance-corpus"
VERSION = 1

_VERDICTS = (Breach, Unjudged, PluginError)

TYPES: dict[str, tuple[type, ...]] = {
    "find": (*FIND_SCENARIO_TYPES, FindOutcome, *_VERDICTS),
    "assign": (
        *ASSIGN_SCENARIO_TYPES,
        AssignOutcome,
        JobResult,
        Placement,
        SlotRecord,
        SlotSnapshot,
        *_VERDICTS,
    ),
    "sort": (*SORT_SCENARIO_TYPES, SortOutcome, Answer, *_VERDICTS),
    "round": (*ROUND_SCENARIO_TYPES, RoundOutcome, RoundResult, Call, GanttEntry, *_VERDICTS),
    "campaign": (
        *CAMPAIGN_SCENARIO_TYPES,
        CampaignOutcome,
        Trace,
        RoundRecord,
        JobRow,
        Planned,
        *_VERDICTS,
    ),
}
"""Each corpus file's types: its family's scenario types (``DATA_TYPES``), its outcome
types, and the verdicts (breaches, unjudged reasons, failed calls)."""

_IDS = {
    "find": ("F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"),
    "assign": ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"),
    "sort": ("S1", "S2", "S3", "S4", "S5"),
    "round": ("R1", "R2"),
    "campaign": tuple(f"C{i}" for i in range(1, 14)),
}
"""The per-example invariants judged in each file (run-level tallies judge nothing per
example); a metasched plugin's rounds are also judged by M1 and M2."""


def invariants_for(file: str, group: str) -> list[Invariant[Any, Any]]:
    """The invariants that judge an example of ``file`` given by a plugin of ``group``."""
    ids = _IDS[file]
    if file == "round" and group == METASCHED_GROUP:
        ids = ("M1", "M2", *ids)
    return [get(i) for i in ids]


Verdicts = dict[str, list[Breach | Unjudged]]


def judge(file: str, group: str, scenario: Any, outcome: Any) -> Verdicts:
    """What each invariant's check yields on the pair, in the order it yields it."""
    return {inv.id: list(inv.judge(scenario, outcome)) for inv in invariants_for(file, group)}


def findings(file: str, scenario: Any, outcome: Any) -> list[tuple[str, Breach]]:
    """What OAR3 itself broke in the example (rounds and campaigns; none elsewhere)."""
    if file == "round":
        return round_findings(scenario, outcome)
    if file == "campaign":
        return oar3_findings(scenario, outcome)
    return []


@dataclass(frozen=True)
class Example:
    """One recorded example: who gave it and how it was found, the pair, the verdicts."""

    plugin: str
    group: str
    source: str
    scenario: Any
    outcome: Any
    verdicts: Verdicts
    findings: list[tuple[str, Breach]]


def record(file: str, example: Example) -> dict[str, Any]:
    """``example`` as JSON-ready data."""
    types = DataTypes(TYPES[file])
    return {
        "plugin": example.plugin,
        "group": example.group,
        "source": example.source,
        "scenario": encode(example.scenario, types),
        "outcome": encode(example.outcome, types),
        "verdicts": {k: [encode(v, types) for v in vs] for k, vs in example.verdicts.items()},
        "findings": [[i, encode(b, types)] for i, b in example.findings],
    }


def example_of(file: str, data: dict[str, Any]) -> Example:
    """The example :func:`record` wrote as ``data``."""
    types = DataTypes(TYPES[file])
    return Example(
        plugin=data["plugin"],
        group=data["group"],
        source=data["source"],
        scenario=decode(data["scenario"], types),
        outcome=decode(data["outcome"], types),
        verdicts={k: [decode(v, types) for v in vs] for k, vs in data["verdicts"].items()},
        findings=[(i, decode(b, types)) for i, b in data["findings"]],
    )


def path_of(file: str) -> Path:
    return CORPUS / f"{file}.json"


def load(file: str) -> list[Example]:
    """The examples of corpus file ``file``; a ``ValueError`` when it is not one."""
    data = json.loads(path_of(file).read_text())
    if data.get("format") != FORMAT or data.get("version") != VERSION or data["file"] != file:
        msg = f"{path_of(file)} is not a version {VERSION} corpus of {file!r}"
        raise ValueError(msg)
    return [example_of(file, item) for item in data["examples"]]


def dump(file: str, examples: list[Example], meta: dict[str, str]) -> str:
    """The text of corpus file ``file``: one example per line, so a diff shows which."""
    head = {"format": FORMAT, "version": VERSION, "file": file, **meta}
    lines = [json.dumps(record(file, e), separators=(",", ":"), allow_nan=False) for e in examples]
    body = ",\n".join(lines)
    return json.dumps(head, indent=1)[:-2] + ',\n "examples": [\n' + body + "\n ]\n}\n"


def plain(value: Any) -> Any:
    """``value`` without what differs between machines and runs: call times are 0 and
    tracebacks empty (no check reads either)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            now = getattr(value, f.name)
            if f.name in {"seconds", "plugin_seconds"}:
                changes[f.name] = 0.0
            elif f.name == "traceback":
                changes[f.name] = ""
            else:
                changes[f.name] = plain(now)
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(plain(v) for v in value))
    if type(value) is tuple:
        return tuple(plain(v) for v in value)
    return value


def files() -> Iterator[str]:
    """The corpus files present, in :data:`TYPES` order."""
    return (name for name in TYPES if path_of(name).exists())

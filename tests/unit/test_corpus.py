"""Every invariant gives the recorded verdict on the corpus of real examples.

The corpus (``tests/unit/corpus/*.json``, written by ``make_corpus.py`` from the sample
plugins) holds scenarios, the outcomes real plugins gave on them, and what each check
yielded: breaches with their message, received, expected, kind and marks, and unjudged
reasons, in order. Each example is judged again here, without OAR3, and must give
exactly that: a check that changes its verdict or its words on a real example fails.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from _corpus import TYPES, Example, findings, judge, load

from oar_conformance.catalogue import get
from oar_conformance.invariant import Severity
from oar_conformance.violations import Breach

FILES = {file: load(file) for file in TYPES}


def _cases() -> list[Any]:
    return [
        pytest.param(file, example, id=f"{file}-{i}-{example.plugin}")
        for file, examples in FILES.items()
        for i, example in enumerate(examples)
    ]


@pytest.mark.parametrize(("file", "example"), _cases())
def test_each_check_gives_the_recorded_verdict(file: str, example: Example) -> None:
    assert judge(file, example.group, example.scenario, example.outcome) == example.verdicts
    assert findings(file, example.scenario, example.outcome) == example.findings


def _broken(example: Example) -> set[str]:
    return {i for i, found in example.verdicts.items() if any(isinstance(v, Breach) for v in found)}


@pytest.mark.parametrize("file", list(TYPES))
def test_the_corpus_is_real_judgements(file: str) -> None:
    """The recorded verdicts are the right ones: no correct sample breaks a contract
    invariant, each faulty sample's counterexample (shrunk, as found for campaigns, or
    a known scenario) breaks its invariant, and the file holds passing examples too."""
    examples = FILES[file]
    faults = [e for e in examples if e.source.split(" ")[0] in {"shrunk", "found", "given"}]
    shrunk = Counter(e.source.split(",")[0] for e in faults)
    for example in examples:
        if example in faults:
            wanted = example.source.split(",")[0].split(" ")[1]
            assert wanted in _broken(example), (example.plugin, example.source)
        elif not example.plugin.startswith("bad_"):
            contract = {i for i in _broken(example) if get(i).severity is Severity.CONTRACT}
            assert not contract, (example.plugin, example.source)
    assert any(not _broken(e) for e in examples), "no passing example"
    assert len(shrunk) >= 2, f"{file}: too few faulty samples' counterexamples: {shrunk}"

"""Every family's standalone reproducer snippet can fail: run with pytest, it fails with
the broken invariant while a faulty sample breaks it, and passes on the same scenario once
a correct sample stands in its place."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _catalogue import needs_oar3

from oar_conformance.catalogue import family_of, get
from oar_conformance.driver import CheckOptions, driver_for
from oar_conformance.families.assign.scenario import (
    AssignScenario,
    QuotaRule,
    QuotaRules,
    Window,
)
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.families.sort.scenario import SortScenario
from oar_conformance.find_functions import LAST_BLOCKS_FIND
from oar_conformance.model import Group, Job, Level, Moldable, Platform, Queue
from oar_conformance.plugins import ASSIGN_GROUP, FIND_GROUP, SORT_GROUP, PluginSpec, load
from oar_conformance.reproducer import FailureContext

NODES = (frozenset({0, 1}), frozenset({2, 3}))
PLATFORM = Platform(
    (
        Level("network_address", NODES),
        Level("resource_id", tuple(frozenset({r}) for r in range(4))),
    )
)
ALL = frozenset(range(4))
ONE_NODE = (Group((("network_address", 1),), ALL),)


def _job(jid: int) -> Job:
    return Job(jid, (Moldable(jid, 600, ONE_NODE),))


FIND = FindScenario(PLATFORM, frozenset({2, 3}), ONE_NODE)
SORT = SortScenario((Queue("default", 2),), 3600, (_job(1), _job(2), _job(3)))
ASSIGN = AssignScenario(PLATFORM, 0, (Window(0, 3600, NODES[0]),), (_job(1),))
QUOTAS = AssignScenario(
    PLATFORM,
    0,
    (),
    (_job(1), _job(2)),
    quotas=QuotaRules((QuotaRule("*", "*", "*", "/", resources=2),)),
)
"""Two one-node jobs of alice, who may hold 2 resources at a time."""
FIND_JOB = AssignScenario(
    PLATFORM, 0, (), (replace(_job(1), types={"find": LAST_BLOCKS_FIND + ":x"}),)
)
"""A one-node job whose find function takes the last node."""


def _snippet(group: str, name: str, invariant_id: str, scenario: Any) -> str:
    """The snippet a failure of ``name`` on ``scenario`` shows, as the report renders it."""
    invariant = get(invariant_id)
    options = CheckOptions(example_database=None, group=group)
    driver = driver_for(invariant, load(PluginSpec(group, name)), options)
    (violation,) = invariant.check(scenario, driver.run(scenario, invariant.needs))
    context = FailureContext(PluginSpec(group, name), invariant, "pytest")
    snippet = family_of(invariant).render(violation, context)[1]
    assert snippet
    return snippet


def _pytest(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=path.parent,
    )


@pytest.mark.parametrize(
    ("group", "bad", "good", "invariant_id", "scenario"),
    [
        (FIND_GROUP, "bad_f1_ignores_busy", "sample_first_fit", "F1", FIND),
        (SORT_GROUP, "bad_s1_drops_last", "sample_fifo", "S1", SORT),
        pytest.param(
            ASSIGN_GROUP,
            "bad_a3_ignores_occupation",
            "sample_oar_default",
            "A3",
            ASSIGN,
            marks=needs_oar3,
        ),
        pytest.param(
            ASSIGN_GROUP,
            "bad_a11_ignores_quotas",
            "sample_delegating_search",
            "A11",
            QUOTAS,
            marks=needs_oar3,
        ),
        pytest.param(
            ASSIGN_GROUP,
            "bad_a12_ignores_find",
            "sample_oar_default",
            "A12",
            FIND_JOB,
            marks=needs_oar3,
        ),
    ],
)
def test_a_snippet_fails_with_the_invariant_until_the_plugin_is_fixed(
    tmp_path: Path, group: str, bad: str, good: str, invariant_id: str, scenario: Any
) -> None:
    snippet = _snippet(group, bad, invariant_id, scenario)
    path = tmp_path / "test_snippet.py"
    path.write_text(snippet)
    broken = _pytest(path)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"ConformanceFailure: {invariant_id} " in broken.stdout
    path.write_text(snippet.replace(repr(bad), repr(good)))
    fixed = _pytest(path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "1 passed" in fixed.stdout

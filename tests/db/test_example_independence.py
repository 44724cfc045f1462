"""An example's verdict does not depend on the examples before it in the same process.

For every family, one process draws fifty examples, judges the first one, then the other
forty-nine, then the first one again: both verdicts must be the same (OAR3's module state,
the kit's caches and the plugin's worker must not carry anything from one example to the
next). Faulty samples are used so that the verdicts are not all empty.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from _dbhelp import needs_oar3

pytestmark = [pytest.mark.oar3, pytest.mark.slow, needs_oar3]

SCRIPT = """
import json, sys
from hypothesis import HealthCheck, given, seed, settings
from oar_conformance.catalogue import by_group, family_of
from oar_conformance.options import CheckOptions
from oar_conformance.plugins import PluginSpec, load
from oar_conformance.profiles import get_profile

group, name, family_name, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spec = PluginSpec(group, name)
options = CheckOptions(
    profile=get_profile("ci"), seed=5, example_database=None, isolate=False, group=group
)
invariants = [
    i for i in by_group(group)
    if family_of(i).run == family_name and i.tally is None and "other-db" not in i.needs
]
family = family_of(invariants[0])
needs = frozenset().union(*(i.needs | i.confirm for i in invariants))
drawn = []


@settings(max_examples=count, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@seed(5)
@given(family.scenarios(options))
def draw(scenario):
    drawn.append(scenario)


draw()
runner = family.runner(load(spec), options)


def verdict(scenario):
    outcome = runner.run(scenario, needs)
    judged = {}
    for invariant in invariants:
        judgement = invariant.assess(scenario, outcome)
        judged[invariant.id] = [[v.kind for v in judgement.violations], judgement.unjudged]
    return judged


first = verdict(drawn[0])
others = [verdict(s) for s in drawn[1:]]
print(json.dumps({"first": first, "again": verdict(drawn[0]), "drawn": len(drawn),
                  "failing": sum(any(v[0] for v in o.values()) for o in others)}))
"""

CASES = [
    ("oar.find_func", "bad_f1_ignores_busy", "find", 50),
    ("oar.assign_func", "bad_a3_ignores_occupation", "assign", 50),
    ("oar.jobs_sorting_func", "bad_s3_reverse_ties", "sort", 50),
    ("oar.assign_func", "bad_a1_empty_res_set", "round", 50),
    ("oar.extra_metasched_func", "bad_r1_frees_busy_resources", "round", 50),
    ("oar.extra_metasched_func", "bad_c3_moves_running", "campaign", 12),
]


@pytest.mark.parametrize(("group", "name", "family", "count"), CASES, ids=[c[1] for c in CASES])
def test_an_example_judged_first_and_after_the_others_gets_the_same_verdict(
    group: str, name: str, family: str, count: int
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, group, name, family, str(count)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["drawn"] > count // 2
    assert seen["again"] == seen["first"]

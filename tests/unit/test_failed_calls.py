"""A call that never answered (dead or killed worker) is its family's failed-call breach.

Every family turns such an error into an outcome with ``Family.failed``; the invariant
that reports failed calls in that family (F6, A1, S4, M2, R1, the last one as a round
that failed) names it, and no other invariant of the family says anything about it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from oar_conformance import strategies as ost
from oar_conformance.catalogue import families
from oar_conformance.options import CheckOptions
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import FIND_GROUP, METASCHED_GROUP

DIED = PluginError("died", "the plugin's process was killed by SIGSEGV", "last output ...")
KILLED = PluginError("timeout", "no answer within 5 s (per-call limit)", "", killed=True)

SCENARIOS: dict[str, Any] = {
    "find": ost.find_scenarios(max_resources=8),
    "assign": ost.assign_scenarios(max_resources=8),
    "sort": ost.sort_scenarios(max_jobs=4),
    "metasched": ost.round_scenarios(max_resources=4),
    "round": ost.round_scenarios(max_resources=4, plugin_jobs=True),
}
REPORTED_BY = {"find": "F6", "assign": "A1", "sort": "S4", "metasched": "M2", "round": "R1"}
GROUP = {"metasched": METASCHED_GROUP, "round": FIND_GROUP}


@pytest.mark.parametrize("error", [DIED, KILLED], ids=["died", "killed"])
@pytest.mark.parametrize("name", list(REPORTED_BY))
def test_a_lost_call_is_reported_by_the_family_s_failed_call_invariant(
    name: str, error: PluginError
) -> None:
    family = next(f for f in families() if f.name == name)
    outcome = family.failed(error, CheckOptions(group=GROUP.get(name, "")))
    assert outcome.error == error

    @settings(max_examples=3, database=None, deadline=None)
    @given(SCENARIOS[name])
    def judge(scenario: Any) -> None:
        found = {inv.id: inv.check(scenario, outcome) for inv in family.invariants}
        reported = {inv_id for inv_id, violations in found.items() if violations}
        assert reported == {REPORTED_BY[name]}
        (violation,) = found[REPORTED_BY[name]]
        assert violation.kind == ("round-failed" if name == "round" else error.kind)
        assert error.summary in violation.message

    judge()

"""The metasched family: ``oar.extra_metasched_func`` plugins in real rounds (M1, M2).

The plugin is configured as ``EXTRA_METASCHED`` and observed through the round family's
scenarios, runner and renderer (needs OAR3).
"""

from __future__ import annotations

from oar_conformance.families._family import Family
from oar_conformance.families.metasched.invariants import INVARIANTS
from oar_conformance.families.rounds import (
    RoundOutcome,
    RoundScenario,
    classify_round,
    round_runner,
    round_scenarios,
    round_size,
)
from oar_conformance.families.rounds.render import round_case

__all__ = ["FAMILY"]

FAMILY: Family[RoundScenario, RoundOutcome] = Family(
    invariants=INVARIANTS,
    scenarios=round_scenarios,
    runner=round_runner,
    classify=classify_round,
    size=round_size,
    render=round_case,
    needs_oar3=True,
    needs_database=True,
)

"""The metasched family: ``oar.extra_metasched_func`` plugins in real rounds (M1, M2).

The plugin is configured as ``EXTRA_METASCHED`` and observed through the round family's
scenarios, runner and renderer (needs OAR3): only the invariants differ, and one run of
rounds feeds M1, M2, R1 and R2.
"""

from __future__ import annotations

from dataclasses import replace

from oar_conformance.families import rounds
from oar_conformance.families._family import Family
from oar_conformance.families.metasched.invariants import INVARIANTS
from oar_conformance.families.rounds import RoundOutcome, RoundScenario

__all__ = ["FAMILY"]

FAMILY: Family[RoundScenario, RoundOutcome] = replace(
    rounds.FAMILY, invariants=INVARIANTS, examples=rounds.FAMILY.name
)

"""Every plugin family the kit checks, registered here and nowhere else.

Each family is a package (scenario, OAR3 adapter, outcome, invariants, rendering side by
side) described by one :class:`~oar_conformance.families._family.Family` record; the
driver, report, pytest plugin, CLI, statistics and benchmark iterate :data:`FAMILIES`.
A new family is a new package here and one line in :data:`FAMILIES`.
"""

from __future__ import annotations

from typing import Any

from oar_conformance.families import assign, campaigns, find, metasched, rounds, sort
from oar_conformance.families._family import Family, Runner

__all__ = ["FAMILIES", "Family", "Runner"]

FAMILIES: tuple[Family[Any, Any], ...] = (
    find.FAMILY,
    assign.FAMILY,
    sort.FAMILY,
    metasched.FAMILY,
    rounds.FAMILY,
    campaigns.FAMILY,
)
"""The families in catalogue order."""

"""The invariant catalogue: every family's invariants, looked up by id or entry-point group.

The pytest plugin, the CLI and the documentation list and select invariants from here.
An id registered by two families is a usage error.
"""

from __future__ import annotations

from typing import Any

from oar_conformance.errors import UsageError
from oar_conformance.families import FAMILIES, Family
from oar_conformance.invariant import Invariant, Severity

__all__ = ["Invariant", "Severity", "by_group", "families", "family_of", "get", "registered"]


def _index() -> dict[str, Invariant[Any, Any]]:
    found: dict[str, Invariant[Any, Any]] = {}
    for family in FAMILIES:
        for inv in family.invariants:
            if inv.id in found:
                msg = (
                    f"invariant id={inv.id!r} is registered by the {found[inv.id].family} and "
                    f"{inv.family} families; give one of them a new id"
                )
                raise UsageError(msg)
            found[inv.id] = inv
    return found


_BY_ID = _index()
_BY_NAME = {family.name: family for family in FAMILIES}


def families() -> tuple[Family[Any, Any], ...]:
    """Every family, in catalogue order."""
    return FAMILIES


def family_of(invariant: Invariant[Any, Any]) -> Family[Any, Any]:
    """The family that registered ``invariant``."""
    return _BY_NAME[invariant.family]


def registered() -> list[Invariant[Any, Any]]:
    """Every invariant, in catalogue order (family, then number)."""
    return list(_BY_ID.values())


def by_group(group: str) -> list[Invariant[Any, Any]]:
    """The invariants that check plugins of entry-point ``group``."""
    return [inv for inv in _BY_ID.values() if group in inv.groups]


def get(invariant_id: str) -> Invariant[Any, Any]:
    """The invariant with ``invariant_id``; a usage error lists the known ids."""
    try:
        return _BY_ID[invariant_id.upper()]
    except KeyError:
        msg = f"invariant {invariant_id!r} is unknown; known ids: {', '.join(_BY_ID)}"
        raise UsageError(msg) from None

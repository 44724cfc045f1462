"""The invariant catalogue: one module per family, all registered by id."""

from __future__ import annotations

from oar_conformance.invariants._registry import (
    FAMILY_GROUPS,
    GROUPS,
    Invariant,
    Severity,
    by_group,
    get,
    registered,
)

__all__ = ["FAMILY_GROUPS", "GROUPS", "Invariant", "Severity", "by_group", "get", "registered"]

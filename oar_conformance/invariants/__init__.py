"""The invariant catalogue: one module per family, all registered by id."""

from __future__ import annotations

from oar_conformance.invariants._registry import (
    GROUPS,
    Invariant,
    Severity,
    by_group,
    get,
    registered,
)

__all__ = ["GROUPS", "Invariant", "Severity", "by_group", "get", "registered"]

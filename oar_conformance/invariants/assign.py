"""Assign invariants A1-A8: what an ``oar.assign_func`` plugin must do to a schedule."""

from __future__ import annotations

__all__: list[str] = []

"""Sort invariants S1-S5: what an ``oar.jobs_sorting_func`` plugin must return."""

from __future__ import annotations

__all__: list[str] = []

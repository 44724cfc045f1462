"""The kit's exceptions: one root, usage errors kept apart from conformance failures.

A ``UsageError`` means the kit was called wrongly (unknown plugin, bad option value) and
should be fixed by whoever runs it. A ``ConformanceFailure`` means the plugin under test
broke an invariant; it carries the violation so reports can render it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oar_conformance.violations import Violation

__all__ = [
    "CheckSkipped",
    "ConformanceFailure",
    "OarConformanceError",
    "PluginLoadError",
    "UsageError",
]


class OarConformanceError(Exception):
    """Root of every exception the kit raises on purpose."""


class UsageError(OarConformanceError):
    """The kit was called wrongly; the message says what to change."""


class PluginLoadError(UsageError):
    """A plugin's entry point exists but its module could not be imported or loaded."""


class ConformanceFailure(OarConformanceError, AssertionError):
    """A plugin broke an invariant; ``violation`` says which, on what, and how."""

    def __init__(self, violation: Violation, text: str | None = None) -> None:
        self.violation = violation
        summary = f"{violation.invariant_id} {violation.title}: {violation.message}"
        super().__init__(summary if text is None else f"{summary}\n\n{text}")


class CheckSkipped(OarConformanceError):
    """A check could not run meaningfully (e.g. the plugin keeps hanging); says why.

    ``need``: the observation that cannot be made here (e.g. ``"other-db"``), so that only
    the invariants needing it are skipped and the others of the run go on.
    """

    need: str | None = None

"""The kit's exceptions: one root, usage errors kept apart from conformance failures.

A ``KitError`` is a bug of the kit itself, never the plugin's. A ``UsageError`` means the
kit was called wrongly (unknown plugin, bad option value) and
should be fixed by whoever runs it. A ``ConformanceFailure`` means the plugin under test
broke an invariant; it carries the violation so reports can render it.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oar_conformance.violations import Violation

__all__ = [
    "CheckSkipped",
    "CheckUndecided",
    "ConformanceFailure",
    "KitError",
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


class CheckUndecided(CheckSkipped):
    """Too many of a check's examples could not be judged for its pass to mean anything:
    shown as skipped with the reason, and as a failure under ``--oar-strict``."""


class KitError(OarConformanceError):
    """A bug of the kit itself (a check or an adapter that raised): never the plugin's.

    The CLI exits 3 on it and pytest shows it as an error of the check it ended, with
    ``details`` (the original traceback) and a request to report it.
    """

    def __init__(self, where: str, error: BaseException) -> None:
        summary = "".join(traceback.format_exception_only(type(error), error)).strip()
        super().__init__(f"internal error of oar-conformance in {where}: {summary}")
        self.details = "".join(traceback.format_exception(error)).strip()

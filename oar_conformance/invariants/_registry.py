"""The invariant registry: every check with its id, title, severity and rationale.

Checks register themselves with :func:`invariant`; the pytest plugin, the CLI and the
documentation list and select them from here by id. A duplicate id is a usage error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from oar_conformance.errors import UsageError
from oar_conformance.violations import Violation

__all__ = [
    "FAMILY_GROUPS",
    "GROUPS",
    "Invariant",
    "Severity",
    "by_group",
    "get",
    "invariant",
    "registered",
]

GROUPS = {
    "find": "oar.find_func",
    "assign": "oar.assign_func",
    "sort": "oar.jobs_sorting_func",
    "metasched": "oar.extra_metasched_func",
}
"""Plugin family -> the entry-point group whose plugins it checks."""

FAMILY_GROUPS: dict[str, tuple[str, ...]] = {
    **{family: (group,) for family, group in GROUPS.items()},
    "round": tuple(GROUPS.values()),
}
"""Invariant family -> the entry-point groups whose plugins it checks.

``round`` invariants judge a whole database round with the plugin configured as OAR3
would (a ``find=``/``assign=`` job type, ``CUSTOM_JOB_SORTING``, ``EXTRA_METASCHED``), so
they check plugins of every group.
"""


class Severity(str, Enum):
    """``contract`` failures fail the run; ``advisory`` ones only under ``--oar-strict``."""

    CONTRACT = "contract"
    ADVISORY = "advisory"


Check = Callable[[Any, Any], Iterable[Violation]]
C = TypeVar("C", bound=Check)


@dataclass(frozen=True)
class Invariant:
    """One registered invariant.

    ``check(scenario, outcome)`` yields violations. ``needs`` names the extra observations
    the runner must make for it (``"repeat"``: call the plugin twice; ``"reference"``: also
    run OAR3's default; ``"errors"``: it reports failed calls, so it keeps calling a plugin
    that hangs).
    """

    id: str
    family: str
    slug: str
    title: str
    severity: Severity
    rationale: str
    check: Check
    needs: frozenset[str]

    @property
    def groups(self) -> tuple[str, ...]:
        """The entry-point groups whose plugins this invariant checks."""
        return FAMILY_GROUPS[self.family]

    @property
    def group(self) -> str:
        """The groups as one text: the group, or ``every group`` for round invariants."""
        groups = self.groups
        return groups[0] if len(groups) == 1 else "every group"

    def violation(self, message: str, **fields: Any) -> Violation:
        """A violation of this invariant with its id and title filled in."""
        return Violation(invariant_id=self.id, title=self.title, message=message, **fields)


_REGISTRY: dict[str, Invariant] = {}


def invariant(
    id: str,
    *,
    family: str,
    slug: str,
    title: str,
    rationale: str,
    severity: Severity = Severity.CONTRACT,
    needs: Iterable[str] = (),
) -> Callable[[C], C]:
    """Register the decorated function as the check of invariant ``id``."""
    if family not in FAMILY_GROUPS:
        msg = f"family={family!r} is not one of {sorted(FAMILY_GROUPS)}"
        raise UsageError(msg)

    def register(check: C) -> C:
        if id in _REGISTRY:
            msg = f"invariant id={id!r} is registered twice; pick a new id"
            raise UsageError(msg)
        _REGISTRY[id] = Invariant(
            id, family, slug, title, severity, rationale, check, frozenset(needs)
        )
        return check

    return register


def _load_catalogue() -> None:
    from oar_conformance.invariants import (  # noqa: F401, PLC0415
        assign,
        find,
        metasched,
        rounds,
        sort,
    )


def registered() -> list[Invariant]:
    """Every invariant, in catalogue order (family, then number)."""
    _load_catalogue()
    order = list(FAMILY_GROUPS)
    return sorted(_REGISTRY.values(), key=lambda i: (order.index(i.family), int(i.id[1:])))


def by_group(group: str) -> list[Invariant]:
    """The invariants that check plugins of entry-point ``group``."""
    return [inv for inv in registered() if group in inv.groups]


def get(invariant_id: str) -> Invariant:
    """The invariant with ``invariant_id``; a usage error lists the known ids."""
    _load_catalogue()
    try:
        return _REGISTRY[invariant_id.upper()]
    except KeyError:
        msg = f"invariant {invariant_id!r} is unknown; known ids: {', '.join(_REGISTRY)}"
        raise UsageError(msg) from None

"""The inputs of one ``oar.find_func`` call, as plain values."""

from __future__ import annotations

from dataclasses import dataclass

from procset import ProcSet

from oar_conformance.model import Group, Platform, _ShortRepr, ids_text, request_oarsub

__all__ = ["DATA_TYPES", "FindScenario"]

Ids = frozenset[int]


@dataclass(frozen=True)
class FindScenario(_ShortRepr):
    """Everything one call of an ``oar.find_func`` plugin receives, as plain values.

    ``available`` is the ``itvs_avail`` OAR3 computes from the slots; ``beginning`` says
    whether the time window starts at the beginning of the slot set.
    """

    platform: Platform
    available: Ids
    groups: tuple[Group, ...]
    beginning: bool = True

    @property
    def busy(self) -> Ids:
        return self.platform.resources - self.available

    def oarsub(self) -> str:
        return request_oarsub(self.groups)

    def hy_res_rqts(self) -> list[tuple[list[tuple[str, int]], ProcSet]]:
        return [g.hy_res_rqt() for g in self.groups]

    def __repr__(self) -> str:
        return (
            f"FindScenario({self.platform!r}, request={self.oarsub()!r}, "
            f"available={ids_text(self.available)!r}, beginning={self.beginning})"
        )


DATA_TYPES: tuple[type, ...] = (FindScenario,)
"""The types of this family's scenarios besides the model's: what its report files hold."""

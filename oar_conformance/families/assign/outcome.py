"""What a round with an assign plugin gave: per job, its placement and the slot sets.

Plain values read back from OAR3's objects by the runner; invariants and renderers read
these, never OAR3's objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from oar_conformance.outcome import PluginError

__all__ = ["AssignOutcome", "JobResult", "Placement", "SlotRecord", "SlotSnapshot"]

Ids = frozenset[int]


@dataclass(frozen=True)
class SlotRecord:
    """One entry of ``SlotSet.slots``: its key, its links, its span and its free ids.

    ``begin`` and ``end`` are inclusive seconds (OAR3's ``b`` and ``e``).
    """

    key: int
    id: int
    prev: int
    next: int
    begin: int
    end: int
    free: Ids


@dataclass(frozen=True)
class SlotSnapshot:
    """A slot set as plain values: its ``begin`` and every slot, in ``slots`` dict order.

    ``unreadable`` says why it could not be read (a plugin left something else in it);
    ``slots`` is then empty.
    """

    begin: int
    slots: tuple[SlotRecord, ...]
    unreadable: str = ""


class Placement(NamedTuple):
    """What one job ended up with: compared between runs (repeat, OAR3's default)."""

    job_id: int
    start_time: int | None
    walltime: int | None
    moldable_id: int | None
    res_set: Ids | None

    @property
    def scheduled(self) -> bool:
        return self.start_time is not None and self.start_time >= 0 and bool(self.res_set)


@dataclass(frozen=True)
class JobResult:
    """One waiting job after its turn in the round.

    ``called`` is false when OAR3 did not call the plugin (a dependency it cannot wait
    for: it sets ``start_time = -1`` itself). ``min_start_time`` is what OAR3 passed. The
    four attributes are ``None`` when the plugin left them unset or set them to a value
    of the wrong type (then ``bad_types`` says which and what). ``before``/``after`` are
    the slot set around the call; ``error`` is the failed call that ended the round.
    """

    job_id: int
    called: bool
    min_start_time: int
    start_time: int | None
    walltime: int | None
    moldable_id: int | None
    res_set: Ids | None
    bad_types: tuple[str, ...] = ()
    before: SlotSnapshot | None = None
    after: SlotSnapshot | None = None
    error: PluginError | None = None
    seconds: float = 0.0

    @property
    def placement(self) -> Placement:
        return Placement(
            self.job_id, self.start_time, self.walltime, self.moldable_id, self.res_set
        )


@dataclass(frozen=True)
class AssignOutcome:
    """One observed round (or several) of an ``oar.assign_func`` plugin.

    ``jobs`` holds a result per job the round reached, in scheduling order; ``error`` is
    the first failed call (the round stops there). ``repeat`` is what a second identical
    round gave (``None`` unless an invariant needed it, ``repeat_error`` when it failed);
    ``reference`` is what OAR3's default assign gives on the same scenario (``None`` when
    not computed). ``seconds`` is the plugin's total call time.
    """

    jobs: tuple[JobResult, ...]
    error: PluginError | None = None
    repeat: tuple[Placement, ...] | None = None
    repeat_error: PluginError | None = None
    reference: tuple[Placement, ...] | None = None
    seconds: float = 0.0

    @property
    def placements(self) -> tuple[Placement, ...]:
        return tuple(r.placement for r in self.jobs)

    @property
    def allocated(self) -> bool:
        """At least one job was scheduled."""
        return any(r.placement.scheduled for r in self.jobs)

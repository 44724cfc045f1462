"""What a round with an assign plugin gave: per job, its placement and the slot sets.

Plain values read back from OAR3's objects by the runner; invariants and renderers read
these, never OAR3's objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from oar_conformance.outcome import PluginError

__all__ = [
    "AssignOutcome",
    "FindCalls",
    "JobResult",
    "Placement",
    "QuotaCheck",
    "QuotaUsage",
    "SlotRecord",
    "SlotSnapshot",
]

Ids = frozenset[int]


class QuotaUsage(NamedTuple):
    """What jobs matching a quota counter held at one slot: ``key`` is the counter's
    ``queue,project,type,user`` (a name where the rule has ``/``)."""

    key: str
    resources: int
    jobs: int


@dataclass(frozen=True)
class QuotaCheck:
    """OAR3's ``Quotas.check_slots_quotas`` for a placed job, on the slot set it was given.

    ``ok`` is OAR3's verdict; when false, ``message`` is OAR3's (``nb resources quotas
    failed``), ``rule`` the rule's key, ``limit`` its value, and ``slot`` the span
    ``(begin, end)`` of the slot of the job's window where the rule's counter was highest,
    with ``usage`` there before the job: the rule's counter, then per user and per
    project. ``job_resources`` counts the job's resources of type ``default``.
    """

    ok: bool
    job_resources: int
    message: str = ""
    rule: str = ""
    limit: int = -1
    slot: tuple[int, int] | None = None
    usage: tuple[QuotaUsage, ...] = ()


@dataclass(frozen=True)
class FindCalls:
    """The job's own find function (type ``find=NAME``) during and after the call.

    ``answers`` are what it answered each time the plugin's call ran it, as id sets;
    ``window`` is what it answers over the resources free all along the placed job's
    window (``None`` when the job was not placed or the slot set could not be read).
    """

    name: str
    answers: tuple[Ids, ...]
    window: Ids | None = None


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
    ``quotas`` is OAR3's quota check of the placement (quotas on, job placed, not
    ``no_quotas``); ``find`` what the job's own find function answered (a ``find=`` job).
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
    quotas: QuotaCheck | None = None
    find: FindCalls | None = None

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

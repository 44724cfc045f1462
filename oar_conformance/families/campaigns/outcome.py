"""What a campaign left after every round: jobs, gantt, frags, resources, as plain values.

The runner reads the database back after each round (:class:`RoundRecord`); invariants
and renderers read these values only. A campaign observed with OAR3's default in place
of the plugin (``oar3``) lets invariants set OAR3's own behaviour apart; ``other`` is the
same campaign on the other kind of database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from oar_conformance.families.rounds.outcome import OAR3_ALONE, OTHER_DB
from oar_conformance.outcome import PluginError
from oar_conformance.plugins import METASCHED_GROUP

__all__ = [
    "ENDED",
    "LAUNCHED",
    "OAR3_ALONE",
    "OAR3_ALONE_ONLY",
    "OTHER_DB",
    "CampaignOutcome",
    "JobRow",
    "Planned",
    "RoundRecord",
    "Trace",
    "merge",
]

# OAR3_ALONE (every campaign invariant's confirmation: the same campaign with OAR3's
# default in place of the plugin) and OTHER_DB (C11: the other kind of database) are the
# round family's needs, spelt once there.
OAR3_ALONE_ONLY = "oar3-alone only"
"""That campaign only, made by a second worker beside the first."""

Ids = frozenset[int]
LAUNCHED = frozenset({"toLaunch", "Launching", "Running"})
"""States of a job the meta-scheduler launched that still holds its resources."""
ENDED = frozenset({"Terminated", "Error"})
"""States of a job that has ended."""


@dataclass(frozen=True)
class JobRow:
    """One job after a round: state, start time, assigned moldable and resources.

    ``moldable`` is the job's moldable id (1-based, the scenario's), 0 when none is
    assigned; ``ids`` its ``assigned_resources``; ``reservation`` OAR3's column
    (``None``, ``toSchedule``, ``Scheduled``); ``walltime`` the assigned moldable's, as
    the database holds it (OAR3 shortens a reservation launched late), 0 when none.
    """

    id: int
    state: str
    start: int
    moldable: int
    ids: Ids
    reservation: str = "None"
    walltime: int = 0

    @property
    def launched(self) -> bool:
        return self.state in LAUNCHED


@dataclass(frozen=True)
class Planned:
    """One row of the gantt after a round: the job, its moldable, start and resources."""

    job_id: int
    moldable: int
    start: int
    ids: Ids


@dataclass(frozen=True)
class RoundRecord:
    """The step's effect and the round after it.

    ``note`` says what the step did (or why it did nothing); ``now`` is the round's
    clock; ``before`` the jobs' states when the round began (after the tick), ``jobs``
    and ``gantt`` what it left. ``fragged`` are the jobs with a frag request after the
    round, ``new_frags`` those the round itself added. ``resources`` and ``queues``
    are their states during the round. ``error`` ends the campaign.
    """

    note: str
    now: int
    before: tuple[tuple[int, str], ...]
    jobs: tuple[JobRow, ...]
    gantt: tuple[Planned, ...]
    fragged: frozenset[int]
    new_frags: frozenset[int]
    resources: tuple[tuple[int, str], ...]
    queues: tuple[tuple[str, str], ...]
    error: PluginError | None = None

    def job(self, job_id: int) -> JobRow | None:
        return next((j for j in self.jobs if j.id == job_id), None)

    def planned(self, job_id: int) -> Planned | None:
        return next((p for p in self.gantt if p.job_id == job_id), None)

    @property
    def state_of(self) -> dict[int, str]:
        return {j.id: j.state for j in self.jobs}

    @property
    def tables(self) -> tuple[object, ...]:
        """What C11 compares between databases: jobs, gantt, frags and resources."""
        return (self.jobs, self.gantt, self.fragged, self.resources, self.queues)


@dataclass(frozen=True)
class Trace:
    """Every round of one campaign, in step order; it ends at the first failed round."""

    rounds: tuple[RoundRecord, ...]
    db: str = "sqlite"

    @property
    def error(self) -> PluginError | None:
        return self.rounds[-1].error if self.rounds else None


@dataclass(frozen=True)
class CampaignOutcome:
    """One observed campaign: the plugin's trace, OAR3's alone, the other database's.

    ``group`` is the plugin's entry-point group; ``plugin_calls`` counts its calls and
    ``seconds`` their time over the whole campaign.
    """

    trace: Trace
    oar3: Trace | None = None
    other: Trace | None = None
    seconds: float = 0.0
    group: str = METASCHED_GROUP
    plugin_calls: int = 0
    lost: PluginError | None = None
    """The plugin's call that never answered (its worker died or was killed)."""

    @property
    def error(self) -> PluginError | None:
        return self.lost or self.trace.error

    @property
    def db(self) -> str:
        return self.trace.db


def merge(first: CampaignOutcome, second: CampaignOutcome) -> CampaignOutcome:
    """The plugin's campaign (``first``) with OAR3's alone made beside it (``second``).

    A second worker that never answered leaves the blame undecided: the first's
    breaches are then all the plugin's.
    """
    return replace(first, oar3=second.oar3)

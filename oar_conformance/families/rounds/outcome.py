"""What one database round gave: the plugin's calls, the gantt, the jobs' states.

Plain values read back from the database by the runner; invariants and renderers read
these, never OAR3's objects or the session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from oar_conformance.outcome import PluginError
from oar_conformance.plugins import METASCHED_GROUP

__all__ = [
    "OAR3_ALONE",
    "OTHER_DB",
    "OTHER_DB_ALONE",
    "Call",
    "GanttEntry",
    "RoundOutcome",
    "RoundResult",
    "merge",
]

OTHER_DB = "other-db"
"""R2's need: the same round on the other kind of database."""
OTHER_DB_ALONE = "other-db alone"
"""The other database's round only, made by a second worker beside the first."""
OAR3_ALONE = "oar3-alone"
"""R1's confirmation: the same round with OAR3's defaults in the plugin's place."""

Ids = frozenset[int]


@dataclass(frozen=True)
class Call:
    """One call of the plugin: the queue groups it received, and what went wrong.

    ``prev_queues`` is ``None`` when OAR3 passed ``None``; queue groups are names with
    priorities, read when the call began. ``error`` is an exception or timeout;
    ``session_error`` says why the session no longer answered ``SELECT 1`` after it.
    """

    prev_queues: tuple[tuple[str, int], ...] | None
    queues: tuple[tuple[str, int], ...]
    error: PluginError | None = None
    session_error: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class GanttEntry:
    """One job in the gantt after the round: its moldable, start, walltime and resources.

    ``moldable_id`` is the scenario's (0 for a running job); ``walltime`` excludes the
    security time.
    """

    job_id: int
    moldable_id: int
    start: int
    walltime: int
    ids: Ids
    running: bool


@dataclass(frozen=True)
class RoundResult:
    """What one round gave: the calls observed, the gantt, the jobs' states.

    ``calls`` are a metasched plugin's calls; ``plugin_calls`` and ``plugin_seconds``
    count every call of the plugin under test, whatever its group. ``error`` is the
    plugin's failed call, or OAR3's own failure later in the round; ``gantt`` is empty
    when the session could not be read any more.
    """

    calls: tuple[Call, ...]
    gantt: tuple[GanttEntry, ...]
    states: tuple[tuple[int, str], ...]
    error: PluginError | None = None
    plugin_calls: int = 0
    plugin_seconds: float = 0.0

    @property
    def schedule(self) -> tuple[tuple[int, int, int, tuple[int, ...]], ...]:
        """The gantt as comparable values: (job, moldable, start, sorted ids)."""
        return tuple(
            sorted((e.job_id, e.moldable_id, e.start, tuple(sorted(e.ids))) for e in self.gantt)
        )


@dataclass(frozen=True)
class RoundOutcome:
    """One observed round: a metasched plugin's calls, the gantt, the jobs' states.

    ``group`` is the plugin's entry-point group and ``plugin_calls`` how many times OAR3
    called it; ``plugin_jobs_placed`` counts the placed jobs whose type names it. ``db``
    names the database kind it ran on. ``other`` is the same round on the other kind of
    database (``None`` unless R2 asked for it), ``other_db`` its kind.
    """

    calls: tuple[Call, ...]
    gantt: tuple[GanttEntry, ...]
    states: tuple[tuple[int, str], ...]
    error: PluginError | None = None
    db: str = "sqlite"
    other: RoundResult | None = None
    other_db: str = ""
    seconds: float = 0.0
    group: str = METASCHED_GROUP
    plugin_calls: int = 0
    plugin_jobs_placed: int = 0
    oar3: RoundResult | None = None
    """The same round with OAR3's defaults in the plugin's place (made only to confirm a
    round that failed in OAR3's code: does OAR3 alone fail it the same way?)."""

    @property
    def scheduled(self) -> bool:
        """At least one waiting job got a place in the gantt."""
        return any(not e.running for e in self.gantt)


def merge(first: RoundOutcome, second: RoundOutcome) -> RoundOutcome:
    """The main round (``first``) with the other database's round made beside it.

    A second worker that never answered (killed, dead) fails the example as the first
    worker's would, so R1 or M2 reports it.
    """
    if second.other is None:
        return replace(first, error=first.error or second.error)
    return replace(first, other=second.other, other_db=second.other_db)

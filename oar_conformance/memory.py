"""What one run learns as it goes, owned by that run and dropped with it.

A pytest session or one :func:`~oar_conformance.driver.check` call has one
:class:`RunMemory` (in its :class:`~oar_conformance.options.CheckOptions`): the example
that hung each (plugin, run), the worker processes kept for a plugin's next runs. Nothing
of it lives in a module, so two checks in one process give the verdicts two processes
would, and every key is a value, never an object's ``id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["RunMemory"]


class _Closable(Protocol):
    def __reduce__(self) -> tuple[type[RunMemory], tuple[()]]:
        """Options sent to a worker process carry an empty memory: what a run learns
        (its workers above all) stays with the run."""
        return (RunMemory, ())

    def close(self) -> None: ...


@dataclass
class RunMemory:
    """The hung examples and the kept workers of one run (see the module doc)."""

    killed: dict[tuple[str, str], tuple[Any, Any]] = field(default_factory=dict)
    """(plugin, run) -> the first example whose worker was killed for not answering:
    the run's later checks of failed calls report it without calling the plugin again."""
    workers: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    """Worker processes kept for a plugin's next runs, keyed by every setting they were
    started with (by value)."""

    def close(self) -> None:
        """Stop the workers this run kept and forget what it learnt."""
        workers: list[_Closable] = list(self.workers.values())
        self.workers.clear()
        self.killed.clear()
        for worker in workers:
            worker.close()

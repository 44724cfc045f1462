"""What a sort plugin answered, as plain values, and how an answer is read.

The runner fills these; invariants and renderers read them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from oar_conformance.families.sort.scenario import SortScenario
from oar_conformance.outcome import PluginError

__all__ = ["Answer", "SortOutcome", "jids_text", "permutation_problems", "swapped_twins"]


@dataclass(frozen=True)
class Answer:
    """What one call returned: the order as ints, or the error that replaced it.

    ``error.kind`` is ``"raised"`` or ``"timeout"`` for a failed call, ``"type"`` when it
    returned something that is not a list (or tuple) of job ids.
    """

    order: tuple[int, ...] | None
    error: PluginError | None = None

    @property
    def failed(self) -> bool:
        """The call raised or timed out (a wrong return value is not a failure)."""
        return self.error is not None and self.error.kind != "type"

    def text(self) -> str:
        """The answer for a report: ``[3, 1, 2]`` or ``error: ...``."""
        if self.order is not None:
            return str(list(self.order))
        assert self.error is not None
        return f"error: {self.error.summary}"


@dataclass(frozen=True)
class SortOutcome:
    """One observed call of a sorting plugin, and the extra calls invariants asked for.

    ``answer`` is the first call's; ``mutated`` names the inputs it changed in place
    (``queues``, ``waiting_jids``, ``waiting_jobs``, or ``waiting_jobs[jid].attribute``;
    new attributes on a job do not count). ``repeat``, ``reorder`` and ``resort`` are the
    answers of the extra calls (``None`` when not made). ``seconds`` times the first call.
    """

    answer: Answer
    mutated: tuple[str, ...] = ()
    repeat: Answer | None = None
    reorder: Answer | None = None
    resort: Answer | None = None
    seconds: float = 0.0

    @property
    def result(self) -> tuple[int, ...] | None:
        """The first call's order, ``None`` when it failed or returned no list of ids."""
        return self.answer.order

    @property
    def error(self) -> PluginError | None:
        """Why the first call gave no order (raised, timeout, or a wrong return type)."""
        return self.answer.error


def jids_text(jids: Sequence[int]) -> str:
    """Job ids for a message: ``3, 5 and 8``."""
    words = [str(j) for j in jids]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def permutation_problems(expected: Sequence[int], order: Sequence[int]) -> dict[str, list[int]]:
    """What keeps ``order`` from being a permutation of ``expected``, by kind.

    ``lost``: expected ids missing; ``duplicated``: ids returned more than once (each
    listed once); ``invented``: ids not in ``expected``. Kinds without ids are left out.
    """
    wanted = set(expected)
    counts = Counter(order)
    found = {
        "lost": [j for j in expected if j not in counts],
        "duplicated": [j for j in counts if counts[j] > 1 and j in wanted],
        "invented": [j for j in counts if j not in wanted],
    }
    return {kind: ids for kind, ids in found.items() if ids}


def swapped_twins(scenario: SortScenario, order: Sequence[int]) -> list[tuple[int, int]]:
    """Pairs of jobs identical but for their ids that ``order`` puts in reverse input order."""
    position = {jid: i for i, jid in enumerate(order)}
    return [
        (a, b)
        for a, b in scenario.twins()
        if a in position and b in position and position[a] > position[b]
    ]

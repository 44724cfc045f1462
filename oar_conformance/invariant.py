"""Invariants as records: id, title, severity, rationale, and a typed check.

A check reads a family's plain scenario and outcome values and yields :class:`Breach`
values (what is wrong, received, expected, kind), or :class:`Unjudged` when it cannot
decide the example; :meth:`Invariant.assess` turns them into a :class:`Judgement`:
:class:`~oar_conformance.violations.Violation` values carrying the id, the title, the
scenario and the outcome, or the reason the example went unjudged. Each family declares
its invariants in one :class:`InvariantSet`; :mod:`oar_conformance.catalogue` gathers
every family's set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Generic, TypeVar

from oar_conformance.errors import UsageError
from oar_conformance.violations import Breach, Unjudged, Violation

if TYPE_CHECKING:
    from oar_conformance.options import CheckOptions
    from oar_conformance.tally import Tally

__all__ = ["COMMON_OBSERVATIONS", "Check", "Invariant", "InvariantSet", "Judgement", "Severity"]

ScenarioT = TypeVar("ScenarioT")
OutcomeT = TypeVar("OutcomeT")

Check = Callable[[ScenarioT, OutcomeT], Iterable[Breach | Unjudged]]
"""A check: ``check(scenario, outcome)`` yields the breaches it finds, none when it holds,
and :class:`Unjudged` when it cannot tell."""

COMMON_OBSERVATIONS = frozenset({"errors"})
"""Needs every family's runner understands: ``errors``, the invariant reports failed calls
(so it keeps calling a plugin that hangs)."""


@dataclass(frozen=True)
class Judgement:
    """One invariant's verdict on one example: its violations, or why it went unjudged
    (``unjudged`` is ``None`` when the example was judged)."""

    violations: list[Violation]
    unjudged: str | None = None


class Severity(str, Enum):
    """``contract`` failures fail the run; ``advisory`` ones only under ``--oar-strict``."""

    CONTRACT = "contract"
    ADVISORY = "advisory"


@dataclass(frozen=True)
class Invariant(Generic[ScenarioT, OutcomeT]):
    """One invariant of a family.

    ``judge(scenario, outcome)`` yields breaches. ``needs`` names the extra observations
    the runner must make for it (``"repeat"``: call the plugin twice; ``"reference"``: also
    run OAR3's default; ``"errors"``: it reports failed calls, so it keeps calling a plugin
    that hangs; others are the family's own). ``groups`` are the entry-point groups whose
    plugins it checks.
    """

    id: str
    family: str
    groups: tuple[str, ...]
    slug: str
    title: str
    severity: Severity
    rationale: str
    judge: Check[ScenarioT, OutcomeT]
    needs: frozenset[str]
    tally: Callable[[CheckOptions], Tally[ScenarioT, OutcomeT]] | None = None
    """For a run-level invariant: a fresh tally of a check's examples, whose verdict the
    driver reports once the examples are done (``judge`` then yields nothing)."""
    confirm: frozenset[str] = frozenset()
    """Observations needed only to confirm a breach: an example is first observed
    without them, and observed again with them only when ``judge`` finds a breach."""

    @property
    def group(self) -> str:
        """The groups as one text: the group, or ``every group`` for round invariants."""
        return self.groups[0] if len(self.groups) == 1 else "every group"

    def violation(self, breach: Breach, scenario: ScenarioT, outcome: OutcomeT) -> Violation:
        """``breach`` found on ``scenario`` and ``outcome``, as a violation of this invariant."""
        return Violation(
            invariant_id=self.id,
            title=self.title,
            message=breach.message,
            received=breach.received,
            expected=breach.expected,
            kind=breach.kind,
            scenario=scenario,
            outcome=outcome,
            marks=dict(breach.marks),
        )

    def assess(self, scenario: ScenarioT, outcome: OutcomeT) -> Judgement:
        """The violations ``outcome`` shows on ``scenario``, with this invariant's id; when
        there are none, whether the example could be judged at all."""
        violations: list[Violation] = []
        unjudged: str | None = None
        for found in self.judge(scenario, outcome):
            if isinstance(found, Unjudged):
                unjudged = unjudged or found.reason
            else:
                violations.append(self.violation(found, scenario, outcome))
        return Judgement(violations, None if violations else unjudged)

    def check(self, scenario: ScenarioT, outcome: OutcomeT) -> list[Violation]:
        """The violations ``outcome`` shows on ``scenario`` (an unjudged example has none)."""
        return self.assess(scenario, outcome).violations


class InvariantSet(Generic[ScenarioT, OutcomeT]):
    """The invariants of one family, filled by the :meth:`register` decorator."""

    def __init__(
        self, family: str, groups: Iterable[str], observations: Iterable[str] = ()
    ) -> None:
        self.family = family
        self.groups = tuple(groups)
        self.observations = COMMON_OBSERVATIONS | frozenset(observations)
        """The needs this family's runner can meet; an invariant asking for another one is
        refused when it registers (a misspelt need would otherwise never be observed)."""
        self._items: dict[str, Invariant[ScenarioT, OutcomeT]] = {}

    def register(
        self,
        id: str,
        *,
        check: Check[ScenarioT, OutcomeT],
        slug: str,
        title: str,
        rationale: str,
        severity: Severity = Severity.CONTRACT,
        needs: Iterable[str] = (),
        tally: Callable[[CheckOptions], Tally[ScenarioT, OutcomeT]] | None = None,
        confirm: Iterable[str] = (),
    ) -> None:
        """Register ``check`` as the check of invariant ``id``.

        Called after the check's definition rather than as a decorator, so that mutation
        testing (which leaves decorated functions alone) reaches the checks' bodies.
        """
        wanted, confirming = frozenset(needs), frozenset(confirm)
        if id in self._items:
            msg = f"invariant id={id!r} is registered twice in {self.family}; pick a new id"
            raise UsageError(msg)
        unknown = sorted((wanted | confirming) - self.observations)
        if unknown:
            msg = (
                f"invariant {id} needs {unknown}, which the {self.family} family cannot "
                f"observe; use one of {sorted(self.observations)}"
            )
            raise UsageError(msg)
        self._items[id] = Invariant(
            id,
            self.family,
            self.groups,
            slug,
            title,
            severity,
            rationale,
            check,
            wanted,
            tally,
            confirming,
        )

    def register_tally(
        self,
        id: str,
        *,
        slug: str,
        title: str,
        rationale: str,
        tally: Callable[[CheckOptions], Tally[ScenarioT, OutcomeT]],
        severity: Severity = Severity.CONTRACT,
        needs: Iterable[str] = (),
    ) -> None:
        """Register run-level invariant ``id``: judged by ``tally`` on a whole check."""
        self.register(
            id,
            slug=slug,
            title=title,
            rationale=rationale,
            severity=severity,
            needs=needs,
            tally=tally,
            check=_no_breach,
        )

    def __iter__(self) -> Iterator[Invariant[ScenarioT, OutcomeT]]:
        return iter(sorted(self._items.values(), key=lambda i: int(i.id[1:])))

    def __len__(self) -> int:
        return len(self._items)


def _no_breach(scenario: object, outcome: object) -> Iterator[Breach]:
    """The per-example check of a run-level invariant: its tally judges instead."""
    return iter(())

"""Views of Hypothesis' example database for the kit's two kinds of runs.

Every invariant keeps its saved counterexamples under its own check (``PLUGIN::ID``).
The replay pass of a plugin's run replays all of them (read only: it never fails, so
Hypothesis would delete them); its search reads none, so a seeded run draws the same
examples with or without them. An invariant's shrinking run starts from the example the
run found, handed over as a secondary (not yet shrunk) entry and the only one offered,
so the counterexample depends on that example only; what it finds is still saved for the
next run's replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from hypothesis.database import ExampleDatabase, InMemoryExampleDatabase

__all__ = ["check_database", "seeded_database", "shared_database"]

_SECONDARY = b".secondary"


class _CheckDatabase(ExampleDatabase):
    """Hypothesis' example database with the keys of one (plugin, invariant) check apart.

    Every check runs the same test body, so Hypothesis gives them one key; prefixing it
    with the check keeps each check's failing examples to itself.
    """

    def __init__(self, inner: ExampleDatabase, check: str) -> None:
        super().__init__()
        self._inner = inner
        self._prefix = check.encode() + b"::"

    def save(self, key: bytes, value: bytes) -> None:
        self._inner.save(self._prefix + key, value)

    def fetch(self, key: bytes) -> Iterable[bytes]:
        return self._inner.fetch(self._prefix + key)

    def delete(self, key: bytes, value: bytes) -> None:
        self._inner.delete(self._prefix + key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self._inner.move(self._prefix + src, self._prefix + dest, value)


class _SharedDatabase(ExampleDatabase):
    """The saved examples of several checks, read only, for the run that feeds them all."""

    def __init__(self, views: Sequence[ExampleDatabase]) -> None:
        super().__init__()
        self._views = views

    def fetch(self, key: bytes) -> Iterator[bytes]:
        seen: set[bytes] = set()
        for view in self._views:
            for value in view.fetch(key):
                if value not in seen:
                    seen.add(value)
                    yield value

    def save(self, key: bytes, value: bytes) -> None:
        """Nothing: each invariant's own run saves its counterexample."""

    def delete(self, key: bytes, value: bytes) -> None:
        """Nothing: an example that does not fail here may still fail its own check."""


class _SeededDatabase(ExampleDatabase):
    """A check's database that offers one not-yet-shrunk example only, and saves to the
    check's own: a counterexample saved by another run never takes the example's place."""

    def __init__(self, inner: ExampleDatabase, choices: bytes) -> None:
        super().__init__()
        self._inner = inner
        self._choices = choices

    def fetch(self, key: bytes) -> Iterator[bytes]:
        if key.endswith(_SECONDARY):
            yield self._choices

    def save(self, key: bytes, value: bytes) -> None:
        self._inner.save(key, value)

    def delete(self, key: bytes, value: bytes) -> None:
        self._inner.delete(key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self._inner.move(src, dest, value)


def _base(value: Any) -> ExampleDatabase | None:
    """``value`` as a database: ``"default"`` is Hypothesis' own, ``None`` none.

    Under the profile Hypothesis loads by itself when it sees a CI environment (``CI``,
    ``GITLAB_CI``, ...), Hypothesis keeps no database; the kit then keeps its examples in
    ``.hypothesis/examples`` all the same, the folder the CI templates cache between
    runs, so that a CI run replays what the previous one found. A profile the user
    loaded keeps its own choice, ``database=None`` included.
    """
    from hypothesis import settings  # noqa: PLC0415

    if value != "default":
        database: ExampleDatabase | None = value
        return database
    current = settings()
    if current.database is None and settings.default is settings.get_profile("ci"):
        kept: ExampleDatabase | None = settings.get_profile("default").database
        return kept
    return current.database


def check_database(value: Any, check: str) -> ExampleDatabase | None:
    """The view of database ``value`` that one check (``PLUGIN::ID``) reads and writes."""
    database = _base(value)
    return None if database is None else _CheckDatabase(database, check)


def shared_database(value: Any, checks: Sequence[str]) -> ExampleDatabase | None:
    """A read-only view of the saved examples of every check in ``checks``."""
    database = _base(value)
    if database is None:
        return None
    return _SharedDatabase([_CheckDatabase(database, check) for check in checks])


def seeded_database(value: Any, check: str, choices: bytes) -> ExampleDatabase:
    """Check ``check``'s view, offering only ``choices`` (an example's choice sequence)
    to replay and shrink; in memory when the run keeps no database."""
    return _SeededDatabase(check_database(value, check) or InMemoryExampleDatabase(), choices)

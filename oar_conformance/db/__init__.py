"""Database rounds: OAR3's schema in a kit-created database, loaded, scheduled, read back.

:class:`Database` is one database the kit created (an in-memory sqlite, or a temporary
database on a throwaway or given PostgreSQL server) holding OAR3's schema once;
:meth:`Database.session` lends a session inside a transaction rolled back afterwards, so
examples are isolated without rebuilding the schema. The round family
(:mod:`oar_conformance.families.rounds`) runs OAR3's ``meta_schedule`` on such a session.
Names are imported on first use (PEP 562): :func:`start_database` costs no SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oar_conformance.db._background import start_database
    from oar_conformance.db._postgres import DatabaseUnavailable
    from oar_conformance.db._schema import Database, attach, get_database

__all__ = ["Database", "DatabaseUnavailable", "attach", "get_database", "start_database"]

_HOMES = {
    "Database": "_schema",
    "DatabaseUnavailable": "_postgres",
    "attach": "_schema",
    "get_database": "_schema",
    "start_database": "_background",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)

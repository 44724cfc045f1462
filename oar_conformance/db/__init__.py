"""Database rounds: OAR3's schema in a kit-created database, loaded, scheduled, read back.

:class:`Database` is one database the kit created (an in-memory sqlite, or a temporary
database on a throwaway or given PostgreSQL server) holding OAR3's schema once;
:meth:`Database.session` lends a session inside a transaction rolled back afterwards, so
examples are isolated without rebuilding the schema. The round family
(:mod:`oar_conformance.families.rounds`) runs OAR3's ``meta_schedule`` on such a session.
"""

from __future__ import annotations

from oar_conformance.db._postgres import DatabaseUnavailable
from oar_conformance.db._schema import Database, attach, get_database

__all__ = ["Database", "DatabaseUnavailable", "attach", "get_database"]

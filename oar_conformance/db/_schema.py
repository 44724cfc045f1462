"""OAR3's schema in a database the kit created, with the resource columns scenarios need.

The tables come from OAR3's own models (``Model.metadata.create_all``). OAR3 reads a
resource's hierarchy level and properties as columns of ``resources`` (its
``HIERARCHY_LABELS`` and the SQL of job properties), so the kit adds one column per level
name the strategies may draw plus ``color`` and ``mem``. OAR3 maps ``Resource`` and
``Job`` by reflection, once per process (``DeferredReflectionModel.prepare``): every
database the kit creates has the same columns, so that one mapping fits them all.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, inspect, text

from oar_conformance.config import shown_db
from oar_conformance.db import _pending
from oar_conformance.db._tables import refuse_oar_tables
from oar_conformance.errors import UsageError
from oar_conformance.resources import check_column_name

__all__ = [
    "LEVEL_COLUMNS",
    "PROPERTY_COLUMNS",
    "Database",
    "attach",
    "close_all",
    "create_schema",
    "declare_columns",
    "get_database",
]

LEVEL_COLUMNS: dict[str, Any] = {
    "cluster": String(255),
    "switch": String(255),
    "host": String(255),
    "cpu": Integer(),
    "core": Integer(),
}
"""One ``resources`` column per hierarchy label the strategies draw besides OAR3's own
``resource_id`` and ``network_address`` (``cpu`` and ``core`` are numbers, as
``oar_resources_add`` writes them)."""
PROPERTY_COLUMNS: dict[str, Any] = {"color": String(255), "mem": Integer()}
"""Resource properties job expressions compare (``color='red'``, ``mem>=16``)."""


_DECLARED: dict[str, Any] = {}
"""Columns a site profile adds to ``resources`` (its own labels and properties)."""


def declare_columns(columns: dict[str, type]) -> None:
    """Add a site's ``resources`` columns (name -> ``int`` or ``str``) to every kit database.

    Databases created later get them with the schema; the ones this process already has
    get them now, and OAR3's mapped ``Resource`` model gains the attributes (OAR3 reads a
    hierarchy label as an attribute of each resource). A name that is not a plain SQL
    identifier is a usage error: it would go into ``ALTER TABLE`` as written.
    """
    for name in columns:
        check_column_name(name, "a site's resources column")
    new = {
        name: Integer() if kind is int else String(255)
        for name, kind in columns.items()
        if name not in _wanted()
    }
    if not new:
        return
    _DECLARED.update(new)
    for database in _OPEN.values():
        _add_columns(database.engine, new)
    if _OPEN:
        _map_columns(new)


def _add_columns(engine: Any, columns: dict[str, Any]) -> None:
    """``ALTER TABLE resources ADD COLUMN`` for each of ``columns`` the table lacks."""
    existing = {c["name"] for c in inspect(engine).get_columns("resources")}
    with engine.begin() as conn:
        for name, type_ in columns.items():
            if name not in existing:
                kind = type_.compile(dialect=engine.dialect)
                conn.execute(text(f"ALTER TABLE resources ADD COLUMN {name} {kind}"))


def _map_columns(columns: dict[str, Any]) -> None:
    """Give OAR3's already mapped ``Resource`` model the attributes of ``columns``."""
    from sqlalchemy import Column  # noqa: PLC0415

    resource = __import__("oar.lib.models", fromlist=["Resource"]).Resource
    table = resource.__table__
    for name, type_ in columns.items():
        if name not in table.c:
            column = Column(name, type_)
            table.append_column(column)
            resource.__mapper__.add_property(name, column)


def _wanted() -> dict[str, Any]:
    return LEVEL_COLUMNS | PROPERTY_COLUMNS | _DECLARED


def _models() -> tuple[Any, Any]:
    from oar.lib.models import DeferredReflectionModel, Model  # noqa: PLC0415 - OAR3 is optional

    return Model, DeferredReflectionModel


@cache
def _pristine_metadata() -> Any:
    """A copy of OAR3's tables as declared, taken before reflection extends them.

    Reflecting a database adds its indexes to OAR3's ``Table`` objects a second time, so
    creating the next database from them would create each index twice.
    """
    from sqlalchemy import MetaData  # noqa: PLC0415

    model, _ = _models()
    copy = MetaData()
    for table in model.metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


def create_schema(engine: Any) -> None:
    """Create OAR3's tables and the extra resource columns in ``engine``'s empty database."""
    metadata = _pristine_metadata()
    refuse_oar_tables(engine)
    metadata.create_all(bind=engine)
    _add_columns(engine, _wanted())
    _map_models(engine)


def _map_models(engine: Any) -> None:
    """Map OAR3's reflected models (once per process) on a database holding the schema."""
    _pristine_metadata()  # copied before reflection extends OAR3's tables, for later schemas
    _, deferred = _models()
    deferred.prepare(engine)
    resource = __import__("oar.lib.models", fromlist=["Resource"]).Resource
    wanted = list(_wanted())
    missing = [name for name in wanted if not hasattr(resource, name)]
    if missing:
        msg = (
            f"OAR3's Resource model was mapped before the kit created its database and lacks "
            f"the columns {missing}; run the database checks in a fresh process"
        )
        raise UsageError(msg)


@dataclass
class Database:
    """One database the kit created, holding OAR3's schema; ``close`` drops what it made.

    ``kind`` is ``"sqlite"`` or ``"postgresql"``; ``cleanup`` undoes whatever created it
    (drops the temporary database, stops the throwaway server).
    """

    kind: str
    engine: Any
    cleanup: Callable[[], None] = lambda: None

    @contextmanager
    def session(self) -> Iterator[Any]:
        """A session in a transaction rolled back at the end, whatever happened in it.

        OAR3 commits as it goes; the session joins the outer transaction through a
        savepoint (``join_transaction_mode="create_savepoint"``), so those commits only
        release savepoints and the final rollback undoes the whole example.
        """
        from sqlalchemy.orm import Session  # noqa: PLC0415

        with self.engine.connect() as conn:
            outer = conn.begin()
            session = Session(bind=conn, join_transaction_mode="create_savepoint")
            try:
                yield session
            finally:
                session.close()
                outer.rollback()

    @property
    def url(self) -> str:
        """The URL of this database, password included (for the kit's own workers only)."""
        return str(self.engine.url.render_as_string(hide_password=False))

    def close(self) -> None:
        """Dispose of the engine and remove the database (and server) the kit made."""
        self.engine.dispose()
        self.cleanup()


_OPEN: dict[str, Database] = {}


def get_database(spec: str = "sqlite") -> Database:
    """The process-wide kit database for ``spec`` (created with its schema on first use).

    ``spec`` is ``"sqlite"``, ``"postgresql"`` (a throwaway server) or a
    ``postgresql://`` URL of a server where the kit creates its own temporary database.
    Everything is removed at exit (see :mod:`oar_conformance.db._postgres`).
    """
    _pending.wait(spec)
    if spec in _OPEN:
        return _OPEN[spec]
    return make_database(spec)


def make_database(spec: str) -> Database:
    """Create the kit database for ``spec`` now (:func:`get_database` without the wait)."""
    if spec == "sqlite":
        from sqlalchemy import create_engine  # noqa: PLC0415
        from sqlalchemy.pool import StaticPool  # noqa: PLC0415

        engine = create_engine(
            "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
        _real_sqlite_transactions(engine)
        database = Database("sqlite", engine)
    elif spec == "postgresql" or spec.startswith(("postgresql://", "postgresql+psycopg2://")):
        from oar_conformance.db._postgres import open_postgresql  # noqa: PLC0415

        engine, cleanup = open_postgresql(None if spec == "postgresql" else spec)
        database = Database("postgresql", engine, cleanup)
    else:
        msg = f"db={shown_db(spec)!r} is not 'sqlite', 'postgresql' or a postgresql:// URL"
        raise UsageError(msg)
    try:
        create_schema(database.engine)
    except BaseException:
        database.close()
        raise
    _OPEN[spec] = database
    return database


def attach(spec: str, url: str) -> Database:
    """In a worker process: the database its kit made for ``spec``, reached at ``url``.

    The kit's own process created it (schema included) and removes it at exit, also when
    the worker is killed; the worker only maps OAR3's models on it and never drops it.
    """
    if spec not in _OPEN:
        from sqlalchemy import create_engine  # noqa: PLC0415

        engine = create_engine(url)
        _map_models(engine)
        _OPEN[spec] = Database("postgresql", engine)
    return _OPEN[spec]


def _real_sqlite_transactions(engine: Any) -> None:
    """Let SQLAlchemy emit BEGIN itself: pysqlite's own handling breaks SAVEPOINTs.

    This is SQLAlchemy's documented recipe ("Serializable isolation / Savepoints /
    Transactional DDL"); without it, OAR3's commits inside an example would persist.
    """
    from sqlalchemy import event  # noqa: PLC0415

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


def close_all() -> None:
    """Close every kit database of this process (also registered to run at exit)."""
    while _OPEN:
        _, database = _OPEN.popitem()
        database.close()


atexit.register(close_all)

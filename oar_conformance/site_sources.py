"""Site profiles from what a site already has: its ``oar.conf`` and its ``resources`` table.

``from_conf`` reads ``HIERARCHY_LABELS`` and ``SCHEDULER_RESOURCE_ORDER`` from an OAR
configuration file, as OAR3's own loader does. ``from_db`` reads the rows of an OAR
database's ``resources`` table, read only: SQLAlchemy Core, SELECTs alone, in a read-only
transaction rolled back at the end (SQLite: the file opened with ``mode=ro``). ``to_toml``
writes a site table as a TOML file :func:`oar_conformance.site.read_site` loads, and
``make_profile`` does all three for ``oar-conformance site``, checking the result loads.
"""

from __future__ import annotations

import datetime
import math
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from oar_conformance.config import shown_db
from oar_conformance.errors import UsageError
from oar_conformance.model import OWN_COLUMNS
from oar_conformance.resources import (
    DEFAULT_LABELS,
    DEFAULT_ORDER,
    LABEL_ORDER,
    SQL_NAME,
    parse_labels,
    parse_order,
)
from oar_conformance.site import parse_site

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "BOOKKEEPING_COLUMNS",
    "draft_profile",
    "from_conf",
    "from_db",
    "make_profile",
    "to_toml",
]

BOOKKEEPING_COLUMNS = frozenset(
    {
        "next_state",
        "finaud_decision",
        "next_finaud_decision",
        "state_num",
        "suspended_jobs",
        "scheduler_priority",
        "cpuset",
        "besteffort",
        "deploy",
        "expiry_date",
        "desktop_computing",
        "last_job_date",
        "available_upto",
        "last_available_upto",
        "drain",
    }
)
"""OAR3's own columns of ``resources``: neither labels nor properties of a site."""
_GUESS = [1, 4]
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_CONNECT_TIMEOUT = 10


def _read_conf(path: Path) -> dict[str, str]:
    """The ``KEY=value`` settings of ``path``, read as OAR3's ``Configuration.load_file``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        msg = (
            f"cannot read OAR configuration {str(path)!r} ({reason}); give the path of the "
            "site's oar.conf, e.g. /etc/oar/oar.conf"
        )
        raise UsageError(msg) from None
    except UnicodeDecodeError:
        msg = f"OAR configuration {str(path)!r} is not UTF-8 text; give the site's oar.conf"
        raise UsageError(msg) from None
    settings: dict[str, str] = {}
    for line in text.splitlines():
        content = line.split("#", 1)[0]
        if "=" in content:
            key, value = content.split("=", 1)
            settings[key.strip()] = value.strip().strip("\"'")
    return settings


def from_conf(path: str | Path) -> dict[str, Any]:
    """A site table from OAR configuration file ``path`` (``/etc/oar/oar.conf`` format).

    Keys absent from the file take OAR3's defaults. A label outside the kit's usual list
    gets a guessed fan-out; :func:`to_toml` marks it for the site to adjust.
    """
    settings = _read_conf(Path(path))
    labels = settings.get("HIERARCHY_LABELS", ",".join(DEFAULT_LABELS))
    order = settings.get("SCHEDULER_RESOURCE_ORDER", DEFAULT_ORDER)
    try:
        return _settings_table(labels, order)
    except UsageError as exc:
        msg = f"OAR configuration {str(path)!r}: {exc}; fix the file"
        raise UsageError(msg) from None


def _settings_table(labels_text: str, order: str) -> dict[str, Any]:
    """The site table of ``HIERARCHY_LABELS`` and ``SCHEDULER_RESOURCE_ORDER``."""
    labels = parse_labels(labels_text)
    if "resource_id" not in labels:
        default = ",".join(DEFAULT_LABELS)
        msg = (
            f"HIERARCHY_LABELS={labels_text!r}: it does not name resource_id; OAR3's default "
            f"is {default!r}"
        )
        raise UsageError(msg)
    parse_order(order)
    table: dict[str, Any] = {"hierarchy-labels": ",".join(labels), "resource-order": order}
    custom = [label for label in labels if label not in LABEL_ORDER]
    if custom:
        usual = sorted((n for n in labels if n in LABEL_ORDER), key=LABEL_ORDER.index)
        top_down = [*custom, *(n for n in usual if n != "resource_id"), "resource_id"]
        table["fanout"] = {
            name: [1, 1] if name == "resource_id" else list(_GUESS) for name in top_down
        }
    return table


def _engine_for(url: str) -> Any:
    """An engine that reads ``url``'s database and cannot write it."""
    from sqlalchemy import create_engine  # noqa: PLC0415
    from sqlalchemy.engine import URL, make_url  # noqa: PLC0415
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError  # noqa: PLC0415
    from sqlalchemy.pool import NullPool  # noqa: PLC0415

    shown = shown_db(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        msg = f"{shown!r} is not a database URL; write postgresql://USER:PASSWORD@HOST/DB"
        raise UsageError(msg) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if parsed.query.get("uri") in ("true", "1") and database.startswith("file:"):
            database = unquote(database.removeprefix("file:").split("?", 1)[0])
        if database in ("", ":memory:"):
            msg = f"{shown!r} names no database file; write sqlite:////PATH/TO/oar.db"
            raise UsageError(msg)
        parsed = URL.create(
            "sqlite+pysqlite",
            database="file:" + quote(str(Path(database).resolve())),
            query={"mode": "ro", "uri": "true"},
        )
    elif backend == "postgresql":
        if parsed.drivername == "postgresql":  # SQLAlchemy 2.1 would pick psycopg 3
            parsed = parsed.set(drivername="postgresql+psycopg2")
    else:
        msg = f"{shown!r}: OAR3 keeps its database in PostgreSQL or SQLite, not {backend!r}"
        raise UsageError(msg)
    connect_args: dict[str, Any] = {}
    if parsed.get_driver_name() == "psycopg2":
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = _CONNECT_TIMEOUT
        if "options" not in parsed.query:  # every transaction of the session reads only
            connect_args["options"] = "-c default_transaction_read_only=on"
    try:
        return create_engine(parsed, connect_args=connect_args, poolclass=NullPool)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        msg = f"cannot use database URL {shown!r}: {exc}; write postgresql://USER@HOST/DB"
        raise UsageError(msg) from None


def _plain(value: Any) -> str | int:
    """A column value as a site profile holds it: an integer, or its text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return str(value)


def _read_rows(conn: Any, where: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The column names of ``resources`` and its rows, read with SELECTs only."""
    from sqlalchemy import column, inspect, select, table  # noqa: PLC0415

    inspector = inspect(conn)
    if not inspector.has_table("resources"):
        msg = f"{where} has no resources table: it is not an OAR database; give OAR's URL"
        raise UsageError(msg)
    names = [str(c["name"]) for c in inspector.get_columns("resources")]
    if "resource_id" not in names:
        msg = f"{where}: its resources table has no resource_id column; it is not OAR's"
        raise UsageError(msg)
    resources = table("resources", *(column(name) for name in names))
    query = select(*resources.c).order_by(resources.c.resource_id)
    rows = [dict(row) for row in conn.execute(query).mappings()]
    return names, rows


def from_db(
    url: str, labels: str | Sequence[str] | None = None, order: str | None = None
) -> dict[str, Any]:
    """A site table with the rows of the ``resources`` table of OAR database ``url``.

    ``labels`` is ``HIERARCHY_LABELS`` (default OAR3's), ``order`` is
    ``SCHEDULER_RESOURCE_ORDER`` (default OAR3's). The database is only read: SELECTs in
    a read-only transaction, rolled back; a SQLite file is opened read only. A property
    column whose name is not a plain SQL identifier is left out (:func:`draft_profile`
    says which).
    """
    return _from_db(url, labels, order)[0]


def _from_db(
    url: str, labels: str | Sequence[str] | None, order: str | None
) -> tuple[dict[str, Any], list[str]]:
    """:func:`from_db`'s table, and the property columns it left out."""
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    label_names = parse_labels(labels if labels is not None else DEFAULT_LABELS)
    order = order if order is not None else DEFAULT_ORDER
    parse_order(order)
    where = f"database {shown_db(url)}"
    engine = _engine_for(url)
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            else:
                conn.exec_driver_sql("PRAGMA query_only = ON")
            names, rows = _read_rows(conn, where)
            transaction.rollback()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        text = reason[0] if reason else type(exc).__name__
        if engine.url.password:
            text = text.replace(str(engine.url.password), "***")
        msg = (
            f"cannot read {where}: {text}; check the URL, and that the server runs and lets you in"
        )
        raise UsageError(msg) from None
    finally:
        engine.dispose()
    return _site_table(where, names, rows, label_names, order)


def _site_table(
    where: str,
    names: list[str],
    rows: list[dict[str, Any]],
    labels: tuple[str, ...],
    order: str,
) -> tuple[dict[str, Any], list[str]]:
    missing = [label for label in labels if label not in names]
    if missing:
        msg = (
            f"{where}: HIERARCHY_LABELS names {missing[0]!r}, which is not a column of its "
            f"resources table (columns: {', '.join(names)}); give --labels"
        )
        raise UsageError(msg)
    if not rows:
        msg = f"{where}: its resources table is empty; there is no platform to describe"
        raise UsageError(msg)
    label_columns = [n for n in labels if n not in OWN_COLUMNS]
    columns = [
        n
        for n in names
        if n not in OWN_COLUMNS
        and n not in labels
        and n not in BOOKKEEPING_COLUMNS
        and any(row[n] is not None for row in rows)
    ]
    properties = [n for n in columns if SQL_NAME.fullmatch(n)]
    skipped = [n for n in columns if n not in properties]
    out: list[dict[str, str | int]] = []
    for row in rows:
        kept = {
            n: _plain(row[n])
            for n in (*OWN_COLUMNS, *label_columns, *properties)
            if n in row and row[n] is not None
        }
        out.append(kept)
    table = {"hierarchy-labels": ",".join(labels), "resource-order": order, "resource": out}
    return table, skipped


def _string(text: str) -> str:
    """``text`` as a TOML basic string."""
    escapes = {
        '"': '\\"',
        "\\": "\\\\",
        "\b": "\\b",
        "\t": "\\t",
        "\n": "\\n",
        "\f": "\\f",
        "\r": "\\r",
    }
    out = []
    for char in text:
        if char in escapes:
            out.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else _string(name)


def _value(value: Any) -> str:
    """``value`` as a TOML value: a string, a number, a boolean or an array of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    msg = f"a site profile holds strings, numbers and arrays, not {value!r}"
    raise TypeError(msg)


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def to_toml(
    table: Mapping[str, Any], source: str = "oar-conformance site", notes: Sequence[str] = ()
) -> str:
    """``table`` as a standalone TOML site profile, headed by where it came from and when,
    and by ``notes`` (one comment line each)."""
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    origin = " ".join(source.split())
    lines = [
        f"# OAR3 site profile for oar-conformance, written {today} from {origin}.",
        "# Use it with pytest --oar-site FILE, or oar-conformance check --site FILE.",
        *(f"# {' '.join(note.split())}" for note in notes),
        "",
    ]
    tables = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    arrays = {k: v for k, v in table.items() if _is_rows(v)}
    lines += [
        f"{_key(k)} = {_value(v)}" for k, v in table.items() if k not in tables and k not in arrays
    ]
    for name, inner in tables.items():
        lines += ["", f"[{_key(name)}]"]
        if name == "fanout":
            lines.append("# blocks per block of the level above, from the top down")
        for key, value in inner.items():
            if name == "fanout" and key not in LABEL_ORDER:
                lines.append(
                    f"# {key!r} is a label of the site's own: {_value(value)} is a guess; adjust "
                    "it, and move it to its place from the top down"
                )
            lines.append(f"{_key(key)} = {_value(value)}")
    for name, rows in arrays.items():
        for row in rows:
            lines += ["", f"[[{_key(name)}]]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in row.items()]
    return "\n".join(lines) + "\n"


def make_profile(
    conf: str | Path | None = None,
    db: str | None = None,
    labels: str | None = None,
) -> str:
    """The TOML site profile from an ``oar.conf``, a database, or both, checked to load.

    ``oar.conf`` gives the labels and order, the database the rows; ``labels`` overrides
    the labels of ``oar.conf``.
    """
    return draft_profile(conf, db, labels)[0]


def draft_profile(
    conf: str | Path | None = None,
    db: str | None = None,
    labels: str | None = None,
) -> tuple[str, tuple[str, ...]]:
    """:func:`make_profile`'s text, and a note for each column of the database it left out.

    A column whose name is not a plain SQL identifier cannot reach OAR3's SQL (nor the
    kit's databases), so the profile leaves it out; the notes, also written at the top of
    the profile, say which and what to do.
    """
    if conf is None and db is None:
        msg = "give --from-conf FILE (an oar.conf), --from-db URL (OAR's database), or both"
        raise UsageError(msg)
    sources = []
    table: dict[str, Any] = {}
    if conf is not None:
        table = from_conf(conf)
        sources.append(f"OAR configuration {str(conf)!r}")
    if labels is not None:
        try:
            table = _settings_table(labels, table.get("resource-order", DEFAULT_ORDER))
        except UsageError as exc:
            msg = f"--labels: {exc}"
            raise UsageError(msg) from None
        sources.append(f"--labels {labels!r}")
    notes: tuple[str, ...] = ()
    if db is not None:
        table, skipped = _from_db(db, table.get("hierarchy-labels"), table.get("resource-order"))
        sources.append(f"database {shown_db(db)}")
        notes = tuple(
            f"column {name!r} of resources left out: it is not a plain SQL identifier "
            "([A-Za-z_][A-Za-z0-9_]*); rename it to let requests compare it"
            for name in skipped
        )
    text = to_toml(table, " and ".join(sources), notes)
    parse_site(tomllib.loads(text), f"the site profile from {' and '.join(sources)}")
    return text, notes

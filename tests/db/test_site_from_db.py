"""``site --from-db`` on PostgreSQL: rows come back and the database is left untouched.

A throwaway server holds an OAR-like ``resources`` table; ``from_db`` reads it as a role
that may only SELECT it, so any write would fail. The server logs every statement of that
role: the log shows the read-only transaction opened first, SELECTs only, and a rollback.
"""

from __future__ import annotations

import re
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from oar_conformance.db._postgres import find_pg_bin, open_postgresql
from oar_conformance.errors import UsageError
from oar_conformance.site import read_site
from oar_conformance.site_sources import from_db, to_toml

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(
        find_pg_bin() is None,
        reason="PostgreSQL tests skipped: initdb not found (apt-get install postgresql)",
    ),
]

LABELS = "resource_id,network_address,cpu,core"
CHECKSUM = "SELECT md5(string_agg(t::text, ',' ORDER BY resource_id)) FROM resources t"
READS = ("SELECT ", "SHOW ", "BEGIN", "ROLLBACK", "SET TRANSACTION READ ONLY")
"""How every statement of ``from_db`` may begin."""
WRITING_SELECT = re.compile(r"\b(INTO|FOR UPDATE|FOR SHARE|NEXTVAL|SETVAL)\b", re.IGNORECASE)


@dataclass(frozen=True)
class OarDb:
    """The OAR-like database: the owner's engine, the SELECT-only URL, the server log."""

    engine: Any
    reader_url: str
    reader_password: str
    log: Path

    def checksum(self) -> str:
        from sqlalchemy import text  # noqa: PLC0415

        with self.engine.connect() as conn:
            return str(conn.execute(text(CHECKSUM)).scalar_one())


@pytest.fixture(scope="module")
def oar_db() -> Iterator[OarDb]:
    from sqlalchemy import text  # noqa: PLC0415

    engine, cleanup = open_postgresql(None)
    try:
        password = secrets.token_urlsafe(12)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE resources (resource_id SERIAL PRIMARY KEY, "
                    "type VARCHAR(100) DEFAULT 'default', network_address VARCHAR(100), "
                    "state VARCHAR(9) DEFAULT 'Alive', next_state VARCHAR(9) DEFAULT "
                    "'UnChanged', state_num INTEGER DEFAULT 0, scheduler_priority BIGINT "
                    "DEFAULT 0, available_upto INTEGER DEFAULT 2147483647, drain VARCHAR(3) "
                    "DEFAULT 'NO', cpu INTEGER, core INTEGER, gpu VARCHAR(20), mem INTEGER, "
                    "note VARCHAR(20))"
                )
            )
            for rid in range(1, 9):
                conn.execute(
                    text(
                        "INSERT INTO resources (network_address, cpu, core, gpu, mem) "
                        "VALUES (:node, :cpu, :core, :gpu, :mem)"
                    ),
                    {
                        "node": f"node-{(rid - 1) // 4 + 1}",
                        "cpu": (rid - 1) // 2 + 1,
                        "core": rid,
                        "gpu": "a100" if rid > 4 else "none",
                        "mem": None if rid == 3 else 64,
                    },
                )
            database = engine.url.database
            conn.execute(text(f"CREATE ROLE reader LOGIN PASSWORD '{password}'"))
            conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO reader'))
            conn.execute(text("GRANT SELECT ON resources TO reader"))
            conn.execute(text("ALTER ROLE reader SET log_statement = 'all'"))
        reader = engine.url.set(username="reader", password=password)
        log = Path(str(engine.url.query["host"])) / "server.log"
        yield OarDb(engine, reader.render_as_string(hide_password=False), password, log)
    finally:
        engine.dispose()
        cleanup()


def _statements(log: Path, start: int) -> list[str]:
    """The statements the server logged after byte ``start`` of its log."""
    text = log.read_bytes()[start:].decode(errors="replace")
    entries = re.split(r"^(?=\d{4}-\d\d-\d\d \d)", text, flags=re.MULTILINE)
    marker = "LOG:  statement: "
    return [" ".join(e.split(marker, 1)[1].split()) for e in entries if marker in e]


def test_rows_come_back_and_the_table_is_unchanged(oar_db: OarDb, tmp_path: Path) -> None:
    before = oar_db.checksum()
    start = oar_db.log.stat().st_size
    table = from_db(oar_db.reader_url, LABELS)
    assert oar_db.checksum() == before
    rows = table["resource"]
    assert [r["resource_id"] for r in rows] == list(range(1, 9))
    assert rows[0] == {
        "resource_id": 1,
        "network_address": "node-1",
        "type": "default",
        "state": "Alive",
        "cpu": 1,
        "core": 1,
        "gpu": "none",
        "mem": 64,
    }
    assert "mem" not in rows[2]
    profile = tmp_path / "site.toml"
    profile.write_text(to_toml(table, "a test database"), encoding="utf-8")
    site = read_site(profile)
    assert dict(site.properties) == {"gpu": ("a100", "none"), "mem": (64,)}

    statements = _statements(oar_db.log, start)
    assert statements, "the server logged none of the reader's statements"
    assert [s for s in statements if not s.upper().startswith(READS)] == []
    assert [s for s in statements if WRITING_SELECT.search(s)] == []
    reading = statements.index("SET TRANSACTION READ ONLY")
    assert statements[reading - 1] == "BEGIN"
    assert statements[-1] == "ROLLBACK"
    assert any("FROM resources ORDER BY" in s for s in statements[reading:])


def test_neither_the_role_nor_the_transaction_could_write(oar_db: OarDb) -> None:
    """What makes a write by ``from_db`` impossible, shown failing on purpose."""
    from sqlalchemy import create_engine, text  # noqa: PLC0415
    from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

    before = oar_db.checksum()
    reader = create_engine(oar_db.reader_url)
    try:
        with pytest.raises(DBAPIError, match="permission denied"), reader.begin() as conn:
            conn.execute(text("UPDATE resources SET gpu = 'h100'"))
    finally:
        reader.dispose()
    with oar_db.engine.begin() as conn:
        conn.execute(text("SET TRANSACTION READ ONLY"))
        with pytest.raises(DBAPIError, match="read-only transaction"):
            conn.execute(text("UPDATE resources SET gpu = 'h100'"))
    assert oar_db.checksum() == before


def test_a_database_without_resources_is_refused(oar_db: OarDb) -> None:
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    other = make_url(oar_db.reader_url).set(database="postgres")
    with pytest.raises(UsageError, match="no resources table: it is not an OAR database") as info:
        from_db(other.render_as_string(hide_password=False))
    assert oar_db.reader_password not in str(info.value)


def test_a_wrong_password_is_a_usage_error_that_hides_it(oar_db: OarDb) -> None:
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    wrong = make_url(oar_db.reader_url).set(password="not-the-secret-42")
    with pytest.raises(UsageError, match="password authentication failed") as info:
        from_db(wrong.render_as_string(hide_password=False))
    assert "not-the-secret-42" not in str(info.value)
    assert "\n" not in str(info.value)


def test_an_unreachable_server_is_a_usage_error_that_hides_the_password() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://oar:hush-hush-77@127.0.0.1:{port}/oar"
    with pytest.raises(UsageError) as info:
        from_db(url)
    message = str(info.value)
    assert "hush-hush-77" not in message
    assert f"postgresql://oar:***@127.0.0.1:{port}/oar" in message
    assert "\n" not in message


def test_every_transaction_of_the_session_reads_only(oar_db: OarDb) -> None:
    """Even SQLAlchemy's own first-connect queries run in read-only transactions."""
    from oar_conformance.site_sources import _engine_for  # noqa: PLC0415

    engine = _engine_for(oar_db.reader_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW transaction_read_only").scalar_one() == "on"
    finally:
        engine.dispose()

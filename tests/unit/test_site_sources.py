"""``oar-conformance site``: site profiles from an ``oar.conf`` and a read-only database."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from oar_conformance.cli import main
from oar_conformance.errors import UsageError
from oar_conformance.site import Site, parse_site, read_site
from oar_conformance.site_sources import from_conf, from_db, make_profile, to_toml

SHIPPED_ORDER = (
    "scheduler_priority ASC, state_num ASC, available_upto DESC, suspended_jobs ASC, "
    "network_address ASC, resource_id ASC"
)
SHIPPED_CONF = f"""\
# OAR3's shipped oar.conf, in part
DB_TYPE="Pg"
DB_PORT="5432"
SCHEDULER_RESOURCE_ORDER="{SHIPPED_ORDER}"

# Default value is "resource_id,network_address,cpu,core"
HIERARCHY_LABELS="resource_id,network_address,cpu,core"
"""


def _write(tmp_path: Path, text: str, name: str = "oar.conf") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _load(tmp_path: Path, text: str) -> Site:
    return read_site(_write(tmp_path, text, "site.toml"))


def test_from_conf_reads_the_shipped_settings(tmp_path: Path) -> None:
    table = from_conf(_write(tmp_path, SHIPPED_CONF))
    assert table == {
        "hierarchy-labels": "resource_id,network_address,cpu,core",
        "resource-order": SHIPPED_ORDER,
    }
    site = parse_site(table)
    assert site.labels == ("resource_id", "network_address", "cpu", "core")
    assert site.order == SHIPPED_ORDER


def test_from_conf_takes_oar3_defaults_for_absent_keys(tmp_path: Path) -> None:
    table = from_conf(_write(tmp_path, "# nothing set\nDB_TYPE=Pg\n\n"))
    assert table == {
        "hierarchy-labels": "resource_id,network_address",
        "resource-order": "resource_id ASC",
    }


def test_from_conf_reads_quotes_comments_and_bare_values(tmp_path: Path) -> None:
    text = (
        "HIERARCHY_LABELS='resource_id,network_address'  # single quotes\n"
        "HIERARCHY_LABELS = resource_id, network_address, core\n"
        "SCHEDULER_RESOURCE_ORDER=resource_id DESC\n"
    )
    table = from_conf(_write(tmp_path, text))
    assert table["hierarchy-labels"] == "resource_id,network_address,core"
    assert table["resource-order"] == "resource_id DESC"


def test_a_custom_label_gets_a_fanout_to_adjust(tmp_path: Path) -> None:
    conf = _write(tmp_path, 'HIERARCHY_LABELS="resource_id,network_address,gpu_slot,core"\n')
    table = from_conf(conf)
    assert table["fanout"]["gpu_slot"] == [1, 4]
    assert parse_site(table).labels == ("resource_id", "network_address", "gpu_slot", "core")
    text = to_toml(table, f"OAR configuration {conf}")
    assert "'gpu_slot' is a label of the site's own: [1, 4] is a guess; adjust" in text
    site = _load(tmp_path, text)
    assert site == parse_site(table, str(tmp_path / "site.toml"))


def test_round_trip_through_toml(tmp_path: Path) -> None:
    table = from_conf(_write(tmp_path, SHIPPED_CONF))
    text = to_toml(table, "OAR configuration 'oar.conf'")
    assert text.startswith("# OAR3 site profile for oar-conformance, written 20")
    assert "from OAR configuration 'oar.conf'" in text.splitlines()[0]
    assert _load(tmp_path, text) == parse_site(table, str(tmp_path / "site.toml"))


def test_to_toml_escapes_strings_and_quotes_odd_keys(tmp_path: Path) -> None:
    rows = [
        {"resource_id": 1, "network_address": 'n"1\\\t\x01é', "rack": "x", "mem": 16},
        {"resource_id": 2, "network_address": "n2", "rack": "y", "mem": 32},
    ]
    table = {"hierarchy-labels": "resource_id,network_address", "resource": rows}
    site = read_site(_write(tmp_path, to_toml(table, "a\nsource"), "site.toml"))
    assert site.table is not None
    assert site.table.rows[0].network_address == 'n"1\\\t\x01é'
    assert site.table.rows[0].values == {"rack": "x", "mem": 16}
    odd = {**table, "resource": [{**rows[1], "odd key": "y"}]}
    text = to_toml(odd)
    assert '"odd key" = "y"' in text
    with pytest.raises(UsageError, match="resource 2: 'odd key' is not a column name"):
        read_site(_write(tmp_path, text, "odd.toml"))


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp: tmp / "missing.conf", "No such file"),
        (lambda tmp: tmp, "Is a directory"),
        (
            lambda tmp: _write(tmp, 'HIERARCHY_LABELS="resource_id,,resource_id"\n'),
            "distinct columns",
        ),
        (lambda tmp: _write(tmp, 'HIERARCHY_LABELS="network_address,core"\n'), "resource_id"),
        (lambda tmp: _write(tmp, 'HIERARCHY_LABELS="resource_id,cpu core"\n'), "column name"),
        (lambda tmp: _write(tmp, 'SCHEDULER_RESOURCE_ORDER="a UP"\n'), "ASC|DESC"),
    ],
    ids=["missing", "directory", "duplicate", "no-resource-id", "not-a-name", "bad-order"],
)
def test_from_conf_errors_name_the_file(
    tmp_path: Path, make: Callable[[Path], Path], says: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(UsageError) as info:
        from_conf(path)
    message = str(info.value)
    assert str(path) in message
    assert says in message
    assert "\n" not in message


def _oar_db(path: Path) -> Path:
    """A SQLite file with an OAR-like resources table: 2 nodes x 2 cpus x 2 cores."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "CREATE TABLE resources (resource_id INTEGER PRIMARY KEY, network_address TEXT, "
            "type TEXT, state TEXT, cpu INTEGER, core INTEGER, gpu TEXT, mem INTEGER, "
            "comment TEXT, next_state TEXT, scheduler_priority INTEGER, drain TEXT)"
        )
        rows = []
        for rid in range(1, 9):
            node, cpu = (rid - 1) // 4 + 1, (rid - 1) // 2 + 1
            gpu = "a100" if node == 2 else "none"
            mem = 64 if rid != 3 else None
            state = "Dead" if rid == 8 else "Alive"
            rows.append((rid, f"node-{node}", "default", state, cpu, rid, gpu, mem))
        conn.executemany(
            "INSERT INTO resources (resource_id, network_address, type, state, cpu, core, gpu, "
            "mem, comment, next_state, scheduler_priority, drain) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 'UnChanged', 0, 'NO')",
            rows,
        )
    conn.close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_from_db_reads_rows_and_properties_without_writing(tmp_path: Path) -> None:
    db = _oar_db(tmp_path / "oar.db")
    before, listing = _digest(db), sorted(p.name for p in tmp_path.iterdir())
    table = from_db(f"sqlite:///{db}", "resource_id,network_address,cpu,core")
    assert _digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    rows = table["resource"]
    assert len(rows) == 8
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
    assert rows[7]["state"] == "Dead"
    site = _load(tmp_path, to_toml(table, "database sqlite"))
    assert site.labels == ("resource_id", "network_address", "cpu", "core")
    assert dict(site.properties) == {"gpu": ("a100", "none"), "mem": (64,)}
    assert site.table is not None
    assert len(site.table.rows) == 8


def test_from_db_defaults_to_oar3_labels_and_takes_an_order(tmp_path: Path) -> None:
    db = _oar_db(tmp_path / "oar.db")
    table = from_db(f"sqlite:///{db}", order="resource_id DESC")
    assert table["hierarchy-labels"] == "resource_id,network_address"
    assert table["resource-order"] == "resource_id DESC"
    assert {"cpu", "core", "gpu"} <= set(table["resource"][0])


def test_from_db_refuses_a_database_without_resources(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("CREATE TABLE jobs (job_id INTEGER)")
    conn.close()
    before = _digest(db)
    with pytest.raises(UsageError, match="no resources table: it is not an OAR database"):
        from_db(f"sqlite:///{db}")
    assert _digest(db) == before


def test_from_db_neither_creates_a_missing_file_nor_takes_an_unknown_label(
    tmp_path: Path,
) -> None:
    with pytest.raises(UsageError, match="unable to open database file"):
        from_db(f"sqlite:///{tmp_path / 'absent.db'}")
    assert list(tmp_path.iterdir()) == []
    db = _oar_db(tmp_path / "oar.db")
    with pytest.raises(UsageError, match="'switch', which is not a column"):
        from_db(f"sqlite:///{db}", "resource_id,switch")


def test_conf_and_db_together(tmp_path: Path) -> None:
    conf = _write(tmp_path, SHIPPED_CONF)
    db = _oar_db(tmp_path / "oar.db")
    text = make_profile(conf, f"sqlite:///{db}")
    assert f"from OAR configuration {str(conf)!r} and database sqlite:///{db}" in text
    site = _load(tmp_path, text)
    assert site.order == SHIPPED_ORDER
    assert site.labels == ("resource_id", "network_address", "cpu", "core")


def test_cli_writes_a_loadable_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = _write(tmp_path, SHIPPED_CONF)
    db = _oar_db(tmp_path / "oar.db")
    out = tmp_path / "site.toml"
    assert (
        main(["site", "--from-conf", str(conf), "--from-db", f"sqlite:///{db}", "-o", str(out)])
        == 0
    )
    assert read_site(out).table is not None
    assert main(["site", "--from-conf", str(conf)]) == 0
    assert 'hierarchy-labels = "resource_id,network_address,cpu,core"' in capsys.readouterr().out


def test_cli_usage_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.conf"
    assert main(["site", "--from-conf", str(missing), "-o", str(tmp_path / "x.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(missing) in err
    assert not (tmp_path / "x.toml").exists()
    assert main(["site"]) == 2
    assert "--from-conf" in capsys.readouterr().err


def test_from_db_leaves_out_columns_that_are_not_plain_identifiers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _oar_db(tmp_path / "oar.db")
    conn = sqlite3.connect(db)
    with conn:
        conn.execute('ALTER TABLE resources ADD COLUMN "gpu model" TEXT')
        conn.execute("UPDATE resources SET \"gpu model\" = 'a100'")
    conn.close()
    table = from_db(f"sqlite:///{db}")
    assert all("gpu model" not in row for row in table["resource"])
    assert "gpu" in table["resource"][0]
    out = tmp_path / "site.toml"
    assert main(["site", "--from-db", f"sqlite:///{db}", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "note: column 'gpu model' of resources left out" in err
    assert "[A-Za-z_][A-Za-z0-9_]*" in err
    text = out.read_text(encoding="utf-8")
    assert "# column 'gpu model' of resources left out" in text
    site = read_site(out)
    assert "gpu model" not in site.properties
    assert "gpu" in site.properties


def test_cli_refuses_a_site_name_that_is_not_an_identifier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = _write(tmp_path, '[properties]\n"gpu; DROP TABLE jobs" = ["a"]\n', "site.toml")
    code = main(["check", "--plugin", "sample_first_fit", "--site", str(profile)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "'gpu; DROP TABLE jobs' is not a column name" in err
    assert "e.g. 'gpu__DROP_TABLE_jobs'" in err
    labels = 'HIERARCHY_LABELS="resource_id,network_address,rack-1"\n'
    assert main(["site", "--from-conf", str(_write(tmp_path, labels))]) == 2
    assert "'rack-1' is not a column name" in capsys.readouterr().err

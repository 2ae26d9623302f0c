import pandas as pd
import pytest
import sqlalchemy as sa

from clinicvalue.errors import InputError
from clinicvalue.load.sources import SqlSource, masked_url, read_sql
from tests.support.postgres import PASSWORD, postgres_server


@pytest.fixture(scope="module")
def pg():
    with postgres_server() as server:
        engine = sa.create_engine(server.url())
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "CREATE TABLE visits (病歷號 text, 就診日期 date, 金額 numeric, 治療項目 text)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO visits VALUES "
                    "('00004', '2024-05-01', 1200, '洗牙'), ('4', '2024-05-02', 800.5, '補牙')"
                )
            )
        engine.dispose()
        yield server


@pytest.fixture
def db_env(pg, monkeypatch):
    monkeypatch.setenv("CLINICVALUE_DB_URL", pg.url())
    return pg


def test_reads_rows_from_a_real_postgresql_server(db_env):
    frame = read_sql("SELECT * FROM visits ORDER BY 金額 DESC")
    assert list(frame.columns) == ["病歷號", "就診日期", "金額", "治療項目"]
    assert frame["病歷號"].tolist() == ["00004", "4"]


def test_query_from_a_sql_file(db_env, tmp_path):
    q = tmp_path / "visits.sql"
    q.write_text("SELECT 病歷號 FROM visits WHERE 金額 > 1000\n")
    assert SqlSource(str(q)).read()["病歷號"].tolist() == ["00004"]


def test_missing_variable_names_it(monkeypatch):
    monkeypatch.delenv("CLINIC_A_DB", raising=False)
    with pytest.raises(InputError, match=r"environment variable CLINIC_A_DB is not set"):
        read_sql("SELECT 1", url_env="CLINIC_A_DB")


def test_refused_connection_masks_the_password(monkeypatch, pg):
    url = f"postgresql+psycopg://clinic:{PASSWORD}@127.0.0.1:1/clinic"
    monkeypatch.setenv("CLINICVALUE_DB_URL", url)
    with pytest.raises(InputError, match="cannot connect to the database") as exc:
        read_sql("SELECT 1")
    assert PASSWORD not in str(exc.value)
    assert "***" in str(exc.value)


def test_wrong_password_is_refused_without_echoing_it(monkeypatch, pg):
    monkeypatch.setenv("CLINICVALUE_DB_URL", pg.url().replace(PASSWORD, "wrong-pw-123"))
    with pytest.raises(InputError, match="cannot connect") as exc:
        read_sql("SELECT 1")
    assert "wrong-pw-123" not in str(exc.value)


def test_failing_query_says_which_table(db_env):
    with pytest.raises(
        InputError, match=r"SQL query \(patients\): the patients query failed: .*nope"
    ):
        read_sql("SELECT * FROM nope", label="patients")


def test_empty_result_is_an_error(db_env):
    with pytest.raises(InputError, match="the visits query returned no rows"):
        read_sql("SELECT * FROM visits WHERE false")


def test_unusable_url(monkeypatch):
    monkeypatch.setenv("CLINICVALUE_DB_URL", "not a url")
    with pytest.raises(InputError, match="is not a usable database URL"):
        read_sql("SELECT 1")


def test_masked_url_hides_the_password():
    assert masked_url(f"postgresql://u:{PASSWORD}@h/db") == "postgresql://u:***@h/db"


def test_repr_never_shows_the_url(monkeypatch):
    monkeypatch.setenv("CLINICVALUE_DB_URL", f"postgresql://u:{PASSWORD}@h/db")
    assert PASSWORD not in repr(SqlSource("SELECT 1"))
    assert isinstance(pd.DataFrame(), pd.DataFrame)


def test_validate_reads_visits_from_postgresql(db_env, capsys):
    from clinicvalue.cli import main

    assert main(["validate", "--visits-sql", "SELECT * FROM visits"]) == 0
    out = capsys.readouterr().out
    assert PASSWORD not in out
    assert "2" in out


def test_loaded_sql_visits_keep_leading_zero_ids(db_env):
    from clinicvalue.load import load_clinic

    data = load_clinic(SqlSource("SELECT * FROM visits"))
    assert sorted(data.visits["patient_id"]) == ["00004", "4"]
    assert data.visits["amount"].sum() == pytest.approx(2000.5)


def test_bad_sql_row_is_named_by_query_and_row(db_env, pg):
    from clinicvalue.load import load_clinic

    with pytest.raises(InputError, match=r"SQL query \(visits\).*金額") as exc:
        load_clinic(SqlSource("SELECT 病歷號, 就診日期, 'abc' AS 金額 FROM visits"))
    assert PASSWORD not in str(exc.value)


# --- databases are read, never written ---------------------------------------------------

REFUSED = [
    "UPDATE visits SET 金額 = 0",
    "DELETE FROM visits",
    "DROP TABLE visits",
    "SELECT * FROM visits; DELETE FROM visits",
    "WITH d AS (DELETE FROM visits RETURNING *) SELECT * FROM d",
    "SELECT * INTO visits_copy FROM visits",
    "COPY visits TO '/tmp/cv-visits-copy.csv'",
    "SELECT * FROM visits FOR UPDATE",
    "CREATE TABLE evil AS SELECT * FROM visits",
]


def _pg_state(url: str) -> tuple:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM visits ORDER BY 1, 2")).fetchall()
        tables = conn.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        ).fetchall()
        seq = conn.execute(sa.text("SELECT last_value, is_called FROM visit_seq")).fetchall()
    engine.dispose()
    return rows, tables, seq


@pytest.fixture(scope="module")
def pg_writable(pg):
    """A sequence and a function that writes: a SELECT that the text check lets through."""
    engine = sa.create_engine(pg.url())
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SEQUENCE IF NOT EXISTS visit_seq"))
        conn.execute(
            sa.text(
                "CREATE OR REPLACE FUNCTION wipe() RETURNS int LANGUAGE sql AS "
                "$$ DELETE FROM visits; SELECT 1 $$"
            )
        )
    engine.dispose()
    return pg


@pytest.mark.parametrize("query", REFUSED)
def test_postgresql_write_is_refused_and_the_database_is_unchanged(
    query, pg_writable, monkeypatch, capsys
):
    from clinicvalue.cli import main

    monkeypatch.setenv("CLINICVALUE_DB_URL", pg_writable.url())
    before = _pg_state(pg_writable.url())
    assert main(["validate", "--visits-sql", query]) == 2
    err = capsys.readouterr().err
    assert "must be one SELECT" in err and PASSWORD not in err
    assert _pg_state(pg_writable.url()) == before


@pytest.mark.parametrize(
    ("query", "server_says"),
    [
        ("SELECT nextval('visit_seq') AS 病歷號", "read-only transaction"),
        ("SELECT wipe() AS 病歷號", "read-only transaction"),
    ],
)
def test_postgresql_select_that_writes_is_stopped_by_the_read_only_transaction(
    query, server_says, pg_writable, monkeypatch
):
    monkeypatch.setenv("CLINICVALUE_DB_URL", pg_writable.url())
    before = _pg_state(pg_writable.url())
    with pytest.raises(InputError, match=server_says):
        read_sql(query)
    assert _pg_state(pg_writable.url()) == before


@pytest.fixture
def sqlite_db(tmp_path, monkeypatch):
    import sqlite3

    path = tmp_path / "his.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE visits (病歷號 text, 就診日期 text, 金額 real)")
    con.executemany(
        "INSERT INTO visits VALUES (?, ?, ?)",
        [("00004", "2024-05-01", 1200), ("4", "2024-05-02", 800.5)],
    )
    con.commit()
    con.close()
    monkeypatch.setenv("CLINICVALUE_DB_URL", f"sqlite:///{path}")
    return path


def test_sqlite_is_read(sqlite_db):
    frame = read_sql("SELECT * FROM visits ORDER BY 金額")
    assert frame["病歷號"].tolist() == ["4", "00004"]


SQLITE_REFUSED = [
    "UPDATE visits SET 金額 = 0",
    "DELETE FROM visits",
    "DROP TABLE visits",
    "SELECT 1; DELETE FROM visits",
    "ATTACH DATABASE '/tmp/cv-attached.db' AS x",
    "VACUUM INTO '/tmp/cv-vacuum-copy.db'",
    "INSERT INTO visits VALUES ('x', '2024-01-01', 1) RETURNING *",
    "PRAGMA user_version = 7",
    "CREATE TABLE evil (a)",
]


@pytest.mark.parametrize("query", SQLITE_REFUSED)
def test_sqlite_write_is_refused_and_the_file_is_byte_identical(query, sqlite_db, capsys):
    import hashlib

    from clinicvalue.cli import main

    before = hashlib.sha256(sqlite_db.read_bytes()).hexdigest()
    siblings = sorted(p.name for p in sqlite_db.parent.iterdir())
    assert main(["validate", "--visits-sql", query]) == 2
    assert "must be one SELECT" in capsys.readouterr().err
    assert hashlib.sha256(sqlite_db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in sqlite_db.parent.iterdir()) == siblings


def test_sqlite_connection_itself_is_read_only(sqlite_db):
    from clinicvalue.load.sources import _engine

    engine = _engine(f"sqlite:///{sqlite_db}", "CLINICVALUE_DB_URL", "SQL query (visits)")
    with engine.connect() as conn, pytest.raises(sa.exc.OperationalError, match="readonly"):
        conn.exec_driver_sql("CREATE TABLE evil (a)")
    engine.dispose()


def test_mistyped_sqlite_path_is_an_error_not_a_new_file(tmp_path, monkeypatch, capsys):
    from clinicvalue.cli import main

    missing = tmp_path / "hiss.db"
    monkeypatch.setenv("CLINICVALUE_DB_URL", f"sqlite:///{missing}")
    assert main(["validate", "--visits-sql", "SELECT * FROM visits"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not missing.exists()


def test_missing_driver_names_the_package(monkeypatch):
    monkeypatch.setenv("CLINICVALUE_DB_URL", "mysql+pymysql://u:pw-123@localhost/his")
    with pytest.raises(InputError, match=r"driver 'pymysql'.*pip install PyMySQL") as exc:
        read_sql("SELECT 1")
    assert "pw-123" not in str(exc.value)

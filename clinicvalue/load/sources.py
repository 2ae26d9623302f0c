"""SQL sources: read a clinic's tables straight from its database (HIS/EMR).

The database is named by an SQLAlchemy URL held in an environment variable
(``CLINICVALUE_DB_URL`` by default, or a per-clinic variable named in ``clinics.toml``).
Only the variable's *name* travels through notebooks, parameters and logs; the URL,
and the password in it, never leave this module. Every message shows the URL with
its password masked. Databases are only ever read: a query must be one ``SELECT``
(checked before it is sent) and runs in a read-only transaction that is rolled back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from clinicvalue.errors import InputError
from clinicvalue.load.sql_guard import check_read_only_query

__all__ = ["DEFAULT_URL_ENV", "SqlSource", "read_sql", "masked_url"]

DEFAULT_URL_ENV = "CLINICVALUE_DB_URL"


class SqlSource:
    """A query and the name of the variable holding the database URL.

    Parameters
    ----------
    query
        SQL text, or the path of a ``.sql`` file holding it.
    url_env
        Name of the environment variable with the SQLAlchemy URL.
    label
        Which table this is (``visits``, ``patients`` …), for messages.
    """

    def __init__(self, query: str, *, url_env: str = DEFAULT_URL_ENV, label: str = "visits"):
        self.query = query
        self.url_env = url_env
        self.label = label

    def __repr__(self) -> str:
        return f"SqlSource(label={self.label!r}, url_env={self.url_env!r})"

    @property
    def name(self) -> str:
        """How messages name this source (never the URL)."""
        return f"SQL query ({self.label})"

    def sql_text(self) -> str:
        """Return the query text (from a ``.sql`` file when given one), checked read-only.

        Raises
        ------
        InputError
            When the file is missing or the query is not one read-only ``SELECT``.
        """
        q = self.query.strip()
        if q.lower().endswith(".sql") and "\n" not in q:
            path = Path(q)
            if not path.is_file():
                raise InputError(f"query file {path} not found", file=str(path))
            q = path.read_text(encoding="utf-8-sig")
        return check_read_only_query(q, source=self.name)

    def read(self) -> pd.DataFrame:
        """Run the query (read-only) and return its rows."""
        return read_sql(self.sql_text(), url_env=self.url_env, label=self.label)


def masked_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable URL>"


def _scrub(text: str, url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url).password
    except Exception:  # noqa: BLE001 - any unreadable URL: scrub nothing more
        password = None
    if password:
        text = text.replace(str(password), "***")
    return text.replace(url, masked_url(url))


#: pip package that provides each DBAPI module SQLAlchemy may ask for.
_DRIVER_PACKAGES = {
    "psycopg": "'psycopg[binary]'",
    "psycopg2": "psycopg2-binary",
    "pymysql": "PyMySQL",
    "MySQLdb": "mysqlclient",
    "pyodbc": "pyodbc",
    "pymssql": "pymssql",
    "oracledb": "oracledb",
    "cx_Oracle": "cx_Oracle",
    "duckdb_engine": "duckdb-engine",
    "asyncpg": "asyncpg",
}

#: Dialects that accept ``SET TRANSACTION READ ONLY`` as the transaction's first statement.
_READ_ONLY_TRANSACTION = ("postgresql", "mysql", "mariadb", "oracle")


def _read_only_url(url: Any, source: str) -> Any:
    """Return ``url`` so that the driver itself cannot write (SQLite: a ``mode=ro`` URI).

    A mistyped SQLite path is an error here, never a new empty database file.
    """
    if url.get_backend_name() != "sqlite":
        return url
    db = url.database or ""
    if db.startswith("file:"):  # already a URI: force read-only
        return url.set(query={**url.query, "mode": "ro", "uri": "true"})
    if db in ("", ":memory:"):
        raise InputError(
            "an SQLite URL must name the database file, e.g. sqlite:////srv/his/clinic.db",
            file=source,
        )
    path = Path(db)
    if not path.is_file():
        raise InputError(
            f"the SQLite database file {path} does not exist (the kit opens it read-only and "
            "never creates one); check the path in the URL",
            file=source,
        )
    return url.set(
        database="file:" + quote(str(path.resolve()), safe="/"),
        query={**url.query, "mode": "ro", "uri": "true"},
    )


def _engine(url_text: str, url_env: str, source: str) -> Any:
    """Return an engine for ``url_text`` that opens the database read-only where it can."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError
    from sqlalchemy.pool import NullPool

    try:
        return create_engine(_read_only_url(make_url(url_text), source), poolclass=NullPool)
    except ModuleNotFoundError as exc:
        missing = exc.name or "?"
        package = _DRIVER_PACKAGES.get(missing.split(".")[0], missing)
        raise InputError(
            f"${url_env} needs the database driver '{missing}', which is not installed; "
            f"install it with: pip install {package}",
            file=source,
        ) from None
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise InputError(
            f"${url_env} is not a usable database URL ({masked_url(url_text)}): "
            f"{_scrub(str(exc), url_text).splitlines()[0]}",
            file=source,
        ) from None


def _reason(exc: Exception, url: str) -> str:
    """Return the first line of the driver's message, with the URL's password masked."""
    detail = _scrub(str(getattr(exc, "orig", exc)), url).strip().splitlines()
    return detail[0] if detail else type(exc).__name__


def read_sql(query: str, *, url_env: str = DEFAULT_URL_ENV, label: str = "visits") -> pd.DataFrame:
    """Run ``query`` read-only against the database named in ``$url_env``.

    The query must be one ``SELECT`` (or ``WITH … SELECT``) statement
    (:func:`clinicvalue.load.sql_guard.check_read_only_query`); it runs inside a read-only
    transaction where the database has one (PostgreSQL, MySQL, Oracle), on a read-only
    connection for SQLite, and the transaction is always rolled back.

    Raises
    ------
    InputError
        When the query could write, the variable is unset, the URL is unreadable or its
        driver is not installed, the database refuses the connection or the query fails;
        the message never contains the password.
    """
    from sqlalchemy.exc import SQLAlchemyError

    source = f"SQL query ({label})"
    check_read_only_query(query, source=source)
    url = os.environ.get(url_env, "")
    if not url:
        raise InputError(
            f"environment variable {url_env} is not set; set it to the clinic database's "
            "SQLAlchemy URL, e.g. postgresql+psycopg://user:password@host/dbname",
            file=source,
        )
    engine = _engine(url, url_env, source)
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                if engine.dialect.name in _READ_ONLY_TRANSACTION:
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                result = conn.exec_driver_sql(query)
                frame = pd.DataFrame.from_records(
                    result.fetchall(), columns=list(result.keys()), coerce_float=True
                )
            except SQLAlchemyError as exc:
                raise InputError(
                    f"the {label} query failed: {_reason(exc, url)}", file=source
                ) from None
            finally:
                transaction.rollback()
    except InputError:
        raise
    except SQLAlchemyError as exc:
        raise InputError(
            f"cannot connect to the database {masked_url(url)}: {_reason(exc, url)}",
            file=source,
        ) from None
    finally:
        engine.dispose()
    if frame.empty:
        raise InputError(f"the {label} query returned no rows", file=source)
    return frame

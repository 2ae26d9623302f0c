"""SQL sources: read a clinic's tables straight from its database (HIS/EMR).

The database is named by an SQLAlchemy URL held in an environment variable
(``CLINICVALUE_DB_URL`` by default, or a per-clinic variable named in ``clinics.toml``).
Only the variable's *name* travels through notebooks, parameters and logs; the URL,
and the password in it, never leave this module. Every message shows the URL with
its password masked.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from clinicvalue.errors import InputError

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
        """Return the query text, reading it from a ``.sql`` file when given one."""
        q = self.query.strip()
        if q.lower().endswith(".sql") and "\n" not in q:
            path = Path(q)
            if not path.is_file():
                raise InputError(f"query file {path} not found", file=str(path))
            return path.read_text(encoding="utf-8-sig")
        return q

    def read(self) -> pd.DataFrame:
        """Run the query and return its rows."""
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


def read_sql(query: str, *, url_env: str = DEFAULT_URL_ENV, label: str = "visits") -> pd.DataFrame:
    """Run ``query`` against the database named in ``$url_env``.

    Raises
    ------
    InputError
        When the variable is unset, the URL is unreadable, the database refuses the
        connection or the query fails; the message never contains the password.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    source = f"SQL query ({label})"
    url = os.environ.get(url_env, "")
    if not url:
        raise InputError(
            f"environment variable {url_env} is not set; set it to the clinic database's "
            "SQLAlchemy URL, e.g. postgresql+psycopg://user:password@host/dbname",
            file=source,
        )
    try:
        engine = create_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise InputError(
            f"${url_env} is not a usable database URL ({masked_url(url)}): "
            f"{_scrub(str(exc), url).splitlines()[0]}",
            file=source,
        ) from None
    try:
        with engine.connect() as conn:
            try:
                frame = pd.read_sql_query(text(query), conn)
            except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
                cause = exc.__cause__ if isinstance(exc, pd.errors.DatabaseError) else exc
                detail = _scrub(str(getattr(cause, "orig", cause)), url).strip().splitlines()[0]
                raise InputError(f"the {label} query failed: {detail}", file=source) from None
    except InputError:
        raise
    except SQLAlchemyError as exc:
        detail = _scrub(str(getattr(exc, "orig", exc)), url).strip().splitlines()
        raise InputError(
            f"cannot connect to the database {masked_url(url)}: {detail[0] if detail else exc}",
            file=source,
        ) from None
    finally:
        engine.dispose()
    if frame.empty:
        raise InputError(f"the {label} query returned no rows", file=source)
    return frame

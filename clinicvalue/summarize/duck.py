"""The kit's DuckDB connection: in memory, quiet.

DuckDB draws its own progress bar on any query that runs over two seconds; the kit's
commands show their own steps (and ``-q`` means quiet), so every connection the kit
opens has DuckDB's bar off.
"""

from __future__ import annotations

import contextlib

import duckdb

__all__ = ["connect"]


def connect() -> duckdb.DuckDBPyConnection:
    """Return a new in-memory DuckDB connection without DuckDB's progress bar."""
    con = duckdb.connect()
    # in Jupyter DuckDB refuses the setting without ipywidgets; its bar is off there anyway
    with contextlib.suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = false")
    return con

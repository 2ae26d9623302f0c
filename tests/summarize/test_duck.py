"""The kit's one DuckDB connection (clinicvalue.summarize.duck)."""

from __future__ import annotations

from pathlib import Path

import clinicvalue
from clinicvalue.summarize import duck


def test_the_kit_connection_draws_no_progress_bar():
    con = duck.connect()
    assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False


def test_every_connection_the_kit_opens_is_that_one():
    package = Path(clinicvalue.__file__).parent
    opened = [
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "duckdb.connect(" in p.read_text(encoding="utf-8")
    ]
    assert opened == ["summarize/duck.py"]

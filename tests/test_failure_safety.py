"""Failure safety end to end (issue 9): bad inputs, refused databases and failing cells.

Each run below goes through ``clinicvalue report`` or ``clinicvalue batch`` as the monthly
job does. Every failure must end with one clear line and a non-zero exit, leave the clinic's
earlier reports exactly as they were, and leave no temporary folder, lock or stray file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import sqlalchemy as sa

from clinicvalue.cli import main
from clinicvalue.errors import ReportError
from clinicvalue.report import execute as execute_mod
from clinicvalue.report import run_report
from clinicvalue.report.batch import run_batch
from clinicvalue.report.workspace import MARKER
from tests.support.postgres import PASSWORD, postgres_server

HEAD = "病歷號,就診日期,金額\n"
GOOD_ROWS = "".join(
    f"{i:03d},2026-{m:02d}-{d:02d},{500 + 10 * i}\n"
    for i in range(1, 25)
    for m, d in ((7, 1 + i), (10, 1 + i))
)

#: name → (file name, content, pattern the message must hold)
BAD_INPUTS: dict[str, tuple[str, bytes, str]] = {
    "empty": ("visits.csv", b"", "visits.csv: the file is empty"),
    "header_only": ("visits.csv", HEAD.encode(), "has a header but no rows"),
    "missing_column": (
        "visits.csv",
        "病歷號,就診日期\n001,2026-10-01\n".encode(),
        "missing required column(s): amount",
    ),
    "bad_date": (
        "visits.csv",
        (HEAD + GOOD_ROWS + "099,2026-13-45,100\n").encode(),
        "line 50, column 就診日期: cannot read '2026-13-45' as a date",
    ),
    "bad_amount": (
        "visits.csv",
        (HEAD + GOOD_ROWS + "099,2026-10-01,NT$1,2O0\n").replace("NT$1,2O0", '"NT$1,2O0"').encode(),
        "line 50, column 金額: cannot read 'NT$1,2O0' as an amount",
    ),
    "blank_id": (
        "visits.csv",
        (HEAD + GOOD_ROWS + " ,2026-10-01,100\n").encode(),
        "line 50, column 病歷號: blank patient ID",
    ),
    "duplicate_columns": (
        "visits.csv",
        "病歷號,就診日期,金額,金額\n001,2026-10-01,1,2\n".encode(),
        "two columns are named '金額'",
    ),
    "binary": ("visits.csv", bytes(range(256)) * 8, "the file is binary data, not a table"),
    "placeholder_date": (
        "visits.csv",
        (HEAD + GOOD_ROWS + "099,9999-12-31,100\n").encode(),
        "line 50, column 就診日期: cannot read '9999-12-31' as a date (expected a date between",
    ),
    "two_digit_year": (
        "visits.csv",
        (HEAD + GOOD_ROWS + "099,10/05/24,100\n").encode(),
        "line 50, column 就診日期: '10/05/24' is ambiguous",
    ),
    "text_named_xlsx": (
        "visits.xlsx",
        (HEAD + GOOD_ROWS).encode(),
        "named .xlsx but is not an Excel workbook",
    ),
}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def last_month(tmp_path_factory):
    """A reports folder holding clinic north's good September and October reports."""
    src = tmp_path_factory.mktemp("src")
    (src / "visits.csv").write_text(HEAD + GOOD_ROWS, encoding="utf-8")
    out = tmp_path_factory.mktemp("reports")
    for month in ("2026-09", "2026-10"):
        run_report(visits=src / "visits.csv", month=month, out=out, profile=None, locale="en")
    # the fixture's reports are for clinic "demo" (the default profile); rename to north
    (out / "demo").rename(out / "north")
    return out


@pytest.fixture
def reports(last_month, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(last_month, out)
    return out


def _profile(tmp_path: Path, clinic: str = "north") -> Path:
    path = tmp_path / "clinic.toml"
    path.write_text(f'[clinic]\nid = "{clinic}"\nlocale = "en"\n', encoding="utf-8")
    return path


def _assert_untouched(reports: Path, before: dict[str, bytes]) -> None:
    assert _snapshot(reports) == before
    stray = [p.name for p in reports.rglob(".*") if p.name != MARKER]
    assert stray == [], stray


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_through_report_fails_cleanly(case, reports, tmp_path, capsys):
    name, content, pattern = BAD_INPUTS[case]
    data = tmp_path / name
    data.write_bytes(content)
    before = _snapshot(reports)
    code = main(
        ["report", "--visits", str(data), "--profile", str(_profile(tmp_path)),
         "--month", "2026-10", "--out", str(reports)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0
    assert pattern in err, err
    assert "Traceback" not in err
    _assert_untouched(reports, before)
    assert data.read_bytes() == content  # the clinic's file is never modified


def test_bad_inputs_through_batch_keep_going_and_fail_cleanly(reports, tmp_path, capsys):
    lines = []
    for case, (name, content, _) in sorted(BAD_INPUTS.items()):
        folder = tmp_path / case
        folder.mkdir()
        (folder / name).write_bytes(content)
        lines.append(f'[[clinic]]\nid = "{case}"\nvisits = "{case}/{name}"\nlocale = "en"\n')
    (tmp_path / "good.csv").write_text(HEAD + GOOD_ROWS, encoding="utf-8")
    lines.append('[[clinic]]\nid = "good"\nvisits = "good.csv"\nlocale = "en"\n')
    toml = tmp_path / "clinics.toml"
    toml.write_text("\n".join(lines), encoding="utf-8")
    before = _snapshot(reports)

    code = main(["batch", str(toml), "--month", "2026-10", "--out", str(reports)])
    out = capsys.readouterr().out
    assert code == 1
    for case, (_, _, pattern) in BAD_INPUTS.items():
        row = next(line for line in out.splitlines() if line.startswith(case + " "))
        assert "FAILED" in row and pattern in row, row
    assert f"1 of {len(BAD_INPUTS) + 1} clinic(s) reported for 2026-10" in out
    assert (reports / "good" / "2026-10" / "report.pdf").is_file()
    for case in BAD_INPUTS:
        assert not (reports / case).exists(), case
    after = _snapshot(reports)
    written = ("good/", "portfolio/")  # the one report, and the portfolio of it alone
    assert {k: v for k, v in after.items() if not k.startswith(written)} == before
    _assert_portfolio_of(reports, clinics=1)


def _assert_portfolio_of(reports: Path, *, clinics: int) -> None:
    """The batch's portfolio lists exactly the clinics whose report was written."""
    import openpyxl

    sheet = openpyxl.load_workbook(reports / "portfolio" / "2026-10" / "portfolio.xlsx").active
    assert sheet.max_row == 1 + clinics + 3  # header, clinics, median and quartiles


def _failing_notebook(tmp_path: Path) -> Path:
    """The monthly notebook with a cell that raises right after its parameters."""
    nb = nbformat.read(execute_mod.notebook_path("monthly_report.ipynb"), as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell('raise RuntimeError("disk on fire")'))
    path = tmp_path / "monthly_report.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_cell_that_raises_fails_the_run_cleanly(reports, tmp_path, monkeypatch, capsys):
    failing = _failing_notebook(tmp_path)
    monkeypatch.setattr(execute_mod, "notebook_path", lambda name: failing)
    (tmp_path / "visits.csv").write_text(HEAD + GOOD_ROWS, encoding="utf-8")
    before = _snapshot(reports)
    code = main(
        ["report", "--visits", str(tmp_path / "visits.csv"), "--profile",
         str(_profile(tmp_path)), "--month", "2026-10", "--out", str(reports)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0
    assert "RuntimeError: disk on fire" in err and "failed in cell" in err
    _assert_untouched(reports, before)


def test_failed_run_keeps_last_months_metrics_for_the_next_run(reports, tmp_path):
    prev = json.loads((reports / "north" / "2026-09" / "metrics.json").read_text("utf-8"))
    (tmp_path / "visits.csv").write_text(HEAD + GOOD_ROWS + "x,bad,1\n", encoding="utf-8")
    with pytest.raises(Exception, match="line 50"):
        run_report(visits=tmp_path / "visits.csv", profile=_profile(tmp_path), month="2026-10",
                   out=reports)  # fmt: skip
    again = json.loads((reports / "north" / "2026-09" / "metrics.json").read_text("utf-8"))
    assert again == prev


# --- databases ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg():
    with postgres_server() as server:
        engine = sa.create_engine(server.url())
        pd.read_csv(pd.io.common.StringIO(HEAD + GOOD_ROWS), dtype=str).to_sql(
            "visits", engine, index=False
        )
        engine.dispose()
        yield server


def test_batch_reads_each_clinic_from_its_own_database_variable(pg, reports, tmp_path, monkeypatch,
                                                                capfd):  # fmt: skip
    refused = pg.url().replace(f":{pg.port}/", f":{_free_port()}/")
    monkeypatch.setenv("NORTH_HIS_URL", pg.url())
    monkeypatch.setenv("EAST_HIS_URL", refused)
    (tmp_path / "north.sql").write_text("SELECT * FROM visits WHERE \"金額\" <> '0'\n")
    toml = tmp_path / "clinics.toml"
    toml.write_text(
        '[[clinic]]\nid = "north"\nvisits_sql = "north.sql"\ndb_url_env = "NORTH_HIS_URL"\n'
        'locale = "en"\n\n'
        '[[clinic]]\nid = "east"\nvisits_sql = "SELECT * FROM visits"\n'
        'db_url_env = "EAST_HIS_URL"\nlocale = "en"\n\n'
        '[[clinic]]\nid = "west"\nvisits_sql = "SELECT * FROM no_such_table"\n'
        'db_url_env = "NORTH_HIS_URL"\nlocale = "en"\n',
        encoding="utf-8",
    )
    written = ("north/2026-10", "portfolio/")  # the one report, and the portfolio of it
    before = {k: v for k, v in _snapshot(reports).items() if not k.startswith(written)}
    result = run_batch(toml, month="2026-10", out=reports)
    rows = {r.clinic: r for r in result.rows}
    assert rows["north"].ok, rows["north"].error
    assert not rows["east"].ok and "cannot connect" in rows["east"].error
    assert not rows["west"].ok and "no_such_table" in rows["west"].error
    assert not (reports / "east").exists() and not (reports / "west").exists()
    after = _snapshot(reports)
    assert {k: v for k, v in after.items() if not k.startswith(written)} == before
    _assert_portfolio_of(reports, clinics=1)
    # the October report was rebuilt from the database; the password is nowhere
    for folder in (reports / "north" / "2026-10", reports / "portfolio" / "2026-10"):
        for path in folder.iterdir():
            assert PASSWORD.encode() not in path.read_bytes(), path.name
    nb = (reports / "north" / "2026-10" / "report.ipynb").read_text(encoding="utf-8")
    assert "NORTH_HIS_URL" in nb
    printed = capfd.readouterr()
    assert PASSWORD not in printed.out + printed.err + result.summary_table()


def test_report_against_a_refused_database_fails_cleanly(pg, reports, tmp_path, monkeypatch,
                                                         capsys):  # fmt: skip
    monkeypatch.setenv("CLINICVALUE_DB_URL", pg.url().replace(f":{pg.port}/", f":{_free_port()}/"))
    before = _snapshot(reports)
    code = main(
        ["report", "--visits-sql", "SELECT * FROM visits", "--profile", str(_profile(tmp_path)),
         "--month", "2026-10", "--out", str(reports)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and "cannot connect" in err
    assert PASSWORD not in err
    _assert_untouched(reports, before)


def test_cell_failure_is_a_report_error_not_a_traceback(tmp_path, monkeypatch):
    failing = _failing_notebook(tmp_path)
    monkeypatch.setattr(execute_mod, "notebook_path", lambda name: failing)
    (tmp_path / "visits.csv").write_text(HEAD + GOOD_ROWS, encoding="utf-8")
    with pytest.raises(ReportError, match="disk on fire"):
        run_report(visits=tmp_path / "visits.csv", month="2026-10", out=tmp_path / "r")
    assert not (tmp_path / "r").exists()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

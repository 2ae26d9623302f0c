"""Tests for clinicvalue.report.batch: keep going past a failing clinic, exit non-zero."""

from __future__ import annotations

import pandas as pd
import pytest

from clinicvalue.cli import main
from clinicvalue.errors import InputError
from clinicvalue.report.batch import read_clinics, run_batch


def _visits(path):
    rows = [
        ("001", "2026-08-03", 1200),
        ("001", "2026-10-05", 800),
        ("002", "2026-09-20", 500),
        ("003", "2026-10-11", 2500),
    ]
    pd.DataFrame(rows, columns=["patient_id", "visit_date", "amount"]).to_csv(path, index=False)


@pytest.fixture
def clinics(tmp_path):
    _visits(tmp_path / "north.csv")
    (tmp_path / "broken.csv").write_text("patient_id,visit_date,amount\n001,not a date,100\n")
    toml = tmp_path / "clinics.toml"
    toml.write_text(
        '[[clinic]]\nid = "broken"\nvisits = "broken.csv"\n\n'
        '[[clinic]]\nid = "north"\nvisits = "north.csv"\nlocale = "en"\n',
        encoding="utf-8",
    )
    return toml


def test_batch_keeps_going_past_a_failing_clinic(clinics, tmp_path):
    result = run_batch(clinics, month="2026-10", out=tmp_path / "reports")
    assert [r.clinic for r in result.rows] == ["broken", "north"]
    assert result.failed == ["broken"]
    assert not result.ok
    assert (tmp_path / "reports" / "north" / "2026-10" / "report.pdf").is_file()
    assert not (tmp_path / "reports" / "broken" / "2026-10").exists()
    table = result.summary_table()
    assert "FAILED" in table and "1 of 2 clinic(s) reported for 2026-10" in table


def test_batch_command_exits_non_zero_when_one_fails(clinics, tmp_path, capsys):
    code = main(["batch", str(clinics), "--month", "2026-10", "--out", str(tmp_path / "r")])
    assert code == 1
    assert "broken" in capsys.readouterr().out


def test_clinics_file_errors(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[[clinic]]\nvisits = "v.csv"\ncolour = 1\n')
    with pytest.raises(InputError, match="unknown key colour"):
        read_clinics(bad)
    bad.write_text("title = 1\n")
    with pytest.raises(InputError, match=r"list each clinic as a \[\[clinic\]\] table"):
        read_clinics(bad)
    bad.write_text('[[clinic]]\nid = "x"\n')
    with pytest.raises(InputError, match="missing visits"):
        read_clinics(bad)
    with pytest.raises(InputError, match="clinics file not found"):
        read_clinics(tmp_path / "nope.toml")


def test_clinics_file_sql_keys(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text(
        '[[clinic]]\nid = "south"\nvisits_sql = "q/visits.sql"\ndb_url_env = "SOUTH_HIS_URL"\n'
        '[[clinic]]\nid = "east"\nvisits_sql = "SELECT * FROM visits"\n'
    )
    south, east = read_clinics(toml)
    assert south["visits_sql"] == str((tmp_path / "q" / "visits.sql").resolve())
    assert east["visits_sql"] == "SELECT * FROM visits"
    toml.write_text('[[clinic]]\nvisits = "v.csv"\nvisits_sql = "SELECT 1"\n')
    with pytest.raises(InputError, match="give visits or visits_sql, not both"):
        read_clinics(toml)
    toml.write_text('[[clinic]]\nvisits_sql = "SELECT 1"\ndb_url_env = "postgresql://u:pw@h/db"\n')
    with pytest.raises(InputError, match="db_url_env must be the name of an environment") as exc:
        read_clinics(toml)
    assert "never put the URL itself here" in str(exc.value)
    assert "pw" not in str(exc.value)  # a pasted URL's password is not echoed
    toml.write_text('[[clinic]]\nid = "x"\n')
    with pytest.raises(InputError, match=r"missing visits = .* \(or visits_sql"):
        read_clinics(toml)

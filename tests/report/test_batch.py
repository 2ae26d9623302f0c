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
        ("003", "2026-10-28", 2500),
    ]
    pd.DataFrame(rows, columns=["patient_id", "visit_date", "amount"]).to_csv(path, index=False)


@pytest.fixture
def clinics(tmp_path):
    _visits(tmp_path / "north.csv")
    (tmp_path / "broken.csv").write_text("patient_id,visit_date,amount\n001,not a date,100\n")
    (tmp_path / "old.csv").write_text(  # the export stopped at the end of September
        "patient_id,visit_date,amount\n001,2026-08-03,1200\n002,2026-09-30,500\n"
    )
    toml = tmp_path / "clinics.toml"
    toml.write_text(
        '[[clinic]]\nid = "broken"\nvisits = "broken.csv"\n\n'
        '[[clinic]]\nid = "north"\nvisits = "north.csv"\nlocale = "en"\n\n'
        '[[clinic]]\nid = "old"\nvisits = "old.csv"\nlocale = "en"\n',
        encoding="utf-8",
    )
    return toml


def test_batch_keeps_going_past_a_failing_clinic(clinics, tmp_path):
    result = run_batch(clinics, month="2026-10", out=tmp_path / "reports")
    assert [r.clinic for r in result.rows] == ["broken", "north", "old"]
    assert result.failed == ["broken", "old"]
    assert [r.status for r in result.rows] == ["FAILED", "ok", "STALE"]
    assert "the data end on 2026-09-30, 31 days before the end of 2026-10" in result.rows[2].error
    assert not result.ok
    assert (tmp_path / "reports" / "north" / "2026-10" / "report.pdf").is_file()
    assert not (tmp_path / "reports" / "broken" / "2026-10").exists()
    assert not (tmp_path / "reports" / "old").exists()
    table = result.summary_table()
    assert "FAILED" in table and "STALE" in table
    assert "1 of 3 clinic(s) reported for 2026-10" in table


def test_batch_command_exits_non_zero_when_one_fails(clinics, tmp_path, capsys):
    code = main(["batch", str(clinics), "--month", "2026-10", "--out", str(tmp_path / "r")])
    assert code == 1
    printed = capsys.readouterr()
    assert "broken" in printed.out
    assert "old: STALE: " in printed.err and "broken: FAILED: " in printed.err


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


WRONG_SETTINGS = [
    ('id = 5\nvisits = "north.csv"', "id must be text"),
    ("visits = 5", "visits must be text in quotes"),
    ('visits = "north.csv"\ndrop_invalid = "no"', "drop_invalid must be true or false"),
    ('visits = "north.csv"\nlocale = "fr"', "locale must be one of en, zh-Hant, zh-Hans"),
    ('visits = "north.csv"\nmapping = { colour = "x" }', "mapping: --map column must be"),
    ('visits = "north.csv"\nmapping = 3', "mapping must be a table"),
    ('visits = "north.csv"\nprofile = "bad.toml"', "'clinic.currency' must be an ISO 4217"),
    ('visits = "north.csv"\nprofile = "neg.toml"', "'rfm.lookback_months' must not be negative"),
    ('visits = "north.csv"\ncolour = "red"', "unknown key colour"),
]


def test_clinics_with_wrong_settings_fail_alone_and_the_others_run(tmp_path):
    _visits(tmp_path / "north.csv")
    (tmp_path / "bad.toml").write_text('[clinic]\ncurrency = "NTD"\n')
    (tmp_path / "neg.toml").write_text("[rfm]\nlookback_months = -3\n")
    toml = tmp_path / "clinics.toml"
    bad = "".join(f"[[clinic]]\n{entry}\n\n" for entry, _ in WRONG_SETTINGS)
    toml.write_text(
        bad + '[[clinic]]\nid = "north"\nvisits = "north.csv"\nlocale = "en"\n', encoding="utf-8"
    )
    result = run_batch(toml, month="2026-10", out=tmp_path / "reports")
    assert [r.ok for r in result.rows] == [False] * len(WRONG_SETTINGS) + [True]
    for row, (_, message) in zip(result.rows, WRONG_SETTINGS, strict=False):
        assert message in row.error, row.error
    assert (tmp_path / "reports" / "north" / "2026-10" / "report.pdf").is_file()


def test_clinics_file_refuses_unknown_top_level_keys(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('[defaults]\nlocale = "en"\n\n[[clinic]]\nid = "x"\nvisits = "v.csv"\n')
    with pytest.raises(InputError, match="unknown top-level key defaults"):
        read_clinics(toml)


@pytest.mark.parametrize("month", ["2026-13", "0000-01", "２０２６-１０", "2026-1", " 2026-10"])
def test_batch_refuses_a_bad_month(clinics, tmp_path, capsys, month):
    code = main(["batch", str(clinics), "--month", month, "--out", str(tmp_path / "r")])
    assert code == 2
    assert "is not a report month" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_batch_stopped_between_clinics_publishes_nothing_unfinished(tmp_path, monkeypatch):
    from clinicvalue.report import batch as batch_mod

    for clinic in ("north", "south"):
        _visits(tmp_path / f"{clinic}.csv")
    toml = tmp_path / "clinics.toml"
    toml.write_text(
        '[[clinic]]\nid = "north"\nvisits = "north.csv"\nlocale = "en"\n\n'
        '[[clinic]]\nid = "south"\nvisits = "south.csv"\nlocale = "en"\n',
        encoding="utf-8",
    )

    def interrupted(clinics):  # the operator presses Ctrl-C once both notebooks ran
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_mod, "peer_lines", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_batch(toml, month="2026-10", out=tmp_path / "reports")
    for clinic in ("north", "south"):
        folder = tmp_path / "reports" / clinic
        assert not (folder / "2026-10").exists()
        left = [p.name for p in folder.iterdir()] if folder.exists() else []
        assert not [n for n in left if not n.endswith(".lock")], (clinic, left)  # no workspace

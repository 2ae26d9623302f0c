"""``clinicvalue actions``: the day's worklist from the command line, read back next day."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from clinicvalue.cli import main
from clinicvalue.load.calls import read_calls

SAMPLE = Path("data_samples/dental")


def _args(out: Path, day: str, *extra: str) -> list[str]:
    return [
        "actions", "--visits", str(SAMPLE / "visits.csv"),
        "--patients", str(SAMPLE / "patients.csv"), "--plans", str(SAMPLE / "plans.csv"),
        "--appointments", str(SAMPLE / "appointments.csv"),
        "--profile", str(SAMPLE / "clinic.toml"), "--date", day, "--out", str(out), *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def first_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("worklists")
    assert main(_args(out, "2026-11-02", "--no-clv")) == 0
    return out / "worklist-demo_dental-2026-11-02.xlsx"


def test_writes_the_days_worklist_a_front_desk_can_work_from(first_day: Path) -> None:
    wb = load_workbook(first_day)
    ws = wb.worksheets[0]
    assert ws.title == "今日工作清單" and wb["_run"].sheet_state == "hidden"
    header = [c.value for c in ws[1]]
    assert header[:2] == ["優先順序", "病患代碼"] and "聯絡結果" in header
    assert ws.max_row - 1 == 40  # the profile's default: one person's day
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert "2026-11-02" in ws.oddHeader.center.text
    picks = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert picks and "勿再聯絡" in picks[0].formula1
    due = ws.cell(row=2, column=header.index("到期日") + 1)
    assert due.is_date and due.number_format == "yyyy-mm-dd"
    lists = {ws.cell(row=r, column=header.index("清單") + 1).value for r in range(2, 42)}
    assert "療後關懷" in lists


def test_refuses_to_replace_a_worklist_staff_filled_in(first_day: Path, capsys) -> None:
    wb = load_workbook(first_day)
    ws = wb.worksheets[0]
    col = [c.value for c in ws[1]].index("聯絡結果") + 1
    ws.cell(row=2, column=col, value="勿再聯絡")
    wb.save(first_day)
    before = first_day.read_bytes()
    assert main(_args(first_day.parent, "2026-11-02", "--no-clv", "--force")) == 2
    assert "holds 1 outcome(s) staff recorded" in capsys.readouterr().err
    assert first_day.read_bytes() == before

    # the next day reads it back: the patient who asked is not called again
    assert main(_args(first_day.parent, "2026-11-03", "--no-clv")) == 0
    calls = read_calls(first_day.parent)
    gone = calls.loc[calls["outcome"].eq("do_not_contact"), "patient_key"].iloc[0]
    nxt = load_workbook(first_day.parent / "worklist-demo_dental-2026-11-03.xlsx")
    run = [r for r in nxt["_run"].iter_rows(values_only=True)][1:]
    assert gone not in {r[2] for r in run}


def test_bad_date_and_capacity(tmp_path: Path, capsys) -> None:
    assert main(_args(tmp_path, "2026-02-30")) == 2
    assert "--date: cannot read '2026-02-30'" in capsys.readouterr().err
    assert main(_args(tmp_path, "2026-11-02", "--capacity", "0")) == 2
    assert not list(tmp_path.iterdir())  # nothing written


def test_scores_table_gives_the_value_at_stake(tmp_path: Path, capsys) -> None:
    import pandas as pd

    ids = pd.read_csv(SAMPLE / "patients.csv", dtype=str, encoding="utf-8-sig").iloc[:, 0]
    scores = pd.DataFrame({"patient_id": ids, "p_alive": 0.5, "clv": range(len(ids))})
    scores.to_parquet(tmp_path / "scores.parquet", index=False)
    out = tmp_path / "w"
    assert main(_args(out, "2026-11-02", "--scores", str(tmp_path / "scores.parquet"))) == 0
    ws = load_workbook(out / "worklist-demo_dental-2026-11-02.xlsx").worksheets[0]
    header = [c.value for c in ws[1]]
    key, value = header.index("病患代碼"), header.index("涉及價值")
    shown = {row[key]: row[value] for row in ws.iter_rows(min_row=2, values_only=True)}
    from clinicvalue.privacy import pseudonym_secret, pseudonymize
    from clinicvalue.profile import load_profile

    keys = pseudonymize(
        ids.astype("string"), pseudonym_secret(load_profile(SAMPLE / "clinic.toml"))
    )
    expected = dict(zip(keys, range(len(ids)), strict=True))
    assert shown and all(shown[k] == expected[k] for k in shown)
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,score\n1,2\n", encoding="utf-8")
    assert main(_args(tmp_path / "x", "2026-11-02", "--scores", str(bad))) == 2
    assert "is not a clinicvalue score table" in capsys.readouterr().err

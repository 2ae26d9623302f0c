"""Tests for clinicvalue.load.calls: filled-in worklists read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from clinicvalue.analyses.care.effect import call_results
from clinicvalue.analyses.care.worklist import build_worklist
from clinicvalue.errors import InputError
from clinicvalue.load.calls import read_calls
from clinicvalue.profile import ClinicProfile
from clinicvalue.report.excel import RUN_SHEET, write_worklist

DAY = pd.Timestamp("2026-06-01")
PROFILE = ClinicProfile().replace(actions__holdout_share=0.25)


def _work():
    ids = [f"p{i:02d}" for i in range(40)]
    tasks = {
        "recalls_due": pd.DataFrame(
            {"patient_id": ids, "task": "recall", "due_date": DAY, "reason": "due", "script": "s"}
        )
    }
    summary = pd.DataFrame(
        {"last_visit": DAY - pd.Timedelta(days=190), "total_spend": range(40, 0, -1)},
        index=pd.Index(ids, dtype="string", name="patient_id"),
    )
    return build_worklist(tasks, summary, DAY, PROFILE, capacity=20)


def _fill(path: Path, outcomes: list[object], *, rename: str | None = None) -> None:
    """Fill the first sheet's outcome column as staff would, with Excel-side edits."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    col = header.index("Outcome") + 1
    for row, value in enumerate(outcomes, start=2):
        ws.cell(row=row, column=col, value=value)
    ws.cell(row=2, column=col + 1, value="2026-06-03")  # a date typed as text
    ws.insert_cols(1)  # a column staff added in front
    ws.cell(row=1, column=1, value="Caller")
    if rename:
        ws.title = rename
    wb.save(path)


def test_filled_workbook_updates_the_funnel_and_do_not_contact(tmp_path: Path) -> None:
    work = _work()
    path = write_worklist(work, tmp_path / "w.xlsx", profile=PROFILE, locale="en")
    _fill(path, ["booked", "do not contact", "已接通", "wrong number"], rename="Monday calls")
    calls = read_calls(tmp_path)
    assert len(calls) == len(work.rows) + len(work.held)
    listed = calls[calls["arm"].eq("listed")].set_index("priority")
    assert listed.loc[1:4, "outcome"].tolist() == [
        "booked", "do_not_contact", "reached", "wrong_number",
    ]  # fmt: skip
    assert listed.loc[1, "outcome_date"] == pd.Timestamp("2026-06-03")
    assert listed.loc[2, "outcome_date"] == DAY  # no date written: the list's day
    assert calls.loc[calls["arm"].eq("held"), "outcome"].isna().all()

    first = work.rows.iloc[0]
    visits = pd.DataFrame(
        {
            "patient_id": pd.array([first["patient_id"]], dtype="string"),
            "visit_date": [DAY + pd.Timedelta(days=5)],
            "amount": [1200.0],
        }
    )
    funnel = call_results(calls, visits, DAY + pd.Timedelta(days=10), PROFILE).funnel
    assert funnel.loc["recalls_due", ["called", "reached", "booked", "came"]].tolist() == [
        4,
        3,
        1,
        1,
    ]
    assert funnel.loc["recalls_due", "revenue"] == 1200.0

    # the next run: the patient who asked not to be called is never listed again
    again = build_worklist(
        {"recalls_due": pd.DataFrame({"patient_id": work.rows["patient_id"], "task": "recall",
                                      "due_date": DAY, "reason": "due", "script": "s"})},
        pd.DataFrame({"last_visit": DAY, "total_spend": 1.0},
                     index=pd.Index(work.rows["patient_id"], dtype="string")),
        DAY + pd.Timedelta(days=60), PROFILE, calls=calls, capacity=100,
    )  # fmt: skip
    assert work.rows["patient_key"].iloc[1] not in set(again.rows["patient_key"])
    assert work.rows["patient_key"].iloc[3] in set(again.rows["patient_key"])  # wrong number


def test_unknown_outcome_names_workbook_sheet_and_cell(tmp_path: Path) -> None:
    path = write_worklist(_work(), tmp_path / "w.xlsx", profile=PROFILE, locale="en")
    _fill(path, ["booked", "maybe later"])
    with pytest.raises(
        InputError, match=r"w\.xlsx, sheet '.*', cell L3: cannot read outcome 'maybe later'"
    ):
        read_calls(tmp_path)


def test_a_workbook_that_is_not_a_worklist_is_refused(tmp_path: Path) -> None:
    write_worklist(_work(), tmp_path / "w.xlsx", profile=PROFILE, locale="zh-Hant")
    other = Workbook()
    other.active.append(["patient", "note"])
    other.save(tmp_path / "notes.xlsx")
    (tmp_path / "~$w.xlsx").write_bytes(b"lock")  # Excel's lock file is skipped
    with pytest.raises(InputError, match="notes.xlsx is not a worklist"):
        read_calls(tmp_path)
    (tmp_path / "notes.xlsx").unlink()
    wb = load_workbook(tmp_path / "w.xlsx")
    del wb[RUN_SHEET]
    wb.save(tmp_path / "w.xlsx")
    with pytest.raises(InputError, match="no hidden '_run' sheet"):
        read_calls(tmp_path)


def test_only_this_clinics_workbooks_are_read(tmp_path: Path) -> None:
    write_worklist(_work(), tmp_path / "a.xlsx", profile=PROFILE, locale="en")
    other = PROFILE.replace(clinic__id="north")
    write_worklist(_work(), tmp_path / "b.xlsx", profile=other, locale="en")
    assert set(read_calls(tmp_path, clinic="north")["file"]) == {"b.xlsx"}
    assert set(read_calls(tmp_path)["file"]) == {"a.xlsx", "b.xlsx"}

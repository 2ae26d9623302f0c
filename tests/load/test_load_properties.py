"""Invariants of loading (hypothesis): IDs survive, money and visits are conserved."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicvalue.load import load_clinic

_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.text(alphabet="0123456789", min_size=1, max_size=8)


@_SETTINGS
@given(st.lists(ids, min_size=1, max_size=12))
def test_leading_zero_ids_survive_csv_and_xlsx(pids: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "v.csv"
        rows = "".join(f"{p},2024-05-01,1\n" for p in pids)
        csv_path.write_text("病歷號,就診日期,金額\n" + rows, encoding="utf-8")
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["病歷號", "就診日期", "金額"])
        for p in pids:
            ws.append([p, "2024-05-01", 1])  # text cells keep their zeros
        xlsx_path = Path(tmp) / "v.xlsx"
        wb.save(xlsx_path)
        for path in (csv_path, xlsx_path):
            data = load_clinic(path)
            assert data.lines["patient_id"].tolist() == pids
            assert sorted(data.visits["patient_id"].tolist()) == sorted(set(pids))


line = st.tuples(
    st.sampled_from(["001", "1", "0001", "002", "A7"]),
    st.integers(min_value=0, max_value=6),  # day offset
    st.integers(min_value=-500, max_value=5000),  # amount
    st.sampled_from(["", "完成", "爽約", "cancelled", "bad-amount", "bad-date", "blank-id"]),
)


@_SETTINGS
@given(st.lists(line, min_size=1, max_size=40))
def test_money_and_visits_are_conserved(rows: list[tuple[str, int, int, str]]) -> None:
    out = []
    valid = []
    for pid, offset, amount, kind in rows:
        day = (pd.Timestamp("2024-05-01") + pd.Timedelta(days=offset)).strftime("%Y/%m/%d")
        status = kind if kind in ("完成", "爽約", "cancelled") else ""
        cells = [pid, day, f"NT${amount:,}" if amount >= 0 else f"({-amount})", status]
        if kind == "bad-amount":
            cells[2] = "12O"
        elif kind == "bad-date":
            cells[1] = "2024/02/31"
        elif kind == "blank-id":
            cells[0] = ""
        else:
            valid.append((pid, day, amount, status in ("爽約", "cancelled")))
        out.append(",".join(f'"{c}"' for c in cells))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "visits.csv"
        path.write_text("病歷號,就診日期,金額,狀態\n" + "\n".join(out) + "\n", encoding="utf-8")
        data = load_clinic(path, drop_invalid=True)
    info = data.quality.files["visits"]
    assert info["rows_read"] == len(rows)
    assert info["rows_kept"] + info["rows_rejected"] == info["rows_read"]
    assert data.quality.n_rejected == len(rows) - len(valid)
    assert len(data.lines) == len(valid)
    attended = _fold_refund_days([v for v in valid if not v[3]])
    assert data.visits["amount"].sum() == pytest.approx(sum(v[2] for v in attended))
    assert data.lines["amount"].sum() == pytest.approx(sum(v[2] for v in valid))
    assert len(data.visits) == len({(v[0], v[1]) for v in attended})
    assert data.visits["n_items"].sum() == len(attended)
    assert data.visits["refund"].sum() == pytest.approx(sum(min(v[2], 0) for v in attended))
    assert (data.visits["refund"] <= 0).all()
    assert not data.visits.duplicated(["patient_id", "visit_date"]).any()


def _fold_refund_days(lines: list[tuple]) -> list[tuple]:
    """Oracle: a day without a positive line but with a refund joins the nearest earlier
    visit day of the patient (else the next); a patient with no other day drops out."""
    days: dict[str, dict[str, list[int]]] = {}
    for pid, day, amount, _ in lines:
        days.setdefault(pid, {}).setdefault(day, []).append(amount)
    out = []
    for pid, by_day in days.items():
        seen = sorted(d for d, a in by_day.items() if max(a) > 0 or min(a) >= 0)
        for day, amounts in by_day.items():
            target = day
            if day not in seen:
                before = [d for d in seen if d < day]
                after = [d for d in seen if d > day]
                target = before[-1] if before else after[0] if after else None
            if target is not None:
                out += [(pid, target, a, False) for a in amounts]
    return out

"""Tests for loading the appointment book (clinicvalue.load, table ``appointments``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicvalue.errors import InputError
from clinicvalue.load import load_appointments, load_clinic


def _write(tmp_path: Path, text: str, name: str = "book.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_chinese_headers_statuses_and_times(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "病歷號,預約日期,預約時間,預約狀態,治療項目,醫師\n"
        "0042,2026-11-03,下午2:30,已預約,洗牙,王醫師\n"
        "0042,2026/10/20,9:00,爽約,,\n"
        "7,2026-11-04,14:00,確認,,\n"
        "8,2026-11-05,,,,\n",
    )
    book = load_appointments(path)
    assert book["patient_id"].tolist() == ["0042", "0042", "7", "8"]
    assert book["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-10-20", "2026-11-03", "2026-11-04", "2026-11-05",
    ]  # fmt: skip
    assert book["time"].tolist()[:3] == ["09:00", "14:30", "14:00"]
    assert book["status"].tolist() == ["no-show", "booked", "confirmed", "booked"]
    assert book["treatment"].iloc[1] == "洗牙" and book["doctor"].iloc[1] == "王醫師"


def test_simplified_and_english_headers(tmp_path: Path) -> None:
    hans = _write(tmp_path, "病历号,预约日期,预约状态\n1,2026-11-03,已取消\n", "a.csv")
    assert load_appointments(hans)["status"].tolist() == ["cancelled"]
    en = _write(
        tmp_path, "Patient ID,Appointment date,Time,Status\n1,2026-11-03,10:15,completed\n", "b.csv"
    )
    assert load_appointments(en)["time"].tolist() == ["10:15"]


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("1,2026-13-40,10:00,booked", "預約日期", "2026-13-40"),
        ("1,2026-11-03,25:00,booked", "預約時間", "25:00"),
        ("1,2026-11-03,10:00,maybe", "預約狀態", "maybe"),
    ],
)
def test_bad_cell_names_file_line_column_and_value(
    tmp_path: Path, row: str, column: str, value: str
) -> None:
    path = _write(
        tmp_path, f"病歷號,預約日期,預約時間,預約狀態\n1,2026-11-01,10:00,booked\n{row}\n"
    )
    with pytest.raises(InputError) as err:
        load_appointments(path)
    text = str(err.value)
    assert "book.csv" in text and "line 3" in text and column in text and f"'{value}'" in text


def test_clinic_with_a_book_and_without(tmp_path: Path) -> None:
    visits = _write(tmp_path, "patient_id,visit_date,amount\n1,2026-10-01,100\n", "v.csv")
    book = _write(tmp_path, "patient_id,date\n1,2026-11-03\n", "a.csv")
    data = load_clinic(visits, appointments=book)
    assert data.has_appointments and data.appointments["status"].tolist() == ["booked"]
    assert data.until("2026-10-15").appointments is data.appointments  # the whole book stays
    assert not load_clinic(visits).has_appointments

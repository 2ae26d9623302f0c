import json
import math

import pandas as pd
import pytest

from clinicvalue.errors import OptionError
from clinicvalue.writers import to_jsonable, write_json, write_table


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "patient_id": pd.array(["00004", "4"], dtype="string"),
            "last_visit": pd.to_datetime(["2024-05-01", "2024-06-01"]),
            "monetary": [1200.5, 0.0],
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_tables_keep_leading_zero_ids(tmp_path, frame, suffix):
    path = write_table(frame, tmp_path / f"scores{suffix}")
    if suffix == ".csv":
        back = pd.read_csv(path, dtype={"patient_id": str}, encoding="utf-8-sig")
    elif suffix == ".parquet":
        back = pd.read_parquet(path)
    else:
        back = pd.read_excel(path, dtype={"patient_id": str})
    assert back["patient_id"].tolist() == ["00004", "4"]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_unknown_table_format(tmp_path, frame):
    with pytest.raises(
        OptionError, match=r"--out must end in one of .csv, .parquet, .xlsx; got 'x.json'"
    ):
        write_table(frame, tmp_path / "x.json")


def test_failed_write_keeps_the_previous_file(tmp_path, frame, monkeypatch):
    target = tmp_path / "scores.csv"
    target.write_text("previous")

    def boom(self, *a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        write_table(frame, target)
    assert target.read_text() == "previous"
    assert list(tmp_path.iterdir()) == [target]


def test_json_is_plain_and_nan_is_null(tmp_path):
    import numpy as np

    obj = {
        "a": np.int64(3),
        "b": float("nan"),
        "c": pd.Timestamp("2024-01-31"),
        "d": [np.float64(1.5)],
    }
    path = write_json(obj, tmp_path / "m.json")
    assert json.loads(path.read_text()) == {"a": 3, "b": None, "c": "2024-01-31", "d": [1.5]}
    assert to_jsonable(math.inf) is None


def test_xlsx_scores_are_a_sheet_people_can_work_from(tmp_path):
    import openpyxl

    frame = pd.DataFrame(
        {
            "patient_key": ["P-1", "=cmd()"],
            "last_visit": pd.to_datetime(["2026-10-05", None]),
            "clv": [1234.5, -20.0],
            "segment": ["忠誠客戶", None],
        }
    )
    path = write_table(frame, tmp_path / "scores.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D3"
    assert ws["B2"].is_date and ws["B2"].number_format.lower() == "yyyy-mm-dd"
    assert ws["B2"].value.hour == 0 and ws["B3"].value is None
    assert ws["C3"].value == -20.0 and ws["C3"].data_type == "n"
    assert ws["A3"].data_type == "s" and ws["A3"].quotePrefix
    assert ws.column_dimensions["D"].width >= 10  # four CJK characters count double

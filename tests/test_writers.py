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

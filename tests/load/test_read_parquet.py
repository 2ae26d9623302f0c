"""Parquet exports are read column by column as Arrow; the texts equal a frame's."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clinicvalue.load import load_clinic
from clinicvalue.load._read import _from_frame, read_raw


def _table(n: int = 3000) -> pa.Table:
    rng = np.random.default_rng(7)
    ids = rng.integers(1, 900, n)
    many = [f"V{i:07d}" for i in range(n)]  # one distinct value per row
    nfd = unicodedata.normalize("NFD", "診所é")
    return pa.table(
        {
            "patient_id": pa.array([f"{i:05d}" for i in ids]),
            "patient_no": pa.array(np.where(rng.random(n) < 0.1, None, ids).tolist(), pa.int64()),
            "visit_date": pa.array(
                [dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 300, n)]
            ),
            "when": pa.array(
                pd.to_datetime("2024-01-01 09:30") + pd.to_timedelta(rng.integers(0, 9, n), "h")
            ),
            "amount": pa.array(
                np.where(rng.random(n) < 0.05, np.nan, rng.choice([1200.0, 80.5, 0.1 + 0.2], n))
            ),
            "flag": pa.array(rng.random(n) < 0.5),
            "visit_id": pa.array(many),
            "doctor": pa.array(
                rng.choice(np.array(["Lin", nfd, None, " Wu "], object), n).tolist()
            ),
        }
    )


def _parquet(table: pa.Table, **kw) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=500, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("dictionary", [True, False])
def test_parquet_texts_equal_the_frame_reading(tmp_path, dictionary):
    data = _parquet(_table(), use_dictionary=dictionary)
    path = tmp_path / "visits.parquet"
    path.write_bytes(data)
    got = read_raw(path, label="visits")
    want = _from_frame(pd.read_parquet(io.BytesIO(data)), name="visits.parquet", fmt="parquet")
    assert got.header == want.header
    assert got.fmt == "parquet" and got.notes == want.notes
    np.testing.assert_array_equal(got.lines, want.lines)
    rows = np.arange(len(got.lines))
    for a, b in zip(got.columns, want.columns, strict=True):
        assert list(a.cells(rows)) == list(b.cells(rows))


def test_a_pandas_index_is_not_a_column(tmp_path):
    frame = pd.DataFrame(
        {"patient_id": ["P1", "P2"], "visit_date": ["2024-01-02"] * 2, "amount": [1, 2]}
    )
    path = tmp_path / "visits.parquet"
    frame.set_index(pd.Index(["a", "b"], name="row")).to_parquet(path)
    assert read_raw(path, label="visits").header == ["patient_id", "visit_date", "amount"]


def test_a_parquet_log_loads_like_its_csv(tmp_path):
    table = _table().select(["patient_id", "visit_date", "amount", "doctor"])
    table = table.filter(pa.compute.invert(pa.compute.is_nan(table["amount"])))
    pq.write_table(table, tmp_path / "visits.parquet", row_group_size=400)
    table.to_pandas().to_csv(tmp_path / "visits.csv", index=False)
    a = load_clinic(tmp_path / "visits.parquet")
    b = load_clinic(tmp_path / "visits.csv")
    pd.testing.assert_frame_equal(a.visits, b.visits)
    pd.testing.assert_frame_equal(
        a.lines.drop(columns="source_line"), b.lines.drop(columns="source_line")
    )


@pytest.mark.parametrize(
    "amounts",
    [
        [1200.0, -300.0, 80.5, 0.1 + 0.2, np.nan, 0.0],  # read as numbers, as they are
        [1200.0, np.inf, 80.5],  # not a number a clinic bills: by its text, and refused
        [1200.0, 1e16, 80.5],  # written 1e+16: by its text, and refused
    ],
)
def test_numeric_amounts_read_as_their_texts_would(tmp_path, amounts):
    n = len(amounts)
    table = pa.table(
        {
            "patient_id": [f"P{i % 2}" for i in range(n)],
            "visit_date": [dt.date(2024, 1, 1 + i) for i in range(n)],
            "amount": pa.array(amounts, pa.float64()),
            "satisfaction": pa.array([4.5] * (n - 1) + [None], pa.float64()),
        }
    )
    pq.write_table(table, tmp_path / "visits.parquet")
    frame = table.to_pandas()
    frame["amount"] = frame["amount"].map(lambda v: "" if np.isnan(v) else repr(v))
    frame.to_csv(tmp_path / "visits.csv", index=False)

    def outcome(path):
        try:
            data = load_clinic(path, drop_invalid=True)
        except Exception as exc:  # noqa: BLE001 - the same failure is the point
            return type(exc).__name__
        return data.lines.drop(columns="source_line"), data.quality.rejected[["line", "reason"]]

    a, b = outcome(tmp_path / "visits.parquet"), outcome(tmp_path / "visits.csv")
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    pd.testing.assert_frame_equal(a[0], b[0])
    assert a[1]["reason"].tolist() == b[1]["reason"].tolist()
    refused = sum(not np.isfinite(v) or abs(v) >= 1e15 for v in amounts)  # NaN: blank
    assert len(a[1]) == refused

"""Tests for clinicvalue.analyses.retention.cohorts (hand-computed fixtures)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicvalue.analyses.retention.cohorts import cohort_counts, cohort_matrix, cohort_sql
from clinicvalue.errors import InputError, OptionError

AS_OF = "2026-03-15"


def _visits() -> pd.DataFrame:
    # a: Jan, Mar; b: Jan, Feb; c: Feb only; "00004" vs "4" are two patients
    return pd.DataFrame(
        {
            "patient_id": pd.array(["a", "a", "b", "b", "c", "00004", "4"], dtype="string"),
            "visit_date": pd.to_datetime(
                [
                    "2026-01-05",
                    "2026-03-01",
                    "2026-01-20",
                    "2026-02-02",
                    "2026-02-10",
                    "2026-03-02",
                    "2026-03-03",
                ]
            ),
            "amount": [100.0, 50.0, 200.0, 20.0, 10.0, 5.0, 7.0],
            "doctor": ["x", "y", "z", "z", "x", "x", "y"],
        }
    )


def test_counts_hand_computed() -> None:
    c = cohort_counts(_visits(), AS_OF).set_index(["cohort_month", "months_since"])
    jan = pd.Timestamp("2026-01-01")
    assert c.loc[(jan, 0), "patients"] == 2
    assert c.loc[(jan, 0), "revenue"] == 300.0
    assert c.loc[(jan, 1), "patients"] == 1
    assert c.loc[(jan, 2), "revenue"] == 50.0
    assert c.loc[(pd.Timestamp("2026-03-01"), 0), "patients"] == 2  # 00004 and 4


def test_classic_matrix_unreached_cells_are_nan() -> None:
    m = cohort_matrix(cohort_counts(_visits(), AS_OF), AS_OF)
    jan, feb, mar = (pd.Timestamp(f"2026-0{i}-01") for i in (1, 2, 3))
    assert m.loc[jan, [0, 1, 2]].tolist() == [1.0, 0.5, 0.5]
    assert m.loc[feb, 1] == 0.0  # reached, nobody came: 0
    assert np.isnan(m.loc[feb, 2])  # not reachable yet: NaN, never 0
    assert np.isnan(m.loc[mar, 1])
    assert m["cohort_size"].tolist() == [2, 1, 2]


def test_rolling_matrix_counts_later_visits() -> None:
    m = cohort_matrix(cohort_counts(_visits(), AS_OF), AS_OF, kind="rolling")
    jan = pd.Timestamp("2026-01-01")
    # month 1: b visited in Feb, a visited later (Mar) → both retained
    assert m.loc[jan, [0, 1, 2]].tolist() == [1.0, 1.0, 0.5]


def test_revenue_per_member() -> None:
    m = cohort_matrix(cohort_counts(_visits(), AS_OF), AS_OF, metric="revenue_per_member")
    assert m.loc[pd.Timestamp("2026-01-01"), 0] == 150.0
    assert m.loc[pd.Timestamp("2026-01-01"), 1] == 10.0


def test_grouped_by_first_visit_doctor_and_channel() -> None:
    v = _visits()
    c = cohort_counts(v, AS_OF, groups=v["doctor"])
    jan0 = c[(c["cohort_month"] == "2026-01-01") & (c["months_since"] == 0)]
    assert dict(zip(jan0["cohort_group"], jan0["patients"], strict=True)) == {"x": 1, "z": 1}
    # a's group stays x (first visit) in month 2 though the visit was with y
    a2 = c[(c["cohort_month"] == "2026-01-01") & (c["months_since"] == 2)]
    assert a2["cohort_group"].tolist() == ["x"]
    channel = pd.Series(
        ["ads", "web"], index=pd.Index(["a", "b"], dtype="string", name="patient_id")
    )
    c2 = cohort_counts(v, AS_OF, groups=channel)
    assert set(c2["cohort_group"]) == {"ads", "web", "unknown"}


def test_sql_runs_as_plain_query() -> None:
    sql = cohort_sql("t", AS_OF)
    assert "DATE_DIFF" not in sql.upper() and "STRFTIME" not in sql.upper()
    con = duckdb.connect()
    con.register("t", _visits())
    rows = con.execute(sql).fetchall()
    assert len(rows) == 5


def test_visits_after_as_of_ignored() -> None:
    c = cohort_counts(_visits(), "2026-02-28")
    assert c["cohort_month"].max() == pd.Timestamp("2026-02-01")


def test_errors() -> None:
    with pytest.raises(InputError, match="lacks required column"):
        cohort_counts(pd.DataFrame({"patient_id": ["a"]}), AS_OF)
    c = cohort_counts(_visits(), AS_OF)
    with pytest.raises(OptionError, match="kind"):
        cohort_matrix(c, AS_OF, kind="weekly")
    with pytest.raises(InputError, match="rolling cohorts"):
        cohort_matrix(c, AS_OF, kind="rolling", metric="patients")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 400)), min_size=1, max_size=30))
def test_retention_bounds_and_rolling_dominates(rows: list[tuple[int, int]]) -> None:
    v = pd.DataFrame(
        {
            "patient_id": pd.array([str(p) for p, _ in rows], dtype="string"),
            "visit_date": pd.Timestamp("2025-01-01") + pd.to_timedelta([d for _, d in rows], "D"),
            "amount": 1.0,
        }
    )
    as_of = "2026-02-10"
    c = cohort_counts(v, as_of)
    classic = cohort_matrix(c, as_of).drop(columns="cohort_size")
    rolling = cohort_matrix(c, as_of, kind="rolling").drop(columns="cohort_size")
    assert (classic[0] == 1.0).all()
    vals = classic.to_numpy()
    assert np.nanmax(vals) <= 1.0 and np.nanmin(vals) >= 0.0
    assert (rolling.fillna(0) >= classic.fillna(0) - 1e-12).all().all()
    assert (classic.isna() == rolling.isna()).all().all()

"""Tests for clinicvalue.summarize.features: one DuckDB pass for segments and churn."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicvalue.analyses.segments.rfm import quintile_score
from clinicvalue.errors import InputError
from clinicvalue.load.visit_rule import aggregate_visits
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize._labels import string_labels
from clinicvalue.summarize.features import (
    FEATURE_COLUMNS,
    RFM_COLUMNS,
    align_features,
    patient_features,
    rfm_features,
)
from clinicvalue.summarize.summary import (
    last_two_gaps,
    log_gap_sum,
    summarize,
    summary_from_features,
)

AS_OF = pd.Timestamp("2026-06-30")
PROFILE = ClinicProfile()


def _lines() -> pd.DataFrame:
    rows = [
        # id, date, amount, treatment, satisfaction, complaint
        ("a", "2026-01-01", 100.0, "Cleaning", 90.0, None),
        ("a", "2026-01-01", -20.0, "implant crown", 70.0, "  "),  # same day: one visit
        ("a", "2026-01-11", 50.0, "consult", None, None),  # gaps 10, 30, 40: median 30
        ("a", "2026-02-10", 50.0, None, 85.0, None),
        ("a", "2026-03-22", 30.0, "cleaning", None, None),  # last: cleaning, recall +182
        ("a", "2026-07-05", 999.0, "implant", None, "after as_of"),  # ignored
        ("b", "2025-01-10", 400.0, "scaling", None, "\u3000"),  # full-width blank
        ("c", "2026-06-01", 80.0, "whitening", 60.0, "waited too long"),
        ("c", "2025-05-01", 300.0, "checkup", None, "old complaint"),  # outside 90 days
        (None, "2026-06-01", 5.0, "cleaning", None, None),  # no patient: ignored
    ]
    return pd.DataFrame(
        {
            "patient_id": pd.array([r[0] for r in rows], dtype="string"),
            "visit_date": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
            "treatment": pd.array([r[3] for r in rows], dtype="string"),
            "satisfaction": [r[4] for r in rows],
            "complaint": pd.array([r[5] for r in rows], dtype="string"),
        }
    )


def test_features_hand_computed() -> None:
    f = patient_features(_lines(), AS_OF, PROFILE)
    assert list(f.columns) == list(FEATURE_COLUMNS)
    assert list(f.index) == ["a", "b", "c"] and f.index.dtype == "string"
    a, b, c = (f.loc[k] for k in ("a", "b", "c"))
    assert a["visits"] == 4 and b["visits"] == 1 and c["visits"] == 2
    assert a["first_visit"] == pd.Timestamp("2026-01-01")
    assert a["second_visit"] == pd.Timestamp("2026-01-11") and pd.isna(b["second_visit"])
    assert a["last_visit"] == pd.Timestamp("2026-03-22")
    assert a["total_spend"] == 210.0 and a["first_spend"] == 80.0  # 100 − 20 on day one
    assert a["median_gap_days"] == 30.0 and np.isnan(b["median_gap_days"])
    assert c["median_gap_days"] == 396.0
    assert a["any_high_value"] and a["any_known"]  # implant on the first day
    assert not b["any_high_value"] and b["any_known"]
    assert a["last_category"] == "cleaning" and b["last_category"] == "cleaning"
    assert c["last_category"] == "whitening"
    assert a["last_satisfaction"] == 85.0  # the latest score, not the lowest
    assert np.isnan(b["last_satisfaction"]) and c["last_satisfaction"] == 60.0
    assert pd.isna(a["last_complaint"]) and pd.isna(b["last_complaint"])  # blanks
    assert c["last_complaint"] == pd.Timestamp("2026-06-01")
    # 12-month windows (2025-06-30, 2026-06-30]: c's 2025-05-01 visit is outside
    assert c["visits_12m"] == 1 and c["spend_12m"] == 80.0 and b["visits_12m"] == 0
    # the RFM look-back is the whole history by default
    assert a["spend_lookback"] == a["spend"] == 210.0 and a["visits_lookback"] == a["visits"]
    assert a["first_lookback"] == a["first_visit"]
    # spend decline windows: (2025-12-31, 2026-06-30] and (2025-06-30, 2025-12-31]
    assert a["spend_recent"] == 210.0 and a["spend_before"] == 0.0
    assert a["next_recall_due"] == pd.Timestamp("2026-03-22") + pd.Timedelta(days=182)
    # b's scaling recall (2025-07-11) is after its only visit: due, overdue
    assert b["next_recall_due"] == pd.Timestamp("2025-01-10") + pd.Timedelta(days=182)
    assert pd.isna(c["next_recall_due"])  # whitening and check-ups have no recall


def test_line_items_loaded_visits_and_parquet_agree(tmp_path: Path) -> None:
    """The same features from line items, from loaded visits and from DuckDB over Parquet."""
    lines = _lines()
    from_lines = patient_features(lines, AS_OF, PROFILE)
    visits, _ = aggregate_visits(lines.dropna(subset=["patient_id"]), set())
    pd.testing.assert_frame_equal(patient_features(visits, AS_OF, PROFILE), from_lines)
    path = tmp_path / "lines.parquet"
    lines.to_parquet(path)
    con = duckdb.connect()
    from_parquet = patient_features(con.read_parquet(str(path)), AS_OF, PROFILE, connection=con)
    pd.testing.assert_frame_equal(from_parquet, from_lines)
    assert "_cv_feature_visits" not in set(con.sql("SHOW TABLES").fetchnumpy()["name"])


@pytest.mark.parametrize("lookback", [0, 6])
def test_rfm_features_are_the_full_features_rfm_columns(tmp_path: Path, lookback: int) -> None:
    """The lighter RFM query gives the full query's figures: lines, visits and Parquet."""
    lines = _lines().assign(self_pay=lambda d: d["amount"] / 2)
    profile = PROFILE.replace(rfm__lookback_months=lookback, rfm__self_pay_only=True)
    want = patient_features(lines, AS_OF, profile)[list(RFM_COLUMNS)]
    assert want.loc["a", "spend_lookback"] == 105.0  # half of 210: the self-pay column
    if lookback:  # b's only visit is before the look-back: no first day, no visits in it
        assert pd.isna(want.loc["b", "first_lookback"]) and want.loc["b", "visits_lookback"] == 0
    pd.testing.assert_frame_equal(rfm_features(lines, AS_OF, profile), want)
    visits, _ = aggregate_visits(lines.dropna(subset=["patient_id"]), set())
    full = patient_features(visits, AS_OF, profile)[list(RFM_COLUMNS)]
    pd.testing.assert_frame_equal(rfm_features(visits, AS_OF, profile), full)
    path = tmp_path / "lines.parquet"
    lines.to_parquet(path)
    con = duckdb.connect()
    got = rfm_features(con.read_parquet(str(path)), AS_OF, profile, connection=con)
    pd.testing.assert_frame_equal(got, want)


def test_summary_from_features_equals_summarize() -> None:
    lines = _lines().dropna(subset=["patient_id"])
    for unit in ("D", "W", "M"):
        want = summarize(lines, AS_OF, time_unit=unit)
        got = summary_from_features(patient_features(lines, AS_OF, PROFILE), AS_OF, time_unit=unit)
        pd.testing.assert_frame_equal(got, want)


def test_gaps_by_hand() -> None:
    f = patient_features(_lines(), AS_OF, PROFILE)
    a, b, c = (f.loc[k] for k in ("a", "b", "c"))
    assert a["log_gap_days"] == pytest.approx(np.log(10) + np.log(30) + np.log(40))
    assert (a["gap_earlier_days"], a["gap_last_days"]) == (30.0, 40.0)
    assert b["log_gap_days"] == 0.0 and np.isnan(b["gap_earlier_days"])
    assert c["log_gap_days"] == pytest.approx(np.log(396))
    assert np.isnan(c["gap_earlier_days"]) and np.isnan(c["gap_last_days"])  # two visits


@pytest.mark.parametrize("seed", range(4))
def test_gaps_equal_the_regularity_and_rhythm_queries(seed: int) -> None:
    """The features' gaps are the ones the regularity check and MBG/CNBD-k read."""
    rng = np.random.default_rng(seed)
    n = 3000
    lines = pd.DataFrame(
        {
            "patient_id": pd.array(rng.integers(0, 400, n).astype(str), dtype="string"),
            "visit_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
            # refund-only days net into the visit before them, as everywhere
            "amount": rng.choice([120.0, 40.0, -30.0, 0.0], n, p=[0.5, 0.3, 0.15, 0.05]),
        }
    )
    f = patient_features(lines, AS_OF, PROFILE)
    gaps = last_two_gaps(lines, AS_OF)
    three = f.dropna(subset=["gap_last_days"])
    pd.testing.assert_index_equal(three.index, gaps.index)
    np.testing.assert_array_equal(three["gap_earlier_days"], gaps["earlier"])
    np.testing.assert_array_equal(three["gap_last_days"], gaps["last"])
    for unit, days in (("D", 1.0), ("W", 7.0)):
        litt = log_gap_sum(lines, AS_OF, time_unit=unit).reindex(f.index)
        mine = f["log_gap_days"] - (f["visits"] - 1) * np.log(days)
        np.testing.assert_allclose(mine, litt, rtol=1e-12, atol=1e-9)


def test_money_is_self_pay_when_the_profile_says_so() -> None:
    lines = _lines().assign(self_pay=lambda d: d["amount"] / 2)
    profile = PROFILE.replace(rfm__self_pay_only=True)
    f = patient_features(lines, AS_OF, profile)
    assert f.loc["a", "spend"] == 105.0 and f.loc["a", "total_spend"] == 210.0
    with pytest.raises(InputError, match="self_pay"):
        patient_features(_lines(), AS_OF, profile)


def test_optional_columns_may_be_missing() -> None:
    f = patient_features(_lines()[["patient_id", "visit_date", "amount"]], AS_OF, PROFILE)
    assert f["last_category"].isna().all() and not f["any_known"].any()
    assert f["last_complaint"].isna().all() and f["last_satisfaction"].isna().all()
    assert f["next_recall_due"].isna().all()


def test_empty_and_bad_input() -> None:
    lines = _lines()
    f = patient_features(lines[lines["visit_date"] > AS_OF], pd.Timestamp("2020-01-01"), PROFILE)
    assert len(f) == 0 and list(f.columns) == list(FEATURE_COLUMNS)
    with pytest.raises(InputError, match="amount"):
        patient_features(lines.drop(columns="amount"), AS_OF, PROFILE)
    con = duckdb.connect()
    with pytest.raises(TypeError, match="connection"):
        patient_features(
            con.sql("SELECT 'a' AS patient_id, DATE '2026-01-01' AS visit_date, 1.0 AS amount"),
            AS_OF,
            PROFILE,
        )


def test_align_features() -> None:
    f = patient_features(_lines(), AS_OF, PROFILE)
    assert align_features(f, pd.Index(["a", "b", "c"]), AS_OF) is f
    got = align_features(f, pd.Index(["c", "zz"]), AS_OF, require_visit=False)
    assert list(got.index) == ["c", "zz"]
    assert got.loc["zz", "visits"] == 0 and got.loc["zz", "spend"] == 0.0
    assert not got.loc["zz", "any_known"] and pd.isna(got.loc["zz", "last_visit"])
    assert got.dtypes.equals(f.dtypes)
    with pytest.raises(InputError, match=r"\['zz'\] have no visit on or before 2026-06-30"):
        align_features(f, pd.Index(["a", "zz"]), AS_OF)
    with pytest.raises(InputError, match="duplicated"):
        align_features(f, pd.Index(["a", "a"]), AS_OF)


def test_string_labels() -> None:
    got = string_labels(np.array([1, -1, 0, 1]), ["x", "y"])
    assert got.dtype == "string"
    assert got.tolist() == ["y", pd.NA, "x", "y"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-3, 3) | st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40),
    st.booleans(),
)
def test_quintile_score_matches_pandas_ranks(values: list[float], reverse: bool) -> None:
    s = pd.Series(values, dtype="float64")
    got = quintile_score(s, reverse=reverse)
    if s.nunique() == 1:
        assert (got == 3).all()
        return
    pct = (-s if reverse else s).rank(method="average", pct=True).to_numpy()
    assert got.tolist() == np.clip(np.ceil(5 * pct), 1, 5).astype(int).tolist()

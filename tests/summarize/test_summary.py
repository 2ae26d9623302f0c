"""Oracle and property tests for clinicvalue.summarize.summary."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicvalue.errors import InputError, OptionError
from clinicvalue.load.visit_rule import aggregate_visits
from clinicvalue.summarize.summary import calibration_holdout, summarize


def _visits(rows):
    df = pd.DataFrame(rows, columns=["patient_id", "visit_date", "amount"])
    df["patient_id"] = df["patient_id"].astype("string")
    df["visit_date"] = pd.to_datetime(df["visit_date"]).astype("datetime64[ns]")
    df["amount"] = df["amount"].astype("float64")
    return df


# Hand-computed: patient A visits 2026-01-01 (100), 01-15 (two lines 50+30), 01-29 (20).
FIX = _visits(
    [
        ("A", "2026-01-01", 100),
        ("A", "2026-01-15", 50),
        ("A", "2026-01-15", 30),
        ("A", "2026-01-29", 20),
        ("B", "2026-02-01", 70),
        ("A", "2026-03-01", 999),  # after as-of
    ]
)


@pytest.mark.parametrize("unit,div", [("D", 1.0), ("W", 7.0), ("M", 30.4375)])
def test_hand_computed(unit, div):
    s = summarize(FIX, "2026-02-12", time_unit=unit)
    a, b = s.loc["A"], s.loc["B"]
    assert a["visits"] == 3 and a["frequency"] == 2
    assert a["recency"] == pytest.approx(28 / div)  # 01-01 -> 01-29
    assert a["T"] == pytest.approx(42 / div)  # 01-01 -> 02-12
    assert a["total_spend"] == 200.0 and a["first_spend"] == 100.0
    assert a["monetary"] == pytest.approx((80 + 20) / 2)  # mean of repeat visits
    assert b["frequency"] == 0 and b["recency"] == 0 and b["T"] == pytest.approx(11 / div)
    assert b["monetary"] == 0.0


def test_bad_time_unit():
    with pytest.raises(OptionError, match="time_unit"):
        summarize(FIX, "2026-02-12", time_unit="Y")


def test_holdout_end_before_cal():
    with pytest.raises(InputError, match="must be after calibration end"):
        calibration_holdout(FIX, "2026-02-01", "2026-01-01")


def test_leading_zero_ids_separate():
    s = summarize(_visits([("00004", "2026-01-01", 1), ("4", "2026-01-02", 2)]), "2026-01-31")
    assert set(s.index) == {"00004", "4"}
    assert s.loc["00004", "total_spend"] == 1 and s.loc["4", "total_spend"] == 2


ids = st.sampled_from(["1", "01", "001", "7", "x"])
rows = st.lists(st.tuples(ids, st.integers(0, 60), st.integers(-50, 500)), min_size=1, max_size=25)
AS_OF = pd.Timestamp("2026-01-01") + pd.Timedelta(days=40)


def _from(raw):
    base = pd.Timestamp("2026-01-01")
    return _visits([(p, base + pd.Timedelta(days=d), a) for p, d, a in raw])


@settings(max_examples=40, deadline=None)
@given(rows)
def test_conserves_money_and_visits(raw):
    """The SQL visit rule is the loader's: same visits, same money, refund days folded."""
    v = _from(raw)
    inside = v[v["visit_date"] <= AS_OF]
    if inside.empty:
        return
    loaded, refunds = aggregate_visits(inside, set())
    s = summarize(v, AS_OF, time_unit="D")
    assert s["total_spend"].sum() == pytest.approx(inside["amount"].sum() - refunds.orphan_total)
    assert s["visits"].sum() == len(loaded)
    assert (s["recency"] <= s["T"]).all() and (s["frequency"] >= 0).all()
    assert (s["frequency"] == s["visits"] - 1).all()
    pd.testing.assert_frame_equal(summarize(loaded, AS_OF, time_unit="D"), s)


def test_refund_only_day_is_not_a_visit():
    """A day of only refunds nets into the previous visit (the next one if none before)."""
    v = _visits(
        [
            ("A", "2026-01-05", -300),  # before any visit: joins the first visit
            ("A", "2026-01-10", 1000),
            ("A", "2026-01-20", -400),  # refund-only: joins 01-10
            ("A", "2026-01-25", 0),  # a free check-up is a visit
            ("B", "2026-01-12", -25850),  # B was never seen: no visit at all
        ]
    )
    s = summarize(v, "2026-01-31", time_unit="D")
    assert list(s.index) == ["A"]
    a = s.loc["A"]
    assert a["visits"] == 2 and a["first_visit"] == pd.Timestamp("2026-01-10")
    assert a["total_spend"] == 300.0 and a["first_spend"] == 300.0
    loaded, refunds = aggregate_visits(v, set())
    assert loaded["visit_date"].dt.day.tolist() == [10, 25]
    assert loaded["amount"].tolist() == [300.0, 0.0]
    assert (refunds.days, refunds.total) == (2, -700.0)
    assert (refunds.orphan_days, refunds.orphan_total, refunds.orphan_lines) == (1, -25850.0, 1)


@settings(max_examples=30, deadline=None)
@given(rows, rows)
def test_after_as_of_ignored(raw, extra):
    v = _from(raw)
    if (v["visit_date"] <= AS_OF).sum() == 0:
        return
    later = _from([(p, 41 + d, a) for p, d, a in extra])
    a = summarize(v, AS_OF)
    b = summarize(pd.concat([v, later], ignore_index=True), AS_OF)
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index())


LT = _visits(
    [
        ("1", "2026-01-01", 10),
        ("1", "2026-01-20", 30),
        ("1", "2026-02-10", 50),
        ("1", "2026-03-15", 40),
        ("2", "2026-01-05", 5),
        ("2", "2026-01-05", 5),
        ("2", "2026-03-01", 60),
        ("3", "2026-01-30", 80),
        ("3", "2026-02-20", 20),
        ("4", "2026-02-25", 15),  # first seen after calibration end: dropped
    ]
)


def test_summary_matches_lifetimes():
    # oracle: lifetimes.utils.summary_data_from_transaction_data (freq="D", freq_multiplier=7)
    from lifetimes.utils import summary_data_from_transaction_data

    ref = summary_data_from_transaction_data(
        LT,
        "patient_id",
        "visit_date",
        monetary_value_col="amount",
        observation_period_end="2026-03-31",
        freq="D",
        freq_multiplier=7,
    )
    s = summarize(LT, "2026-03-31", time_unit="W")
    ref.index = ref.index.astype("string")
    for col in ("frequency", "recency", "T", "monetary_value"):
        ours = s["monetary" if col == "monetary_value" else col]
        assert ours.reindex(ref.index).to_numpy() == pytest.approx(ref[col].to_numpy())


def test_calibration_holdout_matches_lifetimes():
    # oracle: lifetimes.utils.calibration_and_holdout_data (freq="D", freq_multiplier=7)
    from lifetimes.utils import calibration_and_holdout_data

    ref = calibration_and_holdout_data(
        LT,
        "patient_id",
        "visit_date",
        calibration_period_end="2026-02-15",
        observation_period_end="2026-03-31",
        freq="D",
        freq_multiplier=7,
        monetary_value_col="amount",
    )
    ours = calibration_holdout(LT, "2026-02-15", "2026-03-31", time_unit="W")
    ref.index = ref.index.astype("string")
    assert set(ours.index) == set(ref.index) == {"1", "2", "3"}
    ours = ours.reindex(ref.index)
    pairs = {
        "frequency_cal": "frequency_cal",
        "recency_cal": "recency_cal",
        "T_cal": "T_cal",
        "monetary_cal": "monetary_value_cal",
        "frequency_holdout": "frequency_holdout",
        "monetary_holdout": "monetary_value_holdout",
        "duration_holdout": "duration_holdout",
    }
    for mine, theirs in pairs.items():
        assert ours[mine].to_numpy(dtype=float) == pytest.approx(
            ref[theirs].to_numpy(dtype=float)
        ), mine


def test_log_gap_sum_is_the_sum_of_log_times_between_visit_days():
    import numpy as np

    from clinicvalue.summarize.summary import log_gap_sum

    visits = pd.DataFrame(
        {
            "patient_id": ["a", "a", "a", "a", "b", "c", "c"],
            "visit_date": pd.to_datetime(
                [
                    "2026-01-01",
                    "2026-01-15",
                    "2026-02-12",
                    "2026-12-01",
                    "2026-01-05",
                    "2026-01-01",
                    "2026-01-01",
                ]
            ),  # fmt: skip
            "amount": [1.0, 2.0, 3.0, 4.0, 4.0, 5.0, 6.0],
        }
    )
    out = log_gap_sum(visits, "2026-10-31", time_unit="W")
    # a: gaps of 2 and 4 weeks (the December visit is after the as-of date); b: one
    # visit; c: two lines on one day are one visit
    assert out.to_dict() == pytest.approx({"a": np.log(2) + np.log(4), "b": 0.0, "c": 0.0})
    days = log_gap_sum(visits, "2026-10-31", time_unit="D")
    assert days["a"] == pytest.approx(np.log(14) + np.log(28))

"""Tests for clinicvalue.analyses.retention.churn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicvalue.analyses.retention.churn import (
    FLAGS,
    ChurnWarnings,
    churn_flags,
    churn_warnings,
    next_recall_due,
    score_columns,
)
from clinicvalue.data import ClinicData
from clinicvalue.errors import InputError, OptionError
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.summary import summarize

AS_OF = pd.Timestamp("2026-06-30")
PROFILE = ClinicProfile()


def _data() -> ClinicData:
    rows = [
        # id, date, amount, treatment, satisfaction, complaint
        ("htn", "2026-03-27", 100.0, "consult", 90.0, None),  # 95 days, hypertension ≤ 60
        ("own", "2026-01-01", 100.0, "consult", None, None),
        ("own", "2026-01-11", 100.0, "consult", None, None),
        ("own", "2026-01-21", 100.0, "consult", None, None),
        ("own", "2026-06-10", 10.0, "consult", 70.0, None),  # gap 20d > 10×1.5; low sat
        ("cln", "2026-06-01", 50.0, "洗牙", None, "waited too long"),  # complaint, recall
        ("old", "2024-01-01", 500.0, "consult", None, None),  # dormant: not overdue
        ("dec", "2025-09-01", 1000.0, "crown", None, None),
        ("dec", "2026-06-01", 100.0, "crown", None, None),  # 90% decline
        ("new", "2026-06-20", 10.0, "consult", None, None),
        ("ort", "2026-04-01", 200.0, "ortho adjustment", None, None),  # 90 days > 60
    ]
    visits = pd.DataFrame(
        {
            "patient_id": pd.array([r[0] for r in rows], dtype="string"),
            "visit_date": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
            "treatment": pd.array([r[3] for r in rows], dtype="string"),
            "satisfaction": [r[4] for r in rows],
            "complaint": pd.array([r[5] for r in rows], dtype="string"),
        }
    )
    patients = pd.DataFrame(
        {"patient_id": pd.array(["htn"], dtype="string"), "condition": ["Hypertension"]}
    )
    return ClinicData(visits=visits, lines=visits, patients=patients)


def test_flags_hand_computed() -> None:
    f = churn_flags(_data(), AS_OF, PROFILE)
    assert f.loc["htn", "overdue"] and f.loc["htn", "normal_interval"] == 60
    assert f.loc["htn", "interval_basis"] == "condition:hypertension"
    assert f.loc["own", "overdue"] and f.loc["own", "normal_interval"] == 15
    assert f.loc["own", "low_satisfaction"] and not f.loc["htn", "low_satisfaction"]
    assert f.loc["cln", "complaint"] and not f.loc["own", "complaint"]
    assert not f.loc["old", "overdue"]  # long dormant: reactivation list, not early warning
    assert f.loc["dec", "spend_decline"] and not f.loc["htn", "spend_decline"]
    assert not f.loc["cln", "overdue"]  # cleaning: 29 days of 180


def test_next_recall_due_from_cleaning_rule() -> None:
    due = next_recall_due(_data().visits, AS_OF, PROFILE)
    assert due["cln"] == pd.Timestamp("2026-06-01") + pd.Timedelta(days=182)
    assert pd.isna(due["htn"])


def test_score_columns_contract() -> None:
    data = _data()
    summary = summarize(data.visits, AS_OF)
    s = score_columns(data, summary, AS_OF, PROFILE)
    assert list(s.columns) == ["churn_flags", "next_recall_due", "returned_within_90d"]
    assert s.index.equals(summary.index)
    assert s.loc["own", "churn_flags"] == "overdue;low_satisfaction"
    assert s.loc["cln", "churn_flags"] == "complaint"
    assert s.loc["new", "churn_flags"] == ""
    assert pd.isna(s.loc["new", "returned_within_90d"])  # first visit 10 days ago
    assert bool(s.loc["own", "returned_within_90d"]) is True
    assert bool(s.loc["old", "returned_within_90d"]) is False
    assert str(s["returned_within_90d"].dtype) == "boolean"


REASONS = {
    # (patient, flag): (en, zh-Hant, zh-Hans), worked out by hand from _data()
    ("htn", "overdue"): (
        "overdue: 95 days since last visit; hypertension patients normally return within 60 days",
        "逾期未回診：距上次就診 95 天；高血壓病患通常 60 天內回診",
        "逾期未复诊：距上次就诊 95 天；高血压患者通常 60 天内复诊",
    ),
    ("own", "overdue"): (
        "overdue: 20 days since last visit; this patient usually returns within 15 days",
        "逾期未回診：距上次就診 20 天；此病患通常 15 天內回診",
        "逾期未复诊：距上次就诊 20 天；该患者通常 15 天内复诊",
    ),
    ("ort", "overdue"): (
        "overdue: 90 days since last visit; after an orthodontic visit, patients normally "
        "return within 60 days",
        "逾期未回診：距上次就診 90 天；矯正回診後通常 60 天內回診",
        "逾期未复诊：距上次就诊 90 天；正畸复诊后通常 60 天内复诊",
    ),
    ("own", "low_satisfaction"): (
        "last satisfaction score 70 (below 80)",
        "最近一次滿意度 70 分（低於 80 分）",
        "最近一次满意度 70 分（低于 80 分）",
    ),
    ("cln", "complaint"): ("complaint on 2026-06-01", "2026-06-01 有客訴", "2026-06-01 有客诉"),
    ("dec", "spend_decline"): (
        "spend down 90% (last 6 months vs the 6 before)",
        "消費下降 90%（近 6 個月對比前 6 個月）",
        "消费下降 90%（近 6 个月对比前 6 个月）",
    ),
}


def _warnings(**kwargs: object) -> ChurnWarnings:
    data = _data()
    return churn_warnings(data, summarize(data.visits, AS_OF), AS_OF, PROFILE, **kwargs)


@pytest.mark.parametrize("i, locale", list(enumerate(["en", "zh-Hant", "zh-Hans"])))
def test_reason_per_flag_in_each_locale(i: int, locale: str) -> None:
    table = _warnings(locale=locale).table
    for (pid, flag), texts in REASONS.items():
        assert table.loc[pid, "reason_" + flag] == texts[i]
    assert pd.isna(table.loc["htn", "reason_complaint"])
    joiner = "; " if locale == "en" else "；"
    own = REASONS[("own", "overdue")][i] + joiner + REASONS[("own", "low_satisfaction")][i]
    assert table.loc["own", "reason"] == own


def test_scripts_follow_the_most_pressing_flag() -> None:
    table = _warnings().table
    assert table.loc["cln", "primary_flag"] == "complaint"
    assert table.loc["own", "primary_flag"] == "low_satisfaction"  # over overdue
    assert "haven't been back" in table.loc["htn", "script"]  # article 002's at-risk call
    assert table.loc["cln", "script"].startswith("Apologise")
    assert "好久沒回來" in _warnings(locale="zh-Hant").table.loc["htn", "script"]
    assert "好久没回来" in _warnings(locale="zh-Hans").table.loc["htn", "script"]


def test_only_flagged_patients_ordered_by_monetary_without_clv() -> None:
    w = _warnings()
    # total spend: dec 1100, own 310, ort 200, htn 100, cln 50; new and old are not flagged
    assert w.table.index.tolist() == ["dec", "own", "ort", "htn", "cln"]
    assert w.table["value_at_risk"].tolist() == [1100.0, 310.0, 200.0, 100.0, 50.0]
    assert w.basis == "monetary" and "p_alive" not in w.table.columns
    assert w.counts_by_flag == {
        "overdue": 3,
        "low_satisfaction": 1,
        "complaint": 1,
        "spend_decline": 1,
    }
    assert w.to_metrics() == {
        "n_patients": 5,
        "counts_by_flag": w.counts_by_flag,
        "value_at_risk_total": 1760.0,
        "basis": "monetary",
    }


def test_value_at_risk_is_the_flagged_patients_lifetime_value() -> None:
    clv = pd.DataFrame(
        {"p_alive": [0.5, 0.9, 0.0, 0.2], "clv": [1000.0, 100.0, 300.0, 5.0]},
        index=pd.Index(["htn", "own", "dec", "new"], name="patient_id"),
    )
    w = _warnings(clv=clv)
    # htn 1000, dec 300, own 100; ort and cln unscored go last (longest away first)
    assert w.table.index.tolist() == ["htn", "dec", "own", "ort", "cln"]
    assert w.table.loc["htn", "value_at_risk"] == pytest.approx(1000.0)
    assert np.isnan(w.table.loc["cln", "value_at_risk"])
    assert w.basis == "clv" and w.value_at_risk_total == pytest.approx(1400.0)
    assert w.table.loc["dec", "p_alive"] == 0.0 and w.table.loc["dec", "clv"] == 300.0


def test_score_columns_agree_with_warning_list() -> None:
    data = _data()
    summary = summarize(data.visits, AS_OF)
    s = score_columns(data, summary, AS_OF, PROFILE)
    table = churn_warnings(data, summary, AS_OF, PROFILE).table
    flagged = s.loc[s["churn_flags"] != "", "churn_flags"]
    assert set(flagged.index) == set(table.index)
    assert (table["churn_flags"] == flagged.reindex(table.index)).all()


def test_clv_frame_without_columns_is_refused() -> None:
    bad = pd.DataFrame({"clv": [1.0]}, index=pd.Index(["htn"], name="patient_id"))
    with pytest.raises(InputError, match="lacks column\\(s\\) p_alive"):
        _warnings(clv=bad)
    data = _data()
    with pytest.raises(InputError, match="'p_alive' and 'clv'"):
        score_columns(data, summarize(data.visits, AS_OF), AS_OF, PROFILE, clv=bad)


def test_bad_locale_is_refused() -> None:
    with pytest.raises(OptionError, match="locale"):
        _warnings(locale="fr")


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["01", "1", "002", "x"]),
            st.integers(0, 700),
            st.floats(0, 5000),
            st.one_of(st.none(), st.floats(0, 100)),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_list_invariants(rows: list[tuple[str, int, float, float | None]]) -> None:
    frame = pd.DataFrame(rows, columns=["patient_id", "ago", "amount", "satisfaction"])
    frame = frame.drop_duplicates(["patient_id", "ago"])
    visits = pd.DataFrame(
        {
            "patient_id": pd.array(frame["patient_id"], dtype="string"),
            "visit_date": AS_OF - pd.to_timedelta(frame["ago"], unit="D"),
            "amount": frame["amount"].astype("float64"),
            "satisfaction": frame["satisfaction"].astype("float64"),
        }
    )
    data = ClinicData(visits=visits, lines=visits)
    w = churn_warnings(data, summarize(visits, AS_OF), AS_OF, PROFILE, locale="zh-Hant")
    t = w.table
    assert t.index.is_unique and t[list(FLAGS)].any(axis=1).all()
    assert (t["value_at_risk"].diff().dropna() <= 0).all()
    for flag in FLAGS:
        assert (t["reason_" + flag].notna() == t[flag]).all()
        pairs = zip(t["reason_" + flag].fillna(""), t["reason"], strict=True)
        assert all(part in whole for part, whole in pairs)
    assert t["script"].notna().all()


def test_shuffled_rows_even_gap_median_and_patients_table_alignment() -> None:
    data = _data()
    # "ev": gaps 10, 30, 100, 20 days (an even count): median (20 + 30) / 2 = 25
    own = pd.DataFrame(
        {
            "patient_id": pd.array(["ev"] * 5, dtype="string"),
            "visit_date": pd.to_datetime(
                ["2025-12-01", "2025-12-11", "2026-01-10", "2026-04-20", "2026-05-10"]
            ),
            "amount": 1.0,
        }
    )
    visits = pd.concat([data.visits, own]).sample(frac=1.0, random_state=5)
    # the patients table lists patients in another order, plus one with no visits
    patients = pd.DataFrame(
        {
            "patient_id": pd.array(["ghost", "own", "htn"], dtype="string"),
            "condition": [" DIABETES", None, "Hypertension"],
        }
    )
    f = churn_flags(ClinicData(visits=visits, lines=visits, patients=patients), AS_OF, PROFILE)
    assert f.loc["ev", "normal_interval"] == 25 * PROFILE.churn.own_interval_factor
    assert f.loc["ev", "interval_basis"] == "own"
    assert f.loc["htn", "interval_basis"] == "condition:hypertension"
    assert f.loc["own", "interval_basis"] == "own" and "ghost" not in f.index
    pd.testing.assert_frame_equal(f.drop(index="ev"), churn_flags(data, AS_OF, PROFILE))

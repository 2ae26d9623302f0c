"""Tests for clinicvalue.churn."""

from __future__ import annotations

import pandas as pd

from clinicvalue.churn import churn_flags, next_recall_due, score_columns
from clinicvalue.data import ClinicData
from clinicvalue.profile import ClinicProfile
from clinicvalue.summary import summarize

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

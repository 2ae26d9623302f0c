"""Tests for clinicvalue.analyses.care.schedule."""

from __future__ import annotations

import pandas as pd

from clinicvalue.analyses.care.schedule import (
    birthday_list,
    followup_schedule,
    reactivation_list,
    recall_schedule,
)
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.summary import summarize

AS_OF = pd.Timestamp("2026-06-30")
PROFILE = ClinicProfile()


def _visits() -> pd.DataFrame:
    rows = [
        ("due", "2026-01-10", "cleaning", 100.0),  # recall 2026-07-11: due within 30 days
        ("late", "2025-11-01", "洗牙", 100.0),  # recall 2026-05-02: overdue
        ("met", "2025-11-01", "cleaning", 100.0),
        ("met", "2026-06-01", "consult", 100.0),  # later visit meets the recall
        ("far", "2026-06-20", "cleaning", 100.0),  # recall in December: not yet
        ("rich", "2024-01-01", "implant", 9000.0),
        ("poor", "2024-01-01", "consult", 10.0),
    ]
    return pd.DataFrame(
        {
            "patient_id": pd.array([r[0] for r in rows], dtype="string"),
            "visit_date": pd.to_datetime([r[1] for r in rows]),
            "treatment": [r[2] for r in rows],
            "amount": [r[3] for r in rows],
        }
    )


def test_recalls_due_and_overdue() -> None:
    r = recall_schedule(_visits(), AS_OF, PROFILE).set_index("patient_id")
    assert set(r.index) == {"due", "late", "rich"}  # rich: implant 1-year recall missed
    assert r.loc["rich", "due_date"] == pd.Timestamp("2024-12-31")
    assert r.loc["due", "due_date"] == pd.Timestamp("2026-07-11")
    assert r.loc["due", "remind_on"] == pd.Timestamp("2026-06-27")  # 14 days before
    assert r.loc["late", "overdue_days"] == 59 and r.loc["due", "overdue_days"] == 0


def test_followups_only_future_tasks_of_recent_visits() -> None:
    f = followup_schedule(_visits(), AS_OF, PROFILE.replace(care__followup_skip=[]))
    assert set(f["patient_id"]) == {"met", "far"}
    # a cleaning and a consultation are routine: no follow-up call by default
    assert followup_schedule(_visits(), AS_OF, PROFILE).empty
    far = f[f["patient_id"] == "far"]
    assert far["task"].tolist() == ["followup_720h"]  # 24h, 48h, 168h already past
    assert far["due_date"].iloc[0] == pd.Timestamp("2026-07-20")


def test_birthdays_in_coming_month_with_leap_day() -> None:
    patients = pd.DataFrame(
        {
            "patient_id": pd.array(["x", "y", "z", "w"], dtype="string"),
            "birth_date": pd.to_datetime(["1980-07-15", "1990-06-29", "2000-02-29", None]),
        }
    )
    b = birthday_list(patients, "2027-02-10", PROFILE)
    assert b["patient_id"].tolist() == ["z"]
    assert b["due_date"].iloc[0] == pd.Timestamp("2027-03-01")
    b2 = birthday_list(patients, AS_OF, PROFILE)
    assert b2["patient_id"].tolist() == ["x"]  # y's birthday was yesterday


def test_reactivation_dormant_high_value_and_interrupted() -> None:
    summary = summarize(_visits(), AS_OF)
    inter = pd.Series({"far": True})
    r = reactivation_list(summary, AS_OF, PROFILE, interrupted=inter)
    assert r["patient_id"].tolist() == ["rich", "far"]
    assert r["task"].tolist() == ["reactivate_dormant", "reactivate_interrupted"]

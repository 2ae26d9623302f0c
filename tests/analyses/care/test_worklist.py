"""Tests for clinicvalue.analyses.care.worklist: one ranked list within capacity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.analyses.care.worklist import build_worklist, held_back
from clinicvalue.privacy import pseudonym_secret, pseudonymize
from clinicvalue.profile import ClinicProfile

DAY = pd.Timestamp("2026-06-30")
NO_HOLD = ClinicProfile().replace(actions__holdout_share=0.0)


def _summary(ids: list[str], spend: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"last_visit": pd.Timestamp("2026-01-01"), "total_spend": spend},
        index=pd.Index(ids, dtype="string", name="patient_id"),
    )


def _tasks(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    """(patient, task, reason, overdue days) rows."""
    return pd.DataFrame(
        {
            "patient_id": [r[0] for r in rows],
            "task": [r[1] for r in rows],
            "due_date": [DAY - pd.Timedelta(days=r[3]) for r in rows],
            "reason": [r[2] for r in rows],
            "script": "s",
            "overdue_days": [r[3] for r in rows],
        }
    )


def _keys(ids: list[str], profile: ClinicProfile = NO_HOLD) -> list[str]:
    return pseudonymize(pd.Series(ids, dtype="string"), pseudonym_secret(profile)).tolist()


def test_due_soon_recalls_first_and_never_cut_while_lower_rows_remain() -> None:
    recalls = _tasks(
        [("late", "recall", "overdue 200", 200), ("soon", "recall", "due in 5", -5),
         ("soon2", "recall", "overdue 3", 3)]
    )  # fmt: skip
    churn = _tasks([("rich", "churn_overdue", "away", 0)])
    react = _tasks([("gone", "reactivate_dormant", "gone", 0)])
    summary = _summary(["late", "soon", "soon2", "rich", "gone"], [9e5, 10.0, 20.0, 5e5, 8e5])
    tasks = {"recalls_due": recalls, "churn_warnings": churn, "reactivation": react}
    work = build_worklist(tasks, summary, DAY, NO_HOLD, capacity=3)
    # both due-soon recalls, low value as they are, come before richer but later work
    assert work.rows["patient_id"].tolist() == ["soon2", "soon", "rich"]
    full = build_worklist(tasks, summary, DAY, NO_HOLD, capacity=10)
    assert full.rows["patient_id"].tolist() == ["soon2", "soon", "rich", "late", "gone"]
    assert work.eligible == {"recalls_due": 3, "churn_warnings": 1, "reactivation": 1}


def test_one_row_per_patient_with_every_reason() -> None:
    tasks = {
        "followups": _tasks([("a", "followup_24h", "follow-up after the filling", 0)]),
        "recalls_due": _tasks([("a", "recall", "recall due", 0), ("b", "recall", "due", 0)]),
        "birthdays": _tasks([("a", "birthday", "birthday on 07-02", -2)]),
    }
    work = build_worklist(tasks, _summary(["a", "b"], [1.0, 2.0]), DAY, NO_HOLD)
    a = work.rows.set_index("patient_id").loc["a"]
    assert work.rows["patient_id"].tolist() == ["a", "b"]
    assert a["list"] == "followups"  # its most urgent reason
    assert a["lists"] == "followups;recalls_due;birthdays"
    assert a["reason"] == "follow-up after the filling; recall due; birthday on 07-02"
    assert work.view("birthdays")["patient_id"].tolist() == ["a"]


def test_booked_never_called_for_recall_churn_or_reactivation() -> None:
    tasks = {
        "reminders": _tasks([("x", "reminder", "appointment tomorrow", -1)]),
        "recalls_due": _tasks([("x", "recall", "due", 0), ("y", "recall", "due", 0)]),
        "churn_warnings": _tasks([("x", "churn_overdue", "away", 0)]),
        "reactivation": _tasks([("z", "reactivate_dormant", "gone", 0)]),
    }
    booked = pd.Index(["x", "z"], dtype="string")
    work = build_worklist(tasks, _summary(["x", "y", "z"], [1.0] * 3), DAY, NO_HOLD, booked=booked)
    rows = work.rows.set_index("patient_id")
    assert set(rows.index) == {"x", "y"}
    assert rows.loc["x", "lists"] == "reminders"  # reminded of the booking, nothing else
    assert work.booked == {"recalls_due": 1, "churn_warnings": 1, "reactivation": 1}
    assert work.eligible == {"reminders": 1, "recalls_due": 1}


def test_do_not_contact_and_recent_outcomes_are_honoured() -> None:
    tasks = {
        "recalls_due": _tasks([(p, "recall", "due", 0) for p in "abcd"]),
        "birthdays": _tasks([("b", "birthday", "birthday", 0)]),
    }
    keys = _keys(list("abcd"))
    calls = pd.DataFrame(
        {
            "patient_key": keys,
            "list": ["recalls_due"] * 4,
            "outcome": ["do_not_contact", "declined", "call_back", "declined"],
            "outcome_date": pd.to_datetime(
                ["2025-01-01", "2026-06-20", "2026-06-29", "2026-01-01"]
            ),
        }
    )
    work = build_worklist(tasks, _summary(list("abcd"), [1.0] * 4), DAY, NO_HOLD, calls=calls)
    rows = work.rows.set_index("patient_id")
    # a: never again; b: declined ten days ago, only the birthday stays;
    # c: asked to be called back; d: declined long enough ago to try again
    assert rows.index.tolist() == ["c", "d", "b"]
    assert rows.loc["b", "lists"] == "birthdays"


def test_held_back_share_is_stable_seeded_and_skips_care_lists() -> None:
    profile = ClinicProfile()
    keys = pd.Series([f"P-{i:06d}" for i in range(20_000)])
    recall = pd.Series("recalls_due", index=keys.index)
    first = held_back(keys, recall, profile)
    assert np.array_equal(first, held_back(keys, recall, profile))  # same run after run
    assert abs(first.mean() - 0.10) < 0.01
    reseeded = held_back(keys, recall, profile.replace(actions__holdout_seed="other"))
    assert abs(reseeded.mean() - 0.10) < 0.01 and not np.array_equal(first, reseeded)
    follow = pd.Series("followups", index=keys.index)
    assert not held_back(keys, follow, profile).any()  # care is never held back
    off = profile.replace(actions__holdout_lists=["churn_warnings"])
    assert not held_back(keys, recall, off).any()


def test_control_group_stops_where_the_capacity_cut_falls() -> None:
    profile = ClinicProfile().replace(actions__holdout_share=0.5)
    ids = [f"p{i:03d}" for i in range(200)]
    recalls = _tasks([(p, "recall", "due", 0) for p in ids])
    summary = _summary(ids, list(np.linspace(1000, 1, 200)))
    work = build_worklist({"recalls_due": recalls}, summary, DAY, profile, capacity=40)
    assert len(work.rows) == 40
    last_called = int(summary.index.get_loc(work.rows["patient_id"].iloc[-1]))
    held = work.held["patient_id"].map(summary.index.get_loc)
    assert len(work.held) > 20 and held.max() < last_called  # same value range as the called
    assert not set(work.held["patient_id"]) & set(work.rows["patient_id"])
    runs = work.runs()
    assert runs["arm"].value_counts().to_dict() == {"listed": 40, "held": len(work.held)}


def test_every_listed_and_held_patient_has_their_own_key_with_or_without_calls() -> None:
    """Keys are hashed only as far down the ranking as the capacity reaches."""
    profile = ClinicProfile().replace(actions__holdout_share=0.3)
    ids = [f"p{i:04d}" for i in range(5000)]
    tasks = {"recalls_due": _tasks([(p, "recall", "due", 0) for p in ids])}
    summary = _summary(ids, list(np.linspace(5000, 1, 5000)))
    calls = pd.DataFrame(
        {
            "patient_key": _keys(["p4999"], profile),  # the last one: nothing changes above
            "list": ["recalls_due"],
            "outcome": ["declined"],
            "outcome_date": [DAY - pd.Timedelta(days=1)],
        }
    )
    runs = [
        build_worklist(tasks, summary, DAY, profile, capacity=30, calls=given)
        for given in (None, calls)
    ]
    for work in runs:
        for frame in (work.rows, work.held):
            assert frame["patient_key"].tolist() == _keys(frame["patient_id"].tolist(), profile)
    pd.testing.assert_frame_equal(runs[0].rows, runs[1].rows)
    pd.testing.assert_frame_equal(runs[0].held, runs[1].held)
    assert len(runs[0].rows) == 30 and len(runs[0].held) > 5

"""Care schedule: recalls, post-visit follow-ups, birthdays and reactivation (003, 004).

Every function returns one row per task (not per patient) with ``patient_id``,
``task``, ``due_date`` and task-specific columns; contact permission and pseudonymous keys
are applied later, in :mod:`clinicvalue.analyses.care.lists`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.analyses.retention.churn import next_recall_due
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.summary import MONTH_DAYS

__all__ = ["recall_schedule", "followup_schedule", "birthday_list", "reactivation_list"]


def recall_schedule(
    visits: pd.DataFrame, as_of: pd.Timestamp | str, profile: ClinicProfile
) -> pd.DataFrame:
    """Return recalls due within ``profile.care.due_within_days`` or already overdue.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, task ("recall"), due_date, remind_on`` (the first reminder date,
        ``reminder_days_before`` before due), ``overdue_days`` (≥ 0 when overdue).
    """
    as_of = pd.Timestamp(as_of)
    return _recalls(next_recall_due(visits, as_of, profile), as_of, profile)


def _recalls(due: pd.Series, as_of: pd.Timestamp, profile: ClinicProfile) -> pd.DataFrame:
    """Build :func:`recall_schedule` from :func:`next_recall_due`'s output."""
    due = due.dropna()
    due = due[due <= as_of + pd.Timedelta(days=profile.care.due_within_days)]
    first_reminder = max(profile.care.reminder_days_before, default=0)
    return pd.DataFrame(
        {
            "patient_id": due.index.astype("string"),
            "task": "recall",
            "due_date": due.to_numpy(),
            "remind_on": (due - pd.Timedelta(days=first_reminder)).to_numpy(),
            "overdue_days": (as_of - due).dt.days.clip(lower=0).to_numpy(),
        }
    )


def followup_schedule(
    visits: pd.DataFrame,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    days: int = 30,
    late_days: int = 0,
) -> pd.DataFrame:
    """Return post-visit follow-up calls at ``profile.care.followup_hours`` after each visit.

    Only visits in the last ``days`` days are scheduled and only follow-ups due on or
    after ``as_of`` (less ``late_days``: calls missed over a weekend) are kept. A visit
    whose every treatment falls in ``care.followup_skip`` (cleaning, check-up,
    consultation) gets no follow-up; a visit without treatment text gets one.
    """
    as_of = pd.Timestamp(as_of)
    window = (visits["visit_date"] <= as_of) & (
        visits["visit_date"] > as_of - pd.Timedelta(days=days)
    )
    recent = visits.loc[window]
    if "treatment" in recent.columns and profile.care.followup_skip:
        recent = recent[~_routine(recent["treatment"], profile)]
    recent = recent[["patient_id", "visit_date"]]
    hours = pd.DataFrame({"hours": list(profile.care.followup_hours)})
    tasks = recent.merge(hours, how="cross")
    tasks["due_date"] = tasks["visit_date"] + pd.to_timedelta(tasks["hours"], unit="h")
    tasks = tasks[tasks["due_date"].dt.normalize() >= as_of - pd.Timedelta(days=late_days)]
    tasks["task"] = "followup_" + tasks["hours"].astype(str) + "h"
    return tasks[["patient_id", "task", "due_date", "visit_date"]].reset_index(drop=True)


def _routine(treatment: pd.Series, profile: ClinicProfile) -> pd.Series:
    """Whether every treatment of a visit (``; ``-joined) is a routine one."""
    skip = set(profile.care.followup_skip)
    words = {k.casefold(): c for k, c in profile.treatment.categories.items()}

    def routine(text: object) -> bool:
        if not isinstance(text, str) or not text.strip():
            return False
        items = [x.strip().casefold() for x in text.split(";") if x.strip()]
        return all(any(c in skip for w, c in words.items() if w in item) for item in items)

    codes, uniques = pd.factorize(treatment.astype("string"))
    flags = np.array([routine(u) for u in uniques] + [False], dtype=bool)
    return pd.Series(flags[codes], index=treatment.index)


def birthday_list(
    patients: pd.DataFrame | None, as_of: pd.Timestamp | str, profile: ClinicProfile
) -> pd.DataFrame:
    """Return patients whose birthday falls in the next ``birthday_within_days`` days."""
    cols = ["patient_id", "task", "due_date"]
    if patients is None or "birth_date" not in patients.columns:
        return pd.DataFrame(columns=cols)
    as_of = pd.Timestamp(as_of).normalize()
    born = pd.to_datetime(patients["birth_date"])
    ok = born.notna()
    born, ids = born[ok], patients.loc[ok, "patient_id"].astype("string")

    # 29 February falls on 1 March in common years
    def in_year(year: pd.Series) -> pd.Series:
        frame = pd.DataFrame({"year": year, "month": born.dt.month, "day": born.dt.day})
        leap = (frame["month"] == 2) & (frame["day"] == 29)
        common = ~(
            (frame["year"] % 4 == 0) & ((frame["year"] % 100 != 0) | (frame["year"] % 400 == 0))
        )
        frame.loc[leap & common, ["month", "day"]] = [3, 1]
        return pd.to_datetime(frame)

    this_year = in_year(pd.Series(as_of.year, index=born.index))
    nxt = this_year.where(this_year >= as_of, in_year(pd.Series(as_of.year + 1, index=born.index)))
    keep = nxt <= as_of + pd.Timedelta(days=profile.care.birthday_within_days)
    return pd.DataFrame({"patient_id": ids[keep], "task": "birthday", "due_date": nxt[keep]})[
        cols
    ].reset_index(drop=True)


def reactivation_list(
    summary: pd.DataFrame,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    interrupted: pd.Series | None = None,
    value: pd.Series | None = None,
) -> pd.DataFrame:
    """Return dormant high-value patients (004) and interrupted patients (003).

    Parameters
    ----------
    summary
        Output of :func:`clinicvalue.summarize.summary.summarize` (``last_visit``, ``total_spend``).
    interrupted
        Optional boolean per patient (from the segmentation's interrupted output).
    value
        Optional value per patient (e.g. CLV); ``total_spend`` by default. "High value"
        means at or above the median value of dormant patients.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, task ("reactivate_dormant" / "reactivate_interrupted"), due_date
        (as_of), last_visit, value, invitation`` (a key from 003's list of reasons).
    """
    as_of = pd.Timestamp(as_of)
    val = (value if value is not None else summary["total_spend"]).reindex(summary.index)
    months = (as_of - summary["last_visit"]).dt.days / MONTH_DAYS
    dormant = months > profile.care.reactivation_min_months
    high = val >= val[dormant].median() if dormant.any() else dormant
    inter = np.zeros(len(summary), dtype=bool)
    if interrupted is not None:
        inter = interrupted.reindex(summary.index).fillna(False).astype(bool).to_numpy()
    pick = (dormant & high).to_numpy() | inter
    picked_inter = inter[pick]
    return pd.DataFrame(
        {
            "patient_id": summary.index[pick].astype("string"),
            "task": np.where(picked_inter, "reactivate_interrupted", "reactivate_dormant").astype(
                object
            ),
            "due_date": as_of,
            "last_visit": summary["last_visit"].to_numpy()[pick],
            "value": val.to_numpy()[pick],
            "invitation": np.where(picked_inter, "treatment_followup", "free_checkup").astype(
                object
            ),
        }
    ).sort_values("value", ascending=False, ignore_index=True)

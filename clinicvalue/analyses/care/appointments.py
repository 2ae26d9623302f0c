"""The appointment book: who is already booked, and the front desk's booking KPIs.

A patient is *booked* on a day when the book holds an appointment of theirs after that
day that was not cancelled. Booked patients are left off recall, churn-warning and
reactivation calls (:mod:`clinicvalue.analyses.care.worklist`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.idsets import ids_in
from clinicvalue.profile import ClinicProfile

__all__ = ["BOOKED", "BookingKpis", "booked_patients", "booking_kpis", "next_day_bookings"]

#: Statuses that hold a slot: the patient is expected.
BOOKED = ("booked", "confirmed")
_WINDOW_DAYS = 30  # re-appointment and no-show rates look at the last 30 days


def booked_patients(appointments: pd.DataFrame | None, as_of: pd.Timestamp | str) -> pd.Index:
    """Return the ``patient_id`` of everyone with a booking after ``as_of``.

    A future appointment counts unless it was cancelled (a report run on a past month
    also counts the ones since marked completed or no-show: on that day they were booked).
    """
    if appointments is None or appointments.empty:
        return pd.Index([], dtype="string", name="patient_id")
    day = pd.Timestamp(as_of).normalize()
    future = appointments[(appointments["date"] > day) & appointments["status"].ne("cancelled")]
    return pd.Index(future["patient_id"].astype("string").unique(), name="patient_id")


def next_day_bookings(appointments: pd.DataFrame | None, day: pd.Timestamp | str) -> pd.DataFrame:
    """Return the appointments on the day after ``day`` still booked or confirmed."""
    cols = ["patient_id", "date", "time", "treatment", "doctor"]
    if appointments is None or appointments.empty:
        return pd.DataFrame(columns=cols)
    nxt = pd.Timestamp(day).normalize() + pd.Timedelta(days=1)
    rows = appointments[appointments["date"].eq(nxt) & appointments["status"].isin(BOOKED)]
    return rows.reindex(columns=cols).reset_index(drop=True)


@dataclass(frozen=True)
class BookingKpis:
    """What the appointment book says as of one day (all ``None`` without a book).

    Attributes
    ----------
    booked_patients
        Patients with a booking after the day.
    reappointment_rate
        Share of recall visits in the last 30 days after which the patient has a
        later booking (the hygiene re-appointment rate).
    unscheduled_patients
        Patients whose recall is due (within the profile's lead time, or overdue) and
        who have no booking.
    unscheduled_opportunity
        Their expected value: for each, one visit at their own average spend, times
        the chance they are still a patient when lifetime-value scores are known.
    no_show_rate
        Share of the last 30 days' appointments (cancellations left out) marked no-show.
    """

    booked_patients: int | None = None
    reappointment_rate: float | None = None
    unscheduled_patients: int | None = None
    unscheduled_opportunity: float | None = None
    no_show_rate: float | None = None

    def to_metrics(self) -> dict[str, Any]:
        """Return the KPIs as plain JSON-ready values."""
        return {
            "booked_patients": self.booked_patients,
            "reappointment_rate": self.reappointment_rate,
            "unscheduled_patients": self.unscheduled_patients,
            "unscheduled_opportunity": self.unscheduled_opportunity,
            "no_show_rate": self.no_show_rate,
        }


def booking_kpis(
    appointments: pd.DataFrame | None,
    visits: pd.DataFrame,
    recall_due: pd.Series,
    summary: pd.DataFrame,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    p_alive: pd.Series | None = None,
) -> BookingKpis:
    """Return the booking KPIs of :class:`BookingKpis`.

    Parameters
    ----------
    appointments
        The canonical appointment book, or ``None`` (every KPI is then ``None``).
    visits
        Canonical visits up to ``as_of``.
    recall_due
        Each patient's next recall due date (the features' ``next_recall_due``).
    summary
        The per-patient summary (``total_spend`` and ``frequency``).
    p_alive
        Optional chance each patient is still a patient (lifetime-value scores).
    """
    if appointments is None:
        return BookingKpis()
    day = pd.Timestamp(as_of).normalize()
    booked = booked_patients(appointments, day)
    start = day - pd.Timedelta(days=_WINDOW_DAYS)

    recall_words = [
        str(word).casefold()
        for word, category in profile.treatment.categories.items()
        if category in profile.care.recalls
    ]
    recent = visits[(visits["visit_date"] > start) & (visits["visit_date"] <= day)]
    if "treatment" in recent.columns and recall_words:
        text = recent["treatment"].astype("string").str.casefold().fillna("")
        is_recall = np.logical_or.reduce([text.str.contains(w, regex=False) for w in recall_words])
        recent = recent[np.asarray(is_recall, dtype=bool)]
    else:
        recent = recent.iloc[0:0]
    reappointment = None
    if len(recent):
        later = appointments[appointments["status"].ne("cancelled")]
        last_booking = later.groupby(later["patient_id"].astype("string"))["date"].max()
        after = recent["patient_id"].astype("string").map(last_booking)
        reappointment = float((after > recent["visit_date"]).mean())

    due = recall_due.dropna()
    due = due[due <= day + pd.Timedelta(days=profile.care.due_within_days)]
    due.index = due.index.astype("string")
    unbooked = due.index[~ids_in(due.index, booked)]
    spend = summary["total_spend"].set_axis(summary.index.astype("string"))
    n_visits = (summary["frequency"] + 1).set_axis(spend.index)
    per_visit = (spend / n_visits).reindex(unbooked).fillna(0.0)
    if p_alive is not None:
        alive = p_alive.set_axis(p_alive.index.astype("string")).reindex(unbooked).fillna(1.0)
        per_visit = per_visit * alive

    window = appointments[
        (appointments["date"] > start)
        & (appointments["date"] <= day)
        & appointments["status"].ne("cancelled")
    ]
    no_show = float(window["status"].eq("no-show").mean()) if len(window) else None
    return BookingKpis(
        booked_patients=int(len(booked)),
        reappointment_rate=reappointment,
        unscheduled_patients=int(len(unbooked)),
        unscheduled_opportunity=float(per_visit.sum()),
        no_show_rate=no_show,
    )

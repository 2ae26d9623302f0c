"""The kit's definitions of a patient's standing, each in one place.

Every page, list and table that says "new patient", "active patient" or "revenue from
new patients" takes it from here, so two pages never disagree:

* **first visit**: the earlier of the patient's first attended visit in the export and
  the register's ``first_visit`` (a register may know visits from before the export);
* **new patient in a month**: first visit falls in that calendar month;
* **revenue from new patients in a month**: that month's revenue from the patients who
  are new in it (all their visits of the month, not only the first);
* **active at a month's end**: an attended visit in the last ``months`` calendar months,
  the month itself included (``activity.kpi_active_months``, 18 by default as in the
  articles' dashboards).

A *visit* itself (one attended patient-day, its line items summed, no-shows and
cancellations dropped) is made once, when loading (:func:`clinicvalue.load.load_clinic`).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["first_visits", "active_from", "is_active", "new_in_month"]


def first_visits(visits: pd.DataFrame, patients: pd.DataFrame | None = None) -> pd.Series:
    """Return each patient's first visit: the earlier of the visits and the register.

    Parameters
    ----------
    visits
        Canonical visits (``patient_id``, ``visit_date``).
    patients
        The patient register; its ``first_visit``, where set, may predate the export.

    Returns
    -------
    pandas.Series
        Indexed by ``patient_id`` (patients with at least one visit), named ``first_visit``.
    """
    first = visits.groupby("patient_id", sort=False, observed=True)["visit_date"].min()
    if patients is not None and "first_visit" in patients.columns and len(first):
        reg = patients.drop_duplicates("patient_id").set_index("patient_id")["first_visit"]
        reg = pd.to_datetime(reg, errors="coerce").reindex(first.index)
        earlier = reg.notna() & (reg < first)
        first = first.where(~earlier, reg)
    return first.rename("first_visit")


def active_from(month_end: pd.Timestamp, months: int) -> pd.Timestamp:
    """Return the first day counted when judging who is active at ``month_end``.

    The window is the last ``months`` calendar months, the month of ``month_end`` included:
    for 2026-10-31 and 18 months, visits from 2025-05-01 count.
    """
    start = pd.Timestamp(month_end).to_period("M").start_time
    return start - pd.DateOffset(months=months - 1)


def is_active(last_visit: pd.Series, month_end: pd.Timestamp, months: int) -> pd.Series:
    """Return, per patient, whether their last visit up to ``month_end`` keeps them active."""
    end = pd.Timestamp(month_end).normalize()
    return (last_visit >= active_from(end, months)) & (last_visit <= end)


def new_in_month(first: pd.Series, month_start: pd.Timestamp) -> pd.Series:
    """Return, per patient, whether their first visit (:func:`first_visits`) is in the month."""
    start = pd.Timestamp(month_start).to_period("M").start_time
    end = start + pd.offsets.MonthEnd(0)
    return (first >= start) & (first <= end)

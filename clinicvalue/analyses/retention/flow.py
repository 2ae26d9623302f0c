"""Patient-base flow per month: active, new, reactivated and lost patients.

A patient is active at a month's end when they had a visit within the last
``profile.activity.kpi_active_months`` calendar months, that month included (the rule of
:func:`clinicvalue.summarize.definitions.active_from`). A patient's first spell is *new*
in the month of their first visit; when the register knows an earlier first visit than
the export, that spell is a reactivation. Each month:
``active_end = active_start + new + reactivated − lost``; growth is
``new + reactivated − lost``; the loss rate is ``lost / active_start``; the retention rate
is the share of patients active at the start still active at the end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.analyses.retention.revisit import VisitsByPatient, sorted_visits
from clinicvalue.profile import ClinicProfile

__all__ = ["patient_flow"]


def patient_flow(
    visits: pd.DataFrame | VisitsByPatient,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    first: pd.Series | None = None,
) -> pd.DataFrame:
    """Return the monthly patient-base flow up to the month of ``as_of``.

    Parameters
    ----------
    visits
        Canonical visits, or
        :func:`~clinicvalue.analyses.retention.revisit.visits_by_patient` of them as of
        ``as_of``.
    as_of
        The last day counted.
    profile
        ``activity.kpi_active_months`` sets the active window.
    first
        Each patient's first visit (:func:`clinicvalue.summarize.definitions.first_visits`);
        patients first seen before their first visit in the export are not new.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month`` (first day): ``active_start, new, reactivated, lost,
        active_end, growth, loss_rate, retention_rate`` (rates NaN when nobody was active
        at the start).
    """
    as_of = pd.Timestamp(as_of)
    window = profile.activity.kpi_active_months
    bp = sorted_visits(visits, as_of)
    cols = ["month", "active_start", "new", "reactivated", "lost", "active_end", "growth"]
    if len(bp.code) == 0:
        return pd.DataFrame(columns=cols + ["loss_rate", "retention_rate"]).set_index("month")
    # rows are sorted by (patient, date): keep each patient's distinct months in order
    m = bp.date.astype("datetime64[M]").astype("int64")
    first_row = np.ones(len(m), dtype=bool)
    first_row[1:] = bp.code[1:] != bp.code[:-1]
    keep = first_row.copy()
    keep[1:] |= m[1:] != m[:-1]
    m, first_row = m[keep], first_row[keep]
    # a spell of activity starts at a patient's first month or after a gap of > window months
    starts_run = first_row.copy()
    starts_run[1:] |= m[1:] - m[:-1] > window
    begin = np.flatnonzero(starts_run)
    end = np.append(begin[1:] - 1, len(m) - 1)
    start, last, is_first = m[begin], m[end], first_row[begin]
    if first is not None:  # the register's earlier first visit: the first spell is a return
        known = pd.Series(first).reindex(bp.ids).to_numpy(dtype="datetime64[ns]")
        known_m = known.astype("datetime64[M]").astype("int64")
        before = ~np.isnat(known) & (
            known_m < bp.date[bp.start].astype("datetime64[M]").astype("int64")
        )
        is_first = is_first & ~before[bp.code[keep][begin]]
    lost_at = last + window  # first month-end without a visit in the window
    lo = int(m.min())
    hi = int(np.datetime64(as_of, "M").astype("int64"))
    months = np.arange(lo, hi + 1)
    size = len(months)

    def count(at: np.ndarray) -> np.ndarray:
        at = at[at <= hi] - lo
        return np.bincount(at, minlength=size)[:size]

    new = count(start[is_first])
    react = count(start[~is_first])
    lost = count(lost_at)
    active_end = np.cumsum(new + react - lost)
    active_start = np.concatenate([[0], active_end[:-1]])
    out = pd.DataFrame(
        {
            "month": months.astype("datetime64[M]").astype("datetime64[us]"),
            "active_start": active_start,
            "new": new,
            "reactivated": react,
            "lost": lost,
            "active_end": active_end,
        }
    ).set_index("month")
    out["growth"] = out["new"] + out["reactivated"] - out["lost"]
    start = out["active_start"].where(out["active_start"] > 0).astype("float64")
    out["loss_rate"] = out["lost"] / start
    out["retention_rate"] = (out["active_start"] - out["lost"]) / start
    return out

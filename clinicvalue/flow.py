"""Patient-base flow per month: active, new, reactivated and lost patients.

A patient is active at a month's end when they had a visit within the last
``profile.activity.kpi_active_months`` calendar months (that month included). Each month:
``active_end = active_start + new + reactivated − lost``; growth is
``new + reactivated − lost``; the loss rate is ``lost / active_start``; the retention rate
is the share of patients active at the start still active at the end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile

__all__ = ["patient_flow"]


def patient_flow(
    visits: pd.DataFrame, as_of: pd.Timestamp | str, profile: ClinicProfile
) -> pd.DataFrame:
    """Return the monthly patient-base flow up to the month of ``as_of``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month`` (first day): ``active_start, new, reactivated, lost,
        active_end, growth, loss_rate, retention_rate`` (rates NaN when nobody was active
        at the start).
    """
    missing = [c for c in ("patient_id", "visit_date") if c not in visits.columns]
    if missing:
        raise InputError(f"visits table lacks required column(s): {', '.join(missing)}")
    as_of = pd.Timestamp(as_of)
    window = profile.activity.kpi_active_months
    v = visits.loc[visits["visit_date"] <= as_of, ["patient_id", "visit_date"]]
    cols = ["month", "active_start", "new", "reactivated", "lost", "active_end", "growth"]
    if len(v) == 0:
        return pd.DataFrame(columns=cols + ["loss_rate", "retention_rate"]).set_index("month")
    month = v["visit_date"].dt.year * 12 + v["visit_date"].dt.month - 1
    pm = pd.DataFrame({"patient_id": v["patient_id"].to_numpy(), "m": month.to_numpy()})
    pm = pm.drop_duplicates().sort_values(["patient_id", "m"])
    prev = pm.groupby("patient_id")["m"].shift()
    starts_run = prev.isna() | (pm["m"] - prev > window)
    pm["run"] = starts_run.cumsum()
    runs = pm.groupby("run").agg(start=("m", "min"), last=("m", "max"))
    runs["first"] = prev.isna()[starts_run].to_numpy()
    runs["lost_at"] = runs["last"] + window  # first month-end without a visit in the window
    lo, hi = int(pm["m"].min()), as_of.year * 12 + as_of.month - 1
    months = np.arange(lo, hi + 1)

    def count(s: pd.Series) -> np.ndarray:
        return s.value_counts().reindex(months, fill_value=0).to_numpy()

    new = count(runs.loc[runs["first"], "start"])
    react = count(runs.loc[~runs["first"], "start"])
    lost = count(runs["lost_at"])
    active_end = np.cumsum(new + react - lost)
    active_start = np.concatenate([[0], active_end[:-1]])
    out = pd.DataFrame(
        {
            "month": pd.to_datetime(
                pd.DataFrame({"year": months // 12, "month": months % 12 + 1, "day": 1})
            ),
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

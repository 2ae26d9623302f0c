"""Churn early warning (002): overdue, low satisfaction, complaint and spend decline.

A patient is ``overdue`` when the time since their last visit exceeds the normal interval
for their condition (the maximum of ``profile.churn.condition_intervals``), else for the
treatment category of their last visit (``profile.churn.treatment_intervals``), else their
own median interval × ``own_interval_factor`` when they have at least
``min_visits_own_interval`` visits. Patients away longer than
``profile.activity.dormant_months`` are not flagged overdue: they belong on the
reactivation list instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.data import ClinicData
from clinicvalue.profile import ClinicProfile
from clinicvalue.revisit import days_to_return, returned_within

__all__ = ["FLAGS", "churn_flags", "next_recall_due", "score_columns"]

FLAGS = ("overdue", "low_satisfaction", "complaint", "spend_decline")
_MONTH_DAYS = 30.4375


def _category(treatment: pd.Series, profile: ClinicProfile) -> pd.Series:
    try:
        from clinicvalue.treatments import treatment_category
    except ImportError:  # the segmentation engineer's module; fall back to keyword matching
        text = treatment.astype("string").str.lower().fillna("")
        out = pd.Series(pd.NA, index=treatment.index, dtype="string")
        for keyword, category in profile.treatment.categories.items():
            hit = out.isna() & text.str.contains(keyword.lower(), regex=False)
            out[hit] = category
        return out
    return treatment_category(treatment, profile).astype("string")


def _ids(index: pd.Index) -> pd.Index:
    return pd.Index(index.astype("string"), name="patient_id")


def churn_flags(
    data: ClinicData, as_of: pd.Timestamp | str, profile: ClinicProfile
) -> pd.DataFrame:
    """Return the four warning flags and the overdue details per patient.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient_id``: boolean ``overdue, low_satisfaction, complaint,
        spend_decline``; ``days_since_last``, ``normal_interval`` (days, NaN when unknown),
        ``interval_basis`` (``condition:<name>``, ``treatment:<category>``, ``own`` or NA),
        ``last_visit``, ``last_satisfaction``, ``spend_recent``, ``spend_before``.
    """
    as_of = pd.Timestamp(as_of)
    rules = profile.churn
    v = data.visits.loc[data.visits["visit_date"] <= as_of].sort_values(
        ["patient_id", "visit_date"]
    )
    g = v.groupby("patient_id", sort=True)
    last = g["visit_date"].max()
    out = pd.DataFrame(index=_ids(last.index))
    out["last_visit"] = last.to_numpy()
    out["days_since_last"] = (as_of - out["last_visit"]).dt.days.astype("float64")

    # normal interval: condition → last treatment category → own median × factor
    interval = pd.Series(np.nan, index=out.index)
    basis = pd.Series(pd.NA, index=out.index, dtype="string")
    gaps = g["visit_date"].diff().dt.days
    own = gaps.groupby(v["patient_id"]).median()
    n = g.size()
    own = own.where(n.to_numpy() >= rules.min_visits_own_interval) * rules.own_interval_factor
    own.index = out.index
    has_own = own.notna()
    interval[has_own] = own[has_own]
    basis[has_own] = "own"
    if "treatment" in v.columns:
        lastrow = g.tail(1).set_index("patient_id")
        cat = _category(lastrow["treatment"], profile)
        cat.index = _ids(cat.index)
        days = cat.map(rules.treatment_intervals).astype("float64")
        ok = days.notna()
        interval[ok[ok].index] = days[ok]
        basis[ok[ok].index] = "treatment:" + cat[ok]
    patients = data.patients
    if patients is not None and "condition" in patients.columns and len(patients):
        cond = patients.set_index(patients["patient_id"].astype("string"))["condition"]
        cond = cond.astype("string").str.strip().str.lower().reindex(out.index)
        maxima = {k.lower(): float(max(val)) for k, val in rules.condition_intervals.items()}
        days = cond.map(maxima).astype("float64")
        ok = days.notna()
        interval[ok] = days[ok]
        basis[ok] = "condition:" + cond[ok]
    out["normal_interval"] = interval
    out["interval_basis"] = basis
    dormant = out["days_since_last"] > profile.activity.dormant_months * _MONTH_DAYS
    out["overdue"] = (out["days_since_last"] > interval).fillna(False).astype(bool) & ~dormant

    if "satisfaction" in v.columns:
        sat = v.dropna(subset=["satisfaction"]).groupby("patient_id")["satisfaction"].last()
        sat.index = _ids(sat.index)
        out["last_satisfaction"] = sat.reindex(out.index).astype("float64")
    else:
        out["last_satisfaction"] = np.nan
    out["low_satisfaction"] = (out["last_satisfaction"] < rules.satisfaction_below).astype(bool)

    if "complaint" in v.columns:
        text = v["complaint"].astype("string").str.strip()
        recent = v["visit_date"] > as_of - pd.Timedelta(days=rules.complaint_days)
        hit = v.loc[text.fillna("").ne("") & recent, "patient_id"].astype("string").unique()
        out["complaint"] = out.index.isin(hit)
    else:
        out["complaint"] = False

    cut = as_of - pd.DateOffset(months=rules.spend_window_months)
    start = cut - pd.DateOffset(months=rules.spend_window_months)
    recent = v["visit_date"] > cut
    before = (v["visit_date"] > start) & ~recent
    spend_recent = v["amount"].where(recent, 0.0).groupby(v["patient_id"]).sum()
    spend_before = v["amount"].where(before, 0.0).groupby(v["patient_id"]).sum()
    out["spend_recent"] = spend_recent.to_numpy()
    out["spend_before"] = spend_before.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        drop = 1.0 - out["spend_recent"] / out["spend_before"].where(out["spend_before"] > 0)
    out["spend_decline"] = (drop > rules.spend_decline_threshold).fillna(False).astype(bool)
    return out


def next_recall_due(
    visits: pd.DataFrame, as_of: pd.Timestamp | str, profile: ClinicProfile
) -> pd.Series:
    """Return each patient's earliest recall due date not yet met by a later visit.

    Due dates are a category's visit date plus each offset in ``profile.care.recalls``;
    a due date on or before the patient's last visit counts as met. Dates before
    ``as_of`` are overdue recalls. NaT when none.
    """
    as_of = pd.Timestamp(as_of)
    v = visits.loc[visits["visit_date"] <= as_of]
    ids = _ids(pd.Index(v["patient_id"].unique()).sort_values())
    empty = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]", name="next_recall_due")
    if "treatment" not in v.columns or len(v) == 0:
        return empty
    last = v.groupby("patient_id")["visit_date"].max()
    cat = _category(v["treatment"], profile)
    offsets = cat.map(profile.care.recalls)
    has = offsets.notna()
    if not has.any():
        return empty
    rec = pd.DataFrame(
        {
            "patient_id": v.loc[has, "patient_id"],
            "visit_date": v.loc[has, "visit_date"],
            "offset": offsets[has],
        }
    ).explode("offset")
    rec["due"] = rec["visit_date"] + pd.to_timedelta(rec["offset"].astype("int64"), unit="D")
    rec = rec[rec["due"] > rec["patient_id"].map(last)]
    due = rec.groupby("patient_id")["due"].min()
    due.index = _ids(due.index)
    return due.reindex(ids).astype("datetime64[ns]").rename("next_recall_due")


def score_columns(
    data: ClinicData,
    summary: pd.DataFrame,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    clv: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the churn columns of the per-patient scores table.

    Parameters
    ----------
    data
        The clinic's canonical tables.
    summary
        Output of :func:`clinicvalue.summary.summarize`; its index is the output's.
    as_of
        The observation end.
    profile
        The clinic profile.
    clv
        Unused here (ordering by value at risk happens in the warning list); accepted so
        callers can pass the scores they have.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient_id``: ``churn_flags`` (keys joined by ``";"`` in the order
        ``overdue;low_satisfaction;complaint;spend_decline``, empty when none),
        ``next_recall_due`` (NaT when none), ``returned_within_90d`` (nullable boolean,
        NA when the first visit is fewer than 90 days before ``as_of``).
    """
    index = _ids(summary.index)
    flags = churn_flags(data, as_of, profile).reindex(index)
    joined = pd.Series("", index=index, dtype="string")
    for name in FLAGS:
        joined = joined + np.where(flags[name].fillna(False).astype(bool), name + ";", "")
    joined = joined.str.rstrip(";")
    out = pd.DataFrame(index=index)
    out["churn_flags"] = joined
    out["next_recall_due"] = next_recall_due(data.visits, as_of, profile).reindex(index)
    returns = days_to_return(data.visits, as_of)
    out["returned_within_90d"] = returned_within(returns, 90).reindex(index)
    return out

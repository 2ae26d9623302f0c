"""RFM measures and 1–5 scores per patient (002, 004, 000).

Scoring rule: a value's score is ``ceil(5 × pct_rank)`` where ``pct_rank`` is its average
rank divided by the number of patients (``Series.rank(method="average", pct=True)``), so
equal values always get equal scores and fewer than five distinct values simply use fewer
scores. R is scored on ``-recency_days`` (recent = 5). When every patient has the same value
the dimension carries no information and everyone scores 3 (the middle).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile

__all__ = ["quintile_score", "rfm_table"]


def quintile_score(values: pd.Series, *, reverse: bool = False) -> pd.Series:
    """Score values 1–5 by percentile rank; ties share a score; all equal → 3."""
    if len(values) == 0:
        return pd.Series([], index=values.index, dtype="int64")
    v = values.astype(float)
    if v.nunique(dropna=False) <= 1:
        return pd.Series(3, index=values.index, dtype="int64")
    pct = (-v if reverse else v).rank(method="average", pct=True)
    return np.ceil(5 * pct).clip(1, 5).astype("int64")


def rfm_table(
    visits: pd.DataFrame,
    as_of: pd.Timestamp,
    profile: ClinicProfile,
    *,
    patients: pd.Index | None = None,
) -> pd.DataFrame:
    """Return R (days), F and M in the look-back window with 1–5 scores, per patient.

    Parameters
    ----------
    visits
        Canonical visits (``patient_id``, ``visit_date``, ``amount``, optional ``self_pay``).
    as_of
        Reference day; visits after it are ignored.
    profile
        Uses ``profile.rfm.window_months`` and ``profile.rfm.self_pay_only``.
    patients
        Patients to score (default: everyone with a visit up to ``as_of``). Patients with
        no visit in the window get F = 0 and M = 0.
    """
    for col in ("patient_id", "visit_date", "amount"):
        if col not in visits.columns:
            raise InputError(f"visits has no column {col!r}; load the data with clinicvalue.load")
    money = "amount"
    if profile.rfm.self_pay_only:
        if "self_pay" not in visits.columns:
            raise InputError(
                "rfm.self_pay_only is on but visits have no 'self_pay' column; "
                "map a self-pay column or set rfm.self_pay_only = false"
            )
        money = "self_pay"
    as_of = pd.Timestamp(as_of).normalize()
    v = visits.loc[visits["visit_date"] <= as_of]
    last = v.groupby("patient_id", sort=True)["visit_date"].max()
    start = as_of - pd.DateOffset(months=profile.rfm.window_months)
    w = v.loc[v["visit_date"] > start]
    g = w.groupby("patient_id", sort=True)
    idx = pd.Index(patients if patients is not None else last.index, name="patient_id")
    if idx.has_duplicates:
        raise InputError("patient ids to score are duplicated; pass each patient once")
    if len(idx.difference(last.index)) > 0:
        missing = list(idx.difference(last.index)[:3])
        raise InputError(f"patients {missing} have no visit on or before {as_of.date()}")
    out = pd.DataFrame(index=idx)
    out["recency_days"] = (as_of - last.reindex(idx)).dt.days.astype("int64")
    out["frequency_window"] = g.size().reindex(idx, fill_value=0).astype("int64")
    out["monetary_window"] = g[money].sum().reindex(idx, fill_value=0.0).astype(float)
    out["r_score"] = quintile_score(out["recency_days"], reverse=True)
    out["f_score"] = quintile_score(out["frequency_window"])
    out["m_score"] = quintile_score(out["monetary_window"])
    return out

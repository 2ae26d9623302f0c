"""RFM measures and 1–5 scores per patient (002, 004, 000).

The measures are the articles': R = days since the last visit; F = how often the patient
comes, visits per year of their history (article 002: "visits a year"); M = how much they
spend in total (002: "cumulative spend"), or per year with ``rfm.monetary = "per_year"``.
The history is the whole record by default, or the last ``rfm.lookback_months``. A year of
history runs from the first visit in it to the last, and counts as at least one year, so
a new patient's two visits in a month are two a year, not twenty-four. F and M are never
counted only in a window shorter than the recency cut: a patient who came often and
stopped keeps a high F and M and a low R, which is what at-risk and dormant high value
mean.

Scoring rule: a value's score is ``ceil(5 × pct_rank)`` where ``pct_rank`` is its average
rank divided by the number of patients (``Series.rank(method="average", pct=True)``), so
equal values always get equal scores and fewer than five distinct values simply use fewer
scores. R is scored on ``-recency_days`` (recent = 5). When every patient has the same value
the dimension carries no information and everyone scores 3 (the middle).

Money is ``amount`` (net of refunds), or ``self_pay`` when ``profile.rfm.self_pay_only`` is on
(insurer-paid shares such as Taiwan's NHI left out). The same money column feeds membership
tiers and spend points (:mod:`clinicvalue.analyses.segments.schemes`).

Speed: R, F and M come from :func:`clinicvalue.summarize.features.patient_features`, one
DuckDB aggregation per patient, so a million patients score in seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.features import align_features, money_column, patient_features

__all__ = [
    "MIN_HISTORY_DAYS",
    "history_years",
    "money_column",
    "quintile_score",
    "rfm_from_features",
    "rfm_table",
]


def _pct_rank(v: np.ndarray) -> np.ndarray:
    """Return ``Series.rank(method="average", pct=True)`` for values without NaN.

    Sorting the distinct values once: each value's average rank is the middle of the
    positions its ties take.
    """
    uniques, inverse, counts = np.unique(v, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    average = ends - (counts - 1) / 2.0
    return average[inverse.ravel()] / len(v)


def quintile_score(values: pd.Series, *, reverse: bool = False) -> pd.Series:
    """Score values 1–5 by percentile rank; ties share a score; all equal → 3."""
    if len(values) == 0:
        return pd.Series([], index=values.index, dtype="int64")
    v = values.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(v).any():
        s = pd.Series(v, index=values.index)
        if s.nunique(dropna=False) <= 1:
            return pd.Series(3, index=values.index, dtype="int64")
        pct = (-s if reverse else s).rank(method="average", pct=True).to_numpy()
    else:
        if v.min() == v.max():
            return pd.Series(3, index=values.index, dtype="int64")
        pct = _pct_rank(-v if reverse else v)
    return pd.Series(np.clip(np.ceil(5 * pct), 1, 5).astype(np.int64), index=values.index)


#: the shortest history F and M are annualised over, in days
MIN_HISTORY_DAYS = 365.25


def history_years(features: pd.DataFrame) -> pd.Series:
    """Return each patient's years of history in the look-back (at least one)."""
    span = (features["last_visit"] - features["first_lookback"]).dt.days.astype(float)
    days = np.fmax(span.fillna(0.0).to_numpy(), MIN_HISTORY_DAYS)
    return pd.Series(days / 365.25, index=features.index)


def rfm_from_features(
    features: pd.DataFrame, as_of: pd.Timestamp | str, profile: ClinicProfile
) -> pd.DataFrame:
    """Return the :func:`rfm_table` frame from the patient features.

    ``features`` is :func:`patient_features` output, or the lighter
    :func:`~clinicvalue.summarize.features.rfm_features` (the columns read here).
    """
    out = pd.DataFrame(index=features.index)
    days = (pd.Timestamp(as_of).normalize() - features["last_visit"]).dt.days
    out["recency_days"] = days.astype("int64") if days.notna().all() else days
    years = history_years(features)
    out["visits_per_year"] = features["visits_lookback"].astype(float) / years
    spend = features["spend_lookback"].astype(float)
    out["rfm_spend"] = spend / years if profile.rfm.monetary == "per_year" else spend
    out["r_score"] = quintile_score(out["recency_days"], reverse=True)  # ranks: O(n log n)
    out["f_score"] = quintile_score(out["visits_per_year"])
    out["m_score"] = quintile_score(out["rfm_spend"])
    return out


def rfm_table(
    visits: pd.DataFrame,
    as_of: pd.Timestamp,
    profile: ClinicProfile,
    *,
    patients: pd.Index | None = None,
) -> pd.DataFrame:
    """Return R (days), F (visits per year) and M (spend) with 1–5 scores, per patient.

    Parameters
    ----------
    visits
        Canonical visits (``patient_id``, ``visit_date``, ``amount``, optional ``self_pay``).
    as_of
        Reference day; visits after it are ignored.
    profile
        Uses ``profile.rfm.lookback_months``, ``monetary`` and ``self_pay_only``.
    patients
        Patients to score (default: everyone with a visit up to ``as_of``). Patients with
        no visit in the look-back get F = 0 and M = 0.
    """
    features = patient_features(visits, as_of, profile)
    if patients is not None:
        features = align_features(features, patients, as_of)
    return rfm_from_features(features, as_of, profile)

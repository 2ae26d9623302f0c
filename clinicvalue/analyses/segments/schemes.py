"""Segment patients by every scheme of the articles.

RFM-8 (002), value tiers (000), activity and treatment layers (004), interrupted patients
(003), membership tiers and points (000/001/002).

Five value tiers (000), scores high ≥ ``rfm.tier_high_score``, low ≤ ``rfm.tier_low_score``;
first matching row wins, so every patient lands in exactly one tier:

==========  ===================  ==========================================
precedence  tier                 rule
==========  ===================  ==========================================
1           platinum_vip         R, F and M all high
2           dormant_high_value   R low, F high, M high
3           high_potential       R high, M high (F not high)
4           low_value            R low and M low (any F)
5           stable_value         everything else
==========  ===================  ==========================================

Interrupted (003) from ``plans``: ``consult_only`` (nothing started), ``all_done`` (every item
done), ``chief_done_rest_planned`` (chief complaint done, every other item still planned),
``partly_done`` (the rest). A patient is interrupted only when the months since the last visit
exceed the category's wait; otherwise, and without plans, ``not_interrupted``.

Membership: three-tier (000) by spend in the 12 months to ``as_of``; four-level (001) reaching
ANY one criterion of a level (cumulative spend, visits in the last 12 months, referrals) gives
that level, highest level wins. Spend is the RFM money column: ``self_pay`` when
``rfm.self_pay_only`` is on, else ``amount``.

Speed: F, M, 12-month spend and visits, cumulative spend and treatment flags come from
:func:`clinicvalue.summarize.features.patient_features`, one DuckDB pass over the visits (or
straight over Parquet); the schemes are then vectorised numpy over one row per patient.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.analyses.segments.rfm import rfm_from_features
from clinicvalue.data import ClinicData
from clinicvalue.errors import check_option
from clinicvalue.idsets import index_positions
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize._labels import string_labels
from clinicvalue.summarize.features import align_features, patient_features
from clinicvalue.summarize.summary import MONTH_DAYS

__all__ = [
    "ACTIVITY_KEYS",
    "INTERRUPTED_KEYS",
    "MEMBER_KEYS",
    "RFM8_KEYS",
    "SCHEME_COLUMNS",
    "SCHEME_KEYS",
    "TREATMENT_KEYS",
    "TIER_KEYS",
    "activity_layer",
    "interrupted_category",
    "membership_tier",
    "points",
    "rfm8_from_features",
    "rfm8_segment",
    "score_columns",
    "treatment_value",
    "value_tier",
]

#: each scheme's keys from most to least valuable: display order and movement rank
RFM8_KEYS = ("core", "value", "potential", "at_risk", "general", "lost", "sleeping", "inactive")
TIER_KEYS = ("platinum_vip", "high_potential", "dormant_high_value", "stable_value", "low_value")
# RFM-8 by code (R low) * 4 + (F low) * 2 + (M low): HHH core … LLL inactive
_RFM8_BY_CODE = ("core", "value", "potential", "general", "at_risk", "lost", "sleeping", "inactive")
ACTIVITY_KEYS = ("active", "lapsing", "dormant")
TREATMENT_KEYS = ("high_value", "routine", "unknown")
INTERRUPTED_KEYS = (
    "consult_only",
    "chief_done_rest_planned",
    "partly_done",
    "all_done",
    "not_interrupted",
)
MEMBER_KEYS = {
    "three": ("brilliant", "elite", "basic"),
    "four": ("platinum", "gold", "silver", "general"),
}
#: score column → scheme name of :mod:`clinicvalue.analyses.segments.labels`
SCHEME_COLUMNS = {
    "segment_rfm8": "rfm8",
    "tier_value5": "tier5",
    "activity": "activity",
    "treatment_value": "treatment",
    "interrupted": "interrupted",
    "member_tier": "membership",
}
#: scheme name → every key it can give, in display order
SCHEME_KEYS: dict[str, tuple[str, ...]] = {
    "rfm8": RFM8_KEYS,
    "tier5": TIER_KEYS,
    "activity": ACTIVITY_KEYS,
    "treatment": TREATMENT_KEYS,
    "interrupted": INTERRUPTED_KEYS,
    "membership": MEMBER_KEYS["three"] + MEMBER_KEYS["four"],
}


def _keys(code: np.ndarray, keys: tuple[str, ...], index: pd.Index, name: str) -> pd.Series:
    """Build a string column from integer codes into ``keys``."""
    return pd.Series(string_labels(code, keys), index=index, name=name)


def _high(rfm: pd.DataFrame, profile: ClinicProfile) -> tuple[np.ndarray, ...]:
    split = profile.rfm.split
    check_option("rfm.split", split, ("mean", "median", "score"))
    if split == "score":
        c = profile.rfm.score_cutoff
        return tuple((rfm[k] >= c).to_numpy() for k in ("r_score", "f_score", "m_score"))
    agg = "mean" if split == "mean" else "median"
    r, f, m = rfm["recency_days"], rfm["visits_per_year"], rfm["rfm_spend"]
    return (
        (r < getattr(r, agg)()).to_numpy(),
        (f > getattr(f, agg)()).to_numpy(),
        (m > getattr(m, agg)()).to_numpy(),
    )


def rfm8_segment(rfm: pd.DataFrame, profile: ClinicProfile) -> pd.Series:
    """Return the eight-segment key (002) per patient from an :func:`rfm_table` frame."""
    r, f, m = _high(rfm, profile)
    code = (~r).astype(int) * 4 + (~f).astype(int) * 2 + (~m).astype(int)
    return _keys(code, _RFM8_BY_CODE, rfm.index, "segment_rfm8")


def rfm8_from_features(
    features: pd.DataFrame, as_of: pd.Timestamp | str, profile: ClinicProfile
) -> pd.Series:
    """Return each patient's RFM-8 segment from the patient features as of ``as_of``.

    The ``segment_rfm8`` of :func:`score_columns` alone, for a day whose other schemes
    are not needed (last month's, for the movement table).
    """
    return rfm8_segment(rfm_from_features(features, as_of, profile), profile)


def value_tier(rfm: pd.DataFrame, profile: ClinicProfile) -> pd.Series:
    """Return the five-tier key (000) per patient using the precedence in the module doc."""
    hi, lo = profile.rfm.tier_high_score, profile.rfm.tier_low_score
    r, f, m = (rfm[k].to_numpy() for k in ("r_score", "f_score", "m_score"))
    conds = [
        (r >= hi) & (f >= hi) & (m >= hi),
        (r <= lo) & (f >= hi) & (m >= hi),
        (r >= hi) & (m >= hi),
        (r <= lo) & (m <= lo),
    ]
    # TIER_KEYS positions: platinum 0, dormant 2, high potential 1, low 4, stable 3
    code = np.select(conds, [0, 2, 1, 4], default=3)
    return _keys(code, TIER_KEYS, rfm.index, "tier_value5")


def activity_layer(recency_days: pd.Series, profile: ClinicProfile) -> pd.Series:
    """Return ``active`` / ``lapsing`` / ``dormant`` (004) from days since the last visit."""
    months = recency_days.to_numpy(dtype=float) / MONTH_DAYS
    code = np.select(
        [months <= profile.activity.active_months, months > profile.activity.dormant_months],
        [0, 2],
        default=1,
    )
    return _keys(code, ACTIVITY_KEYS, recency_days.index, "activity")


def _treatment_from(features: pd.DataFrame) -> pd.Series:
    hv = features["any_high_value"].to_numpy(dtype=bool)
    known = features["any_known"].to_numpy(dtype=bool)
    code = np.where(hv, 0, np.where(known, 1, 2))
    return _keys(code, TREATMENT_KEYS, features.index, "treatment_value")


def _features_for(
    visits: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.DataFrame:
    """Features of the patients in ``index``; those without a visit have none."""
    feats = patient_features(visits, as_of, profile)
    return align_features(feats, index, as_of, require_visit=False)


def treatment_value(visits: pd.DataFrame, index: pd.Index, profile: ClinicProfile) -> pd.Series:
    """Return the treatment-value layer (004) per patient.

    ``high_value`` if any visit had a high-value item, ``routine`` if any known item, else
    ``unknown``. Every visit in ``visits`` counts (no date cut).
    """
    dates = visits["visit_date"].dropna()
    as_of = dates.max() if len(dates) else pd.Timestamp("1970-01-01")
    return _treatment_from(_features_for(visits, index, as_of, profile))


def interrupted_category(
    plans: pd.DataFrame | None, recency_days: pd.Series, profile: ClinicProfile
) -> pd.Series:
    """Return the interrupted category (003) per patient, or ``not_interrupted``.

    Patients without plan rows are never interrupted. Counts per patient are bincounts over
    the plan rows (see the module docstring for the categories and their precedence).
    """
    index = recency_days.index
    n = len(index)
    none = np.full(n, 4)
    if plans is None or len(plans) == 0:
        return _keys(none, INTERRUPTED_KEYS, index, "interrupted")
    codes = index_positions(plans["patient_id"], index)
    inside = codes >= 0
    codes = codes[inside]
    done = plans["status"].eq("done").fillna(False).to_numpy(dtype=bool)[inside]
    planned = plans["status"].eq("planned").fillna(False).to_numpy(dtype=bool)[inside]
    chief = plans["is_chief_complaint"].fillna(False).to_numpy(dtype=bool)[inside]

    def per(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=n)

    rows = np.bincount(codes, minlength=n)
    n_chief = per(chief)
    has_plan = rows > 0
    consult = has_plan & (per(planned) == rows)
    all_done = has_plan & (per(done) == rows)
    chief_rest = (
        has_plan
        & (n_chief > 0)
        & (per(chief & done) == n_chief)
        & (per(~chief & planned) == rows - n_chief)
    )
    cat = np.select([consult, all_done, chief_rest, has_plan], [0, 3, 1, 2], default=4)
    ip = profile.interrupted
    wait = np.array(
        [
            ip.consult_only_months,
            ip.chief_done_rest_planned_months,
            ip.partly_done_months,
            ip.all_done_months,
            np.inf,
        ],
        dtype=float,
    )[cat]
    months = recency_days.to_numpy(dtype=float) / MONTH_DAYS
    return _keys(np.where(months > wait, cat, 4), INTERRUPTED_KEYS, index, "interrupted")


def _referral_counts(patients: pd.DataFrame | None, index: pd.Index) -> np.ndarray:
    if patients is None or "referred_by" not in patients.columns:
        return np.zeros(len(index), dtype=np.int64)
    codes = index_positions(patients["referred_by"].dropna(), index)
    return np.bincount(codes[codes >= 0], minlength=len(index)).astype(np.int64)


def _membership_from(features: pd.DataFrame, refs: np.ndarray, profile: ClinicProfile) -> pd.Series:
    ms = profile.membership
    check_option("membership.scheme", ms.scheme, ("three", "four"))
    spend12 = features["spend_12m"].to_numpy(dtype=float)
    index = features.index
    if ms.scheme == "three":
        th = ms.three_thresholds
        code = np.select([spend12 >= th["brilliant"], spend12 >= th["elite"]], [0, 1], default=2)
        return _keys(code, MEMBER_KEYS["three"], index, "member_tier")
    total = features["spend"].to_numpy(dtype=float)
    n12 = features["visits_12m"].to_numpy(dtype=np.int64)
    conds = [
        (total >= ms.four_spend[level])
        | (n12 >= ms.four_visits_per_year[level])
        | (refs >= ms.four_referrals[level])
        for level in ("platinum", "gold", "silver")
    ]
    code = np.select(conds, [0, 1, 2], default=3)
    return _keys(code, MEMBER_KEYS["four"], index, "member_tier")


def membership_tier(
    data: ClinicData, index: pd.Index, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.Series:
    """Return the membership tier per patient for ``profile.membership.scheme``.

    Spend is the RFM money column (``self_pay`` when ``rfm.self_pay_only``); patients with
    no visit up to ``as_of`` get the lowest tier (or one from referrals alone).
    """
    feats = _features_for(data.visits, index, as_of, profile)
    return _membership_from(feats, _referral_counts(data.patients, feats.index), profile)


def _points_from(features: pd.DataFrame, refs: np.ndarray, profile: ClinicProfile) -> pd.Series:
    ms = profile.membership
    n = features["visits"].to_numpy(dtype=np.int64)
    pts = (
        np.clip(n - 1, 0, None) * ms.points_per_return_visit
        + np.floor(features["spend"].to_numpy(dtype=float) * ms.points_per_currency_unit)
        + refs * ms.points_per_referral
    )
    return pd.Series(pts.astype(np.int64), index=features.index, name="points")


def points(
    data: ClinicData, index: pd.Index, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.Series:
    """Return loyalty points: return visits × points (002) + spend and referral points (001)."""
    feats = _features_for(data.visits, index, as_of, profile)
    return _points_from(feats, _referral_counts(data.patients, feats.index), profile)


def score_columns(
    data: ClinicData,
    summary: pd.DataFrame,
    as_of: pd.Timestamp,
    profile: ClinicProfile,
    *,
    features: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return every per-patient score and segment key, one row per ``summary`` row.

    Parameters
    ----------
    data
        The clinic's tables (``patients`` for referrals, ``plans`` for interrupted
        patients; ``visits`` only when ``features`` is not given).
    summary
        Output of :func:`clinicvalue.summarize.summary.summarize`; its index is the output's.
    as_of
        The observation end.
    profile
        The clinic profile.
    features
        :func:`clinicvalue.summarize.features.patient_features` for the same ``as_of``, when
        already computed (e.g. by DuckDB straight from Parquet).
    """
    idx = pd.Index(summary.index, name="patient_id")
    if features is None:
        features = patient_features(data.visits, as_of, profile)
    feats = align_features(features, idx, as_of)
    out = rfm_from_features(feats, as_of, profile)
    refs = _referral_counts(data.patients, feats.index)
    out["segment_rfm8"] = rfm8_segment(out, profile)
    out["tier_value5"] = value_tier(out, profile)
    out["activity"] = activity_layer(out["recency_days"], profile)
    out["treatment_value"] = _treatment_from(feats)
    out["interrupted"] = interrupted_category(data.plans, out["recency_days"], profile)
    out["member_tier"] = _membership_from(feats, refs, profile)
    out["points"] = _points_from(feats, refs, profile)
    return out

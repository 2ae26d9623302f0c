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

Speed: :func:`score_columns` factorises patient ids once
(:func:`clinicvalue.rfm.patient_visits`); F, M, 12-month spend and visits, cumulative spend,
points and treatment flags are ``numpy.bincount`` over the same integer codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from clinicvalue.data import ClinicData
from clinicvalue.errors import check_option
from clinicvalue.profile import ClinicProfile
from clinicvalue.rfm import PatientVisits, index_positions, patient_visits, rfm_from_visits
from clinicvalue.treatments import treatment_flags

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
    "rfm8_segment",
    "score_columns",
    "treatment_value",
    "value_tier",
]

RFM8_KEYS = ("core", "value", "potential", "general", "at_risk", "lost", "sleeping", "inactive")
TIER_KEYS = ("platinum_vip", "high_potential", "stable_value", "dormant_high_value", "low_value")
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
#: score column → scheme name of :mod:`clinicvalue.segment_labels`
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
_MONTH_DAYS = 30.4375


def _keys(code: np.ndarray, keys: tuple[str, ...], index: pd.Index, name: str) -> pd.Series:
    """Build a string column from integer codes into ``keys`` (via an Arrow dictionary)."""
    codes = pa.array(np.asarray(code, dtype=np.int32))
    arr = pa.DictionaryArray.from_arrays(codes, pa.array(list(keys), type=pa.large_string()))
    return pd.Series(pd.array(arr.cast(pa.large_string()), dtype="string"), index=index, name=name)


def _high(rfm: pd.DataFrame, profile: ClinicProfile) -> tuple[np.ndarray, ...]:
    split = profile.rfm.split
    check_option("rfm.split", split, ("mean", "median", "score"))
    if split == "score":
        c = profile.rfm.score_cutoff
        return tuple((rfm[k] >= c).to_numpy() for k in ("r_score", "f_score", "m_score"))
    agg = "mean" if split == "mean" else "median"
    r, f, m = rfm["recency_days"], rfm["frequency_window"], rfm["monetary_window"]
    return (
        (r < getattr(r, agg)()).to_numpy(),
        (f > getattr(f, agg)()).to_numpy(),
        (m > getattr(m, agg)()).to_numpy(),
    )


def rfm8_segment(rfm: pd.DataFrame, profile: ClinicProfile) -> pd.Series:
    """Return the eight-segment key (002) per patient from an :func:`rfm_table` frame."""
    r, f, m = _high(rfm, profile)
    code = (~r).astype(int) * 4 + (~f).astype(int) * 2 + (~m).astype(int)
    return _keys(code, RFM8_KEYS, rfm.index, "segment_rfm8")


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
    # TIER_KEYS positions: platinum 0, dormant 3, high potential 1, low 4, stable 2
    code = np.select(conds, [0, 3, 1, 4], default=2)
    return _keys(code, TIER_KEYS, rfm.index, "tier_value5")


def activity_layer(recency_days: pd.Series, profile: ClinicProfile) -> pd.Series:
    """Return ``active`` / ``lapsing`` / ``dormant`` (004) from days since the last visit."""
    months = recency_days.to_numpy(dtype=float) / _MONTH_DAYS
    code = np.select(
        [months <= profile.activity.active_months, months > profile.activity.dormant_months],
        [0, 2],
        default=1,
    )
    return _keys(code, ACTIVITY_KEYS, recency_days.index, "activity")


_NO_SELF_PAY = ClinicProfile()  # treatment layers read no money


def _treatment_from(visits: pd.DataFrame, pv: PatientVisits, profile: ClinicProfile) -> pd.Series:
    n = len(pv.index)
    if "treatment" not in visits.columns or len(pv.codes) == 0:
        return _keys(np.full(n, 2), TREATMENT_KEYS, pv.index, "treatment_value")
    hv, known = treatment_flags(visits["treatment"].iloc[pv.rows], profile)
    any_hv = np.bincount(pv.codes[hv], minlength=n) > 0
    any_known = np.bincount(pv.codes[known], minlength=n) > 0
    code = np.where(any_hv, 0, np.where(any_known, 1, 2))
    return _keys(code, TREATMENT_KEYS, pv.index, "treatment_value")


def treatment_value(visits: pd.DataFrame, index: pd.Index, profile: ClinicProfile) -> pd.Series:
    """Return the treatment-value layer (004) per patient.

    ``high_value`` if any visit had a high-value item, ``routine`` if any known item, else
    ``unknown``. Every visit in ``visits`` counts (no date cut).
    """
    as_of = visits["visit_date"].max() if len(visits) else pd.Timestamp("1970-01-01")
    pv = patient_visits(visits, as_of, _NO_SELF_PAY, patients=index, require_visit=False)
    return _treatment_from(visits, pv, profile)


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
    months = recency_days.to_numpy(dtype=float) / _MONTH_DAYS
    return _keys(np.where(months > wait, cat, 4), INTERRUPTED_KEYS, index, "interrupted")


def _referral_counts(patients: pd.DataFrame | None, index: pd.Index) -> np.ndarray:
    if patients is None or "referred_by" not in patients.columns:
        return np.zeros(len(index), dtype=np.int64)
    codes = index_positions(patients["referred_by"].dropna(), index)
    return np.bincount(codes[codes >= 0], minlength=len(index)).astype(np.int64)


def _membership_from(
    pv: PatientVisits, refs: np.ndarray, profile: ClinicProfile, *, window: np.ndarray
) -> pd.Series:
    ms = profile.membership
    check_option("membership.scheme", ms.scheme, ("three", "four"))
    spend12 = pv.total(window)
    if ms.scheme == "three":
        th = ms.three_thresholds
        code = np.select([spend12 >= th["brilliant"], spend12 >= th["elite"]], [0, 1], default=2)
        return _keys(code, MEMBER_KEYS["three"], pv.index, "member_tier")
    total = pv.total()
    n12 = pv.count(window)
    conds = [
        (total >= ms.four_spend[level])
        | (n12 >= ms.four_visits_per_year[level])
        | (refs >= ms.four_referrals[level])
        for level in ("platinum", "gold", "silver")
    ]
    code = np.select(conds, [0, 1, 2], default=3)
    return _keys(code, MEMBER_KEYS["four"], pv.index, "member_tier")


def membership_tier(
    data: ClinicData, index: pd.Index, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.Series:
    """Return the membership tier per patient for ``profile.membership.scheme``.

    Spend is the RFM money column (``self_pay`` when ``rfm.self_pay_only``); patients with
    no visit up to ``as_of`` get the lowest tier (or one from referrals alone).
    """
    pv = patient_visits(data.visits, as_of, profile, patients=index, require_visit=False)
    refs = _referral_counts(data.patients, pv.index)
    return _membership_from(pv, refs, profile, window=pv.window_mask(12))


def _points_from(pv: PatientVisits, refs: np.ndarray, profile: ClinicProfile) -> pd.Series:
    ms = profile.membership
    n = pv.count()
    pts = (
        np.clip(n - 1, 0, None) * ms.points_per_return_visit
        + np.floor(pv.total() * ms.points_per_currency_unit)
        + refs * ms.points_per_referral
    )
    return pd.Series(pts.astype(np.int64), index=pv.index, name="points")


def points(
    data: ClinicData, index: pd.Index, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.Series:
    """Return loyalty points: return visits × points (002) + spend and referral points (001)."""
    pv = patient_visits(data.visits, as_of, profile, patients=index, require_visit=False)
    return _points_from(pv, _referral_counts(data.patients, pv.index), profile)


def score_columns(
    data: ClinicData, summary: pd.DataFrame, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.DataFrame:
    """Return every per-patient score and segment key, one row per ``summary`` row.

    Patient ids are factorised once; F, M, the 12-month spend and visits for membership,
    and points are bincounts over the same codes.
    """
    idx = pd.Index(summary.index, name="patient_id")
    pv = patient_visits(data.visits, as_of, profile, patients=idx)
    rfm = rfm_from_visits(pv, profile)
    refs = _referral_counts(data.patients, idx)
    window12 = pv.window_mask(12)
    out = rfm
    out["segment_rfm8"] = rfm8_segment(rfm, profile)
    out["tier_value5"] = value_tier(rfm, profile)
    out["activity"] = activity_layer(rfm["recency_days"], profile)
    out["treatment_value"] = _treatment_from(data.visits, pv, profile)
    out["interrupted"] = interrupted_category(data.plans, rfm["recency_days"], profile)
    out["member_tier"] = _membership_from(pv, refs, profile, window=window12)
    out["points"] = _points_from(pv, refs, profile)
    return out

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
that level, highest level wins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.data import ClinicData
from clinicvalue.errors import check_option
from clinicvalue.profile import ClinicProfile
from clinicvalue.rfm import rfm_table
from clinicvalue.treatments import treatment_category

__all__ = [
    "RFM8_KEYS",
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
_MONTH_DAYS = 30.4375


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
    keys = np.asarray(RFM8_KEYS, dtype=object)[code]
    return pd.Series(keys, index=rfm.index, name="segment_rfm8", dtype="string")


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
    keys = np.select(
        conds,
        ["platinum_vip", "dormant_high_value", "high_potential", "low_value"],
        default="stable_value",
    )
    return pd.Series(keys, index=rfm.index, name="tier_value5", dtype="string")


def activity_layer(recency_days: pd.Series, profile: ClinicProfile) -> pd.Series:
    """Return ``active`` / ``lapsing`` / ``dormant`` (004) from days since the last visit."""
    months = recency_days.astype(float) / _MONTH_DAYS
    keys = np.select(
        [months <= profile.activity.active_months, months > profile.activity.dormant_months],
        ["active", "dormant"],
        default="lapsing",
    )
    return pd.Series(keys, index=recency_days.index, name="activity", dtype="string")


def treatment_value(visits: pd.DataFrame, index: pd.Index, profile: ClinicProfile) -> pd.Series:
    """Return the treatment-value layer (004) per patient.

    ``high_value`` if any visit had a high-value item, ``routine`` if any known item, else
    ``unknown``.
    """
    out = pd.Series("unknown", index=index, name="treatment_value", dtype="string")
    if "treatment" not in visits.columns or len(visits) == 0:
        return out
    cat = treatment_category(visits["treatment"], profile)
    frame = pd.DataFrame({"patient_id": visits["patient_id"].to_numpy(), "cat": cat.to_numpy()})
    frame["hv"] = frame["cat"].isin(profile.treatment.high_value)
    frame["known"] = frame["cat"].notna()
    g = frame.groupby("patient_id")[["hv", "known"]].any().reindex(index, fill_value=False)
    out[g["known"].to_numpy()] = "routine"
    out[g["hv"].to_numpy()] = "high_value"
    return out


def interrupted_category(
    plans: pd.DataFrame | None, recency_days: pd.Series, profile: ClinicProfile
) -> pd.Series:
    """Return the interrupted category (003) per patient, or ``not_interrupted``."""
    out = pd.Series("not_interrupted", index=recency_days.index, name="interrupted", dtype="string")
    if plans is None or len(plans) == 0:
        return out
    p = plans.loc[plans["patient_id"].isin(recency_days.index)]
    done = p["status"].eq("done")
    planned = p["status"].eq("planned")
    chief = p["is_chief_complaint"].astype(bool)
    frame = pd.DataFrame(
        {
            "patient_id": p["patient_id"].to_numpy(),
            "all_planned": planned.to_numpy(),
            "all_done": done.to_numpy(),
            "chief_done": (done | ~chief).to_numpy(),
            "has_chief": chief.to_numpy(),
            "rest_planned": (planned | chief).to_numpy(),
        }
    )
    g = frame.groupby("patient_id").agg(
        all_planned=("all_planned", "all"),
        all_done=("all_done", "all"),
        chief_done=("chief_done", "all"),
        has_chief=("has_chief", "any"),
        rest_planned=("rest_planned", "all"),
    )
    cat = np.select(
        [g["all_planned"], g["all_done"], g["has_chief"] & g["chief_done"] & g["rest_planned"]],
        ["consult_only", "all_done", "chief_done_rest_planned"],
        default="partly_done",
    )
    ip = profile.interrupted
    waits = {
        "consult_only": ip.consult_only_months,
        "all_done": ip.all_done_months,
        "chief_done_rest_planned": ip.chief_done_rest_planned_months,
        "partly_done": ip.partly_done_months,
    }
    cat = pd.Series(cat, index=g.index)
    wait = cat.map(waits).astype(float)
    months = recency_days.reindex(g.index).astype(float) / _MONTH_DAYS
    hit = cat[months > wait]
    out.loc[hit.index] = hit.to_numpy()
    return out


def _referral_counts(patients: pd.DataFrame | None, index: pd.Index) -> pd.Series:
    if patients is None or "referred_by" not in patients.columns:
        return pd.Series(0, index=index, dtype="int64")
    ref = patients["referred_by"].dropna().astype("string")
    return ref.value_counts().reindex(index, fill_value=0).astype("int64")


def membership_tier(
    data: ClinicData, index: pd.Index, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.Series:
    """Return the membership tier per patient for ``profile.membership.scheme``."""
    ms = profile.membership
    check_option("membership.scheme", ms.scheme, ("three", "four"))
    as_of = pd.Timestamp(as_of).normalize()
    v = data.visits.loc[data.visits["visit_date"] <= as_of]
    year = v.loc[v["visit_date"] > as_of - pd.DateOffset(months=12)]
    spend12 = year.groupby("patient_id")["amount"].sum().reindex(index, fill_value=0.0)
    if ms.scheme == "three":
        th = ms.three_thresholds
        keys = np.select(
            [spend12 >= th["brilliant"], spend12 >= th["elite"]],
            ["brilliant", "elite"],
            default="basic",
        )
        return pd.Series(keys, index=index, name="member_tier", dtype="string")
    total = v.groupby("patient_id")["amount"].sum().reindex(index, fill_value=0.0)
    n12 = year.groupby("patient_id").size().reindex(index, fill_value=0)
    refs = _referral_counts(data.patients, index)
    conds, keys = [], []
    for level in ("platinum", "gold", "silver"):
        conds.append(
            (total >= ms.four_spend[level])
            | (n12 >= ms.four_visits_per_year[level])
            | (refs >= ms.four_referrals[level])
        )
        keys.append(level)
    out = np.select(conds, keys, default="general")
    return pd.Series(out, index=index, name="member_tier", dtype="string")


def points(
    data: ClinicData, index: pd.Index, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.Series:
    """Return loyalty points: return visits × points (002) + spend and referral points (001)."""
    ms = profile.membership
    v = data.visits.loc[data.visits["visit_date"] <= pd.Timestamp(as_of).normalize()]
    g = v.groupby("patient_id")
    n = g.size().reindex(index, fill_value=0)
    spend = g["amount"].sum().reindex(index, fill_value=0.0)
    pts = (
        (n - 1).clip(lower=0) * ms.points_per_return_visit
        + np.floor(spend * ms.points_per_currency_unit)
        + _referral_counts(data.patients, index) * ms.points_per_referral
    )
    return pts.astype("int64").rename("points")


def score_columns(
    data: ClinicData, summary: pd.DataFrame, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.DataFrame:
    """Return every per-patient score and segment key, one row per ``summary`` row."""
    idx = pd.Index(summary.index, name="patient_id")
    rfm = rfm_table(data.visits, as_of, profile, patients=idx)
    out = rfm.copy()
    out["segment_rfm8"] = rfm8_segment(rfm, profile)
    out["tier_value5"] = value_tier(rfm, profile)
    out["activity"] = activity_layer(rfm["recency_days"], profile)
    out["treatment_value"] = treatment_value(data.visits, idx, profile)
    out["interrupted"] = interrupted_category(data.plans, rfm["recency_days"], profile)
    out["member_tier"] = membership_tier(data, idx, as_of, profile)
    out["points"] = points(data, idx, as_of, profile)
    return out

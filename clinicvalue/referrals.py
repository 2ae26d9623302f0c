"""Referral analysis: referrers per year, conversion, referred vs non-referred value (001)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clinicvalue.profile import ClinicProfile

__all__ = ["ReferralResult", "referral_analysis"]


@dataclass(frozen=True)
class ReferralResult:
    """Referrer table, referred vs non-referred comparison and key referrers."""

    referrers: pd.DataFrame  # index (referrer, year): referred, converted
    comparison: pd.DataFrame  # index referred (bool): patients, mean_spend, returned_share
    key_referrers: pd.Index
    note: str = ""

    def to_metrics(self) -> dict[str, object]:
        """Return JSON-ready figures."""
        return {
            "n_referrers": int(self.referrers.index.get_level_values(0).nunique())
            if len(self.referrers)
            else 0,
            "key_referrers": len(self.key_referrers),
            "note": self.note,
        }


def referral_analysis(
    visits: pd.DataFrame, patients: pd.DataFrame | None, profile: ClinicProfile
) -> ReferralResult:
    """Analyse referrals from ``patients.referred_by``.

    A referred patient *converted* when they came back (two or more visit days). The year
    is the referred patient's first visit year. Without ``referred_by`` the result is empty
    and its ``note`` says so.
    """
    empty = pd.DataFrame(columns=["referred", "converted"])
    if patients is None or "referred_by" not in patients.columns:
        note = "no referred_by column in the patients table: referrals cannot be analysed"
        return ReferralResult(empty, pd.DataFrame(), pd.Index([]), note)
    g = visits.groupby("patient_id")
    per = pd.DataFrame(
        {"visits": g.size(), "spend": g["amount"].sum(), "first": g["visit_date"].min()}
    )
    ref = patients.set_index("patient_id")["referred_by"].reindex(per.index)
    per["referred"] = ref.notna().to_numpy()
    per["returned"] = per["visits"] >= 2
    r = per.loc[per["referred"]].assign(
        referrer=ref[per["referred"]].astype("string"), year=lambda d: d["first"].dt.year
    )
    referrers = r.groupby(["referrer", "year"]).agg(
        referred=("returned", "size"), converted=("returned", "sum")
    )
    comparison = per.groupby("referred").agg(
        patients=("visits", "size"),
        mean_spend=("spend", "mean"),
        returned_share=("returned", "mean"),
    )
    totals = r.groupby("referrer").size()
    key = totals.index[totals >= profile.referral.key_referrer_min]
    return ReferralResult(referrers, comparison, pd.Index(key, name="referrer"))

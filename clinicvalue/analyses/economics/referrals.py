"""Referral analysis: referrers per year, conversion, referred vs other patients (000, 001, 003).

Article 000 quotes "1.8 new patients per VIP per year, 65% of them become mid- or high-value
patients"; this module gives the clinic's own figures. A referred patient counts as

- *returned* when they came back (two or more visit days), and
- *valuable* ("became mid- or high-value") when their M score is at least
  ``profile.rfm.tier_low_score + 1`` (3 by default: 000's mid = 3, high = 4–5), M being
  spend in the RFM window scored over all patients as of ``as_of``
  (:func:`~.segments.rfm.rfm_table`, or the ``m_score`` of ``scores`` when given).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from clinicvalue.analyses.segments.rfm import rfm_table
from clinicvalue.profile import ClinicProfile

__all__ = ["ReferralResult", "referral_analysis"]


@dataclass(frozen=True)
class ReferralResult:
    """Referrer table, referred vs non-referred comparison and key referrers."""

    referrers: pd.DataFrame  # index (referrer, year): referred, returned, valuable
    comparison: pd.DataFrame  # index referred (bool): patients, mean_spend, *_share
    key_referrers: pd.Index
    note: str = ""

    def to_metrics(self) -> dict[str, object]:
        """Return JSON-ready figures (NaN → None)."""

        def share(referred: bool, col: str) -> float | None:
            if referred not in self.comparison.index:
                return None
            v = float(self.comparison.loc[referred, col])
            return None if math.isnan(v) else v

        n = len(self.referrers)
        return {
            "n_referrers": int(self.referrers.index.get_level_values(0).nunique()) if n else 0,
            "referred_patients": int(self.referrers["referred"].sum()) if n else 0,
            "referrals_per_referrer_year": float(self.referrers["referred"].mean()) if n else None,
            "referred_returned_share": share(True, "returned_share"),
            "referred_valuable_share": share(True, "valuable_share"),
            "other_returned_share": share(False, "returned_share"),
            "other_valuable_share": share(False, "valuable_share"),
            "key_referrers": len(self.key_referrers),
            "note": self.note,
        }


def referral_analysis(
    visits: pd.DataFrame,
    patients: pd.DataFrame | None,
    profile: ClinicProfile,
    *,
    as_of: pd.Timestamp | None = None,
    scores: pd.DataFrame | None = None,
) -> ReferralResult:
    """Analyse referrals from ``patients.referred_by``.

    Parameters
    ----------
    visits, patients
        Canonical tables; visits after ``as_of`` are ignored.
    profile
        Uses ``referral.key_referrer_min``, ``rfm.tier_low_score`` and the RFM window.
    as_of
        Reference day (default: the last visit day).
    scores
        Optional :func:`~.schemes.score_columns` frame whose ``m_score`` decides
        who is valuable (saves recomputing RFM).

    The year is the referred patient's first visit year. Without ``referred_by`` the result
    is empty and its ``note`` says so.
    """
    empty = pd.DataFrame(columns=["referred", "returned", "valuable"])
    if patients is None or "referred_by" not in patients.columns:
        note = "no referred_by column in the patients table: referrals cannot be analysed"
        return ReferralResult(empty, pd.DataFrame(), pd.Index([]), note)
    as_of = pd.Timestamp(as_of if as_of is not None else visits["visit_date"].max()).normalize()
    v = visits.loc[visits["visit_date"] <= as_of]
    g = v.groupby("patient_id")
    per = pd.DataFrame(
        {"visits": g.size(), "spend": g["amount"].sum(), "first": g["visit_date"].min()}
    )
    m = scores["m_score"] if scores is not None else rfm_table(v, as_of, profile)["m_score"]
    ref = patients.set_index("patient_id")["referred_by"].reindex(per.index)
    per["referred"] = ref.notna().to_numpy()
    per["returned"] = per["visits"] >= 2
    per["valuable"] = (m.reindex(per.index) > profile.rfm.tier_low_score).to_numpy()
    r = per.loc[per["referred"]].assign(
        referrer=ref[per["referred"]].astype("string"), year=lambda d: d["first"].dt.year
    )
    referrers = r.groupby(["referrer", "year"]).agg(
        referred=("returned", "size"), returned=("returned", "sum"), valuable=("valuable", "sum")
    )
    comparison = per.groupby("referred").agg(
        patients=("visits", "size"),
        mean_spend=("spend", "mean"),
        returned_share=("returned", "mean"),
        valuable_share=("valuable", "mean"),
    )
    totals = r.groupby("referrer").size()
    key = totals.index[totals >= profile.referral.key_referrer_min]
    return ReferralResult(referrers, comparison, pd.Index(key, name="referrer"))

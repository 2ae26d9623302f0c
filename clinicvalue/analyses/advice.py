"""What to do next: recommended actions computed from one analysis run.

Each recommendation names who it concerns, how many patients, and the money at stake,
so the executive summary can lead with three to five of them and every section can end
with its own. The rules, with the profile thresholds they use:

=====================  ==========  ===================================================
key                    section     when (money at stake)
=====================  ==========  ===================================================
``call_churn_list``    actions     patients show a churn warning (their lifetime value)
``win_back_at_risk``   segments    RFM at-risk patients exist: came often, spent much,
                                   stopped (a year's margin at their old pace)
``protect_core``       clv         core patients exist (their lifetime value)
``review_channel``     economics   a channel's LTV:CAC is below
                                   ``economics.min_ltv_cac`` (its acquisition spend)
``revisit_fell``       retention   the 90-day revisit rate fell by at least
                                   ``economics.revisit_drop_points`` against the same
                                   month last year (none: a rate, not money)
``book_recalls``       actions     patients are due for a recall (none)
=====================  ==========  ===================================================

Recommendations that stop a loss (churn, at-risk, a losing channel, falling revisits)
come first, then those that protect or fill (core patients, recalls); within each, the
most money at stake first, those without money last. No prose here: the report words
them (``advice_*`` in the text catalogue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.analyses.economics.channels import Economics
from clinicvalue.analyses.retention.churn import ChurnWarnings
from clinicvalue.analyses.segments.rfm import history_years
from clinicvalue.profile import ClinicProfile

__all__ = ["SECTIONS", "Recommendation", "recommendations"]

#: the report sections a recommendation can belong to
SECTIONS = ("segments", "clv", "retention", "economics", "actions")


@dataclass(frozen=True)
class Recommendation:
    """One thing to do: for whom, how many, and what is at stake."""

    key: str
    section: str
    patients: int | None = None
    value: float | None = None  # money at stake, in the clinic's currency
    values: tuple[tuple[str, Any], ...] = ()  # what the sentence needs besides

    def to_metrics(self) -> dict[str, Any]:
        """Return JSON-ready figures."""
        return {
            "key": self.key,
            "section": self.section,
            "patients": self.patients,
            "value": self.value,
            **{k: v for k, v in self.values},
        }


def _finite(x: object) -> bool:
    return isinstance(x, int | float | np.number) and bool(np.isfinite(x))


def _churn(churn: ChurnWarnings) -> list[Recommendation]:
    n = int(len(churn.table))
    if not n:
        return []
    value = float(churn.value_at_risk_total) if churn.basis == "clv" else None
    return [Recommendation("call_churn_list", "actions", n, value)]


def _at_risk(
    segments: pd.DataFrame, features: pd.DataFrame, profile: ClinicProfile
) -> list[Recommendation]:
    mask = (segments["segment_rfm8"] == "at_risk").to_numpy()
    n = int(mask.sum())
    if not n:
        return []
    feats = features.reindex(segments.index[mask])
    per_year = feats["spend_lookback"].to_numpy(dtype=float) / history_years(feats).to_numpy()
    value = float(np.nansum(per_year)) * profile.clinic.gross_margin
    return [Recommendation("win_back_at_risk", "segments", n, value)]


def _core(segments: pd.DataFrame, scores: pd.DataFrame | None) -> list[Recommendation]:
    if scores is None:
        return []
    keys = segments["segment_rfm8"].reindex(scores.index)
    core = scores["clv"][(keys == "core").to_numpy()]
    total = float(scores["clv"].sum())
    if not len(core) or not total > 0:
        return []
    value = float(core.sum())
    return [Recommendation("protect_core", "clv", len(core), value, (("share", value / total),))]


def _channels(economics: Economics, profile: ClinicProfile) -> list[Recommendation]:
    floor = profile.economics.min_ltv_cac
    if not (economics.available and len(economics.by_channel)):
        return []
    by = economics.by_channel
    low = by[by["ltv_cac"].lt(floor).fillna(False).to_numpy()]
    return [
        Recommendation(
            "review_channel",
            "economics",
            int(row["new_patients"]),
            float(row["spend"]),
            (("channel", str(ch)), ("ratio", float(row["ltv_cac"])), ("floor", floor)),
        )
        for ch, row in low.iterrows()
    ]


def _revisits(now: object, before: object, profile: ClinicProfile) -> list[Recommendation]:
    if not (_finite(now) and _finite(before)):
        return []
    drop = float(before) - float(now)  # type: ignore[arg-type]
    if drop < profile.economics.revisit_drop_points:
        return []
    values = (("now", float(now)), ("before", float(before)), ("drop", drop))  # type: ignore[arg-type]
    return [Recommendation("revisit_fell", "retention", None, None, values)]


def _recalls(recalls_due: int) -> list[Recommendation]:
    return [Recommendation("book_recalls", "actions", int(recalls_due))] if recalls_due else []


#: recommendations that stop a loss come before those that protect or fill
_STOPS_A_LOSS = frozenset({"call_churn_list", "win_back_at_risk", "review_channel", "revisit_fell"})


def _order(rec: Recommendation) -> tuple[int, float]:
    money = rec.value if _finite(rec.value) else -np.inf
    return (0 if rec.key in _STOPS_A_LOSS else 1, -float(money))  # type: ignore[arg-type]


def recommendations(
    *,
    churn: ChurnWarnings,
    segments: pd.DataFrame,
    features: pd.DataFrame,
    clv_scores: pd.DataFrame | None,
    economics: Economics,
    revisit_rate: float | None,
    revisit_rate_last_year: float | None,
    recalls_due: int,
    profile: ClinicProfile,
) -> tuple[Recommendation, ...]:
    """Return every recommendation the figures support, in the order of the module doc.

    Parameters
    ----------
    churn
        The churn warnings (their patients and value at risk).
    segments, features
        Per-patient segment keys and visit features (RFM-8 at-risk patients' past spend).
    clv_scores
        Per-patient lifetime value (``None`` without a model).
    economics
        CAC, LTV and LTV:CAC by channel.
    revisit_rate, revisit_rate_last_year
        The 90-day revisit rate now and in the same month a year earlier.
    recalls_due
        Patients due for a recall.
    profile
        ``clinic.gross_margin``, ``economics.min_ltv_cac``, ``economics.revisit_drop_points``.
    """
    found = [
        *_churn(churn),
        *_at_risk(segments, features, profile),
        *_core(segments, clv_scores),
        *_channels(economics, profile),
        *_revisits(revisit_rate, revisit_rate_last_year, profile),
        *_recalls(recalls_due),
    ]
    return tuple(sorted(found, key=_order))

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
from typing import TYPE_CHECKING, Any

import numpy as np

from clinicvalue.analyses.segments.rfm import history_years

if TYPE_CHECKING:
    from clinicvalue.analyses.run import Analyses

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


def _churn(run: Analyses) -> list[Recommendation]:
    cw = run.churn
    n = int(len(cw.table))
    if not n:
        return []
    value = float(cw.value_at_risk_total) if cw.basis == "clv" else None
    return [Recommendation("call_churn_list", "actions", n, value)]


def _at_risk(run: Analyses) -> list[Recommendation]:
    seg = run.segments
    mask = (seg["segment_rfm8"] == "at_risk").to_numpy()
    n = int(mask.sum())
    if not n:
        return []
    feats = run.features.reindex(seg.index[mask])
    per_year = feats["spend_lookback"].to_numpy(dtype=float) / history_years(feats).to_numpy()
    value = float(np.nansum(per_year)) * run.profile.clinic.gross_margin
    return [Recommendation("win_back_at_risk", "segments", n, value)]


def _core(run: Analyses) -> list[Recommendation]:
    scores = run.clv_scores
    if scores is None:
        return []
    keys = run.segments["segment_rfm8"].reindex(scores.index)
    core = scores["clv"][(keys == "core").to_numpy()]
    total = float(scores["clv"].sum())
    if not len(core) or not total > 0:
        return []
    share = float(core.sum()) / total
    value = float(core.sum())
    return [Recommendation("protect_core", "clv", len(core), value, (("share", share),))]


def _channels(run: Analyses) -> list[Recommendation]:
    res = run.economics
    floor = run.profile.economics.min_ltv_cac
    if not (res.available and len(res.by_channel)):
        return []
    by = res.by_channel
    low = by[by["ltv_cac"].lt(floor).fillna(False).to_numpy()]
    return [
        Recommendation(
            "review_channel",
            "economics",
            int(row["new_patients"]),
            float(row["spend"]),
            (("channel", str(ch)), ("ratio", float(row["ltv_cac"])), ("floor", floor)),
        )
        for ch, row in low.sort_values("ltv_cac").iterrows()
    ]


def _revisits(run: Analyses) -> list[Recommendation]:
    now = run.kpis.get("revisit_rate_90d")
    before = run.last_year.get("revisit_rate_90d")
    if not (_finite(now) and _finite(before)):
        return []
    drop = float(before) - float(now)
    if drop < run.profile.economics.revisit_drop_points:
        return []
    values = (("now", float(now)), ("before", float(before)), ("drop", drop))
    return [Recommendation("revisit_fell", "retention", None, None, values)]


def _recalls(run: Analyses) -> list[Recommendation]:
    recalls = run.lists.get("recalls_due")
    if recalls is None:
        return []
    n = int(recalls.attrs.get("eligible", len(recalls)))
    return [Recommendation("book_recalls", "actions", n)] if n else []


#: recommendations that stop a loss come before those that protect or fill
_STOPS_A_LOSS = frozenset({"call_churn_list", "win_back_at_risk", "review_channel", "revisit_fell"})


def _order(rec: Recommendation) -> tuple[int, float]:
    money = rec.value if _finite(rec.value) else -np.inf
    return (0 if rec.key in _STOPS_A_LOSS else 1, -float(money))  # type: ignore[arg-type]


def recommendations(run: Analyses) -> tuple[Recommendation, ...]:
    """Return every recommendation the run supports, in the order of the module doc."""
    found: list[Recommendation] = []
    for rule in (_churn, _at_risk, _core, _channels, _revisits, _recalls):
        found += rule(run)
    return tuple(sorted(found, key=_order))

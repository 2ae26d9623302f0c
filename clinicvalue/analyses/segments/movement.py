"""Segment movement between two dates: transition matrix, upgrades and downgrades."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clinicvalue.errors import check_option

__all__ = ["LEFT", "NEW", "SCHEME_RANK", "SEGMENT_RANK", "TransitionResult", "segment_transitions"]

NEW = "new"
LEFT = "left"
# Higher = more valuable. Upgrades move to a higher rank. RFM-8 (002) order follows the
# article's strategy intensity; value tiers (000), activity (004) and membership likewise.
SEGMENT_RANK: dict[str, int] = {
    "core": 8,
    "value": 7,
    "potential": 6,
    "at_risk": 5,
    "general": 4,
    "lost": 3,
    "sleeping": 2,
    "inactive": 1,
    "platinum_vip": 5,
    "high_potential": 4,
    "dormant_high_value": 3,
    "stable_value": 2,
    "low_value": 1,
    "active": 3,
    "lapsing": 2,
    "dormant": 1,
    "brilliant": 3,
    "elite": 2,
    "basic": 1,
}
#: Per scheme (names of :mod:`clinicvalue.analyses.segments.labels`); needed where keys collide:
#: ``general`` is an RFM-8 segment and the lowest four-level membership tier.
SCHEME_RANK: dict[str, dict[str, int]] = {
    "rfm8": {k: SEGMENT_RANK[k] for k in ("core", "value", "potential", "at_risk")}
    | {k: SEGMENT_RANK[k] for k in ("general", "lost", "sleeping", "inactive")},
    "tier5": {
        k: SEGMENT_RANK[k]
        for k in ("platinum_vip", "high_potential", "dormant_high_value", "stable_value")
    }
    | {"low_value": 1},
    "activity": {"active": 3, "lapsing": 2, "dormant": 1},
    "membership": {
        "brilliant": 3,
        "elite": 2,
        "basic": 1,
        "platinum": 4,
        "gold": 3,
        "silver": 2,
        "general": 1,
    },
}


@dataclass(frozen=True)
class TransitionResult:
    """Counts from segment (rows, plus ``new``) to segment (columns, plus ``left``)."""

    matrix: pd.DataFrame
    upgrades: pd.Index
    downgrades: pd.Index

    def to_metrics(self) -> dict[str, object]:
        """Return JSON-ready counts."""
        return {
            "matrix": {r: {c: int(v) for c, v in row.items()} for r, row in self.matrix.iterrows()},
            "upgrades": len(self.upgrades),
            "downgrades": len(self.downgrades),
        }


def segment_transitions(
    before: pd.Series, after: pd.Series, *, scheme: str | None = None
) -> TransitionResult:
    """Cross-tabulate segment keys before vs after, by patient.

    Patients only in ``after`` come from row ``new``; patients only in ``before`` go to
    column ``left``. Upgrades/downgrades compare the ranks of both keys: the scheme's
    (:data:`SCHEME_RANK`, e.g. ``scheme="membership"`` for four-level tiers) or, without
    ``scheme``, :data:`SEGMENT_RANK`.
    """
    if scheme is not None:
        check_option("scheme", scheme, tuple(SCHEME_RANK))
    ranks = SEGMENT_RANK if scheme is None else SCHEME_RANK[scheme]
    idx = before.index.union(after.index)
    b = before.astype("string").reindex(idx).fillna(NEW)
    a = after.astype("string").reindex(idx).fillna(LEFT)
    matrix = pd.crosstab(b.rename("before"), a.rename("after"))
    rb = b.map(ranks)
    ra = a.map(ranks)
    both = rb.notna() & ra.notna()
    up = idx[(both & (ra > rb)).to_numpy()]
    down = idx[(both & (ra < rb)).to_numpy()]
    return TransitionResult(matrix=matrix, upgrades=up, downgrades=down)

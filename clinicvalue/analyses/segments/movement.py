"""Segment movement between two dates: transition matrix, upgrades and downgrades."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clinicvalue.analyses.segments.schemes import MEMBER_KEYS, SCHEME_KEYS
from clinicvalue.errors import check_option

__all__ = ["LEFT", "NEW", "SCHEME_RANK", "SEGMENT_RANK", "TransitionResult", "segment_transitions"]

NEW = "new"
LEFT = "left"


def _ranks(keys: tuple[str, ...]) -> dict[str, int]:
    """Return each key's rank, higher = more valuable, from its scheme's order."""
    return {k: len(keys) - i for i, k in enumerate(keys)}


#: Per scheme (names of :mod:`clinicvalue.analyses.segments.labels`), from each scheme's own
#: key order in :data:`~clinicvalue.analyses.segments.schemes.SCHEME_KEYS`, so a new scheme
#: is ranked without touching this module. Membership ranks each level system on its own:
#: ``general`` is an RFM-8 segment and the lowest four-level membership tier.
SCHEME_RANK: dict[str, dict[str, int]] = {
    name: _ranks(keys) for name, keys in SCHEME_KEYS.items() if name != "membership"
} | {"membership": _ranks(MEMBER_KEYS["three"]) | _ranks(MEMBER_KEYS["four"])}
#: Higher = more valuable: RFM-8, value tiers, activity and three-level membership together.
SEGMENT_RANK: dict[str, int] = (
    SCHEME_RANK["rfm8"]
    | SCHEME_RANK["tier5"]
    | SCHEME_RANK["activity"]
    | _ranks(MEMBER_KEYS["three"])
)


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

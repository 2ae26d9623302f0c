"""Segment movement between two dates: transition matrix, upgrades and downgrades."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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


def _keys(
    segments: pd.Series, where: np.ndarray, n: int, absent: str
) -> tuple[np.ndarray, list[str]]:
    """Return each of ``n`` patients' segment as a code into the keys, ``absent`` if none."""
    codes, keys = pd.factorize(segments.astype("string").fillna(absent))
    keys = [str(k) for k in keys]
    if absent not in keys:
        keys.append(absent)
    out = np.full(n, keys.index(absent), dtype="int64")
    out[where] = codes
    return out, keys


def segment_transitions(
    before: pd.Series, after: pd.Series, *, scheme: str | None = None
) -> TransitionResult:
    """Cross-tabulate segment keys before vs after, by patient.

    Patients only in ``after`` come from row ``new``; patients only in ``before`` go to
    column ``left``. Upgrades/downgrades compare the ranks of both keys: the scheme's
    (:data:`SCHEME_RANK`, e.g. ``scheme="membership"`` for four-level tiers) or, without
    ``scheme``, :data:`SEGMENT_RANK`; they hold the patients' IDs in ascending order. A
    patient with no segment on a date counts as ``new`` (before) or ``left`` (after).
    """
    if scheme is not None:
        check_option("scheme", scheme, tuple(SCHEME_RANK))
    ranks = SEGMENT_RANK if scheme is None else SCHEME_RANK[scheme]
    # every patient of either date once, as a position (text IDs hashed once, not joined)
    ids = pd.concat([pd.Series(before.index), pd.Series(after.index)], ignore_index=True)
    where, patients = pd.factorize(ids.astype("string"), use_na_sentinel=False)
    n_before = len(before)
    b, b_keys = _keys(before, where[:n_before], len(patients), NEW)
    a, a_keys = _keys(after, where[n_before:], len(patients), LEFT)
    counts = np.bincount(b * len(a_keys) + a, minlength=len(b_keys) * len(a_keys))
    counts = counts.reshape(len(b_keys), len(a_keys))
    rows = sorted(k for i, k in enumerate(b_keys) if counts[i].any())
    cols = sorted(k for j, k in enumerate(a_keys) if counts[:, j].any())
    matrix = pd.DataFrame(
        counts[np.ix_([b_keys.index(k) for k in rows], [a_keys.index(k) for k in cols])],
        index=pd.Index(rows, dtype="string", name="before"),
        columns=pd.Index(cols, dtype="string", name="after"),
    ).astype("int64")
    rb = np.array([ranks.get(k, np.nan) for k in b_keys], dtype="float64")[b]
    ra = np.array([ranks.get(k, np.nan) for k in a_keys], dtype="float64")[a]
    both = ~np.isnan(rb) & ~np.isnan(ra)
    up = pd.Index(patients[both & (ra > rb)]).sort_values()
    down = pd.Index(patients[both & (ra < rb)]).sort_values()
    return TransitionResult(matrix=matrix, upgrades=up, downgrades=down)

"""Per-scheme segment sizes, revenue share and mean R/F/M (000, 002, 004).

One table per scheme column of :func:`~.schemes.score_columns`, indexed by the
scheme's segment keys in display order (empty segments kept with 0 patients), so a report
can show every segment and ``metrics.json`` can compare months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from clinicvalue.analyses.segments.schemes import MEMBER_KEYS, SCHEME_COLUMNS, SCHEME_KEYS
from clinicvalue.errors import InputError

__all__ = ["SegmentationSummary", "scheme_keys", "segmentation_summary"]

_MEANS = {
    "mean_recency_days": "recency_days",
    "mean_frequency": "visits_per_year",
    "mean_monetary": "rfm_spend",
    "mean_r_score": "r_score",
    "mean_f_score": "f_score",
    "mean_m_score": "m_score",
}


@dataclass(frozen=True)
class SegmentationSummary:
    """Segment tables keyed by scheme column (``segment_rfm8``, ``tier_value5`` …).

    Each table is indexed by segment key with columns ``patients``, ``patient_share``,
    ``revenue``, ``revenue_share`` and the ``mean_*`` of R/F/M values and scores present
    in the scores frame (NaN for an empty segment).
    """

    tables: dict[str, pd.DataFrame]
    n_patients: int
    total_revenue: float

    def to_metrics(self) -> dict[str, object]:
        """Return JSON-ready figures: per scheme, per segment, every column (NaN → None)."""
        schemes: dict[str, object] = {}
        for column, table in self.tables.items():
            schemes[column] = {
                str(key): {c: _json(v) for c, v in row.items()} for key, row in table.iterrows()
            }
        return {
            "n_patients": self.n_patients,
            "total_revenue": self.total_revenue,
            "schemes": schemes,
        }


def _json(v: object) -> object:
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


def scheme_keys(column: str, values: pd.Series) -> tuple[str, ...]:
    """Return the keys of the scheme in ``column`` in display order.

    Membership keeps only the level set (three or four) that its values come from.
    Raises :class:`InputError` for a value that is not a key of the scheme.
    """
    scheme = SCHEME_COLUMNS[column]
    keys = SCHEME_KEYS[scheme]
    seen = set(values.dropna().astype(str).unique())
    if scheme == "membership":
        keys = next((k for k in MEMBER_KEYS.values() if seen <= set(k)), keys)
    unknown = sorted(seen - set(keys))
    if unknown:
        raise InputError(
            f"column {column!r} holds {unknown[:3]}, not keys of scheme {scheme!r} "
            f"({', '.join(keys)}); pass the frame from segments.score_columns"
        )
    return keys


def segmentation_summary(
    scores: pd.DataFrame, *, revenue: pd.Series | None = None
) -> SegmentationSummary:
    """Summarise every scheme column in ``scores``: sizes, revenue share, mean R/F/M.

    Parameters
    ----------
    scores
        The frame from :func:`~.schemes.score_columns` (any subset of its
        scheme columns; at least one).
    revenue
        Revenue per patient (indexed like ``scores``); default ``rfm_spend``.
    """
    columns = [c for c in SCHEME_COLUMNS if c in scores.columns]
    if not columns:
        raise InputError(
            "scores has no segment column (one of "
            f"{', '.join(SCHEME_COLUMNS)}); pass the frame from segments.score_columns"
        )
    if revenue is None:
        if "rfm_spend" not in scores.columns:
            raise InputError("scores has no 'rfm_spend'; pass revenue= per patient")
        revenue = scores["rfm_spend"]
    rev = revenue.reindex(scores.index).astype(float)
    if rev.isna().any():
        missing = list(scores.index[rev.isna().to_numpy()][:3])
        raise InputError(f"revenue has no value for patients {missing}; give every patient one")
    n = len(scores)
    total = float(rev.sum())
    means = {name: c for name, c in _MEANS.items() if c in scores.columns}
    tables = {}
    for column in columns:
        keys = scheme_keys(column, scores[column])
        frame = scores[list(means.values())].astype(float).assign(_revenue=rev.to_numpy())
        g = frame.groupby(scores[column].astype(str).to_numpy())
        t = pd.DataFrame(index=pd.Index(keys, name=column))
        t["patients"] = g.size().reindex(keys, fill_value=0).astype("int64")
        t["patient_share"] = t["patients"] / n if n else 0.0
        t["revenue"] = g["_revenue"].sum().reindex(keys, fill_value=0.0)
        t["revenue_share"] = t["revenue"] / total if total else 0.0
        for name, c in means.items():
            t[name] = g[c].mean().reindex(keys)
        tables[column] = t
    return SegmentationSummary(tables=tables, n_patients=n, total_revenue=total)

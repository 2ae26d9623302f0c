"""RFM measures and 1–5 scores per patient (002, 004, 000).

Scoring rule: a value's score is ``ceil(5 × pct_rank)`` where ``pct_rank`` is its average
rank divided by the number of patients (``Series.rank(method="average", pct=True)``), so
equal values always get equal scores and fewer than five distinct values simply use fewer
scores. R is scored on ``-recency_days`` (recent = 5). When every patient has the same value
the dimension carries no information and everyone scores 3 (the middle).

Money is ``amount`` (net of refunds), or ``self_pay`` when ``profile.rfm.self_pay_only`` is on
(insurer-paid shares such as Taiwan's NHI left out). The same money column feeds membership
tiers and spend points (:mod:`clinicvalue.segments`).

Speed: patient ids are factorised once (:class:`PatientVisits`); every per-patient count or
sum is one ``numpy.bincount`` over integer codes, so a million patients score in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile

__all__ = [
    "PatientVisits",
    "index_positions",
    "money_column",
    "patient_visits",
    "quintile_score",
    "rfm_from_visits",
    "rfm_table",
]

_NO_VISIT = np.iinfo(np.int64).min


def quintile_score(values: pd.Series, *, reverse: bool = False) -> pd.Series:
    """Score values 1–5 by percentile rank; ties share a score; all equal → 3."""
    if len(values) == 0:
        return pd.Series([], index=values.index, dtype="int64")
    v = values.astype(float)
    if v.nunique(dropna=False) <= 1:
        return pd.Series(3, index=values.index, dtype="int64")
    pct = (-v if reverse else v).rank(method="average", pct=True).to_numpy()
    return pd.Series(np.clip(np.ceil(5 * pct), 1, 5).astype(np.int64), index=values.index)


def money_column(visits: pd.DataFrame, profile: ClinicProfile) -> str:
    """Return the visits column that measures spend: ``amount`` or ``self_pay``."""
    if not profile.rfm.self_pay_only:
        return "amount"
    if "self_pay" not in visits.columns:
        raise InputError(
            "rfm.self_pay_only is on but visits have no 'self_pay' column; "
            "map a self-pay column or set rfm.self_pay_only = false"
        )
    return "self_pay"


@dataclass(frozen=True)
class PatientVisits:
    """Visits up to ``as_of`` as integer patient codes into ``index`` (computed once).

    ``codes[i]`` is the position in ``index`` of visit ``i``'s patient, ``day`` its day
    number (days since 1970-01-01) and ``money`` its spend (see :func:`money_column`).
    """

    index: pd.Index
    as_of: pd.Timestamp
    codes: np.ndarray
    day: np.ndarray
    money: np.ndarray
    rows: np.ndarray  # positions of these visits in the original frame

    def window_mask(self, months: int) -> np.ndarray:
        """Return which visits fall in the ``months`` before ``as_of`` (start exclusive)."""
        start = self.as_of - pd.DateOffset(months=months)
        return self.day > _day_number(start)

    def count(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Return visits per patient (optionally only where ``mask``)."""
        c = self.codes if mask is None else self.codes[mask]
        return np.bincount(c, minlength=len(self.index)).astype(np.int64)

    def total(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Return spend per patient (optionally only where ``mask``)."""
        c, w = (self.codes, self.money) if mask is None else (self.codes[mask], self.money[mask])
        return np.bincount(c, weights=w, minlength=len(self.index)).astype(float)

    def last_day(self) -> np.ndarray:
        """Return each patient's last visit day number (``int64`` minimum when none)."""
        last = np.full(len(self.index), _NO_VISIT, dtype=np.int64)
        np.maximum.at(last, self.codes, self.day)
        return last


def _arrow_strings(values: object) -> pa.Array:
    arr = values.array if isinstance(values, pd.Index | pd.Series) else values
    out = pa.array(arr, from_pandas=True)
    if not (pa.types.is_string(out.type) or pa.types.is_large_string(out.type)):
        raise TypeError("not strings")
    return out.cast(pa.large_string())


def index_positions(values: pd.Series | pd.Index | np.ndarray, index: pd.Index) -> np.ndarray:
    """Return the position in ``index`` of each value (−1 when absent), as ``int64``.

    String ids are hashed by Arrow without making Python objects, so a million patients
    over millions of visits take well under a second; other types use ``get_indexer``.
    """
    try:
        v, k = _arrow_strings(values), _arrow_strings(index)
    except (TypeError, pa.ArrowInvalid, pa.ArrowTypeError):
        return np.asarray(pd.Index(index).get_indexer(np.asarray(values)), dtype=np.int64)
    pos = pc.index_in(v, value_set=k).fill_null(-1)
    return pos.to_numpy(zero_copy_only=False).astype(np.int64)


def _day_number(ts: pd.Timestamp) -> int:
    return int(pd.Timestamp(ts).normalize().value // 86_400_000_000_000)


def patient_visits(
    visits: pd.DataFrame,
    as_of: pd.Timestamp,
    profile: ClinicProfile,
    *,
    patients: pd.Index | None = None,
    require_visit: bool = True,
) -> PatientVisits:
    """Factorise patient ids of the visits up to ``as_of`` once, for every aggregate.

    Raises :class:`InputError` for a missing column, duplicated patients to score, or (when
    ``require_visit``) a patient without a visit on or before ``as_of``. Visits of patients
    outside ``patients`` are left out.
    """
    for col in ("patient_id", "visit_date", "amount"):
        if col not in visits.columns:
            raise InputError(f"visits has no column {col!r}; load the data with clinicvalue.load")
    money = money_column(visits, profile)
    as_of = pd.Timestamp(as_of).normalize()
    dates = visits["visit_date"].to_numpy(dtype="datetime64[D]")
    day = dates.astype(np.int64)
    keep = np.flatnonzero((day <= _day_number(as_of)) & ~np.isnat(dates))
    ids = visits["patient_id"].iloc[keep]
    if patients is None:
        codes, uniques = pd.factorize(ids, sort=True)
        idx = pd.Index(uniques, name="patient_id", dtype=visits["patient_id"].dtype)
    else:
        idx = pd.Index(patients, name="patient_id")
        if idx.has_duplicates:
            raise InputError("patient ids to score are duplicated; pass each patient once")
        codes = index_positions(ids, idx)
        inside = codes >= 0
        if not inside.all():
            keep, codes = keep[inside], codes[inside]
    codes = np.asarray(codes, dtype=np.int64)
    out = PatientVisits(
        index=idx,
        as_of=as_of,
        codes=codes,
        day=day[keep],
        money=visits[money].to_numpy(dtype=float, na_value=0.0)[keep],
        rows=keep,
    )
    if require_visit and patients is not None and len(idx):
        seen = np.bincount(codes, minlength=len(idx)) > 0
        if not seen.all():
            missing = list(idx[~seen][:3])
            raise InputError(f"patients {missing} have no visit on or before {as_of.date()}")
    return out


def rfm_from_visits(pv: PatientVisits, profile: ClinicProfile) -> pd.DataFrame:
    """Return the :func:`rfm_table` frame from already factorised visits."""
    window = pv.window_mask(profile.rfm.window_months)
    out = pd.DataFrame(index=pv.index)
    out["recency_days"] = _day_number(pv.as_of) - pv.last_day()
    out["frequency_window"] = pv.count(window)
    out["monetary_window"] = pv.total(window)
    out["r_score"] = quintile_score(out["recency_days"], reverse=True)  # ranks: O(n log n)
    out["f_score"] = quintile_score(out["frequency_window"])
    out["m_score"] = quintile_score(out["monetary_window"])
    return out


def rfm_table(
    visits: pd.DataFrame,
    as_of: pd.Timestamp,
    profile: ClinicProfile,
    *,
    patients: pd.Index | None = None,
) -> pd.DataFrame:
    """Return R (days), F and M in the look-back window with 1–5 scores, per patient.

    Parameters
    ----------
    visits
        Canonical visits (``patient_id``, ``visit_date``, ``amount``, optional ``self_pay``).
    as_of
        Reference day; visits after it are ignored.
    profile
        Uses ``profile.rfm.window_months`` and ``profile.rfm.self_pay_only``.
    patients
        Patients to score (default: everyone with a visit up to ``as_of``). Patients with
        no visit in the window get F = 0 and M = 0.
    """
    return rfm_from_visits(patient_visits(visits, as_of, profile, patients=patients), profile)

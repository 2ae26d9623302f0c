"""Regularity of inter-visit times: the Wheat–Morrison (1990) estimator.

For each patient with at least three visit days, take the last two inter-visit times
``t1, t2`` and ``M = t1 / (t1 + t2)``. If inter-visit times are Erlang-k (shared k),
``M ~ Beta(k, k)`` with ``Var(M) = 1 / (4 (2k + 1))``, so ``k = (1 - 4 Var(M)) / (8 Var(M))``
(BTYDplus ``estimateRegularity(method = "wheat")``). ``k ≈ 1`` is Poisson-like
(BG/NBD's assumption); well above 1 means regular recalls (e.g. 6-month cleanings),
for which BG/NBD tends to misjudge P(alive).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.errors import InputError
from clinicvalue.summarize.external import ExternalVisits
from clinicvalue.summarize.summary import last_two_gaps


def wheat_morrison(
    visits: pd.DataFrame | ExternalVisits, as_of: str | pd.Timestamp | None = None
) -> tuple[float, int]:
    """Estimate the Erlang shape k of inter-visit times; return ``(k, n_patients_used)``.

    Parameters
    ----------
    visits
        Visit rows with ``patient_id`` and ``visit_date``; same-day rows are merged (and
        a refund-only day nets into the previous visit, when there are amounts).
    as_of
        Only visits on or before this day count (all of them by default).

    Returns
    -------
    tuple
        ``k`` (``nan`` when fewer than two patients have three visit days, or
        ``inf`` when every patient's last two gaps are equal) and the number of
        patients used.
    """
    missing = {"patient_id", "visit_date"} - set(visits.columns)
    if missing:
        raise InputError(f"visits lack column(s) {sorted(missing)} needed for regularity")
    if as_of is None:
        if isinstance(visits, ExternalVisits):
            raise TypeError("wheat_morrison needs as_of= for visits held by another engine")
        last = pd.to_datetime(visits["visit_date"]).max()
        as_of = pd.Timestamp(0) if pd.isna(last) else last
    gaps = last_two_gaps(visits, as_of)
    return regularity_from_gaps(gaps["earlier"].to_numpy(), gaps["last"].to_numpy())


def regularity_from_gaps(earlier: np.ndarray, last: np.ndarray) -> tuple[float, int]:
    """Return :func:`wheat_morrison`'s ``(k, n_patients_used)`` from the last two gaps.

    ``earlier`` and ``last`` are each patient's third-last to second-last and
    second-last to last days between visits (NaN for patients with under three visit
    days, who are left out), e.g. the patient features' ``gap_earlier_days`` and
    ``gap_last_days``.
    """
    earlier = np.asarray(earlier, dtype="float64")
    last = np.asarray(last, dtype="float64")
    both = ~(np.isnan(earlier) | np.isnan(last))
    t1, t2 = earlier[both], last[both]
    n = len(t1)
    if n < 2:
        return float("nan"), n
    m = t1 / (t1 + t2)
    var = float(np.var(m, ddof=1))
    if var == 0:
        return float("inf"), n
    return float((1 - 4 * var) / (8 * var)), n

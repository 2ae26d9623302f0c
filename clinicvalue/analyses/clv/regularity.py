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


def wheat_morrison(visits: pd.DataFrame) -> tuple[float, int]:
    """Estimate the Erlang shape k of inter-visit times; return ``(k, n_patients_used)``.

    Parameters
    ----------
    visits
        Visit rows with ``patient_id`` and ``visit_date``; same-day rows are merged.

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
    days = (
        visits[["patient_id", "visit_date"]]
        .assign(visit_date=lambda d: pd.to_datetime(d["visit_date"]).dt.normalize())
        .drop_duplicates()
        .sort_values(["patient_id", "visit_date"])
    )
    day = days["visit_date"].to_numpy().astype("datetime64[D]").astype("int64")
    pid = days["patient_id"].to_numpy()
    last = np.r_[pid[1:] != pid[:-1], True]
    idx = np.flatnonzero(last)
    ok = idx >= 2
    idx = idx[ok]
    ok = pid[idx - 2] == pid[idx]
    idx = idx[ok]
    t1 = (day[idx - 1] - day[idx - 2]).astype("float64")
    t2 = (day[idx] - day[idx - 1]).astype("float64")
    n = len(idx)
    if n < 2:
        return float("nan"), n
    m = t1 / (t1 + t2)
    var = float(np.var(m, ddof=1))
    if var == 0:
        return float("inf"), n
    return float((1 - 4 * var) / (8 * var)), n

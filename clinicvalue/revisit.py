"""Revisit rates: the share of new patients returning within N days, with Wilson intervals.

Censoring: a patient first seen fewer than N days before ``as_of`` has not had N days to
return, so they are left out of the N-day rate's denominator (and numerator).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from clinicvalue.errors import InputError

__all__ = ["REVISIT_WINDOWS", "days_to_return", "returned_within", "revisit_rates"]

REVISIT_WINDOWS = (30, 90, 180, 365)


def days_to_return(visits: pd.DataFrame, as_of: pd.Timestamp | str) -> pd.DataFrame:
    """Return each patient's first visit, second visit and days between them.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient_id``: ``first_visit``, ``second_visit`` (NaT when none by
        ``as_of``), ``days_to_return`` (NaN when none), ``follow_up_days`` (as_of − first).
    """
    missing = [c for c in ("patient_id", "visit_date") if c not in visits.columns]
    if missing:
        raise InputError(f"visits table lacks required column(s): {', '.join(missing)}")
    as_of = pd.Timestamp(as_of)
    days = visits.loc[visits["visit_date"] <= as_of, ["patient_id", "visit_date"]]
    days = days.drop_duplicates().sort_values(["patient_id", "visit_date"])
    rank = days.groupby("patient_id", sort=False).cumcount()
    first = days[rank == 0].set_index("patient_id")["visit_date"]
    second = days[rank == 1].set_index("patient_id")["visit_date"].reindex(first.index)
    out = pd.DataFrame({"first_visit": first, "second_visit": second})
    out["days_to_return"] = (out["second_visit"] - out["first_visit"]).dt.days.astype("float64")
    out["follow_up_days"] = (as_of - out["first_visit"]).dt.days.astype("int64")
    out.index = out.index.astype("string")
    out.index.name = "patient_id"
    return out


def returned_within(returns: pd.DataFrame, days: int) -> pd.Series:
    """Return per patient whether they came back within ``days``; NA when censored."""
    hit = returns["days_to_return"].le(days)
    out = pd.Series(hit.to_numpy(), index=returns.index, dtype="boolean")
    out[returns["follow_up_days"] < days] = pd.NA
    return out


def revisit_rates(
    returns: pd.DataFrame,
    *,
    groups: pd.Series | None = None,
    windows: tuple[int, ...] = REVISIT_WINDOWS,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Compute revisit rates within each window, with Wilson confidence intervals.

    Parameters
    ----------
    returns
        Output of :func:`days_to_return`.
    groups
        Optional label per patient (indexed by ``patient_id``): first-visit month,
        channel, treatment category or doctor. Without it, one ``"all"`` group.
    windows
        Days to return within.
    alpha
        1 − confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per (group, window): ``group, window_days, eligible, returned, rate,
        ci_low, ci_high``; ``eligible`` counts patients followed for at least the window.
        Every group has a row per window (``eligible`` 0 and NaN rate when nobody was
        followed that long). ``never_returned`` is ``1 − rate``: among patients followed
        for at least the window, the share who did not come back within it.
    """
    if groups is None:
        labels = pd.Series("all", index=returns.index, dtype="string")
    else:
        labels = groups.astype("string").reindex(returns.index).fillna("unknown")
    rows = []
    for window in windows:
        flag = returned_within(returns, window)
        frame = pd.DataFrame({"group": labels, "flag": flag}).dropna(subset=["flag"])
        agg = frame.groupby("group", sort=True)["flag"].agg(["size", "sum"])
        agg.columns = ["eligible", "returned"]
        agg = agg.reindex(sorted(labels.unique()), fill_value=0).rename_axis("group")
        agg["window_days"] = window
        rows.append(agg.reset_index())
    out = pd.concat(rows, ignore_index=True)
    out["eligible"] = out["eligible"].astype("int64")
    out["returned"] = out["returned"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate"] = out["returned"] / out["eligible"].where(out["eligible"] > 0)
    low, high = proportion_confint(
        out["returned"], out["eligible"].clip(lower=1), alpha=alpha, method="wilson"
    )
    out["ci_low"] = np.where(out["eligible"] > 0, low, np.nan)
    out["ci_high"] = np.where(out["eligible"] > 0, high, np.nan)
    out["never_returned"] = 1.0 - out["rate"]
    return out[
        ["group", "window_days", "eligible", "returned", "rate", "ci_low", "ci_high"]
        + ["never_returned"]
    ]

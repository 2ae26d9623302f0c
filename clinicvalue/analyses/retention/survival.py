"""Time to return: Kaplan–Meier of days from the first to the second visit.

Patients who have not returned by ``as_of`` are censored at their follow-up time. The
curve is of the share *not yet returned*; ``P(return by t) = 1 − S(t)``. Fitted with
statsmodels' ``SurvfuncRight``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ReturnCurve", "time_to_return"]

_AT_RISK_DAYS = (0, 90, 180, 365)
_Z95 = 1.959963984540054
_HORIZONS = {"3m": 91, "6m": 182, "12m": 365}


@dataclass(frozen=True)
class ReturnCurve:
    """Kaplan–Meier return curves per group.

    ``curves`` has one row per (group, event time): ``group, days, not_returned,
    ci_low, ci_high`` (pointwise 95 % Greenwood bands, clipped to [0, 1]). ``table`` has
    one row per group:
    ``patients, returned, median_days`` (NaN when not reached), ``p_return_3m/6m/12m`` and
    ``at_risk_0/90/180/365``.
    """

    curves: pd.DataFrame
    table: pd.DataFrame

    def to_metrics(self) -> dict[str, Any]:
        """Return the per-group table as JSON-ready dicts."""
        table = self.table.astype(object).where(self.table.notna(), None)
        return {"time_to_return": table.reset_index().to_dict(orient="records")}


def time_to_return(returns: pd.DataFrame, *, groups: pd.Series | None = None) -> ReturnCurve:
    """Fit Kaplan–Meier curves of time to the second visit.

    Parameters
    ----------
    returns
        Output of :func:`clinicvalue.analyses.retention.revisit.days_to_return`.
    groups
        Optional label per patient (indexed by ``patient_id``); one ``"all"`` group without.
    """
    if groups is None:
        labels = pd.Series("all", index=returns.index, dtype="string")
    else:
        labels = groups.astype("string").reindex(returns.index).fillna("unknown")
    event = returns["days_to_return"].notna()
    time = returns["days_to_return"].fillna(returns["follow_up_days"]).astype("float64")
    from statsmodels.duration.survfunc import SurvfuncRight  # heavy; only here

    curves, rows = [], []
    for name in sorted(labels.unique()):  # one fit per group, not per patient
        mask = (labels == name).to_numpy()
        t, e = time.to_numpy()[mask], event.to_numpy()[mask].astype(int)
        row: dict[str, Any] = {"group": name, "patients": int(mask.sum()), "returned": int(e.sum())}
        if e.sum() == 0:
            row |= {"median_days": np.nan} | {f"p_return_{k}": 0.0 for k in _HORIZONS}
        else:
            sf = SurvfuncRight(t, e)
            half = _Z95 * sf.surv_prob_se  # Greenwood standard errors, pointwise 95 %
            low = np.clip(sf.surv_prob - half, 0.0, 1.0)
            high = np.clip(sf.surv_prob + half, 0.0, 1.0)
            curves.append(
                pd.DataFrame(
                    {
                        "group": name,
                        "days": sf.surv_times,
                        "not_returned": sf.surv_prob,
                        "ci_low": low,
                        "ci_high": high,
                    }
                )
            )
            below = sf.surv_times[sf.surv_prob <= 0.5]
            row["median_days"] = float(below[0]) if len(below) else np.nan
            for key, days in _HORIZONS.items():
                idx = np.searchsorted(sf.surv_times, days, side="right") - 1
                row[f"p_return_{key}"] = 0.0 if idx < 0 else float(1 - sf.surv_prob[idx])
        for days in _AT_RISK_DAYS:
            row[f"at_risk_{days}"] = int((t >= days).sum())
        rows.append(row)
    columns = ["group", "days", "not_returned", "ci_low", "ci_high"]
    curve = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=columns)
    return ReturnCurve(curves=curve, table=pd.DataFrame(rows).set_index("group"))

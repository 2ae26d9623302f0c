"""What retention is worth: margin gained if BG/NBD dropout fell (articles 000, 003).

Definition of "12-month retention" under BG/NBD (Fader, Hardie & Lee 2005): a patient with
visit rate λ ~ Gamma(r, α) and dropout probability p ~ Beta(a, b) drops out after each
repeat visit with probability p, so their death time is exponential with rate λp and

    S(t) = P(still alive t after the start) = E_p[(α / (α + p t))^r].

Retention is ``S(h)`` at ``h`` = 12 months (in the model's time unit). To raise it by
``d`` we scale ``b`` by a factor ``k > 1`` (lower mean dropout ``a/(a+bk)``), found by
root-finding, and recompute expected visits over the horizon with the closed form

    E[X(t)] = (a+b-1)/(a-1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from clinicvalue.analyses.clv.bgnbd import (
    UNITS_PER_MONTH,
    bgnbd_new_patient_alive,
    bgnbd_new_patient_visits,
)
from clinicvalue.errors import InputError, check_option

ASSUMPTIONS = [
    "Retention means the share of patients still active (not dropped out) 12 months after "
    "they start, under the fitted BG/NBD model.",
    "A retention gain comes from a lower dropout probability after each visit; visit "
    "frequency is unchanged.",
    "Every current patient is treated like an average patient at the start of the horizon.",
    "Each extra visit earns the average spend per visit times the clinic's gross margin.",
    "The acquisition comparison assumes each new patient pays a first visit plus the model's "
    "expected repeat visits over the same horizon, at the clinic's CAC.",
]


def _check(params: dict[str, float]) -> tuple[float, float, float, float]:
    missing = [k for k in ("r", "alpha", "a", "b") if k not in params]
    if missing:
        raise InputError(
            f"BG/NBD parameters need r, alpha, a and b; missing {', '.join(missing)}. "
            "Pass ClvModel.params_ from a fitted model."
        )
    r, alpha, a, b = (float(params[k]) for k in ("r", "alpha", "a", "b"))
    if min(r, alpha, a, b) <= 0:
        raise InputError(f"BG/NBD parameters must all be positive; got {params}.")
    if a + b <= 1:
        raise InputError(
            f"BG/NBD parameters need a + b > 1 for the expected-visits formula; got a={a}, b={b}."
        )
    return r, alpha, a, b


@dataclass(frozen=True)
class Uplift:
    """Margin gained by raising 12-month retention, with the acquisition comparison."""

    table: pd.DataFrame
    baseline_retention: float
    baseline_visits: float
    n_patients: int
    spend_per_visit: float
    gross_margin: float
    cac: float
    assumptions: tuple[str, ...]
    skipped: tuple[float, ...] = ()  # gains the clinic cannot reach (retention + gain ≥ 100%)

    def to_metrics(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        rows = self.table.astype(float).replace({np.nan: None}).to_dict("records")
        return {
            "baseline_retention": self.baseline_retention,
            "baseline_visits_per_patient": self.baseline_visits,
            "n_patients": self.n_patients,
            "spend_per_visit": self.spend_per_visit,
            "gross_margin": self.gross_margin,
            "cac": None if np.isnan(self.cac) else self.cac,
            "scenarios": rows,
            "skipped_points": list(self.skipped),
            "assumptions": list(self.assumptions),
        }


#: the largest multiple of the dropout parameter b tried; P(alive) levels off long before
_MAX_SCALE = 2.0**40


def retention_uplift(
    params: dict[str, float],
    *,
    n_patients: int,
    spend_per_visit: float,
    gross_margin: float,
    points: list[float] | tuple[float, ...] = (0.01, 0.05, 0.10),
    cac: float = float("nan"),
    horizon_months: float = 12.0,
    time_unit: str = "W",
) -> Uplift:
    """Value a 1, 5 and 10 point rise in 12-month retention.

    Parameters
    ----------
    params : dict
        Fitted BG/NBD parameters ``{r, alpha, a, b}`` in ``time_unit``.
    n_patients : int
        Current patients the gain applies to.
    spend_per_visit, gross_margin : float
        Average net spend per visit and share kept as margin.
    points : sequence of float
        Retention gains as shares (0.05 = 5 percentage points).
    cac : float
        The clinic's cost to acquire a patient (NaN: acquisition comparison left out).
    horizon_months : float
        Horizon for retention and expected visits.
    time_unit : {"D", "W", "M"}
        Time unit the parameters were fitted in.

    Returns
    -------
    Uplift
        ``table`` has one row per point: ``points, retention, b_scale, extra_visits,
        margin_gained, margin_per_new_patient, new_patients_equivalent, acquisition_cost``.
    """
    check_option("time_unit", time_unit, tuple(UNITS_PER_MONTH))
    r, alpha, a, b = _check(params)
    t = horizon_months * UNITS_PER_MONTH[time_unit]
    base = {"r": r, "alpha": alpha, "a": a, "b": b}

    def alive(scale: float) -> float:
        return bgnbd_new_patient_alive({**base, "b": b * scale}, t)

    base_s = alive(1.0)
    base_x = bgnbd_new_patient_visits(base, t)
    margin_new = (1 + base_x) * spend_per_visit * gross_margin
    rows, skipped = [], []
    for d in points:  # three what-if points, not patients
        target = base_s + d
        if not 0 < d:
            raise InputError(f"a retention gain must be above 0; got {d}")
        if d >= 1 - base_s:  # the clinic cannot gain this much: skip it, say so
            skipped.append(float(d))
            continue
        hi = 2.0
        while hi < _MAX_SCALE and alive(hi) < target:
            hi *= 2
        if not alive(hi) >= target:  # the model cannot reach it (P(alive) levels off): skip
            skipped.append(float(d))
            continue
        k = optimize.brentq(lambda s, g=target: alive(s) - g, 1.0, hi)
        extra = bgnbd_new_patient_visits({**base, "b": b * k}, t) - base_x
        gained = n_patients * extra * spend_per_visit * gross_margin
        equiv = gained / margin_new if margin_new > 0 else float("nan")
        rows.append(
            {
                "points": d,
                "retention": target,
                "b_scale": k,
                "extra_visits": extra,
                "margin_gained": gained,
                "margin_per_new_patient": margin_new,
                "new_patients_equivalent": equiv,
                "acquisition_cost": equiv * cac,
            }
        )
    columns = ["points", "retention", "b_scale", "extra_visits", "margin_gained"]
    columns += ["margin_per_new_patient", "new_patients_equivalent", "acquisition_cost"]
    return Uplift(
        pd.DataFrame(rows, columns=columns),
        base_s,
        base_x,
        int(n_patients),
        float(spend_per_visit),
        float(gross_margin),
        float(cac),
        tuple(ASSUMPTIONS),
        tuple(skipped),
    )

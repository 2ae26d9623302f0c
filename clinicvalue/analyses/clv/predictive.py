"""Predictive intervals of lifetime value: simulated futures of the clinic's own patients.

The parameter interval (:mod:`clinicvalue.analyses.clv.uncertainty`) says how well the
data pin the model down; it is narrow for a large clinic however random its patients are.
A predictive interval says what the patients may actually bring: each simulation draws
the parameters (log-normal around the fit), then for every patient

1. whether they are still a patient: alive with P(alive | x, t_x, T) (FHL 2005, eq. 13);
2. their own visit rate λ ~ Gamma(r + x, α + T) and dropout chance p ~ Beta(a, b + x),
   the posterior given their history and that they are alive;
3. their visits in each of the next ``clv.horizon_months`` months: Poisson(λ · month)
   counts, stopped after the visit they drop out after (a Geometric(p) count of visits);
4. their spend on those visits: the Gamma-Gamma posterior of their mean spend
   ν ~ Gamma(p·x + q, v + x·m), the visits' total ~ Gamma(p · visits, ν) (without a
   spend model: their own average spend per visit);

and values the visits like the lifetime value does (gross margin, discounted monthly).
The interval of a total is the percentiles of the simulated totals. The work grows with
patients × simulations × months; clinics above :data:`MAX_PATIENTS` patients get no
predictive interval (a note says so) rather than a report that takes minutes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from clinicvalue.analyses.clv.bgnbd import (
    UNITS_PER_MONTH,
    bgnbd_p_alive,
    history_columns,
    monetary_column,
    monthly_rate,
)
from clinicvalue.analyses.clv.model import ClvModel
from clinicvalue.analyses.clv.uncertainty import (
    ClvIntervals,
    check_level,
    draw_parameters,
    intervals_from_draws,
    require_bgnbd,
    segment_keys,
)
from clinicvalue.errors import InputError

if TYPE_CHECKING:
    from clinicvalue.profile import ClinicProfile

__all__ = ["MAX_PATIENTS", "predictive_intervals", "simulate_values"]

#: the largest clinic whose futures are simulated
MAX_PATIENTS = 100_000


def simulate_values(
    bg: dict[str, float],
    gg: dict[str, float] | None,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    m: np.ndarray,
    *,
    months: int,
    units_per_month: float,
    monthly_discount_rate: float,
    own_spend: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return one simulated discounted future value (revenue) per patient.

    ``own_spend`` is each patient's expected spend per visit, used when ``gg`` is None.
    """
    n = len(x)
    alive = rng.random(n) < bgnbd_p_alive(bg, x, t_x, T)
    lam = rng.gamma(bg["r"] + x, 1.0 / (bg["alpha"] + T))
    drop = rng.beta(bg["a"], bg["b"] + x)
    left = rng.geometric(np.clip(drop, 1e-12, 1.0))  # visits until the one they drop after
    counts = rng.poisson(lam[:, None] * units_per_month, size=(n, months))
    done = np.minimum(np.cumsum(counts, axis=1), left[:, None]) * alive[:, None]
    per_month = np.diff(done, axis=1, prepend=0)
    disc = (1.0 + monthly_discount_rate) ** -np.arange(1, months + 1, dtype="float64")
    visits = done[:, -1].astype("float64")
    weighted = per_month @ disc  # discounted visit count
    if gg is None:
        return weighted * own_spend
    p, q, v = (gg[k] for k in ("p", "q", "v"))
    mm = np.maximum(m, 0.0)
    nu = rng.gamma(p * x + q, 1.0 / (v + x * mm))
    total = rng.gamma(np.maximum(p * visits, 1e-300), 1.0 / nu) * (visits > 0)
    mean = np.divide(total, visits, out=np.zeros(n), where=visits > 0)
    return weighted * mean


def predictive_intervals(
    model: ClvModel,
    summary: pd.DataFrame,
    profile: ClinicProfile,
    *,
    segments: pd.Series | None = None,
    level: float = 0.90,
    parameters: bool = True,
    estimate: pd.Series | None = None,
) -> ClvIntervals:
    """Return predictive intervals of total and per-segment lifetime value (gross margin).

    Parameters
    ----------
    model
        A fitted :class:`ClvModel`.
    summary
        The summary it scores.
    profile
        ``clv.horizon_months``, ``annual_discount_rate``, ``bootstrap_draws`` (the number
        of simulations), ``seed`` and ``clinic.gross_margin``.
    segments
        Segment key per patient (indexed like ``summary``); one ``all`` segment if omitted.
    level
        Central interval coverage.
    parameters
        Draw the parameters too (the default); off, the fitted values are taken as known.
    estimate
        The patients' lifetime value (``ClvModel.predict``'s ``clv``), when already
        computed; predicted here otherwise.
    """
    require_bgnbd(model)
    check_level(level)
    c = profile.clv
    x, t_x, T = history_columns(summary)
    m = monetary_column(summary)
    if m is None:
        raise InputError("summary lacks column ['monetary']")
    n = len(x)
    if n > MAX_PATIENTS:
        raise InputError(
            f"predictive intervals are simulated for clinics of up to {MAX_PATIENTS:,} "
            f"patients; this one has {n:,}"
        )
    own = model.expected_spend(summary).to_numpy()
    codes, labels = pd.factorize(segment_keys(summary, segments).to_numpy(), sort=True)
    sims = max(int(c.bootstrap_draws), 2)
    rng = np.random.default_rng(c.seed + 1)
    if parameters:
        bgs, ggs = draw_parameters(model, sims, rng)
    else:
        bgs, ggs = [model.params_] * sims, [model.gg_params_] * sims
    gm, d = profile.clinic.gross_margin, monthly_rate(c.annual_discount_rate)
    units = UNITS_PER_MONTH[model.time_unit]
    out = np.empty((sims, len(labels)))
    for j in range(sims):
        value = simulate_values(
            bgs[j], ggs[j], x, t_x, T, m,
            months=c.horizon_months, units_per_month=units, monthly_discount_rate=d,
            own_spend=own, rng=rng,
        )  # fmt: skip
        out[j] = np.bincount(codes, weights=value * gm, minlength=len(labels))
    if estimate is None:
        estimate = model.predict(summary, profile)["clv"]
    values = estimate.reindex(summary.index).to_numpy(dtype="float64")
    point = np.bincount(codes, weights=values, minlength=len(labels))
    patients = np.bincount(codes, minlength=len(labels))
    return intervals_from_draws(out, point, patients, labels, level)

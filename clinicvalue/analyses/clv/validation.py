"""Validate the lifetime-value model: calibration/holdout and assumption checks (issue 4).

``validate`` refits :class:`~clinicvalue.analyses.clv.model.ClvModel` on visits up to
``as_of − clv.holdout_months`` and compares predictions with the holdout months:
per-patient MAE/RMSE, aggregate error, actual vs predicted by calibration frequency,
the period-transactions check (seeded BG/NBD simulation of repeat counts vs actual),
cumulative repeat-visit tracking by week (FHL 2005, Fig. 4 style: unconditional
expectation by each patient's first-visit day), the frequency/recency P(alive)
matrix, the Gamma-Gamma independence check and Wheat–Morrison regularity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import hyp2f1

from clinicvalue.analyses.clv.bgnbd import bgnbd_p_alive
from clinicvalue.analyses.clv.blas import one_blas_thread
from clinicvalue.analyses.clv.model import ClvModel
from clinicvalue.analyses.clv.regularity import regularity_from_gaps, wheat_morrison
from clinicvalue.summarize.external import ExternalVisits
from clinicvalue.summarize.summary import (
    UNIT_DAYS,
    calibration_holdout,
    holdout_split,
    repeat_visits_by_day,
)

if TYPE_CHECKING:
    from clinicvalue.profile import ClinicProfile

MAX_BUCKET = 7  # repeat-count buckets 0..6 and "7+"


@dataclass(frozen=True, eq=False)
class ClvValidation:
    """Holdout accuracy and assumption checks of the CLV model."""

    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    n_patients: int
    actual_total: float
    predicted_total: float
    aggregate_error: float
    mae: float
    rmse: float
    by_frequency: pd.DataFrame
    period_transactions: pd.DataFrame
    cumulative: pd.DataFrame
    p_alive_matrix: pd.DataFrame
    gg_correlation: float
    regularity_k: float
    regularity_n: int
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_metrics(self) -> dict:
        """Return the scalar results (and the small tables as records) JSON-ready."""

        def num(x: float) -> float | None:
            return float(x) if np.isfinite(x) else None

        return {
            "calibration_end": f"{self.calibration_end:%Y-%m-%d}",
            "observation_end": f"{self.observation_end:%Y-%m-%d}",
            "n_patients": self.n_patients,
            "actual_total": num(self.actual_total),
            "predicted_total": num(self.predicted_total),
            "aggregate_error": num(self.aggregate_error),
            "mae": num(self.mae),
            "rmse": num(self.rmse),
            "by_frequency": self.by_frequency.reset_index().to_dict("records"),
            "period_transactions": self.period_transactions.reset_index().to_dict("records"),
            "gg_correlation": num(self.gg_correlation),
            "regularity_k": num(self.regularity_k),
            "regularity_n": self.regularity_n,
            "warnings": list(self.warnings),
        }


def unconditional_expected(params: dict[str, float], t) -> np.ndarray:
    """Return E[X(t)], expected repeat visits in ``t`` units after a first visit (FHL eq. 9)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    t = np.asarray(t, dtype="float64")
    hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)


def simulate_repeat_counts(params: dict[str, float], T: np.ndarray, *, seed: int) -> np.ndarray:
    """Draw repeat-visit counts in (0, T] under BG/NBD, seeded.

    Each patient draws λ ~ Gamma(r, 1/α) and p ~ Beta(a, b); visits arrive as Poisson(λ)
    and after each repeat visit the patient drops out with probability p, so the count is
    ``min(Poisson(λT), Geometric(p))``.
    """
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype="float64")
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], size=T.shape)
    p = np.clip(rng.beta(params["a"], params["b"], size=T.shape), 1e-12, 1.0)
    n = rng.poisson(lam * T)
    j = rng.geometric(p)
    return np.minimum(n, j)


def _bucket(x: pd.Series | np.ndarray) -> np.ndarray:
    return np.minimum(np.asarray(x, dtype="int64"), MAX_BUCKET)


def _p_alive_matrix(params: dict[str, float], T: float, max_freq: int) -> pd.DataFrame:
    freqs = np.arange(0, max_freq + 1)
    recs = np.linspace(0, T, 21)
    x, tx = np.meshgrid(freqs, recs, indexing="ij")
    tx = np.where(x == 0, 0.0, tx)
    pa = bgnbd_p_alive(params, x, tx, np.full_like(tx, T))
    out = pd.DataFrame(pa, index=pd.Index(freqs, name="frequency"), columns=np.round(recs, 2))
    out.columns.name = "recency"
    return out


@one_blas_thread
def validate(
    visits: pd.DataFrame | ExternalVisits,
    as_of: str | pd.Timestamp,
    profile: ClinicProfile,
    *,
    holdout_months: int | None = None,
    features: pd.DataFrame | None = None,
) -> ClvValidation:
    """Fit on the calibration period and check predictions against the holdout.

    Parameters
    ----------
    visits
        Canonical visits (``patient_id``, ``visit_date``, ``amount``, …).
    as_of
        End of the observation (holdout) period.
    profile
        Clinic profile; uses ``clv`` (time unit, thresholds, seed) settings.
    holdout_months
        Holdout length; ``profile.clv.holdout_months`` by default.
    features
        The patient features as of ``as_of``
        (:func:`~clinicvalue.summarize.features.patient_features`), when already made:
        the regularity check reads their last two gaps instead of the visits.

    Returns
    -------
    ClvValidation
    """
    c = profile.clv
    months = c.holdout_months if holdout_months is None else holdout_months
    cal_end, obs_end = holdout_split(visits, as_of, months)
    unit = c.time_unit
    ch = calibration_holdout(visits, cal_end, obs_end, time_unit=unit)
    cal = ch.rename(columns=lambda s: s.removesuffix("_cal"))
    model = ClvModel(time_unit=unit, penalizer=c.penalizer).fit(cal)
    duration = float(ch["duration_holdout"].iloc[0])
    pred = model.expected_visits(cal, duration).to_numpy()
    actual = ch["frequency_holdout"].to_numpy(dtype="float64")
    err = pred - actual
    actual_total = float(actual.sum())
    predicted_total = float(pred.sum())
    agg = (predicted_total - actual_total) / actual_total if actual_total > 0 else float("nan")

    freq_b = _bucket(cal["frequency"])
    by_freq = (
        pd.DataFrame({"frequency": freq_b, "actual": actual, "predicted": pred})
        .groupby("frequency")
        .agg(
            patients=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
        )
    )

    sim = simulate_repeat_counts(model.params_, cal["T"].to_numpy(), seed=c.seed)
    buckets = pd.Index(range(MAX_BUCKET + 1), name="repeat_visits")
    period = pd.DataFrame(
        {
            "actual": pd.Series(freq_b).value_counts().reindex(buckets, fill_value=0),
            "model": pd.Series(_bucket(sim)).value_counts().reindex(buckets, fill_value=0),
        }
    )

    cumulative = _cumulative(visits, ch, model.params_, cal_end, obs_end, unit)
    rep = cal.loc[cal["frequency"] > 0, ["frequency", "monetary"]]
    corr = float(rep["frequency"].corr(rep["monetary"])) if len(rep) > 2 else float("nan")
    if features is None:
        k, k_n = wheat_morrison(visits, obs_end)
    else:
        k, k_n = regularity_from_gaps(features["gap_earlier_days"], features["gap_last_days"])

    warns = []
    if np.isfinite(corr) and abs(corr) > c.gg_correlation_warning:
        warns.append(
            f"gg_correlation: visits and mean spend correlate ({corr:.2f} > "
            f"{c.gg_correlation_warning}); Gamma-Gamma spend estimates may be biased"
        )
    if np.isfinite(k) and k > c.regularity_warning or k == float("inf"):
        warns.append(
            f"regularity: inter-visit times are regular (Wheat–Morrison k = {k:.2f} > "
            f"{c.regularity_warning}); BG/NBD may misjudge which patients are still active"
        )
    return ClvValidation(
        calibration_end=cal_end,
        observation_end=obs_end,
        n_patients=len(cal),
        actual_total=actual_total,
        predicted_total=predicted_total,
        aggregate_error=agg,
        mae=float(np.mean(np.abs(err))),
        rmse=float(np.sqrt(np.mean(err**2))),
        by_frequency=by_freq,
        period_transactions=period,
        cumulative=cumulative,
        p_alive_matrix=_p_alive_matrix(
            model.params_, float(cal["T"].max()), int(min(cal["frequency"].max(), 30))
        ),
        gg_correlation=corr,
        regularity_k=k,
        regularity_n=k_n,
        warnings=tuple(warns),
    )


def _cumulative(
    visits: pd.DataFrame | ExternalVisits,
    ch: pd.DataFrame,
    params: dict[str, float],
    cal_end: pd.Timestamp,
    obs_end: pd.Timestamp,
    unit: str,
) -> pd.DataFrame:
    """Weekly cumulative repeat visits of the calibration cohort: actual vs expected."""
    start = ch["first_visit_cal"].min()
    weeks = pd.date_range(start + pd.Timedelta(days=7), obs_end + pd.Timedelta(days=6), freq="7D")
    repeats = repeat_visits_by_day(visits, cal_end, obs_end)
    upto = np.concatenate([[0], np.cumsum(repeats.to_numpy())])  # repeats on or before a day
    actual = upto[np.searchsorted(repeats.index.to_numpy(), weeks.to_numpy(), side="right")]
    births = ch["first_visit_cal"].value_counts()
    per_unit = UNIT_DAYS[unit]
    age = (weeks.to_numpy()[:, None] - births.index.to_numpy()[None, :]) / np.timedelta64(1, "D")
    age = np.clip(age, 0, None) / per_unit
    expected = unconditional_expected(params, age) @ births.to_numpy(dtype="float64")
    out = pd.DataFrame(
        {"actual": actual.astype("float64"), "expected": expected},
        index=pd.Index(weeks, name="week_end"),
    )
    out["holdout"] = out.index > cal_end
    return out.loc[out.index <= obs_end + pd.Timedelta(days=6)]


__all__ = [
    "ClvValidation",
    "simulate_repeat_counts",
    "unconditional_expected",
    "validate",
]

"""Uncertainty of lifetime value: parameter intervals and CLV intervals (issue 4).

Parameter covariance is the inverse Hessian of the total negative log-likelihood in the
log-parameters (central differences of the kit's analytic gradient at the optimum, equal
to lifetimes' autograd Hessian to 1e-3; see :func:`clinicvalue.analyses.clv.model._log_covariance`).
CLV intervals draw ``clv.bootstrap_draws``
parameter vectors from the multivariate normal of the log-parameters (so every draw is
positive; seeded with ``clv.seed``), BG/NBD and Gamma-Gamma independently, recompute
every patient's CLV per draw and take percentiles of total and per-segment sums. A
Gamma-Gamma draw with ``q ≤ 1`` has no finite mean spend and is redrawn, so no bound of
a lifetime value is negative. Only parameter uncertainty is covered — not the patients'
own randomness. Patients with
identical (frequency, recency, T, monetary, segment) are computed once and weighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from clinicvalue.analyses.clv.bgnbd import clv_closed_form, gg_expected, monthly_rate
from clinicvalue.analyses.clv.blas import one_blas_thread
from clinicvalue.analyses.clv.model import ClvModel
from clinicvalue.errors import InputError

if TYPE_CHECKING:
    from clinicvalue.profile import ClinicProfile


def require_bgnbd(model: ClvModel) -> None:
    """Refuse a model whose patients are not scored by one BG/NBD: its draws are BG/NBD's.

    Raises
    ------
    InputError
        When the visit model is Pareto/NBD, MBG/CNBD-k or fitted per group.
    """
    model._check_fitted()
    if not model.plain_bgnbd:
        raise InputError(
            "intervals are drawn for BG/NBD only; this model scores patients with "
            f"{model.visit_model_}{' per group' if model.by_group_ else ''} "
            '(fit ClvModel(model="bgnbd") for intervals)'
        )


def parameter_intervals(model: ClvModel, *, level: float = 0.95) -> pd.DataFrame:
    """Return estimate, lower and upper (log-normal) for each model parameter."""
    from scipy.stats import norm

    model._check_fitted()
    z = float(norm.ppf(0.5 + level / 2))
    rows = []
    for params, cov, name in (
        (model.params_, model.log_cov_, "bgnbd"),
        (model.gg_params_, model.gg_log_cov_, "gamma_gamma"),
    ):
        if params is None:
            continue
        sd = np.sqrt(np.diag(cov))
        for i, (k, v) in enumerate(params.items()):
            rows.append((name, k, v, v * np.exp(-z * sd[i]), v * np.exp(z * sd[i])))
    return pd.DataFrame(rows, columns=["model", "param", "estimate", "lower", "upper"]).set_index(
        ["model", "param"]
    )


@dataclass(frozen=True, eq=False)
class ClvIntervals:
    """Total and per-segment CLV with percentile intervals over ``draws`` simulations.

    The simulations are parameter draws (:func:`clv_intervals`) or simulated futures of
    the patients (:func:`clinicvalue.analyses.clv.predictive.predictive_intervals`).
    """

    level: float
    draws: int
    total: dict[str, float]
    by_segment: pd.DataFrame  # index segment; columns estimate, lower, upper, patients

    def to_metrics(self) -> dict:
        """Return JSON-ready intervals."""
        return {
            "level": self.level,
            "draws": self.draws,
            "total": dict(self.total),
            "by_segment": {
                str(k): {c: float(v) for c, v in row.items()}
                for k, row in self.by_segment.iterrows()
            },
        }


def undetermined(model: ClvModel, max_factor: float, *, level: float = 0.95) -> str | None:
    """Return why the data do not pin the model's parameters down, or ``None`` if they do.

    Checked are the models that score the patients: BG/NBD when it is the visit model,
    and Gamma-Gamma. A parameter is undetermined when its variance is not finite (a fit
    at a boundary, a singular Hessian) or its ``level`` interval spans more than
    ``max_factor`` from lower to upper bound. Intervals built on such a fit would mean
    nothing, so none are shown.
    """
    from scipy.stats import norm

    model._check_fitted()
    z = float(norm.ppf(0.5 + level / 2))
    checked = [(model.gg_params_, model.gg_log_cov_)]
    if model.plain_bgnbd:  # BG/NBD's parameters matter only when it scores the patients
        checked.insert(0, (model.params_, model.log_cov_))
    for params, cov in checked:
        if params is None:
            continue
        if cov is None or not np.all(np.isfinite(cov)):
            return "the fitted model has no finite standard errors"
        sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        for name, s in zip(params, sd, strict=True):
            if np.exp(2 * z * s) > max_factor:
                return f"parameter {name} is not determined by the data"
    return None


def _draw(
    params: dict[str, float],
    cov: np.ndarray,
    n: int,
    rng,
    *,
    valid: Any = None,
) -> list[dict[str, float]]:
    """Draw ``n`` parameter vectors from the log-normal; ``valid`` rejects unusable ones."""
    if not np.all(np.isfinite(cov)):
        raise InputError(
            "the fitted model has no usable variance matrix (singular Hessian); "
            "CLV intervals need more patients or a small clv.penalizer"
        )
    mean = np.log(np.array(list(params.values())))
    keep: list[dict[str, float]] = []
    for _ in range(20):
        logs = rng.multivariate_normal(mean, cov, size=n, method="cholesky")
        rows = [dict(zip(params, np.exp(row), strict=True)) for row in logs]
        keep += [r for r in rows if valid is None or valid(r)]
        if len(keep) >= n:
            return keep[:n]
    raise InputError("the model's parameters are too uncertain to draw intervals from")


def draw_parameters(
    model: ClvModel, n: int, rng: np.random.Generator
) -> tuple[list[dict[str, float]], list[dict[str, float] | None]]:
    """Draw ``n`` BG/NBD and ``n`` Gamma-Gamma parameter vectors around the fit.

    Gamma-Gamma draws without a finite mean spend (q ≤ 1) are redrawn; without a spend
    model the Gamma-Gamma list holds ``None``.
    """
    bg = _draw(model.params_, model.log_cov_, n, rng)
    gg: list[dict[str, float] | None] = (
        list(_draw(model.gg_params_, model.gg_log_cov_, n, rng, valid=_gg_has_mean))
        if model.gg_params_ is not None and model.gg_log_cov_ is not None
        else [None] * n
    )
    return bg, gg


def _gg_has_mean(params: dict[str, float]) -> bool:
    """Return whether a Gamma-Gamma draw has a finite mean spend (q > 1)."""
    return params["q"] > 1


def segment_keys(summary: pd.DataFrame, segments: pd.Series | None) -> pd.Series:
    """Return each summary row's segment key (``all`` without segments, ``unknown`` if none)."""
    if segments is None:
        return pd.Series("all", index=summary.index)
    return segments.reindex(summary.index).astype("string").fillna("unknown")


def check_level(level: float) -> None:
    """Raise unless ``level`` is a central coverage strictly between 0 and 1."""
    if not 0 < level < 1:
        raise InputError(f"interval level must be between 0 and 1; got {level}")


def intervals_from_draws(
    sims: np.ndarray, point: np.ndarray, patients: np.ndarray, labels: Any, level: float
) -> ClvIntervals:
    """Return the ``level`` percentile intervals of simulated per-segment totals.

    ``sims`` holds one row per simulation and one column per segment (``labels``);
    ``point`` and ``patients`` are the segments' estimates and sizes.
    """
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    by_seg = pd.DataFrame(
        {
            "estimate": point,
            "lower": np.percentile(sims, lo, axis=0),
            "upper": np.percentile(sims, hi, axis=0),
            "patients": patients.astype(float),
        },
        index=pd.Index(np.asarray(labels).astype(str), name="segment"),
    )
    tot = sims.sum(axis=1)
    total = {
        "estimate": float(point.sum()),
        "lower": float(np.percentile(tot, lo)),
        "upper": float(np.percentile(tot, hi)),
    }
    return ClvIntervals(level=level, draws=len(sims), total=total, by_segment=by_seg)


@one_blas_thread
def clv_intervals(
    model: ClvModel,
    summary: pd.DataFrame,
    profile: ClinicProfile,
    *,
    segments: pd.Series | None = None,
    level: float = 0.90,
    margin: bool = False,
) -> ClvIntervals:
    """Return CLV intervals for the total and for each segment by parameter draws.

    Parameters
    ----------
    model
        A fitted :class:`ClvModel`.
    summary
        The summary it scores (``frequency, recency, T, monetary``).
    profile
        Uses ``clv.horizon_months``, ``annual_discount_rate``, ``bootstrap_draws``,
        ``seed`` and (with ``margin``) ``clinic.gross_margin``.
    segments
        Segment key per patient (indexed like ``summary``); one ``all`` segment if omitted.
    level
        Central interval coverage, e.g. 0.90 for the 5th–95th percentiles.
    margin
        Multiply by the gross margin.
    """
    require_bgnbd(model)
    check_level(level)
    c = profile.clv
    if c.bootstrap_draws < 2:
        raise InputError(f"clv.bootstrap_draws must be at least 2; got {c.bootstrap_draws}")
    seg = segment_keys(summary, segments)
    keys = ["frequency", "recency", "T", "monetary"]
    frame = summary[keys].assign(segment=seg.to_numpy())
    uniq = frame.groupby(keys + ["segment"], sort=False).size().rename("n").reset_index()
    x, tx, T, m = (uniq[k].to_numpy(dtype="float64") for k in keys)
    w = uniq["n"].to_numpy(dtype="float64")
    codes, labels = pd.factorize(uniq["segment"], sort=True)
    scale = profile.clinic.gross_margin if margin else 1.0
    d = monthly_rate(c.annual_discount_rate)

    def per_segment(bg: dict[str, float], gg: dict[str, float] | None) -> np.ndarray:
        spend = (
            gg_expected(gg, x, m)
            if gg is not None
            else np.where(x > 0, np.maximum(m, 0.0), model.mean_spend_)
        )
        v = clv_closed_form(
            bg,
            x,
            tx,
            T,
            spend,
            months=c.horizon_months,
            monthly_discount_rate=d,
            time_unit=model.time_unit,
        )
        return np.bincount(codes, weights=v * w * scale, minlength=len(labels))

    rng = np.random.default_rng(c.seed)
    bg_draws, gg_draws = draw_parameters(model, c.bootstrap_draws, rng)
    sims = np.array([per_segment(b, g) for b, g in zip(bg_draws, gg_draws, strict=True)])
    point = per_segment(model.params_, model.gg_params_)
    patients = np.bincount(codes, weights=w, minlength=len(labels))
    return intervals_from_draws(sims, point, patients, labels, level)

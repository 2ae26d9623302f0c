"""Lifetime value: BG/NBD visit model + Gamma-Gamma spend model (issue 4).

This is the only module that imports ``lifetimes`` (0.11.3, archived). Only its two
fitters are used, on sufficient statistics: patients with identical
``(frequency, recency, T)`` collapse to one weighted row (Fader & Hardie's
condensed likelihood), and repeat patients with identical ``(frequency, monetary)``
likewise for Gamma-Gamma. Predictions use the published closed forms in numpy
(Fader, Hardie & Lee 2005, eq. 10 and the P(alive) formula; Fader, Hardie & Lee
2005b for Gamma-Gamma), equal to lifetimes' own methods for the same parameters.

Fallback without Gamma-Gamma: when fewer than two distinct repeat-spend histories
exist, ``gg_params_`` is ``None`` and expected spend per visit is each patient's mean
spend (or the clinic mean for one-visit patients); ``to_metrics`` records this.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import hyp2f1

from clinicvalue.errors import ConvergenceError, InputError, NotFittedError, check_option

if TYPE_CHECKING:
    from clinicvalue.data import ClinicData
    from clinicvalue.profile import ClinicProfile

TIME_UNITS = ("D", "W", "M")
# lifetimes' customer_lifetime_value: time units per month.
UNITS_PER_MONTH = {"W": 4.345, "M": 1.0, "D": 30.0}
LADDER: tuple[tuple[str, float, float], ...] = (
    ("default", 1e-7, 0.0),
    ("loose_tolerance", 1e-5, 0.0),
    ("penalizer=0.001", 1e-6, 0.001),
    ("penalizer=0.01", 1e-6, 0.01),
    ("penalizer=0.1", 1e-6, 0.1),
)
SCORE_COLUMNS = (
    "p_alive",
    "exp_visits_3m",
    "exp_visits_6m",
    "exp_visits_12m",
    "exp_spend",
    "clv",
    "clv_margin",
)
_NO_REPEAT = (
    "no patient has a repeat visit yet; lifetime value needs patients seen on at least "
    "two different days — use a longer visit history or an earlier start date"
)


def _xrt(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    missing = {"frequency", "recency", "T"} - set(summary.columns)
    if missing:
        raise InputError(
            f"summary lacks column(s) {sorted(missing)}; build it with clinicvalue.summarize"
        )
    return (
        summary["frequency"].to_numpy(dtype="float64"),
        summary["recency"].to_numpy(dtype="float64"),
        summary["T"].to_numpy(dtype="float64"),
    )


def bgnbd_p_alive(params: dict[str, float], x, t_x, T) -> np.ndarray:
    """Return P(alive | x, t_x, T) under BG/NBD (FHL 2005, eq. 13)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_ratio = (
            np.log(a)
            - np.log(np.maximum(b + x - 1, 1e-300))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
        out = 1.0 / (1.0 + np.exp(log_ratio))
    return np.where(x > 0, out, 1.0)


def bgnbd_expected(params: dict[str, float], t, x, t_x, T) -> np.ndarray:
    """Return E[Y(t) | x, t_x, T], expected visits in the next ``t`` units (FHL 2005, eq. 10)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    t = np.asarray(t, dtype="float64")
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    first = (a + b + x - 1) / (a - 1)
    second = 1 - hyp * ((alpha + T) / (alpha + t + T)) ** (r + x)
    return first * second * bgnbd_p_alive(params, x, t_x, T)


def gg_expected(params: dict[str, float], x, m) -> np.ndarray:
    """Return Gamma-Gamma E[spend per visit | x, m] (zero repeats → population mean)."""
    p, q, v = (params[k] for k in ("p", "q", "v"))
    x = np.asarray(x, dtype="float64")
    m = np.asarray(m, dtype="float64")
    pop = v * p / (q - 1)
    w = p * x / (p * x + q - 1)
    return (1 - w) * pop + w * np.where(x > 0, m, 0.0)


def monthly_rate(annual_discount_rate: float) -> float:
    """Convert an annual discount rate to the equivalent monthly one."""
    return (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0


def clv_closed_form(
    params: dict[str, float],
    x,
    t_x,
    T,
    spend,
    *,
    months: int,
    monthly_discount_rate: float,
    time_unit: str,
) -> np.ndarray:
    """Sum monthly expected visits × spend discounted by (1+d)^month, as lifetimes does."""
    factor = UNITS_PER_MONTH[time_unit]
    total = np.zeros(np.shape(x), dtype="float64")
    prev = np.zeros_like(total)
    for month in range(1, months + 1):
        cum = bgnbd_expected(params, month * factor, x, t_x, T)
        total += np.asarray(spend) * (cum - prev) / (1 + monthly_discount_rate) ** month
        prev = cum
    return total


def _condense(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.groupby(keys, sort=True).size().rename("weights").reset_index()


def _params_ok(params: dict[str, float]) -> bool:
    vals = np.array(list(params.values()), dtype="float64")
    if not np.all(np.isfinite(vals)) or np.any(vals <= 0) or np.any(vals > 1e8):
        return False
    return True


def _log_covariance(fitter, k: int) -> np.ndarray:
    """Covariance of the log-parameters: inverse Hessian of the total negative log-likelihood.

    lifetimes optimises the *mean* NLL over log-parameters and keeps its autograd Hessian
    (``_hessian_``); dividing its inverse by the patient count gives the total-NLL one.
    """
    try:
        h = np.asarray(fitter._hessian_, dtype="float64")
        cov = np.linalg.inv(h) / float(np.sum(fitter.data["weights"]))
    except Exception:
        return np.full((k, k), np.nan)
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
        return np.full((k, k), np.nan)
    return (cov + cov.T) / 2


@dataclass(frozen=True)
class _Fit:
    params: dict[str, float]
    log_cov: np.ndarray
    step: str


def _run_ladder(kind: str, table: pd.DataFrame, penalizer: float) -> _Fit:
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    names = ("r", "alpha", "a", "b") if kind == "bgnbd" else ("p", "q", "v")
    tried = []
    for step, tol, extra in LADDER:
        pen = max(penalizer, extra)
        label = step if penalizer == 0 or extra == 0 else f"penalizer={pen:g}"
        try:
            # lifetimes prints the optimiser's report on failure: keep it off the console
            with (
                warnings.catch_warnings(),
                np.errstate(all="ignore"),
                contextlib.redirect_stdout(io.StringIO()),
            ):
                warnings.simplefilter("ignore")
                if kind == "bgnbd":
                    fitter = BetaGeoFitter(penalizer_coef=pen)
                    fitter.fit(
                        table["frequency"],
                        table["recency"],
                        table["T"],
                        weights=table["weights"],
                        tol=tol,
                    )
                else:
                    fitter = GammaGammaFitter(penalizer_coef=pen)
                    fitter.fit(
                        table["frequency"], table["monetary"], weights=table["weights"], tol=tol
                    )
            params = {k: float(fitter.params_[k]) for k in names}
        except Exception as exc:  # lifetimes raises its own ConvergenceError, or numpy errors
            tried.append(f"{label}: {type(exc).__name__}")
            continue
        if not _params_ok(params):
            tried.append(f"{label}: degenerate parameters")
            continue
        return _Fit(params, _log_covariance(fitter, len(names)), label)
    model = "BG/NBD" if kind == "bgnbd" else "Gamma-Gamma"
    raise ConvergenceError(
        f"the {model} fit failed on every step ({'; '.join(tried)}); try a longer history, "
        "set clv.penalizer (e.g. 0.01) in the clinic profile, or check for duplicated visits"
    )


class ClvModel:
    """BG/NBD visit model with Gamma-Gamma spend, fitted on condensed summaries.

    Parameters
    ----------
    time_unit
        ``"D"``, ``"W"`` or ``"M"``: the unit of the summary's ``recency`` and ``T``.
    penalizer
        L2 penalizer for both fits (the retry ladder may raise it).
    """

    def __init__(self, *, time_unit: str = "W", penalizer: float = 0.0) -> None:
        self.time_unit = time_unit
        self.penalizer = penalizer

    # -- fitting -----------------------------------------------------------------
    def fit(self, summary: pd.DataFrame) -> ClvModel:
        """Fit BG/NBD and Gamma-Gamma on a ``summarize`` frame; return self."""
        check_option("time_unit", self.time_unit, TIME_UNITS)
        if self.penalizer < 0:
            raise InputError(f"penalizer must be ≥ 0; got {self.penalizer}")
        x, t_x, T = _xrt(summary)
        if len(x) == 0:
            raise InputError("the summary has no patients; check the visits and the as-of date")
        if not np.any(x > 0):
            raise ConvergenceError(_NO_REPEAT)
        table = _condense(summary[["frequency", "recency", "T"]], ["frequency", "recency", "T"])
        bg = _run_ladder("bgnbd", table, self.penalizer)
        self.params_ = bg.params
        self.log_cov_ = bg.log_cov
        self.fit_step_ = bg.step
        self.n_patients_ = len(x)
        self.n_histories_ = len(table)
        rep = summary.loc[summary["frequency"] > 0, ["frequency", "monetary"]]
        rep = rep[rep["monetary"] > 0]
        self.n_repeat_ = int((x > 0).sum())
        self.mean_spend_ = float(summary["monetary"].where(summary["frequency"] > 0).mean())
        if not np.isfinite(self.mean_spend_):
            self.mean_spend_ = 0.0
        self.gg_params_: dict[str, float] | None = None
        self.gg_log_cov_: np.ndarray | None = None
        self.gg_step_: str | None = None
        gg_table = _condense(rep, ["frequency", "monetary"])
        if len(gg_table) >= 2:
            gg = _run_ladder("gg", gg_table, self.penalizer)
            if gg.params["q"] > 1:
                self.gg_params_, self.gg_log_cov_, self.gg_step_ = gg.params, gg.log_cov, gg.step
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError("ClvModel is not fitted yet; call ClvModel.fit(summary) first")

    # -- predictions ---------------------------------------------------------------
    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Return the probability each patient is still active."""
        self._check_fitted()
        x, t_x, T = _xrt(summary)
        return pd.Series(
            bgnbd_p_alive(self.params_, x, t_x, T), index=summary.index, name="p_alive"
        )

    def expected_visits(self, summary: pd.DataFrame, periods: float) -> pd.Series:
        """Return expected visits in the next ``periods`` time units."""
        self._check_fitted()
        x, t_x, T = _xrt(summary)
        out = bgnbd_expected(self.params_, periods, x, t_x, T)
        return pd.Series(out, index=summary.index, name="expected_visits")

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Return the conditional expected spend per visit (Gamma-Gamma, or the fallback)."""
        self._check_fitted()
        x = summary["frequency"].to_numpy(dtype="float64")
        m = summary["monetary"].to_numpy(dtype="float64")
        if self.gg_params_ is not None:
            out = gg_expected(self.gg_params_, x, m)
        else:
            out = np.where(x > 0, m, self.mean_spend_)
        return pd.Series(out, index=summary.index, name="exp_spend")

    def clv(
        self,
        summary: pd.DataFrame,
        *,
        months: int,
        annual_discount_rate: float,
        margin: float = 1.0,
    ) -> pd.Series:
        """Return discounted lifetime value over ``months`` (times ``margin``)."""
        self._check_fitted()
        if months < 1:
            raise InputError(f"CLV horizon must be at least 1 month; got {months}")
        x, t_x, T = _xrt(summary)
        spend = self.expected_spend(summary).to_numpy()
        out = clv_closed_form(
            self.params_,
            x,
            t_x,
            T,
            spend,
            months=months,
            monthly_discount_rate=monthly_rate(annual_discount_rate),
            time_unit=self.time_unit,
        )
        return pd.Series(out * margin, index=summary.index, name="clv")

    def predict(self, summary: pd.DataFrame, profile: ClinicProfile) -> pd.DataFrame:
        """Return the per-patient score columns (``SCORE_COLUMNS``)."""
        self._check_fitted()
        c = profile.clv
        per_month = UNITS_PER_MONTH[self.time_unit]
        out = pd.DataFrame(index=summary.index)
        out["p_alive"] = self.p_alive(summary)
        for mths in (3, 6, 12):
            out[f"exp_visits_{mths}m"] = self.expected_visits(summary, mths * per_month)
        out["exp_spend"] = self.expected_spend(summary)
        out["clv"] = self.clv(
            summary, months=c.horizon_months, annual_discount_rate=c.annual_discount_rate
        )
        out["clv_margin"] = out["clv"] * profile.clinic.gross_margin
        return out

    def to_metrics(self) -> dict:
        """Return params, 95% intervals, fit steps and counts as JSON-ready values."""
        self._check_fitted()

        def intervals(params: dict[str, float], log_cov: np.ndarray | None) -> dict:
            # 95% on the log scale (positive bounds); se by the delta method
            out = {}
            sd = np.sqrt(np.diag(log_cov)) if log_cov is not None else None
            if sd is not None:
                sd = np.where(sd < 50, sd, np.nan)  # a flat likelihood: no usable interval
            for i, k in enumerate(params):
                s = float(sd[i]) if sd is not None and np.isfinite(sd[i]) else None
                out[k] = {
                    "estimate": params[k],
                    "se": params[k] * s if s is not None else None,
                    "lower": float(params[k] * np.exp(-1.96 * s)) if s is not None else None,
                    "upper": float(params[k] * np.exp(1.96 * s)) if s is not None else None,
                }
            return out

        ints = {"bgnbd": intervals(self.params_, self.log_cov_)}
        if self.gg_params_ is not None:
            ints["gamma_gamma"] = intervals(self.gg_params_, self.gg_log_cov_)
        return {
            "bgnbd": dict(self.params_),
            "gamma_gamma": dict(self.gg_params_) if self.gg_params_ is not None else None,
            "intervals": ints,
            "fit_step": self.fit_step_,
            "gg_fit_step": self.gg_step_,
            "time_unit": self.time_unit,
            "n_patients": self.n_patients_,
            "n_repeat_patients": self.n_repeat_,
            "n_distinct_histories": self.n_histories_,
        }


def score_columns(
    data: ClinicData,
    summary: pd.DataFrame,
    as_of: str | pd.Timestamp,
    profile: ClinicProfile,
) -> tuple[pd.DataFrame, dict]:
    """Fit the CLV model and return per-patient score columns plus the model.json block.

    Validation (calibration/holdout) runs on ``data.visits`` when the history is long
    enough; its failure is recorded in ``warnings``, never raised.
    """
    model = ClvModel(time_unit=profile.clv.time_unit, penalizer=profile.clv.penalizer).fit(summary)
    scores = model.predict(summary, profile)
    metrics = model.to_metrics()
    block: dict = {
        "bgnbd": metrics["bgnbd"],
        "gamma_gamma": metrics["gamma_gamma"],
        "intervals": metrics["intervals"],
        "fit_step": metrics["fit_step"],
        "validation": {},
        "warnings": [],
    }
    if model.gg_params_ is None:
        block["warnings"].append(
            "gamma_gamma_fallback: too few repeat patients for the spend model; "
            "expected spend uses observed mean spend"
        )
    try:
        from clinicvalue.clv_validation import validate

        result = validate(data.visits, as_of, profile)
        block["validation"] = result.to_metrics()
        block["warnings"].extend(result.warnings)
    except Exception as exc:  # validation is advisory
        block["warnings"].append(f"validation_skipped: {exc}")
    return scores[list(SCORE_COLUMNS)], block

"""The Pareto/NBD visit model (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee 2005).

Visits follow a Poisson process with a gamma(r, α) spread of rates while a patient is
"alive"; lifetimes are exponential with a gamma(s, β) spread of dropout rates, so a
patient can leave at any moment, not only right after a visit as in BG/NBD. Everything
here works on sufficient statistics (repeat visits ``x``, time of the last ``t_x``, age
``T``), one row per distinct history with a weight, like the BG/NBD fit.

The likelihood is FHL 2005's "note on deriving the Pareto/NBD model" (eq. 22 with its
A₀); P(alive) and the expected visits in a coming period are that note's eqs. 11 and 18.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

from clinicvalue.analyses.clv.bgnbd import weighted_histories
from clinicvalue.analyses.clv.quasi_newton import quasi_newton
from clinicvalue.errors import ConvergenceError, InputError

__all__ = [
    "PARETO_NAMES",
    "ParetoFit",
    "pareto_curvature",
    "pareto_log_likelihood",
    "fit_pareto_nbd",
    "pareto_p_alive",
    "pareto_expected",
    "pareto_expected_many",
    "pareto_new_patient_visits",
]

PARETO_NAMES = ("r", "alpha", "s", "beta")


@dataclass(frozen=True)
class ParetoFit:
    """Fitted Pareto/NBD parameters (in the summary's time unit) and the fit's quality."""

    params: dict[str, float]
    log_likelihood: float  # total, over every weighted history
    n_histories: int
    converged: bool


def _params(params: dict[str, float]) -> tuple[float, float, float, float]:
    try:
        r, alpha, s, beta = (float(params[k]) for k in PARETO_NAMES)
    except KeyError as exc:
        raise InputError(
            f"Pareto/NBD parameters need r, alpha, s and beta; missing {exc}"
        ) from None
    if min(r, alpha, s, beta) <= 0 or not np.all(np.isfinite([r, alpha, s, beta])):
        raise InputError(f"Pareto/NBD parameters must all be positive; got {params}")
    return r, alpha, s, beta


def _log_a0_term(r, alpha, s, beta, x, t) -> np.ndarray:
    """Return log of ₂F₁(r+s+x, ·; r+s+x+1; |α−β| / (max(α, β) + t)) / (max + t)^(r+s+x).

    The term of A₀ (FHL 2005 eq. 22) at one time ``t`` (the last visit or the age). The
    hypergeometric function is taken with the larger of α and β in the denominator, so
    its argument lies in [0, 1).
    """
    rsx = r + s + x
    if alpha >= beta:
        big, second = alpha, s + 1
    else:
        big, second = beta, r + x
    gap = abs(alpha - beta)
    return np.log(hyp2f1(rsx, second, rsx + 1, gap / (big + t))) - rsx * np.log(big + t)


def _a0_difference(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Return log(e^first − e^last): A₀ from its terms at the last visit and at the age."""
    # first > last (the function of t_x exceeds that of T)
    with np.errstate(divide="ignore"):
        return first + np.log1p(-np.exp(np.minimum(last - first, 0.0)))


def _log_a0(r, alpha, s, beta, x, t_x, T) -> np.ndarray:
    """Return log A₀ of FHL 2005 eq. 22 (per row), the "dropped out before T" term.

    Its hypergeometric terms are worked out once per distinct (x, t_x) and (x, T) pair
    when the visit counts are whole numbers (a clinic's million patients have tens of
    thousands of pairs), per row otherwise.
    """
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (x, t_x, T)))
    shape = x.shape
    x, t_x, T = (v.ravel() for v in (x, t_x, T))
    if len(x) and np.all(x >= 0) and np.all(x == np.floor(x)):
        (x_last, t_last, last_of), (x_age, t_age, age_of) = _pairs(x, t_x), _pairs(x, T)
        first = _log_a0_term(r, alpha, s, beta, x_last, t_last)[last_of]
        last = _log_a0_term(r, alpha, s, beta, x_age, t_age)[age_of]
    else:
        first = _log_a0_term(r, alpha, s, beta, x, t_x)
        last = _log_a0_term(r, alpha, s, beta, x, T)
    return _a0_difference(first, last).reshape(shape)


def _row_log_likelihood(
    params: dict[str, float], x, t_x, T, *, log_a0: np.ndarray | None = None
) -> np.ndarray:
    r, alpha, s, beta = _params(params)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    if log_a0 is None:
        log_a0 = _log_a0(r, alpha, s, beta, x, t_x, T)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dropped = np.log(s) - np.log(r + s + x) + log_a0
    # a patient with t_x = T (a visit on the last day) has A₀ = 0: only the alive branch
    both = np.where(np.isfinite(dropped), np.logaddexp(alive, dropped), alive)
    return head + both


def pareto_log_likelihood(params: dict[str, float], x, t_x, T, weights=None) -> float:
    """Return the total Pareto/NBD log-likelihood of the histories (weighted)."""
    ll = _row_log_likelihood(params, x, t_x, T)
    w = np.ones_like(ll) if weights is None else np.asarray(weights, dtype="float64")
    return float((w * ll).sum())


#: the quasi-Newton refit stops when no log-parameter's gradient exceeds this (A₀'s part
#: of the gradient is by central differences, good to about 1e-9)
_GTOL = 1e-8
#: steps of the central differences: of A₀'s terms in the gradient, of the curvature's values
_GRADIENT_STEP = 1e-6
_CURVATURE_STEP = 1e-3
#: the quasi-Newton refit's box on the log-parameters (the bounded search has none)
_BOUNDS = ((-30.0, 30.0),) * 4


def _pairs(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct (x, t) pairs and each row's pair (x whole numbers ≥ 0)."""
    times, t_code = np.unique(t, return_inverse=True)
    key = x.astype(np.int64) * len(times) + t_code.ravel()
    keys, row = np.unique(key, return_inverse=True)
    return (keys // len(times)).astype("float64"), times[keys % len(times)], row.ravel()


def _objective(hist: np.ndarray, hw: np.ndarray, scale: float) -> Callable[[np.ndarray], float]:
    """Return the mean negative log-likelihood of the histories in log-parameters."""
    value_and_gradient = _likelihood(hist, hw, scale)
    return lambda theta: value_and_gradient(theta, gradient=False)[0]


def _likelihood(
    hist: np.ndarray, hw: np.ndarray, scale: float
) -> Callable[..., tuple[float, np.ndarray]]:
    """Return the mean negative log-likelihood of the histories and its gradient.

    The sum of :func:`_row_log_likelihood` over the weighted histories, each term worked
    out where it varies: A₀'s hypergeometric terms once per distinct (x, t_x) and (x, T)
    pair, the gamma and log terms of x once per distinct x and those of the age once per
    distinct age (tens of thousands of values against half a million histories); only
    the two-branch sum is taken per history.

    The gradient (in the logs of r, α, s, β) is analytic except for A₀'s terms, whose
    derivatives are central differences taken per pair: the histories' part of the
    gradient then costs one pass, where differencing the whole likelihood cost eight.
    ``gradient=False`` gives the value alone (and a zero gradient).
    """
    xs, ts, Ts = hist[:, 0], hist[:, 1] / scale, hist[:, 2] / scale
    total = float(hw.sum())
    (x_last, t_last, last_of), (x_age, t_age, age_of) = _pairs(xs, ts), _pairs(xs, Ts)
    x_u, x_of = np.unique(xs, return_inverse=True)
    ages, age_at = np.unique(Ts, return_inverse=True)
    w_x = np.bincount(x_of, weights=hw, minlength=len(x_u))
    w_age = np.bincount(age_at, weights=hw, minlength=len(ages))
    hw_x = hw * xs
    unit = np.eye(4) * _GRADIENT_STEP

    def a0_terms(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, alpha, s, beta = np.exp(theta)
        return (
            _log_a0_term(r, alpha, s, beta, x_last, t_last),
            _log_a0_term(r, alpha, s, beta, x_age, t_age),
        )

    def value_and_gradient(theta: np.ndarray, gradient: bool = True) -> tuple[float, np.ndarray]:
        r, alpha, s, beta = np.exp(theta)
        with np.errstate(all="ignore"):
            at_last, at_age = a0_terms(theta)
            first, last = at_last[last_of], at_age[age_of]
            log_aT, log_bT = np.log(alpha + ages), np.log(beta + ages)
            # the alive branch less its part common to every history of the same age
            alive = -xs * log_aT[age_at]
            common = -r * log_aT - s * log_bT
            rsx = r + s + x_u
            dropped = (np.log(s) - np.log(rsx))[x_of] + _a0_difference(first, last)
            dropped -= common[age_at]
            # a patient with t_x = T (a visit on the last day) has A₀ = 0: alive branch
            finite = np.isfinite(dropped)
            both = np.where(finite, np.logaddexp(alive, dropped), alive)
            ll = float(w_x @ gammaln(r + x_u)) - total * gammaln(r)
            ll += total * (r * np.log(alpha) + s * np.log(beta))
            ll += float(w_age @ common) + float(hw @ both)
            value = -ll / total
            if not np.isfinite(value):
                return 1e300, np.zeros(4)
            if not gradient:
                return value, np.zeros(4)
            # each history's weight on the dropped branch, and A₀'s derivatives from its
            # terms': d log(e^F − e^L) = (dF − ρ dL) / (1 − ρ), ρ = e^(L − F)
            w_drop = np.where(finite, hw * np.exp(dropped - both), 0.0)
            rho = np.exp(np.minimum(last - first, 0.0))
            d_first, d_last = np.empty((4, len(hist))), np.empty((4, len(hist)))
            for i, e in enumerate(unit):
                (f_up, l_up), (f_down, l_down) = a0_terms(theta + e), a0_terms(theta - e)
                d_first[i] = ((f_up - f_down) / (2 * _GRADIENT_STEP))[last_of]
                d_last[i] = ((l_up - l_down) / (2 * _GRADIENT_STEP))[age_of]
            d_a0 = np.where(finite, (d_first - rho * d_last) / (1 - rho), 0.0) @ w_drop
            # the rest in closed form, per parameter, then to the log-parameters
            inv_rsx = np.bincount(x_of, weights=w_drop, minlength=len(x_u)) @ (1 / rsx)
            drop_age = np.bincount(age_at, weights=w_drop, minlength=len(ages))
            alive_age = np.bincount(age_at, weights=hw_x - w_drop * xs, minlength=len(ages))
            inv_aT, inv_bT = 1 / (alpha + ages), 1 / (beta + ages)
            d_r = float(w_x @ digamma(r + x_u)) - total * digamma(r) + total * np.log(alpha)
            d_r += -float((w_age - drop_age) @ log_aT) - inv_rsx
            d_alpha = total * r / alpha - r * float((w_age - drop_age) @ inv_aT)
            d_alpha -= float(alive_age @ inv_aT)
            d_s = total * np.log(beta) - float((w_age - drop_age) @ log_bT)
            d_s += float(w_drop.sum()) / s - inv_rsx
            d_beta = total * s / beta - s * float((w_age - drop_age) @ inv_bT)
            grad = np.array([d_r, d_alpha, d_s, d_beta]) * np.array([r, alpha, s, beta])
            grad = -(grad + d_a0) / total
        if not np.all(np.isfinite(grad)):
            return 1e300, np.zeros(4)
        return value, grad

    return value_and_gradient


def _theta(params: dict[str, float], scale: float) -> np.ndarray:
    r, alpha, s, beta = _params(params)
    return np.log([r, alpha / scale, s, beta / scale])


def pareto_curvature(params: dict[str, float], x, t_x, T, weights=None) -> np.ndarray | None:
    """Return the curvature of the Pareto/NBD fit at ``params`` on these histories.

    The 4 × 4 Hessian of the mean negative log-likelihood per patient in the logs of
    ``r, α, s, β``, by central differences of the likelihood. A mean, so a sample's
    curvature stands for the whole clinic's: handed to :func:`fit_pareto_nbd`
    (``curvature``), it lets the fit on everyone take a handful of quasi-Newton steps.
    ``None`` when it is not positive definite there.
    """
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    hist, hw = weighted_histories(x, t_x, T, w)
    scale = float(T.max())
    f = _objective(hist, hw, scale)
    theta, h = _theta(params, scale), _CURVATURE_STEP
    unit = np.eye(4) * h
    centre = f(theta)
    hess = np.zeros((4, 4))
    for i in range(4):
        hess[i, i] = (f(theta + 2 * unit[i]) - 2 * centre + f(theta - 2 * unit[i])) / (4 * h * h)
        for j in range(i):
            hess[i, j] = hess[j, i] = (
                f(theta + unit[i] + unit[j]) - f(theta + unit[i] - unit[j])
                - f(theta - unit[i] + unit[j]) + f(theta - unit[i] - unit[j])
            ) / (4 * h * h)  # fmt: skip
    if not np.all(np.isfinite(hess)) or np.linalg.eigvalsh(hess).min() <= 0:
        return None
    return hess


def fit_pareto_nbd(
    x,
    t_x,
    T,
    weights=None,
    *,
    start: dict[str, float] | None = None,
    curvature: np.ndarray | None = None,
) -> ParetoFit:
    """Fit the Pareto/NBD model by maximum likelihood on (weighted) sufficient statistics.

    Parameters
    ----------
    x, t_x, T
        Repeat visits, time of the last visit and age, per history, in one time unit.
    weights
        How many patients share each history (default one each).
    start
        Starting parameters (default ``r = α = s = β = 1`` on the time scale of ``T``).
    curvature
        The curvature at ``start`` (:func:`pareto_curvature` of a sample's fit): the
        search is then quasi-Newton from it, falling back to the bounded search when a
        step fails. The optimum is the same.

    Raises
    ------
    ConvergenceError
        When no finite optimum is found.
    """
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    if len(x) == 0 or w.sum() <= 0:
        raise InputError("the Pareto/NBD fit needs at least one patient")
    # one row per distinct history, weighted: the likelihood is evaluated once per history
    hist, hw = weighted_histories(x, t_x, T, w)
    scale = float(T.max())  # fit on time scaled to max(T) = 1; α and β scale back
    value_and_gradient = _likelihood(hist, hw, scale)
    theta0 = np.zeros(4) if start is None else _theta(start, scale)

    theta, converged = None, True
    if curvature is not None and start is not None:
        theta = quasi_newton(value_and_gradient, theta0, curvature, bounds=_BOUNDS, gtol=_GTOL)
    if theta is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = minimize(value_and_gradient, theta0, jac=True, method="L-BFGS-B",
                           options={"ftol": 1e-15, "gtol": 1e-10, "maxfun": 5000})  # fmt: skip
        theta, converged = res.x, bool(res.success)
    r, alpha, s, beta = np.exp(theta)
    params = {
        "r": float(r),
        "alpha": float(alpha * scale),
        "s": float(s),
        "beta": float(beta * scale),
    }
    # the objective's time is scaled to max(T) = 1, which multiplies each history's
    # likelihood by scale^x: back in the summary's unit, log(scale) less per repeat visit
    value = value_and_gradient(theta, gradient=False)[0]
    ll = -value * float(hw.sum()) - np.log(scale) * float(hw @ hist[:, 0])
    if value >= 1e300 or not np.isfinite(ll):
        raise ConvergenceError(
            "the Pareto/NBD fit found no finite optimum; try a longer history or BG/NBD"
        )
    return ParetoFit(params, ll, len(hist), converged)


def pareto_p_alive(params: dict[str, float], x, t_x, T) -> np.ndarray:
    """Return P(still a patient at T | x, t_x, T) (FHL 2005 note, eq. 11)."""
    r, alpha, s, beta = _params(params)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    with np.errstate(divide="ignore"):
        log_ratio = (
            np.log(s) - np.log(r + s + x)
            + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
            + _log_a0(r, alpha, s, beta, x, t_x, T)
        )  # fmt: skip
    return 1.0 / (1.0 + np.exp(log_ratio))


def _visits_given_alive(r, alpha, s, beta, x, T, t) -> np.ndarray:
    """Return the expected visits in (T, T + t] of a patient alive at T (FHL note, eq. 18)."""
    if abs(s - 1.0) < 1e-9:  # the limit s → 1
        return (r + x) * (beta + T) / (alpha + T) * np.log((beta + T + t) / (beta + T))
    return (
        (r + x)
        * (beta + T)
        / ((alpha + T) * (s - 1))
        * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
    )


def pareto_expected(params: dict[str, float], t, x, t_x, T) -> np.ndarray:
    """Return E[visits in (T, T + t] | x, t_x, T] under the Pareto/NBD model."""
    r, alpha, s, beta = _params(params)
    x, T = (np.asarray(v, dtype="float64") for v in (x, T))
    return _visits_given_alive(r, alpha, s, beta, x, T, np.asarray(t, dtype="float64")) * (
        pareto_p_alive(params, x, t_x, T)
    )


def pareto_expected_many(params: dict[str, float], horizons, x, t_x, T) -> np.ndarray:
    """Return :func:`pareto_expected` at each of ``horizons``, shape ``(len(x), len(horizons))``.

    P(alive) does not depend on the horizon, so it is worked out once for all of them.
    """
    r, alpha, s, beta = _params(params)
    x, t_x, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (x, t_x, T))
    horizons = np.atleast_1d(np.asarray(horizons, dtype="float64"))
    p_alive = pareto_p_alive(params, x, t_x, T)
    out = np.empty((len(x), len(horizons)), dtype="float64")
    for h, t in enumerate(horizons):
        out[:, h] = _visits_given_alive(r, alpha, s, beta, x, T, t) * p_alive
    return out


def pareto_new_patient_visits(params: dict[str, float], t: float) -> float:
    """Return E[X(t)], the expected repeat visits of a new patient in (0, t]."""
    r, alpha, s, beta = _params(params)
    return float(_visits_given_alive(r, alpha, s, beta, 0.0, 0.0, float(t)))

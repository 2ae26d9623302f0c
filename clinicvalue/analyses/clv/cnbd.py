"""The MBG/CNBD-k visit model: patients who come back on a schedule (Platzer & Reutterer 2016).

Time between visits is Erlang-k with a gamma(r, α) spread of rates λ (k = 1 is the
memoryless Poisson case; a larger k is a more regular rhythm, such as six-monthly
cleanings); after the first visit and after each later one a patient leaves with a
chance p, spread as beta(a, b). ``k`` is a whole number, chosen by the likelihood.

Besides ``x, t_x, T`` the likelihood needs ``litt``, the sum of the logs of a patient's
times between visits: only through it do the data say how regular a rhythm is. It enters
the likelihood as ``(k - 1) · litt``, so for a given k it is a constant and the fit of
``r, α, a, b`` runs on distinct ``(x, t_x, T)`` histories with weights.

The likelihood and P(alive) integrate λ and p out in closed form. The expected visits in
a coming period follow from the same posterior: given alive, the hidden phase of the
Erlang clock (how many of its k Poisson steps have passed since the last visit) and λ
have a closed-form joint law, each future visit needs k more steps, and each visit is
followed by a chance to leave; the sum runs until its terms are below 1e-12.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, logsumexp
from scipy.stats import nbinom

from clinicvalue.errors import ConvergenceError, InputError

__all__ = [
    "CNBD_NAMES",
    "CnbdFit",
    "cnbd_log_likelihood",
    "fit_cnbd",
    "cnbd_p_alive",
    "cnbd_expected",
]

CNBD_NAMES = ("r", "alpha", "a", "b")
#: the largest rhythm tried when k is estimated (BTYDplus tries 1 … 12 as well)
MAX_K = 12


@dataclass(frozen=True)
class CnbdFit:
    """A fitted MBG/CNBD-k model: ``k``, its parameters and each k's log-likelihood."""

    k: int
    params: dict[str, float]
    log_likelihood: float
    by_k: dict[int, float]  # total log-likelihood of the best fit at each k tried
    n_histories: int


def _params(params: dict[str, float]) -> tuple[float, float, float, float]:
    try:
        r, alpha, a, b = (float(params[n]) for n in CNBD_NAMES)
    except KeyError as exc:
        raise InputError(f"MBG/CNBD-k parameters need r, alpha, a and b; missing {exc}") from None
    if min(r, alpha, a, b) <= 0 or not np.all(np.isfinite([r, alpha, a, b])):
        raise InputError(f"MBG/CNBD-k parameters must all be positive; got {params}")
    return r, alpha, a, b


def _check_k(k: int) -> int:
    if int(k) != k or k < 1:
        raise InputError(f"the Erlang order k must be a whole number of at least 1; got {k}")
    return int(k)


def _branches(k: int, r, alpha, a, b, x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the log of the shared factor and of the "left" and "still here" branches."""
    rkx = r + k * x
    u = T - t_x
    shared = (
        betaln(a, b + x + 1) - betaln(a, b)
        + gammaln(rkx) - gammaln(r) + r * np.log(alpha)
        - rkx * np.log(alpha + T)
    )  # fmt: skip
    left = np.log(a) - np.log(b + x) + rkx * (np.log(alpha + T) - np.log(alpha + t_x))
    here = logsumexp(_phase_terms(k, rkx, u, alpha + T), axis=0)
    return shared, left, here


def _phase_terms(k: int, rkx, u, rate) -> np.ndarray:
    """Return log of Γ(rkx + j)/Γ(rkx) u^j / (j! rate^j), j = 0 … k-1 (rows last)."""
    j = np.arange(k, dtype="float64").reshape((k,) + (1,) * np.ndim(u))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_u = np.where(j > 0, j * np.log(u), 0.0)  # u = 0: only the j = 0 term
    return gammaln(rkx + j) - gammaln(rkx) + log_u - gammaln(j + 1) - j * np.log(rate)


def _row_log_likelihood(k: int, params: dict[str, float], x, t_x, T, litt) -> np.ndarray:
    k = _check_k(k)
    r, alpha, a, b = _params(params)
    x, t_x, T, litt = (np.asarray(v, dtype="float64") for v in (x, t_x, T, litt))
    shared, left, here = _branches(k, r, alpha, a, b, x, t_x, T)
    regular = (k - 1) * litt - x * gammaln(k)
    return regular + shared + np.logaddexp(left, here)


def cnbd_log_likelihood(k: int, params: dict[str, float], x, t_x, T, litt, weights=None) -> float:
    """Return the total MBG/CNBD-k log-likelihood of the histories (weighted)."""
    ll = _row_log_likelihood(k, params, x, t_x, T, litt)
    w = np.ones_like(ll) if weights is None else np.asarray(weights, dtype="float64")
    return float((w * ll).sum())


def _fit_k(k: int, hist: np.ndarray, hw: np.ndarray, scale: float, theta0: np.ndarray):
    xs, ts, Ts = hist[:, 0], hist[:, 1] / scale, hist[:, 2] / scale
    total = float(hw.sum())

    def objective(theta: np.ndarray) -> float:
        r, alpha, a, b = np.exp(theta)
        with np.errstate(all="ignore"):
            shared, left, here = _branches(k, r, alpha, a, b, xs, ts, Ts)
            ll = shared + np.logaddexp(left, here)
        value = -float((hw * ll).sum()) / total
        return value if np.isfinite(value) else 1e300

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = minimize(objective, theta0, method="L-BFGS-B",
                       options={"ftol": 1e-15, "gtol": 1e-10, "maxfun": 5000})  # fmt: skip
    r, alpha, a, b = np.exp(res.x)
    return {"r": float(r), "alpha": float(alpha * scale), "a": float(a), "b": float(b)}, res.x


def fit_cnbd(x, t_x, T, litt, weights=None, *, k: int | None = None) -> CnbdFit:
    """Fit MBG/CNBD-k by maximum likelihood; estimate ``k`` when it is not given.

    Parameters
    ----------
    x, t_x, T
        Repeat visits, time of the last visit and age, per patient, in one time unit.
    litt
        Per patient, the sum of the logs of the times between visits (0 with no repeat).
    weights
        How many patients each row stands for (default one each).
    k
        The Erlang order; ``None`` tries 1 … :data:`MAX_K` and keeps the likeliest,
        stopping once the likelihood has fallen for two orders in a row.

    Raises
    ------
    ConvergenceError
        When no order gives a finite likelihood.
    """
    x, t_x, T, litt = (np.asarray(v, dtype="float64") for v in (x, t_x, T, litt))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    if len(x) == 0 or w.sum() <= 0:
        raise InputError("the MBG/CNBD-k fit needs at least one patient")
    if np.any(litt[x == 0] != 0):
        raise InputError("litt must be 0 for a patient with no repeat visit")
    hist, inverse = np.unique(np.column_stack([x, t_x, T]), axis=0, return_inverse=True)
    hw = np.bincount(inverse.ravel(), weights=w, minlength=len(hist))
    scale = float(T.max())
    s_litt = float((w * litt).sum())
    orders = [_check_k(k)] if k is not None else list(range(1, MAX_K + 1))
    by_k: dict[int, float] = {}
    fits: dict[int, dict[str, float]] = {}
    theta = np.zeros(4)
    for order in orders:
        params, theta = _fit_k(order, hist, hw, scale, theta)
        # per history with litt = 0, plus the litt term of every patient
        ll = cnbd_log_likelihood(order, params, hist[:, 0], hist[:, 1], hist[:, 2], 0.0, hw)
        ll += (order - 1) * s_litt
        if np.isfinite(ll):
            by_k[order], fits[order] = ll, params
        best = max(by_k, key=by_k.get) if by_k else None
        if k is None and best is not None and order >= best + 2:
            break  # the likelihood has fallen for two orders in a row
    if not by_k:
        raise ConvergenceError("the MBG/CNBD-k fit found no finite optimum at any order k")
    best = max(by_k, key=by_k.get)
    return CnbdFit(best, fits[best], by_k[best], by_k, len(hist))


def cnbd_p_alive(k: int, params: dict[str, float], x, t_x, T) -> np.ndarray:
    """Return P(still a patient at T | x, t_x, T) under MBG/CNBD-k."""
    k = _check_k(k)
    r, alpha, a, b = _params(params)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    _, left, here = _branches(k, r, alpha, a, b, x, t_x, T)
    return np.exp(here - np.logaddexp(left, here))


def cnbd_expected(k: int, params: dict[str, float], t: float, x, t_x, T) -> np.ndarray:
    """Return E[visits in (T, T + t] | x, t_x, T] under MBG/CNBD-k."""
    k = _check_k(k)
    r, alpha, a, b = _params(params)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    x, t_x, T = (np.atleast_1d(v) for v in np.broadcast_arrays(x, t_x, T))
    rkx, rate = r + k * x, alpha + T
    terms = _phase_terms(k, rkx, T - t_x, rate)  # (k, rows): the phase's posterior weights
    phase = np.exp(terms - logsumexp(terms, axis=0))
    j = np.arange(k, dtype="float64")[:, None]
    shape = rkx[None, :] + j  # λ | phase j, alive ~ gamma(shape, rate)
    prob = (rate / (rate + t))[None, :]
    out = np.zeros(x.shape, dtype="float64")
    log_keep = np.zeros(x.shape, dtype="float64")  # log E[(1 - p)^(n-1) | alive]
    for n in range(1, 100_000):
        if n > 1:  # survive the chance to leave after visit n - 1: p | alive ~ beta(a, b+x+1)
            log_keep += np.log(b + x + n - 1) - np.log(a + b + x + n - 1)
        reach = nbinom.sf(n * k - j - 1, shape, prob)  # P(at least nk - j more steps by t)
        term = np.exp(log_keep) * (phase * reach).sum(axis=0)
        out += term
        if term.max(initial=0.0) < 1e-12:
            break
    return out * cnbd_p_alive(k, params, x, t_x, T)

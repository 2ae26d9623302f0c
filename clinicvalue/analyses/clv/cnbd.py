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

import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln, logsumexp

from clinicvalue.analyses.clv.bgnbd import group_rows, weighted_histories
from clinicvalue.analyses.clv.quasi_newton import quasi_newton
from clinicvalue.errors import ConvergenceError, InputError

__all__ = [
    "CNBD_NAMES",
    "CnbdFit",
    "cnbd_curvature",
    "cnbd_log_likelihood",
    "fit_cnbd",
    "fit_cnbd_near",
    "cnbd_p_alive",
    "cnbd_expected",
    "cnbd_expected_many",
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
    by_k: dict[int, float]  # total log-likelihood of the best fit at each k fitted
    n_histories: int
    params_by_k: dict[int, dict[str, float]]  # the best fit's parameters at each k fitted


def _params(params: dict[str, float]) -> tuple[float, float, float, float]:
    try:
        r, alpha, a, b = (float(params[n]) for n in CNBD_NAMES)
    except KeyError as exc:
        raise InputError(f"MBG/CNBD-k parameters need r, alpha, a and b; missing {exc}") from None
    if min(r, alpha, a, b) <= 0 or not np.all(np.isfinite([r, alpha, a, b])):
        raise InputError(f"MBG/CNBD-k parameters must all be positive; got {params}")
    return r, alpha, a, b


def _theta(params: dict[str, float], scale: float) -> np.ndarray:
    """Return the fit's coordinates of ``params``: logs of r, α / scale, a, b."""
    r, alpha, a, b = _params(params)
    return np.log([r, alpha / scale, a, b])


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
    """Return log of Γ(rkx + j)/Γ(rkx) u^j / (j! rate^j), j = 0 … k-1 (rows last).

    Term j + 1 is term j plus ``log((rkx + j) u / ((j + 1) rate))``: a running sum of
    logs, with no gamma function per phase (u = 0 leaves only the j = 0 term).
    """
    rkx, u, rate = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (rkx, u, rate)))
    out = np.zeros((k, *rkx.shape), dtype="float64")
    if k > 1:
        i = np.arange(k - 1, dtype="float64").reshape((k - 1,) + (1,) * rkx.ndim)
        with np.errstate(divide="ignore"):
            step = np.log(rkx + i) + np.log(u) - np.log(i + 1) - np.log(rate)
        out[1:] = np.cumsum(step, axis=0)
    return out


def _phase_digamma(k: int, rkx) -> np.ndarray:
    """Return ψ(rkx + j) − ψ(rkx), j = 0 … k-1: running sums of 1 / (rkx + i)."""
    out = np.zeros((k, *np.shape(rkx)), dtype="float64")
    if k > 1:
        i = np.arange(k - 1, dtype="float64").reshape((k - 1,) + (1,) * np.ndim(rkx))
        out[1:] = np.cumsum(1.0 / (rkx + i), axis=0)
    return out


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


#: bounds of the log-parameters: a beta(a, b) with both above e^10 is one dropout chance
#: for everyone, and along that ridge the likelihood is flat, so the search stops there
_BOUNDS = ((-15.0, 15.0), (-15.0, 15.0), (-10.0, 10.0), (-10.0, 10.0))


@dataclass(frozen=True)
class _Histories:
    """Weighted histories prepared once for the fit's many likelihood evaluations.

    What depends on a history only through its repeat visits ``x`` (the gamma, beta and
    digamma terms) is worked out once per distinct ``x`` and summed with the weight of
    its histories, so each evaluation calls a special function on a few hundred values
    rather than on every history.
    """

    x: np.ndarray  # repeat visits per history
    t: np.ndarray  # time of the last visit
    T: np.ndarray  # age
    w: np.ndarray  # patients per history
    wx: np.ndarray  # w · x
    total: float  # Σ w
    x_u: np.ndarray  # distinct repeat visits
    inv: np.ndarray  # each history's position in ``x_u``
    w_u: np.ndarray  # Σ w per distinct x
    log_u: np.ndarray  # log(T − t), −inf where the last visit is today

    @classmethod
    def of(cls, xs: np.ndarray, ts: np.ndarray, Ts: np.ndarray, hw: np.ndarray) -> _Histories:
        """Return the prepared histories (weights ``hw``)."""
        x_u, inv = np.unique(xs, return_inverse=True)
        with np.errstate(divide="ignore"):
            log_u = np.log(Ts - ts)
        return cls(
            xs, ts, Ts, hw, hw * xs, float(hw.sum()), x_u, inv,
            np.bincount(inv, weights=hw, minlength=len(x_u)), log_u,
        )  # fmt: skip


def _value_and_gradient(k: int, theta: np.ndarray, h: _Histories) -> tuple[float, np.ndarray]:
    """Return the weighted mean negative log-likelihood (litt left out) and its gradient.

    ``theta`` is the log of ``r, α, a, b``; the gradient is analytic: the shared factor,
    the "left" branch and the softmax-weighted phase terms each differentiate in closed
    form (digamma for the gamma and beta functions). Equals the weighted sum of
    :func:`_branches` over the histories (a test holds the two together).
    """
    r, alpha, a, b = np.exp(theta)
    xu, inv, wu = h.x_u, h.inv, h.w_u
    rkx_u = r + k * xu
    rkx = rkx_u[inv]
    log_aT, log_at = np.log(alpha + h.T), np.log(alpha + h.t)
    # the shared factor: per distinct x, plus r log α − (r + kx) log(α + T) per history
    shared_u = betaln(a, b + xu + 1) - betaln(a, b) + gammaln(rkx_u) - gammaln(r)
    w_log_aT = float(h.w @ log_aT)
    shared = float(wu @ shared_u) + h.total * r * np.log(alpha)
    shared -= r * w_log_aT + k * float(h.wx @ log_aT)
    left = (np.log(a) - np.log(b + xu))[inv] + rkx * (log_aT - log_at)
    if k == 1:  # one phase: the "still here" branch is log 1
        here = np.zeros_like(left)
    else:
        j = np.arange(1, k, dtype="float64")[:, None]
        steps = np.log(rkx_u[None, :] + (j - 1))  # log(rkx + i), i = 0 … k-2
        terms = np.zeros((k, len(h.x)))
        terms[1:] = np.cumsum(steps, axis=0)[:, inv] - gammaln(j + 1)
        terms[1:] += j * (h.log_u - log_aT)[None, :]
        top = terms.max(axis=0)  # the phase sum in logs, its exponentials kept for below
        soft = np.exp(terms - top)
        mass = soft.sum(axis=0)
        soft /= mass  # (k, rows): the phase's posterior weights
        here = top + np.log(mass)
    both = np.logaddexp(left, here)
    value = -(shared + float(h.w @ both)) / h.total
    w_left = np.exp(left - both)
    ww_left = h.w * w_left
    ww_here = h.w - ww_left
    inv_aT, inv_at = 1.0 / (alpha + h.T), 1.0 / (alpha + h.t)
    d_r = float(wu @ digamma(rkx_u)) - h.total * digamma(r) + h.total * np.log(alpha)
    d_r += -w_log_aT + float(ww_left @ (log_aT - log_at))
    d_alpha = h.total * r / alpha - float(h.w @ (rkx * inv_aT))
    d_alpha += float(ww_left @ (rkx * (inv_aT - inv_at)))
    if k > 1:
        digammas = _phase_digamma(k, rkx_u)[1:]  # per distinct x, gathered to histories
        d_r += float(np.sum(ww_here * (soft[1:] * digammas[:, inv]).sum(axis=0)))
        d_alpha -= float(ww_here @ ((soft[1:] * j).sum(axis=0) * inv_aT))
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + xu + 1)
    d_a = float(wu @ (psi_ab - psi_abx)) + float(ww_left.sum()) / a
    d_b = float(wu @ (digamma(b + xu + 1) - psi_abx - digamma(b) + psi_ab))
    d_b -= float(np.bincount(inv, weights=ww_left, minlength=len(xu)) @ (1.0 / (b + xu)))
    grad = -np.array([d_r, d_alpha, d_a, d_b]) / h.total
    grad = grad * np.array([r, alpha, a, b])  # to the log-parameters
    if not (np.isfinite(value) and np.all(np.isfinite(grad))):
        return 1e300, np.zeros(4)
    return float(value), grad


#: the fits stop when no log-parameter's gradient of the mean log-likelihood exceeds this
_GTOL = 1e-10
#: step of the central differences of the analytic gradient that give the curvature
_CURVATURE_STEP = 1e-5


def _curvature(k: int, theta: np.ndarray, h: _Histories) -> np.ndarray | None:
    """Return the Hessian of the mean negative log-likelihood at ``theta`` (log-parameters).

    Central differences of the analytic gradient, made symmetric; ``None`` when it is not
    positive definite (a flat ridge, say) and so cannot steer a quasi-Newton search.
    """
    hess = np.zeros((4, 4))
    with np.errstate(all="ignore"):
        for i in range(4):
            step = np.zeros(4)
            step[i] = _CURVATURE_STEP
            up = _value_and_gradient(k, theta + step, h)[1]
            down = _value_and_gradient(k, theta - step, h)[1]
            hess[:, i] = (up - down) / (2 * _CURVATURE_STEP)
    hess = (hess + hess.T) / 2
    if not np.all(np.isfinite(hess)) or np.linalg.eigvalsh(hess).min() <= 0:
        return None
    return hess


def cnbd_curvature(k: int, params: dict[str, float], x, t_x, T, weights=None) -> np.ndarray | None:
    """Return the curvature of the MBG/CNBD-k fit at ``params`` on these histories.

    The 4 × 4 Hessian of the mean negative log-likelihood per patient in the logs of
    ``r, α, a, b``. A mean, so a sample's curvature stands for the whole clinic's:
    handed to :func:`fit_cnbd` (``curvatures``), it lets the fit on everyone start with
    the sample's picture of the optimum and take a handful of steps instead of dozens.
    ``None`` when it is not positive definite there.
    """
    k = _check_k(k)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    hist, hw = weighted_histories(x, t_x, T, w)
    scale = float(T.max())
    h = _Histories.of(hist[:, 0], hist[:, 1] / scale, hist[:, 2] / scale, hw)
    return _curvature(k, _theta(params, scale), h)


@dataclass(frozen=True)
class _Clinic:
    """One fit's histories, prepared once for every order it tries."""

    hist: np.ndarray  # distinct (x, t_x, T) rows
    h: _Histories  # the same, in the fit's time (max T = 1)
    scale: float  # max T, the fit's unit of time
    s_litt: float  # Σ w · litt
    s_wx: float  # Σ w · x

    @classmethod
    def of(cls, x, t_x, T, litt, weights=None) -> _Clinic:
        """Return the prepared histories of these patients (one each, or ``weights``)."""
        x, t_x, T, litt = (np.asarray(v, dtype="float64") for v in (x, t_x, T, litt))
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
        if len(x) == 0 or w.sum() <= 0:
            raise InputError("the MBG/CNBD-k fit needs at least one patient")
        if np.any(litt[x == 0] != 0):
            raise InputError("litt must be 0 for a patient with no repeat visit")
        hist, hw = weighted_histories(x, t_x, T, w)
        scale = float(T.max())
        h = _Histories.of(hist[:, 0], hist[:, 1] / scale, hist[:, 2] / scale, hw)
        return cls(hist, h, scale, float((w * litt).sum()), float((w * x).sum()))

    def evaluate(self, k: int, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Return the mean negative log-likelihood at order ``k`` and its gradient."""
        with np.errstate(all="ignore"):
            return _value_and_gradient(k, theta, self.h)

    def log_likelihood(self, k: int, value: float) -> float:
        """Return the total log-likelihood, in the summary's time, of a mean ``value``.

        The fit's time is the summary's divided by ``scale``, which multiplies each
        patient's likelihood by scale^(k x); the objective also leaves out the
        ``(k - 1) litt - x log Γ(k)`` that does not depend on the parameters.
        """
        if value >= 1e300:
            return -np.inf
        ll = -value * self.h.total - (k * np.log(self.scale) + gammaln(k)) * self.s_wx
        return float(ll + (k - 1) * self.s_litt)

    def fit(
        self, k: int, theta0: np.ndarray, curvature: np.ndarray | None = None
    ) -> tuple[dict[str, float], float, np.ndarray]:
        """Return the parameters, total log-likelihood and coordinates of the fit at ``k``.

        Quasi-Newton from ``curvature`` when given, the bounded search otherwise or when
        that fails; both stop at the same gradient tolerance.
        """
        last: list[tuple[np.ndarray, float]] = []

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            value, grad = self.evaluate(k, theta)
            last[:] = [(theta.copy(), value)]
            return value, grad

        theta = None
        if curvature is not None:
            theta = quasi_newton(objective, theta0, curvature, bounds=_BOUNDS, gtol=_GTOL)
        if theta is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = minimize(objective, theta0, jac=True, method="L-BFGS-B", bounds=_BOUNDS,
                               options={"ftol": 1e-15, "gtol": _GTOL, "maxfun": 5000})  # fmt: skip
            theta = res.x
        seen, value = last[0]
        if not np.array_equal(seen, theta):
            value = self.evaluate(k, theta)[0]
        r, alpha, a, b = np.exp(theta)
        params = {"r": float(r), "alpha": float(alpha * self.scale), "a": float(a), "b": float(b)}
        return params, self.log_likelihood(k, value), theta

    def hopeless(self, k: int, theta0: np.ndarray, curvature: np.ndarray, best: float) -> bool:
        """Whether order ``k``, started at ``theta0``, cannot come near a likelihood ``best``.

        One evaluation at the start: its log-likelihood plus the gain the quadratic model
        of ``curvature`` predicts for the steps to the optimum (½ gᵀH⁻¹g per patient),
        that gain trusted only to within :data:`_GAIN_MARGIN` times, falls short of
        ``best`` by more than :data:`_GAIN_SLACK`.
        """
        value, grad = self.evaluate(k, theta0)
        if value >= 1e300:
            return False
        try:
            gain = 0.5 * float(grad @ np.linalg.solve(curvature, grad))
        except np.linalg.LinAlgError:
            return False
        if not np.isfinite(gain) or gain < 0:
            return False
        reach = self.log_likelihood(k, value) + _GAIN_MARGIN * gain * self.h.total
        return reach + _GAIN_SLACK < best


#: how far the quadratic model's predicted gain from a sample's optimum to the clinic's
#: is trusted: an order is passed over only if ten times that gain leaves it short
_GAIN_MARGIN = 10.0
#: and short by more than this many units of total log-likelihood
_GAIN_SLACK = 1.0


def fit_cnbd(
    x,
    t_x,
    T,
    litt,
    weights=None,
    *,
    k: int | list[int] | None = None,
    start: dict[str, float] | None = None,
    starts: dict[int, dict[str, float]] | None = None,
    curvatures: dict[int, np.ndarray | None] | None = None,
) -> CnbdFit:
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
        The Erlang order, or the orders to try; ``None`` tries 1 … :data:`MAX_K` and
        keeps the likeliest, stopping once the likelihood has fallen for two orders in a
        row.
    start
        Starting ``r, alpha, a, b`` (say, a fit on a sample of the patients).
    starts
        Starting parameters per order (say, a sample's fit at each order), used before
        ``start`` for the orders they name.
    curvatures
        Per order, the curvature at its start (:func:`cnbd_curvature` of the sample's
        fit): that order's search is then quasi-Newton from it, falling back to the
        bounded search when a step fails or leaves the bounds. The optimum is the same.

    Raises
    ------
    ConvergenceError
        When no order gives a finite likelihood.
    """
    clinic = _Clinic.of(x, t_x, T, litt, weights)
    if k is None:
        orders = list(range(1, MAX_K + 1))
    else:
        orders = [_check_k(o) for o in (k if isinstance(k, list | tuple) else [k])]
    by_k: dict[int, float] = {}
    fits: dict[int, dict[str, float]] = {}
    theta = np.zeros(4)
    if start is not None:
        theta = _theta(start, clinic.scale)
    theta0 = theta
    for order in orders:
        if starts is not None and order in starts:
            origin = _theta(starts[order], clinic.scale)
        else:
            origin = theta0 if start is not None else theta
        curvature = None if curvatures is None else curvatures.get(order)
        params, ll, theta = clinic.fit(order, origin, curvature)
        if np.isfinite(ll):
            by_k[order], fits[order] = ll, params
        best = max(by_k, key=by_k.get) if by_k else None
        if k is None and best is not None and order >= best + 2:
            break  # the likelihood has fallen for two orders in a row
    return _chosen(by_k, fits, len(clinic.hist))


def fit_cnbd_near(
    x,
    t_x,
    T,
    litt,
    weights=None,
    *,
    first: int,
    start_of: Callable[[int], tuple[dict[str, float], np.ndarray | None] | None],
) -> CnbdFit:
    """Fit MBG/CNBD-k, searching ``k`` outward from ``first`` (say, a sample's best).

    Each order starts from ``start_of(order)``: parameters and the curvature there (a
    sample's fit at that order and :func:`cnbd_curvature` of it), or ``None`` for an
    order not to try. ``first`` is fitted; then each neighbour of the best order so far,
    unless one evaluation at its start shows it cannot come near the best (the gain the
    curvature predicts for the steps to its optimum, taken ten times over, still leaves
    it short); a neighbour that beats the best moves the search on in its direction. On a
    large clinic the likelihoods of adjacent orders differ by thousands of units while a
    sample's start is tens of units from the optimum, so the result is that of fitting
    every order the search reaches, with one evaluation instead of a fit for most of them.
    ``by_k`` and ``params_by_k`` hold the orders fitted.

    Raises
    ------
    ConvergenceError
        When no order tried gives a finite likelihood.
    """
    clinic = _Clinic.of(x, t_x, T, litt, weights)
    by_k: dict[int, float] = {}
    fits: dict[int, dict[str, float]] = {}
    best: int | None = None
    queue, tried = [_check_k(first)], set()
    while queue:
        order = queue.pop(0)
        if order in tried or not 1 <= order <= MAX_K:
            continue
        tried.add(order)
        got = start_of(order)
        if got is None:
            continue
        theta0, curvature = _theta(got[0], clinic.scale), got[1]
        if best is not None and curvature is not None:
            if clinic.hopeless(order, theta0, curvature, by_k[best]):
                continue
        params, ll, _ = clinic.fit(order, theta0, curvature)
        if not np.isfinite(ll):
            continue
        by_k[order], fits[order] = ll, params
        if best is None:
            best = order
            queue += [order - 1, order + 1]
        elif ll > by_k[best]:
            order, best = best, order
            queue.append(best + (1 if best > order else -1))
    return _chosen(by_k, fits, len(clinic.hist))


def _chosen(by_k: dict[int, float], fits: dict[int, dict[str, float]], n: int) -> CnbdFit:
    if not by_k:
        raise ConvergenceError("the MBG/CNBD-k fit found no finite optimum at any order k")
    best = max(by_k, key=by_k.get)
    return CnbdFit(best, fits[best], by_k[best], by_k, n, fits)


def cnbd_p_alive(k: int, params: dict[str, float], x, t_x, T) -> np.ndarray:
    """Return P(still a patient at T | x, t_x, T) under MBG/CNBD-k."""
    k = _check_k(k)
    r, alpha, a, b = _params(params)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    _, left, here = _branches(k, r, alpha, a, b, x, t_x, T)
    return np.exp(here - np.logaddexp(left, here))


def cnbd_expected(k: int, params: dict[str, float], t: float, x, t_x, T) -> np.ndarray:
    """Return E[visits in (T, T + t] | x, t_x, T] under MBG/CNBD-k.

    The reference form, one ``nbinom.sf`` per future visit; :func:`cnbd_expected_many`
    gives the same numbers for many horizons at once and is what the model uses.
    """
    from scipy.stats import nbinom  # here: scipy.stats takes half a second to import

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


#: most (steps × histories) cells worked on at once by :func:`cnbd_expected_many`
_CHUNK_CELLS = 4_000_000
#: tail mass of the step count left out of the sums
_TAIL = 1e-13


def cnbd_expected_many(k: int, params: dict[str, float], horizons, x, t_x, T) -> np.ndarray:
    """Return E[visits in (T, T + t]] for every ``t`` of ``horizons``: shape ``(rows, horizons)``.

    The same expectation as :func:`cnbd_expected`, arranged for speed. Given alive and
    the hidden phase j, the future depends on ``(x, T)`` only: the Erlang steps still to
    come in t are negative binomial with shape ``r + kx + j`` (each shape's
    probabilities from the previous one's by a factor), visit n has come once j plus
    those steps reach ``nk``, and after each visit the patient may leave. So the
    expectation given each phase is computed once per distinct ``(x, T)`` — far fewer
    than distinct histories — and each history mixes the k of them by its own phase
    posterior (which is where ``t_x`` enters). Chunks keep memory bounded.
    """
    k = _check_k(k)
    r, alpha, a, b = _params(params)
    x, t_x, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (x, t_x, T))
    x, t_x, T = np.broadcast_arrays(x, t_x, T)
    horizons = np.atleast_1d(np.asarray(horizons, dtype="float64"))
    out = np.zeros((len(x), len(horizons)), dtype="float64")
    if len(x) == 0:
        return out
    alive = cnbd_p_alive(k, params, x, t_x, T)
    rkx, rate = r + k * x, alpha + T
    terms = _phase_terms(k, rkx, T - t_x, rate)
    phase = np.exp(terms - logsumexp(terms, axis=0))  # (k, rows)
    codes, rep = group_rows(x, T)
    given = _given_phase(k, a, b, x[rep], rkx[rep], rate[rep], horizons)  # (k, pairs, h)
    for j in range(k):
        out += phase[j][:, None] * given[j][codes]
    return out * alive[:, None]


def _given_phase(k, a, b, x, s, rate, horizons) -> np.ndarray:
    """Return E[visits in (T, T + t] | alive, phase j], shape ``(k, rows, horizons)``.

    Rows with similar step ranges go together (buckets a factor 1.5 wide, by the longest
    horizon), so a few long-tailed histories do not widen everyone's sums; the chunks
    run on every core (numpy leaves the interpreter lock while it works on large arrays).
    """
    tops = np.stack([_step_bound(s + k - 1, rate / (rate + t)) for t in horizons], axis=1)
    longest = tops.max(axis=1)
    bucket = np.floor(np.log(longest + 2) / np.log(1.5)).astype("int64")
    chunks = []
    for level in np.unique(bucket):
        rows_all = np.flatnonzero(bucket == level)
        size = max(1, _CHUNK_CELLS // (k * (int(longest[rows_all].max()) + 2)))
        chunks += [rows_all[i : i + size] for i in range(0, len(rows_all), size)]
    out = np.zeros((k, len(x), len(horizons)), dtype="float64")

    def work(rows: np.ndarray) -> None:
        out[:, rows] = _expected_rows(k, a, b, x[rows], s[rows], rate[rows], horizons, tops[rows])

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with ThreadPoolExecutor(max_workers=max(1, min(len(chunks), cores or 1))) as pool:
        list(pool.map(work, chunks))
    return out


def _step_bound(shape: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """Return a step count past which a negative binomial's tail is below :data:`_TAIL`.

    The mean plus eight standard deviations covers the bulk; the tail beyond decays at
    least as fast as ``q^m`` (``q = 1 − prob``), so ``log(_TAIL) / log(q)`` more steps
    bound what is left, for every shape.
    """
    q = 1.0 - prob
    mean = shape * q / prob
    with np.errstate(divide="ignore"):
        geometric = np.where(q > 0, np.log(_TAIL) / np.log(np.where(q > 0, q, 0.5)), 0.0)
    return np.ceil(mean + 8 * np.sqrt(mean / prob) + geometric)


def _expected_rows(k, a, b, x, s, rate, horizons, tops) -> np.ndarray:
    """Return E[visits | alive, phase j] of a chunk of rows: shape ``(k, rows, horizons)``.

    The step counts run up to ``tops`` (one bound per row and horizon).
    """
    m_max = int(tops.max()) + 2
    m = np.arange(m_max + 1, dtype="float64")[:, None]  # (steps, rows)
    # the horizon-free part of the negative binomial's log-probabilities, once per chunk
    base = gammaln(s + m) - gammaln(s) - gammaln(m + 1)
    n_max = m_max // k + 1
    n = np.arange(1, n_max + 1, dtype="float64")[:, None]  # (visits, rows)
    # E[(1 - p)^(n-1) | alive], p ~ beta(a, b + x + 1): a running product over n
    step = (b + x + n[:-1]) / (a + b + x + n[:-1])
    keep = np.vstack([np.ones((1, len(x))), np.cumprod(step, axis=0)])
    out = np.zeros((k, len(x), len(horizons)), dtype="float64")
    for h, t in enumerate(horizons):
        if t <= 0:
            continue
        prob = rate / (rate + t)
        top = int(tops[:, h].max()) + 2
        mh = m[: top + 1]
        with np.errstate(divide="ignore"):
            log_q = np.log1p(-prob)
        pmf = np.exp(base[: top + 1] + s * np.log(prob) + mh * log_q)
        for j in range(k):
            if j:
                pmf *= (s + j - 1 + mh) / (s + j - 1) * prob  # shape s + j from s + j - 1
            # visit n has come once j plus the steps to come reach nk: P(steps ≥ nk − j)
            tail = np.cumsum(pmf[::-1], axis=0)[::-1]
            reach = tail[k - j :: k]
            out[j, :, h] = (keep[: len(reach)] * reach).sum(axis=0)
    return out

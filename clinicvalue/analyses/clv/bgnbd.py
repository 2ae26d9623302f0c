"""BG/NBD and Gamma-Gamma numerics: likelihoods, fits, closed-form predictions.

Both models are fitted with the kit's own numpy likelihoods and analytic gradients,
which are exactly lifetimes 0.11.3's objectives (weighted mean negative log-likelihood
over log-parameters plus ``penalizer * sum(params**2)``; BG/NBD on time scaled so that
max(T) = 1), minimised by scipy's BFGS from lifetimes' starting point with lifetimes'
tolerance — so the parameters equal ``BetaGeoFitter`` / ``GammaGammaFitter``'s (the
tests use lifetimes as the oracle; lifetimes itself is not imported here). Fitting runs on
sufficient statistics: patients with identical ``(frequency, recency, T)`` collapse to one
weighted row (Fader & Hardie's condensed likelihood), repeat patients with identical
``(frequency, monetary)`` likewise for Gamma-Gamma, via a hash factorisation
(``group_rows``). Predictions use the published closed forms (Fader, Hardie & Lee 2005,
eq. 10 and the P(alive) formula; Fader, Hardie & Lee 2005b for Gamma-Gamma), computed
once per distinct history with one broadcast ``hyp2f1`` over histories × month-ends, and
equal lifetimes' own methods (``customer_lifetime_value`` included) for the same
parameters. Parameter covariance: inverse of the central-difference Hessian of the
analytic gradient (lifetimes uses autograd's Hessian of the same objective).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from clinicvalue.errors import ConvergenceError, InputError
from clinicvalue.summarize.summary import MONTH_DAYS, UNIT_DAYS

TIME_UNITS = ("D", "W", "M")
# lifetimes' customer_lifetime_value: time units per month.
UNITS_PER_MONTH = {u: MONTH_DAYS / UNIT_DAYS[u] for u in TIME_UNITS}  # the kit's one month
LADDER: tuple[tuple[str, float, float], ...] = (
    ("default", 1e-7, 0.0),
    ("loose_tolerance", 1e-5, 0.0),
    ("penalizer=0.001", 1e-6, 0.001),
    ("penalizer=0.01", 1e-6, 0.01),
    ("penalizer=0.1", 1e-6, 0.1),
)


def monetary_column(summary: pd.DataFrame) -> np.ndarray | None:
    """Return the mean repeat spend: the kit's ``monetary`` or lifetimes' ``monetary_value``."""
    for name in ("monetary", "monetary_value"):
        if name in summary:
            return summary[name].to_numpy(dtype="float64")
    return None


def history_columns(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``frequency, recency, T`` of a summary as float arrays (refused if missing)."""
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


def _expected_given_alive(params: dict[str, float], t, x, T) -> np.ndarray:
    """Return FHL 2005 eq. 10 without its P(alive) factor; ``t`` broadcasts against ``x``."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    first = (a + b + x - 1) / (a - 1)
    second = 1 - hyp * ((alpha + T) / (alpha + t + T)) ** (r + x)
    return first * second


def bgnbd_expected(params: dict[str, float], t, x, t_x, T) -> np.ndarray:
    """Return E[Y(t) | x, t_x, T], expected visits in the next ``t`` units (FHL 2005, eq. 10)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    t = np.asarray(t, dtype="float64")
    return _expected_given_alive(params, t, x, T) * bgnbd_p_alive(params, x, t_x, T)


def bgnbd_new_patient_visits(params: dict[str, float], t: float) -> float:
    """Return E[X(t)], expected repeat visits in (0, t] of a new patient (FHL 2005, eq. 7)."""
    if abs(params["a"] - 1) < 1e-9:  # removable singularity at a = 1
        params = {**params, "a": 1 + 1e-7}
    return float(_expected_given_alive(params, np.float64(t), 0.0, 0.0))


def bgnbd_new_patient_alive(params: dict[str, float], t: float) -> float:
    """Return the chance a new patient has not dropped out by ``t``: E over λ, p of e^(−λpt)."""
    from scipy import integrate  # here: only the acquisition pages integrate

    r, alpha, a, b = (float(params[k]) for k in ("r", "alpha", "a", "b"))
    log_beta = betaln(a, b)

    def f(p: float) -> float:
        dens = np.exp((a - 1) * np.log(p) + (b - 1) * np.log1p(-p) - log_beta)
        return (alpha / (alpha + p * t)) ** r * dens

    # a large a + b puts the Beta's mass in a narrow spike that quad over [0, 1] can miss:
    # integrate over mean ± 12 sd (all of [0, 1] for a spread-out dropout probability)
    mean = a / (a + b)
    sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    lo, hi = max(0.0, mean - 12 * sd), min(1.0, mean + 12 * sd)
    value, _ = integrate.quad(f, lo, hi, points=[mean] if lo < mean < hi else None, limit=200)
    return float(value)


def bgnbd_expected_many(params: dict[str, float], horizons, x, t_x, T) -> np.ndarray:
    """Return expected visits in ``(T, T + t]`` for each ``t`` of ``horizons`` (time units).

    Shape ``(len(x), len(horizons))``. Eq. 10 without P(alive) depends on ``(x, T)``
    only: one broadcast ``hyp2f1`` call over distinct ``(x, T)`` pairs × horizons, then
    times P(alive), computed once per row.
    """
    x, t_x, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (x, t_x, T))
    codes, rep = group_rows(x, T)
    t = np.atleast_1d(np.asarray(horizons, dtype="float64"))[None, :]
    given_alive = _expected_given_alive(params, t, x[rep, None], T[rep, None])
    return given_alive[codes] * bgnbd_p_alive(params, x, t_x, T)[:, None]


def bgnbd_expected_months(
    params: dict[str, float], months, x, t_x, T, *, time_unit: str
) -> np.ndarray:
    """Return expected visits up to each month-end in ``months`` (one column per month)."""
    horizons = np.asarray(months, dtype="float64") * UNITS_PER_MONTH[time_unit]
    return bgnbd_expected_many(params, horizons, x, t_x, T)


def gg_expected(params: dict[str, float], x, m) -> np.ndarray:
    """Return Gamma-Gamma E[spend per visit | x, m] (zero repeats → population mean).

    A net-refund mean spend (``m < 0``, outside the model) counts as 0, so the expectation
    stays positive; otherwise equal to lifetimes' ``conditional_expected_average_profit``.
    """
    p, q, v = (params[k] for k in ("p", "q", "v"))
    x = np.asarray(x, dtype="float64")
    m = np.maximum(np.asarray(m, dtype="float64"), 0.0)
    pop = v * p / (q - 1)
    w = p * x / (p * x + q - 1)
    return (1 - w) * pop + w * np.where(x > 0, m, 0.0)


def monthly_rate(annual_discount_rate: float) -> float:
    """Convert an annual discount rate to the equivalent monthly one."""
    return (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0


def discounted_visits(cum: np.ndarray, months: int, monthly_discount_rate: float) -> np.ndarray:
    """Sum month-by-month increments of ``cum[:, :months]`` (months 1..) discounted monthly."""
    inc = np.diff(cum[:, :months], axis=1, prepend=0.0)
    disc = (1 + monthly_discount_rate) ** np.arange(1, months + 1, dtype="float64")
    return (inc / disc).sum(axis=1)


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
    """Sum monthly expected visits × spend discounted by (1+d)^month, as lifetimes does.

    Computed once per distinct ``(x, t_x, T)`` history and gathered back to patients.
    """
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    codes, rep = group_rows(x, t_x, T)
    cum = bgnbd_expected_months(
        params, np.arange(1, months + 1), x[rep], t_x[rep], T[rep], time_unit=time_unit
    )
    factor = discounted_visits(cum, months, monthly_discount_rate)
    return np.asarray(spend, dtype="float64") * factor[codes]


def group_rows(*cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return a group code per row and one representative row index per group.

    Hash-factorises each column (O(n)), packs the codes into one int64 key and factorises
    that: exact equality of every column, no sort, no pandas groupby.
    """
    n = len(cols[0])
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for col in cols:
        codes, uniques = pd.factorize(np.asarray(col), use_na_sentinel=False)
        k = max(len(uniques), 1)
        if size * k >= 2**62:  # re-pack before the key could overflow
            key, packed = pd.factorize(key)
            size = max(len(packed), 1)
        key = key * k + codes
        size *= k
    codes, uniques = pd.factorize(key)
    rep = np.empty(len(uniques), dtype=np.int64)
    rep[codes] = np.arange(n, dtype=np.int64)
    return codes, rep


def weighted_histories(x, t_x, T, weights) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct ``(x, t_x, T)`` rows, in sorted order, and their weights.

    The likelihoods are sums over patients of a term that depends on the history only, so
    each is evaluated once per distinct history, weighted by how many patients share it.
    The same rows as ``np.unique(..., axis=0)`` in the same order (so the sums, and the
    fits, are the same to the last bit), found by hashing instead of sorting every row.
    """
    codes, rep = group_rows(x, t_x, T)
    order = np.lexsort((T[rep], t_x[rep], x[rep]))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    hist = np.column_stack([x[rep[order]], t_x[rep[order]], T[rep[order]]])
    return hist, np.bincount(rank[codes], weights=weights, minlength=len(rep))


def _params_ok(params: dict[str, float]) -> bool:
    vals = np.array(list(params.values()), dtype="float64")
    if not np.all(np.isfinite(vals)) or np.any(vals <= 0) or np.any(vals > 1e8):
        return False
    return True


# -- likelihoods -------------------------------------------------------------------
# Both objectives are lifetimes' own (0.11.3): the weighted *mean* negative log-likelihood
# over log-parameters plus ``penalizer * sum(params**2)``; BG/NBD works on time scaled so
# that max(T) = 1 (its alpha is unscaled afterwards). Terms that depend on the repeat
# count alone are evaluated once per distinct count.


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    # multiply-and-sum (pairwise), not BLAS: a threaded BLAS dot is orders of magnitude
    # slower on a busy shared machine
    return float((u * v).sum())


@dataclass(frozen=True)
class _BgTable:
    x: np.ndarray
    t_x: np.ndarray  # scaled
    T: np.ndarray  # scaled
    w: np.ndarray
    pos: np.ndarray  # x > 0
    ux: np.ndarray  # distinct x
    wx: np.ndarray  # total weight per distinct x
    ix: np.ndarray  # row -> distinct x
    uT: np.ndarray  # distinct T (few: whole days), and row -> distinct T
    iT: np.ndarray
    utx: np.ndarray  # distinct t_x, and row -> distinct t_x
    itx: np.ndarray
    scale: float

    @classmethod
    def build(cls, x, t_x, T, w) -> _BgTable:
        x, t_x, T, w = (np.asarray(v, dtype="float64") for v in (x, t_x, T, w))
        scale = 1.0 / T.max()
        t_x, T = t_x * scale, T * scale
        ux, ix = np.unique(x, return_inverse=True)
        wx = np.bincount(ix, weights=w, minlength=len(ux))
        uT, iT = np.unique(T, return_inverse=True)
        utx, itx = np.unique(t_x, return_inverse=True)
        return cls(x, t_x, T, w, x > 0, ux, wx, ix, uT, iT, utx, itx, scale)


def _bgnbd_nll(log_params: np.ndarray, d: _BgTable, penalizer: float) -> tuple[float, np.ndarray]:
    """Return lifetimes' BG/NBD objective (FHL 2005, eq. 6) and its analytic gradient."""
    params = np.exp(log_params)
    r, alpha, a, b = params
    ux, wx, x, w = d.ux, d.wx, d.x, d.w
    W = wx.sum()
    # per distinct x: A1 + A2 of lifetimes (FHL 2005, section 7)
    a12 = (
        gammaln(r + ux)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + ux)
        - gammaln(b)
        - gammaln(a + b + ux)
    )
    # logs and reciprocals over the few distinct T, t_x and x, gathered to rows
    l_T = np.log(alpha + d.uT)[d.iT]
    l_tx = np.log(alpha + d.utx)[d.itx]
    rx = r + x
    a3 = -rx * l_T
    diff = np.log(a) - np.log(b + np.maximum(ux, 1) - 1)[d.ix] - rx * l_tx - a3  # A4 - A3
    diff = np.where(d.pos, diff, -np.inf)
    ll = _dot(wx, a12) + _dot(w, (a3 + np.logaddexp(0.0, diff)))
    s4 = expit(diff)  # weight of the "dropped out at t_x" branch; 0 when x = 0
    s3 = 1.0 - s4
    pg_ab, pg_abx = digamma(a + b), digamma(a + b + ux)
    g = np.array(
        [
            _dot(wx, (digamma(r + ux) - digamma(r) + np.log(alpha)))
            - _dot(w, (s3 * l_T + s4 * l_tx)),
            W * r / alpha - _dot(w, rx * (s3 / (alpha + d.uT)[d.iT] + s4 / (alpha + d.utx)[d.itx])),
            _dot(wx, (pg_ab - pg_abx)) + _dot(w, s4) / a,
            _dot(wx, (pg_ab + digamma(b + ux) - digamma(b) - pg_abx))
            - _dot(w, s4 / (b + np.maximum(ux, 1) - 1)[d.ix]),
        ]
    )
    f = -ll / W + penalizer * np.sum(params**2)
    grad = (-g / W + 2 * penalizer * params) * params
    return float(f), grad


@dataclass(frozen=True)
class _GgTable:
    x: np.ndarray
    xm: np.ndarray  # x * m
    w: np.ndarray
    ux: np.ndarray
    wx: np.ndarray
    s_log_m: float  # sum w log m

    @classmethod
    def build(cls, x, m, w) -> _GgTable:
        x, m, w = (np.asarray(v, dtype="float64") for v in (x, m, w))
        ux, inv = np.unique(x, return_inverse=True)
        wx = np.bincount(inv, weights=w, minlength=len(ux))
        return cls(x, x * m, w, ux, wx, _dot(w, np.log(m)))


def _gg_nll(log_params: np.ndarray, d: _GgTable, penalizer: float) -> tuple[float, np.ndarray]:
    """Return lifetimes' Gamma-Gamma objective (Fader & Hardie note 025, eq. 1a) and gradient.

    The per-row terms ``(px-1) log m + px log x + q log v - (px+q) log(xm+v)`` are regrouped
    as ``-px log1p(v/xm) - q log1p(xm/v) - log m`` to avoid cancellation.
    """
    params = np.exp(log_params)
    p, q, v = params
    ux, wx, x, w, xm = d.ux, d.wx, d.x, d.w, d.xm
    W = wx.sum()
    pux = p * ux
    l_v = np.log1p(v / xm)  # log(xm + v) - log(xm)
    l_xm = np.log1p(xm / v)  # log(xm + v) - log(v)
    ll = (
        _dot(wx, gammaln(pux + q) - gammaln(pux))
        - W * gammaln(q)
        - _dot(w, p * x * l_v + q * l_xm)
        - d.s_log_m
    )
    pg = digamma(pux + q)
    g = np.array(
        [
            _dot(wx, ux * (pg - digamma(pux))) - _dot(w, x * l_v),
            _dot(wx, pg) - W * digamma(q) - _dot(w, l_xm),
            W * q / v - _dot(w, (p * x + q) / (xm + v)),
        ]
    )
    f = -ll / W + penalizer * np.sum(params**2)
    grad = (-g / W + 2 * penalizer * params) * params
    return float(f), grad


def _numeric_hessian(fun, theta: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of the analytic gradient; symmetrised."""
    k = len(theta)
    out = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = h
        out[i] = (fun(theta + e)[1] - fun(theta - e)[1]) / (2 * h)
    return (out + out.T) / 2


def _log_covariance(hess: np.ndarray, total_weight: float) -> np.ndarray:
    """Covariance of the log-parameters: inverse Hessian of the total negative log-likelihood.

    The objective is the *mean* NLL over log-parameters (as in lifetimes); dividing the
    inverse of its Hessian by the patient count gives the total-NLL one.
    """
    k = len(hess)
    try:
        cov = np.linalg.inv(hess) / float(total_weight)
    except np.linalg.LinAlgError:
        return np.full((k, k), np.nan)
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
        return np.full((k, k), np.nan)
    return (cov + cov.T) / 2


@dataclass(frozen=True)
class _Fit:
    params: dict[str, float]
    log_cov: np.ndarray
    step: str
    nll: float  # lifetimes' objective at the optimum (mean NLL + penalty)


def _minimise(kind: str, table: pd.DataFrame, penalizer: float, tol: float) -> _Fit | str:
    """Run BFGS with the analytic gradient from lifetimes' start (0.1 on the log scale)."""
    if kind == "bgnbd":
        d = _BgTable.build(table["frequency"], table["recency"], table["T"], table["weights"])

        def fun(theta):
            return _bgnbd_nll(theta, d, penalizer)

        names, k = ("r", "alpha", "a", "b"), 4
    else:
        d = _GgTable.build(table["frequency"], table["monetary"], table["weights"])

        def fun(theta):
            return _gg_nll(theta, d, penalizer)

        names, k = ("p", "q", "v"), 3
    res = minimize(fun, 0.1 * np.ones(k), jac=True, method="BFGS", tol=tol)
    if not res.success:
        return "not converged"
    values = np.exp(res.x)
    if kind == "bgnbd":
        values[1] /= d.scale
    params = {n: float(v) for n, v in zip(names, values, strict=True)}
    cov = _log_covariance(_numeric_hessian(fun, res.x), float(d.w.sum()))
    return _Fit(params, cov, "", float(res.fun))


def run_ladder(kind: str, table: pd.DataFrame, penalizer: float) -> _Fit:
    """Fit ``kind`` (``bgnbd`` or ``gg``) down :data:`LADDER` until a step converges."""
    tried = []
    for step, tol, extra in LADDER:
        pen = max(penalizer, extra)
        label = step if penalizer == 0 or extra == 0 else f"penalizer={pen:g}"
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                fit = _minimise(kind, table, pen, tol)
            except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
                fit = type(exc).__name__
        if isinstance(fit, str):
            tried.append(f"{label}: {fit}")
            continue
        if not _params_ok(fit.params):
            tried.append(f"{label}: degenerate parameters")
            continue
        return _Fit(fit.params, fit.log_cov, label, fit.nll)
    model = "BG/NBD" if kind == "bgnbd" else "Gamma-Gamma"
    raise ConvergenceError(
        f"the {model} fit failed on every step ({'; '.join(tried)}); try a longer history, "
        "set clv.penalizer (e.g. 0.01) in the clinic profile, or check for duplicated visits"
    )


def condense(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Collapse identical rows of ``keys`` into one row with a ``weights`` count."""
    codes, rep = group_rows(*(frame[k].to_numpy() for k in keys))
    out = {k: frame[k].to_numpy()[rep] for k in keys}
    out["weights"] = np.bincount(codes, minlength=len(rep))
    return pd.DataFrame(out)

"""Lifetime value: BG/NBD visit model + Gamma-Gamma spend model (issue 4).

Both models are fitted with the kit's own numpy likelihoods and analytic gradients,
which are exactly lifetimes 0.11.3's objectives (weighted mean negative log-likelihood
over log-parameters plus ``penalizer * sum(params**2)``; BG/NBD on time scaled so that
max(T) = 1), minimised by scipy's BFGS from lifetimes' starting point with lifetimes'
tolerance — so the parameters equal ``BetaGeoFitter`` / ``GammaGammaFitter``'s (the
tests use lifetimes as the oracle; lifetimes itself is not imported here). Fitting runs on
sufficient statistics: patients with identical ``(frequency, recency, T)`` collapse to one
weighted row (Fader & Hardie's condensed likelihood), repeat patients with identical
``(frequency, monetary)`` likewise for Gamma-Gamma, via a hash factorisation
(``_group``). Predictions use the published closed forms (Fader, Hardie & Lee 2005,
eq. 10 and the P(alive) formula; Fader, Hardie & Lee 2005b for Gamma-Gamma), computed
once per distinct history with one broadcast ``hyp2f1`` over histories × month-ends, and
equal lifetimes' own methods (``customer_lifetime_value`` included) for the same
parameters. Parameter covariance: inverse of the central-difference Hessian of the
analytic gradient (lifetimes uses autograd's Hessian of the same objective).

Fallback without Gamma-Gamma: when fewer than two distinct repeat-spend histories
exist, ``gg_params_`` is ``None`` and expected spend per visit is each patient's mean
spend (or the clinic mean for one-visit patients); ``to_metrics`` records this.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import integrate
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from clinicvalue.errors import ConvergenceError, InputError, NotFittedError, check_option
from clinicvalue.summarize.summary import MONTH_DAYS, UNIT_DAYS
from clinicvalue.writers import write_json

if TYPE_CHECKING:
    from clinicvalue.profile import ClinicProfile

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
SCORE_COLUMNS = (
    "p_alive",
    "exp_visits_3m",
    "exp_visits_6m",
    "exp_visits_12m",
    "exp_spend",
    "clv_revenue",
    "clv",
)
_NO_REPEAT = (
    "no patient has a repeat visit yet; lifetime value needs patients seen on at least "
    "two different days — use a longer visit history or an earlier start date"
)


def _monetary(summary: pd.DataFrame) -> np.ndarray | None:
    """Return the mean repeat spend: the kit's ``monetary`` or lifetimes' ``monetary_value``."""
    for name in ("monetary", "monetary_value"):
        if name in summary:
            return summary[name].to_numpy(dtype="float64")
    return None


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


def bgnbd_expected_months(
    params: dict[str, float], months, x, t_x, T, *, time_unit: str
) -> np.ndarray:
    """Return expected visits up to each month-end in ``months``: shape ``(len(x), len(months))``.

    Eq. 10 without P(alive) depends on ``(x, T)`` only: one broadcast ``hyp2f1`` call over
    distinct ``(x, T)`` pairs × months, then times P(alive), computed once per row.
    """
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    codes, rep = _group(x, T)
    t = np.asarray(months, dtype="float64")[None, :] * UNITS_PER_MONTH[time_unit]
    given_alive = _expected_given_alive(params, t, x[rep, None], T[rep, None])
    return given_alive[codes] * bgnbd_p_alive(params, x, t_x, T)[:, None]


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


def _discounted_visits(cum: np.ndarray, months: int, monthly_discount_rate: float) -> np.ndarray:
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
    codes, rep = _group(x, t_x, T)
    cum = bgnbd_expected_months(
        params, np.arange(1, months + 1), x[rep], t_x[rep], T[rep], time_unit=time_unit
    )
    factor = _discounted_visits(cum, months, monthly_discount_rate)
    return np.asarray(spend, dtype="float64") * factor[codes]


def _group(*cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _run_ladder(kind: str, table: pd.DataFrame, penalizer: float) -> _Fit:
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


def _condense(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Collapse identical rows of ``keys`` into one row with a ``weights`` count."""
    codes, rep = _group(*(frame[k].to_numpy() for k in keys))
    out = {k: frame[k].to_numpy()[rep] for k in keys}
    out["weights"] = np.bincount(codes, minlength=len(rep))
    return pd.DataFrame(out)


class ClvModel:
    """BG/NBD visit model with Gamma-Gamma spend, fitted on condensed summaries.

    Parameters
    ----------
    time_unit
        ``"D"``, ``"W"`` or ``"M"``: the unit of the summary's ``recency`` and ``T``.
    penalizer
        L2 penalizer for both fits (the retry ladder may raise it).
    min_repeat
        Fewest repeat patients with spend for the Gamma-Gamma fit; below it, expected spend
        is each patient's own average (the clinic's for one-visit patients).
    """

    def __init__(
        self, *, time_unit: str = "W", penalizer: float = 0.0, min_repeat: int = 2
    ) -> None:
        self.time_unit = time_unit
        self.penalizer = penalizer
        self.min_repeat = min_repeat

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
        table = _condense(
            pd.DataFrame({"frequency": x, "recency": t_x, "T": T}), ["frequency", "recency", "T"]
        )
        bg = _run_ladder("bgnbd", table, self.penalizer)
        self.params_ = bg.params
        self.log_cov_ = bg.log_cov
        self.fit_step_ = bg.step
        self.nll_ = bg.nll
        self.n_patients_ = len(x)
        self.n_histories_ = len(table)
        m = _monetary(summary)
        if m is None:
            raise InputError(
                "summary lacks column ['monetary'] (or lifetimes' 'monetary_value'); build it "
                "with clinicvalue.summarize"
            )
        self.n_repeat_ = int((x > 0).sum())
        # net-refund means count as 0 (as in expected_spend)
        rep_m = pd.Series(np.maximum(m[x > 0], 0.0))
        self.mean_spend_ = float(rep_m.mean()) if self.n_repeat_ else 0.0
        if not np.isfinite(self.mean_spend_):
            self.mean_spend_ = 0.0
        self.gg_params_: dict[str, float] | None = None
        self.gg_log_cov_: np.ndarray | None = None
        self.gg_step_: str | None = None
        self.gg_nll_: float | None = None
        keep = (x > 0) & (m > 0)
        gg_table = _condense(
            pd.DataFrame({"frequency": x[keep], "monetary": m[keep]}), ["frequency", "monetary"]
        )
        if len(gg_table) >= 2 and int(keep.sum()) >= self.min_repeat:
            gg = _run_ladder("gg", gg_table, self.penalizer)
            if gg.params["q"] > 1:
                self.gg_params_, self.gg_log_cov_, self.gg_step_ = gg.params, gg.log_cov, gg.step
                self.gg_nll_ = gg.nll
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError("ClvModel is not fitted yet; call ClvModel.fit(summary) first")

    # -- saving ----------------------------------------------------------------------
    _STATE = (
        "params_", "log_cov_", "fit_step_", "nll_", "n_patients_", "n_histories_",
        "n_repeat_", "mean_spend_", "gg_params_", "gg_log_cov_", "gg_step_", "gg_nll_",
    )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """Return the settings and fitted state as JSON-ready values (see :meth:`from_dict`)."""
        self._check_fitted()
        state: dict[str, Any] = {"model": "bgnbd+gamma-gamma", "format": 1}
        state["settings"] = {
            "time_unit": self.time_unit,
            "penalizer": self.penalizer,
            "min_repeat": self.min_repeat,
        }
        for name in self._STATE:
            value = getattr(self, name)
            state[name] = value.tolist() if isinstance(value, np.ndarray) else value
        return state

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> ClvModel:
        """Return a fitted model from :meth:`to_dict`'s output.

        Raises
        ------
        InputError
            When ``state`` is not a saved ClvModel or lacks part of the fitted state.
        """
        if not isinstance(state, dict) or state.get("model") != "bgnbd+gamma-gamma":
            raise InputError(
                "not a saved clinicvalue ClvModel (expected model = bgnbd+gamma-gamma)"
            )
        missing = [k for k in ("settings", *cls._STATE) if k not in state]
        if missing:
            raise InputError(f"the saved ClvModel lacks {', '.join(missing)}")
        model = cls(**state["settings"])
        for name in cls._STATE:
            value = state[name]
            if name.endswith("log_cov_") and value is not None:
                value = np.asarray(value, dtype="float64")
            setattr(model, name, value)
        return model

    def save(self, path: str | Path) -> Path:
        """Write the fitted model as JSON (atomically) and return the path."""
        return write_json(self.to_dict(), path)

    @classmethod
    def load(cls, path: str | Path) -> ClvModel:
        """Read a model written by :meth:`save`."""
        import json

        try:
            state = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the saved model: {exc}", file=str(path)) from None
        return cls.from_dict(state)

    # -- predictions ---------------------------------------------------------------
    # Every BG/NBD quantity depends on (x, t_x, T) only: it is computed once per distinct
    # history and gathered back to patients.
    def _histories(self, summary: pd.DataFrame) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        x, t_x, T = _xrt(summary)
        codes, rep = _group(x, t_x, T)
        return codes, (x[rep], t_x[rep], T[rep])

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Return the probability each patient is still active."""
        self._check_fitted()
        codes, (x, t_x, T) = self._histories(summary)
        out = bgnbd_p_alive(self.params_, x, t_x, T)[codes]
        return pd.Series(out, index=summary.index, name="p_alive")

    def expected_visits(self, summary: pd.DataFrame, periods: float) -> pd.Series:
        """Return expected visits in the next ``periods`` time units."""
        self._check_fitted()
        codes, (x, t_x, T) = self._histories(summary)
        out = bgnbd_expected(self.params_, periods, x, t_x, T)[codes]
        return pd.Series(out, index=summary.index, name="expected_visits")

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Return the conditional expected spend per visit (Gamma-Gamma, or the fallback)."""
        self._check_fitted()
        x = summary["frequency"].to_numpy(dtype="float64")
        m = _monetary(summary)
        if m is None:
            raise InputError("summary lacks column ['monetary'] (or lifetimes' 'monetary_value')")
        if self.gg_params_ is not None:
            out = gg_expected(self.gg_params_, x, m)
        else:
            out = np.where(x > 0, np.maximum(m, 0.0), self.mean_spend_)
        return pd.Series(out, index=summary.index, name="exp_spend")

    def _discount_factor(self, hist: tuple[np.ndarray, ...], months: int, rate: float) -> tuple:
        """Return per-history discounted visits over ``months``, P(alive) and month-end visits.

        Month-ends cover 1..months plus 3, 6 and 12 (the score columns), in one pass.
        """
        ends = np.union1d(np.arange(1, months + 1), [3, 6, 12])
        cum = bgnbd_expected_months(self.params_, ends, *hist, time_unit=self.time_unit)
        return _discounted_visits(cum, months, rate), ends, cum

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
        codes, hist = self._histories(summary)
        factor, _, _ = self._discount_factor(hist, months, monthly_rate(annual_discount_rate))
        spend = self.expected_spend(summary).to_numpy()
        return pd.Series(spend * factor[codes] * margin, index=summary.index, name="clv")

    def predict(self, summary: pd.DataFrame, profile: ClinicProfile) -> pd.DataFrame:
        """Return the per-patient score columns (``SCORE_COLUMNS``)."""
        self._check_fitted()
        c = profile.clv
        if c.horizon_months < 1:
            raise InputError(f"CLV horizon must be at least 1 month; got {c.horizon_months}")
        codes, hist = self._histories(summary)
        rate = monthly_rate(c.annual_discount_rate)
        factor, ends, cum = self._discount_factor(hist, c.horizon_months, rate)
        spend = self.expected_spend(summary).to_numpy()
        revenue = spend * factor[codes]
        out = {"p_alive": bgnbd_p_alive(self.params_, *hist)[codes]}
        for mths in (3, 6, 12):
            out[f"exp_visits_{mths}m"] = cum[codes, int(np.searchsorted(ends, mths))]
        out["exp_spend"] = spend
        out["clv_revenue"] = revenue
        out["clv"] = revenue * profile.clinic.gross_margin
        return pd.DataFrame(out, index=summary.index)

    def value_within(
        self,
        summary: pd.DataFrame,
        months_left: np.ndarray,
        *,
        annual_discount_rate: float,
        margin: float = 1.0,
    ) -> pd.Series:
        """Return each patient's discounted expected value over their own next months.

        ``months_left`` (whole months, one per row of ``summary``) is how much of a
        horizon each patient still has: a patient acquired 8 months ago has 28 of a
        36-month lifetime left. Zero months give zero.
        """
        self._check_fitted()
        left = np.clip(np.asarray(months_left, dtype="int64"), 0, None)
        if len(left) != len(summary):
            raise InputError("months_left needs one value per patient of the summary")
        top = int(left.max()) if len(left) else 0
        if top == 0:
            return pd.Series(0.0, index=summary.index, name="value")
        codes, hist = self._histories(summary)
        cum = bgnbd_expected_months(
            self.params_, np.arange(1, top + 1), *hist, time_unit=self.time_unit
        )[codes]
        inc = np.diff(cum, axis=1, prepend=0.0)
        disc = (1 + monthly_rate(annual_discount_rate)) ** np.arange(1, top + 1, dtype="float64")
        inside = np.arange(top)[None, :] < left[:, None]
        visits = (inc / disc * inside).sum(axis=1)
        spend = self.expected_spend(summary).to_numpy()
        return pd.Series(spend * visits * margin, index=summary.index, name="value")

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

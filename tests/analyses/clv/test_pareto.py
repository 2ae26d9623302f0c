"""Tests for analyses.clv.pareto: the Pareto/NBD model against FHL 2005 and lifetimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes import ParetoNBDFitter
from lifetimes.datasets import load_cdnow_summary

from clinicvalue.analyses.clv.pareto import (
    _a0_difference,
    _likelihood,
    _log_a0,
    _log_a0_term,
    _objective,
    _row_log_likelihood,
    fit_pareto_nbd,
    pareto_curvature,
    pareto_expected,
    pareto_expected_many,
    pareto_log_likelihood,
    pareto_new_patient_visits,
    pareto_p_alive,
)
from clinicvalue.errors import InputError

#: Fader, Hardie & Lee (2005), "Counting your customers the easy way", CDNOW 1/10th
#: sample, 2,357 customers, 39-week calibration: the Pareto/NBD estimates and LL
PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
PUBLISHED_LL = -9595.0


@pytest.fixture(scope="module")
def cdnow():
    d = load_cdnow_summary(index_col=[0])
    return d["frequency"].to_numpy(float), d["recency"].to_numpy(float), d["T"].to_numpy(float)


@pytest.fixture(scope="module")
def fitted(cdnow):
    return fit_pareto_nbd(*cdnow)


def _lifetimes(params):
    f = ParetoNBDFitter()
    f.params_ = pd.Series(params)
    return f


def test_reproduces_the_published_cdnow_estimates(fitted):
    for k, v in PUBLISHED.items():
        # the likelihood is flat in beta: the published 11.669 and the optimum 11.668
        # differ in the third decimal
        assert fitted.params[k] == pytest.approx(v, abs=2e-3), k
    assert fitted.log_likelihood == pytest.approx(PUBLISHED_LL, abs=0.1)
    assert fitted.converged
    assert fitted.n_histories < 2357  # one row per distinct history


def test_fit_is_at_least_as_good_as_lifetimes(cdnow, fitted):
    ours = pareto_log_likelihood(fitted.params, *cdnow)
    theirs = ParetoNBDFitter().fit(*cdnow).params_.to_dict()
    assert ours >= pareto_log_likelihood(theirs, *cdnow) - 1e-6


def test_likelihood_p_alive_and_expected_visits_equal_lifetimes(cdnow, fitted):
    p = fitted.params
    lt = _lifetimes(p)
    x, t_x, T = cdnow
    ll = lt._conditional_log_likelihood((p["r"], p["alpha"], p["s"], p["beta"]), x, t_x, T)
    np.testing.assert_allclose(_row_log_likelihood(p, x, t_x, T), ll, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(
        pareto_p_alive(p, x, t_x, T), lt.conditional_probability_alive(x, t_x, T), rtol=1e-10
    )
    for t in (1.0, 39.0, 78.0):
        np.testing.assert_allclose(
            pareto_expected(p, t, x, t_x, T),
            lt.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T),
            rtol=1e-10,
        )
        assert pareto_new_patient_visits(p, t) == pytest.approx(
            lt.expected_number_of_purchases_up_to_time(t), rel=1e-12
        )


def test_alive_patients_with_a_visit_on_the_last_day():
    p = {"r": 0.5, "alpha": 10.0, "s": 0.6, "beta": 12.0}
    # a visit on the last day: nothing speaks of dropout yet beyond the prior
    alive = pareto_p_alive(p, [3.0, 3.0], [40.0, 10.0], [40.0, 40.0])
    assert alive[0] > alive[1] and alive[0] == pytest.approx(1.0)
    assert np.isfinite(pareto_log_likelihood(p, [3.0], [40.0], [40.0]))


def test_s_equal_to_one_takes_the_limit():
    near = pareto_new_patient_visits({"r": 0.5, "alpha": 10.0, "s": 1 + 1e-7, "beta": 12.0}, 52)
    one = pareto_new_patient_visits({"r": 0.5, "alpha": 10.0, "s": 1.0, "beta": 12.0}, 52)
    assert one == pytest.approx(near, rel=1e-6)


def test_bad_parameters_are_refused():
    with pytest.raises(InputError, match="missing 'beta'"):
        pareto_p_alive({"r": 1, "alpha": 1, "s": 1}, [0], [0], [1])
    with pytest.raises(InputError, match="must all be positive"):
        pareto_new_patient_visits({"r": 1, "alpha": -1, "s": 1, "beta": 1}, 1)
    with pytest.raises(InputError, match="at least one patient"):
        fit_pareto_nbd([], [], [])


@pytest.fixture(scope="module")
def cdnow_sample(cdnow):
    rows = np.random.default_rng(5).choice(len(cdnow[0]), 800, replace=False)
    part = tuple(c[rows] for c in cdnow)
    return part, fit_pareto_nbd(*part).params


def test_curvature_predicts_the_likelihood_near_the_optimum(cdnow, fitted):
    hess = pareto_curvature(fitted.params, *cdnow)
    assert hess is not None and np.allclose(hess, hess.T)
    names = ("r", "alpha", "s", "beta")
    theta = np.log([fitted.params[n] for n in names])

    def mean_nll(th):
        p = dict(zip(names, np.exp(th), strict=True))
        return -pareto_log_likelihood(p, *cdnow) / len(cdnow[0])

    rng = np.random.default_rng(1)
    for _ in range(5):  # at the optimum the change is the quadratic form, to third order
        step = rng.normal(size=4) * 0.01
        change = mean_nll(theta + step) - mean_nll(theta)
        assert change == pytest.approx(0.5 * step @ hess @ step, rel=0.05)


def test_a_sample_curvature_leads_to_the_same_optimum(cdnow, fitted, cdnow_sample):
    part, start = cdnow_sample
    curvature = pareto_curvature(start, *part)
    steered = fit_pareto_nbd(*cdnow, start=start, curvature=curvature)
    for name, value in fitted.params.items():
        assert steered.params[name] == pytest.approx(value, rel=1e-5), name
    assert steered.log_likelihood >= fitted.log_likelihood - 1e-7
    assert steered.converged
    # a curvature that misleads (a thousand times too flat: the first step overshoots and
    # the bounded search takes over) still ends at the optimum
    wrong = fit_pareto_nbd(*cdnow, start=start, curvature=1e-3 * curvature)
    for name, value in fitted.params.items():
        assert wrong.params[name] == pytest.approx(value, rel=1e-5), name


def _histories(*, seed: int, n: int, repeats: float, oldest: int):
    """Return random whole-number histories (x, t_x, T) and weights; a few last visits today."""
    rng = np.random.default_rng(seed)
    x = rng.poisson(repeats, n).astype(float)
    T = rng.integers(1, oldest, n).astype(float)
    t = np.where(x > 0, np.floor(T * rng.uniform(0.0, 1.0, n)), 0.0)
    t[: n // 25] = np.where(x[: n // 25] > 0, T[: n // 25], 0.0)  # a last visit on the day itself
    return x, t, T, rng.integers(1, 4, n).astype(float)


def test_fit_objective_is_the_likelihood_of_every_history():
    """The fit works out A₀ per distinct (x, t_x) and (x, T) pair; the same likelihood."""
    x, t, T, w = _histories(seed=3, n=500, repeats=1.5, oldest=30)
    hist = np.column_stack([x, t, T])
    for params in ({"r": 0.6, "alpha": 9.0, "s": 0.5, "beta": 12.0},
                   {"r": 1.3, "alpha": 20.0, "s": 2.0, "beta": 4.0}):  # fmt: skip
        theta = np.log([params[k] for k in ("r", "alpha", "s", "beta")])
        want = -pareto_log_likelihood(params, x, t, T, w) / w.sum()
        assert _objective(hist, w, 1.0)(theta) == pytest.approx(want, rel=1e-13)


def test_fit_gradient_is_the_objectives_slope():
    """The gradient the fits follow (analytic but for A₀'s terms) is the objective's."""
    x, t, T, w = _histories(seed=5, n=800, repeats=2.0, oldest=60)
    hist = np.column_stack([x, t, T])
    objective, value_and_gradient = _objective(hist, w, 60.0), _likelihood(hist, w, 60.0)
    step = 1e-5
    for params in ((0.6, 0.15, 0.5, 0.2), (1.3, 0.3, 2.0, 0.07), (0.4, 0.1, 0.4, 0.1)):
        theta = np.log(params)  # α = β in the last: the hypergeometric terms' branch point
        value, grad = value_and_gradient(theta)
        assert value == objective(theta)
        for i, e in enumerate(np.eye(4) * step):
            numeric = (objective(theta + e) - objective(theta - e)) / (2 * step)
            assert grad[i] == pytest.approx(numeric, rel=1e-6, abs=1e-9), (params, i)


def test_a0_per_distinct_pair_is_a0_per_row():
    """P(alive) and the forecasts work A₀ out once per (x, t) pair; the same per row."""
    x, t, T, _ = _histories(seed=8, n=5000, repeats=1.5, oldest=40)
    for r, alpha, s, beta in ((0.6, 9.0, 0.5, 12.0), (1.3, 20.0, 2.0, 4.0)):
        per_row = _a0_difference(
            _log_a0_term(r, alpha, s, beta, x, t), _log_a0_term(r, alpha, s, beta, x, T)
        )
        np.testing.assert_array_equal(_log_a0(r, alpha, s, beta, x, t, T), per_row)
        grid = _log_a0(
            r, alpha, s, beta, x.reshape(50, 100), t.reshape(50, 100), T.reshape(50, 100)
        )
        np.testing.assert_array_equal(grid, per_row.reshape(50, 100))
    # counts that are not whole numbers (a weighted or averaged input) go row by row
    frac = x + 0.5
    np.testing.assert_allclose(
        _log_a0(0.6, 9.0, 0.5, 12.0, frac, t, T),
        _a0_difference(
            _log_a0_term(0.6, 9.0, 0.5, 12.0, frac, t), _log_a0_term(0.6, 9.0, 0.5, 12.0, frac, T)
        ),
        rtol=0,
    )


def test_the_many_horizon_forecast_is_the_forecast_at_each_horizon(cdnow, fitted):
    x, t_x, T = cdnow
    horizons = [1.0, 13.0, 52.0, 156.0]
    many = pareto_expected_many(fitted.params, horizons, x, t_x, T)
    assert many.shape == (len(x), 4)
    for h, t in enumerate(horizons):
        np.testing.assert_allclose(
            many[:, h], pareto_expected(fitted.params, t, x, t_x, T), rtol=1e-14
        )

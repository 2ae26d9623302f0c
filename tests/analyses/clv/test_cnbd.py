"""Tests for analyses.clv.cnbd: MBG/CNBD-k against lifetimes' MBG/NBD (k = 1) and against
patients simulated with a known rhythm."""

from __future__ import annotations

import numpy as np
import pytest
from lifetimes import ModifiedBetaGeoFitter
from lifetimes.datasets import load_cdnow_summary
from scipy.special import gammaln

from clinicvalue.analyses.clv.cnbd import (
    _Histories,
    _value_and_gradient,
    cnbd_curvature,
    cnbd_expected,
    cnbd_log_likelihood,
    cnbd_p_alive,
    fit_cnbd,
    fit_cnbd_near,
)
from clinicvalue.errors import InputError
from tests.support.rhythm import regular as _regular
from tests.support.rhythm import simulate


@pytest.fixture(scope="module")
def cdnow():
    d = load_cdnow_summary(index_col=[0])
    return d["frequency"].to_numpy(float), d["recency"].to_numpy(float), d["T"].to_numpy(float)


def test_k_one_is_lifetimes_mbg_nbd(cdnow):
    x, t_x, T = cdnow
    mbg = ModifiedBetaGeoFitter().fit(x, t_x, T)
    fit = fit_cnbd(x, t_x, T, np.zeros_like(x), k=1)
    for name, value in mbg.params_.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-5), name
    p = mbg.params_.to_dict()
    np.testing.assert_allclose(
        cnbd_p_alive(1, p, x, t_x, T), mbg.conditional_probability_alive(x, t_x, T), rtol=1e-10
    )
    for t in (13.0, 39.0, 104.0):
        np.testing.assert_allclose(
            cnbd_expected(1, p, t, x, t_x, T),
            mbg.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T),
            rtol=1e-9,
        )


@pytest.mark.parametrize("k", [2, 4, 8])
def test_the_rhythm_of_simulated_patients_is_recovered(k):
    data = simulate(3000, k, weeks=156.0, seed=k, params=_regular(k))
    fit = fit_cnbd(data["x"], data["t_x"], data["T"], data["litt"])
    assert abs(fit.k - k) <= 1, fit.by_k
    assert fit.by_k[fit.k] == max(fit.by_k.values())
    # the mean gap between visits, k / E[λ] = k α / r, is about 26 weeks
    gap = fit.k * fit.params["alpha"] / fit.params["r"]
    assert gap == pytest.approx(26.0, rel=0.1)


def test_expected_visits_of_a_new_patient_match_a_simulation():
    k, params, t = 4, _regular(4), 104.0
    # a new patient: first visit today, no repeat yet, observed for no time
    (formula,) = cnbd_expected(k, params, t, 0.0, 0.0, 0.0)
    sim = simulate(200_000, k, weeks=t, seed=1, params=params)["x"]
    assert formula == pytest.approx(sim.mean(), abs=4 * sim.std() / np.sqrt(len(sim)))


def test_a_patient_past_the_rhythm_is_less_likely_alive():
    k, params = 8, _regular(8)
    # five visits about 26 weeks apart, last one 20 or 60 weeks ago
    alive = cnbd_p_alive(k, params, [5, 5], [136.0, 96.0], [156.0, 156.0])
    assert alive[0] > 0.9 > 0.5 > alive[1]
    # a memoryless model cannot tell "due" from "late" as sharply
    memoryless = cnbd_p_alive(
        1, {**params, "alpha": params["alpha"] / 8}, [5, 5], [136.0, 96.0], [156.0, 156.0]
    )
    assert alive[0] - alive[1] > memoryless[0] - memoryless[1]


def test_litt_is_the_only_way_k_enters_for_fixed_parameters():
    params = _regular(4)
    base = cnbd_log_likelihood(4, params, [3], [60.0], [100.0], [np.log(20.0) * 3])
    more = cnbd_log_likelihood(4, params, [3], [60.0], [100.0], [np.log(20.0) * 3 + 1.0])
    assert more - base == pytest.approx(3.0)  # (k - 1) per unit of litt


def test_bad_inputs_are_refused():
    with pytest.raises(InputError, match="whole number of at least 1"):
        cnbd_p_alive(0, _regular(2), [1], [1.0], [2.0])
    with pytest.raises(InputError, match="missing 'b'"):
        cnbd_p_alive(2, {"r": 1, "alpha": 1, "a": 1}, [1], [1.0], [2.0])
    with pytest.raises(InputError, match="litt must be 0"):
        fit_cnbd([0.0], [0.0], [10.0], [1.0])


@pytest.mark.parametrize("k", [1, 2, 5])
def test_fit_objective_is_the_likelihood_and_its_gradient_is_exact(k):
    rng = np.random.default_rng(k)
    n = 400
    x = rng.poisson(2.0, n).astype(float)
    T = rng.uniform(1.0, 40.0, n)
    t = np.where(x > 0, T * rng.uniform(0.0, 1.0, n), 0.0)
    t[:10] = np.where(x[:10] > 0, T[:10], 0.0)  # a last visit on the day itself
    w = rng.integers(1, 4, n).astype(float)
    h = _Histories.of(x, t, T, w)
    theta = np.log([0.9, 4.0, 0.7, 2.5])
    value, grad = _value_and_gradient(k, theta, h)
    params = dict(zip(("r", "alpha", "a", "b"), np.exp(theta), strict=True))
    # the objective leaves out the constant −x log Γ(k) of each history (and litt)
    full = cnbd_log_likelihood(k, params, x, t, T, 0.0, w) + (w * x).sum() * gammaln(k)
    assert value == pytest.approx(-full / w.sum())
    step = 1e-6
    for i in range(4):
        up, down = theta.copy(), theta.copy()
        up[i] += step
        down[i] -= step
        numeric = (_value_and_gradient(k, up, h)[0] - _value_and_gradient(k, down, h)[0]) / 2 / step
        assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("k", [2, 4])  # (k = 1 on this rhythm puts a, b on a flat ridge)
def test_curvature_is_the_likelihoods_second_derivative(k):
    data = simulate(2000, k, weeks=104.0, seed=10 + k, params=_regular(k))
    x, t, T = data["x"], data["t_x"], data["T"]
    params = fit_cnbd(x, t, T, data["litt"], k=k).params
    hess = cnbd_curvature(k, params, x, t, T)
    assert hess is not None and np.allclose(hess, hess.T)
    names = ("r", "alpha", "a", "b")
    theta = np.log([params[n] for n in names])

    def mean_nll(th):
        p = dict(zip(names, np.exp(th), strict=True))
        return -cnbd_log_likelihood(k, p, x, t, T, 0.0) / len(x)

    step = 1e-4  # second differences of the likelihood itself, not of its gradient
    for i in range(4):
        for j in range(4):
            e_i, e_j = np.eye(4)[i] * step, np.eye(4)[j] * step
            numeric = (
                mean_nll(theta + e_i + e_j) - mean_nll(theta + e_i - e_j)
                - mean_nll(theta - e_i + e_j) + mean_nll(theta - e_i - e_j)
            ) / (4 * step * step)  # fmt: skip
            assert hess[i, j] == pytest.approx(numeric, rel=1e-3, abs=1e-5), (i, j)


@pytest.mark.parametrize("k", [2, 4])
def test_a_sample_curvature_leads_to_the_same_optimum(k):
    """Quasi-Newton from a sample's fit and curvature ends where the bounded search does."""
    data = simulate(20_000, k, weeks=104.0, seed=20 + k, params=_regular(k))
    x, t, T, litt = data["x"], data["t_x"], data["T"], data["litt"]
    rows = np.random.default_rng(k).choice(len(x), 2000, replace=False)
    sample = fit_cnbd(x[rows], t[rows], T[rows], litt[rows], k=k).params
    curvature = cnbd_curvature(k, sample, x[rows], t[rows], T[rows])
    plain = fit_cnbd(x, t, T, litt, k=k, start=sample).params
    steered = fit_cnbd(x, t, T, litt, k=k, starts={k: sample}, curvatures={k: curvature})
    for name, value in plain.items():
        assert steered.params[name] == pytest.approx(value, rel=1e-6), name
    # a curvature that misleads (a thousand times too flat: the first step overshoots and
    # the bounded search takes over) still ends at the optimum
    wrong = fit_cnbd(x, t, T, litt, k=k, starts={k: sample}, curvatures={k: 1e-3 * curvature})
    for name, value in plain.items():
        assert wrong.params[name] == pytest.approx(value, rel=1e-6), name


@pytest.fixture(scope="module")
def rhythm_and_sample():
    """A clinic with a six-monthly rhythm (k = 4), its fit at every order, a sample's."""
    data = simulate(30_000, 4, weeks=156.0, seed=44, params=_regular(4))
    cols = data["x"], data["t_x"], data["T"], data["litt"]
    rows = np.random.default_rng(4).choice(len(cols[0]), 3000, replace=False)
    part = tuple(c[rows] for c in cols)
    sample = fit_cnbd(*part, k=list(range(1, 9)))
    calls: list[int] = []

    def start_of(order):
        calls.append(order)
        params = sample.params_by_k[order]
        return params, cnbd_curvature(order, params, *part[:3])

    every = fit_cnbd(*cols, k=list(range(1, 9)), starts=sample.params_by_k)
    return cols, every, start_of, calls


@pytest.mark.parametrize("first", [4, 1, 7])
def test_the_outward_search_finds_the_order_every_fit_would(rhythm_and_sample, first):
    cols, every, start_of, calls = rhythm_and_sample
    calls.clear()
    near = fit_cnbd_near(*cols, first=first, start_of=start_of)
    assert near.k == every.k == 4
    for name, value in every.params.items():
        assert near.params[name] == pytest.approx(value, rel=1e-6), name
    assert near.log_likelihood == pytest.approx(every.log_likelihood, rel=1e-12)
    # from a wrong first order it climbs to the best; the orders beyond are passed over
    # on one evaluation each, and each is indeed less likely than the best
    assert set(range(min(first, 4), max(first, 4) + 1)) <= set(near.by_k)
    assert {3, 5} <= set(calls) and len(near.by_k) < len(calls)
    for order in set(calls) - set(near.by_k):
        assert every.by_k[order] < near.log_likelihood

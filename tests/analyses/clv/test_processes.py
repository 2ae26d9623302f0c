"""Tests for analyses.clv.processes: one interface over the visit models."""

from __future__ import annotations

import numpy as np
import pytest
from lifetimes.datasets import load_cdnow_summary

from clinicvalue.analyses.clv import processes
from clinicvalue.analyses.clv.bgnbd import bgnbd_expected, bgnbd_p_alive
from clinicvalue.analyses.clv.cnbd import cnbd_expected, cnbd_expected_many
from clinicvalue.analyses.clv.pareto import pareto_expected, pareto_log_likelihood, pareto_p_alive
from clinicvalue.errors import ConvergenceError, InputError
from tests.support.rhythm import regular as _regular
from tests.support.rhythm import simulate


@pytest.fixture(scope="module")
def cdnow():
    d = load_cdnow_summary(index_col=[0])
    return tuple(d[c].to_numpy(float) for c in ("frequency", "recency", "T"))


def test_every_model_forecasts_as_its_own_formulas(cdnow):
    x, t_x, T = cdnow
    horizons = [4.0, 39.0, 78.0]
    bg = processes.fit_visits("bgnbd", x, t_x, T)
    pn = processes.fit_visits("pareto_nbd", x, t_x, T)
    for t, col in zip(
        horizons, processes.expected("bgnbd", bg, horizons, x, t_x, T).T, strict=True
    ):
        assert np.allclose(col, bgnbd_expected(bg, t, x, t_x, T), rtol=1e-12)
    for t, col in zip(
        horizons, processes.expected("pareto_nbd", pn, horizons, x, t_x, T).T, strict=True
    ):
        assert np.allclose(col, pareto_expected(pn, t, x, t_x, T), rtol=1e-12)
    assert np.allclose(processes.alive("bgnbd", bg, x, t_x, T), bgnbd_p_alive(bg, x, t_x, T))
    assert np.allclose(processes.alive("pareto_nbd", pn, x, t_x, T), pareto_p_alive(pn, x, t_x, T))


@pytest.mark.parametrize("k", [1, 3, 9])
def test_the_many_horizon_forecast_equals_the_reference_sum(k):
    d = simulate(600, k, weeks=156.0, seed=k, params=_regular(k))
    params = {n: v for n, v in _regular(k).items()}
    fast = cnbd_expected_many(k, params, [13.0, 52.0, 156.0], d["x"], d["t_x"], d["T"])
    for h, t in enumerate([13.0, 52.0, 156.0]):
        ref = cnbd_expected(k, params, t, d["x"], d["t_x"], d["T"])
        assert np.max(np.abs(fast[:, h] - ref)) < 1e-9


def test_a_large_fit_started_from_a_sample_reaches_the_same_optimum(monkeypatch):
    d = simulate(4000, 4, weeks=156.0, seed=11, params=_regular(4))
    hist = d["x"], d["t_x"], d["T"]
    cold = processes.fit_visits("mbg_cnbd_k", *hist, litt=d["litt"])
    cold_pn = processes.fit_visits("pareto_nbd", *hist)
    monkeypatch.setattr(processes, "WARM_START_PATIENTS", 500)
    warm = processes.fit_visits("mbg_cnbd_k", *hist, litt=d["litt"])
    warm_pn = processes.fit_visits("pareto_nbd", *hist)
    assert warm["k"] == cold["k"] == 4
    for name in ("r", "alpha", "a", "b"):
        assert warm[name] == pytest.approx(cold[name], rel=1e-6)
    # Pareto/NBD's likelihood is flat along r, α here (r ≈ 17): the warm fit's optimum
    # is at least as likely, and equal to a looser tolerance
    assert pareto_log_likelihood(warm_pn, *hist) >= pareto_log_likelihood(cold_pn, *hist) - 1e-6
    for name in ("r", "alpha", "s", "beta"):
        assert warm_pn[name] == pytest.approx(cold_pn[name], rel=1e-4)


def test_unknown_models_and_missing_inputs_are_refused(cdnow):
    x, t_x, T = cdnow
    with pytest.raises(InputError, match="unknown visit model 'bgnbdx'"):
        processes.fit_visits("bgnbdx", x, t_x, T)
    with pytest.raises(InputError, match="needs each patient's log inter-visit times"):
        processes.fit_visits("mbg_cnbd_k", x, t_x, T)
    with pytest.raises(ConvergenceError, match="no patient has a repeat visit"):
        processes.fit_visits("pareto_nbd", np.zeros(3), np.zeros(3), np.ones(3))

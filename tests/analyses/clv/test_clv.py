import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

from clinicvalue.analyses.clv.bgnbd import (
    UNITS_PER_MONTH,
    bgnbd_expected,
    bgnbd_p_alive,
    gg_expected,
    monthly_rate,
)
from clinicvalue.analyses.clv.model import SCORE_COLUMNS, ClvModel
from clinicvalue.errors import ConvergenceError, InputError, NotFittedError, OptionError
from clinicvalue.profile import ClinicProfile


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    d = load_cdnow_summary_data_with_monetary_value().head(600)
    d = d.rename(columns={"monetary_value": "monetary"})
    d.index = d.index.astype(str).astype("string")
    return d


@pytest.fixture(scope="module")
def fitted(cdnow) -> ClvModel:
    return ClvModel().fit(cdnow)


def _lt(model: ClvModel) -> tuple[BetaGeoFitter, GammaGammaFitter]:
    bg = BetaGeoFitter()
    bg.params_ = pd.Series(model.params_)
    bg.predict = bg.conditional_expected_number_of_purchases_up_to_time  # set by fit()
    gg = GammaGammaFitter()
    gg.params_ = pd.Series(model.gg_params_)
    return bg, gg


def test_condensed_fit_equals_unweighted_lifetimes(cdnow, fitted):
    bg = BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for k, v in fitted.params_.items():
        assert v == pytest.approx(bg.params_[k], rel=1e-4)
    assert fitted.n_histories_ < len(cdnow)


def test_predictions_equal_lifetimes(cdnow, fitted):
    bg, gg = _lt(fitted)
    x, r, t = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    np.testing.assert_allclose(
        fitted.p_alive(cdnow), bg.conditional_probability_alive(x, r, t), rtol=1e-9
    )
    np.testing.assert_allclose(
        fitted.expected_visits(cdnow, 10),
        bg.conditional_expected_number_of_purchases_up_to_time(10, x, r, t),
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        fitted.expected_spend(cdnow),
        gg.conditional_expected_average_profit(x, cdnow["monetary"]),
        rtol=1e-9,
    )


def test_clv_equals_lifetimes_customer_lifetime_value(cdnow, fitted):
    """lifetimes counts a month as 4.345 weeks; the kit's month is 365.25 / 12 days.

    So lifetimes is given the same model in months (time and alpha divided by the weeks
    in the kit's month) and asked with ``freq="M"``: the same CLV in the same months.
    """
    bg, gg = _lt(fitted)
    weeks = UNITS_PER_MONTH["W"]
    bg.params_ = bg.params_.copy()
    bg.params_["alpha"] = fitted.params_["alpha"] / weeks
    d = monthly_rate(0.10)
    want = gg.customer_lifetime_value(
        bg,
        cdnow["frequency"],
        cdnow["recency"] / weeks,
        cdnow["T"] / weeks,
        cdnow["monetary"],
        time=12,
        discount_rate=d,
        freq="M",
    )
    got = fitted.clv(cdnow, months=12, annual_discount_rate=0.10)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-6)
    half = fitted.clv(cdnow, months=12, annual_discount_rate=0.10, margin=0.5)
    np.testing.assert_allclose(half, got * 0.5)


def test_monthly_rate_compounds_to_annual():
    assert (1 + monthly_rate(0.10)) ** 12 == pytest.approx(1.10)


def test_predict_columns_and_profile(cdnow, fitted):
    prof = ClinicProfile()
    out = fitted.predict(cdnow, prof)
    assert list(out.columns) == list(SCORE_COLUMNS)
    assert out.index.equals(cdnow.index)
    assert (out["exp_visits_12m"] >= out["exp_visits_6m"]).all()
    assert (out["exp_visits_6m"] >= out["exp_visits_3m"]).all()
    # the lifetime value is gross margin; clv_revenue is the revenue it comes from
    np.testing.assert_allclose(out["clv"], out["clv_revenue"] * prof.clinic.gross_margin)
    assert out["p_alive"].between(0, 1).all()


def test_to_metrics_json_ready(fitted):
    import json

    m = fitted.to_metrics()
    json.dumps(m)
    assert m["fit_step"] == "default"
    iv = m["intervals"]["bgnbd"]["r"]
    assert iv["lower"] < iv["estimate"] < iv["upper"]
    assert set(m["gamma_gamma"]) == {"p", "q", "v"}


def test_standard_errors_match_lifetimes(cdnow, fitted):
    bg = BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    iv = fitted.to_metrics()["intervals"]["bgnbd"]
    for k in ("r", "alpha", "a", "b"):
        assert iv[k]["se"] == pytest.approx(bg.standard_errors_[k], rel=1e-3)
        assert iv[k]["lower"] > 0


def test_not_fitted_names_class(cdnow):
    with pytest.raises(NotFittedError, match="ClvModel is not fitted"):
        ClvModel().p_alive(cdnow)


def test_no_repeat_patients_raises(cdnow):
    s = cdnow.assign(frequency=0, recency=0.0)
    with pytest.raises(ConvergenceError, match="no patient has a repeat visit yet"):
        ClvModel().fit(s)


def test_empty_and_bad_inputs(cdnow):
    with pytest.raises(InputError, match="no patients"):
        ClvModel().fit(cdnow.iloc[:0])
    with pytest.raises(InputError, match="lacks column"):
        ClvModel().fit(cdnow.drop(columns="T"))
    with pytest.raises(OptionError, match="time_unit"):
        ClvModel(time_unit="Y").fit(cdnow)
    with pytest.raises(InputError, match="penalizer must be"):
        ClvModel(penalizer=-1).fit(cdnow)


def test_horizon_must_be_positive(cdnow, fitted):
    with pytest.raises(InputError, match="at least 1 month"):
        fitted.clv(cdnow, months=0, annual_discount_rate=0.1)


def test_ladder_exhausted_message(cdnow, monkeypatch):
    import clinicvalue.analyses.clv.bgnbd as clv

    monkeypatch.setattr(clv, "_params_ok", lambda params: False)
    with pytest.raises(ConvergenceError, match="failed on every step.*clv.penalizer"):
        ClvModel().fit(cdnow)


def test_ladder_moves_on_after_failure(cdnow, monkeypatch):
    import clinicvalue.analyses.clv.bgnbd as clv

    calls = []

    def ok(params):
        calls.append(1)
        return len(calls) > 1

    monkeypatch.setattr(clv, "_params_ok", ok)
    m = ClvModel().fit(cdnow)
    assert m.fit_step_ == "loose_tolerance"


def test_gg_fallback_when_one_repeat_history():
    s = pd.DataFrame(
        {
            "frequency": [0, 0, 2, 2],
            "recency": [0.0, 0, 5, 5],
            "T": [10.0, 8, 10, 10],
            "monetary": [0.0, 0, 30, 30],
        },
        index=pd.Index(["1", "2", "3", "4"], dtype="string", name="patient_id"),
    )
    m = ClvModel().fit(s.assign(recency=[0.0, 0, 5, 6]))
    assert m.gg_params_ is None
    # one-visit patients get the repeat patients' mean spend (30)
    assert m.expected_spend(s).tolist() == [30.0, 30.0, 30.0, 30.0]
    assert m.to_metrics()["gamma_gamma"] is None


def test_p_alive_hand_computed():
    # x=0 → 1; otherwise 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))
    p = {"r": 1.0, "alpha": 1.0, "a": 1.0, "b": 2.0}
    got = bgnbd_p_alive(p, [0, 1], [0, 1], [3, 3])
    assert got[0] == 1.0
    assert got[1] == pytest.approx(1 / (1 + 0.5 * 2.0**2))


def test_gg_hand_computed():
    p = {"p": 2.0, "q": 3.0, "v": 10.0}
    # pop mean = v p/(q-1) = 10; weight = p x/(p x + q - 1) = 4/6 for x=2
    assert gg_expected(p, [0, 2], [0, 40]).tolist() == pytest.approx([10.0, 10 / 3 + 80 / 3])


@settings(max_examples=40, deadline=None)
@given(
    x=st.integers(0, 20),
    tx=st.floats(0, 50),
    extra=st.floats(0, 50),
    t1=st.floats(0.1, 30),
    t2=st.floats(0.1, 30),
)
def test_expected_visits_monotone_in_horizon(x, tx, extra, t1, t2):
    p = {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}
    tx = tx if x > 0 else 0.0
    T = tx + extra + 0.01
    lo, hi = sorted([t1, t2])
    e_lo = float(bgnbd_expected(p, lo, x, tx, T))
    e_hi = float(bgnbd_expected(p, hi, x, tx, T))
    assert 0 <= e_lo <= e_hi + 1e-12
    assert 0 <= float(bgnbd_p_alive(p, x, tx, T)) <= 1


# -- own likelihoods: oracle lifetimes 0.11.3 (BetaGeoFitter / GammaGammaFitter) ---------


def _bg_table(s: pd.DataFrame):
    from clinicvalue.analyses.clv.bgnbd import _BgTable, condense

    t = condense(s, ["frequency", "recency", "T"])
    return _BgTable.build(t["frequency"], t["recency"], t["T"], t["weights"]), t


def _gg_table(s: pd.DataFrame):
    from clinicvalue.analyses.clv.bgnbd import _GgTable, condense

    rep = s[(s["frequency"] > 0) & (s["monetary"] > 0)]
    t = condense(rep, ["frequency", "monetary"])
    return _GgTable.build(t["frequency"], t["monetary"], t["weights"]), t


def _fd_grad(fun, theta, h=1e-6):
    out = np.empty_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = h
        out[i] = (fun(theta + e)[0] - fun(theta - e)[0]) / (2 * h)
    return out


@pytest.mark.parametrize("pen", [0.0, 0.05])
@pytest.mark.parametrize("theta", [[0.1, 0.1, 0.1, 0.1], [-1.4, 1.5, -0.2, 0.9]])
def test_bgnbd_gradient_matches_finite_differences(cdnow, pen, theta):
    from clinicvalue.analyses.clv.bgnbd import _bgnbd_nll

    d, _ = _bg_table(cdnow)
    theta = np.array(theta)
    f, g = _bgnbd_nll(theta, d, pen)
    np.testing.assert_allclose(g, _fd_grad(lambda t: _bgnbd_nll(t, d, pen), theta), rtol=1e-5)
    assert np.isfinite(f)


@pytest.mark.parametrize("pen", [0.0, 0.05])
@pytest.mark.parametrize("theta", [[0.1, 0.1, 0.1], [1.8, 1.3, 2.7]])
def test_gg_gradient_matches_finite_differences(cdnow, pen, theta):
    from clinicvalue.analyses.clv.bgnbd import _gg_nll

    d, _ = _gg_table(cdnow)
    theta = np.array(theta)
    _, g = _gg_nll(theta, d, pen)
    np.testing.assert_allclose(g, _fd_grad(lambda t: _gg_nll(t, d, pen), theta), rtol=1e-5)


@pytest.mark.parametrize("pen", [0.0, 0.05])
def test_objectives_equal_lifetimes_negative_log_likelihood(cdnow, pen):
    # lifetimes' own objective, on the same scaled data, at arbitrary log-parameters
    from clinicvalue.analyses.clv.bgnbd import _bgnbd_nll, _gg_nll

    d, _ = _bg_table(cdnow)
    theta = np.array([-1.0, 0.5, 0.2, 0.7])
    want = BetaGeoFitter._negative_log_likelihood(theta, d.x, d.t_x, d.T, d.w, pen)
    assert _bgnbd_nll(theta, d, pen)[0] == pytest.approx(float(want), rel=1e-12)
    g, t = _gg_table(cdnow)
    theta = np.array([1.5, 1.0, 2.0])
    want = GammaGammaFitter._negative_log_likelihood(
        theta,
        t["frequency"].to_numpy(float),
        t["monetary"].to_numpy(),
        t["weights"].to_numpy(),
        pen,
    )
    assert _gg_nll(theta, g, pen)[0] == pytest.approx(float(want), rel=1e-12)


def _lifetimes_fit(fitter, *columns):
    """Fit a lifetimes model from its own start, or from log-parameters of zero if needed.

    lifetimes stops with ``ConvergenceError`` when BFGS reports a loss of precision even at
    a vanishing gradient, and whether that happens depends on the CPU's rounding; a
    second start, still lifetimes' own optimiser, gives the oracle on every machine.
    """
    from lifetimes.utils import ConvergenceError

    try:
        return fitter.fit(*columns)
    except ConvergenceError:
        n = 3 if isinstance(fitter, GammaGammaFitter) else 4
        return fitter.fit(*columns, initial_params=np.zeros(n))


def _assert_same_fit(model: ClvModel, s: pd.DataFrame, penalizer: float = 0.0) -> None:
    bg = _lifetimes_fit(
        BetaGeoFitter(penalizer_coef=penalizer), s["frequency"], s["recency"], s["T"]
    )
    rep = s[(s["frequency"] > 0) & (s["monetary"] > 0)]
    gg = _lifetimes_fit(
        GammaGammaFitter(penalizer_coef=penalizer), rep["frequency"], rep["monetary"]
    )
    for k, v in model.params_.items():
        assert v == pytest.approx(bg.params_[k], rel=1e-4), k
    if model.gg_params_ is None:  # the kit drops a Gamma-Gamma fit with q <= 1
        assert gg.params_["q"] <= 1
        return
    for k, v in model.gg_params_.items():
        assert v == pytest.approx(gg.params_[k], rel=1e-4), k
    # and the optimum is at least as good as lifetimes' (same objective, same scaling)
    assert model.nll_ <= bg._negative_log_likelihood_ + 1e-6 * abs(bg._negative_log_likelihood_)
    assert model.gg_nll_ <= gg._negative_log_likelihood_ + 1e-6 * abs(gg._negative_log_likelihood_)


def test_fit_equals_lifetimes_on_full_cdnow():
    s = load_cdnow_summary_data_with_monetary_value().rename(columns={"monetary_value": "monetary"})
    m = ClvModel().fit(s)
    assert (m.fit_step_, m.gg_step_) == ("default", "default")
    _assert_same_fit(m, s)


@pytest.mark.parametrize("pen", [0.001, 0.01])
def test_fit_equals_lifetimes_with_penalizer(cdnow, pen):
    _assert_same_fit(ClvModel(penalizer=pen).fit(cdnow), cdnow, penalizer=pen)


def test_fit_equals_lifetimes_on_synthetic_general_clinic():
    from clinicvalue import summarize
    from clinicvalue.synth import synthesize

    v = synthesize("general", patients=20000, seed=3).visits
    s = summarize(v, "2026-10-31", time_unit="W")
    m = ClvModel().fit(s)
    assert m.n_histories_ < len(s)
    _assert_same_fit(m, s)


def test_group_condenses_exact_duplicates_only():
    from clinicvalue.analyses.clv.bgnbd import condense, group_rows

    f = pd.DataFrame({"a": [1, 1, 2, 1, 2], "b": [0.5, 0.5, 0.5, 0.5000001, 0.5]})
    codes, rep = group_rows(f["a"].to_numpy(), f["b"].to_numpy())
    assert codes.tolist() == [0, 0, 1, 2, 1]
    assert f.iloc[rep].to_numpy().tolist() == [[1, 0.5], [2, 0.5], [1, 0.5000001]]
    t = condense(f, ["a", "b"])
    assert t["weights"].tolist() == [2, 2, 1]


def test_group_repacks_wide_keys():
    # 20 columns of 10 values: 10**20 combinations would overflow an int64 key
    from clinicvalue.analyses.clv.bgnbd import group_rows

    rng = np.random.default_rng(0)
    cols = rng.integers(0, 10, (20, 300))
    cols[:, 150:] = cols[:, :150]  # second half duplicates the first
    codes, rep = group_rows(*cols)
    assert len(rep) == len({tuple(c) for c in cols.T})
    np.testing.assert_array_equal(codes[150:], codes[:150])
    np.testing.assert_array_equal(cols[:, rep[codes]], cols)


def test_weighted_histories_are_numpy_unique_rows_with_their_weights():
    from clinicvalue.analyses.clv.bgnbd import weighted_histories

    rng = np.random.default_rng(4)
    x = rng.integers(0, 4, 2000).astype(float)
    t_x = np.where(x > 0, rng.integers(0, 6, 2000), 0).astype(float)
    T = t_x + rng.integers(0, 3, 2000)
    w = rng.random(2000)
    hist, hw = weighted_histories(x, t_x, T, w)
    ref, inverse = np.unique(np.column_stack([x, t_x, T]), axis=0, return_inverse=True)
    np.testing.assert_array_equal(hist, ref)
    np.testing.assert_allclose(hw, np.bincount(inverse.ravel(), weights=w), rtol=1e-12)


def test_predict_reuses_month_ends_equal_to_methods(cdnow, fitted):
    prof = ClinicProfile().replace(clv__horizon_months=6)
    out = fitted.predict(cdnow, prof)
    for mths in (3, 6, 12):
        np.testing.assert_allclose(
            out[f"exp_visits_{mths}m"],
            fitted.expected_visits(cdnow, mths * UNITS_PER_MONTH["W"]),
            rtol=1e-12,
        )
    want = fitted.clv(cdnow, months=6, annual_discount_rate=prof.clv.annual_discount_rate)
    np.testing.assert_allclose(out["clv_revenue"], want, rtol=1e-12)
    np.testing.assert_allclose(out["clv"], want * prof.clinic.gross_margin, rtol=1e-12)
    np.testing.assert_allclose(out["p_alive"], fitted.p_alive(cdnow), rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([0.0, 0.5, 1.0, 2.5])), min_size=1, max_size=40
    )
)
def test_condense_is_exact(rows):
    from clinicvalue.analyses.clv.bgnbd import condense

    f = pd.DataFrame(rows, columns=["a", "b"])
    t = condense(f, ["a", "b"])
    assert t["weights"].sum() == len(f)
    assert not t.duplicated(["a", "b"]).any()
    want = f.value_counts(["a", "b"]).sort_index()
    got = t.set_index(["a", "b"])["weights"].sort_index()
    assert got.tolist() == want.tolist()
    assert got.index.equals(want.index)


def test_net_refund_patients_get_nonnegative_spend():
    # m < 0 (refunds exceed charges) is outside Gamma-Gamma: it counts as 0
    p = {"p": 2.0, "q": 3.0, "v": 10.0}
    assert gg_expected(p, [2], [-40]).tolist() == pytest.approx([10 / 3])
    s = pd.DataFrame(
        {"frequency": [0, 2, 2], "recency": [0.0, 5, 6], "T": [10.0, 10, 10]},
        index=pd.Index(["1", "2", "3"], dtype="string", name="patient_id"),
    ).assign(monetary=[0.0, 30, -50])
    m = ClvModel().fit(s)
    assert m.gg_params_ is None
    assert m.expected_spend(s).tolist() == [15.0, 30.0, 0.0]


def test_saved_model_loads_and_predicts_the_same(cdnow, fitted, tmp_path):
    path = fitted.save(tmp_path / "model.json")
    loaded = ClvModel.load(path)
    assert loaded.params_ == fitted.params_ and loaded.gg_params_ == fitted.gg_params_
    assert loaded.time_unit == fitted.time_unit
    pd.testing.assert_series_equal(loaded.p_alive(cdnow), fitted.p_alive(cdnow))
    pd.testing.assert_series_equal(
        loaded.clv(cdnow, months=12, annual_discount_rate=0.1),
        fitted.clv(cdnow, months=12, annual_discount_rate=0.1),
    )
    np.testing.assert_array_equal(loaded.log_cov_, fitted.log_cov_)


def test_saved_model_errors_say_what_is_wrong(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"model": "pareto"}')
    with pytest.raises(InputError, match="not a saved clinicvalue ClvModel"):
        ClvModel.load(bad)
    bad.write_text("{")
    with pytest.raises(InputError, match="cannot read the saved model"):
        ClvModel.load(bad)
    with pytest.raises(NotFittedError):
        ClvModel().save(tmp_path / "y.json")


def test_a_lifetimes_summary_with_monetary_value_is_accepted(cdnow, fitted):
    lifetimes_style = cdnow.rename(columns={"monetary": "monetary_value"})
    model = ClvModel(time_unit=fitted.time_unit).fit(lifetimes_style)
    assert model.params_ == pytest.approx(fitted.params_, rel=1e-12)
    assert model.gg_params_ == pytest.approx(fitted.gg_params_, rel=1e-12)
    pd.testing.assert_series_equal(model.expected_spend(lifetimes_style),
                                   fitted.expected_spend(cdnow))  # fmt: skip

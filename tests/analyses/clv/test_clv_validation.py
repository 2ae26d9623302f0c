import json

import numpy as np
import pandas as pd
import pytest

from clinicvalue.analyses.clv.validation import (
    ClvValidation,
    simulate_repeat_counts,
    unconditional_expected,
    validate,
)
from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile
from tests.support.clinics import synthetic_visits as _synthetic_visits

PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.fixture(scope="module")
def result() -> ClvValidation:
    return validate(_synthetic_visits(400), "2024-12-31", ClinicProfile())


def test_holdout_metrics_consistent(result):
    m = result.to_metrics()
    json.dumps(m)
    assert m["calibration_end"] == "2024-06-30"
    assert m["aggregate_error"] == pytest.approx(
        (m["predicted_total"] - m["actual_total"]) / m["actual_total"]
    )
    assert 0 < result.mae <= result.rmse
    bf = result.by_frequency
    assert bf["patients"].sum() == result.n_patients
    assert (bf["actual"] * bf["patients"]).sum() == pytest.approx(result.actual_total)


def test_period_transactions_counts(result):
    pt = result.period_transactions
    assert list(pt.index) == list(range(8))
    assert pt["actual"].sum() == pt["model"].sum() == result.n_patients


def test_cumulative_is_monotone(result):
    cum = result.cumulative
    assert (np.diff(cum["actual"]) >= 0).all()
    assert (np.diff(cum["expected"]) >= -1e-9).all()
    assert cum["holdout"].any() and not cum["holdout"].all()


def test_repeat_visits_are_counted_as_the_summary_counts_them():
    # a refund-only day is no visit, and a visit at 10:00 on the calibration end is in
    # the calibration: the chart and the holdout counts agree with the summaries
    from clinicvalue.summarize.summary import calibration_holdout, summarize

    v = _synthetic_visits(400)
    v = v.assign(visit_date=pd.to_datetime(v["visit_date"]))
    inside = v[v["visit_date"].between("2024-07-05", "2024-12-20")]
    refunds = inside.groupby("patient_id").tail(1).head(60)
    refunds = refunds.assign(visit_date=refunds["visit_date"] + pd.Timedelta(days=2), amount=-50.0)
    timed = v.iloc[:5].assign(visit_date=pd.Timestamp("2024-06-30 10:00"))
    v = pd.concat([v, refunds, timed], ignore_index=True)
    result = validate(v, "2024-12-31", ClinicProfile())
    cal = summarize(v, "2024-06-30")
    end = summarize(v, "2024-12-31").loc[cal.index]
    cum = result.cumulative
    assert cum["actual"].iloc[-1] == end["frequency"].sum()
    ch = calibration_holdout(v, "2024-06-30", "2024-12-31")
    held = end["visits"] - cal["visits"]
    assert (ch["frequency_holdout"] == held.reindex(ch.index)).all()
    assert ch["frequency_holdout"].sum() == result.actual_total


def test_p_alive_matrix_shape(result):
    pa = result.p_alive_matrix
    assert (pa.loc[0] == 1).all()
    assert ((pa.to_numpy() >= 0) & (pa.to_numpy() <= 1)).all()
    # at fixed frequency, P(alive) rises with recency
    assert (np.diff(pa.loc[1].to_numpy()) >= 0).all()


def test_unconditional_expected_fhl_2005():
    # FHL 2005 BG/NBD CDNOW parameters: E[X(t)] is 0 at t=0 and increasing;
    # matches lifetimes' expected_number_of_purchases_up_to_time
    from lifetimes import BetaGeoFitter

    bg = BetaGeoFitter()
    bg.params_ = pd.Series(PARAMS)
    t = np.array([0.0, 1, 10, 39, 78])
    np.testing.assert_allclose(
        unconditional_expected(PARAMS, t), bg.expected_number_of_purchases_up_to_time(t), rtol=1e-9
    )


def test_simulation_matches_analytic_mean():
    T = np.full(20000, 39.0)
    sim = simulate_repeat_counts(PARAMS, T, seed=1)
    assert sim.mean() == pytest.approx(float(unconditional_expected(PARAMS, 39.0)), rel=0.05)
    assert (sim == simulate_repeat_counts(PARAMS, T, seed=1)).all()


def test_warnings_when_thresholds_low():
    prof = ClinicProfile().replace(clv__regularity_warning=0.0, clv__gg_correlation_warning=0.0)
    r = validate(_synthetic_visits(300), "2024-12-31", prof)
    assert any(w.startswith("regularity:") for w in r.warnings)
    assert any(w.startswith("gg_correlation:") for w in r.warnings)


def test_too_short_history():
    v = _synthetic_visits(50)
    with pytest.raises(InputError, match="holdout check needs visits before"):
        validate(v, "2023-03-01", ClinicProfile(), holdout_months=6)
    with pytest.raises(InputError, match="holdout must be at least 1 month"):
        validate(v, "2024-12-31", ClinicProfile(), holdout_months=0)

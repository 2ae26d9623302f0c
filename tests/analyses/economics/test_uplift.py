"""Tests for clinicvalue.analyses.economics.uplift.

Oracles: BG/NBD (Fader, Hardie & Lee 2005, eq. 7 for E[X(t)]); the survival and expected
visits are checked against an independent double integral over λ ~ Gamma(r, α) and
p ~ Beta(a, b) of the individual-level formulas exp(-λpt) and (1 - exp(-λpt)) / p.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from clinicvalue.analyses.clv.bgnbd import bgnbd_new_patient_alive, bgnbd_new_patient_visits
from clinicvalue.analyses.economics.uplift import retention_uplift
from clinicvalue.errors import InputError, OptionError


def survival(t, r, alpha, a, b):
    return bgnbd_new_patient_alive(dict(r=r, alpha=alpha, a=a, b=b), t)


def expected_visits(t, r, alpha, a, b):
    return bgnbd_new_patient_visits(dict(r=r, alpha=alpha, a=a, b=b), t)


P = dict(r=0.5, alpha=5.0, a=2.0, b=6.0)


def _double(fn, t, r, alpha, a, b):
    g, be = stats.gamma(r, scale=1 / alpha), stats.beta(a, b)
    val, _ = integrate.dblquad(
        lambda lam, p: fn(lam, p, t) * g.pdf(lam) * be.pdf(p), 0, 1, 0, np.inf
    )
    return val


def test_survival_matches_double_integral():
    direct = _double(lambda lam, p, t: np.exp(-lam * p * t), 12, **P)
    assert survival(12, **P) == pytest.approx(direct, rel=1e-5)


def test_expected_visits_matches_double_integral():
    direct = _double(lambda lam, p, t: -np.expm1(-lam * p * t) / p, 12, **P)
    assert expected_visits(12, **P) == pytest.approx(direct, rel=1e-4)


def test_hand_checked_uplift_fixture():
    # 100 patients, 1,000 per visit, 50% margin, CAC 750, parameters in months
    u = retention_uplift(
        P, n_patients=100, spend_per_visit=1000, gross_margin=0.5, cac=750, time_unit="M"
    )
    assert u.baseline_retention == pytest.approx(0.80391, abs=1e-5)
    t = u.table.set_index("points")
    for d in (0.01, 0.05, 0.10):  # the adjusted b really gives baseline + d
        k = t.loc[d, "b_scale"]
        assert survival(12, P["r"], P["alpha"], P["a"], P["b"] * k) == pytest.approx(
            u.baseline_retention + d, abs=1e-8
        )
    assert t.loc[0.05, "margin_gained"] == pytest.approx(4158.4, abs=0.5)
    # margin per new patient = (1 + E[X(12)]) × 1000 × 0.5
    assert t.loc[0.05, "margin_per_new_patient"] == pytest.approx(
        (1 + expected_visits(12, **P)) * 500
    )
    assert t.loc[0.10, "acquisition_cost"] == pytest.approx(
        t.loc[0.10, "new_patients_equivalent"] * 750
    )
    m = json.loads(json.dumps(u.to_metrics()))
    assert len(m["scenarios"]) == 3 and m["assumptions"]


def test_weeks_equal_months_after_rescaling_alpha():
    # λ in weeks = λ in months / (weeks per month) → alpha_weeks = alpha_months × wpm
    wpm = 365.25 / 12 / 7
    um = retention_uplift(P, n_patients=10, spend_per_visit=1, gross_margin=1, time_unit="M")
    uw = retention_uplift(
        {**P, "alpha": P["alpha"] * wpm}, n_patients=10, spend_per_visit=1, gross_margin=1
    )
    assert uw.baseline_retention == pytest.approx(um.baseline_retention, rel=1e-6)
    assert np.isnan(uw.to_metrics()["scenarios"][0]["acquisition_cost"] or np.nan)


@settings(max_examples=15, deadline=None)
@given(st.floats(0.005, 0.04))
def test_bigger_gain_more_margin(d):
    u = retention_uplift(
        P, n_patients=50, spend_per_visit=800, gross_margin=0.6, points=(d, d + 0.05),
        time_unit="M",
    )  # fmt: skip
    assert u.table["margin_gained"].is_monotonic_increasing
    assert (u.table["margin_gained"] > 0).all()


def test_errors():
    with pytest.raises(InputError, match="missing alpha"):
        retention_uplift(dict(r=1, a=2, b=3), n_patients=1, spend_per_visit=1, gross_margin=1)
    with pytest.raises(InputError, match=r"need a \+ b > 1"):
        retention_uplift({**P, "a": 0.3, "b": 0.5}, n_patients=1, spend_per_visit=1, gross_margin=1)
    with pytest.raises(InputError, match="must all be positive"):
        retention_uplift({**P, "b": -1}, n_patients=1, spend_per_visit=1, gross_margin=1)
    with pytest.raises(InputError, match="must be above 0"):
        retention_uplift(P, n_patients=1, spend_per_visit=1, gross_margin=1, points=(0.0,))


def test_a_gain_the_clinic_cannot_reach_is_skipped_and_said():
    """Baseline 80.4%: +10 points is possible, +30 is not (it would pass 100%)."""
    u = retention_uplift(
        P, n_patients=1, spend_per_visit=1, gross_margin=1, points=(0.1, 0.3), time_unit="M"
    )
    assert u.table["points"].tolist() == [0.1]
    assert u.skipped == (0.3,)
    assert u.to_metrics()["skipped_points"] == [0.3]
    with pytest.raises(OptionError, match="time_unit must be one of"):
        retention_uplift(P, n_patients=1, spend_per_visit=1, gross_margin=1, time_unit="Y")


def test_expected_visits_matches_lifetimes_with_a_below_one():
    """FHL 2005 CDNOW parameters have a = 0.793 < 1; the closed form still holds."""
    from lifetimes import BetaGeoFitter

    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series(dict(r=0.243, alpha=4.414, a=0.793, b=2.426))
    expected = fitter.expected_number_of_purchases_up_to_time(39)
    assert expected_visits(39, 0.243, 4.414, 0.793, 2.426) == pytest.approx(expected, rel=1e-9)


def test_a_near_fixed_dropout_probability_is_integrated_not_missed():
    """A fit with a, b ~ 1e5 is a Beta spike at p = a / (a + b): survival is then
    E over λ of e^(−λpt) = (α / (α + pt))^r, not the 1e-89 a blind [0, 1] quadrature gave."""
    spike = {"r": 0.468, "alpha": 14.79, "a": 52275.0, "b": 821398.0}
    p = spike["a"] / (spike["a"] + spike["b"])
    limit = (spike["alpha"] / (spike["alpha"] + p * 52)) ** spike["r"]
    assert bgnbd_new_patient_alive(spike, 52) == pytest.approx(limit, rel=1e-5)
    u = retention_uplift(spike, n_patients=300, spend_per_visit=1000, gross_margin=0.6)
    assert u.table["points"].tolist() == [0.01, 0.05]  # +10 points would pass 100%
    assert (u.table["margin_gained"] > 0).all()

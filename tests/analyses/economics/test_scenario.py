"""Tests for analyses.economics.scenario — oracle: article 000's clinic A vs clinic B table."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicvalue.analyses.economics.scenario import (
    Scenario,
    article_clinic_a,
    article_clinic_b,
    sensitivity,
)
from clinicvalue.errors import InputError, OptionError


def test_article_000_clinic_a():
    a = article_clinic_a()
    assert a.revenue == 200_000  # 100 × 2,000 (first visits, no return multiplier)
    assert a.profit == 150_000
    assert a.expected_returns == pytest.approx(10)
    assert a.cost_per_patient == 500


def test_article_000_clinic_b():
    b = article_clinic_b()
    assert b.revenue == pytest.approx(280_000)  # 50 × 8,000 × 70%
    assert b.profit == pytest.approx(260_000)


def test_vary_inputs_with_replace():
    b = dataclasses.replace(article_clinic_b(), gross_margin=0.5)
    assert b.profit == pytest.approx(140_000 - 20_000)
    m = b.to_metrics()
    assert m["kind"] == "retention" and m["profit"] == pytest.approx(120_000)


def test_sensitivity_return_rate():
    t = sensitivity(article_clinic_b(), "return_rate", [0.5, 0.7])
    assert list(t["revenue"]) == pytest.approx([200_000, 280_000])
    assert list(t["profit"]) == pytest.approx([180_000, 260_000])


def test_errors():
    with pytest.raises(OptionError, match="kind must be one of"):
        Scenario(1, 1, 1, 0.1, kind="ads")
    with pytest.raises(InputError, match="return_rate is a share between 0 and 1"):
        Scenario(1, 1, 1, 70)
    with pytest.raises(InputError, match="budget must be zero or positive"):
        Scenario(-1, 1, 1, 0.1)
    with pytest.raises(OptionError, match="field_name must be one of"):
        sensitivity(article_clinic_a(), "colour", [1])


@given(st.floats(0, 1), st.floats(0, 1e4), st.floats(0, 1e3))
def test_retention_revenue_monotone_in_return_rate(rate, spend, n):
    lo = Scenario(0, n, spend, rate * 0.5, kind="retention")
    hi = Scenario(0, n, spend, rate, kind="retention")
    assert hi.revenue >= lo.revenue - 1e-9

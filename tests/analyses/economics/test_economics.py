"""Tests for analyses.economics.channels on a hand-checked 12-patient, 2-channel fixture.

Hand computation (gross margin 1.0):
google: spend 3000+2000+1000 = 6000 for 6 new patients → CAC 1000 each month;
flyer: 1000 × 3 months for 6 new patients → CAC 500.
Every first visit is 500. Returns: p01 Feb 1000, Mar 1000; p02 Mar 500; p07 Feb 500;
p03 13 months later 100.
google revenue to date = (3000+2000+500+100)/6 = 933.33; in 12 months 5500/6 = 916.67.
flyer revenue to date 3500/6 = 583.33, pays back in month 1 (500 ≥ 500).
LTV:CAC = the new patients' lifetime value (given: 2,000 google, 800 flyer) ÷ CAC.
google cumulative margin/patient 500, 666.7, 916.7, …, 933.3 < 1000 → not paid back.
Retention spend 600 / 4 returning patients (p01, p02, p03, p07) = 150; overall CAC
9000/12 = 750 → acquisition-to-retention cost ratio 5.0.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from clinicvalue.analyses.economics.channels import (
    acquired_patients,
    economics,
    revenue_new_vs_returning,
)
from clinicvalue.profile import ClinicProfile
from tests.support.clinics import PROFILE, fixture_data


def test_cac_by_channel_and_month():
    e = economics(fixture_data(), PROFILE)
    cac = e.cac.set_index(["channel", "month"])["cac"]
    assert cac[("google", pd.Timestamp("2025-01-01"))] == pytest.approx(1000)
    assert cac[("google", pd.Timestamp("2025-03-01"))] == pytest.approx(1000)
    assert cac[("flyer", pd.Timestamp("2025-02-01"))] == pytest.approx(500)
    assert len(e.cac) == 6  # retention spend is not acquisition


NEW_LTV = pd.Series(
    np.r_[np.full(6, 2000.0), np.full(6, 800.0)],
    index=pd.Index([f"p{i:02d}" for i in range(1, 13)], dtype="string"),
)


def test_revenue_ltv_cac_and_payback():
    by = economics(fixture_data(), PROFILE, new_ltv=NEW_LTV).by_channel
    assert by.loc["google", "cac"] == pytest.approx(1000)
    assert by.loc["google", "revenue_to_date"] == pytest.approx(5600 / 6)
    assert by.loc["google", "revenue_12m"] == pytest.approx(5500 / 6)
    assert by.loc["google", "ltv"] == pytest.approx(2000)
    assert by.loc["flyer", "ltv"] == pytest.approx(800)
    assert by.loc["google", "ltv_cac"] == pytest.approx(2.0)
    assert by.loc["flyer", "ltv_cac"] == pytest.approx(800 / 500)
    assert by.loc["flyer", "payback_months"] == 1
    assert np.isnan(by.loc["google", "payback_months"])


def test_no_lifetime_value_means_no_ltv_cac():
    """Revenue to date is never passed off as lifetime value."""
    by = economics(fixture_data(), PROFILE).by_channel
    assert by["ltv"].isna().all() and by["ltv_cac"].isna().all()
    assert by.loc["google", "revenue_to_date"] == pytest.approx(5600 / 6)


def test_margin_delays_payback():
    by = economics(fixture_data(), ClinicProfile().replace(clinic__gross_margin=0.5)).by_channel
    assert np.isnan(by.loc["flyer", "payback_months"])


def test_only_patients_the_spend_bought_count():
    """A patient new in a month without spend on their channel is not acquired by it."""
    d = fixture_data()
    d.spend = d.spend[~d.spend["month"].eq(pd.Timestamp("2025-03-01"))]
    by = economics(d, PROFILE, new_ltv=NEW_LTV).by_channel
    bought = acquired_patients(d, PROFILE)
    assert list(by["new_patients"]) == list(bought.groupby("channel").size()[by.index])
    assert by.loc["google", "new_patients"] == 5 and by.loc["flyer", "new_patients"] == 4
    assert by.loc["google", "cac"] == pytest.approx(5000 / 5)
    assert not bought["acq_month"].eq(pd.Timestamp("2025-03-01")).any()


def test_cost_ratio():
    e = economics(fixture_data(), PROFILE)
    assert e.overall_cac == pytest.approx(750)
    assert e.retained_patients == 4
    assert e.retention_cost == pytest.approx(150)
    assert e.acq_to_ret_ratio == pytest.approx(5.0)


def test_revenue_new_vs_returning():
    s = revenue_new_vs_returning(fixture_data(), PROFILE)
    assert list(s["new_revenue"].iloc[:3]) == [2500, 2000, 1500]
    assert list(s["returning_revenue"]) == [0, 1500, 1500, 100]
    assert s["new_revenue"].sum() + s["returning_revenue"].sum() == 6000 + 3100


def test_missing_spend_is_a_note_not_an_error():
    e = economics(fixture_data(with_spend=False), PROFILE)
    assert e.available is False
    assert "No marketing spend" in e.note
    assert e.to_metrics()["overall_cac"] is None


def test_economics_metrics_are_json_ready():
    block = economics(fixture_data(), PROFILE, as_of=pd.Timestamp("2026-03-01")).to_metrics()
    text = json.dumps(block)
    assert block["acquisition_to_retention_cost_ratio"] == pytest.approx(5.0)
    assert block["by_channel"]["google"]["payback_months"] is None
    assert "flyer" in text


def test_spend_without_a_patients_file_has_no_payback_and_no_error():
    import dataclasses

    d = dataclasses.replace(fixture_data(), patients=None)  # channels of patients unknown
    by = economics(d, PROFILE, new_ltv=NEW_LTV).by_channel
    assert by["spend"].to_dict() == {"flyer": 3000.0, "google": 6000.0}
    assert (by["new_patients"] == 0).all()
    assert by[["cac", "ltv_cac", "payback_months"]].isna().all().all()

"""Tests for clinicvalue.analyses.economics.drivers (logistic model of return within 180 days)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from clinicvalue.analyses.economics.drivers import design, return_drivers
from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile

PROFILE = ClinicProfile()
AS_OF = pd.Timestamp("2025-12-31")


def make(n=200, seed=0, separate=False):
    rng = np.random.default_rng(seed)
    ids = pd.array([f"{i:05d}" for i in range(n)], dtype="string")
    first = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D")
    channel = np.where(rng.random(n) < 0.5, "google", "referral")
    referred = rng.random(n) < 0.4
    logit = -0.5 + 1.5 * referred
    p = 1 / (1 + np.exp(-logit))
    returned = referred if separate else rng.random(n) < p
    rows = [
        pd.DataFrame(
            {
                "patient_id": ids,
                "visit_date": first,
                "amount": rng.uniform(200, 3000, n),
                "treatment": "cleaning; xray",
            }
        )
    ]
    back = pd.DataFrame(
        {
            "patient_id": ids[returned],
            "visit_date": first[returned]
            + pd.to_timedelta(rng.integers(10, 170, returned.sum()), "D"),
            "amount": 500.0,
            "treatment": "filling",
        }
    )
    visits = pd.concat(rows + [back], ignore_index=True)
    patients = pd.DataFrame({
        "patient_id": ids, "channel": channel,
        "referred_by": np.where(referred, "00001", None),
        "birth_date": pd.Timestamp("1980-01-01") + pd.to_timedelta(rng.integers(0, 15000, n), "D"),
    })  # fmt: skip
    return visits, patients, returned


def test_design_outcome_and_censoring():
    visits, patients, returned = make(50)
    late = pd.DataFrame({"patient_id": pd.array(["99999"], dtype="string"),
                         "visit_date": [pd.Timestamp("2025-12-01")], "amount": [100.0],
                         "treatment": ["x"]})  # fmt: skip
    f = design(pd.concat([visits, late]), patients, AS_OF, PROFILE)
    assert "99999" not in f.index  # first seen < 180 days before as_of
    assert f["returned"].sum() == returned.sum()
    assert set(f["treatment"]) == {"cleaning"}
    assert f["referred"].sum() == (patients["referred_by"].notna()).sum()


def test_referral_odds_ratio_recovered():
    visits, patients, _ = make(400, seed=1)
    d = return_drivers(visits, patients, AS_OF, PROFILE)
    assert d.method == "logit"
    row = d.table.set_index("term").loc["referred"]
    assert row["ci_low"] < np.exp(1.5) < row["ci_high"]
    assert row["odds_ratio"] > 1.5
    json.dumps(d.to_metrics())


def test_perfect_separation_falls_back():
    visits, patients, _ = make(120, seed=2, separate=True)
    d = return_drivers(visits, patients, AS_OF, PROFILE)
    assert d.method == "logit_l2"
    assert any("regularised" in n for n in d.notes)
    assert d.table.set_index("term").loc["referred", "odds_ratio"] > 1
    assert d.table["ci_low"].isna().all()


def test_errors():
    visits, patients, _ = make(10)
    with pytest.raises(InputError, match="drivers model needs 30"):
        return_drivers(visits, patients, AS_OF, PROFILE)
    visits, patients, _ = make(60)
    with pytest.raises(InputError, match="nothing distinguishes returners"):
        return_drivers(visits.drop_duplicates("patient_id"), patients, AS_OF, PROFILE)


def test_collinear_predictors_fall_back_with_note():
    visits, patients, _ = make(150, seed=3)
    # referral recorded exactly for the referral channel: a singular design matrix
    patients = patients.assign(
        referred_by=np.where(patients["channel"] == "referral", "00001", None)
    )
    d = return_drivers(visits, patients, AS_OF, PROFILE)
    assert d.method == "logit_l2"
    assert np.isfinite(d.table["odds_ratio"]).all()
    assert any("reference level" in n for n in d.notes)


def test_referral_that_repeats_the_channel_is_left_out_and_the_plain_fit_holds():
    # as in real registers: nearly every referred patient came through the referral channel
    visits, patients, _ = make(600, seed=3)
    referred = patients["referred_by"].notna().to_numpy()
    patients["channel"] = np.where(referred, "referral", "google")
    patients.loc[patients.index[~referred][:2], "channel"] = "referral"  # two strays
    d = return_drivers(visits, patients, AS_OF, PROFILE)
    assert d.method == "logit"
    assert "referred" not in set(d.table["term"])
    assert any("'referred' left out" in n and "all but 2" in n for n in d.notes)
    row = d.table.set_index("term").loc["channel_referral"]
    assert row["ci_low"] > 1.0  # referral's effect is kept, with an interval


def test_rare_levels_are_pooled_into_other():
    visits, patients, _ = make(300, seed=4)
    patients.loc[patients.index[:3], "channel"] = "flyer"
    d = return_drivers(visits, patients, AS_OF, PROFILE)
    assert not any("flyer" in term for term in d.table["term"])
    assert any("'flyer' pooled into 'other'" in n for n in d.notes)


@pytest.mark.parametrize("with_treatment", [True, False])
def test_the_design_from_the_patient_features_equals_the_one_from_the_visits(with_treatment):
    from clinicvalue.load import load_clinic
    from clinicvalue.summarize.features import patient_features

    visits, patients, _ = make(300, seed=4)
    # a refund and a second line on one day: the loader's visits are one per patient-day
    extra = visits.iloc[[0, 1]].assign(amount=[-50.0, 80.0])
    lines = pd.concat([visits, extra], ignore_index=True)
    if not with_treatment:
        lines = lines.drop(columns="treatment")
    data = load_clinic(lines, patients=patients)
    features = patient_features(data.visits, AS_OF, PROFILE)
    want = design(data.visits, data.patients, AS_OF, PROFILE)
    got = design(data.visits, data.patients, AS_OF, PROFILE, features=features)
    pd.testing.assert_frame_equal(got, want)
    assert ("treatment" in got) == with_treatment

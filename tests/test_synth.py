"""Tests for clinicvalue.synth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clinicvalue.errors import InputError, OptionError
from clinicvalue.synth import synthesize, write_synthetic


@pytest.fixture(scope="module")
def dental():
    return synthesize("dental", patients=1500, seed=7)


@pytest.fixture(scope="module")
def general():
    return synthesize("general", patients=1500, seed=7)


def test_same_seed_same_frames(dental):
    again = synthesize("dental", patients=1500, seed=7)
    for name in ("visits", "patients", "spend", "plans"):
        pd.testing.assert_frame_equal(getattr(dental, name), getattr(again, name))
    other = synthesize("dental", patients=1500, seed=8)
    assert not other.visits["amount"].equals(dental.visits["amount"])


def test_canonical_dtypes(general):
    v = general.visits
    assert v["patient_id"].dtype == "string"
    assert v["visit_date"].dtype == "datetime64[ns]"
    assert v["amount"].dtype == "float64"
    assert (v["visit_date"] == v["visit_date"].dt.normalize()).all()
    assert v["visit_date"].max() <= pd.Timestamp("2026-10-31")
    assert set(v["status"].unique()) <= {"completed", "consult", "no-show", "cancelled"}
    p = general.patients
    assert p["patient_id"].is_unique and p["contact_ok"].dtype == bool
    assert 0.8 < p["contact_ok"].mean() < 0.97
    assert set(general.spend["purpose"]) == {"acquisition", "retention"}


def test_channel_retention_differs(general):
    days = general.visits.groupby("patient_id")["visit_date"].nunique()
    p = general.patients.set_index("patient_id")
    repeat = (days.reindex(p.index) > 1).groupby(p["channel"]).mean()
    assert repeat["referral"] - repeat["online_ads"] > 0.1
    never = 1 - repeat[["walk_in", "online_ads", "social"]]
    assert ((never > 0.4) & (never < 0.8)).all()


def test_hypertension_rhythm(general):
    p = general.patients
    ids = p.loc[p["condition"] == "hypertension", "patient_id"]
    v = general.visits[general.visits["patient_id"].isin(ids)]
    days = (
        v[["patient_id", "visit_date"]].drop_duplicates().sort_values(["patient_id", "visit_date"])
    )
    gaps = days.groupby("patient_id")["visit_date"].diff().dt.days.dropna()
    assert 30 <= gaps.median() <= 60


def test_refunds_and_multiline_days(dental):
    v = dental.visits
    assert (v["amount"] < 0).sum() > 0
    assert v.groupby(["patient_id", "visit_date"]).size().max() > 1
    assert v["complaint"].notna().sum() > 0
    assert (v.loc[v["status"] == "no-show", "amount"] == 0).all()
    # high-value treatments cost more than routine ones
    mean = v[v["amount"] > 0].groupby("treatment")["amount"].mean()
    assert mean["implant"] > 10 * mean["cleaning"]


def test_referrals_point_to_earlier_patients(dental):
    p = dental.patients.set_index("patient_id")
    ref = p[p["referred_by"].notna()]
    assert len(ref) > 50
    assert (ref["channel"] == "referral").all()
    assert (
        p.loc[ref["referred_by"], "first_visit"].to_numpy() < ref["first_visit"].to_numpy()
    ).all()


def test_plans_have_all_categories(dental, general):
    pl = dental.plans
    assert set(pl["status"]) == {"planned", "started", "done"}
    assert pl.groupby("patient_id")["is_chief_complaint"].sum().eq(1).all()
    assert pl.loc[pl["status"] == "done", "done_date"].notna().all()
    assert pl.loc[pl["status"] != "done", "done_date"].isna().all()
    assert general.plans.empty


def test_spend_matches_new_patients(dental):
    acq = dental.spend[dental.spend["purpose"] == "acquisition"]
    by = acq.groupby("channel")["amount"].sum()
    new = dental.patients["channel"].value_counts()
    assert by["online_ads"] == pytest.approx(new["online_ads"] * 1500.0)
    assert "walk_in" not in by.index


def test_bad_options():
    with pytest.raises(OptionError, match="kind"):
        synthesize("vet")
    with pytest.raises(OptionError, match="fmt"):
        write_synthetic(synthesize("general", patients=5), "/tmp", fmt="json")


@pytest.mark.parametrize("headers", ["en", "zh-Hant", "zh-Hans"])
def test_round_trip(tmp_path, headers):
    clinic = synthesize("dental", patients=60, seed=3)
    write_synthetic(clinic, tmp_path, headers=headers, encoding="utf-8-sig")
    from clinicvalue.load import load_clinic

    data = load_clinic(
        tmp_path / "visits.csv",
        patients=tmp_path / "patients.csv",
        spend=tmp_path / "spend.csv",
        plans=tmp_path / "plans.csv",
    )
    v = clinic.visits[~clinic.visits["status"].isin(["no-show", "cancelled"])]
    assert data.visits["amount"].sum() == pytest.approx(v["amount"].sum())
    assert set(data.patients["patient_id"]) == set(clinic.patients["patient_id"])
    assert data.patients["patient_id"].str.len().eq(6).all()  # leading zeros survive
    assert len(data.plans) == len(clinic.plans)
    assert data.spend["amount"].sum() == pytest.approx(clinic.spend["amount"].sum())


def test_parquet_round_trip(tmp_path):
    clinic = synthesize("general", patients=40, seed=4)
    paths = write_synthetic(clinic, tmp_path, fmt="parquet")
    assert [p.name for p in paths] == [
        "visits.parquet", "patients.parquet", "spend.parquet", "appointments.parquet",
    ]  # fmt: skip
    back = pd.read_parquet(tmp_path / "visits.parquet")
    assert np.allclose(back["amount"], clinic.visits["amount"])


def test_bad_range():
    with pytest.raises(InputError, match="need end after start"):
        synthesize("general", patients=10, start="2026-01-01", end="2025-01-01")
    with pytest.raises(InputError, match="patients >= 1"):
        synthesize("general", patients=0)

"""Tests for analyses.clv.selection: candidates scored on a holdout, the documented rule."""

from __future__ import annotations

import json

import pytest

from clinicvalue.analyses.clv.selection import MIN_GAIN, choose_model, compare_models
from clinicvalue.errors import InputError
from clinicvalue.load import load_clinic
from clinicvalue.synth import synthesize, write_synthetic


def test_bgnbd_is_kept_unless_another_model_is_clearly_better():
    assert choose_model({"bgnbd": 1.0, "pareto_nbd": 0.99, "mbg_cnbd_k": 0.985}) == "bgnbd"
    assert choose_model({"bgnbd": 1.0, "pareto_nbd": 1 - MIN_GAIN, "mbg_cnbd_k": 0.99}) == (
        "pareto_nbd"
    )
    assert choose_model({"bgnbd": 1.0, "mbg_cnbd_k": 0.8, "pareto_nbd": float("nan")}) == (
        "mbg_cnbd_k"
    )
    with pytest.raises(InputError, match="BG/NBD's holdout error as the baseline"):
        choose_model({"pareto_nbd": 1.0})


@pytest.fixture(scope="module")
def dental(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dental")
    write_synthetic(synthesize("dental", patients=3000, seed=0), folder)
    data = load_clinic(folder / "visits.csv", patients=folder / "patients.csv")
    condition = data.patients.set_index("patient_id")["condition"].fillna("none")
    groups = condition.map(lambda c: "recall" if c == "recall" else "other")
    return data, groups


def test_patients_on_a_recall_rhythm_are_forecast_better_by_a_regular_model(dental):
    data, groups = dental
    result = compare_models(data.visits, "2026-10-31", groups=groups)
    # recall members as a covariate of every parameter, Erlang-k visits
    assert result.chosen == "mbg_cnbd_k|by_group"
    assert result.gain("recall") >= 0.15  # per-patient holdout error of recall patients
    assert result.gain() > 0  # and overall no worse than BG/NBD
    k_recall = result.params["mbg_cnbd_k|recall"]["k"]
    assert k_recall > result.params["mbg_cnbd_k|other"]["k"] >= 1
    # BG/NBD forecasts recall patients with no repeat yet far too low; the chosen model less so
    first = result.bias[(result.bias["group"] == "recall") & (result.bias["bin"] == 0)]
    by_model = first.set_index("model")["bias"]
    assert by_model["bgnbd"] < -0.3
    assert abs(by_model["mbg_cnbd_k|by_group"]) < abs(by_model["bgnbd"])
    block = json.loads(json.dumps(result.to_metrics()))
    assert block["chosen"] == "mbg_cnbd_k|by_group" and "2%" in block["rule"]


def test_without_groups_every_model_is_fitted_on_everyone(dental):
    data, _ = dental
    result = compare_models(data.visits, "2026-10-31", holdout_months=6)
    assert list(result.errors.index) == ["bgnbd", "pareto_nbd", "mbg_cnbd_k"]
    assert list(result.errors.columns) == ["mae"]
    assert set(result.bias["group"]) == {"all"}


def test_a_history_shorter_than_the_holdout_is_refused(dental):
    data, _ = dental
    with pytest.raises(InputError, match="needs visits before"):
        compare_models(data.visits, "2022-06-30", holdout_months=12)

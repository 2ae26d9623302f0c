"""Tests for analyses.clv.selection: candidates scored on a holdout, the documented rule."""

from __future__ import annotations

import json

import numpy as np
import pytest

from clinicvalue.analyses.clv.selection import MIN_GAIN, choose_model, compare_models
from clinicvalue.errors import InputError
from clinicvalue.load import load_clinic
from clinicvalue.profile import ClinicProfile
from clinicvalue.synth import synthesize, write_synthetic


def test_bgnbd_is_kept_unless_another_model_is_clearly_better():
    assert choose_model({"bgnbd": 1.0, "pareto_nbd": 0.99, "mbg_cnbd_k": 0.985}) == "bgnbd"
    assert choose_model({"bgnbd": 1.0, "pareto_nbd": 1 - MIN_GAIN, "mbg_cnbd_k": 0.99}) == (
        "pareto_nbd"
    )
    assert choose_model({"bgnbd": 1.0, "mbg_cnbd_k": 0.8, "pareto_nbd": float("nan")}) == (
        "mbg_cnbd_k"
    )
    # a cut within two standard errors of the per-patient differences is noise
    assert choose_model({"bgnbd": 1.0, "mbg_cnbd_k": 0.9}, {"mbg_cnbd_k": 0.06}) == "bgnbd"
    assert choose_model({"bgnbd": 1.0, "mbg_cnbd_k": 0.9}, {"mbg_cnbd_k": 0.04}) == "mbg_cnbd_k"
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
    assert list(result.errors.columns) == ["mae", "se_vs_bgnbd"]
    assert set(result.bias["group"]) == {"all"}


def test_a_history_shorter_than_the_holdout_is_refused(dental):
    data, _ = dental
    with pytest.raises(InputError, match="needs visits before"):
        compare_models(data.visits, "2022-06-30", holdout_months=12)


@pytest.mark.parametrize("rhythm", [2, 6])
def test_a_synthetic_recall_rhythm_is_recovered_within_one(rhythm, tmp_path):
    from clinicvalue.analyses.clv.processes import fit_visits
    from clinicvalue.summarize.summary import log_gap_sum, summarize

    write_synthetic(synthesize("dental", patients=3000, seed=1, rhythm=rhythm), tmp_path)
    data = load_clinic(tmp_path / "visits.csv", patients=tmp_path / "patients.csv")
    s = summarize(data.visits, "2026-10-31", time_unit="W")
    litt = log_gap_sum(data.visits, "2026-10-31", time_unit="W").reindex(s.index).fillna(0)
    cond = data.patients.set_index("patient_id")["condition"].reindex(s.index)
    rows = (cond == "recall").fillna(False).to_numpy(dtype=bool)
    x, t_x, T = (s[c].to_numpy(dtype="float64")[rows] for c in ("frequency", "recency", "T"))
    fitted = fit_visits("mbg_cnbd_k", x, t_x, T, litt=litt.to_numpy()[rows])
    assert abs(fitted["k"] - rhythm) <= 1


def test_synth_refuses_a_rhythm_that_is_not_a_whole_number():
    with pytest.raises(InputError, match="rhythm must be a whole number"):
        synthesize("dental", patients=10, rhythm=0)


def test_auto_chooses_by_holdout_refits_on_everyone_and_records_why(dental):
    from clinicvalue.analyses.clv.model import ClvModel
    from clinicvalue.summarize.summary import summarize

    data, groups = dental
    summary = summarize(data.visits, "2026-10-31", time_unit="W")
    model = ClvModel().fit(summary, visits=data.visits, as_of="2026-10-31", groups=groups)
    assert (model.visit_model_, model.by_group_, model.choice_) == ("mbg_cnbd_k", True, "holdout")
    assert set(model.visit_params_) == {"all", "other", "recall"}
    # the refit keeps each group's rhythm from the comparison, on all the data
    assert model.visit_params_["recall"]["k"] == model.selection_.params["mbg_cnbd_k|recall"]["k"]
    assert model.visit_params_["recall"] != model.selection_.params["mbg_cnbd_k|recall"]
    scores = model.predict(summary, ClinicProfile())
    assert scores["p_alive"].between(0, 1).all() and (scores["clv"] >= 0).all()
    block = json.loads(json.dumps(model.to_metrics()))["visit_model"]
    assert block["name"] == "mbg_cnbd_k" and block["comparison"]["chosen"] == "mbg_cnbd_k|by_group"
    assert {row["model"] for row in block["comparison"]["bias"]} >= {"bgnbd", "mbg_cnbd_k"}
    # saved and loaded: without the labels every patient gets the pooled parameters
    loaded = ClvModel.from_dict(json.loads(json.dumps(model.to_dict())))
    pooled = ClvModel(model="mbg_cnbd_k").fit(summary, visits=data.visits, as_of="2026-10-31")
    assert loaded.visit_params_ == model.visit_params_
    assert np.allclose(
        loaded.p_alive(summary),
        ClvModel.from_dict(model.to_dict() | {"by_group_": False}).p_alive(summary),
    )
    assert pooled.choice_ == "forced" and not pooled.by_group_


def test_auto_without_a_visit_log_is_bgnbd_and_mbg_cnbd_k_needs_one(dental):
    from clinicvalue.analyses.clv.model import ClvModel
    from clinicvalue.summarize.summary import summarize

    data, _ = dental
    summary = summarize(data.visits, "2026-10-31", time_unit="W")
    model = ClvModel().fit(summary)
    assert (model.visit_model_, model.choice_, model.plain_bgnbd) == ("bgnbd", "no_visit_log", True)
    assert model.visit_params_["all"] == model.params_
    with pytest.raises(InputError, match="MBG/CNBD-k needs the visit log"):
        ClvModel(model="mbg_cnbd_k").fit(summary)
    short = ClvModel().fit(summary, visits=data.visits, as_of="2022-06-30")
    assert short.choice_ == "no_comparison" and short.visit_model_ == "bgnbd"


def test_the_rhythm_from_the_features_fits_as_from_the_visits(dental):
    """Given the features' log gaps, MBG/CNBD-k fits exactly as when it reads the visits."""
    from clinicvalue.analyses.clv.model import ClvModel
    from clinicvalue.summarize.features import patient_features
    from clinicvalue.summarize.summary import summarize

    data, _ = dental
    as_of = "2026-10-31"
    log_gaps = patient_features(data.visits, as_of, ClinicProfile())["log_gap_days"]
    for unit in ("W", "M"):
        summary = summarize(data.visits, as_of, time_unit=unit)
        read = ClvModel(model="mbg_cnbd_k", time_unit=unit).fit(
            summary, visits=data.visits, as_of=as_of
        )
        given = ClvModel(model="mbg_cnbd_k", time_unit=unit).fit(summary, log_gaps=log_gaps)
        want, got = read.visit_params_["all"], given.visit_params_["all"]
        assert got["k"] == want["k"]
        assert got == pytest.approx(want, rel=1e-9)

"""`clinicvalue score`: one row per patient with every analysis' columns, and model.json."""

import json
from pathlib import Path

import pandas as pd
import pytest

from clinicvalue.cli import main
from tests.support.paths import ROOT

DENTAL = ROOT / "data_samples" / "dental"

COLUMNS = {
    # issue 2
    "patient_id", "first_visit", "last_visit", "visits", "frequency", "recency", "T", "monetary",
    # issue 3
    "recency_days", "visits_per_year", "rfm_spend", "r_score", "f_score", "m_score",
    "segment_rfm8", "tier_value5", "activity", "treatment_value", "interrupted", "member_tier",
    "points",
    # issue 4
    "p_alive", "exp_visits_3m", "exp_visits_6m", "exp_visits_12m", "exp_spend", "clv_revenue",
    "clv",
    # issue 5
    "churn_flags", "next_recall_due", "returned_within_90d",
}  # fmt: skip


def _score(out: Path, *extra: str) -> int:
    return main(
        [
            "score",
            "--visits", str(DENTAL / "visits.csv"),
            "--patients", str(DENTAL / "patients.csv"),
            "--plans", str(DENTAL / "plans.csv"),
            "--spend", str(DENTAL / "spend.csv"),
            "--profile", str(DENTAL / "clinic.toml"),
            "--as-of", "2026-10-31",
            "--out", str(out),
            *extra,
        ]
    )  # fmt: skip


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    out = tmp_path_factory.mktemp("score") / "scores.csv"
    assert _score(out) == 0
    table = pd.read_csv(out, dtype={"patient_id": str}, encoding="utf-8-sig")
    model = json.loads(out.with_name("scores.model.json").read_text(encoding="utf-8"))
    return out, table, model


def test_score_writes_every_column_once_per_patient(scored):
    _, table, model = scored
    assert COLUMNS <= set(table.columns)
    assert table["patient_id"].is_unique
    assert len(table) == model["patients"]
    assert table["patient_id"].str.len().eq(6).all()  # leading zeros kept: 000001 …


def test_model_json_carries_parameters_profile_and_counts(scored):
    _, table, model = scored
    assert model["as_of"] == "2026-10-31"
    assert model["time_unit"] == "W"
    assert set(model["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert set(model["gamma_gamma"]) == {"p", "q", "v"}
    assert model["fit_step"]
    assert model["profile"]["clinic"]["currency"] == "TWD"
    assert model["visits"] == int(table["visits"].sum())
    assert model["economics"]["available"] in (True, False)


def test_scores_are_in_range(scored):
    _, table, _ = scored
    assert table["p_alive"].between(0, 1).all()
    assert (table["clv"] >= 0).all()
    assert table[["r_score", "f_score", "m_score"]].isin([1, 2, 3, 4, 5]).all().all()
    assert (table["recency"] <= table["T"] + 1e-9).all()
    flags = table["churn_flags"].fillna("")
    known = {"", "overdue", "low_satisfaction", "complaint", "spend_decline"}
    assert all(set(f.split(";")) <= known for f in flags)


def test_nothing_after_as_of_is_used(tmp_path):
    out = tmp_path / "early.parquet"
    assert _score(out, "--no-clv") == 0
    early = pd.read_parquet(out)
    assert pd.to_datetime(early["last_visit"]).max() <= pd.Timestamp("2026-10-31")


def test_same_inputs_give_identical_outputs(scored, tmp_path):
    """Determinism (issue 9): same inputs and parameters → identical scores and model.json."""
    out, table, model = scored
    again = tmp_path / "scores.csv"
    assert _score(again) == 0
    assert again.read_bytes() == out.read_bytes()
    assert json.loads(again.with_name("scores.model.json").read_text(encoding="utf-8")) == model


def test_bad_as_of_is_a_clear_error(tmp_path, capsys):
    assert _score(tmp_path / "x.csv", "--as-of", "31/10/2026") == 2
    err = capsys.readouterr().err
    assert "--as-of" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_unknown_output_format(tmp_path, capsys):
    assert _score(tmp_path / "x.json") == 2
    assert "--out must end in .csv, .parquet or .xlsx" in capsys.readouterr().err


def test_score_model_block_on_synthetic():
    """The CLV columns and model.json block come from the run's fit and validation."""
    from clinicvalue.analyses.clv.model import SCORE_COLUMNS
    from clinicvalue.analyses.scoring import score_patients
    from clinicvalue.data import ClinicData
    from tests.support.clinics import synthetic_visits

    v = synthetic_visits()
    data = ClinicData(visits=v, lines=v.iloc[:0])
    res = score_patients(data, "2024-12-31")
    assert set(SCORE_COLUMNS) <= set(res.table.columns)
    assert len(res.table) == v["patient_id"].nunique()
    block = res.model
    assert {"bgnbd", "gamma_gamma", "intervals", "fit_step", "validation", "warnings"} <= set(block)
    assert block["validation"]["n_patients"] > 0
    assert (res.table["clv"] >= 0).all() and res.table["clv"].sum() > 0


def test_score_records_economics_and_what_retention_is_worth():
    """With spend, model.json carries the run's economics and the uplift table."""
    from clinicvalue.analyses.scoring import score_patients
    from clinicvalue.load import load_clinic
    from tests.support.paths import SAMPLES

    d = SAMPLES / "dental"
    data = load_clinic(
        str(d / "visits.csv"), patients=str(d / "patients.csv"), spend=str(d / "spend.csv")
    )
    block = score_patients(data, "2026-10-31").model["economics"]
    assert block["available"] is True and block["by_channel"]
    up = block["retention_uplift"]
    assert up["n_patients"] > 0 and [s["points"] for s in up["scenarios"]] + up["skipped_points"]
    json.dumps(block)

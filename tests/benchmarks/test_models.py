"""The visit-model benchmark: a small real run times every model's fit and forecast."""

from __future__ import annotations

import json

import pytest

from benchmarks.models import main, run_models


@pytest.mark.slow
def test_a_small_run_times_each_model_and_writes_its_table(tmp_path, capsys):
    result = run_models(2000, 3, tmp_path / "data")
    steps = [(r["model"], r["step"].split(",")[0]) for r in result["rows"]]
    for model in ("BG/NBD", "Pareto/NBD", "MBG/CNBD-k"):
        assert (model, "fit") in steps and (model, "forecast 36 months") in steps
    assert all(r["seconds"] > 0 for r in result["rows"])
    bg = [r for r in result["rows"] if r["model"] == "BG/NBD"]
    assert all(r["vs_bgnbd"] == 1.0 for r in bg)
    assert 0 < result["distinct_histories"] <= result["patients"]
    code = main(["--patients", "2000", "--seed", "3", "--out", str(tmp_path / "out")])
    written = json.loads((tmp_path / "out" / "models.json").read_text(encoding="utf-8"))
    assert written["rows"] and "machine" in written
    out = capsys.readouterr().out
    assert "| MBG/CNBD-k | fit |" in out
    # the exit code says whether every fit is within TARGET × BG/NBD's
    slow = [r for r in written["rows"] if r["step"] == "fit" and r["vs_bgnbd"] > 2.0]
    assert code == (1 if slow else 0)

"""The commands benchmark: a plain log the kit did not shape, and whole-process timings."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from benchmarks.bench import ROOT
from benchmarks.commands import (
    SCALE_MIB,
    TARGETS,
    _verdicts,
    _within_scale,
    run_commands_bench,
    run_measured,
    run_scale_bench,
    table,
)
from benchmarks.plain_log import AS_OF, write_plain_log


def test_the_plain_log_is_written_without_the_kit():
    code = (
        "import sys, benchmarks.plain_log; "
        "sys.exit(any(m.split('.')[0] == 'clinicvalue' for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_the_plain_log_has_day_dates_integer_ids_and_a_csv_twin(tmp_path):
    info = write_plain_log(3000, tmp_path, seed=3)
    table = pq.read_table(tmp_path / "visits.parquet")
    assert table.column_names == ["patient_id", "visit_date", "amount"]
    assert str(table.schema.field("patient_id").type) == "int64"
    assert str(table.schema.field("visit_date").type) == "date32[day]"
    days = table["visit_date"].to_numpy()
    assert days.max() < np.datetime64(AS_OF)
    assert info["line_items"] == table.num_rows > info["patients"] > 2000
    assert (tmp_path / "visits.csv").read_text().count("\n") == table.num_rows + 1


def test_a_process_tree_is_timed_and_its_memory_summed():
    grandchild = "import time; x = b'x' * 60_000_000; time.sleep(0.6)"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}])"
    rec = run_measured([sys.executable, "-c", child], timeout=60)
    assert rec["exit_code"] == 0 and not rec["killed"]
    assert rec["peak_mib"] > 60  # the grandchild's 60 MB counts
    assert rec["wall_seconds"] >= 0.6
    capped = run_measured([sys.executable, "-c", child], timeout=60, memory_limit_mib=40)
    assert capped["killed"] and capped["exit_code"] != 0  # stopped once past the limit


def _runs(score: float, lifetimes: float, actions: float, report: float) -> dict:
    def rec(s: float, mib: float = 100.0) -> dict:
        return {"wall_seconds": s, "exit_code": 0, "killed": False, "peak_mib": mib, "command": "x"}

    return {
        "score_parquet": rec(score),
        "lifetimes_parquet": rec(lifetimes, 200.0),
        "score_csv": rec(score),
        "lifetimes_csv": rec(lifetimes, 50.0),
        "actions": rec(actions),
        "report": rec(report, 5000.0),
    }


def test_verdicts_follow_the_targets():
    v = _verdicts(_runs(2.0, 10.0, 5.0, 30.0))
    assert v["score_parquet_ratio"] and v["score_parquet_memory"]
    assert v["score_csv_ratio"] and not v["score_csv_memory"]  # more memory than lifetimes
    assert v["actions_seconds"] and v["report_seconds"] and not v["report_mib"]
    slow = _verdicts(_runs(10.0, 10.0, TARGETS["actions_seconds"] + 1, 61.0))
    assert not slow["score_parquet_ratio"] and not slow["actions_seconds"]
    assert not slow["report_seconds"]


@pytest.mark.slow
def test_the_benchmark_runs_every_command(monkeypatch):
    monkeypatch.setenv("CLINICVALUE_SECRET", "bench-tests-fixed-secret-0001")
    result = run_commands_bench(1500, report=False)
    assert {k: r["exit_code"] for k, r in result["runs"].items()} == dict.fromkeys(
        ["score_parquet", "lifetimes_parquet", "score_csv", "lifetimes_csv", "actions"], 0
    )
    assert all(r["peak_mib"] > 0 for r in result["runs"].values())
    text = table(result)
    assert "clinicvalue score (parquet)" in text and "lifetimes pipeline (csv)" in text


@pytest.mark.slow
def test_the_scale_run_scores_and_reports_from_parquet_within_the_memory(monkeypatch):
    monkeypatch.setenv("CLINICVALUE_SECRET", "bench-tests-fixed-secret-0001")
    result = run_scale_bench(1500)
    assert set(result["runs"]) == {"score_parquet", "report"}
    assert "csv_bytes" not in result["log"]  # Parquet only at this size
    assert all(r["exit_code"] == 0 for r in result["runs"].values())
    assert all(result["verdicts"].values())
    text = table(result)
    assert "clinicvalue report" in text and f"< {SCALE_MIB:,.0f} MiB" in text
    assert "lifetimes pipeline" not in text
    too_big = {**result["runs"]["report"], "peak_mib": SCALE_MIB + 1}
    assert not _within_scale(too_big)
    assert not _within_scale({**result["runs"]["score_parquet"], "exit_code": 1})

"""The actions benchmark runs the real command on a clinic it generates."""

from __future__ import annotations

import pytest

from benchmarks.actions import run_actions_bench


@pytest.mark.slow
def test_actions_benchmark_runs_the_command_and_reads_back(monkeypatch) -> None:
    monkeypatch.setenv("CLINICVALUE_SECRET", "bench-tests-fixed-secret-0001")
    result = run_actions_bench(400, runs=2)
    assert [r["exit_code"] for r in result["runs"]] == [0, 0]
    assert result["median_seconds"] > 0 and all(r["child_maxrss_mb"] > 0 for r in result["runs"])

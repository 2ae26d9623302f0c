"""Tests for analyses.clv.blas: the fits run with one BLAS thread, the caller keeps its own."""

from __future__ import annotations

import numpy as np
from lifetimes.datasets import load_cdnow_summary
from threadpoolctl import threadpool_info, threadpool_limits

from clinicvalue.analyses.clv import processes
from clinicvalue.analyses.clv.blas import one_blas_thread


def _blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_a_decorated_call_runs_on_one_thread_and_restores_the_callers_setting():
    seen = one_blas_thread(_blas_threads)
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        inside = seen()
        after = _blas_threads()
    assert before and all(n == 2 for n in before)
    assert inside == [1] * len(before)
    assert after == before


def test_a_visit_model_fit_does_its_work_on_one_thread(monkeypatch):
    seen: list[list[int]] = []
    run_ladder = processes.run_ladder

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return run_ladder(*args, **kwargs)

    monkeypatch.setattr(processes, "run_ladder", spy)
    d = load_cdnow_summary(index_col=[0])
    x, t_x, T = (d[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    with threadpool_limits(limits=2, user_api="blas"):
        params = processes.fit_visits("bgnbd", x, t_x, T)
        assert all(n == 2 for n in _blas_threads())
    assert seen and all(threads and set(threads) == {1} for threads in seen)
    assert np.isclose(params["r"], 0.2426, atol=1e-4)

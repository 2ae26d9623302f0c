"""The benchmark harness: a tiny real run, plus its bookkeeping on hand-made records.

Correctness only: no timing is asserted.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.bench import PARAM_NAMES, BenchResult, machine_info, run_bench
from benchmarks.data import stand_in_transactions
from benchmarks.worker import _Runner, flat_params, peak_rss_mb
from clinicvalue.errors import OptionError

pytestmark = pytest.mark.filterwarnings("ignore:The 'mode.chained_assignment' option is deprecated")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> BenchResult:
    out = tmp_path_factory.mktemp("bench")
    return run_bench(patients=400, seed=3, out=out, report=False, step_timeout=300, verbose=False)


def test_tiny_run_writes_json_with_machine_and_versions(tiny: BenchResult) -> None:
    data = json.loads(Path(tiny.json_path).read_text(encoding="utf-8"))
    latest = json.loads((Path(tiny.json_path).parent / "latest.json").read_text("utf-8"))
    assert data == latest
    for key in ("patients", "visits", "kit", "lifetimes", "ratio", "machine", "versions", "table"):
        assert key in data
    assert data["machine"]["cpu_count"] >= 1
    assert data["versions"]["lifetimes"] == "0.11.3"
    assert 0 < data["patients"] <= 400
    assert data["visits"] >= data["patients"]
    assert data["line_items"] >= data["visits"]


def test_tiny_run_times_every_step(tiny: BenchResult) -> None:
    lt_steps = {s["step"]: s for s in tiny.lifetimes["steps"]}
    assert list(lt_steps) == ["load_transactions", "summary", "bgnbd_fit", "gg_fit", "clv"]
    assert all(s["status"] == "ok" and s["seconds"] > 0 for s in lt_steps.values())
    assert all(s["peak_rss_mb"] > 10 for s in lt_steps.values())
    kit_steps = {s["step"]: s for s in tiny.kit["steps"]}
    assert kit_steps["summary"]["status"] == "ok"
    assert tiny.kit["peak_rss_mb"] > 10
    assert tiny.lifetimes["exit_code"] == 0
    assert tiny.kit["exit_code"] == 0
    # patients whose only days are refunds have no visit, so none is scored
    assert 0.99 * tiny.patients <= tiny.kit["patients"] <= tiny.patients


def test_tiny_run_times_retention_and_lists_and_checks_partitions(tiny: BenchResult) -> None:
    from benchmarks.bench import ANALYSES

    steps = {s["step"]: s for s in tiny.analyses["steps"]}
    for name in ("load_visits_summary", *ANALYSES):
        assert steps[name]["status"] == "ok", steps[name]
    assert tiny.analyses["patients"] == tiny.kit["patients"]
    assert set(tiny.analyses["partition"]) >= {"segment_rfm8", "tier_value5", "activity"}
    assert all(tiny.analyses["partition"].values())
    assert "action lists (own process)" in tiny.table()


def test_tiny_run_lifetimes_parameters_recorded(tiny: BenchResult) -> None:
    assert set(PARAM_NAMES) <= set(tiny.lifetimes["params"])
    assert all(v > 0 for v in tiny.lifetimes["params"].values())
    assert tiny.lifetimes["clv_total"] > 0


def test_tiny_run_parameters_agree_when_the_kit_fits(tiny: BenchResult) -> None:
    fit = next(s for s in tiny.kit["steps"] if s["step"] == "bgnbd_gg_fit")
    if (
        fit["status"] == "skipped"
    ):  # clinicvalue.analyses.clv.model not installed: nothing to compare
        assert tiny.params_agree is None
        assert "clinicvalue.analyses.clv.model" in fit["note"]
    else:
        assert fit["status"] == "ok"
        assert set(tiny.param_rel_diff) == set(PARAM_NAMES)
        assert tiny.params_agree is True, tiny.param_rel_diff


def test_tiny_run_table_lists_steps(tiny: BenchResult) -> None:
    table = tiny.table()
    for label in ("summary", "BG/NBD + Gamma-Gamma fit", "CLV", "total", "kit MiB"):
        assert label in table
    assert f"{tiny.patients:,} patients" in table


def _record(pipeline: str, steps: list[tuple[str, float, float]], **kw) -> dict:
    return {
        "pipeline": pipeline,
        "steps": [{"step": n, "status": "ok", "seconds": s, "peak_rss_mb": m} for n, s, m in steps],
        "peak_rss_mb": max(m for _, _, m in steps),
        **kw,
    }


def _result(kit_params: dict, kit_mem: float = 500.0) -> BenchResult:
    lt_params = dict.fromkeys(PARAM_NAMES, 2.0)
    kit = _record(
        "kit",
        [("summary", 1.0, kit_mem), ("bgnbd_gg_fit", 0.5, 300), ("clv", 0.5, 300)],
        params=kit_params,
    )
    lt = _record(
        "lifetimes",
        [
            ("load_transactions", 1.0, 400),
            ("summary", 4.0, 900),
            ("bgnbd_fit", 2.0, 900),
            ("gg_fit", 1.0, 900),
            ("clv", 2.0, 600),
        ],
        params=lt_params,
    )
    from benchmarks.bench import _rel_diff

    return BenchResult(
        patients=10,
        visits=40,
        line_items=45,
        as_of="2026-10-31",
        seed=1,
        generator="hand",
        kit=kit,
        lifetimes=lt,
        report=None,
        param_rel_diff=_rel_diff(kit_params, lt_params),
    )


def test_ratio_and_targets_hand_computed() -> None:
    res = _result(dict.fromkeys(PARAM_NAMES, 2.0 * (1 + 5e-5)))
    assert res.kit_seconds == pytest.approx(2.0)
    assert res.lifetimes_seconds == pytest.approx(10.0)
    assert res.ratio == pytest.approx(5.0)
    assert res.core_ratio == pytest.approx(5.0)  # the hand record has no segments/churn
    assert res.params_agree is True
    assert res.meets_targets is True
    assert "5.0x" in res.table()
    assert "4.0x" in res.table()  # summary row: 4.0 / 1.0


def test_targets_fail_on_parameters_memory_or_missing() -> None:
    assert _result(dict.fromkeys(PARAM_NAMES, 2.001)).params_agree is False
    assert _result(dict.fromkeys(PARAM_NAMES, 2.001)).meets_targets is False
    assert _result(dict.fromkeys(PARAM_NAMES, 2.0), kit_mem=2000).meets_targets is False
    missing = _result({"r": 2.0})
    assert missing.params_agree is None
    assert missing.meets_targets is None
    assert "not compared" in missing.table()


def test_flat_params_accepts_nested_and_series() -> None:
    nested = {"bgnbd": {"r": 1, "alpha": 2.5}, "gamma_gamma": pd.Series({"p": 3.0}), "ok": True}
    assert flat_params(nested) == {"r": 1.0, "alpha": 2.5, "p": 3.0}
    assert flat_params(None) == {}


def test_runner_times_out_a_step_skips_dependents_and_goes_on(tmp_path: Path) -> None:
    run = _Runner(tmp_path / "r.json", "kit", step_timeout=0.2)
    run.run("slow", lambda: time.sleep(5))
    run.run("after_slow", lambda: 1, needs=("slow",))
    run.run("independent", lambda: 1)
    run.run("broken", lambda: 1 / 0)
    run.finish()
    record = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    status = {s["step"]: s["status"] for s in record["steps"]}
    assert status == {
        "slow": "timeout",
        "after_slow": "skipped",
        "independent": "ok",
        "broken": "error",
    }
    slow = record["steps"][0]
    assert slow["seconds"] < 2
    assert "ZeroDivisionError" in record["steps"][3]["note"]


def test_peak_rss_and_machine_info() -> None:
    assert peak_rss_mb() > 10
    info = machine_info()
    assert info["cpu_count"] >= 1
    assert info["memory_gib"] > 0


def test_stand_in_generator_is_reproducible() -> None:
    a, b = stand_in_transactions(200, 5), stand_in_transactions(200, 5)
    pd.testing.assert_frame_equal(a, b)
    assert a["patient_id"].nunique() == 200
    assert (a["visit_date"] <= pd.Timestamp("2026-10-31")).all()


def test_option_errors(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="patients must be at least 10"):
        run_bench(patients=5, out=tmp_path, verbose=False)
    with pytest.raises(OptionError, match="step_timeout must be a positive"):
        run_bench(patients=100, out=tmp_path, step_timeout=0, verbose=False)


def test_tiny_run_summaries_agree_with_lifetimes(tiny: BenchResult) -> None:
    diff = tiny.summary_max_abs_diff
    assert diff is not None
    assert set(diff) == {"frequency", "recency", "T", "monetary"}
    assert max(diff.values()) < 1e-9
    assert "summaries (x, t_x, T, monetary) differ by at most" in tiny.table()


def test_load_visits_matches_the_loader(tmp_path: Path) -> None:
    """The bench's DuckDB day-summing equals clinicvalue.load's ``aggregate_visits``."""
    import duckdb

    from benchmarks.worker import _load_visits
    from clinicvalue.load.visit_rule import aggregate_visits

    lines = pd.DataFrame(
        {
            "patient_id": pd.array(["007", "007", "007", "7"], dtype="string"),
            "visit_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2024-01-01"]),
            "amount": [1000.0, -200.0, 300.0, 50.0],
            "treatment": pd.array(["implant", "cleaning", "cleaning", None], dtype="string"),
            "satisfaction": [90.0, 70.0, 100.0, None],
        }
    )
    path = tmp_path / "lines.parquet"
    lines.to_parquet(path)
    got = _load_visits(duckdb.connect(), str(path)).visits
    got = got.sort_values(["patient_id", "visit_date"], ignore_index=True)
    want, _ = aggregate_visits(lines, set())
    assert list(got["patient_id"]) == ["007", "007", "7"]
    assert got["patient_id"].dtype == "string" and got["treatment"].dtype == "string"
    for col in ("amount", "self_pay", "n_items", "satisfaction"):
        pd.testing.assert_series_equal(got[col], want[col], check_dtype=False, check_names=False)
    assert got["visit_date"].dtype == "datetime64[ns]"
    assert set(got["treatment"].iloc[0].split("; ")) == {"implant", "cleaning"}
    assert got["treatment"].isna().iloc[2]


def test_kit_pipeline_runs_every_step(tmp_path: Path) -> None:
    """The kit pipeline runs features, summary, fit, CLV, segments and churn, in that order."""
    import benchmarks.worker as worker

    tx = stand_in_transactions(300, 1)
    tx.to_parquet(tmp_path / "transactions.parquet")
    spec = {
        "pipeline": "kit",
        "transactions": str(tmp_path / "transactions.parquet"),
        "as_of": "2026-10-31",
        "penalizer": 0.0,
        "threads": 1,
    }
    run = worker._Runner(tmp_path / "kit.json", "kit", step_timeout=120)
    worker._kit(spec, run)
    run.finish()
    record = json.loads((tmp_path / "kit.json").read_text(encoding="utf-8"))
    assert [(s["step"], s["status"]) for s in record["steps"]] == [
        ("patient_features", "ok"),
        ("summary", "ok"),
        ("bgnbd_gg_fit", "ok"),
        ("clv", "ok"),
        ("segments", "ok"),
        ("churn_flags", "ok"),
    ]
    assert set(record["params"]) == {"r", "alpha", "a", "b", "p", "q", "v"}
    assert all(v > 0 for v in record["params"].values())
    assert record["patients"] == tx["patient_id"].nunique()
    assert (tmp_path / "summary_kit.parquet").exists()


def test_large_clinics_are_generated_in_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above one chunk, clinics are generated one at a time with distinct patient ids."""
    import pyarrow.parquet as pq

    import benchmarks.data as bench_data

    monkeypatch.setattr(bench_data, "CHUNK", 40)
    info = bench_data.make_bench_data(100, 3, tmp_path)
    tx = pq.read_table(tmp_path / "transactions.parquet").to_pandas()
    prefixes = tx["patient_id"].str.slice(0, 4)
    assert set(prefixes) == {"000-", "001-", "002-"}
    assert "3 clinics of up to 40 patients" in info["generator"]
    assert info["patients"] == tx["patient_id"].nunique()
    assert 90 <= info["patients"] <= 100  # patients with an attended visit
    assert info["line_items"] == len(tx)

"""Benchmark every visit model's fit (and forecast) on one large synthetic clinic.

``python -m benchmarks.models --patients 1000000`` (run by ``make bench``) writes a
synthetic dental clinic's line items to Parquet, builds the per-patient summary and the
log inter-visit times with the kit's one DuckDB pass, then times, each on the same
histories and in this one process:

- the fit of BG/NBD, Pareto/NBD and MBG/CNBD-k (with its rhythm k searched, as the
  holdout comparison does, and with k given, as the refit on all patients does);
- each model's forecast of every patient's visits to the 36 month-ends of a lifetime
  value.

It prints a table with each time against BG/NBD's, writes it with the machine to
``bench_results/models.json`` and exits non-zero when a fit takes more than
:data:`TARGET` times BG/NBD's (the issue's "within 2×").
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["TARGET", "main", "run_models"]

#: a fit may take at most this many times BG/NBD's fit on the same histories
TARGET = 2.0
#: month-ends forecast per patient (the lifetime value's 36 months)
MONTHS = 36


def _timed(fn: Any, label: str) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    print(f"{label}: {seconds:.2f} s", file=sys.stderr, flush=True)
    return out, seconds


def run_models(patients: int, seed: int, folder: Path) -> dict[str, Any]:
    """Return fit and forecast times of every visit model on a clinic of ``patients``."""
    import duckdb
    import pandas as pd

    from benchmarks.data import make_bench_data
    from clinicvalue.analyses.clv.bgnbd import UNITS_PER_MONTH
    from clinicvalue.analyses.clv.processes import MODEL_NAMES, VISIT_MODELS, expected, fit_visits
    from clinicvalue.profile import ClinicProfile
    from clinicvalue.summarize.features import patient_features
    from clinicvalue.summarize.summary import log_gap_sum, summary_from_features

    info = make_bench_data(patients, seed, folder)
    path, as_of = str(folder / "transactions.parquet"), pd.Timestamp(info["as_of"])
    profile = ClinicProfile()
    unit = profile.clv.time_unit
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    features = patient_features(con.read_parquet(path), as_of, profile, connection=con)
    summary = summary_from_features(features, as_of, time_unit=unit, connection=con)
    litt = log_gap_sum(con.read_parquet(path), as_of, time_unit=unit, connection=con)
    litt = litt.reindex(summary.index).fillna(0.0).to_numpy()
    x, t_x, T = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    histories = len(np.unique(np.column_stack([x, t_x, T]), axis=0))
    horizons = np.arange(1, MONTHS + 1) * UNITS_PER_MONTH[unit]
    rows: list[dict[str, Any]] = []
    fitted: dict[str, dict[str, float]] = {}
    for model in VISIT_MODELS:
        params, fit_s = _timed(
            lambda m=model: fit_visits(m, x, t_x, T, litt=litt), f"{MODEL_NAMES[model]} fit"
        )
        fitted[model] = params
        rows.append({"model": MODEL_NAMES[model], "step": "fit", "seconds": fit_s,
                     "params": params})  # fmt: skip
    k = int(fitted["mbg_cnbd_k"]["k"])
    _, refit_s = _timed(
        lambda: fit_visits("mbg_cnbd_k", x, t_x, T, litt=litt, k=k), f"MBG/CNBD-k fit, k = {k}"
    )
    rows.append({"model": "MBG/CNBD-k", "step": f"fit, k = {k} given", "seconds": refit_s})
    for model in VISIT_MODELS:
        _, s = _timed(
            lambda m=model: expected(m, fitted[m], horizons, x, t_x, T),
            f"{MODEL_NAMES[model]} forecast",
        )
        rows.append({"model": MODEL_NAMES[model], "step": f"forecast {MONTHS} months",
                     "seconds": s})  # fmt: skip
    base = {r["step"].split(",")[0]: r["seconds"] for r in rows if r["model"] == "BG/NBD"}
    for r in rows:
        r["vs_bgnbd"] = r["seconds"] / base[r["step"].split(",")[0]]
    return {
        "patients": int(len(summary)),
        "visits": info["visits"],
        "distinct_histories": int(histories),
        "as_of": info["as_of"],
        "rows": rows,
    }


def _table(result: dict[str, Any]) -> str:
    lines = ["| model | step | seconds | × BG/NBD |", "|---|---|---:|---:|"]
    for r in result["rows"]:
        lines.append(f"| {r['model']} | {r['step']} | {r['seconds']:.2f} | {r['vs_bgnbd']:.1f}× |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.models``: time each visit model's fit and forecast."""
    import argparse

    from benchmarks.bench import machine_info

    p = argparse.ArgumentParser(prog="python -m benchmarks.models", description=main.__doc__)
    p.add_argument("--patients", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", default="bench_results", metavar="DIR")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="clinicvalue-models-") as tmp:
        result = run_models(args.patients, args.seed, Path(tmp))
    result["machine"] = machine_info()
    result["date"] = time.strftime("%Y-%m-%d")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "models.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(
        f"{result['patients']:,} patients, {result['visits']:,} visits, "
        f"{result['distinct_histories']:,} distinct histories"
    )
    print(_table(result))
    slow = [r for r in result["rows"] if r["step"] == "fit" and r["vs_bgnbd"] > TARGET]
    for r in slow:
        print(f"target missed: {r['model']} fit takes {r['vs_bgnbd']:.1f}× BG/NBD's (≤ {TARGET}×)")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())

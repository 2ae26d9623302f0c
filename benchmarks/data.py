"""Benchmark data: a synthetic clinic written as the Parquet both pipelines read.

``python -m benchmarks.data PATIENTS SEED OUT_DIR [REPORT_PATIENTS]`` runs in its
own process (so the generator's memory never counts against a pipeline) and writes

- ``transactions.parquet``: the attended line items ``patient_id, visit_date, amount``
  (no-shows, cancellations and days of refunds only dropped: lifetimes would count such a
  day as a visit, the kit does not, and both pipelines must count the same visits), what
  a lifetimes user would feed to
  ``summary_data_from_transaction_data``, plus the treatment, doctor, satisfaction and
  complaint columns the kit's segments and churn flags use (lifetimes reads only three);
- ``report/``: a smaller clinic (all four tables) for timing the monthly report;
- ``data.json``: counts, the as-of date and which generator made the data.

The generator is ``clinicvalue.synth``; the small numpy stand-in below gives the harness's
own tests a transaction log without it.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["make_bench_data", "stand_in_transactions"]

NOT_VISIT = ("no-show", "cancelled")
#: Line-item columns kept beside the three lifetimes reads, for segments and churn flags.
KEPT = ("treatment", "doctor", "department", "branch", "satisfaction", "complaint")
START, END = pd.Timestamp("2022-01-01"), pd.Timestamp("2026-10-31")


def stand_in_transactions(patients: int, seed: int) -> pd.DataFrame:
    """Return BG/NBD-like line items for ``patients`` patients (development stand-in).

    Each patient buys at a gamma-distributed rate and drops out after each visit with a
    beta-distributed probability, so the data carry the heterogeneity BG/NBD models.
    """
    rng = np.random.default_rng(seed)
    span = (END - START).days
    first = rng.integers(0, span, size=patients)
    lam = rng.gamma(0.8, 1 / 40, size=patients)  # visits per day while alive
    n = np.minimum(rng.geometric(rng.beta(1.5, 4.0, size=patients)), 60)  # visits if alive
    owner = np.repeat(np.arange(patients), n)
    starts = np.r_[0, np.cumsum(n)[:-1]]
    gaps = rng.exponential(1.0, size=owner.size) / lam[owner]
    gaps[starts] = 0.0
    cum = np.cumsum(gaps)
    day = first[owner] + np.floor(cum - np.repeat(cum[starts], n)).astype(np.int64)
    keep = day <= span
    owner, day = owner[keep], day[keep]
    mean_spend = rng.gamma(3.0, 900.0, size=patients)
    amount = np.round(rng.gamma(4.0, mean_spend[owner] / 4.0), 0)
    extra = rng.random(owner.size) < 0.15  # a second line item on some days
    owner = np.r_[owner, owner[extra]]
    day = np.r_[day, day[extra]]
    amount = np.r_[amount, np.round(amount[extra] * 0.3, 0)]
    ids = pd.array(np.char.add("P", np.char.zfill(np.arange(patients).astype(str), 8)))
    ids = ids.astype("string")
    return pd.DataFrame(
        {
            "patient_id": ids[owner],
            "visit_date": (START + pd.to_timedelta(day, unit="D")).astype("datetime64[ns]"),
            "amount": amount.astype("float64"),
        }
    )


#: Patients generated at a time: the generator's memory stays that of one chunk.
CHUNK = 1_000_000


def _transactions(lines: pd.DataFrame) -> pa.Table:
    if "status" in lines.columns:
        status = lines["status"].astype("string").str.lower()
        lines = lines[~status.isin(NOT_VISIT).fillna(False)]
    extra = [c for c in KEPT if c in lines.columns]
    tx = lines[["patient_id", "visit_date", "amount", *extra]].copy()
    tx["patient_id"] = tx["patient_id"].astype("string")
    tx["visit_date"] = pd.to_datetime(tx["visit_date"]).astype("datetime64[ns]")
    tx["amount"] = tx["amount"].astype("float64")
    day = tx.groupby(["patient_id", "visit_date"], sort=False)["amount"]
    refund_only = (day.transform("max") <= 0) & (day.transform("min") < 0)
    return pa.Table.from_pandas(tx[~refund_only.to_numpy()], preserve_index=False)


def _write_transactions(lines: pd.DataFrame, path: Path) -> None:
    pq.write_table(_transactions(lines), path, row_group_size=1_000_000)


def _write_chunked(synth: Any, patients: int, seed: int, path: Path) -> None:
    """Write ``patients`` synthetic patients in chunks of :data:`CHUNK`.

    Each chunk is its own clinic (seed ``seed + k``) whose patient ids get the prefix
    ``k-``, so ids stay distinct; chunks are appended to one Parquet file.
    """
    writer = None
    try:
        for k, start in enumerate(range(0, patients, CHUNK)):
            n = min(CHUNK, patients - start)
            lines = synth.synthesize("dental", patients=n, seed=seed + k).visits
            lines["patient_id"] = f"{k:03d}-" + lines["patient_id"].astype("string")
            table = _transactions(lines)
            del lines
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table.cast(writer.schema), row_group_size=1_000_000)
            del table
    finally:
        if writer is not None:
            writer.close()


def make_bench_data(
    patients: int, seed: int, out_dir: Path, *, report_patients: int = 0
) -> dict[str, Any]:
    """Write the benchmark's Parquet files under ``out_dir``; return what was made."""
    out_dir.mkdir(parents=True, exist_ok=True)
    from clinicvalue import synth

    t0 = time.perf_counter()
    info: dict[str, Any] = {"patients_requested": patients, "seed": seed}
    if patients > CHUNK:
        info["generator"] = (
            f"clinicvalue.synth.synthesize('dental'), {math.ceil(patients / CHUNK)} clinics "
            f"of up to {CHUNK:,} patients"
        )
        _write_chunked(synth, patients, seed, out_dir / "transactions.parquet")
    else:
        clinic = synth.synthesize("dental", patients=patients, seed=seed)
        info["generator"] = "clinicvalue.synth.synthesize('dental')"
        lines = clinic.visits
        _write_transactions(lines, out_dir / "transactions.parquet")
        del clinic, lines
    info["generate_seconds"] = time.perf_counter() - t0
    meta = pq.read_metadata(out_dir / "transactions.parquet")
    info["line_items"] = meta.num_rows
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    path = out_dir / "transactions.parquet"
    row = con.execute(
        f"""SELECT COUNT(DISTINCT patient_id), MAX(CAST(visit_date AS DATE)),
                   COUNT(*) FROM (SELECT DISTINCT patient_id, CAST(visit_date AS DATE)
                   AS visit_date FROM read_parquet('{path}'))"""
    ).fetchone()
    info["patients"], info["visits"] = int(row[0]), int(row[2])
    info["as_of"] = f"{pd.Timestamp(row[1]):%Y-%m-%d}"
    con.close()
    if report_patients and synth is not None:
        small = synth.synthesize("dental", patients=report_patients, seed=seed)
        synth.write_synthetic(small, out_dir / "report", fmt="parquet")
        info["report_patients"] = report_patients
    (out_dir / "data.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info


if __name__ == "__main__":
    args = sys.argv[1:]
    make_bench_data(
        int(args[0]),
        int(args[1]),
        Path(args[2]),
        report_patients=int(args[3]) if len(args) > 3 else 0,
    )

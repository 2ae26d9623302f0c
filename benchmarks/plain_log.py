"""Write a plain visit log that owes nothing to the kit: the benchmark's outside data.

``python -m benchmarks.plain_log --patients 1000000 --out DIR`` writes ``visits.parquet``
and ``visits.csv`` with three columns — ``patient_id`` (integer), ``visit_date`` (a day,
no time) and ``amount`` — the shape of a practice-management export. It uses numpy and
pyarrow only (never ``clinicvalue``), so the kit is timed on data it did not shape:
patients join uniformly over three years, each visits at a rate of their own
(gamma-distributed) with exponential gaps, may stop after any visit (beta-distributed
chance), and a visit sometimes bills a second line on the same day.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

__all__ = ["AS_OF", "plain_log", "write_plain_log"]

#: The log ends the day before this; commands are run as of it.
AS_OF = "2026-10-31"
_YEARS = 3
_MAX_VISITS = 60


def plain_log(patients: int, seed: int = 11) -> pa.Table:
    """Return the line items of ``patients`` patients as an Arrow table."""
    rng = np.random.default_rng(seed)
    end = np.datetime64(AS_OF, "D")
    span = 365 * _YEARS
    first = rng.integers(0, span, patients)  # days after the start
    rate = rng.gamma(0.9, 1 / 55.0, patients)  # visits per day while coming
    stop = rng.beta(1.2, 3.5, patients)  # chance of not coming back after a visit
    spend = rng.lognormal(7.2, 0.6, patients)  # each patient's usual bill
    ids, days, amounts = [], [], []
    block = 100_000
    for lo in range(0, patients, block):
        hi = min(lo + block, patients)
        n = hi - lo
        gaps = rng.exponential(1.0, (n, _MAX_VISITS)) / rate[lo:hi, None]
        gaps[:, 0] = 0.0
        when = first[lo:hi, None] + np.cumsum(gaps, axis=1)
        goes_on = rng.random((n, _MAX_VISITS)) >= stop[lo:hi, None]
        goes_on[:, 0] = True
        alive = np.logical_and.accumulate(goes_on, axis=1) & (when < span)
        rows, k = np.nonzero(alive)
        day = np.floor(when[rows, k]).astype(np.int64)
        bill = np.round(spend[lo + rows] * rng.lognormal(0.0, 0.35, len(rows)), -1)
        ids.append(lo + rows + 1)
        days.append(day)
        amounts.append(bill)
    pid = np.concatenate(ids)
    day = np.concatenate(days)
    amount = np.concatenate(amounts)
    extra = rng.random(len(pid)) < 0.15  # a second line billed on the same day
    pid = np.concatenate([pid, pid[extra]])
    day = np.concatenate([day, day[extra]])
    amount = np.concatenate([amount, np.round(rng.lognormal(5.5, 0.5, int(extra.sum())), -1)])
    order = np.lexsort((day, pid))
    start = end - np.timedelta64(span, "D")
    dates = (start + day[order].astype("timedelta64[D]")).astype("datetime64[D]")
    return pa.table(
        {
            "patient_id": pa.array(pid[order], pa.int64()),
            "visit_date": pa.array(dates, pa.date32()),
            "amount": pa.array(amount[order], pa.float64()),
        }
    )


def write_plain_log(
    patients: int, folder: Path, seed: int = 11, *, csv: bool = True
) -> dict[str, object]:
    """Write ``visits.parquet`` (and ``visits.csv``) into ``folder``; return their sizes."""
    folder.mkdir(parents=True, exist_ok=True)
    table = plain_log(patients, seed)
    pq.write_table(table, folder / "visits.parquet")
    if csv:
        pcsv.write_csv(table, folder / "visits.csv")
    return {
        "patients": int(len(np.unique(table["patient_id"].to_numpy()))),
        "line_items": table.num_rows,
        "parquet_bytes": (folder / "visits.parquet").stat().st_size,
        **({"csv_bytes": (folder / "visits.csv").stat().st_size} if csv else {}),
    }


def main(argv: list[str] | None = None) -> int:
    """Write the plain log and print what was written."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.plain_log", description=__doc__)
    p.add_argument("--patients", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.add_argument("--no-csv", action="store_true", help="write the Parquet log only")
    args = p.parse_args(argv)
    print(write_plain_log(args.patients, args.out, args.seed, csv=not args.no_csv))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

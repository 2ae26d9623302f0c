"""What a lifetimes user runs on a visit log, as one process: the benchmark's yardstick.

``python -m benchmarks.lifetimes_pipeline visits.parquet --as-of 2026-10-31 --out F``
reads the log with pandas (Parquet, or CSV with parsed dates), then
``summary_data_from_transaction_data`` (weeks) → ``BetaGeoFitter`` → ``GammaGammaFitter``
on repeat patients → 12-month ``customer_lifetime_value``, and writes one row per patient
(the summary and the CLV). ``clinicvalue score`` writes more per patient (P(alive),
expected visits, segments, churn flags): the yardstick is the least a lifetimes user runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

__all__ = ["main", "run"]


def run(path: Path, as_of: str, out: Path, *, penalizer: float = 0.0) -> pd.DataFrame:
    """Score the log at ``path`` the plain lifetimes way; write and return the table."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    cols = ["patient_id", "visit_date", "amount"]
    if path.suffix == ".parquet":
        tx = pd.read_parquet(path, columns=cols)
    else:
        tx = pd.read_csv(path, usecols=cols, parse_dates=["visit_date"])
    summary = summary_data_from_transaction_data(
        tx,
        "patient_id",
        "visit_date",
        monetary_value_col="amount",
        observation_period_end=pd.Timestamp(as_of),
        freq="D",
        freq_multiplier=7,
    )
    del tx
    bgf = BetaGeoFitter(penalizer_coef=penalizer).fit(
        summary["frequency"], summary["recency"], summary["T"]
    )
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    ggf = GammaGammaFitter(penalizer_coef=penalizer).fit(
        repeat["frequency"], repeat["monetary_value"]
    )
    summary["clv_12m"] = ggf.customer_lifetime_value(
        bgf,
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary["monetary_value"],
        time=12,
        discount_rate=0.01,
        freq="W",
    )
    summary.reset_index().to_parquet(out, index=False)
    return summary


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline on one file."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.lifetimes_pipeline")
    p.add_argument("visits", type=Path)
    p.add_argument("--as-of", required=True)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    run(args.visits, args.as_of, args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

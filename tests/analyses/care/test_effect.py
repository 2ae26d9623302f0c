"""Tests for clinicvalue.analyses.care.effect: funnel and measured effect of the calls."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.analyses.care.effect import call_results
from clinicvalue.analyses.care.worklist import build_worklist
from clinicvalue.profile import ClinicProfile

DAY = pd.Timestamp("2026-03-02")


def _run(n: int, profile: ClinicProfile) -> pd.DataFrame:
    ids = [f"p{i:05d}" for i in range(n)]
    tasks = {
        "recalls_due": pd.DataFrame(
            {"patient_id": ids, "task": "recall", "due_date": DAY, "reason": "due", "script": "s"}
        )
    }
    summary = pd.DataFrame(
        {"last_visit": DAY - pd.Timedelta(days=200), "total_spend": 100.0},
        index=pd.Index(ids, dtype="string", name="patient_id"),
    )
    work = build_worklist(tasks, summary, DAY, profile, capacity=n)
    runs = work.runs().assign(outcome=pd.NA, outcome_date=pd.NaT, file="w.xlsx")
    ids_by_key = pd.concat([work.rows, work.held]).set_index("patient_key")["patient_id"]
    return runs.assign(patient_id=runs["patient_key"].map(ids_by_key))


def _visits(runs: pd.DataFrame, rate: dict[str, float], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = runs["arm"].map(rate).to_numpy()
    back = rng.random(len(runs)) < p
    days = rng.integers(1, 90, len(runs))
    return pd.DataFrame(
        {
            "patient_id": pd.array(runs["patient_id"][back], dtype="string"),
            "visit_date": DAY + pd.to_timedelta(days[back], unit="D"),
            "amount": 1000.0,
        }
    ).sort_values(["patient_id", "visit_date"], ignore_index=True)


def test_effect_recovers_a_known_lift_within_its_interval() -> None:
    profile = ClinicProfile().replace(actions__holdout_share=0.3)
    runs = _run(6000, profile)
    visits = _visits(runs, {"listed": 0.35, "held": 0.20}, seed=3)
    res = call_results(runs, visits, DAY + pd.Timedelta(days=120), profile)
    (eff,) = res.effects
    assert eff.list == "recalls_due" and eff.held > 1500
    assert eff.diff_low < 0.15 < eff.diff_high  # the true lift is inside the interval
    assert eff.diff_low > 0.08 and eff.verdict == "effect"
    assert eff.revenue_low < 150.0 < eff.revenue_high  # 0.15 × one visit of 1,000


def test_no_lift_reads_no_clear_effect_and_too_early_before_the_window_closes() -> None:
    profile = ClinicProfile().replace(actions__holdout_share=0.3)
    runs = _run(6000, profile)
    visits = _visits(runs, {"listed": 0.25, "held": 0.25}, seed=4)
    (eff,) = call_results(runs, visits, DAY + pd.Timedelta(days=120), profile).effects
    assert eff.diff_low < 0 < eff.diff_high and eff.verdict in ("no_effect", "too_early")
    (early,) = call_results(runs, visits, DAY + pd.Timedelta(days=30), profile).effects
    assert early.verdict == "too_early" and early.pending == len(runs) and early.called == 0


def test_small_list_says_too_early_with_the_patients_needed() -> None:
    profile = ClinicProfile().replace(actions__holdout_share=0.1)
    runs = _run(300, profile)
    visits = _visits(runs, {"listed": 0.3, "held": 0.2}, seed=5)
    (eff,) = call_results(runs, visits, DAY + pd.Timedelta(days=120), profile).effects
    assert eff.needed is not None and eff.needed > eff.held
    if eff.diff_low <= 0 <= eff.diff_high:
        assert eff.verdict == "too_early"


def test_funnel_counts_called_reached_booked_came() -> None:
    profile = ClinicProfile().replace(actions__holdout_share=0.0)
    runs = _run(6, profile)
    runs["outcome"] = ["booked", "booked", "reached", "wrong_number", pd.NA, "do_not_contact"]
    came = runs["patient_id"].iloc[[0, 2]]  # one booked patient came, one unbooked came too
    visits = pd.DataFrame(
        {
            "patient_id": pd.array(came, dtype="string"),
            "visit_date": DAY + pd.Timedelta(days=10),
            "amount": [700.0, 300.0],
        }
    )
    res = call_results(runs, visits, DAY + pd.Timedelta(days=20), profile)
    row = res.funnel.loc["recalls_due"]
    assert row[["listed", "called", "reached", "booked", "came"]].tolist() == [6, 5, 4, 2, 1]
    assert row["revenue"] == 700.0
    assert res.workbooks == 1 and res.first_run == DAY

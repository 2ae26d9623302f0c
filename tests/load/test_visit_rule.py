"""The visit rule (clinicvalue.load.visit_rule) against a plain-Python oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clinicvalue.load.visit_rule import aggregate_visits


def _lines(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 12, n), unit="D")
    amount = rng.choice([1200.0, 300.5, 0.0, -300.0, -1200.0, 80.25], n)
    words = np.array(["crown", "cleaning", "", None, "exam"], dtype=object)
    return pd.DataFrame(
        {
            "patient_id": pd.array(rng.choice(["P10", "P2", "p3", "病人4", "0005"], n), "string"),
            "visit_date": days.astype("datetime64[ns]"),
            "amount": amount,
            "insurer_amount": np.where(rng.random(n) < 0.3, np.nan, 100.0),
            "doctor": pd.array(rng.choice(np.array(["Lin", None, "Wu"], object), n), "string"),
            "status": pd.array(
                rng.choice(np.array(["completed", "no-show", None], object), n), "string"
            ),
            "treatment": pd.array(rng.choice(words, n), "string"),
            "satisfaction": np.where(rng.random(n) < 0.5, np.nan, rng.integers(0, 100, n)),
            "source_line": np.arange(n) + 2,
        }
    )


def _with_edge_days(lines: pd.DataFrame) -> pd.DataFrame:
    """Add a patient with refunds only and one whose first day is a refund."""
    extra = pd.DataFrame(
        {
            "patient_id": pd.array(["R9", "R9", "B1", "B1", "B1"], "string"),
            "visit_date": pd.to_datetime(
                ["2024-02-01", "2024-02-03", "2024-01-01", "2024-01-05", "2024-01-05"]
            ).astype("datetime64[ns]"),
            "amount": [-100.0, -50.0, -70.0, 500.0, 0.0],
            "insurer_amount": np.nan,
            "doctor": pd.array([None, "Lin", "Wu", None, "Lin"], "string"),
            "status": pd.array([None] * 5, "string"),
            "treatment": pd.array(["refund", None, "refund", "crown", "crown"], "string"),
            "satisfaction": np.nan,
            "source_line": np.arange(5) + 9000,
        }
    )
    return pd.concat([extra, lines, extra.iloc[:1]], ignore_index=True)


def _oracle(lines: pd.DataFrame, not_visit: set[str]) -> tuple[list[tuple], tuple]:
    """Visits by hand: one per patient-day, refund-only days folded into a neighbour."""
    rows = [
        r for r in lines.to_dict("records") if pd.isna(r["status"]) or r["status"] not in not_visit
    ]
    by_day: dict[tuple, list[dict]] = {}
    for r in rows:
        by_day.setdefault((r["patient_id"], r["visit_date"]), []).append(r)
    only = {
        k: max(x["amount"] for x in v) <= 0 and min(x["amount"] for x in v) < 0
        for k, v in by_day.items()
    }
    target: dict[tuple, tuple | None] = {}
    for pid, day in by_day:
        if not only[(pid, day)]:
            target[(pid, day)] = (pid, day)
            continue
        seen = sorted(d for (p, d) in by_day if p == pid and not only[(p, d)])
        before = [d for d in seen if d < day]
        after = [d for d in seen if d > day]
        pick = before[-1] if before else after[0] if after else None
        target[(pid, day)] = (pid, pick) if pick is not None else None
    visits: dict[tuple, list[dict]] = {}
    for r in rows:  # in the order the lines were read
        t = target[(r["patient_id"], r["visit_date"])]
        if t is not None:
            visits.setdefault(t, []).append(r)

    def first(v: list[dict], col: str):
        return next((x[col] for x in v if not pd.isna(x[col])), None)

    def joined(v: list[dict]):
        out: list[str] = []
        for x in v:
            if not pd.isna(x["treatment"]) and x["treatment"] and x["treatment"] not in out:
                out.append(x["treatment"])
        return "; ".join(out) if out else None

    out = []
    for key in sorted(visits):
        v = visits[key]
        sat = [x["satisfaction"] for x in v if not np.isnan(x["satisfaction"])]
        insurer = sum(0.0 if np.isnan(x["insurer_amount"]) else x["insurer_amount"] for x in v)
        total = sum(x["amount"] for x in v)
        out.append(
            (
                *key,
                total,
                total - insurer,
                len(v),
                sum(min(x["amount"], 0.0) for x in v),
                insurer,
                first(v, "doctor"),
                first(v, "status"),
                joined(v),
                min(sat) if sat else None,
            )
        )
    orphans = [k for k, t in target.items() if t is None]
    folded = [k for k, t in target.items() if t is not None and only[k]]
    stats = (
        len(folded),
        sum(sum(x["amount"] for x in by_day[k]) for k in folded),
        len(orphans),
        sum(sum(x["amount"] for x in by_day[k]) for k in orphans),
        sum(len(by_day[k]) for k in orphans),
    )
    return out, stats


def _rows(visits: pd.DataFrame) -> list[tuple]:
    cols = ["patient_id", "visit_date", "amount", "self_pay", "n_items", "refund",
            "insurer_amount", "doctor", "status", "treatment", "satisfaction"]  # fmt: skip
    out = []
    for r in visits[cols].itertuples(index=False):
        out.append(
            tuple(None if (v is pd.NA or (isinstance(v, float) and np.isnan(v))) else v for v in r)
        )
    return out


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("not_visit", [set(), {"no-show"}])
def test_visits_match_the_rule_by_hand(seed, not_visit):
    lines = _with_edge_days(_lines(seed))
    visits, refunds = aggregate_visits(lines, not_visit)
    want, stats = _oracle(lines, not_visit)
    got = _rows(visits)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g[:2] == w[:2]
        assert g[2:7] == pytest.approx(w[2:7])
        assert g[7:10] == w[7:10]
        assert (g[10] is None and w[10] is None) or g[10] == pytest.approx(w[10])
    assert (refunds.days, refunds.orphan_days, refunds.orphan_lines) == (
        stats[0],
        stats[2],
        stats[4],
    )
    assert refunds.total == pytest.approx(stats[1])
    assert refunds.orphan_total == pytest.approx(stats[3])
    assert refunds.orphan_days >= 2 and refunds.days >= 1
    assert "R9" not in set(visits["patient_id"])
    first_b1 = visits[visits["patient_id"] == "B1"].iloc[0]
    assert (first_b1["amount"], first_b1["treatment"], first_b1["doctor"]) == (
        430.0,
        "refund; crown",
        "Wu",
    )
    assert visits["n_items"].dtype == np.int64
    assert visits["patient_id"].dtype == lines["patient_id"].dtype
    assert visits["visit_date"].dtype == lines["visit_date"].dtype


def test_no_attended_line_gives_no_visit():
    lines = _lines(1, 30).assign(status=pd.array(["no-show"] * 30, "string"))
    visits, refunds = aggregate_visits(lines, {"no-show"})
    assert visits.empty
    assert {"patient_id", "visit_date", "amount", "n_items", "treatment"} <= set(visits.columns)
    assert refunds.orphan_lines == 0


@pytest.mark.parametrize("unit", ["D", "h"])  # whole days: one key; times of day: two
def test_lines_are_ordered_by_patient_then_day_ties_as_read(unit):
    from clinicvalue.load.visit_rule import _patient_day_order

    rng = np.random.default_rng(3)
    patient = rng.integers(0, 50, 2000)
    start = np.datetime64("2023-12-30", "ns").astype(np.int64)
    day = start + rng.integers(0, 40, 2000) * pd.Timedelta(1, unit).value
    order = _patient_day_order(patient, day)
    np.testing.assert_array_equal(order, np.lexsort((day, patient)))


def test_a_view_as_of_an_earlier_day_has_no_later_refund():
    """A refund-only day nets into the previous visit; known before it, that visit had none."""
    from clinicvalue.load import load_clinic
    from clinicvalue.summarize.summary import summarize

    lines = pd.DataFrame(
        {
            "patient_id": ["1", "1", "1", "2", "2", "3", "4", "4"],
            "visit_date": [
                "2024-01-01",
                "2024-01-10",
                "2024-02-01",
                "2024-01-03",
                "2024-01-20",
                "2024-01-02",
                "2024-01-25",
                "2024-01-28",
            ],  # fmt: skip
            "amount": [100.0, -30.0, 50.0, 80.0, -20.0, 40.0, 90.0, -10.0],
            "treatment": ["cleaning", "refund", "filling", "x-ray", "refund", "exam", "exam", ""],
        }
    )
    data = load_clinic(lines)
    assert data.visits["amount"].tolist() == [70.0, 50.0, 60.0, 40.0, 80.0]  # refunds netted
    early = data.until("2024-01-05").visits.set_index("patient_id")
    assert early["amount"].to_dict() == {"1": 100.0, "2": 80.0, "3": 40.0}
    assert early["refund"].tolist() == [0.0, 0.0, 0.0] and early["n_items"].tolist() == [1, 1, 1]
    assert early.loc["1", "treatment"] == "cleaning"
    # the same as the visit rule in SQL on the line items up to that day
    by_sql = summarize(lines, "2024-01-05")["total_spend"].to_dict()
    assert early["amount"].to_dict() == by_sql
    # once the refund is known it counts, and a patient without later refunds is untouched
    later = data.until("2024-01-15").visits.set_index("patient_id")["amount"].to_dict()
    assert later == {"1": 70.0, "2": 80.0, "3": 40.0}
    # the only refund after this day is a patient who first came after it
    assert data.until("2024-01-21").visits["amount"].tolist() == [70.0, 60.0, 40.0]


def test_no_line_gives_no_visit_and_keeps_the_columns():
    lines = _lines(2, 10).iloc[:0]
    visits, refunds = aggregate_visits(lines, set())
    assert visits.empty and refunds.days == 0
    assert visits["treatment"].dtype == "string" and visits["doctor"].dtype == "string"

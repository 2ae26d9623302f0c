"""The visit rule: which line items make a visit, in the one module that defines it.

A patient's line items on one calendar day are one visit. A day whose lines hold no
positive amount and at least one refund is not a visit: its lines net into the
patient's previous visit day, else the next; a patient with refund days only has no
visit and their lines are left out. Lines whose status is a not-a-visit status
(no-shows, cancellations) are no visit either.

It comes in the two forms the kit runs: :func:`aggregate_visits` applies it to the
loader's line items with sorted arrays (a million patients' lines in seconds), and the
summaries that read line items straight from Parquet or Spark build their SQL from
:func:`refund_only_sql` and :func:`visit_day_sql`. Tests hold the two to the same visits
(``tests/summarize/test_patient_features.py``) and the arrays to a plain-Python oracle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["RefundDays", "aggregate_visits", "refund_only_sql", "visit_day_sql"]

#: Visit columns taken from the day's first line that has them.
FIRST_OF_DAY = ("visit_id", "doctor", "department", "branch", "status")
#: Visit columns that list the day's distinct values, "; "-joined in first-seen order.
JOINED = ("treatment", "complaint")


def refund_only_sql(amount: str = "amount") -> str:
    """Return the aggregate that says a day is refunds only (no positive line, one negative).

    A day of only zero-amount lines (a free check-up) stays a visit.
    """
    return f"COALESCE(MAX({amount}) <= 0 AND MIN({amount}) < 0, FALSE)"


def visit_day_sql(day: str = "day", refund_only: str = "refund_only") -> str:
    """Return the window expression giving the visit day a line day counts as.

    Over rows of one row per (patient, day) with a ``refund_only`` flag: the day itself,
    or for a refund-only day the patient's previous visit day, else the next; NULL when
    the patient has no visit day at all.
    """
    seen = f"CASE WHEN NOT {refund_only} THEN {day} END"
    return f"""COALESCE(
            MAX({seen}) OVER (PARTITION BY patient_id ORDER BY {day}
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
            MIN({seen}) OVER (PARTITION BY patient_id ORDER BY {day}
                ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
        )"""


@dataclass(frozen=True)
class RefundDays:
    """Days whose lines are all refunds: how many, and where their money went."""

    days: int = 0  # refund-only patient-days, netted into a visit
    total: float = 0.0  # their amount
    orphan_days: int = 0  # refund-only days of patients with no visit at all: left out
    orphan_total: float = 0.0
    orphan_lines: int = 0  # their line items


_DAY_NS = 86_400 * 10**9


def _starts(*keys: np.ndarray) -> np.ndarray:
    """Return the positions where sorted rows begin a new group of equal keys."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for key in keys:
        change[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(change)


def _patient_rank(ids: pd.Series) -> np.ndarray:
    """Return each row's patient as the rank of its ID among the distinct IDs (text order)."""
    codes, uniques = pd.factorize(ids)
    rank = pc.rank(pa.array(pd.array(uniques, dtype="string")), "ascending")
    return (rank.to_numpy().astype(np.int64) - 1)[codes]


def _patient_day_order(patient: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Return the rows' order by patient, then day, ties in the order read.

    Whole days (the loader's) sort as one integer key, several times faster than two.
    """
    if not len(day):
        return np.zeros(0, dtype=np.int64)
    first = day.min()
    if first == np.iinfo(np.int64).min or (day % _DAY_NS).any():
        return np.lexsort((day, patient))
    days = (day - first) // _DAY_NS
    return np.argsort(patient * (int(days.max()) + 1) + days, kind="stable")


def _fill_within(pos: np.ndarray, group_start: np.ndarray, group_end: np.ndarray) -> np.ndarray:
    """Return, per row, the nearest earlier-or-same row holding a value, else the next one.

    ``pos`` is the row's own index where it holds a value and -1 elsewhere; rows are
    grouped (a patient's days) by ``group_start``/``group_end`` (first/last row index of
    each row's group). Returns -1 where the group holds no value at all.
    """
    n = len(pos)
    before = np.maximum.accumulate(pos) if n else pos
    before = np.where(before >= group_start, before, -1)
    ahead = np.where(pos >= 0, pos, n)
    ahead = np.minimum.accumulate(ahead[::-1])[::-1] if n else ahead
    ahead = np.where(ahead <= group_end, ahead, -1)
    return np.where(before >= 0, before, ahead)


def _first_valid(values: pd.Series, kept: np.ndarray, starts: np.ndarray) -> pd.Series:
    """Return each group's first non-missing value.

    ``kept`` lists the rows of ``values`` in group order; groups begin at ``starts``.
    """
    n = len(kept)
    index = np.where(values.notna().to_numpy()[kept], np.arange(n), n)
    first = np.minimum.reduceat(index, starts) if len(starts) else index[:0]
    found = first < n
    rows = kept[np.minimum(first, max(n - 1, 0))] if n else first
    picked = values.take(rows).reset_index(drop=True)
    return picked if found.all() else picked.where(found, None).astype(values.dtype)


def _repeated(key: np.ndarray) -> np.ndarray:
    """Return whether each key occurred earlier in the array.

    The keys come grouped (by visit), so a stable sort of them is nearly free.
    """
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    seen = np.zeros(len(key), dtype=bool)
    seen[order[1:]] = ordered[1:] == ordered[:-1]
    return seen


def _joined(values: pd.Series, kept: np.ndarray, group: np.ndarray, n_groups: int) -> pd.Series:
    """Return each group's distinct non-blank values, "; "-joined in the rows' order.

    ``kept`` lists the rows of ``values`` in group order; ``group`` is each one's group.
    """
    codes, uniques = pd.factorize(values)
    texts = pa.array(pd.array(uniques, dtype="string"))
    if isinstance(texts, pa.ChunkedArray):  # Arrow-backed text comes in chunks
        texts = texts.combine_chunks()
    texts = texts.cast(pa.large_string())
    blank = pc.equal(pc.utf8_length(texts), 0).to_numpy(zero_copy_only=False)
    codes = codes[kept]
    take = codes >= 0
    take[take] = ~blank[codes[take]]
    # a value repeated within a day is listed once; only days of two or more lines can
    shared = np.bincount(group[take], minlength=n_groups)[group] > 1
    rows = np.flatnonzero(take & shared)
    key = group[rows].astype(np.int64) * (len(uniques) + 1) + codes[rows]
    take[rows[_repeated(key)]] = False
    counts = np.bincount(group[take], minlength=n_groups)
    offsets = pa.array(np.concatenate(([0], np.cumsum(counts))).astype(np.int64))
    listed = pa.LargeListArray.from_arrays(offsets, texts.take(pa.array(codes[take])))
    joined = pc.binary_join(listed, pa.scalar("; ", pa.large_string()))
    out = pd.Series(pd.array(joined, dtype="string")).astype("string")
    return out.where(counts > 0, None)


def aggregate_visits(lines: pd.DataFrame, not_visit: set[str]) -> tuple[pd.DataFrame, RefundDays]:
    """Sum a day's line items into one visit per (patient, calendar day).

    Parameters
    ----------
    lines
        The loader's line items (``patient_id``, ``visit_date``, ``amount`` and any of
        the optional visit columns).
    not_visit
        Canonical statuses that are not a visit (``no-show``, ``cancelled``).

    Returns
    -------
    visits, refund_days
        One row per visit sorted by patient and day — ``amount``, ``self_pay``,
        ``n_items``, ``refund``, ``insurer_amount``, the first-of-day columns, the joined
        treatments and complaints, the day's lowest ``satisfaction`` — and what
        happened to refund-only days.

    Notes
    -----
    Sort-based, on integer keys: each line is keyed by its patient's rank and its day,
    so grouping never hashes a text, and the lines of a group stay in the order they
    were read (what "first" and the joined lists follow).
    """
    frame = lines.reset_index(drop=True)
    attended = np.arange(len(frame))  # the lines that may be visits, as positions
    if "status" in frame and not_visit:
        no_visit = frame["status"].isin(list(not_visit)).fillna(False).to_numpy(bool)
        attended = np.flatnonzero(~no_visit)
    patient = _patient_rank(frame["patient_id"])[attended]
    day = frame["visit_date"].to_numpy(dtype="datetime64[ns]").view(np.int64)[attended]
    amount = frame["amount"].to_numpy(dtype=float)[attended]
    # 1. line days: a day with no positive line and a refund is no visit
    order = _patient_day_order(patient, day)
    p_sorted, d_sorted, a_sorted = patient[order], day[order], amount[order]
    starts = _starts(p_sorted, d_sorted)
    n_days = len(starts)
    if n_days:
        top = np.maximum.reduceat(a_sorted, starts)
        low = np.minimum.reduceat(a_sorted, starts)
        total = np.add.reduceat(a_sorted, starts)
        n_lines = np.diff(np.append(starts, len(order)))
    else:
        top = low = total = np.zeros(0)
        n_lines = np.zeros(0, dtype=np.int64)
    refund_only = (top <= 0) & (low < 0)
    day_patient = p_sorted[starts]
    p_first = _starts(day_patient)
    p_of_day = np.repeat(np.arange(len(p_first)), np.diff(np.append(p_first, n_days)))
    p_start = p_first[p_of_day] if n_days else p_of_day
    p_end = np.append(p_first[1:] - 1, n_days - 1)[p_of_day] if n_days else p_of_day
    own = np.where(~refund_only, np.arange(n_days), -1)
    target = _fill_within(own, p_start, p_end)
    orphan = target < 0
    stats = RefundDays(
        days=int((refund_only & ~orphan).sum()),
        total=float(total[refund_only & ~orphan].sum()),
        orphan_days=int(orphan.sum()),
        orphan_total=float(total[orphan].sum()),
        orphan_lines=int(n_lines[orphan].sum()),
    )
    # 2. visits: each line joins its day's target visit day, in the order lines were read
    line_day = np.empty(len(order), dtype=np.int64)
    line_day[order] = np.repeat(np.arange(n_days), n_lines)
    visit_of_line = np.where(orphan, -1, target)[line_day] if n_days else line_day
    kept = np.flatnonzero(visit_of_line >= 0)
    kept = kept[np.argsort(visit_of_line[kept], kind="stable")]
    visit_key = visit_of_line[kept]
    vstarts = _starts(visit_key)
    n_visits = len(vstarts)
    group = np.repeat(np.arange(n_visits), np.diff(np.append(vstarts, len(kept))))
    days_sorted = d_sorted[starts]
    money = amount[kept]
    line = attended[kept]  # each kept line's position in ``lines``

    def total_of(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, vstarts) if n_visits else values[:0]

    insurer = (
        frame["insurer_amount"].fillna(0.0).to_numpy(dtype=float)[line]
        if "insurer_amount" in frame
        else np.zeros(len(kept))
    )
    first_line = line[vstarts]
    out = pd.DataFrame(
        {
            "patient_id": frame["patient_id"].take(first_line).reset_index(drop=True),
            "visit_date": pd.Series(days_sorted[visit_key[vstarts]].view("datetime64[ns]")),
            "amount": total_of(money),
            "n_items": np.diff(np.append(vstarts, len(kept))).astype("int64"),
            "refund": total_of(np.minimum(money, 0.0)),
        }
    )
    insured = total_of(insurer)
    out.insert(3, "self_pay", out["amount"].to_numpy() - insured)
    if "insurer_amount" in frame:
        out["insurer_amount"] = insured
    for col in FIRST_OF_DAY:
        if col in frame:
            out[col] = _first_valid(frame[col], line, vstarts)
    for col in JOINED:
        if col in frame:
            out[col] = _joined(frame[col], line, group, n_visits)
    if "satisfaction" in frame:
        score = frame["satisfaction"].to_numpy(dtype=float, na_value=np.nan)[line]
        low_score = np.fmin.reduceat(score, vstarts) if n_visits else score[:0]
        out["satisfaction"] = pd.Series(low_score).astype(lines["satisfaction"].dtype)
    out["patient_id"] = out["patient_id"].astype(lines["patient_id"].dtype)
    out["visit_date"] = out["visit_date"].astype(lines["visit_date"].dtype)
    return out, stats

"""Revisit rates: the share of new patients returning within N days, with Wilson intervals.

Censoring: a patient first seen fewer than N days before ``as_of`` has not had N days to
return, so they are left out of the N-day rate's denominator (and numerator).

The report's N-day revisit rate is that of the *recent cohort*: the patients first seen
N to N + :data:`REVISIT_COHORT_DAYS` − 1 days before the date, so it moves with what the
clinic does now (the KPI tile, its trend and the retention page all read this one rate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clinicvalue.errors import InputError

__all__ = [
    "REVISIT_COHORT_DAYS",
    "REVISIT_WINDOWS",
    "VisitsByPatient",
    "days_to_return",
    "returned_within",
    "returns_from_dates",
    "revisit_rates",
    "visits_by_patient",
]

REVISIT_WINDOWS = (30, 90, 180, 365)
REVISIT_COHORT_DAYS = 90  # a quarter's first visits make one recent cohort
_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class VisitsByPatient:
    """Visits up to ``as_of`` as positional arrays sorted by (patient, visit date).

    Patient ids are factorised once (sorted, as ``groupby`` orders them) so per-patient
    reductions run on integer codes with numpy instead of string groupbys; an analysis
    run makes it once (:func:`visits_by_patient`) for the returns and the patient flow.
    """

    as_of: pd.Timestamp  # nothing after this day is in the arrays

    ids: pd.Index  # sorted distinct patient ids (string dtype, named patient_id)
    code: np.ndarray  # int64 patient position in ``ids`` per sorted row
    date: np.ndarray  # visit_date per sorted row (datetime64)
    rows: np.ndarray  # positions of the sorted rows in the input frame
    start: np.ndarray  # first sorted row of each patient
    count: np.ndarray  # rows per patient

    @property
    def last(self) -> np.ndarray:
        """Return the last sorted row of each patient."""
        return self.start + self.count - 1


def visits_by_patient(visits: pd.DataFrame, as_of: pd.Timestamp | str) -> VisitsByPatient:
    """Factorise and sort the visits up to ``as_of`` (rows with no patient id are dropped).

    Raises
    ------
    InputError
        When ``visits`` lacks ``patient_id`` or ``visit_date``.
    """
    missing = [c for c in ("patient_id", "visit_date") if c not in visits.columns]
    if missing:
        raise InputError(f"visits table lacks required column(s): {', '.join(missing)}")
    as_of = pd.Timestamp(as_of)
    dates = visits["visit_date"].to_numpy()
    # factorising the column itself keeps pandas' fast Arrow path for string ids
    codes, uniques = pd.factorize(visits["patient_id"], sort=True)
    keep_row = (dates <= np.datetime64(as_of)) & (codes >= 0)
    if keep_row.all():
        keep = np.arange(len(codes))
    else:
        keep = np.flatnonzero(keep_row)
        codes = codes[keep]
        present = np.bincount(codes, minlength=len(uniques)) > 0
        if not present.all():  # patients seen only after as_of
            codes = (np.cumsum(present) - 1)[codes]
            uniques = uniques[present]
    codes = codes.astype("int64")
    kept = dates[keep]
    step_code, step_date = np.diff(codes), np.diff(kept)
    if np.all((step_code > 0) | ((step_code == 0) & (step_date >= np.timedelta64(0)))):
        order = np.arange(len(codes))  # already sorted by (patient, date), as loaded
    else:
        order = np.lexsort((kept, codes))
    code = codes[order]
    count = np.bincount(code, minlength=len(uniques))
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype("int64")
    ids = pd.Index(uniques.astype("string"), name="patient_id")
    rows = keep[order]
    return VisitsByPatient(as_of, ids, code, dates[rows], rows, start, count)


def sorted_visits(visits: pd.DataFrame | VisitsByPatient, as_of: pd.Timestamp) -> VisitsByPatient:
    """Return ``visits`` sorted by patient as of ``as_of``, unless they already are.

    Raises
    ------
    InputError
        When ``visits`` were sorted as of another day.
    """
    if not isinstance(visits, VisitsByPatient):
        return visits_by_patient(visits, as_of)
    if visits.as_of != as_of:
        raise InputError(
            f"the visits were sorted as of {visits.as_of:%Y-%m-%d}, not {as_of:%Y-%m-%d}"
        )
    return visits


def days_to_return(
    visits: pd.DataFrame | VisitsByPatient,
    as_of: pd.Timestamp | str,
    *,
    first: pd.Series | None = None,
) -> pd.DataFrame:
    """Return each patient's first visit, second visit and days between them.

    Parameters
    ----------
    visits
        Canonical visits, or :func:`visits_by_patient` of them as of ``as_of``.
    as_of
        Nothing after this day counts.
    first
        Each patient's first visit when the register knows an earlier one than the export
        (:func:`clinicvalue.summarize.definitions.first_visits`); the export's first visit
        is then the patient's return.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient_id``: ``first_visit``, ``second_visit`` (NaT when none by
        ``as_of``), ``days_to_return`` (NaN when none), ``follow_up_days`` (as_of − first).
    """
    as_of = pd.Timestamp(as_of)
    return _returns(sorted_visits(visits, as_of), as_of, first)


def _returns(
    bp: VisitsByPatient, as_of: pd.Timestamp, known: pd.Series | None = None
) -> pd.DataFrame:
    """Compute :func:`days_to_return` from sorted visits."""
    first = bp.date[bp.start]
    # the second visit is the first later day (same-day duplicate rows do not count)
    later = np.flatnonzero(bp.date > first[bp.code])
    who, pos = np.unique(bp.code[later], return_index=True)
    second = np.full(len(first), np.datetime64("NaT"), dtype=first.dtype)
    second[who] = bp.date[later[pos]]
    if known is not None:  # the register knows an earlier first visit: the export's is a return
        reg = pd.Series(known).reindex(bp.ids).to_numpy(dtype=first.dtype)
        earlier = ~np.isnat(reg) & (reg < first)
        second[earlier] = first[earlier]
        first = np.where(earlier, reg, first)
    return returns_from_dates(
        pd.Series(first, index=bp.ids), pd.Series(second, index=bp.ids), as_of
    )


def returns_from_dates(
    first: pd.Series, second: pd.Series, as_of: pd.Timestamp | str
) -> pd.DataFrame:
    """Return the :func:`days_to_return` frame from each patient's first and second visit."""
    first_at = first.to_numpy(dtype="datetime64[ns]")
    second_at = second.to_numpy(dtype="datetime64[ns]")
    back = ~np.isnat(second_at)
    gap = np.full(len(first_at), np.nan)
    gap[back] = (second_at[back] - first_at[back]) // _DAY
    follow = (np.datetime64(pd.Timestamp(as_of)) - first_at) // _DAY
    return pd.DataFrame(
        {
            "first_visit": first_at,
            "second_visit": second_at,
            "days_to_return": gap,
            "follow_up_days": follow.astype("int64"),
        },
        index=first.index,
    )


def returned_within(returns: pd.DataFrame, days: int) -> pd.Series:
    """Return per patient whether they came back within ``days``; NA when censored."""
    hit = returns["days_to_return"].to_numpy(dtype="float64", na_value=np.nan) <= days
    censored = returns["follow_up_days"].to_numpy() < days
    return pd.Series(pd.arrays.BooleanArray(hit, censored), index=returns.index)


def revisit_rates(
    returns: pd.DataFrame,
    *,
    groups: pd.Series | None = None,
    windows: tuple[int, ...] = REVISIT_WINDOWS,
    alpha: float = 0.05,
    cohort_days: int | None = None,
) -> pd.DataFrame:
    """Compute revisit rates within each window, with Wilson confidence intervals.

    Parameters
    ----------
    returns
        Output of :func:`days_to_return`.
    groups
        Optional label per patient (indexed by ``patient_id``): first-visit month,
        channel, treatment category or doctor. Without it, one ``"all"`` group.
    windows
        Days to return within.
    alpha
        1 − confidence level.
    cohort_days
        Count, for each window, only the recent cohort: patients followed for at least the
        window and fewer than window + ``cohort_days`` days (the report uses
        :data:`REVISIT_COHORT_DAYS`). Without it, every patient followed long enough.

    Returns
    -------
    pandas.DataFrame
        One row per (group, window): ``group, window_days, eligible, returned, rate,
        ci_low, ci_high``; ``eligible`` counts patients followed for at least the window.
        Every group has a row per window (``eligible`` 0 and NaN rate when nobody was
        followed that long). ``never_returned`` is ``1 − rate``: among patients followed
        for at least the window, the share who did not come back within it.
    """
    if groups is None:
        labels = pd.Series("all", index=returns.index, dtype="string")
    else:
        labels = groups.astype("string").reindex(returns.index).fillna("unknown")
    rows = []
    for window in windows:
        flag = returned_within(returns, window)
        if cohort_days is not None:
            late = returns["follow_up_days"].to_numpy() >= window + cohort_days
            flag = flag.mask(pd.Series(late, index=flag.index))
        frame = pd.DataFrame({"group": labels, "flag": flag}).dropna(subset=["flag"])
        agg = frame.groupby("group", sort=True)["flag"].agg(["size", "sum"])
        agg.columns = ["eligible", "returned"]
        agg = agg.reindex(sorted(labels.unique()), fill_value=0).rename_axis("group")
        agg["window_days"] = window
        rows.append(agg.reset_index())
    out = pd.concat(rows, ignore_index=True)
    out["eligible"] = out["eligible"].astype("int64")
    out["returned"] = out["returned"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate"] = out["returned"] / out["eligible"].where(out["eligible"] > 0)
    from statsmodels.stats.proportion import proportion_confint  # heavy; only here

    low, high = proportion_confint(
        out["returned"], out["eligible"].clip(lower=1), alpha=alpha, method="wilson"
    )
    out["ci_low"] = np.where(out["eligible"] > 0, low, np.nan)
    out["ci_high"] = np.where(out["eligible"] > 0, high, np.nan)
    out["never_returned"] = 1.0 - out["rate"]
    return out[
        ["group", "window_days", "eligible", "returned", "rate", "ci_low", "ci_high"]
        + ["never_returned"]
    ]

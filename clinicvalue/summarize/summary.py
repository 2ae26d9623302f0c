"""Per-patient summary as of a date, computed with DuckDB.

The summary is what every model and segmentation starts from: one row per patient
seen on or before the as-of date, in lifetimes' convention (FHL 2005):

- ``frequency`` (x): repeat visits, i.e. distinct visit days less one;
- ``recency`` (t_x): time from the first to the last visit;
- ``T``: time from the first visit to the end of the as-of day;
- ``monetary``: mean spend over the repeat visits (0 with no repeat), as
  Gamma-Gamma expects.

Times are in days (``D``), weeks (``W``, days / 7) or months (``M``, days / 30.4375),
fractional, as lifetimes' ``summary_data_from_transaction_data(freq="D",
freq_multiplier=7)`` gives for weeks. The SQL is plain enough to run on Spark SQL.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from clinicvalue.errors import InputError, check_option
from clinicvalue.load.visit_rule import refund_only_sql, visit_day_sql
from clinicvalue.summarize import duck
from clinicvalue.summarize.external import ExternalVisits

__all__ = [
    "TIME_UNITS",
    "MONTH_DAYS",
    "UNIT_DAYS",
    "summarize",
    "holdout_split",
    "summary_from_features",
    "summary_sql",
    "visit_days_sql",
    "refund_day_map_sql",
    "is_loaded_visits",
    "calibration_holdout",
    "log_gap_sum",
    "last_two_gaps",
    "repeat_visits_by_day",
]

TIME_UNITS = ("D", "W", "M")
MONTH_DAYS = 365.25 / 12  # the kit's one month, wherever months meet days
UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": MONTH_DAYS}

SUMMARY_COLUMNS = (
    "first_visit",
    "last_visit",
    "visits",
    "frequency",
    "recency",
    "T",
    "total_spend",
    "first_spend",
    "monetary",
)


def _per_patient_select(source: str, day: str, unit_days: float) -> str:
    """Return the query giving the summary columns from per-patient totals in ``source``.

    ``source`` has ``patient_id, first_visit, last_visit, visits, total_spend, first_spend``.
    """
    return f"""
SELECT
    patient_id,
    first_visit,
    last_visit,
    visits,
    visits - 1 AS frequency,
    DATEDIFF('day', first_visit, last_visit) / {unit_days!r} AS recency,
    DATEDIFF('day', first_visit, DATE '{day}') / {unit_days!r} AS T,
    total_spend,
    first_spend,
    CASE WHEN visits > 1 THEN (total_spend - first_spend) / (visits - 1) ELSE 0 END AS monetary
FROM {source}
ORDER BY patient_id
"""


def refund_day_map_sql(source: str, as_of: pd.Timestamp) -> str:
    """Return one row per patient-day of line items: its amount and the visit it counts as.

    Columns ``patient_id, day, amount, visit_day``: the loader's visit rule
    (:mod:`clinicvalue.load.visit_rule`) on the days up to ``as_of`` — a refund-only
    day's ``visit_day`` is the patient's previous visit day, else the next; NULL when
    the patient has no visit at all. Every other day is its own ``visit_day``.
    """
    day = pd.Timestamp(as_of).strftime("%Y-%m-%d")
    return f"""
    SELECT patient_id, day, amount, {visit_day_sql("day")} AS visit_day
    FROM (
        SELECT patient_id, CAST(visit_date AS DATE) AS day, SUM(amount) AS amount,
            {refund_only_sql()} AS refund_only
        FROM {source}
        WHERE CAST(visit_date AS DATE) <= DATE '{day}'
        GROUP BY patient_id, CAST(visit_date AS DATE)
    ) line_days
"""


def visit_days_sql(source: str, as_of: pd.Timestamp, *, visits: bool = False) -> str:
    """Return the query of one row per visit: ``patient_id, visit_day, amount``.

    The visit rule in SQL, for sources that are line items (Parquet, Spark tables): the
    rows of one patient on one calendar day up to ``as_of`` are one visit, their amounts
    summed, and a day of refunds only nets into the patient's previous visit
    (:func:`refund_day_map_sql`). With ``visits=True`` the source is already the loader's
    visits (one row per visit, refund days folded), so rows are only summed per day.
    Every query of the kit that counts visits starts from it.
    """
    day = pd.Timestamp(as_of).strftime("%Y-%m-%d")
    if visits:
        return f"""
    SELECT patient_id, CAST(visit_date AS DATE) AS visit_day, SUM(amount) AS amount
    FROM {source}
    WHERE CAST(visit_date AS DATE) <= DATE '{day}'
    GROUP BY patient_id, CAST(visit_date AS DATE)
"""
    return f"""
    SELECT patient_id, visit_day, SUM(amount) AS amount
    FROM ({refund_day_map_sql(source, as_of)}) day_map
    WHERE visit_day IS NOT NULL
    GROUP BY patient_id, visit_day
"""


def is_loaded_visits(columns: Any) -> bool:
    """Return whether a table with these columns is the loader's visits (refunds folded).

    :func:`clinicvalue.load.load_clinic` gives every visit a ``refund`` column (the sum
    of its negative lines); line items from elsewhere have none.
    """
    return "refund" in set(columns)


def summary_sql(source: str, as_of: pd.Timestamp, unit_days: float, *, visits: bool = False) -> str:
    """Return the summary query over a table or view named ``source``.

    ``source`` needs ``patient_id``, ``visit_date`` (date or timestamp) and ``amount``;
    several rows on one patient-day are one visit (``visits`` as in
    :func:`visit_days_sql`). The query is ANSI enough for DuckDB and Spark SQL alike.
    """
    day = pd.Timestamp(as_of).strftime("%Y-%m-%d")
    return f"""
WITH days AS ({visit_days_sql(source, as_of, visits=visits)}),
per_patient AS (
    SELECT
        patient_id,
        MIN(visit_day) AS first_visit,
        MAX(visit_day) AS last_visit,
        COUNT(*) AS visits,
        SUM(amount) AS total_spend,
        MIN_BY(amount, visit_day) AS first_spend
    FROM days
    GROUP BY patient_id
){_per_patient_select("per_patient", day, unit_days)}"""


def _check_visits(visits: pd.DataFrame | ExternalVisits) -> None:
    missing = [c for c in ("patient_id", "visit_date", "amount") if c not in visits.columns]
    if missing:
        raise InputError(f"visits table lacks required column(s): {', '.join(missing)}")


def summarize(
    visits: pd.DataFrame | Any,
    as_of: str | pd.Timestamp,
    *,
    time_unit: str = "W",
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Summarise visits per patient as of the end of ``as_of``.

    Parameters
    ----------
    visits
        Visits (or line items: rows on one patient-day are merged, refund-only days
        netted into the previous visit) with
        ``patient_id``, ``visit_date``, ``amount``; a pandas frame or a DuckDB relation.
    as_of
        The observation end; visits after this day are ignored.
    time_unit
        ``"D"``, ``"W"`` or ``"M"`` for ``recency`` and ``T``.
    connection
        A DuckDB connection to use (a new in-memory one by default).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient_id`` (string), columns ``first_visit, last_visit, visits,
        frequency, recency, T, total_spend, first_spend, monetary``.
    """
    check_option("time_unit", time_unit, TIME_UNITS)
    if isinstance(visits, pd.DataFrame):
        _check_visits(visits)
    as_of = pd.Timestamp(as_of)
    loaded = is_loaded_visits(visits.columns)
    unit = UNIT_DAYS[time_unit]
    return _run(visits, lambda name: summary_sql(name, as_of, unit, visits=loaded), connection)


def _query(source: Any, sql_for: Any, connection: duckdb.DuckDBPyConnection | None) -> pd.DataFrame:
    """Register ``source``, run ``sql_for(its name)`` on it and return the result.

    Visits held by another engine (:class:`~clinicvalue.summarize.external.ExternalVisits`)
    are queried there.
    """
    if isinstance(source, ExternalVisits):
        return source.frame(sql_for)
    con = connection or duck.connect()
    con.register("_cv_summary_source", source)
    try:
        return con.execute(sql_for("_cv_summary_source")).df()
    finally:
        con.unregister("_cv_summary_source")
        if connection is None:
            con.close()


def _run(source: Any, sql_for: Any, connection: duckdb.DuckDBPyConnection | None) -> pd.DataFrame:
    """Return the tidied summary of :func:`_query`."""
    return _tidy(_query(source, sql_for, connection))


def log_gap_sum(
    visits: pd.DataFrame | Any,
    as_of: str | pd.Timestamp,
    *,
    time_unit: str = "W",
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pd.Series:
    """Return each patient's sum of the logs of the times between visits, in ``time_unit``.

    The visits are :func:`summarize`'s (one per patient-day, refund-only days netted); a
    patient with one visit has 0. It is how regular a patient's rhythm is, as the
    MBG/CNBD-k model reads it (:mod:`clinicvalue.analyses.clv.cnbd`).
    """
    check_option("time_unit", time_unit, TIME_UNITS)
    if isinstance(visits, pd.DataFrame):
        _check_visits(visits)
    as_of = pd.Timestamp(as_of)
    loaded = is_loaded_visits(visits.columns)
    unit = UNIT_DAYS[time_unit]

    def query(name: str) -> str:
        return f"""
SELECT patient_id, COALESCE(SUM(LN(gap)), 0) AS litt
FROM (
    SELECT patient_id, DATEDIFF('day',
        LAG(visit_day) OVER (PARTITION BY patient_id ORDER BY visit_day), visit_day
    ) / {unit!r} AS gap
    FROM ({visit_days_sql(name, as_of, visits=loaded)}) days
) gaps
GROUP BY patient_id
ORDER BY patient_id
"""

    out = _query(visits, query, connection)
    index = pd.Index(out["patient_id"].astype("string"), name="patient_id")
    return pd.Series(out["litt"].to_numpy(dtype="float64"), index=index, name="litt")


def _days_of(name: str, columns: Any, as_of: pd.Timestamp) -> str:
    """Return the visit days query of a source, or its distinct patient-days without amounts.

    A table with no ``amount`` (dates only, as regularity needs) cannot hold refund-only
    days, so each patient-day with a row is a visit day.
    """
    if "amount" in set(columns):
        return visit_days_sql(name, as_of, visits=is_loaded_visits(columns))
    day = pd.Timestamp(as_of).strftime("%Y-%m-%d")
    return f"""
    SELECT DISTINCT patient_id, CAST(visit_date AS DATE) AS visit_day
    FROM {name}
    WHERE CAST(visit_date AS DATE) <= DATE '{day}'
"""


def last_two_gaps(
    visits: pd.DataFrame | Any,
    as_of: str | pd.Timestamp,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Return the days between each patient's last three visit days up to ``as_of``.

    One row per patient with at least three visit days (the visits of :func:`summarize`),
    in ``patient_id`` order: ``earlier`` (third-last to second-last visit) and ``last``
    (second-last to last), in days.
    """
    as_of = pd.Timestamp(as_of)
    columns = visits.columns

    def query(name: str) -> str:
        return f"""
SELECT patient_id, MAX_BY(earlier, visit_day) AS earlier, MAX_BY(gap, visit_day) AS last
FROM (
    SELECT patient_id, visit_day,
        DATEDIFF('day', LAG(visit_day, 1) OVER w, visit_day) AS gap,
        DATEDIFF('day', LAG(visit_day, 2) OVER w, LAG(visit_day, 1) OVER w) AS earlier
    FROM ({_days_of(name, columns, as_of)}) days
    WINDOW w AS (PARTITION BY patient_id ORDER BY visit_day)
) gaps
GROUP BY patient_id
HAVING COUNT(*) >= 3
ORDER BY patient_id
"""

    out = _query(visits, query, connection)
    return pd.DataFrame(
        {c: out[c].to_numpy(dtype="float64") for c in ("earlier", "last")},
        index=pd.Index(out["patient_id"].astype("string"), name="patient_id"),
    )


def repeat_visits_by_day(
    visits: pd.DataFrame | Any,
    cohort_end: str | pd.Timestamp,
    as_of: str | pd.Timestamp,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pd.Series:
    """Return, per day up to ``as_of``, the repeat visits of patients first seen by ``cohort_end``.

    A repeat visit is any visit day of a patient after their first (the visits of
    :func:`summarize`), so the counts add up to the cohort's ``frequency`` as of each day.
    Indexed by day (``datetime64[ns]``, ascending); days with none are left out.
    """
    as_of, end = pd.Timestamp(as_of), pd.Timestamp(cohort_end).strftime("%Y-%m-%d")
    columns = visits.columns

    def query(name: str) -> str:
        return f"""
SELECT visit_day, COUNT(*) AS visits
FROM (
    SELECT visit_day, MIN(visit_day) OVER (PARTITION BY patient_id) AS first_day
    FROM ({_days_of(name, columns, as_of)}) days
) marked
WHERE first_day <= DATE '{end}' AND visit_day > first_day
GROUP BY visit_day
ORDER BY visit_day
"""

    out = _query(visits, query, connection)
    index = pd.DatetimeIndex(pd.to_datetime(out["visit_day"]).astype("datetime64[ns]"), name="day")
    return pd.Series(out["visits"].to_numpy(dtype="int64"), index=index, name="repeat_visits")


def summary_from_features(
    features: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    time_unit: str = "W",
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Return :func:`summarize`'s frame from :func:`~.features.patient_features`.

    The features already hold each patient's first and last visit, visit days, spend and
    first-day spend, so the summary needs no second pass over the visits; the summary's
    own formulas (the query :func:`summary_sql` ends with) run on them.
    """
    check_option("time_unit", time_unit, TIME_UNITS)
    cols = ["first_visit", "last_visit", "visits", "total_spend", "first_spend"]
    day = pd.Timestamp(as_of).strftime("%Y-%m-%d")
    return _run(
        features[cols].reset_index(),
        lambda name: _per_patient_select(name, day, UNIT_DAYS[time_unit]),
        connection,
    )


def _tidy(out: pd.DataFrame) -> pd.DataFrame:
    out["patient_id"] = out["patient_id"].astype("string")
    out = out.set_index("patient_id")
    for col in ("first_visit", "last_visit"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    for col in ("visits", "frequency"):
        out[col] = out[col].astype("int64")
    for col in ("recency", "T", "total_spend", "first_spend", "monetary"):
        out[col] = out[col].astype("float64")
    return out[list(SUMMARY_COLUMNS)]


def holdout_split(
    visits: pd.DataFrame | ExternalVisits,
    as_of: str | pd.Timestamp,
    months: int,
    *,
    setting: str = "clv.holdout_months",
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the calibration end and the observation end of a ``months``-month holdout.

    ``setting`` names the profile key the message tells the analyst to lower.

    Raises
    ------
    InputError
        When the holdout is under a month or no visit falls before the calibration end.
    """
    if months < 1:
        raise InputError(f"holdout must be at least 1 month; got {months}")
    obs_end = pd.Timestamp(as_of).normalize()
    cal_end = obs_end - pd.DateOffset(months=months)
    if isinstance(visits, ExternalVisits):
        first = visits.first_day()
    else:
        first = pd.to_datetime(visits["visit_date"]).min()
    if pd.isna(first) or first >= cal_end:
        raise InputError(
            f"the holdout check needs visits before {cal_end:%Y-%m-%d} (the as-of date minus "
            f"the {months}-month holdout); load a longer history or set {setting} lower"
        )
    return cal_end, obs_end


def calibration_holdout(
    visits: pd.DataFrame | ExternalVisits,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp,
    *,
    time_unit: str = "W",
) -> pd.DataFrame:
    """Split visits into a calibration summary and holdout counts.

    Only patients first seen on or before ``calibration_end`` are kept (as in
    lifetimes' ``calibration_and_holdout_data``).

    Returns
    -------
    pandas.DataFrame
        The calibration summary (columns suffixed ``_cal``) plus ``frequency_holdout``
        (visits in the holdout, counted as :func:`summarize` counts them: a refund-only
        day is no visit), ``monetary_holdout`` (mean spend per holdout visit, 0 with
        none) and ``duration_holdout`` (holdout length in the unit).
    """
    check_option("time_unit", time_unit, TIME_UNITS)
    _check_visits(visits)
    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = pd.Timestamp(observation_end).normalize()
    if obs_end <= cal_end:
        raise InputError(
            f"observation end {obs_end:%Y-%m-%d} must be after calibration end {cal_end:%Y-%m-%d}"
        )
    loaded = is_loaded_visits(visits.columns)
    unit = UNIT_DAYS[time_unit]

    def query(name: str) -> str:
        # the holdout counts joined to the calibration summary in the query: a join on
        # text IDs in pandas costs more than both summaries
        return f"""
WITH cal AS ({summary_sql(name, cal_end, unit, visits=loaded)}),
held AS (
    SELECT patient_id, COUNT(*) AS visits, AVG(amount) AS mean
    FROM ({visit_days_sql(name, obs_end, visits=loaded)}) days
    WHERE visit_day > DATE '{cal_end:%Y-%m-%d}'
    GROUP BY patient_id
)
SELECT cal.*, COALESCE(held.visits, 0) AS frequency_holdout,
    COALESCE(held.mean, 0.0) AS monetary_holdout
FROM cal LEFT JOIN held USING (patient_id)
ORDER BY patient_id
"""

    out = _query(visits, query, None)
    frequency = out["frequency_holdout"].to_numpy(dtype="int64")
    monetary = out["monetary_holdout"].to_numpy(dtype="float64")
    cal = _tidy(out)
    cal.columns = [f"{c}_cal" for c in cal.columns]
    cal["frequency_holdout"] = frequency
    cal["monetary_holdout"] = monetary
    cal["duration_holdout"] = (obs_end - cal_end).days / UNIT_DAYS[time_unit]
    return cal

"""Monthly acquisition cohorts: retention and revenue by months since the first visit.

A patient's cohort is the month of their first visit; month ``k`` is the ``k``-th calendar
month after it (month 0 is the first month). The counts come from :func:`cohort_sql`, a
plain SQL query that runs unchanged on DuckDB and Spark SQL. Cells a cohort cannot have
reached by ``as_of`` are NaN, never 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.errors import InputError, check_option
from clinicvalue.summarize import duck
from clinicvalue.summarize.summary import is_loaded_visits, visit_days_sql

__all__ = ["COHORT_KINDS", "COHORT_METRICS", "cohort_sql", "cohort_counts", "cohort_matrix"]

COHORT_KINDS = ("classic", "rolling")
COHORT_METRICS = ("retention", "patients", "revenue_per_member")


def cohort_sql(
    source: str,
    as_of: pd.Timestamp | str,
    *,
    group_column: str | None = None,
    visits: bool = False,
) -> str:
    """Return the cohort query over a table or view named ``source``.

    ``source`` needs ``patient_id``, ``visit_date`` and ``amount`` (and ``group_column``
    when given: the value on the patient's first visit day is their group). Rows are
    ``(cohort_year, cohort_month_of_year, months_since, patients, revenue,
    last_visit_patients, cohort_group)``: ``last_visit_patients`` counts cohort members
    whose last visit falls in month k (its reverse running sum is rolling retention),
    ``cohort_group`` is NULL without ``group_column``;
    ``months_since`` is computed as ``year * 12 + month`` arithmetic, so the query avoids
    DuckDB-only functions. ``visits`` says the source is the loader's visits
    (:func:`clinicvalue.summarize.summary.visit_days_sql`).
    """
    if group_column:
        groups = f"""
groups AS (
    SELECT s.patient_id, MIN({group_column}) AS cohort_group
    FROM {source} s
    JOIN firsts f ON s.patient_id = f.patient_id
        AND CAST(s.visit_date AS DATE) = f.first_day
    GROUP BY s.patient_id
),"""
        group_join, group_value = "JOIN groups g ON d.patient_id = g.patient_id", "g.cohort_group"
    else:  # no second pass over the source just to attach a NULL group
        groups, group_join, group_value = "", "", "CAST(NULL AS VARCHAR(1))"
    return f"""
WITH days AS ({visit_days_sql(source, as_of, visits=visits)}),
firsts AS (
    SELECT patient_id, MIN(visit_day) AS first_day
    FROM days
    GROUP BY patient_id
),{groups}
indexed AS (
    SELECT
        d.patient_id,
        EXTRACT(YEAR FROM f.first_day) * 12 + EXTRACT(MONTH FROM f.first_day) - 1 AS cohort_index,
        (EXTRACT(YEAR FROM d.visit_day) * 12 + EXTRACT(MONTH FROM d.visit_day))
          - (EXTRACT(YEAR FROM f.first_day) * 12 + EXTRACT(MONTH FROM f.first_day))
          AS months_since,
        d.amount,
        {group_value} AS cohort_group
    FROM days d
    JOIN firsts f ON d.patient_id = f.patient_id
    {group_join}
),
lasts AS (
    SELECT cohort_index, last_since, cohort_group, COUNT(*) AS ending
    FROM (
        SELECT patient_id, cohort_index, cohort_group, MAX(months_since) AS last_since
        FROM indexed
        GROUP BY patient_id, cohort_index, cohort_group
    ) p
    GROUP BY cohort_index, last_since, cohort_group
),
cells AS (
    SELECT cohort_index, months_since, cohort_group,
        COUNT(DISTINCT patient_id) AS patients, SUM(amount) AS revenue
    FROM indexed
    GROUP BY cohort_index, months_since, cohort_group
)
SELECT
    CAST(FLOOR(c.cohort_index / 12) AS INTEGER) AS cohort_year,
    CAST(c.cohort_index - FLOOR(c.cohort_index / 12) * 12 + 1 AS INTEGER)
        AS cohort_month_of_year,
    CAST(c.months_since AS INTEGER) AS months_since,
    c.patients,
    c.revenue,
    COALESCE(l.ending, 0) AS last_visit_patients,
    c.cohort_group
FROM cells c
LEFT JOIN lasts l ON c.cohort_index = l.cohort_index AND c.months_since = l.last_since
    AND (c.cohort_group = l.cohort_group OR (c.cohort_group IS NULL AND l.cohort_group IS NULL))
ORDER BY cohort_year, cohort_month_of_year, months_since, cohort_group
"""


def _month_start(year: pd.Series, month: pd.Series) -> pd.Series:
    frame = pd.DataFrame({"year": year.astype(int), "month": month.astype(int), "day": 1})
    return pd.to_datetime(frame)


def cohort_counts(
    visits: pd.DataFrame,
    as_of: pd.Timestamp | str,
    *,
    groups: pd.Series | None = None,
) -> pd.DataFrame:
    """Count patients and revenue per (cohort month, months since first visit).

    Parameters
    ----------
    visits
        Canonical visits (``patient_id``, ``visit_date``, ``amount``).
    as_of
        The observation end; later visits are ignored.
    groups
        Optional per-visit group labels aligned with ``visits`` (e.g. ``visits["doctor"]``)
        or per-patient labels indexed by ``patient_id`` (e.g. channel); a patient's group is
        the value on their first visit day.

    Returns
    -------
    pandas.DataFrame
        Columns ``cohort_month`` (first of month), ``months_since``, ``patients``,
        ``revenue`` and ``cohort_group`` when grouped; long format.
    """
    missing = [c for c in ("patient_id", "visit_date", "amount") if c not in visits.columns]
    if missing:
        raise InputError(f"visits table lacks required column(s): {', '.join(missing)}")
    # integer patient codes: DuckDB groups and joins on them far faster than on strings
    codes, _ = pd.factorize(visits["patient_id"])
    frame = pd.DataFrame(
        {
            "patient_id": pd.arrays.IntegerArray(codes, codes < 0),  # NA where no id
            "visit_date": visits["visit_date"].to_numpy(),
            "amount": visits["amount"],
        },
        index=visits.index,
    )
    group_column = None
    if groups is not None:
        if groups.index.name == "patient_id":
            labels = visits["patient_id"].map(groups.astype("string"))
        else:
            labels = groups.astype("string").reindex(frame.index)
        frame["grp"] = labels.fillna("unknown").astype(str)
        group_column = "grp"
    con = duck.connect()
    try:
        con.register("_cv_cohort_visits", frame)
        sql = cohort_sql(
            "_cv_cohort_visits",
            as_of,
            group_column=group_column,
            visits=is_loaded_visits(visits.columns),
        )
        out = con.execute(sql).df()
    finally:
        con.close()
    result = pd.DataFrame(
        {
            "cohort_month": _month_start(out["cohort_year"], out["cohort_month_of_year"]),
            "months_since": out["months_since"].astype("int64"),
            "patients": out["patients"].astype("int64"),
            "revenue": out["revenue"].astype("float64"),
            "last_visit_patients": out["last_visit_patients"].astype("int64"),
        }
    )
    if group_column:
        result["cohort_group"] = out["cohort_group"].astype("string")
    return result


def cohort_matrix(
    counts: pd.DataFrame,
    as_of: pd.Timestamp | str,
    *,
    kind: str = "classic",
    metric: str = "retention",
) -> pd.DataFrame:
    """Pivot cohort counts into a cohort × months-since matrix.

    Parameters
    ----------
    counts
        Output of :func:`cohort_counts` without groups (filter one group first).
    as_of
        The observation end: cells later than the as-of month are NaN.
    kind
        ``"classic"`` (a visit in month k) or ``"rolling"`` (a visit in month k or later).
    metric
        ``"retention"`` (share of the cohort), ``"patients"`` or ``"revenue_per_member"``
        (revenue in month k divided by the cohort's size).

    Returns
    -------
    pandas.DataFrame
        Index ``cohort_month``, columns ``0..K`` plus ``cohort_size``.
    """
    check_option("kind", kind, COHORT_KINDS)
    check_option("metric", metric, COHORT_METRICS)
    if kind == "rolling" and metric != "retention":
        raise InputError("rolling cohorts are defined for metric='retention' only")
    as_of = pd.Timestamp(as_of)
    value = {"revenue_per_member": "revenue", "patients": "patients"}.get(metric, "patients")
    if kind == "rolling":
        value = "last_visit_patients"
    wide = counts.pivot_table(
        index="cohort_month", columns="months_since", values=value, aggfunc="sum"
    )
    if len(wide) == 0:
        return pd.DataFrame(columns=["cohort_size"])
    first = pd.Timestamp(wide.index.min())
    max_k = max(int(wide.columns.max()), (as_of.year - first.year) * 12 + as_of.month - first.month)
    wide = wide.reindex(columns=range(max_k + 1))
    if kind == "rolling":
        wide = wide.fillna(0.0).iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1]
    if value == "patients":
        size = wide[0]
    else:
        size = counts[counts["months_since"] == 0].set_index("cohort_month")["patients"]
        size = size.groupby(level=0).sum().reindex(wide.index)
    months = wide.index.year * 12 + wide.index.month
    reach = (as_of.year * 12 + as_of.month) - months.to_numpy()
    reachable = np.arange(max_k + 1)[None, :] <= reach[:, None]
    wide = wide.fillna(0.0).where(reachable)
    if metric == "retention":
        wide = wide.div(size, axis=0)
    elif metric == "revenue_per_member":
        wide = wide.div(size, axis=0)
    wide.columns = list(wide.columns)
    wide["cohort_size"] = size.astype("int64").to_numpy()
    return wide

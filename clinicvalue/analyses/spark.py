"""Run the kit's SQL on Spark when one machine is not enough.

The per-patient summary (:func:`clinicvalue.summarize.summary.summary_sql`) and the cohort counts
(``analyses.retention.cohorts.cohort_sql``) are plain SQL. Here the same queries run on a
:class:`pyspark.sql.SparkSession` and come back as the pandas frames DuckDB gives, with
the same columns, dtypes and index. The summary is one small row per patient — the
sufficient statistics BG/NBD and Gamma-Gamma are fitted on — so fitting stays on one
machine however large the visit log.

The queries are translated by :func:`clinicvalue.summarize.spark_sql.to_spark_sql`; the
whole scoring runs on Spark through :class:`clinicvalue.summarize.spark_sql.SparkVisits`
(``clinicvalue score --engine spark``).

Point it at a cluster by building the session there, e.g.
``SparkSession.builder.master("spark://host:7077").getOrCreate()`` or under
``spark-submit`` / Databricks, and pass a table name or a DataFrame read from the
cluster's storage (``spark.read.parquet("s3://…/visits/")``).
"""

from __future__ import annotations

import re
import uuid
import warnings
from contextlib import contextmanager
from datetime import date as _date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from clinicvalue.analyses.retention.cohorts import cohort_sql
from clinicvalue.errors import InputError, check_option
from clinicvalue.summarize.spark_sql import spark_to_pandas, to_spark_sql
from clinicvalue.summarize.summary import TIME_UNITS, UNIT_DAYS, _tidy, summary_sql

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

__all__ = ["to_spark_sql", "summarize_spark", "summary_spark_df", "cohort_counts_spark"]

REQUIRED = ("patient_id", "visit_date", "amount")
COHORT_KEYS = (
    "cohort_group",
    "cohort_year",
    "cohort_month_of_year",
    "cohort_month",
    "months_since",
)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


@contextmanager
def _as_view(spark: SparkSession, visits: Any, extra: tuple[str, ...] = ()) -> Iterator[str]:
    """Yield a name Spark SQL can select from.

    A table name is used as is; a DataFrame (Spark or pandas) becomes a temporary view,
    dropped afterwards.
    """
    if isinstance(visits, str):
        if not _IDENT.match(visits):
            raise InputError(
                f"'{visits}' is not a table name; pass a table such as db.visits or a DataFrame"
            )
        yield visits
        return
    if isinstance(visits, pd.DataFrame):
        missing = [c for c in (*REQUIRED, *extra) if c not in visits.columns]
        if missing:
            raise InputError(f"visits table lacks required column(s): {', '.join(missing)}")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support")
            warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
            visits = spark.createDataFrame(visits[[*REQUIRED, *extra]])
    if not hasattr(visits, "createOrReplaceTempView"):
        raise InputError(
            f"visits must be a Spark DataFrame, a pandas DataFrame or a table name, "
            f"not {type(visits).__name__}"
        )
    missing = [c for c in REQUIRED if c not in visits.columns]
    if missing:
        raise InputError(f"visits table lacks required column(s): {', '.join(missing)}")
    name = f"_cv_visits_{uuid.uuid4().hex[:12]}"
    visits.createOrReplaceTempView(name)
    try:
        yield name
    finally:
        spark.catalog.dropTempView(name)


def summary_spark_df(
    spark: SparkSession, visits: Any, as_of: str | pd.Timestamp, *, time_unit: str = "W"
) -> SparkDataFrame:
    """Return the per-patient summary as a Spark DataFrame (nothing collected yet).

    For a visit log too large for one machine: write the result out
    (``.write.parquet(...)``) or collect it — it has one row per patient.
    """
    check_option("time_unit", time_unit, TIME_UNITS)
    with _as_view(spark, visits) as name:
        sql = to_spark_sql(summary_sql(name, pd.Timestamp(as_of), UNIT_DAYS[time_unit]))
        frame = spark.sql(sql)
        if not isinstance(visits, str):
            frame = frame.localCheckpoint(eager=True)  # survive dropping the view
    return frame


def summarize_spark(
    spark: SparkSession, visits: Any, as_of: str | pd.Timestamp, *, time_unit: str = "W"
) -> pd.DataFrame:
    """Summarise visits per patient on Spark, exactly as :func:`clinicvalue.summarize`.

    Parameters
    ----------
    spark
        The session to run on (local or a cluster).
    visits
        A Spark DataFrame, a table or view name, or a pandas frame, with
        ``patient_id``, ``visit_date`` and ``amount`` (line items on one patient-day
        are merged into one visit).
    as_of
        The observation end; later visits are ignored.
    time_unit
        ``"D"``, ``"W"`` or ``"M"`` for ``recency`` and ``T``.

    Returns
    -------
    pandas.DataFrame
        The same columns, dtypes and ``patient_id`` index as ``summarize``.
    """
    check_option("time_unit", time_unit, TIME_UNITS)
    with _as_view(spark, visits) as name:
        sql = to_spark_sql(summary_sql(name, pd.Timestamp(as_of), UNIT_DAYS[time_unit]))
        out = spark_to_pandas(spark.sql(sql))
    return _tidy(out)


def tidy_cohort_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Give cohort rows fixed dtypes and order, whichever engine produced them.

    Integers become ``int64``, other numbers ``float64``, dates ``datetime64[ns]`` and
    text (including an all-NULL text column) the nullable ``string`` dtype.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_integer_dtype(s):
            out[col] = s.astype("int64")
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.astype("float64")
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.astype("datetime64[ns]")
        else:
            values = s.dropna()
            if len(values) and values.map(lambda v: isinstance(v, _date)).all():
                out[col] = pd.to_datetime(s).astype("datetime64[ns]")
            elif len(values) and values.map(lambda v: isinstance(v, int | float | Decimal)).all():
                out[col] = s.astype("float64")
            else:
                out[col] = s.astype("string")
    keys = [c for c in COHORT_KEYS if c in out.columns]
    return out.sort_values(keys).reset_index(drop=True) if keys else out


def cohort_counts_spark(
    spark: SparkSession,
    visits: Any,
    as_of: str | pd.Timestamp,
    *,
    group_column: str | None = None,
) -> pd.DataFrame:
    """Count patients and revenue per first-visit cohort and month since, on Spark.

    Runs ``clinicvalue.analyses.retention.cohorts.cohort_sql`` (the query DuckDB runs for the cohort
    tables) and returns its rows (``cohort_year, cohort_month_of_year, months_since,
    patients, revenue, last_visit_patients, cohort_group``) sorted by cohort and month,
    with the dtypes :func:`tidy_cohort_counts` fixes.
    """
    extra = (group_column,) if group_column else ()
    with _as_view(spark, visits, extra) as name:
        sql = cohort_sql(name, pd.Timestamp(as_of), group_column=group_column)
        out = spark_to_pandas(spark.sql(to_spark_sql(sql)))
    return tidy_cohort_counts(out)

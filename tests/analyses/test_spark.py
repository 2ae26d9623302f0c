"""The summary SQL on Spark local mode gives exactly what DuckDB gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clinicvalue.analyses.spark import summarize_spark, tidy_cohort_counts, to_spark_sql
from clinicvalue.errors import InputError, OptionError
from clinicvalue.summarize.summary import summarize, summary_sql

pytestmark = [
    pytest.mark.spark,
    # pyspark 4 is not yet certified on pandas 3 and says so on every conversion
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
AS_OF = pd.Timestamp("2024-12-31")


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    """Line items: leading-zero IDs, several lines a day, refunds, visits after as-of."""
    rng = np.random.default_rng(3)
    n = 600
    ids = np.array(["00004", "4", "A-17", "病歷9", "0007"] + [f"{i:05d}" for i in range(60)])
    frame = pd.DataFrame(
        {
            "patient_id": pd.array(rng.choice(ids, n), dtype="string"),
            "visit_date": pd.Timestamp("2022-01-01")
            + pd.to_timedelta(rng.integers(0, 1200, n), unit="D"),
            # quarters are exact in binary, so sums agree whatever order engines add in
            "amount": rng.integers(-40, 4000, n) / 4.0,
        }
    )
    frame["visit_date"] = frame["visit_date"].astype("datetime64[ns]")
    dup = frame.iloc[:50].assign(amount=12.25)  # second line on the same day
    return pd.concat([frame, dup], ignore_index=True)


def test_translation_of_datediff_and_divisor() -> None:
    sql = "SELECT DATEDIFF('day', MIN(d), DATE '2024-01-02') / 7.0 AS t FROM x"
    assert to_spark_sql(sql) == (
        "SELECT DATEDIFF(DATE '2024-01-02', MIN(d)) / CAST(7.0 AS DOUBLE) AS t FROM x"
    )


def test_translation_keeps_two_argument_datediff() -> None:
    assert to_spark_sql("SELECT DATEDIFF(b, a) FROM x") == "SELECT DATEDIFF(b, a) FROM x"


def test_translation_refuses_other_units() -> None:
    with pytest.raises(InputError, match="cannot translate DATEDIFF with unit 'month'"):
        to_spark_sql("SELECT DATEDIFF('month', a, b) FROM x")


def test_translation_refuses_unbalanced_sql() -> None:
    with pytest.raises(InputError, match="unbalanced parentheses"):
        to_spark_sql("SELECT DATEDIFF('day', MIN(a, b FROM x")


def test_translated_summary_sql_has_no_duckdb_datediff() -> None:
    sql = to_spark_sql(summary_sql("v", AS_OF, 7.0))
    assert "'day'" not in sql
    assert "CAST(7.0 AS DOUBLE)" in sql


@pytest.mark.parametrize("unit", ["D", "W", "M"])
def test_summary_identical_to_duckdb(spark, visits: pd.DataFrame, unit: str) -> None:
    expected = summarize(visits, AS_OF, time_unit=unit)
    got = summarize_spark(spark, spark.createDataFrame(visits), AS_OF, time_unit=unit)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert {"00004", "4", "病歷9"} <= set(got.index)


def test_summary_from_pandas_and_table_name(spark, visits: pd.DataFrame) -> None:
    expected = summarize(visits, AS_OF)
    pd.testing.assert_frame_equal(summarize_spark(spark, visits, AS_OF), expected)
    spark.createDataFrame(visits).createOrReplaceTempView("cv_test_visits")
    try:
        got = summarize_spark(spark, "cv_test_visits", AS_OF)
    finally:
        spark.catalog.dropTempView("cv_test_visits")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_hand_computed_patient(spark) -> None:
    frame = pd.DataFrame(
        {
            "patient_id": pd.array(["007", "007", "007", "007"], dtype="string"),
            "visit_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-02-12"]),
            "amount": [100.0, 50.0, 300.0, 500.0],
        }
    )
    row = summarize_spark(spark, frame, "2024-03-11", time_unit="W").loc["007"]
    assert row["visits"] == 3
    assert row["frequency"] == 2
    assert row["recency"] == 6.0  # 42 days
    assert row["T"] == 10.0  # 70 days
    assert row["first_spend"] == 150.0
    assert row["monetary"] == 400.0


def test_missing_column_is_named(spark, visits: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="lacks required column.*amount"):
        summarize_spark(spark, visits.drop(columns="amount"), AS_OF)
    with pytest.raises(InputError, match="lacks required column.*amount"):
        summarize_spark(spark, spark.createDataFrame(visits.drop(columns="amount")), AS_OF)


def test_bad_table_name_and_type(spark) -> None:
    with pytest.raises(InputError, match="is not a table name"):
        summarize_spark(spark, "visits; DROP TABLE x", AS_OF)
    with pytest.raises(InputError, match="must be a Spark DataFrame, a pandas DataFrame"):
        summarize_spark(spark, [1, 2], AS_OF)


def test_bad_time_unit(spark, visits: pd.DataFrame) -> None:
    with pytest.raises(OptionError, match="time_unit"):
        summarize_spark(spark, visits, AS_OF, time_unit="Y")


def test_tidy_cohort_counts_fixes_types_and_order() -> None:
    raw = pd.DataFrame(
        {
            "cohort_month": [pd.Timestamp("2024-02-01").date(), pd.Timestamp("2024-01-01").date()],
            "months_since": np.array([0, 1], dtype="int32"),
            "patients": np.array([3, 2], dtype="int32"),
            "revenue": [10, 5.5],
        }
    )
    out = tidy_cohort_counts(raw)
    assert list(out["cohort_month"]) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert out["cohort_month"].dtype == "datetime64[ns]"
    assert out["patients"].dtype == "int64"
    assert out["revenue"].dtype == "float64"


@pytest.mark.parametrize("group", [None, "channel"])
def test_cohort_counts_identical_to_duckdb(spark, visits: pd.DataFrame, group) -> None:
    import duckdb

    from clinicvalue.analyses.retention.cohorts import cohort_sql
    from clinicvalue.analyses.spark import cohort_counts_spark

    frame = visits.assign(channel=np.where(visits["amount"] > 400, "referral", "walk_in"))
    con = duckdb.connect()
    con.register("v", frame)
    expected = tidy_cohort_counts(con.execute(cohort_sql("v", AS_OF, group_column=group)).df())
    got = cohort_counts_spark(spark, frame, AS_OF, group_column=group)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert len(got) > 10
    assert got["patients"].sum() > 0

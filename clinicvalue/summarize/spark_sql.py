"""The kit's SQL on Spark: translation, and visits that stay in a Spark table.

:func:`to_spark_sql` rewrites the few places where the kit's DuckDB SQL and Spark SQL
differ. :class:`SparkVisits` holds a visit log (or line items) in Spark with the kit's
canonical columns and runs the kit's per-patient queries there
(:class:`~clinicvalue.summarize.external.ExternalVisits`): the summary, the patient
features, the holdout counts and the gaps between visits, so the same definitions give
the same figures however large the log, and only one row per patient comes back.

Spark must read dates as calendar days: a visit log written from pandas stores
``visit_date`` as a timestamp without time zone, which Spark casts to the same day in any
session; a timestamp *with* time zone is cast in the session's zone, so set
``spark.sql.session.timeZone`` to the clinic's (``clinicvalue score --engine spark`` sets
UTC).
"""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from clinicvalue.errors import InputError
from clinicvalue.load import read_options
from clinicvalue.load._parse import normalise_statuses
from clinicvalue.load._tables import visit_statuses
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.external import ExternalVisits

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

__all__ = ["SparkVisits", "to_spark_sql", "spark_to_pandas"]

_DECIMAL_DIVISOR = re.compile(r"/\s*(\d+\.\d+)(?![\d.eE])")
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_RENAMED = (
    (re.compile(r"\bARG_MAX_NULL\s*\(", re.IGNORECASE), "MAX_BY("),
    (re.compile(r"\bregexp_matches\s*\(", re.IGNORECASE), "regexp("),
)
REQUIRED = ("patient_id", "visit_date", "amount")
#: The columns the per-patient queries read, and the type each is cast to in Spark.
_READ_AS = {
    "patient_id": "STRING",
    "visit_date": None,  # a DATE or TIMESTAMP as stored, or text cast to DATE
    "amount": "DOUBLE",
    "self_pay": "DOUBLE",
    "treatment": "STRING",
    "complaint": "STRING",
    "satisfaction": "DOUBLE",
    "insurer_amount": "DOUBLE",
}
_NUMERIC = re.compile(r"(tinyint|smallint|int|bigint|float|double|decimal)")
_DATE_TYPES = ("date", "timestamp", "timestamp_ntz")


def _split_args(text: str, start: int) -> tuple[list[str], int]:
    """Split the arguments of the call whose ``(`` ends just before ``start``.

    Returns the arguments and the index just after the closing parenthesis.
    """
    depth, args, current, i = 0, [], [], start
    quote: str | None = None
    while i < len(text):
        ch = text[i]
        if quote:
            current.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            current.append(ch)
        elif ch == "(":
            depth += 1
            current.append(ch)
        elif ch == ")":
            if depth == 0:
                args.append("".join(current).strip())
                return args, i + 1
            depth -= 1
            current.append(ch)
        elif ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    raise InputError("unbalanced parentheses in the SQL to translate for Spark")


def to_spark_sql(sql: str) -> str:
    r"""Rewrite the kit's DuckDB-flavoured SQL for Spark SQL.

    ``DATEDIFF('day', start, end)`` (DuckDB) becomes ``DATEDIFF(end, start)`` (Spark);
    a decimal literal after ``/`` becomes ``CAST(… AS DOUBLE)`` so Spark divides in
    floating point as DuckDB does; DuckDB's ``ARG_MAX_NULL`` (which keeps a NULL value at
    the latest row) is Spark's ``MAX_BY``, ``regexp_matches`` is Spark's ``regexp``, and a
    backslash in a string literal is doubled (Spark reads ``\`` as an escape, DuckDB
    as itself). Other DATEDIFF units than days are refused.
    """
    out = _LITERAL.sub(lambda m: m.group(0).replace("\\", "\\\\"), _datediff(sql))
    for duck, spark in _RENAMED:
        out = duck.sub(spark, out)
    return _DECIMAL_DIVISOR.sub(lambda d: f"/ CAST({d.group(1)} AS DOUBLE)", out)


def _datediff(sql: str) -> str:
    """Swap DuckDB's ``DATEDIFF('day', a, b)`` into Spark's ``DATEDIFF(b, a)``."""
    out, pos = [], 0
    pattern = re.compile(r"DATEDIFF\s*\(", re.IGNORECASE)
    while (m := pattern.search(sql, pos)) is not None:
        args, end = _split_args(sql, m.end())
        out.append(sql[pos : m.start()])
        if len(args) == 3:
            unit = args[0].strip("'\"").lower()
            if unit != "day":
                raise InputError(f"cannot translate DATEDIFF with unit {args[0]} for Spark")
            out.append(f"DATEDIFF({_datediff(args[2])}, {_datediff(args[1])})")
        else:
            out.append(sql[m.start() : end])
        pos = end
    out.append(sql[pos:])
    return "".join(out)


def spark_to_pandas(frame: SparkDataFrame) -> pd.DataFrame:
    """Collect a (small) Spark DataFrame as pandas."""
    with warnings.catch_warnings():
        # pyspark 4 warns on every conversion that it has not been certified on pandas 3.
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        return frame.toPandas()


def _to_arrow(frame: SparkDataFrame) -> pa.Table:
    if hasattr(frame, "toArrow"):  # pyspark ≥ 4
        return frame.toArrow()
    return pa.Table.from_pandas(spark_to_pandas(frame), preserve_index=False)


def _from_arrow(spark: SparkSession, table: pa.Table) -> SparkDataFrame:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        return spark.createDataFrame(table.to_pandas())


class SparkVisits(ExternalVisits):
    """A visit log or line items in Spark, read where it lives by the kit's queries.

    Parameters
    ----------
    spark
        The session (local or a cluster).
    visits
        A Spark DataFrame with the canonical columns ``patient_id``, ``visit_date`` (a
        date, a timestamp, or ``YYYY-MM-DD`` text) and ``amount`` (a number, or text of
        one), and any of ``self_pay``, ``treatment``, ``complaint``, ``satisfaction``;
        other columns are not read. Several rows of one patient on one day are line
        items of one visit, and a day of refunds only nets into the previous visit, as
        the loader counts them.
    label
        What the visits are called in messages (the file or table name).
    check
        Refuse missing or unreadable required values (one pass over the log); turn it
        off only for a table already checked.

    Raises
    ------
    InputError
        When a required column is missing, a ``status`` column is present (no-shows and
        cancellations are not visits, and only the loader sorts them out), a column has
        a type the kit cannot read, or a row's ID, date or amount is empty or unreadable.
    """

    def __init__(
        self, spark: SparkSession, visits: SparkDataFrame, *, label: str = "visits",
        profile: ClinicProfile | None = None, check: bool = True,
    ) -> None:  # fmt: skip
        if not hasattr(visits, "createOrReplaceTempView"):
            raise InputError(
                f"{label}: visits must be a Spark DataFrame, not {type(visits).__name__}"
            )
        types = dict(visits.dtypes)
        missing = [c for c in REQUIRED if c not in types]
        if missing:
            raise InputError(
                f"{label} has no column {', '.join(repr(c) for c in missing)}; the Spark "
                f"engine reads the canonical columns {', '.join(REQUIRED)} (rename them "
                "in Spark, or score the export with the default engine)",
                file=label,
            )
        self.spark, self.label = spark, label
        if "status" in types:  # no-shows and cancellations are not visits
            visits = self._attended(visits, profile or ClinicProfile())
        reads = {c: self._read(c, types[c]) for c in _READ_AS if c in types}
        insured = reads.pop("insurer_amount", None)
        if insured is not None and "self_pay" not in reads:  # as the loader's visits have it
            reads["self_pay"] = f"{reads['amount']} - COALESCE({insured}, 0)"
        self._columns = list(reads)
        self._frame = visits.selectExpr(*(f"{expr} AS {c}" for c, expr in reads.items()))
        if check:
            self._check(visits, types)

    def _attended(self, visits: SparkDataFrame, profile: ClinicProfile) -> SparkDataFrame:
        """Keep the rows whose status is a visit, by the loader's rule; refuse unknown words."""
        from pyspark.sql.functions import col, trim

        raw = [r[0] for r in visits.selectExpr("CAST(status AS STRING)").distinct().collect()]
        given = pd.Series([r for r in raw if r is not None and r.strip()], dtype="string")
        canonical, bad = visit_statuses(given, read_options(profile))
        if bad.any():
            word = str(given[bad].iloc[0])
            raise InputError(
                f"{self.label}: status {word!r} is not a visit status the kit knows; map the "
                f'clinic\'s word in the profile, e.g. [load.status_words] "{word}" = '
                '"completed", or drop the rows',
                file=self.label, column="status", value=word,
            )  # fmt: skip
        not_visit = normalise_statuses(list(profile.load.not_visit_statuses))
        attended = [w for w, c in zip(given, canonical, strict=True) if c not in not_visit]
        status = col("status").cast("string")
        return visits.where(status.isNull() | (trim(status) == "") | status.isin(attended))

    def _read(self, column: str, kind: str) -> str:
        """Return the expression that reads ``column`` (of Spark type ``kind``) as the kit does."""
        if column == "visit_date":
            if kind in _DATE_TYPES:
                return "visit_date"
            if kind != "string":
                raise InputError(
                    f"{self.label}: visit_date is {kind}; give a date, a timestamp or "
                    "YYYY-MM-DD text", file=self.label, column="visit_date",
                )  # fmt: skip
            return "TRY_CAST(TRIM(visit_date) AS DATE)"
        if column == "patient_id":
            return "TRIM(CAST(patient_id AS STRING))"
        target = _READ_AS[column]
        if target == "DOUBLE" and kind == "string":
            return f"TRY_CAST(TRIM({column}) AS DOUBLE)"
        if target == "DOUBLE" and not _NUMERIC.match(kind):
            raise InputError(
                f"{self.label}: {column} is {kind}; give a number",
                file=self.label, column=column,
            )  # fmt: skip
        return f"CAST({column} AS {target})"

    def _check(self, raw: SparkDataFrame, types: dict[str, str]) -> None:
        """Refuse rows whose ID, date or amount is empty or unreadable, naming the first."""
        bad = {
            "patient_id": "patient_id IS NULL OR patient_id = ''",
            "visit_date": "visit_date IS NULL",
            "amount": "amount IS NULL",
        }
        name = f"_cv_check_{uuid.uuid4().hex[:12]}"
        raw.selectExpr(
            *(f"CAST({c} AS STRING) AS raw_{c}" for c in REQUIRED),
            *(f"{self._read(c, types[c])} AS {c}" for c in REQUIRED),
        ).createOrReplaceTempView(name)
        try:
            counts = ", ".join(f"COUNT_IF({cond}) AS {c}" for c, cond in bad.items())
            row = self.spark.sql(f"SELECT {counts} FROM {name}").collect()[0]
            for column, cond in bad.items():
                n = int(row[column] or 0)
                if not n:
                    continue
                first = self.spark.sql(
                    f"SELECT raw_patient_id, raw_{column} FROM {name} WHERE {cond} LIMIT 1"
                ).collect()[0]
                value = first[f"raw_{column}"]
                shown = "empty" if value is None or not str(value).strip() else repr(str(value))
                raise InputError(
                    f"{self.label}: {n:,} row(s) with an empty or unreadable {column} "
                    f"(first: {shown}, patient {first['raw_patient_id']!r}); fix or drop "
                    "them in the source, or score the export with the default engine, "
                    "which sets such rows aside",
                    file=self.label, column=column, value=None if value is None else str(value),
                )  # fmt: skip
        finally:
            self.spark.catalog.dropTempView(name)

    @property
    def columns(self) -> list[str]:
        """The canonical columns read (``patient_id``, ``visit_date``, ``amount``, …)."""
        return list(self._columns)

    def query(
        self, sql_for: Callable[[str], str], tables: Mapping[str, pa.Table] | None = None
    ) -> pa.Table:
        """Run the kit's SQL ``sql_for(name)`` on Spark and return its rows as Arrow."""
        name = f"_cv_visits_{uuid.uuid4().hex[:12]}"
        views = [name, *(tables or {})]
        self._frame.createOrReplaceTempView(name)
        try:
            for key, table in (tables or {}).items():
                _from_arrow(self.spark, table).createOrReplaceTempView(key)
            return _to_arrow(self.spark.sql(to_spark_sql(sql_for(name))))
        finally:
            for view in views:
                self.spark.catalog.dropTempView(view)

    def only(self, patient_ids: Sequence[str]) -> SparkVisits:
        """Return the visits of these patients alone."""
        from pyspark.sql.functions import broadcast

        ids = self.spark.createDataFrame([(str(i),) for i in patient_ids], "patient_id STRING")
        kept = self._frame.join(broadcast(ids), "patient_id", "left_semi")
        return SparkVisits(self.spark, kept, label=self.label, check=False)

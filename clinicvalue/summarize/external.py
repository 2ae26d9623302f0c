"""Visits held by another SQL engine, queried where they live.

The kit's per-patient queries (:mod:`clinicvalue.summarize.summary`,
:mod:`clinicvalue.summarize.features`) are SQL over a table of visits or line items.
DuckDB runs them on a pandas frame or a Parquet file; :class:`ExternalVisits` is the
small interface another engine implements so that the same queries, and so the same
definitions, run there instead: a Spark table (:class:`clinicvalue.summarize.spark_sql.SparkVisits`)
on a cluster. Only their results, at most one row per patient, come back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import pyarrow as pa

__all__ = ["ExternalVisits"]


class ExternalVisits(ABC):
    """Visits or line items in another engine, with the kit's canonical column names."""

    @property
    @abstractmethod
    def columns(self) -> list[str]:
        """The canonical columns the visits have (``patient_id``, ``visit_date``, …)."""

    @abstractmethod
    def query(
        self, sql_for: Callable[[str], str], tables: Mapping[str, pa.Table] | None = None
    ) -> pa.Table:
        """Run ``sql_for(name)`` on the visits, seen under ``name``, and return its rows.

        ``sql_for`` writes the kit's (DuckDB-flavoured) SQL; the engine translates it.
        ``tables`` are small lookup tables the query joins, available under their keys.
        """

    @abstractmethod
    def only(self, patient_ids: Sequence[str]) -> ExternalVisits:
        """Return the visits of these patients alone (a sample for a model comparison)."""

    def frame(self, sql_for: Callable[[str], str]) -> pd.DataFrame:
        """Return :meth:`query`'s rows as pandas (dates as ``datetime64``)."""
        return self.query(sql_for).to_pandas(date_as_object=False)

    def first_day(self) -> pd.Timestamp:
        """Return the earliest visit day (NaT with no visits)."""
        out = self.frame(lambda name: f"SELECT MIN(CAST(visit_date AS DATE)) AS first FROM {name}")
        return pd.Timestamp(out["first"].iloc[0]) if len(out) else pd.NaT

    def patient_ids(self) -> list[str]:
        """Return every patient's ID, sorted."""
        out = self.query(lambda name: f"SELECT DISTINCT patient_id FROM {name} ORDER BY patient_id")
        return [str(i) for i in out.column("patient_id").to_pylist()]

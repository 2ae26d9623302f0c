"""Per-patient visit features for segments, churn flags and recalls, in one DuckDB query.

Segments (RFM, value tiers, membership, points, treatment layers) and churn flags read a
handful of per-patient figures from the visit log. :func:`patient_features` computes them
all in one pass, so the visit log itself never has to sit in pandas: given a DuckDB
relation over Parquet, DuckDB aggregates out of core and only one row per patient comes
back. Given a pandas frame the same SQL runs on it, so there is one implementation.

Rows on one patient-day are one visit (as :func:`clinicvalue.summarize.summary.summarize` and the
loader count them; a day of refunds only nets into the previous visit): their amounts add
up, their treatment texts count together, the lowest satisfaction score stands and a
complaint on any row marks the day. Only visits
on or before ``as_of`` count.

Columns, per patient with a visit up to ``as_of`` (index ``patient_id``, as strings):

=====================  ==================================================================
``first_visit``        first visit day
``second_visit``       second visit day (NaT with one visit)
``last_visit``         last visit day
``visits``             visit days
``total_spend``        all ``amount``, as the summary's (:mod:`clinicvalue.summarize.summary`)
``first_spend``        ``amount`` on the first visit day
``spend``              all spend (the RFM money column, :func:`money_column`)
``first_lookback``     first visit day in the RFM look-back (``rfm.lookback_months``;
                       0 = the whole history)
``visits_lookback``    visits in the look-back
``spend_lookback``     spend in the look-back
``visits_12m``         visits in the 12 months before ``as_of`` (membership)
``spend_12m``          spend in those 12 months
``any_high_value``     any visit with a high-value treatment keyword
``any_known``          any visit with a known treatment keyword
``last_category``      treatment category of the last visit (NA when none matches)
``median_gap_days``    median days between consecutive visits (NaN with one visit)
``log_gap_days``       sum of the logs of the days between consecutive visits (0 with one)
``gap_earlier_days``   days from the third-last to the second-last visit (NaN under three)
``gap_last_days``      days from the second-last to the last visit (NaN under three)
``last_satisfaction``  latest satisfaction score given (NaN when none)
``last_complaint``     latest day with a complaint within ``churn.complaint_days``
``spend_recent``       ``amount`` in the last ``churn.spend_window_months``
``spend_before``       ``amount`` in the same span before that
``next_recall_due``    earliest recall due after the last visit (``care.recalls``)
=====================  ==================================================================

Windows run from the day after their start to ``as_of`` inclusive.

:func:`rfm_features` returns the four columns the RFM scores read (:data:`RFM_COLUMNS`)
by the same definitions from a lighter query, for a day whose other figures are not
needed (last month's segments, for the movement table).
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize import duck
from clinicvalue.summarize.external import ExternalVisits
from clinicvalue.summarize.summary import is_loaded_visits, refund_day_map_sql
from clinicvalue.summarize.treatments import keyword_table

__all__ = [
    "FEATURE_COLUMNS",
    "RFM_COLUMNS",
    "align_features",
    "money_column",
    "patient_features",
    "rfm_features",
]

FEATURE_COLUMNS = (
    "first_visit",
    "second_visit",
    "last_visit",
    "visits",
    "total_spend",
    "first_spend",
    "spend",
    "first_lookback",
    "visits_lookback",
    "spend_lookback",
    "visits_12m",
    "spend_12m",
    "any_high_value",
    "any_known",
    "last_category",
    "median_gap_days",
    "log_gap_days",
    "gap_earlier_days",
    "gap_last_days",
    "last_satisfaction",
    "last_complaint",
    "spend_recent",
    "spend_before",
    "next_recall_due",
)
#: the columns the RFM scores read (:func:`rfm_features`)
RFM_COLUMNS = ("last_visit", "first_lookback", "visits_lookback", "spend_lookback")
_DATES = (
    "first_visit",
    "second_visit",
    "last_visit",
    "first_lookback",
    "last_complaint",
    "next_recall_due",
)
_COUNTS = ("visits", "visits_lookback", "visits_12m")
_MONEY = (
    "total_spend",
    "first_spend",
    "spend",
    "spend_lookback",
    "spend_12m",
    "spend_recent",
    "spend_before",
)
_FLAGS = ("any_high_value", "any_known")
_GAPS = ("median_gap_days", "log_gap_days", "gap_earlier_days", "gap_last_days")
_OPTIONAL = ("treatment", "complaint", "satisfaction")
# a complaint counts when its text has a character other than (full-width) white space
_SAID = r"[^\s\x{00A0}\x{3000}]"


def money_column(columns: Any, profile: ClinicProfile) -> str:
    """Return the visits column that measures spend: ``amount`` or ``self_pay``.

    ``columns`` is a frame (its columns are read) or any collection of column names.
    """
    names = set(columns.columns if hasattr(columns, "columns") else columns)
    if not profile.rfm.self_pay_only:
        return "amount"
    if "self_pay" not in names:
        raise InputError(
            "rfm.self_pay_only is on but visits have no 'self_pay' column; "
            "map a self-pay column or set rfm.self_pay_only = false"
        )
    return "self_pay"


def _day(ts: pd.Timestamp) -> str:
    return f"DATE '{ts:%Y-%m-%d}'"


def _recall_terms(profile: ClinicProfile) -> list[str]:
    """One ``MIN(due)`` per distinct recall offset, over the keywords of its categories."""
    categories = list(profile.treatment.categories.values())
    terms = []
    offsets = sorted({int(o) for days in profile.care.recalls.values() for o in days})
    for offset in offsets:
        cats = {c for c, days in profile.care.recalls.items() if offset in days}
        keys = [str(k) for k, c in enumerate(categories) if c in cats]
        if keys:
            terms.append(
                f"MIN(day + {offset}) FILTER (WHERE keyword IN ({', '.join(keys)}) "
                f"AND day + {offset} > last_day)"
            )
    return terms


def features_sql(
    source: str,
    columns: set[str],
    as_of: pd.Timestamp,
    profile: ClinicProfile,
    *,
    keywords: str | None,
    rfm_only: bool = False,
) -> str:
    """Return the feature query over the table or view ``source``.

    ``columns`` are the source's columns; ``keywords`` names the table of
    :func:`clinicvalue.summarize.treatments.keyword_table` (None without treatment texts).
    With ``rfm_only`` the query returns :data:`RFM_COLUMNS` alone, the same figures
    without the gaps, treatments and churn windows.
    """
    as_of = pd.Timestamp(as_of).normalize()
    money = money_column(columns, profile)
    churn = profile.churn
    months = pd.DateOffset
    lookback = profile.rfm.lookback_months
    window = as_of - months(months=lookback) if lookback else pd.Timestamp("1000-01-01")
    year = as_of - months(months=12)
    cut = as_of - months(months=churn.spend_window_months)
    start = cut - months(months=churn.spend_window_months)
    complaint_from = as_of - pd.Timedelta(days=churn.complaint_days)
    if rfm_only:
        keywords, columns = None, {c for c in columns if c not in _OPTIONAL}
    if keywords is not None and "treatment" in columns:
        join = f"LEFT JOIN {keywords} k ON s.treatment = k.treatment"
        treat = "MIN(k.keyword) AS keyword, BOOL_OR(k.high_value) AS hv, BOOL_OR(k.known) AS known"
    else:
        join = ""
        treat = "CAST(NULL AS INTEGER) AS keyword, FALSE AS hv, FALSE AS known"
    sat = (
        "MIN(CAST(s.satisfaction AS DOUBLE))"
        if "satisfaction" in columns
        else "CAST(NULL AS DOUBLE)"
    )
    said = (
        f"COALESCE(BOOL_OR(regexp_matches(s.complaint, '{_SAID}')), FALSE)"
        if "complaint" in columns
        else "FALSE"
    )
    if not is_loaded_visits(columns):  # line items: refund-only days join a visit first
        read = dict.fromkeys(
            ["patient_id", "amount", money, *(c for c in _OPTIONAL if c in columns)]
        )
        kept = ", ".join(f"l.{c}" for c in read)
        source = f"""(
    SELECT {kept}, m.visit_day AS visit_date
    FROM {source} l
    JOIN ({refund_day_map_sql(source, as_of)}) m
      ON l.patient_id = m.patient_id AND CAST(l.visit_date AS DATE) = m.day
    WHERE m.visit_day IS NOT NULL
)"""
    money_sum = f"SUM(CAST(s.{money} AS DOUBLE))"
    recalls = _recall_terms(profile)
    due = (
        "CAST(NULL AS DATE)"
        if not recalls
        else recalls[0]
        if len(recalls) == 1
        else f"LEAST({', '.join(recalls)})"
    )
    days = f"""
WITH days AS (
    SELECT CAST(s.patient_id AS STRING) AS patient_id, CAST(s.visit_date AS DATE) AS day,
           COALESCE({money_sum}, 0) AS money,
           COALESCE(SUM(CAST(s.amount AS DOUBLE)), 0) AS amount,
           {treat}, {sat} AS satisfaction, {said} AS complaint
    FROM {source} s {join}
    WHERE CAST(s.visit_date AS DATE) <= {_day(as_of)} AND s.patient_id IS NOT NULL
    GROUP BY CAST(s.patient_id AS STRING), CAST(s.visit_date AS DATE)
)"""
    # the figures the RFM scores read (RFM_COLUMNS): one definition for both queries
    rfm = f"""MAX(day) AS last_visit,
    MIN(day) FILTER (WHERE day > {_day(window)}) AS first_lookback,
    COUNT(*) FILTER (WHERE day > {_day(window)}) AS visits_lookback,
    COALESCE(SUM(money) FILTER (WHERE day > {_day(window)}), 0) AS spend_lookback"""
    if rfm_only:
        return f"""{days}
SELECT patient_id, {rfm}
FROM days
GROUP BY patient_id
ORDER BY patient_id
"""
    return f"""{days},
seq AS (
    SELECT *,
           DATEDIFF('day', LAG(day) OVER (PARTITION BY patient_id ORDER BY day), day) AS gap,
           DATEDIFF('day', LAG(day, 2) OVER (PARTITION BY patient_id ORDER BY day),
                    LAG(day) OVER (PARTITION BY patient_id ORDER BY day)) AS earlier_gap,
           MAX(day) OVER (PARTITION BY patient_id) AS last_day
    FROM days
)
SELECT
    patient_id,
    MIN(day) AS first_visit,
    MIN(day) FILTER (WHERE gap IS NOT NULL) AS second_visit,
    COUNT(*) AS visits,
    SUM(amount) AS total_spend,
    MIN_BY(amount, day) AS first_spend,
    SUM(money) AS spend,
    {rfm},
    COUNT(*) FILTER (WHERE day > {_day(year)}) AS visits_12m,
    COALESCE(SUM(money) FILTER (WHERE day > {_day(year)}), 0) AS spend_12m,
    COALESCE(BOOL_OR(hv), FALSE) AS any_high_value,
    COALESCE(BOOL_OR(known), FALSE) AS any_known,
    ARG_MAX_NULL(keyword, day) AS last_keyword,
    MEDIAN(gap) AS median_gap_days,
    COALESCE(SUM(LN(gap)), 0) AS log_gap_days,
    MAX_BY(earlier_gap, day) AS gap_earlier_days,
    MAX_BY(gap, day) FILTER (WHERE earlier_gap IS NOT NULL) AS gap_last_days,
    MAX_BY(satisfaction, day) FILTER (WHERE satisfaction IS NOT NULL) AS last_satisfaction,
    MAX(day) FILTER (WHERE complaint AND day > {_day(complaint_from)}) AS last_complaint,
    COALESCE(SUM(amount) FILTER (WHERE day > {_day(cut)}), 0) AS spend_recent,
    COALESCE(SUM(amount) FILTER (WHERE day > {_day(start)} AND day <= {_day(cut)}), 0)
        AS spend_before,
    {due} AS next_recall_due
FROM seq
GROUP BY patient_id
ORDER BY patient_id
"""


def _as_arrow(visits: pd.DataFrame, columns: list[str]) -> pa.Table:
    """Hand DuckDB only the columns it reads, as Arrow (no Python string objects)."""
    return pa.Table.from_pandas(visits[columns], preserve_index=False)


def _check(columns: set[str]) -> None:
    missing = [c for c in ("patient_id", "visit_date", "amount") if c not in columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise InputError(f"visits have no column {names}; load the data with clinicvalue.load")


def patient_features(
    visits: pd.DataFrame | duckdb.DuckDBPyRelation | ExternalVisits,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Return the per-patient features in the module docstring.

    Parameters
    ----------
    visits
        Canonical visits or line items (``patient_id``, ``visit_date``, ``amount``;
        optional ``self_pay``, ``treatment``, ``complaint``, ``satisfaction``): a pandas
        frame, a DuckDB relation (e.g. ``con.read_parquet(path)``) on ``connection``, or
        visits held by another engine (:class:`~clinicvalue.summarize.external.ExternalVisits`,
        a Spark table), where the same query then runs.
    as_of
        The observation end; later visits are ignored.
    profile
        The clinic profile (rfm, treatment, churn and care sections).
    connection
        The DuckDB connection to run on: a relation's own (required then); a new
        in-memory one by default for a pandas frame.

    Returns
    -------
    pandas.DataFrame
        One row per patient with a visit up to ``as_of``, sorted by ``patient_id``.
    """
    return _features(visits, as_of, profile, connection=connection, rfm_only=False)


def rfm_features(
    visits: pd.DataFrame | duckdb.DuckDBPyRelation | ExternalVisits,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Return the :data:`RFM_COLUMNS` of :func:`patient_features`, and only those.

    The same figures by the same definitions, from a lighter query (no gaps between
    visits, treatments or churn windows): for a day whose RFM scores alone are needed,
    such as last month's for the segment movement. Parameters as for
    :func:`patient_features`.
    """
    return _features(visits, as_of, profile, connection=connection, rfm_only=True)


def _features(
    visits: pd.DataFrame | duckdb.DuckDBPyRelation | ExternalVisits,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    connection: duckdb.DuckDBPyConnection | None,
    rfm_only: bool,
) -> pd.DataFrame:
    as_of = pd.Timestamp(as_of).normalize()
    columns = set(visits.columns)
    _check(columns)
    money = money_column(columns, profile)
    if isinstance(visits, ExternalVisits):
        return _external_features(visits, columns, as_of, profile, rfm_only=rfm_only)
    if connection is None and not isinstance(visits, pd.DataFrame):
        raise TypeError("patient_features needs connection= for a DuckDB relation: its own")
    con = connection
    if con is None:
        con = duck.connect()
    registered = []
    try:
        if isinstance(visits, pd.DataFrame):
            used = ["patient_id", "visit_date", "amount", money]
            used += [c for c in _OPTIONAL if c in columns and not rfm_only]
            con.register("_cv_feature_visits", _as_arrow(visits, list(dict.fromkeys(used))))
            registered.append("_cv_feature_visits")
        else:
            visits.create_view("_cv_feature_visits")
            registered.append("view")
        source = "_cv_feature_visits"
        keywords = None
        if "treatment" in columns and not rfm_only:
            texts = con.sql(
                f"SELECT DISTINCT treatment FROM {source} WHERE treatment IS NOT NULL"
            ).fetchnumpy()["treatment"]
            table = keyword_table(pd.Series(texts, dtype="string"), profile)
            con.register("_cv_treatment_keywords", table)
            registered.append("_cv_treatment_keywords")
            keywords = "_cv_treatment_keywords"
        sql = features_sql(source, columns, as_of, profile, keywords=keywords, rfm_only=rfm_only)
        result = con.sql(sql).arrow()
        if hasattr(result, "read_all"):  # DuckDB ≥ 1.4 hands back a record-batch reader
            result = result.read_all()
    finally:
        for name in registered:
            if name == "view":
                con.execute("DROP VIEW IF EXISTS _cv_feature_visits")
            else:
                con.unregister(name)
        if connection is None:
            con.close()
    return _tidy(result, profile, rfm_only=rfm_only)


def _external_features(
    visits: ExternalVisits,
    columns: set[str],
    as_of: pd.Timestamp,
    profile: ClinicProfile,
    *,
    rfm_only: bool,
) -> pd.DataFrame:
    """Run the feature query where the visits live; only one row per patient comes back."""
    tables, keywords = {}, None
    if "treatment" in columns and not rfm_only:
        texts = visits.query(
            lambda name: f"SELECT DISTINCT treatment FROM {name} WHERE treatment IS NOT NULL"
        ).column("treatment")
        keywords = "_cv_treatment_keywords"
        tables[keywords] = pa.Table.from_pandas(
            keyword_table(pd.Series(texts.to_pylist(), dtype="string"), profile),
            preserve_index=False,
        )
    result = visits.query(
        lambda name: features_sql(
            name, columns, as_of, profile, keywords=keywords, rfm_only=rfm_only
        ),
        tables,
    )
    return _tidy(result, profile, rfm_only=rfm_only)


def _tidy(table: pa.Table, profile: ClinicProfile, *, rfm_only: bool = False) -> pd.DataFrame:
    out = table.to_pandas(date_as_object=False)
    del table
    out = out.set_index(pd.Index(out.pop("patient_id"), dtype="string", name="patient_id"))
    if rfm_only:
        for col in RFM_COLUMNS:
            kind = "datetime64[ns]" if col in _DATES else "int64" if col in _COUNTS else "float64"
            out[col] = out[col].astype(kind)
        return out[list(RFM_COLUMNS)]
    for col in _DATES:
        out[col] = out[col].astype("datetime64[ns]")
    for col in _COUNTS:
        out[col] = out[col].astype("int64")
    for col in (*_MONEY, *_GAPS, "last_satisfaction"):
        out[col] = out[col].astype("float64")
    for col in _FLAGS:
        out[col] = out[col].astype(bool)
    categories = np.array([*profile.treatment.categories.values(), None], dtype=object)
    keyword = out.pop("last_keyword").to_numpy(dtype="float64", na_value=np.nan)
    pos = np.where(np.isnan(keyword), len(categories) - 1, np.nan_to_num(keyword)).astype(int)
    out["last_category"] = pd.array(categories[pos], dtype="string")
    return out[list(FEATURE_COLUMNS)]


def align_features(
    features: pd.DataFrame,
    index: pd.Index,
    as_of: pd.Timestamp | str,
    *,
    require_visit: bool = True,
) -> pd.DataFrame:
    """Return ``features`` for exactly the patients in ``index``, in its order.

    With ``require_visit`` off, patients without a visit get no visits and no spend.

    Raises
    ------
    InputError
        When ``index`` repeats a patient, or (with ``require_visit``) names one with no
        visit up to ``as_of``.
    """
    ids = pd.Index(pd.Index(index).astype("string"), name="patient_id")
    if ids.equals(features.index):  # the usual case; the features' ids are distinct
        return features
    if ids.has_duplicates:
        raise InputError("patient ids to score are duplicated; pass each patient once")
    out = features.reindex(ids)
    absent = out["visits"].isna().to_numpy()
    if require_visit and absent.any():
        missing = list(ids[absent][:3])
        day = pd.Timestamp(as_of).date()
        raise InputError(f"patients {missing} have no visit on or before {day}")
    fill: dict[str, Any] = dict.fromkeys((*_COUNTS, *_MONEY), 0)
    fill.update(dict.fromkeys(_FLAGS, False))
    return out.fillna(fill).astype(features.dtypes.to_dict())

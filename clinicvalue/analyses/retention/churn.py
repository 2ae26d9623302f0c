"""Churn early warning (002): overdue, low satisfaction, complaint and spend decline.

A patient is ``overdue`` when the time since their last visit exceeds the normal interval
for their condition (the maximum of ``profile.churn.condition_intervals``), else for the
treatment category of their last visit (``profile.churn.treatment_intervals``), else their
own median interval × ``own_interval_factor`` when they have at least
``min_visits_own_interval`` visits. Patients away longer than
``profile.activity.dormant_months`` are not flagged overdue: they belong on the
reactivation list instead.

:func:`churn_warnings` turns the flags into the service team's daily list (002): one row
per flagged patient with the reasons spelled out and a suggested script, ordered by value
at risk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clinicvalue.analyses.retention.revisit import (
    _DAY,
    returned_within,
    returns_from_dates,
)
from clinicvalue.data import ClinicData
from clinicvalue.errors import InputError, check_option
from clinicvalue.idsets import index_positions, values_for
from clinicvalue.profile import ChurnSection, ClinicProfile
from clinicvalue.summarize._labels import string_labels
from clinicvalue.summarize.features import align_features, patient_features
from clinicvalue.summarize.summary import MONTH_DAYS
from clinicvalue.text.catalogue import LOCALES, table, triples

__all__ = [
    "FLAGS",
    "ChurnWarnings",
    "churn_flags",
    "churn_warnings",
    "next_recall_due",
    "score_columns",
]

FLAGS = ("overdue", "low_satisfaction", "complaint", "spend_decline")


def _ids(index: pd.Index) -> pd.Index:
    return pd.Index(index.astype("string"), name="patient_id")


def _point(
    basis: np.ndarray, labels: list[str], hit: np.ndarray, codes: np.ndarray, names: list[str]
) -> None:
    """Set ``basis`` to the label of ``names[code]`` where ``hit``, adding each label once."""
    basis[hit] = len(labels) + codes[hit]
    labels.extend(names)


def churn_flags(
    data: ClinicData, as_of: pd.Timestamp | str, profile: ClinicProfile
) -> pd.DataFrame:
    """Return the four warning flags and the overdue details per patient.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient_id``: boolean ``overdue, low_satisfaction, complaint,
        spend_decline``; ``days_since_last``, ``normal_interval`` (days, NaN when unknown),
        ``interval_basis`` (``condition:<name>``, ``treatment:<category>``, ``own`` or NA),
        ``last_visit``, ``last_satisfaction``, ``last_complaint`` (date of the latest
        complaint in the window, NaT when none), ``spend_recent``, ``spend_before``.
    """
    as_of = pd.Timestamp(as_of)
    return _flags(patient_features(data.visits, as_of, profile), data, as_of, profile)


def _flags(
    features: pd.DataFrame, data: ClinicData, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.DataFrame:
    """Build :func:`churn_flags` from :func:`patient_features` output."""
    rules = profile.churn
    ids = features.index
    n_pat = len(ids)
    out = pd.DataFrame(index=ids)
    last = features["last_visit"].to_numpy(dtype="datetime64[ns]")
    out["last_visit"] = last
    days_since = ((np.datetime64(as_of.normalize()) - last) // _DAY).astype("float64")
    out["days_since_last"] = days_since

    # normal interval: condition → last treatment category → own median × factor
    interval = np.full(n_pat, np.nan)
    basis = np.full(n_pat, -1, dtype=np.int64)  # position in ``labels``; -1: no basis
    labels: list[str] = ["own"]
    visits = features["visits"].to_numpy(dtype=np.int64)
    ok = (visits >= 2) & (visits >= rules.min_visits_own_interval)
    interval[ok] = features["median_gap_days"].to_numpy(dtype="float64")[ok]
    interval[ok] *= rules.own_interval_factor
    basis[ok] = 0
    codes, cats = pd.factorize(features["last_category"])
    cats = [str(c) for c in cats]
    per_code = np.array([rules.treatment_intervals.get(c, np.nan) for c in cats] + [np.nan])
    days = per_code[codes]
    ok = ~np.isnan(days)
    interval[ok] = days[ok]
    _point(basis, labels, ok, codes, ["treatment:" + c for c in cats])
    patients = data.patients
    if patients is not None and "condition" in patients.columns and len(patients):
        codes, uniques = pd.factorize(patients["condition"])
        held = patients["patient_id"].astype("string")
        if not ids.equals(pd.Index(held)):  # align the patients table with the visit patients
            pos = index_positions(held, ids)
            on = pos >= 0
            codes, by_row = np.full(n_pat, -1, dtype=codes.dtype), codes
            codes[pos[on]] = by_row[on]
        keys = pd.Series(pd.array(uniques, dtype="string")).str.strip().str.lower()
        keys = keys.to_numpy(dtype=object, na_value=None)
        maxima = {k.lower(): float(max(val)) for k, val in rules.condition_intervals.items()}
        days = np.array([maxima.get(k, np.nan) for k in keys] + [np.nan])[codes]
        ok = ~np.isnan(days)
        interval[ok] = days[ok]
        _point(basis, labels, ok, codes, ["condition:" + str(k) for k in keys])
    out["normal_interval"] = interval
    out["interval_basis"] = string_labels(basis, labels)
    dormant = days_since > profile.activity.dormant_months * MONTH_DAYS
    out["overdue"] = (days_since > interval) & ~dormant

    sat = features["last_satisfaction"].to_numpy(dtype="float64")
    out["last_satisfaction"] = sat
    out["low_satisfaction"] = sat < rules.satisfaction_below

    when = features["last_complaint"].to_numpy(dtype="datetime64[ns]")
    out["complaint"] = ~np.isnat(when)
    out["last_complaint"] = when

    spend_recent = features["spend_recent"].to_numpy(dtype="float64")
    spend_before = features["spend_before"].to_numpy(dtype="float64")
    out["spend_recent"] = spend_recent
    out["spend_before"] = spend_before
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        drop = 1.0 - spend_recent / np.where(spend_before > 0, spend_before, np.nan)
    out["spend_decline"] = drop > rules.spend_decline_threshold
    return out


def next_recall_due(
    visits: pd.DataFrame, as_of: pd.Timestamp | str, profile: ClinicProfile
) -> pd.Series:
    """Return each patient's earliest recall due date not yet met by a later visit.

    Due dates are a category's visit date plus each offset in ``profile.care.recalls``;
    a due date on or before the patient's last visit counts as met. Dates before
    ``as_of`` are overdue recalls. NaT when none.
    """
    return patient_features(visits, as_of, profile)["next_recall_due"]


def _joined_flags(flags: pd.DataFrame) -> pd.Series:
    """Join the set flags per row as ``overdue;low_satisfaction;complaint;spend_decline``."""
    bits = np.zeros(len(flags), dtype="int64")
    for k, name in enumerate(FLAGS):
        bits |= flags[name].fillna(False).to_numpy(dtype=bool).astype("int64") << k
    texts = [";".join(name for k, name in enumerate(FLAGS) if b >> k & 1) for b in range(16)]
    return pd.Series(string_labels(bits, texts), index=flags.index)


def _check_clv(clv: pd.DataFrame | None) -> None:
    if clv is None:
        return
    missing = [c for c in ("p_alive", "clv") if c not in clv.columns]
    if missing:
        raise InputError(
            f"the clv frame lacks column(s) {', '.join(missing)}: pass the lifetime-value "
            "scores indexed by patient_id with columns 'p_alive' and 'clv'"
        )


def score_columns(
    data: ClinicData,
    summary: pd.DataFrame,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    clv: pd.DataFrame | None = None,
    features: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the churn columns of the per-patient scores table.

    Parameters
    ----------
    data
        The clinic's canonical tables.
    summary
        Output of :func:`clinicvalue.summarize.summary.summarize`; its index is the output's.
    as_of
        The observation end.
    profile
        The clinic profile.
    clv
        Optional lifetime-value scores (``p_alive``, ``clv``), checked as in
        :func:`churn_warnings`; the flags do not depend on them. A patient has non-empty
        ``churn_flags`` exactly when they are on the warning list, with the same flags.
    features
        :func:`clinicvalue.summarize.features.patient_features` for the same ``as_of``, when
        already computed (e.g. by DuckDB straight from Parquet).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient_id``: ``churn_flags`` (keys joined by ``";"`` in the order
        ``overdue;low_satisfaction;complaint;spend_decline``, empty when none),
        ``next_recall_due`` (NaT when none), ``returned_within_90d`` (nullable boolean,
        NA when the first visit is fewer than 90 days before ``as_of``).
    """
    _check_clv(clv)
    index = _ids(summary.index)
    as_of = pd.Timestamp(as_of)
    if features is None:
        features = patient_features(data.visits, as_of, profile)
    feats = align_features(features, index, as_of)
    out = pd.DataFrame(index=index)
    out["churn_flags"] = _joined_flags(_flags(feats, data, as_of, profile)).to_numpy()
    out["next_recall_due"] = feats["next_recall_due"].to_numpy()
    returns = returns_from_dates(feats["first_visit"], feats["second_visit"], as_of)
    out["returned_within_90d"] = returned_within(returns, 90).array
    return out


# --- the warning list (002) -------------------------------------------------------------

_LOC = {loc: i for i, loc in enumerate(LOCALES)}
_JOIN = tuple(table("churn", loc)["join"] for loc in LOCALES)

_OVERDUE = triples("churn.overdue")
_REASON = triples("churn.reason")
# condition or treatment-category key → label; unknown keys show as written
_LABELS = triples("churn.label")
# suggested script for the most pressing flag (service recovery first)
_PRIMARY_ORDER = ("complaint", "low_satisfaction", "overdue", "spend_decline")
_SCRIPT = triples("churn.script")


def _render(template: str, index: pd.Index, **fields: pd.Series) -> pd.Series:
    """Fill ``{name}`` placeholders from aligned Series, vectorised."""
    out = pd.Series("", index=index, dtype="string")
    for i, part in enumerate(re.split(r"\{(\w+)\}", template)):
        out = out + (fields[part].astype("string") if i % 2 else part)
    return out


def _number(values: pd.Series, decimals: int = 0) -> pd.Series:
    text = values.astype("float64").round(decimals).astype("string")
    return text.str.removesuffix(".0")


@dataclass(frozen=True)
class ChurnWarnings:
    """The service team's churn warning list and its totals."""

    table: pd.DataFrame  # per flagged patient, ordered by value at risk (highest first)
    counts_by_flag: dict[str, int]  # flag key → patients with that flag
    value_at_risk_total: float  # sum of value_at_risk over the list
    basis: str  # "clv" (the patient's predicted lifetime value) or "monetary" (total spend)

    def to_metrics(self) -> dict[str, object]:
        """Return JSON-ready figures."""
        return {
            "n_patients": len(self.table),
            "counts_by_flag": {k: int(v) for k, v in self.counts_by_flag.items()},
            "value_at_risk_total": float(self.value_at_risk_total),
            "basis": self.basis,
        }


def churn_warnings(
    data: ClinicData,
    summary: pd.DataFrame,
    as_of: pd.Timestamp | str,
    profile: ClinicProfile,
    *,
    clv: pd.DataFrame | None = None,
    locale: str = "en",
    features: pd.DataFrame | None = None,
) -> ChurnWarnings:
    """Return the churn warning list: flagged patients, why, what to say, value at risk.

    Parameters
    ----------
    data
        The clinic's canonical tables.
    summary
        Output of :func:`clinicvalue.summarize.summary.summarize` (``total_spend``).
    as_of
        The day the list is made.
    profile
        The clinic profile (``churn`` section).
    clv
        Optional lifetime-value scores indexed by ``patient_id`` with ``p_alive`` and
        ``clv``. With them value at risk is the patient's ``clv`` (patients the model
        does not score get NaN and go last); without them it is the monetary value, the
        summary's ``total_spend`` (all spend in the summary's observation window).
    locale
        ``"en"``, ``"zh-Hant"`` or ``"zh-Hans"`` for ``reason`` and ``script``.
    features
        :func:`clinicvalue.summarize.features.patient_features` for the same ``as_of``, when
        already computed (computed from ``data.visits`` otherwise).

    Returns
    -------
    ChurnWarnings
        ``table`` indexed by ``patient_id``: the four flags, ``churn_flags`` (joined keys),
        ``primary_flag`` (complaint > low_satisfaction > overdue > spend_decline),
        ``reason`` (all reasons joined) and ``reason_<flag>`` (NA when not set),
        ``script``, ``days_since_last``, ``normal_interval``, ``interval_basis``,
        ``last_visit``, ``monetary``, ``p_alive`` and ``clv`` (only with ``clv``),
        ``value_at_risk``; ordered by value at risk, then days since last visit.
    """
    check_option("locale", locale, LOCALES)
    _check_clv(clv)
    as_of = pd.Timestamp(as_of)
    if features is None:
        features = patient_features(data.visits, as_of, profile)
    return _warnings(_flags(features, data, as_of, profile), summary, profile, clv, locale)


def _warnings(
    flags: pd.DataFrame,
    summary: pd.DataFrame,
    profile: ClinicProfile,
    clv: pd.DataFrame | None,
    locale: str,
) -> ChurnWarnings:
    """Build the warning list from :func:`churn_flags` (options already checked)."""
    i = _LOC[locale]
    rules = profile.churn
    f = flags.loc[flags[list(FLAGS)].any(axis=1)]
    idx = f.index
    table = f[list(FLAGS)].copy()
    table["churn_flags"] = _joined_flags(f)
    primary = np.select([f[k] for k in _PRIMARY_ORDER[:-1]], list(_PRIMARY_ORDER[:-1]), "")
    primary = pd.Series(primary, index=idx, dtype="string").replace("", _PRIMARY_ORDER[-1])
    table["primary_flag"] = primary

    reasons = _reasons(f, i, rules)  # each flag's sentence, for the patients who have it
    joined = pd.Series(pd.NA, index=idx, dtype="string")
    for name in FLAGS:
        text = reasons[name]
        table["reason_" + name] = text
        joined = (joined + _JOIN[i] + text).fillna(joined).fillna(text)
    table["reason"] = joined
    table["script"] = primary.map({k: v[i] for k, v in _SCRIPT.items()}).astype("string")
    for col in ("days_since_last", "normal_interval", "interval_basis", "last_visit"):
        table[col] = f[col]
    table["monetary"] = values_for(summary["total_spend"], idx, "float64")
    if clv is not None:
        scores = clv.set_index(clv.index.astype("string"))
        table["p_alive"] = values_for(scores["p_alive"], idx, "float64")
        table["clv"] = values_for(scores["clv"], idx, "float64")
        table["value_at_risk"] = table["clv"]  # what the clinic stands to lose: their CLV
        value_basis = "clv"
    else:
        table["value_at_risk"] = table["monetary"]
        value_basis = "monetary"
    table = table.sort_values(
        ["value_at_risk", "days_since_last"], ascending=False, na_position="last", kind="stable"
    )
    return ChurnWarnings(
        table=table,
        counts_by_flag={k: int(f[k].sum()) for k in FLAGS},
        value_at_risk_total=float(table["value_at_risk"].sum()),
        basis=value_basis,
    )


def _reasons(f: pd.DataFrame, i: int, rules: ChurnSection) -> dict[str, pd.Series]:
    """Return each flag's reason sentence, aligned with ``f`` (NA where the flag is unset).

    Each sentence is written only for the patients with the flag.
    """
    has = {name: f[name].astype(bool).to_numpy() for name in FLAGS}
    sub = {name: f[has[name]] for name in FLAGS}
    # overdue: the basis says which sentence; the label is the condition or category
    # few distinct bases: split and label each once, then spread by code
    o = sub["overdue"]
    codes, uniques = pd.factorize(o["interval_basis"].astype("string").fillna("own"))
    parts = [str(u).split(":", 1) for u in uniques]
    kinds = np.array([p[0] for p in parts], dtype=object)[codes]
    keys = [p[1] if len(p) > 1 else "" for p in parts]
    labels = np.array(
        [_LABELS[k][i] if k in _LABELS else k.replace("_", " ") for k in keys], dtype=object
    )
    label = pd.Series(pd.array(labels[codes], dtype="string"), index=o.index)
    days, n = _number(o["days_since_last"]), _number(o["normal_interval"])
    overdue = pd.Series(pd.NA, index=o.index, dtype="string")
    for name, templates in _OVERDUE.items():
        here = kinds == name
        if here.any():
            text = _render(
                templates[i], o.index[here], days=days[here], n=n[here], label=label[here]
            )
            overdue[here] = text.to_numpy()
    low, complaint, spend = sub["low_satisfaction"], sub["complaint"], sub["spend_decline"]
    limit = _number(pd.Series([rules.satisfaction_below]))[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        before = spend["spend_before"].where(spend["spend_before"] > 0)
        drop = 100.0 * (1.0 - spend["spend_recent"] / before)
    texts = {
        "overdue": overdue,
        "low_satisfaction": _render(
            _REASON["low_satisfaction"][i], low.index,
            score=_number(low["last_satisfaction"], 1),
            limit=pd.Series(limit, index=low.index),
        ),
        "complaint": _render(
            _REASON["complaint"][i], complaint.index,
            date=complaint["last_complaint"].dt.strftime("%Y-%m-%d"),
        ),
        "spend_decline": _render(
            _REASON["spend_decline"][i], spend.index,
            pct=_number(drop), m=pd.Series(str(rules.spend_window_months), index=spend.index),
        ),
    }  # fmt: skip
    out = {}
    for name in FLAGS:
        full = pd.Series(pd.NA, index=f.index, dtype="string")
        full[has[name]] = texts[name].to_numpy()
        out[name] = full
    return out

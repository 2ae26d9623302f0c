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

from clinicvalue.data import ClinicData
from clinicvalue.errors import InputError, check_option
from clinicvalue.i18n import LOCALES
from clinicvalue.profile import ClinicProfile
from clinicvalue.revisit import (
    _DAY,
    _by_patient,
    _ByPatient,
    _positions,
    _returns,
    returned_within,
)

__all__ = [
    "FLAGS",
    "ChurnWarnings",
    "churn_flags",
    "churn_warnings",
    "next_recall_due",
    "score_columns",
]

FLAGS = ("overdue", "low_satisfaction", "complaint", "spend_decline")
_MONTH_DAYS = 30.4375


def _category(treatment: pd.Series, profile: ClinicProfile) -> pd.Series:
    try:
        from clinicvalue.treatments import treatment_category
    except ImportError:  # the segmentation engineer's module; fall back to keyword matching
        text = treatment.astype("string").str.lower().fillna("")
        out = pd.Series(pd.NA, index=treatment.index, dtype="string")
        for keyword, category in profile.treatment.categories.items():
            hit = out.isna() & text.str.contains(keyword.lower(), regex=False)
            out[hit] = category
        return out
    return treatment_category(treatment, profile).astype("string")


def _ids(index: pd.Index) -> pd.Index:
    return pd.Index(index.astype("string"), name="patient_id")


def _categories(values: pd.Series, profile: ClinicProfile) -> tuple[np.ndarray, np.ndarray]:
    """Return (code per value, category per code) matching each distinct text once.

    Codes are -1 for missing text; categories are ``None`` where no keyword matches.
    """
    codes, uniques = pd.factorize(values)  # on the Series: pandas' fast Arrow path
    cats = _category(pd.Series(pd.array(uniques, dtype="string")), profile)
    return codes, cats.to_numpy(dtype=object, na_value=None)


def _prefixed(prefix: str, keys: np.ndarray, hit: np.ndarray, out: np.ndarray) -> None:
    """Write ``prefix + key`` into ``out`` where ``hit``, building each string once."""
    codes, uniques = pd.factorize(keys[hit])
    labels = np.array([prefix + str(u) for u in uniques] + [None], dtype=object)
    out[hit] = labels[codes]


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
    return _flags(_by_patient(data.visits, as_of), data, as_of, profile)


def _last_where(bp: _ByPatient, hit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (patients, their last sorted row) among the sorted rows where ``hit``."""
    rows = np.flatnonzero(hit)
    who = bp.code[rows]
    end = np.ones(len(rows), dtype=bool)
    end[:-1] = who[1:] != who[:-1]
    return who[end], rows[end]


def _flags(
    bp: _ByPatient, data: ClinicData, as_of: pd.Timestamp, profile: ClinicProfile
) -> pd.DataFrame:
    rules = profile.churn
    visits = data.visits
    n_pat = len(bp.ids)
    today = np.datetime64(as_of)
    out = pd.DataFrame(index=bp.ids)
    last = bp.date[bp.last]
    out["last_visit"] = last
    days_since = ((today - last) // _DAY).astype("float64")
    out["days_since_last"] = days_since

    # normal interval: condition → last treatment category → own median × factor
    interval = np.full(n_pat, np.nan)
    basis = np.full(n_pat, None, dtype=object)
    same = np.zeros(len(bp.code), dtype=bool)
    same[1:] = bp.code[1:] == bp.code[:-1]
    gaps = ((bp.date[1:] - bp.date[:-1]) // _DAY)[same[1:]].astype("int64")
    # one integer sort key (patient, gap): ascending gaps within each patient
    spread = int(gaps.max()) + 1 if len(gaps) else 1
    gaps = (np.sort(bp.code[same] * spread + gaps) % spread).astype("float64")
    m = bp.count - 1  # gaps per patient, stored from bp.start - patient position
    base = bp.start - np.arange(n_pat)
    ok = (m >= 1) & (bp.count >= rules.min_visits_own_interval)
    lo, hi = (base + (m - 1) // 2)[ok], (base + m // 2)[ok]
    interval[ok] = (gaps[lo] + gaps[hi]) / 2.0 * rules.own_interval_factor
    basis[ok] = "own"
    if "treatment" in visits.columns:
        codes, cats = _categories(visits["treatment"].take(bp.rows[bp.last]), profile)
        cats = np.append(cats, None)
        per_code = np.array(
            [np.nan if c is None else rules.treatment_intervals.get(c, np.nan) for c in cats],
            dtype="float64",
        )
        days = per_code[codes]
        ok = ~np.isnan(days)
        interval[ok] = days[ok]
        _prefixed("treatment:", cats[codes], ok, basis)
    patients = data.patients
    if patients is not None and "condition" in patients.columns and len(patients):
        codes, uniques = pd.factorize(patients["condition"])
        pos = _positions(bp.ids, patients["patient_id"])
        if pos is not None:  # align the patients table with the visit patients
            on = pos >= 0
            codes, by_row = np.full(n_pat, -1, dtype=codes.dtype), codes
            codes[pos[on]] = by_row[on]
        keys = pd.Series(pd.array(uniques, dtype="string")).str.strip().str.lower()
        keys = np.append(keys.to_numpy(dtype=object, na_value=None), None)
        maxima = {k.lower(): float(max(val)) for k, val in rules.condition_intervals.items()}
        days = np.array([maxima.get(k, np.nan) for k in keys], dtype="float64")[codes]
        ok = ~np.isnan(days)
        interval[ok] = days[ok]
        _prefixed("condition:", keys[codes], ok, basis)
    out["normal_interval"] = interval
    out["interval_basis"] = pd.array(basis, dtype="string")
    dormant = days_since > profile.activity.dormant_months * _MONTH_DAYS
    out["overdue"] = (days_since > interval) & ~dormant

    sat = np.full(n_pat, np.nan)
    if "satisfaction" in visits.columns:
        score = visits["satisfaction"].to_numpy(dtype="float64", na_value=np.nan)[bp.rows]
        who, rows = _last_where(bp, ~np.isnan(score))
        sat[who] = score[rows]
    out["last_satisfaction"] = sat
    out["low_satisfaction"] = sat < rules.satisfaction_below

    when = np.full(n_pat, np.datetime64("NaT"), dtype="datetime64[ns]")
    if "complaint" in visits.columns:
        recent = np.flatnonzero(
            bp.date > np.datetime64(as_of - pd.Timedelta(days=rules.complaint_days))
        )
        # only the window's rows: strip each distinct complaint text once
        codes, uniques = pd.factorize(visits["complaint"].take(bp.rows[recent]))
        text = pd.Series(pd.array(uniques, dtype="string")).str.strip()
        said = np.append(text.fillna("").ne("").to_numpy(dtype=bool), False)[codes]
        hit = np.zeros(len(bp.code), dtype=bool)
        hit[recent[said]] = True
        who, rows = _last_where(bp, hit)
        when[who] = bp.date[rows]
        out["complaint"] = np.isin(np.arange(n_pat), who)
    else:
        out["complaint"] = False
    out["last_complaint"] = when

    cut = as_of - pd.DateOffset(months=rules.spend_window_months)
    start = cut - pd.DateOffset(months=rules.spend_window_months)
    amount = np.nan_to_num(visits["amount"].to_numpy(dtype="float64", na_value=np.nan)[bp.rows])
    recent = bp.date > np.datetime64(cut)
    before = (bp.date > np.datetime64(start)) & ~recent
    spend_recent = np.bincount(bp.code, weights=np.where(recent, amount, 0.0), minlength=n_pat)
    spend_before = np.bincount(bp.code, weights=np.where(before, amount, 0.0), minlength=n_pat)
    out["spend_recent"] = spend_recent
    out["spend_before"] = spend_before
    with np.errstate(invalid="ignore", divide="ignore"):
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
    return _recall_due(_by_patient(visits, pd.Timestamp(as_of)), visits, profile)


def _recall_due(bp: _ByPatient, visits: pd.DataFrame, profile: ClinicProfile) -> pd.Series:
    due = np.full(len(bp.ids), np.iinfo("int64").max, dtype="int64")
    if "treatment" in visits.columns and len(bp.code):
        codes, cats = _categories(visits["treatment"], profile)
        codes = codes[bp.rows]
        cats = np.append(cats, None)
        dates = bp.date.astype("datetime64[ns]").view("int64")
        last = dates[bp.last]
        offsets = {o for c in cats if c in profile.care.recalls for o in profile.care.recalls[c]}
        for offset in sorted(offsets):  # one pass per distinct offset, not per patient
            has = np.array([offset in profile.care.recalls.get(c, ()) for c in cats])[codes]
            rows = np.flatnonzero(has)
            when = dates[rows] + int(offset) * 86_400 * 10**9
            later = when > last[bp.code[rows]]
            # dates ascend within a patient, so the first later due date is the earliest
            who, first = np.unique(bp.code[rows[later]], return_index=True)
            due[who] = np.minimum(due[who], when[later][first])
    out = np.where(due == np.iinfo("int64").max, np.iinfo("int64").min, due)
    return pd.Series(out.view("datetime64[ns]"), index=bp.ids, name="next_recall_due")


def _joined_flags(flags: pd.DataFrame) -> pd.Series:
    """Join the set flags per row as ``overdue;low_satisfaction;complaint;spend_decline``."""
    bits = np.zeros(len(flags), dtype="int64")
    for k, name in enumerate(FLAGS):
        bits |= flags[name].fillna(False).to_numpy(dtype=bool).astype("int64") << k
    texts = np.array(
        [";".join(name for k, name in enumerate(FLAGS) if b >> k & 1) for b in range(16)],
        dtype=object,
    )
    return pd.Series(pd.array(texts[bits], dtype="string"), index=flags.index)


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
) -> pd.DataFrame:
    """Return the churn columns of the per-patient scores table.

    Parameters
    ----------
    data
        The clinic's canonical tables.
    summary
        Output of :func:`clinicvalue.summary.summarize`; its index is the output's.
    as_of
        The observation end.
    profile
        The clinic profile.
    clv
        Optional lifetime-value scores (``p_alive``, ``clv``), checked as in
        :func:`churn_warnings`; the flags do not depend on them. A patient has non-empty
        ``churn_flags`` exactly when they are on the warning list, with the same flags.

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
    bp = _by_patient(data.visits, as_of)  # factorised and sorted once for all three
    same = _positions(bp.ids, index) is None  # the usual case: skip the string reindex

    def aligned(frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
        return frame.set_axis(index) if same else frame.reindex(index)

    out = pd.DataFrame(index=index)
    out["churn_flags"] = _joined_flags(aligned(_flags(bp, data, as_of, profile)))
    out["next_recall_due"] = aligned(_recall_due(bp, data.visits, profile)).to_numpy()
    returns = _returns(bp, as_of)
    out["returned_within_90d"] = aligned(returned_within(returns, 90)).array
    return out


# --- the warning list (002) -------------------------------------------------------------

_LOC = {"en": 0, "zh-Hant": 1, "zh-Hans": 2}
_JOIN = ("; ", "；", "；")

_OVERDUE = {
    "condition": (
        "overdue: {days} days since last visit; {label} patients normally return within {n} days",
        "逾期未回診：距上次就診 {days} 天；{label}患者通常 {n} 天內回診",
        "逾期未回诊：距上次就诊 {days} 天；{label}患者通常 {n} 天内回诊",
    ),
    "treatment": (
        "overdue: {days} days since last visit; after {label}, patients normally return "
        "within {n} days",
        "逾期未回診：距上次就診 {days} 天；{label}後通常 {n} 天內回診",
        "逾期未回诊：距上次就诊 {days} 天；{label}后通常 {n} 天内回诊",
    ),
    "own": (
        "overdue: {days} days since last visit; this patient usually returns within {n} days",
        "逾期未回診：距上次就診 {days} 天；此病患通常 {n} 天內回診",
        "逾期未回诊：距上次就诊 {days} 天；该患者通常 {n} 天内回诊",
    ),
}
_REASON = {
    "low_satisfaction": (
        "last satisfaction score {score} (below {limit})",
        "最近一次滿意度 {score} 分（低於 {limit} 分）",
        "最近一次满意度 {score} 分（低于 {limit} 分）",
    ),
    "complaint": ("complaint on {date}", "{date} 有客訴", "{date} 有客诉"),
    "spend_decline": (
        "spend down {pct}% (last {m} months vs the {m} before)",
        "消費下降 {pct}%（近 {m} 個月對比前 {m} 個月）",
        "消费下降 {pct}%（近 {m} 个月对比前 {m} 个月）",
    ),
}
# condition or treatment-category key → label; unknown keys show as written
_LABELS = {
    "hypertension": ("hypertension", "高血壓", "高血压"),
    "diabetes": ("diabetes", "糖尿病", "糖尿病"),
    "hyperlipidemia": ("hyperlipidemia", "高血脂", "高血脂"),
    "cleaning": ("a cleaning", "洗牙", "洁牙"),
    "implant": ("an implant", "植牙", "种植牙"),
    "orthodontics": ("an orthodontic visit", "矯正回診", "正畸复诊"),
    "crown": ("a crown", "牙冠", "牙冠"),
    "root_canal": ("a root canal", "根管治療", "根管治疗"),
    "filling": ("a filling", "補牙", "补牙"),
    "extraction": ("an extraction", "拔牙", "拔牙"),
    "whitening": ("whitening", "美白", "美白"),
    "checkup": ("a check-up", "檢查", "检查"),
    "consult": ("a consultation", "諮詢", "咨询"),
}
# suggested script for the most pressing flag (service recovery first)
_PRIMARY_ORDER = ("complaint", "low_satisfaction", "overdue", "spend_decline")
_SCRIPT = {
    "complaint": (
        "Apologise for the experience, ask what went wrong and how we can put it right; "
        "tell the manager.",
        "為這次的不愉快致歉，詢問問題所在與如何補救，並轉告主管。",
        "为这次的不愉快致歉，询问问题所在与如何补救，并转告主管。",
    ),
    "low_satisfaction": (
        "Thank them for their feedback, ask what could have been better and offer a time "
        "with their preferred doctor.",
        "感謝回饋，詢問哪裡可以做得更好，並提供偏好醫師的可約時段。",
        "感谢反馈，询问哪里可以做得更好，并提供偏好医师的可约时段。",
    ),
    "overdue": (
        "Personal call: \u201cWe noticed you haven't been back \u2014 is anything wrong?\u201d "
        "Offer two time slots.",
        "專人致電：「我們注意到您好久沒回來了，是不是有什麼問題？」並提供兩個可預約時段。",
        "专人致电：\u201c我们注意到您好久没回来了，是不是有什么问题？\u201d并提供两个可预约时段。",
    ),
    "spend_decline": (
        "Personal call: \u201cWe haven't seen you as often lately \u2014 is anything wrong?\u201d "
        "Ask about their current needs.",
        "專人致電：「最近比較少見到您，是不是有什麼問題？」了解目前的需求。",
        "专人致电：\u201c最近比较少见到您，是不是有什么问题？\u201d了解目前的需求。",
    ),
}


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
    basis: str  # "clv" (CLV × (1 − P(alive))) or "monetary" (total spend)

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
) -> ChurnWarnings:
    """Return the churn warning list: flagged patients, why, what to say, value at risk.

    Parameters
    ----------
    data
        The clinic's canonical tables.
    summary
        Output of :func:`clinicvalue.summary.summarize` (``total_spend``).
    as_of
        The day the list is made.
    profile
        The clinic profile (``churn`` section).
    clv
        Optional lifetime-value scores indexed by ``patient_id`` with ``p_alive`` and
        ``clv``. With them value at risk is ``clv × (1 − p_alive)`` (patients the model
        does not score get NaN and go last); without them it is the monetary value, the
        summary's ``total_spend`` (all spend in the summary's observation window).
    locale
        ``"en"``, ``"zh-Hant"`` or ``"zh-Hans"`` for ``reason`` and ``script``.

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
    return _warnings(churn_flags(data, as_of, profile), summary, profile, clv, locale)


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

    # overdue: the basis says which sentence; the label is the condition or category
    # few distinct bases: split and label each once, then spread by code
    codes, uniques = pd.factorize(f["interval_basis"].astype("string").fillna("own"))
    parts = [str(u).split(":", 1) for u in uniques]
    kinds = np.array([p[0] for p in parts], dtype=object)
    keys = [p[1] if len(p) > 1 else "" for p in parts]
    labels = np.array(
        [_LABELS[k][i] if k in _LABELS else k.replace("_", " ") for k in keys], dtype=object
    )
    kind = pd.Series(kinds[codes], index=idx)
    label = pd.Series(pd.array(labels[codes], dtype="string"), index=idx)
    days, n = _number(f["days_since_last"]), _number(f["normal_interval"])
    overdue = pd.Series(pd.NA, index=idx, dtype="string")
    for name, templates in _OVERDUE.items():
        text = _render(templates[i], idx, days=days, n=n, label=label)
        overdue = overdue.mask(kind.eq(name), text)
    reasons = {"overdue": overdue}
    reasons["low_satisfaction"] = _render(
        _REASON["low_satisfaction"][i],
        idx,
        score=_number(f["last_satisfaction"], 1),
        limit=pd.Series(_number(pd.Series([rules.satisfaction_below]))[0], index=idx),
    )
    reasons["complaint"] = _render(
        _REASON["complaint"][i], idx, date=f["last_complaint"].dt.strftime("%Y-%m-%d")
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        drop = 100.0 * (1.0 - f["spend_recent"] / f["spend_before"].where(f["spend_before"] > 0))
    reasons["spend_decline"] = _render(
        _REASON["spend_decline"][i],
        idx,
        pct=_number(drop),
        m=pd.Series(str(rules.spend_window_months), index=idx),
    )
    joined = pd.Series(pd.NA, index=idx, dtype="string")
    for name in FLAGS:
        text = reasons[name].where(f[name].astype(bool), pd.NA)
        table["reason_" + name] = text
        joined = (joined + _JOIN[i] + text).fillna(joined).fillna(text)
    table["reason"] = joined
    table["script"] = primary.map({k: v[i] for k, v in _SCRIPT.items()}).astype("string")
    for col in ("days_since_last", "normal_interval", "interval_basis", "last_visit"):
        table[col] = f[col]
    table["monetary"] = summary["total_spend"].reindex(idx).astype("float64").to_numpy()
    if clv is not None:
        scores = clv.set_index(clv.index.astype("string")).reindex(idx)
        table["p_alive"] = scores["p_alive"].astype("float64").to_numpy()
        table["clv"] = scores["clv"].astype("float64").to_numpy()
        table["value_at_risk"] = table["clv"] * (1.0 - table["p_alive"])
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

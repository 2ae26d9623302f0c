"""Vectorised cell parsers: dates, months, amounts, identifiers, yes/no flags, categories.

Each parser takes a column of strings (already stripped and NFKC-normalised, so full-width
digits and currency marks are plain) and returns the parsed values with a mask of the
cells it could not read. No parser loops over rows in Python.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

__all__ = [
    "clean_text",
    "parse_dates",
    "parse_months",
    "parse_amounts",
    "parse_numbers",
    "parse_bools",
    "parse_categories",
    "DATE_EXPECTED",
    "MONTH_EXPECTED",
    "AMOUNT_EXPECTED",
    "VISIT_STATUSES",
    "PLAN_STATUSES",
    "PURPOSES",
    "SEXES",
]

DATE_EXPECTED = (
    "expected a date such as 2024-05-01, 2024/5/1, 20240501, 2024年5月1日, an Excel date "
    "serial such as 45413, or an ROC date such as 113/05/01"
)
MONTH_EXPECTED = "expected a month such as 2024-05, 2024/5, 202405, 2024年5月 or 113/05"
AMOUNT_EXPECTED = "expected a number such as 1200, NT$1,200 or ¥1,200.50"

_ROC_OFFSET = 1911
_EXCEL_EPOCH = np.datetime64("1899-12-30")


def clean_text(col: pd.Series) -> pd.Series:
    """Return cells NFKC-normalised (full-width → ASCII) and stripped, as strings."""
    s = col.astype(str)
    if s.str.contains(r"[^\x00-\x7f]", regex=True).any():
        codes, uniques = pd.factorize(s)
        norm = np.array([unicodedata.normalize("NFKC", u) for u in uniques], dtype=object)
        s = pd.Series(norm[codes], index=s.index, dtype=str)
    return s.str.strip()


def _ymd_patterns() -> list[tuple[str, bool]]:
    """Return (regex with groups y, m, d; whether y is an ROC year) pairs, tried in order."""
    tail = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    return [
        (rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){tail}$", False),
        (r"^(?P<y>\d{4})年\s*(?P<m>\d{1,2})月\s*(?P<d>\d{1,2})[日号號]?$", False),
        (r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$", False),
        (
            rf"^(?:民國|民国)?\s*(?P<y>\d{{2,3}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){tail}$",
            True,
        ),
        (r"^(?:民國|民国)?\s*(?P<y>\d{2,3})年\s*(?P<m>\d{1,2})月\s*(?P<d>\d{1,2})[日号號]?$", True),
        (r"^(?P<y>\d{3})(?P<m>\d{2})(?P<d>\d{2})$", True),
    ]


_YMD = _ymd_patterns()


def parse_dates(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse calendar dates in every supported form.

    Returns
    -------
    dates, bad
        ``datetime64[ns]`` at midnight (NaT for blank cells) and a mask of non-blank cells
        that are not a valid date.
    """
    s = s.reset_index(drop=True)
    n = len(s)
    year = np.full(n, np.nan)
    month = np.full(n, np.nan)
    day = np.full(n, np.nan)
    todo = s.ne("").to_numpy().copy()
    for pattern, roc in _YMD:
        if not todo.any():
            break
        sub = s[todo]
        got = sub.str.extract(pattern)
        hit = got["y"].notna().to_numpy()
        if not hit.any():
            continue
        idx = np.flatnonzero(todo)[hit]
        y = got["y"].to_numpy()[hit].astype(float)
        year[idx] = y + _ROC_OFFSET if roc else y
        month[idx] = got["m"].to_numpy()[hit].astype(float)
        day[idx] = got["d"].to_numpy()[hit].astype(float)
        todo[idx] = False
    out = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce"
    ).astype("datetime64[ns]")
    if todo.any():  # Excel serial day numbers, e.g. 45413 = 2024-05-01
        sub = s[todo]
        serial = pd.to_numeric(sub.where(sub.str.fullmatch(r"\d{4,5}(?:\.\d+)?")), errors="coerce")
        ok = serial.between(1, 2958465).to_numpy()
        if ok.any():
            idx = np.flatnonzero(todo)[ok]
            days = np.floor(serial.to_numpy()[ok]).astype("int64")
            out.iloc[idx] = (_EXCEL_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[ns]")
    blank = s.eq("").to_numpy()
    bad = out.isna().to_numpy() & ~blank
    return out, bad


def parse_months(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse months (``2024-05``, ``2024/5``, ``202405``, ``2024年5月``, ``113/05`` or a date).

    Returns the first day of each month and a mask of unreadable non-blank cells.
    """
    s = s.reset_index(drop=True)
    patterns = [
        (r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$", False),
        (r"^(?P<y>\d{4})(?P<m>\d{2})$", False),
        (r"^(?P<y>\d{4})年\s*(?P<m>\d{1,2})月?$", False),
        (r"^(?:民國|民国)?\s*(?P<y>\d{2,3})[-/.](?P<m>\d{1,2})$", True),
        (r"^(?:民國|民国)?\s*(?P<y>\d{2,3})年\s*(?P<m>\d{1,2})月?$", True),
    ]
    n = len(s)
    year = np.full(n, np.nan)
    month = np.full(n, np.nan)
    hit_any = np.zeros(n, dtype=bool)
    for pattern, roc in patterns:
        got = s.str.extract(pattern)
        hit = got["y"].notna().to_numpy() & ~hit_any
        y = got["y"].to_numpy()[hit].astype(float)
        year[hit] = y + _ROC_OFFSET if roc else y
        month[hit] = got["m"].to_numpy()[hit].astype(float)
        hit_any |= hit
    out = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": np.where(hit_any, 1.0, np.nan)}),
        errors="coerce",
    ).astype("datetime64[ns]")
    rest = ~hit_any
    if rest.any():
        dates, _ = parse_dates(s[rest])
        out.iloc[np.flatnonzero(rest)] = dates.dt.to_period("M").dt.to_timestamp().to_numpy()
    bad = out.isna().to_numpy() & s.ne("").to_numpy()
    return out, bad


_CURRENCY = r"(?i)(?:NT\$|US\$|HK\$|NTD|TWD|RMB|CNY|USD|HKD|[$¥元圓块塊])"


def parse_amounts(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse money: ``NT$1,200``, ``¥1,200.50``, ``RMB 80``, ``1,200元``, ``(1,200)``, ``-300``.

    Returns ``float64`` (NaN for blank cells) and a mask of unreadable non-blank cells.
    """
    s = s.reset_index(drop=True)
    paren = s.str.fullmatch(r"\(.*\)").to_numpy()
    t = s.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    t = t.str.replace(_CURRENCY, "", regex=True).str.replace(r"[,\s]", "", regex=True)
    t = t.str.replace(r"^([-+])\1*", r"\1", regex=True)
    valid = t.str.fullmatch(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)").to_numpy()
    num = pd.to_numeric(t.where(valid), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    num = np.where(paren, -np.abs(num), num)
    bad = ~valid & s.ne("").to_numpy()
    return pd.Series(num, dtype="float64"), bad


def parse_numbers(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse plain numbers such as scores (``85``, ``4.5``, ``90%``)."""
    s = s.reset_index(drop=True)
    t = s.str.replace(r"%$", "", regex=True).str.replace(r"(分|points?)$", "", regex=True)
    num = pd.to_numeric(t.where(t.ne("")), errors="coerce")
    bad = num.isna().to_numpy() & s.ne("").to_numpy()
    return num.astype("float64"), bad


_TRUE = {
    "y",
    "yes",
    "true",
    "t",
    "1",
    "是",
    "有",
    "同意",
    "可",
    "可以",
    "可聯絡",
    "可联系",
    "ok",
    "v",
    "✓",
}
_FALSE = {
    "n",
    "no",
    "false",
    "f",
    "0",
    "否",
    "無",
    "无",
    "不同意",
    "不可",
    "不可以",
    "拒絕",
    "拒绝",
    "x",
}


def parse_bools(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse yes/no flags (yes/no, true/false, 1/0, Y/N, 是/否, 同意/不同意).

    Returns a nullable boolean column (NA for blank cells) and a mask of unreadable cells.
    """
    s = s.reset_index(drop=True).str.casefold()
    mapping = dict.fromkeys(_TRUE, True) | dict.fromkeys(_FALSE, False)
    out = s.map(mapping).astype("boolean")
    bad = out.isna().to_numpy() & s.ne("").to_numpy()
    return out, bad


VISIT_STATUSES: dict[str, list[str]] = {
    "completed": [
        "completed",
        "complete",
        "done",
        "attended",
        "seen",
        "完成",
        "已完成",
        "已就診",
        "已就诊",
        "就診",
        "就诊",
        "已到",
        "到診",
        "到诊",
        "已看診",
        "已看诊",
        "結帳",
        "结账",
    ],
    "consult": [
        "consult",
        "consultation",
        "諮詢",
        "咨询",
        "初診諮詢",
        "初诊咨询",
        "只諮詢",
        "仅咨询",
    ],
    "no-show": [
        "no-show",
        "noshow",
        "no show",
        "missed",
        "dna",
        "未到",
        "未到診",
        "未到诊",
        "爽約",
        "爽约",
        "失約",
        "失约",
        "缺席",
        "未報到",
        "未报到",
    ],
    "cancelled": ["cancelled", "canceled", "cancel", "取消", "已取消", "改期"],
}
PLAN_STATUSES: dict[str, list[str]] = {
    "planned": [
        "planned",
        "plan",
        "pending",
        "todo",
        "計畫",
        "计划",
        "計劃",
        "規劃",
        "规划",
        "待治療",
        "待治疗",
        "未開始",
        "未开始",
        "預計",
        "预计",
    ],
    "started": [
        "started",
        "in progress",
        "in-progress",
        "ongoing",
        "進行中",
        "进行中",
        "治療中",
        "治疗中",
        "已開始",
        "已开始",
        "部分完成",
    ],
    "done": ["done", "completed", "complete", "finished", "完成", "已完成", "結案", "结案"],
}
PURPOSES: dict[str, list[str]] = {
    "acquisition": [
        "acquisition",
        "acquire",
        "new",
        "new patients",
        "獲客",
        "获客",
        "拉新",
        "新客",
        "招新",
        "新患",
    ],
    "retention": [
        "retention",
        "retain",
        "recall",
        "reactivation",
        "維繫",
        "维系",
        "維護",
        "维护",
        "回訪",
        "回访",
        "留存",
        "喚醒",
        "唤醒",
        "舊客",
        "老客",
    ],
}
SEXES: dict[str, list[str]] = {
    "F": ["f", "female", "woman", "女", "女性", "女生"],
    "M": ["m", "male", "man", "男", "男性", "男生"],
}


def parse_categories(
    s: pd.Series, vocabulary: dict[str, list[str]], *, keep_unknown: bool = False
) -> tuple[pd.Series, np.ndarray]:
    """Map labels in any language onto canonical keys (case- and space-insensitive).

    Unknown non-blank labels are flagged bad, or kept as written with ``keep_unknown``.
    """
    s = s.reset_index(drop=True)
    key = s.str.casefold().str.replace(r"[\s_]+", " ", regex=True)
    lookup = {syn.casefold(): canon for canon, syns in vocabulary.items() for syn in [canon, *syns]}
    out = key.map(lookup)
    unknown = out.isna().to_numpy() & s.ne("").to_numpy()
    if keep_unknown:
        out = out.mask(pd.Series(unknown), s)
        unknown = np.zeros(len(s), dtype=bool)
    return out.astype("string"), unknown


def normalise_statuses(statuses: list[str]) -> set[str]:
    """Return the canonical keys of configured not-a-visit statuses (any language)."""
    out = set()
    for label in statuses:
        s = pd.Series([unicodedata.normalize("NFKC", label).strip()])
        got, _ = parse_categories(s, VISIT_STATUSES, keep_unknown=True)
        out.add(str(got.iloc[0]))
    return out

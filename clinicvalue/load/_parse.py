"""Vectorised cell parsers: dates, months, amounts, identifiers, yes/no flags, categories.

Each parser takes a column of strings (already stripped and NFKC-normalised, so full-width
digits and currency marks are plain) and returns the parsed values with a mask of the
cells it could not read. No parser loops over rows in Python.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

__all__ = [
    "clean_text",
    "parse_dates",
    "ambiguous_dates",
    "detect_decimal",
    "decimal_comma_shaped",
    "parse_months",
    "parse_amounts",
    "parse_numbers",
    "parse_bools",
    "parse_categories",
    "parse_times",
    "DATE_EXPECTED",
    "MONTH_EXPECTED",
    "AMOUNT_EXPECTED",
    "VISIT_STATUSES",
    "PLAN_STATUSES",
    "APPOINTMENT_STATUSES",
    "PURPOSES",
    "SEXES",
]

DATE_EXPECTED = (
    "expected a date between 1900 and 2199 such as 2024-05-01, 2024/5/1, 20240501, "
    "2024年5月1日, an Excel date serial such as 45413, or an ROC date such as 113/05/01"
)
DATE_AMBIGUOUS = (
    "is ambiguous (a two-digit year, or a bare year, could be read several ways); write "
    "four-digit years, or give the order with --date-format, e.g. --date-format %d/%m/%y"
)
AMOUNT_DECIMAL_COMMA = (
    'uses a decimal comma; give --decimal , (or load.decimal = "," in the profile) to '
    "read amounts such as 1.200,50 as 1200.50"
)
#: Dates outside these years are placeholders for "no date" (0001-01-01, 9999-12-31 …).
YEAR_RANGE = (1900, 2199)
MONTH_EXPECTED = "expected a month such as 2024-05, 2024/5, 202405, 2024年5月 or 113/05"
AMOUNT_EXPECTED = "expected a number such as 1200, NT$1,200 or ¥1,200.50"

_ROC_OFFSET = 1911
_EXCEL_EPOCH = np.datetime64("1899-12-30")


def _normalise(text: str) -> str:
    """NFKC (full-width → ASCII), then every decimal digit of any script to ASCII."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def clean_text(col: pd.Series) -> pd.Series:
    """Return cells normalised (full-width and non-ASCII digits → ASCII) and stripped."""
    s = col.astype(str)
    if s.str.contains(r"[^\x00-\x7f]", regex=True).any():
        codes, uniques = pd.factorize(s)
        norm = np.array([_normalise(u) for u in uniques], dtype=object)
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
            rf"^(?:民國|民国)?\s*(?P<y>\d{{3}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){tail}$",
            True,
        ),
        (
            rf"^(?:民國|民国)\s*(?P<y>\d{{2}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){tail}$",
            True,
        ),
        (r"^(?:民國|民国)?\s*(?P<y>\d{2,3})年\s*(?P<m>\d{1,2})月\s*(?P<d>\d{1,2})[日号號]?$", True),
        (r"^(?P<y>\d{3})(?P<m>\d{2})(?P<d>\d{2})$", True),
    ]


_YMD = _ymd_patterns()


_LAST_SERIAL = int((np.datetime64(f"{YEAR_RANGE[1]}-12-31") - _EXCEL_EPOCH).astype(int))
_AMBIGUOUS = (
    r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2}(?:\d{2})?(?:[ T].*)?$"  # 10/05/24, 05/06/2024
    r"|^\d{2}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T].*)?$"  # 24/05/10: yy/mm/dd or ROC 24?
    r"|^\d{4}$"  # a bare year, not an Excel serial
)


def ambiguous_dates(s: pd.Series) -> np.ndarray:
    """Return a mask of cells whose date cannot be read without knowing the field order."""
    return s.reset_index(drop=True).str.fullmatch(_AMBIGUOUS).fillna(False).to_numpy(bool)


def _from_parts(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> pd.Series:
    """Return dates from parts; years outside :data:`YEAR_RANGE` and bad days are NaT."""
    lo, hi = YEAR_RANGE
    inside = (year >= lo) & (year <= hi)
    parts = pd.DataFrame(
        {
            "year": np.where(inside, year, np.nan),
            "month": np.where(inside, month, np.nan),
            "day": np.where(inside, day, np.nan),
        }
    )
    return pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")


def parse_dates(s: pd.Series, fmt: str | None = None) -> tuple[pd.Series, np.ndarray]:
    """Parse calendar dates in every supported form, or in the one ``fmt`` names.

    Dates outside :data:`YEAR_RANGE` (placeholders such as ``0001-01-01`` or
    ``9999-12-31``) and ambiguous forms (``10/05/24``, a bare ``2024``) are not read; with
    ``fmt`` (a ``strptime`` format such as ``%d/%m/%y``) every cell is read by it alone.

    Returns
    -------
    dates, bad
        ``datetime64[ns]`` at midnight (NaT for blank cells) and a mask of non-blank cells
        that are not a valid date.
    """
    s = s.reset_index(drop=True)
    blank = s.eq("").to_numpy()
    if fmt:
        got = pd.to_datetime(s.where(~blank), format=fmt, errors="coerce")
        years = got.dt.year.to_numpy(dtype=float, na_value=np.nan)
        out = _from_parts(years, got.dt.month.to_numpy(float, na_value=np.nan),
                          got.dt.day.to_numpy(float, na_value=np.nan))  # fmt: skip
        return out, out.isna().to_numpy() & ~blank
    n = len(s)
    year = np.full(n, np.nan)
    month = np.full(n, np.nan)
    day = np.full(n, np.nan)
    todo = ~blank & ~ambiguous_dates(s)
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
    out = _from_parts(year, month, day)
    if todo.any():  # Excel serial day numbers, e.g. 45413 = 2024-05-01
        sub = s[todo]
        serial = pd.to_numeric(sub.where(sub.str.fullmatch(r"\d{5}(?:\.\d+)?")), errors="coerce")
        ok = serial.between(10000, _LAST_SERIAL).to_numpy()
        if ok.any():
            idx = np.flatnonzero(todo)[ok]
            days = np.floor(serial.to_numpy()[ok]).astype("int64")
            out.iloc[idx] = (_EXCEL_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[ns]")
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
    out = _from_parts(year, month, np.where(hit_any, 1.0, np.nan))
    rest = ~hit_any
    if rest.any():
        dates, _ = parse_dates(s[rest])
        out.iloc[np.flatnonzero(rest)] = dates.dt.to_period("M").dt.to_timestamp().to_numpy()
    bad = out.isna().to_numpy() & s.ne("").to_numpy()
    return out, bad


_CURRENCY = r"(?i)(?:NT\$|US\$|HK\$|NTD|TWD|RMB|CNY|USD|HKD|[$¥元圓块塊])"


_COMMA_DECIMAL = r"[-+]?(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d{1,2})"  # 1.200,50  1200,5
_POINT_DECIMAL = r"[-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d{1,2}|\d+\.\d{4,})"  # 1,200.5


def _bare_amounts(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Return cells without currency marks, spaces and accounting parentheses."""
    paren = s.str.fullmatch(r"\(.*\)").to_numpy()
    t = s.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    t = t.str.replace(_CURRENCY, "", regex=True).str.replace(r"\s", "", regex=True)
    return t.str.replace(r"^([-+])\1*", r"\1", regex=True), paren


def decimal_comma_shaped(s: pd.Series) -> np.ndarray:
    """Return a mask of amounts written with a decimal comma (``1.200,50``, ``1200,50``)."""
    bare, _ = _bare_amounts(s.reset_index(drop=True))
    return bare.str.fullmatch(_COMMA_DECIMAL).fillna(False).to_numpy(bool)


def detect_decimal(s: pd.Series) -> str:
    """Return ``","`` when a column's amounts are written with decimal commas, else ``"."``.

    A column is read with decimal commas only when some cell can only be a decimal comma
    (``1200,50``, ``1.200,50``) and no cell can only be a decimal point (``1,200.50``,
    ``12.5``); a column mixing both keeps the point and refuses the comma cells.
    """
    bare, _ = _bare_amounts(s.reset_index(drop=True))
    comma = bare.str.fullmatch(_COMMA_DECIMAL).fillna(False).to_numpy(bool)
    point = bare.str.fullmatch(_POINT_DECIMAL).fillna(False).to_numpy(bool)
    return "," if comma.any() and not point.any() else "."


def parse_amounts(s: pd.Series, decimal: str = ".") -> tuple[pd.Series, np.ndarray]:
    """Parse money: ``NT$1,200``, ``¥1,200.50``, ``RMB 80``, ``1,200元``, ``(1,200)``, ``-300``.

    ``decimal`` is the decimal mark (``"."``, or ``","`` for ``1.200,50``); the other
    mark is accepted only as a thousands separator in groups of three, so ``1200,50``
    is never read as 120050. Accounting parentheses are negative.

    Returns ``float64`` (NaN for blank cells) and a mask of unreadable non-blank cells.
    """
    s = s.reset_index(drop=True)
    t, paren = _bare_amounts(s)
    sep = "," if decimal == "." else "."
    grouped = rf"[-+]?\d{{1,3}}(?:\{sep}\d{{3}})+(?:\{decimal}\d*)?"
    plain = rf"[-+]?(?:\d+(?:\{decimal}\d*)?|\{decimal}\d+)"
    valid = t.str.fullmatch(f"{grouped}|{plain}").fillna(False).to_numpy(bool)
    t = t.str.replace(sep, "", regex=False)
    if decimal != ".":
        t = t.str.replace(decimal, ".", regex=False)
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


_TIME = re.compile(
    r"(?:上午|下午|am|pm)?\s*(\d{1,2})[:：時时](\d{2})(?::\d{2})?\s*(am|pm|上午|下午)?"
)


def parse_times(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse times of day (``9:30``, ``14:00``, ``2:30 pm``, ``下午2:30``) as ``HH:MM`` text.

    Returns the text column (NA for blank cells) and a mask of unreadable cells.
    """
    s = s.reset_index(drop=True)
    low = s.str.casefold().str.strip()
    m = low.str.fullmatch(_TIME.pattern)
    parts = low.str.extract(_TIME.pattern)
    hour = pd.to_numeric(parts[0], errors="coerce")
    minute = pd.to_numeric(parts[1], errors="coerce")
    pm = low.str.contains("pm|下午", regex=True, na=False)
    hour = hour.where(~(pm & hour.lt(12)), hour + 12)
    ok = m.fillna(False) & hour.between(0, 23) & minute.between(0, 59)
    out = (
        hour.fillna(0).astype("int64").astype(str).str.zfill(2)
        + ":"
        + minute.fillna(0).astype("int64").astype(str).str.zfill(2)
    ).astype("string")
    out = out.where(ok.to_numpy(), pd.NA)
    bad = ~ok.to_numpy() & low.ne("").to_numpy()
    return out, bad


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
APPOINTMENT_STATUSES: dict[str, list[str]] = {
    "booked": [
        "booked",
        "scheduled",
        "reserved",
        "pending",
        "已預約",
        "已预约",
        "預約",
        "预约",
        "待診",
        "待诊",
    ],
    "confirmed": ["confirmed", "confirm", "已確認", "已确认", "確認", "确认"],
    "cancelled": ["cancelled", "canceled", "cancel", "取消", "已取消", "改期"],
    "no-show": [
        "no-show",
        "no show",
        "noshow",
        "dna",
        "missed",
        "爽約",
        "爽约",
        "未到",
        "失約",
        "失约",
        "未報到",
        "未报到",
    ],
    "completed": [
        "completed",
        "complete",
        "done",
        "attended",
        "arrived",
        "seen",
        "已完成",
        "完成",
        "已報到",
        "已报到",
        "已到診",
        "已到诊",
        "到診",
        "到诊",
    ],
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

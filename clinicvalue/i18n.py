"""Locale-aware formatting and the report's own strings (en, zh-Hant, zh-Hans).

Money follows the clinic's currency (``NT$1,200`` for TWD, ``¥1,200`` for CNY), numbers
and percentages use Babel's rules for the locale, and every label the report prints
comes from :data:`STRINGS` in its English, Traditional and Simplified Chinese forms.
"""

from __future__ import annotations

import math

import pandas as pd
from babel.numbers import format_decimal, format_percent, get_currency_symbol

from clinicvalue.errors import check_option

__all__ = [
    "LOCALES",
    "STRINGS",
    "babel_locale",
    "t",
    "fmt_money",
    "fmt_number",
    "fmt_percent",
    "fmt_month",
    "fmt_date",
    "fmt_change",
    "html_lang",
    "css_fonts",
]

LOCALES = ("en", "zh-Hant", "zh-Hans")

_BABEL = {"en": "en_US", "zh-Hant": "zh_Hant_TW", "zh-Hans": "zh_Hans_CN"}
_SYMBOLS = {"TWD": "NT$", "CNY": "¥", "RMB": "¥", "HKD": "HK$", "USD": "US$", "MOP": "MOP$"}
_FONTS = {
    "en": '"Noto Sans", "DejaVu Sans", "Noto Sans CJK TC", sans-serif',
    "zh-Hant": '"Noto Sans CJK TC", "PingFang TC", "Microsoft JhengHei", sans-serif',
    "zh-Hans": '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif',
}

#: The report's strings: key → (en, zh-Hant, zh-Hans).
STRINGS: dict[str, tuple[str, str, str]] = {
    "report_title": ("Monthly patient value report", "每月病患價值報告", "每月患者价值报告"),
    "prepared_for": ("Prepared for", "報告對象", "报告对象"),
    "report_month": ("Report month", "報告月份", "报告月份"),
    "data_until": ("Data up to", "資料截至", "数据截至"),
    "generated": ("Generated", "產生日期", "生成日期"),
    "contents": ("Contents", "目錄", "目录"),
    "page": ("Page", "頁", "页"),
    "sec_summary": ("Executive summary", "摘要", "摘要"),
    "sec_trend": ("Twelve-month trend", "近十二個月趨勢", "近十二个月趋势"),
    "sec_segments": ("Patient segments", "病患分群", "患者分群"),
    "sec_movement": ("Movement since last month", "與上月相比的分群變化", "与上月相比的分群变化"),
    "sec_clv": ("Lifetime value", "病患終身價值", "患者终身价值"),
    "sec_retention": ("Retention and revisits", "留存與回診", "留存与复诊"),
    "sec_economics": (
        "Acquisition vs retention economics",
        "新客開發與舊客維繫的經濟效益",
        "新客获取与老客维护的经济效益",
    ),
    "sec_actions": ("Action lists", "行動清單", "行动清单"),
    "sec_quality": ("Data quality", "資料品質", "数据质量"),
    "sec_appendix": ("Appendix: definitions and methods", "附錄：定義與方法", "附录：定义与方法"),
    "findings": ("Key findings", "重點發現", "重点发现"),
    "kpi": ("Indicator", "指標", "指标"),
    "value": ("Value", "數值", "数值"),
    "mom": ("vs last month", "較上月", "较上月"),
    "yoy": ("vs last year", "較去年同期", "较去年同期"),
    "target": ("Target", "目標", "目标"),
    "formula": ("Formula", "計算方式", "计算方式"),
    "no_change": ("no earlier month", "無前期資料", "无前期数据"),
    "missing_module": (
        "Not included: this version of the kit has no {what} analysis yet.",
        "未納入：此版本尚未提供{what}分析。",
        "未纳入：此版本尚未提供{what}分析。",
    ),
    "missing_input": (
        "Not included: needs {what}, which was not supplied.",
        "未納入：需要{what}，但未提供。",
        "未纳入：需要{what}，但未提供。",
    ),
    "section_failed": (
        "Not included: this section could not be computed ({why}).",
        "未納入：本節無法計算（{why}）。",
        "未纳入：本节无法计算（{why}）。",
    ),
    "in_patients": ("a patients file", "病患資料檔", "患者资料文件"),
    "in_spend": ("a marketing-spend file", "行銷費用資料檔", "营销费用数据文件"),
    "in_plans": ("a treatment-plans file", "治療計畫資料檔", "治疗计划数据文件"),
    "in_history": ("at least two months of visits", "至少兩個月的就診紀錄", "至少两个月的就诊记录"),
    "w_segments": ("segmentation", "分群", "分群"),
    "w_clv": ("lifetime-value", "終身價值", "终身价值"),
    "w_retention": ("retention", "留存", "留存"),
    "w_economics": ("economics", "經濟效益", "经济效益"),
    "w_actions": ("action-list", "行動清單", "行动清单"),
    "segment": ("Segment", "分群", "分群"),
    "patients": ("Patients", "病患數", "患者数"),
    "share": ("Share", "占比", "占比"),
    "revenue": ("Revenue", "營收", "营收"),
    "action": ("Suggested action", "建議行動", "建议行动"),
    "list": ("List", "清單", "清单"),
    "count": ("Count", "人數", "人数"),
    "top_entries": ("Top entries", "優先名單", "优先名单"),
    "patient_key": ("Patient key", "病患代碼", "患者代码"),
    "month": ("Month", "月份", "月份"),
    "active_patients_series": ("Active patients", "活躍病患", "活跃患者"),
    "new_patients_series": ("New patients", "新病患", "新患者"),
    "revenue_new": ("Revenue from new patients", "新病患營收", "新患者营收"),
    "revenue_returning": ("Revenue from returning patients", "舊病患營收", "老患者营收"),
    "quality_file": ("File", "檔案", "文件"),
    "quality_rows_read": ("Rows read", "讀取列數", "读取行数"),
    "quality_rows_kept": ("Rows kept", "保留列數", "保留行数"),
    "quality_rows_rejected": ("Rows rejected", "剔除列數", "剔除行数"),
    "quality_visits": ("Visits", "就診次數", "就诊次数"),
    "quality_notes": ("Notes", "備註", "备注"),
    "quality_clean": (
        "Every input row was read; nothing was rejected.",
        "所有資料列皆已讀取，無剔除資料。",
        "所有数据行均已读取，无剔除数据。",
    ),
    "methods": ("Methods", "方法", "方法"),
    "parameters": ("Parameters", "參數", "参数"),
    "methods_text": (
        "A visit is one patient on one calendar day; line items on one day are summed and "
        "refunds netted. Nothing after the last day of the report month is used. "
        "Lifetime value uses the BG/NBD and Gamma-Gamma models (Fader, Hardie & Lee 2005). "
        "Patient keys are pseudonymous; names and phone numbers appear only in actions.xlsx.",
        "一次就診指同一病患於同一日曆日的就診；同日多個項目合併計算並扣除退款。"
        "僅使用報告月份最後一日（含）以前的資料。終身價值採用 BG/NBD 與 Gamma-Gamma 模型"
        "（Fader、Hardie 與 Lee，2005）。病患以代碼呈現；姓名與電話僅列於 actions.xlsx。",
        "一次就诊指同一患者于同一日历日的就诊；同日多个项目合并计算并扣除退款。"
        "仅使用报告月份最后一日（含）以前的数据。终身价值采用 BG/NBD 与 Gamma-Gamma 模型"
        "（Fader、Hardie 与 Lee，2005）。患者以代码呈现；姓名与电话仅列于 actions.xlsx。",
    ),
    "target_met": ("target met", "已達目標", "已达目标"),
    "target_missed": ("below target", "未達目標", "未达目标"),
    "na": ("n/a", "無資料", "无数据"),
}


def babel_locale(locale: str) -> str:
    """Return Babel's locale identifier for a report locale (``zh-Hant`` → ``zh_Hant_TW``)."""
    check_option("locale", locale, LOCALES)
    return _BABEL[locale]


def t(key: str, locale: str, **fields: object) -> str:
    """Return the report string ``key`` in ``locale``, with ``{fields}`` filled in."""
    check_option("locale", locale, LOCALES)
    text = STRINGS[key][LOCALES.index(locale)]
    return text.format(**fields) if fields else text


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_money(value: float | None, currency: str, locale: str, *, decimals: int = 0) -> str:
    """Format money for the locale: ``NT$1,200`` (TWD), ``¥1,200`` (CNY)."""
    if _missing(value):
        return t("na", locale)
    symbol = _SYMBOLS.get(currency.upper()) or get_currency_symbol(currency.upper(), locale="en")
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    body = format_decimal(abs(float(value)), pattern, locale=babel_locale(locale))  # type: ignore[arg-type]
    sign = "-" if float(value) < 0 and body.strip("0.,") else ""  # type: ignore[arg-type]
    return f"{sign}{symbol}{body}"


def fmt_number(value: float | None, locale: str, *, decimals: int = 0) -> str:
    """Format a count or measure with the locale's grouping (``12,345``)."""
    if _missing(value):
        return t("na", locale)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(float(value), pattern, locale=babel_locale(locale))  # type: ignore[arg-type]


def fmt_percent(value: float | None, locale: str, *, decimals: int = 1) -> str:
    """Format a share (0.123) as a percentage (``12.3%``)."""
    if _missing(value) or (isinstance(value, float) and math.isinf(value)):
        return t("na", locale)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return format_percent(float(value), pattern, locale=babel_locale(locale))  # type: ignore[arg-type]


def fmt_month(month: str | pd.Timestamp, locale: str) -> str:
    """Format a month: ``October 2026`` (en) or ``2026年10月`` (Chinese)."""
    ts = pd.Timestamp(month)
    check_option("locale", locale, LOCALES)
    if locale == "en":
        return ts.strftime("%B %Y")
    return f"{ts.year}年{ts.month}月"


def fmt_date(day: str | pd.Timestamp, locale: str) -> str:
    """Format a date: ``31 Oct 2026`` (en) or ``2026年10月31日`` (Chinese)."""
    ts = pd.Timestamp(day)
    check_option("locale", locale, LOCALES)
    if locale == "en":
        return f"{ts.day} {ts.strftime('%b %Y')}"
    return f"{ts.year}年{ts.month}月{ts.day}日"


def fmt_change(change: float | None, locale: str, *, kind: str = "relative") -> str:
    """Format a change: relative as ``+12.3%``, a change of a rate as ``+1.2 pp``."""
    if _missing(change) or (isinstance(change, float) and math.isinf(change)):
        return t("na", locale)
    sign = "+" if change > 0 else ("-" if change < 0 else "±")  # type: ignore[operator]
    if kind == "points":
        unit = " pp" if locale == "en" else " 個百分點" if locale == "zh-Hant" else " 个百分点"
        return f"{sign}{fmt_number(abs(change) * 100, locale, decimals=1)}{unit}"  # type: ignore[arg-type]
    return f"{sign}{fmt_percent(abs(change), locale)}"  # type: ignore[arg-type]


def html_lang(locale: str) -> str:
    """Return the HTML ``lang`` value for a locale (``zh-Hant-TW``, ``zh-Hans-CN``, ``en``)."""
    check_option("locale", locale, LOCALES)
    return {"en": "en", "zh-Hant": "zh-Hant-TW", "zh-Hans": "zh-Hans-CN"}[locale]


def css_fonts(locale: str) -> str:
    """Return the CSS ``font-family`` list for a locale (its own CJK forms first)."""
    check_option("locale", locale, LOCALES)
    return _FONTS[locale]

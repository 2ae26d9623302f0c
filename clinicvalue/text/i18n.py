"""Locale-aware formatting and the report's own strings (en, zh-Hant, zh-Hans).

Money follows the clinic's currency (``NT$1,200`` for TWD, ``¥1,200`` for CNY), numbers
and percentages use Babel's rules for the locale, and every label the report prints
comes from :data:`STRINGS` in its English, Traditional and Simplified Chinese forms.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from babel.numbers import format_decimal, format_percent, get_currency_symbol

from clinicvalue.errors import check_option
from clinicvalue.text.catalogue import LOCALES, triples

__all__ = [
    "LOCALES",
    "STRINGS",
    "channel_label",
    "babel_locale",
    "currency_symbol",
    "t",
    "fmt_money",
    "fmt_number",
    "fmt_percent",
    "fmt_month",
    "month_ticks",
    "fmt_date",
    "fmt_change",
    "html_lang",
    "css_fonts",
    "visit_notes",
    "call_notes",
]


_BABEL = {"en": "en_US", "zh-Hant": "zh_Hant_TW", "zh-Hans": "zh_Hans_CN"}
_SYMBOLS = {"TWD": "NT$", "CNY": "¥", "RMB": "¥", "HKD": "HK$", "USD": "US$", "MOP": "MOP$"}
_FONTS = {
    "en": '"Noto Sans", "DejaVu Sans", "Noto Sans CJK TC", sans-serif',
    "zh-Hant": '"Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Heiti TC", '
    '"Hiragino Sans CNS", "Microsoft JhengHei", sans-serif',
    "zh-Hans": '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Heiti SC", '
    '"Hiragino Sans GB", "Microsoft YaHei", sans-serif',
}

#: The report's strings: key → (en, zh-Hant, zh-Hans), from the text catalogue.
STRINGS: dict[str, tuple[str, str, str]] = triples("report")


_CHANNELS: dict[str, tuple[str, str, str]] = triples("channel")


def channel_label(key: object, locale: str) -> str:
    """Return an acquisition channel's label in ``locale`` (unknown keys made readable)."""
    row = _CHANNELS.get(str(key))
    if row is None:
        return str(key).replace("_", " ")
    return row[LOCALES.index(locale)]


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


def currency_symbol(currency: str) -> str:
    """Return the symbol money is written with: ``NT$`` for TWD, ``¥`` for CNY."""
    return _SYMBOLS.get(currency.upper()) or get_currency_symbol(currency.upper(), locale="en")


def fmt_money(value: float | None, currency: str, locale: str, *, decimals: int = 0) -> str:
    """Format money for the locale: ``NT$1,200`` (TWD), ``¥1,200`` (CNY)."""
    if _missing(value):
        return t("na", locale)
    symbol = currency_symbol(currency)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    body = format_decimal(abs(float(value)), pattern, locale=babel_locale(locale))  # type: ignore[arg-type]
    sign = "-" if float(value) < 0 and body.strip("0.,") else ""  # type: ignore[arg-type]
    return f"{sign}{symbol}{body}"


def fmt_number(value: float | None, locale: str, *, decimals: int = 0) -> str:
    """Format a count or measure with the locale's grouping (``12,345``).

    Magnitudes beyond 10^15 (a degenerate fit's bound, say) are written ``1.2e+20``:
    grouping digits there means nothing and Babel's decimal context refuses them.
    """
    if _missing(value):
        return t("na", locale)
    if abs(float(value)) >= 1e15:  # type: ignore[arg-type]
        return f"{float(value):.3g}"  # type: ignore[arg-type]
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


def month_ticks(months: Any, locale: str) -> list[str]:
    """Return a chart's month labels, one format per locale: ``Nov / 2025``, ``11月 / 2025``.

    The year is shown under the first month and under every January; every chart of
    months uses these labels.
    """
    check_option("locale", locale, LOCALES)
    out: list[str] = []
    for m in months:
        ts = pd.Timestamp(m)
        month = ts.strftime("%b") if locale == "en" else f"{ts.month}月"
        out.append(f"{month}\n{ts.year}" if ts.month == 1 or not out else month)
    return out


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
        unit = t("unit_pp", locale)
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


def visit_notes(info: dict, locale: str, currency: str) -> list[str]:
    """Return the visits file's loading notes (refunds, merged lines, no-shows) in ``locale``.

    ``info`` is ``DataQuality.files["visits"]``: ``refunds``, ``refund_total``,
    ``refund_days`` (refund-only days) and their totals, ``line_items_merged``, ``visits``
    and ``not_visits``.
    """
    out = []
    if info.get("refunds"):
        total = fmt_money(info["refund_total"], currency, locale)
        out.append(t("note_refunds", locale, n=fmt_number(info["refunds"], locale), total=total))
    if info.get("refund_days"):
        total = fmt_money(info["refund_days_total"], currency, locale)
        out.append(
            t("note_refund_days", locale, n=fmt_number(info["refund_days"], locale), total=total)
        )
    if info.get("refund_orphan_days"):
        total = fmt_money(info["refund_orphan_total"], currency, locale)
        n = fmt_number(info["refund_orphan_days"], locale)
        out.append(t("note_refund_orphans", locale, n=n, total=total))
    if info.get("line_items_merged"):
        attended = info["line_items_merged"] + info["visits"]
        out.append(
            t(
                "note_merged",
                locale,
                lines=fmt_number(attended, locale),
                visits=fmt_number(info["visits"], locale),
            )
        )
    if info.get("not_visits"):
        out.append(t("note_not_visits", locale, n=fmt_number(info["not_visits"], locale)))
    return out


def call_notes(info: dict, locale: str) -> list[str]:
    """Return the note on worklists read back (``DataQuality.files["calls"]``) in ``locale``."""
    if not info:
        return []
    n = fmt_number(info.get("rows_read", 0), locale)
    outcomes = fmt_number(info.get("with_outcome", 0), locale)
    return [t("note_calls", locale, n=n, outcomes=outcomes, folder=info.get("file", ""))]

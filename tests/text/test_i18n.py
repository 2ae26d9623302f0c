"""Tests for clinicvalue.text.i18n: money, numbers, dates and strings per locale."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicvalue.errors import OptionError
from clinicvalue.text.i18n import (
    STRINGS,
    css_fonts,
    fmt_change,
    fmt_money,
    fmt_month,
    fmt_number,
    fmt_percent,
    html_lang,
    t,
)


def test_money_uses_the_clinic_currency_symbol():
    assert fmt_money(1200, "TWD", "zh-Hant") == "NT$1,200"
    assert fmt_money(1200.5, "CNY", "zh-Hans", decimals=2) == "¥1,200.50"
    assert fmt_money(-350, "TWD", "en") == "-NT$350"
    assert fmt_money(None, "TWD", "zh-Hant") == "無資料"


def test_numbers_percent_and_changes():
    assert fmt_number(1234567, "en") == "1,234,567"
    assert fmt_percent(0.1234, "zh-Hans") == "12.3%"
    assert fmt_change(0.05, "en") == "+5.0%"
    assert fmt_change(-0.021, "zh-Hant", kind="points") == "-2.1 個百分點"
    assert fmt_change(float("nan"), "en") == "n/a"


def test_months_per_locale():
    assert fmt_month("2026-10", "en") == "October 2026"
    assert fmt_month("2026-10", "zh-Hans") == "2026年10月"


def test_strings_have_traditional_and_simplified_forms():
    assert t("sec_quality", "zh-Hant") == "資料品質"
    assert t("sec_quality", "zh-Hans") == "数据质量"
    assert t("missing_input", "en", what="a patients file").startswith("Not included: needs a")
    assert all(len(v) == 3 and all(v) for v in STRINGS.values())


def test_fonts_and_lang_follow_the_script():
    assert css_fonts("zh-Hant").startswith('"Noto Sans CJK TC"')
    assert css_fonts("zh-Hans").startswith('"Noto Sans CJK SC"')
    assert html_lang("zh-Hant") == "zh-Hant-TW"


def test_unknown_locale_lists_the_allowed_ones():
    with pytest.raises(OptionError, match="locale must be one of 'en', 'zh-Hant', 'zh-Hans'"):
        t("page", "ja")


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_money_round_trips_to_the_rounded_amount(x):
    text = fmt_money(x, "TWD", "en")
    digits = text.replace("NT$", "").replace(",", "")
    assert float(digits) == pytest.approx(round(x), abs=1)


def test_every_report_string_has_three_forms_with_the_same_fields():
    import string

    from clinicvalue.text.i18n import STRINGS

    for key, forms in STRINGS.items():
        assert len(forms) == 3 and all(forms), key
        fields = [{f for _, f, _, _ in string.Formatter().parse(s) if f} for s in forms]
        assert fields[0] == fields[1] == fields[2], key


def test_channel_labels_follow_the_locale():
    from clinicvalue.text.i18n import channel_label

    assert channel_label("online_ads", "zh-Hant") == "網路廣告"
    assert channel_label("online_ads", "zh-Hans") == "网络广告"
    assert channel_label("tv_spot", "en") == "tv spot"  # unknown keys made readable


def test_no_report_string_is_defined_twice():
    # a repeated key in a dict literal silently replaces the first text
    import ast
    import inspect

    import clinicvalue.text.i18n as i18n

    tree = ast.parse(inspect.getsource(i18n))
    keys = [
        k.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for k in node.keys
        if isinstance(k, ast.Constant) and isinstance(k.value, str)
    ]
    strings = [k for k in keys if k in i18n.STRINGS]
    assert sorted({k for k in strings if strings.count(k) > 1}) == []


def test_huge_numbers_are_written_in_scientific_notation():
    """A degenerate fit's interval bound must not stop the report."""
    from clinicvalue.text.i18n import fmt_number

    assert fmt_number(3.2e40, "zh-Hant", decimals=3) == "3.2e+40"
    assert fmt_number(-1e16, "en") == "-1e+16"
    assert fmt_number(123456.0, "en") == "123,456"

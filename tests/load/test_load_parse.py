"""Cell parsers of clinicvalue.load: dates, months, amounts, flags, categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicvalue.load import _parse as P


def _s(*values: str) -> pd.Series:
    return P.clean_text(pd.Series(list(values), dtype=object))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01", "2024-05-01"),
        ("2024/5/1", "2024-05-01"),
        ("2024.05.01", "2024-05-01"),
        ("20240501", "2024-05-01"),
        ("2024-05-01 14:30:00", "2024-05-01"),
        ("2024-05-01T09:15", "2024-05-01"),
        ("45413", "2024-05-01"),  # Excel serial (1900 date system)
        ("45413.75", "2024-05-01"),  # serial with a time of day
        ("113/05/01", "2024-05-01"),  # ROC year 113 = 2024
        ("113-05-01", "2024-05-01"),
        ("1130501", "2024-05-01"),
        ("086/01/01", "1997-01-01"),
        ("民國86/1/1", "1997-01-01"),
        ("86年1月1日", "1997-01-01"),
        ("民國113年5月1日", "2024-05-01"),
        ("2024年5月1日", "2024-05-01"),
        ("2024年05月01號", "2024-05-01"),
        ("２０２４－０５－０１", "2024-05-01"),  # full-width digits and dash
    ],
)
def test_parse_dates_every_form(text: str, expected: str) -> None:
    dates, bad = P.parse_dates(_s(text))
    assert not bad.any()
    assert dates.iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["2024-13-01", "2024-02-30", "yesterday", "1/5", "113/13/01", "5"])
def test_parse_dates_flags_unreadable(text: str) -> None:
    dates, bad = P.parse_dates(_s(text))
    assert bad.tolist() == [True]
    assert pd.isna(dates.iloc[0])


@pytest.mark.parametrize(
    "text", ["0001-01-01", "9999-12-31", "1600-01-01", "1899-12-31", "2200-01-01", "999/01/01",
             "2958465", "00010101"]
)  # fmt: skip
def test_placeholder_dates_outside_1900_2199_are_unreadable_not_a_crash(text: str) -> None:
    dates, bad = P.parse_dates(_s(text))
    assert bad.tolist() == [True]
    assert pd.isna(dates.iloc[0])


@pytest.mark.parametrize("text", ["10/05/24", "24/05/10", "86/1/1", "05/06/2024", "2024", "1/2/24"])
def test_two_digit_and_bare_years_are_ambiguous(text: str) -> None:
    cells = _s(text)
    dates, bad = P.parse_dates(cells)
    assert bad.tolist() == [True]
    assert P.ambiguous_dates(cells).tolist() == [True]


def test_date_format_reads_the_order_the_user_gives() -> None:
    dates, bad = P.parse_dates(_s("10/05/24", "31/12/99", "x", ""), "%d/%m/%y")
    assert bad.tolist() == [False, False, True, False]
    assert dates.iloc[0] == pd.Timestamp("2024-05-10")
    assert dates.iloc[1] == pd.Timestamp("1999-12-31")


def test_non_ascii_digits_are_normalised_not_dropped() -> None:
    cells = _s("٢٠٢٤-٠٥-٠١", "２０２４/５/１", "۲۰۲۴-۰۵-۰۱")
    dates, bad = P.parse_dates(cells)
    assert not bad.any()
    assert (dates == pd.Timestamp("2024-05-01")).all()
    amounts, bad = P.parse_amounts(_s("١٢٠٠", "１，２００", "NT$１,２００"))
    assert not bad.any() and amounts.tolist() == [1200.0, 1200.0, 1200.0]


@pytest.mark.parametrize(
    ("cells", "decimal", "expected"),
    [
        (["1.200,50", "300", "12,5"], ",", [1200.5, 300.0, 12.5]),
        (["1200,50", "(1.200,00)", "-3,5"], ",", [1200.5, -1200.0, -3.5]),
        (["1,200.50", "300", "12.5"], ".", [1200.5, 300.0, 12.5]),
        (["(1,200)", "NT$1,200", "1,200元"], ".", [-1200.0, 1200.0, 1200.0]),
    ],
)
def test_decimal_marks(cells, decimal, expected) -> None:
    values, bad = P.parse_amounts(_s(*cells), decimal)
    assert not bad.any()
    assert values.tolist() == expected


def test_decimal_comma_is_detected_per_column_and_never_misread() -> None:
    assert P.detect_decimal(_s("1.200,50", "1200,5", "300")) == ","
    assert P.detect_decimal(_s("1,200.50", "300")) == "."
    assert P.detect_decimal(_s("1.200,50", "12.50")) == "."  # mixed: the comma cells fail
    values, bad = P.parse_amounts(_s("1.200,50", "1200,50", "12,00", "1,2345"), ".")
    assert bad.tolist() == [True, True, True, True]  # never 1.20050 or 120050
    assert P.decimal_comma_shaped(_s("1.200,50", "1200,50", "1,200")).tolist() == [
        True,
        True,
        False,
    ]


def test_parse_dates_blank_is_nat_not_bad_and_mixed_forms_align() -> None:
    dates, bad = P.parse_dates(_s("", "113/05/01", "x", "20240502", "45413"))
    assert bad.tolist() == [False, False, True, False, False]
    assert pd.isna(dates.iloc[0])
    assert dates.iloc[1] == pd.Timestamp("2024-05-01")
    assert dates.iloc[3] == pd.Timestamp("2024-05-02")
    assert dates.iloc[4] == pd.Timestamp("2024-05-01")
    assert dates.dtype == "datetime64[ns]"


@given(
    st.dates(
        # Excel serials are read from 10000 (1927-05-18): four digits would be a bare year
        min_value=pd.Timestamp("1927-05-18").date(),
        max_value=pd.Timestamp("2099-12-31").date(),
    )
)
def test_parse_dates_roundtrip_iso_roc_and_serial(day) -> None:
    ts = pd.Timestamp(day)
    roc = f"{ts.year - 1911:03d}/{ts.month:02d}/{ts.day:02d}"
    serial = str((ts - pd.Timestamp("1899-12-30")).days)
    dates, bad = P.parse_dates(_s(ts.strftime("%Y-%m-%d"), roc, ts.strftime("%Y%m%d"), serial))
    assert not bad.any()
    assert (dates == ts).all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05", "2024-05-01"),
        ("2024/5", "2024-05-01"),
        ("202405", "2024-05-01"),
        ("2024年5月", "2024-05-01"),
        ("113/05", "2024-05-01"),
        ("2024-05-17", "2024-05-01"),
        ("45413", "2024-05-01"),
    ],
)
def test_parse_months(text: str, expected: str) -> None:
    months, bad = P.parse_months(_s(text))
    assert not bad.any()
    assert months.iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1200", 1200.0),
        ("NT$1,200", 1200.0),
        ("$1,200", 1200.0),
        ("¥1,200.50", 1200.5),
        ("￥1,200.50", 1200.5),
        ("RMB 80", 80.0),
        ("1,200元", 1200.0),
        ("(1,200)", -1200.0),
        ("-300", -300.0),
        ("-NT$300", -300.0),
        ("NT$ -300", -300.0),
        ("１，２００", 1200.0),  # full-width digits and comma
        ("0", 0.0),
        (".5", 0.5),
    ],
)
def test_parse_amounts_every_form(text: str, expected: float) -> None:
    amounts, bad = P.parse_amounts(_s(text))
    assert not bad.any()
    assert amounts.iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize("text", ["NT$1,2O0", "abc", "1.2.3", "--", "12-3"])
def test_parse_amounts_flags_unreadable(text: str) -> None:
    amounts, bad = P.parse_amounts(_s(text))
    assert bad.tolist() == [True]
    assert np.isnan(amounts.iloc[0])


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_parse_amounts_thousands_roundtrip(n: int) -> None:
    text = f"NT${n:,}" if n >= 0 else f"({-n:,})"
    amounts, bad = P.parse_amounts(_s(text))
    assert not bad.any()
    assert amounts.iloc[0] == n


def test_parse_bools_and_categories() -> None:
    flags, bad = P.parse_bools(_s("是", "否", "Y", "no", "", "maybe", "同意"))
    assert flags.tolist()[:4] == [True, False, True, False]
    assert pd.isna(flags.iloc[4])
    assert bad.tolist() == [False, False, False, False, False, True, False]
    status, bad = P.parse_categories(
        _s("未到", "爽約", "失约", "取消", "完成", "Walk-in"), P.VISIT_STATUSES, keep_unknown=True
    )
    assert status.tolist() == ["no-show", "no-show", "no-show", "cancelled", "completed", "Walk-in"]
    assert not bad.any()
    plan, bad = P.parse_categories(_s("計畫", "进行中", "已完成", "??"), P.PLAN_STATUSES)
    assert plan.tolist()[:3] == ["planned", "started", "done"]
    assert bad.tolist() == [False, False, False, True]
    purpose, _ = P.parse_categories(_s("獲客", "拉新", "維繫", "回访", "留存"), P.PURPOSES)
    assert purpose.tolist() == ["acquisition", "acquisition", "retention", "retention", "retention"]


def test_not_visit_statuses_recognised_in_any_language() -> None:
    assert P.normalise_statuses(["no-show", "取消", "爽约"]) == {"no-show", "cancelled"}

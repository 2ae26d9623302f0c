"""Tests for clinicvalue.report.portfolio: clinics side by side, spread, ranks, files."""

from __future__ import annotations

import math

import openpyxl
import pytest
from pypdf import PdfReader

from clinicvalue.report.peers import PEER_KPIS, Benchmark, ClinicKpis
from clinicvalue.report.portfolio import portfolio_frames, write_portfolio


def _clinics() -> list[ClinicKpis]:
    rates = [0.2, 0.4, 0.3, None]
    risk = [30.0, 10.0, 20.0, 40.0]
    names = ["North 北區", "South", '=HYPERLINK("http://x")', "East"]
    return [
        ClinicKpis(
            f"c{i}",
            "dental",
            {"revisit_rate_90d": rates[i], "at_risk_patients": risk[i], "active_patients": 100.0},
            name=names[i],
        )
        for i in range(4)
    ]


def test_median_quartiles_and_ranks_in_the_good_direction():
    p = portfolio_frames("2026-10", _clinics())
    assert list(p.values.columns) == list(PEER_KPIS)
    assert p.stats.at["median", "revisit_rate_90d"] == pytest.approx(0.3)
    assert p.stats.at["q1", "revisit_rate_90d"] == pytest.approx(0.25)
    assert p.stats.at["q3", "revisit_rate_90d"] == pytest.approx(0.35)
    assert p.stats.at["clinics", "revisit_rate_90d"] == 3  # one clinic has no figure
    assert p.ranks["revisit_rate_90d"].tolist()[:3] == [3, 1, 2]
    assert math.isnan(p.ranks.at["c3", "revisit_rate_90d"])
    # fewer at-risk patients ranks first
    assert p.ranks["at_risk_patients"].tolist() == [3, 1, 2, 4]
    assert p.ranks["active_patients"].tolist() == [1, 1, 1, 1]  # ties share the better rank


def test_portfolio_files(tmp_path):
    p = portfolio_frames("2026-10", _clinics())
    marks = {"revisit_rate_90d": Benchmark("revisit_rate_90d", 0.6, "Survey 2025")}
    xlsx, pdf = write_portfolio(p, tmp_path, locale="en", benchmarks=marks)
    book = openpyxl.load_workbook(xlsx)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Clinic", "Kind", "Currency"]
    col = header.index("90-day revisit rate") + 1
    assert [sheet.cell(r, 1).value for r in range(2, 9)] == [
        "North 北區",
        "South",
        '=HYPERLINK("http://x")',
        "East",
        "Median",
        "Lower quartile",
        "Upper quartile",
    ]
    assert sheet.cell(4, 1).data_type == "s"  # a clinic's name never runs as a formula
    assert sheet.cell(2, col).value == pytest.approx(0.2)
    assert sheet.cell(6, col).value == pytest.approx(0.3)
    assert sheet.cell(2, col).number_format == "0.0%"
    ranks = book.worksheets[1]
    assert [ranks.cell(r, col).value for r in range(2, 5)] == [3, 1, 2]
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    for word in ("Portfolio of clinics", "North", "South", "Median", "Survey 2025", "30.0%"):
        assert word in text, word


def test_amounts_in_another_currency_are_shown_but_not_ranked(tmp_path):
    clinics = _clinics()[:3] + [
        ClinicKpis(
            "sh", "dental",
            {"revisit_rate_90d": 0.5, "revenue_new": 9_000_000.0, "at_risk_patients": 5.0},
            currency="CNY", name="上海诊所",
        )
    ]  # fmt: skip
    for c in clinics[:3]:
        c.kpis["revenue_new"] = 100_000.0 * (1 + clinics.index(c))
    p = portfolio_frames("2026-10", clinics)
    assert p.currency == "TWD"
    # a rate compares across currencies: Shanghai's 50% ranks first
    assert p.ranks.at["sh", "revisit_rate_90d"] == 1
    # an amount does not: ¥9,000,000 is neither ranked nor in the TWD median
    assert math.isnan(p.ranks.at["sh", "revenue_new"])
    assert p.stats.at["median", "revenue_new"] == pytest.approx(200_000.0)
    assert p.values.at["sh", "revenue_new"] == 9_000_000.0
    xlsx, pdf = write_portfolio(p, tmp_path, locale="en")
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "¥9,000,000" in text and "NT$200,000" in text  # each in its own currency
    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    assert sheet.cell(5, 3).value == "CNY"

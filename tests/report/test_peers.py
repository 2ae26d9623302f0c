"""Tests for clinicvalue.report.peers: percentiles among similar clinics, benchmarks."""

from __future__ import annotations

import pytest

from clinicvalue.errors import ProfileError
from clinicvalue.profile import ClinicProfile, load_profile
from clinicvalue.report.peers import (
    MIN_PEERS,
    ClinicKpis,
    benchmarks,
    check_benchmarks,
    comparison_rows,
    peer_lines,
    percentile,
)


def _clinics(n: int, kind: str = "dental", start: int = 0) -> list[ClinicKpis]:
    return [
        ClinicKpis(
            f"{kind}{i}",
            kind,
            {"revisit_rate_90d": 0.1 * (i + 1), "at_risk_patients": 10.0 * (i + 1)},
        )
        for i in range(start, start + n)
    ]


def test_percentile_counts_the_peers_behind_in_the_good_direction():
    assert percentile(0.5, [0.1, 0.2, 0.6, 0.7]) == 50.0
    assert percentile(0.5, [0.5, 0.2]) == 75.0  # a tie counts half
    # fewer at-risk patients is better: 10 is ahead of 20, 30 and 40
    assert percentile(10, [20, 30, 40], higher_is_better=False) == 100.0
    assert percentile(50, [20, 30, 40], higher_is_better=False) == 0.0


def test_six_clinics_of_a_kind_each_get_a_line_against_five_peers():
    lines = peer_lines(_clinics(6))
    assert set(lines) == {f"dental{i}" for i in range(6)}
    top = lines["dental5"]["revisit_rate_90d"]
    assert (top.peers, top.percentile) == (MIN_PEERS, 100.0)
    assert top.median == pytest.approx(0.3)  # of the five others: 0.1 … 0.5
    # the same clinic has the most at-risk patients: behind every peer
    assert lines["dental5"]["at_risk_patients"].percentile == 0.0
    assert lines["dental0"]["at_risk_patients"].percentile == 100.0


def test_four_clinics_get_no_line_and_kinds_are_not_mixed():
    assert all(not v for v in peer_lines(_clinics(4)).values())
    mixed = peer_lines(_clinics(4) + _clinics(3, "general"))
    assert all(not v for v in mixed.values())
    # five dental peers each, while the lone general clinics still get none
    lines = peer_lines(_clinics(6) + _clinics(2, "general"))
    assert all(lines[f"dental{i}"] for i in range(6))
    assert not lines["general0"] and not lines["general1"]


def test_a_clinic_without_the_figure_gets_no_line_and_is_no_peer():
    clinics = _clinics(6)
    clinics[0] = ClinicKpis("dental0", "dental", {"revisit_rate_90d": None})
    lines = peer_lines(clinics)
    assert "revisit_rate_90d" not in lines["dental0"]
    assert "revisit_rate_90d" not in lines["dental1"]  # four peers with a value remain


def test_benchmarks_need_a_kpi_and_a_source(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(
        "[benchmarks]\nrevisit_rate_90d = 0.6\n"
        '[benchmark_sources]\nrevisit_rate_90d = "Survey 2025"\n',
        encoding="utf-8",
    )
    marks = benchmarks(load_profile(good))
    assert marks["revisit_rate_90d"].value == 0.6
    assert marks["revisit_rate_90d"].source == "Survey 2025"
    with pytest.raises(ProfileError, match="'benchmarks.revisit' is not a KPI"):
        check_benchmarks(ClinicProfile(benchmarks={"revisit": 0.6}))
    with pytest.raises(ProfileError, match="needs its source"):
        check_benchmarks(ClinicProfile(benchmarks={"revisit_rate_90d": 0.6}))
    with pytest.raises(ProfileError, match="has no value"):
        check_benchmarks(ClinicProfile(benchmark_sources={"revisit_rate_90d": "Survey"}))
    bad = tmp_path / "bad.toml"
    bad.write_text('[benchmarks]\nrevisit_rate_90d = "high"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="'benchmarks' must be a table of a number"):
        load_profile(bad)


def test_comparison_rows_name_no_other_clinic():
    lines = peer_lines(_clinics(6))["dental2"]
    metrics = {
        "locale": "en",
        "currency": "TWD",
        "kpis": {"revisit_rate_90d": 0.3, "at_risk_patients": 30.0},
    }
    marks = benchmarks(
        ClinicProfile(
            benchmarks={"revisit_rate_90d": 0.6},
            benchmark_sources={"revisit_rate_90d": "Survey 2025"},
        )
    )
    rows = comparison_rows(metrics, lines, marks)
    assert [r["key"] for r in rows] == ["revisit_rate_90d", "at_risk_patients"]
    first = rows[0]
    assert first["value"] == "30.0%" and first["median"] == "40.0%"  # of 0.1, 0.2, 0.4 … 0.6
    assert first["standing"] == "ahead of 40% of 5 similar clinics"
    assert first["benchmark"] == "60.0% (Survey 2025)"
    assert not any("dental" in v for r in rows for v in r.values())
    assert comparison_rows(metrics, {}, {}) == []


def test_the_report_section_says_what_it_compares_with():
    from clinicvalue.report.views.peers import view

    metrics = {
        "locale": "en",
        "currency": "TWD",
        "kpis": {"revisit_rate_90d": 0.3, "at_risk_patients": 30.0},
        "profile": {"clinic": {"kind": "dental"}},
    }
    marks = benchmarks(
        ClinicProfile(
            benchmarks={"revisit_rate_90d": 0.6},
            benchmark_sources={"revisit_rate_90d": "Survey 2025"},
        )
    )
    alone = view(metrics, None, marks)
    assert alone.title == "Compared with outside benchmarks"
    kinds = [b.kind for b in alone.blocks]
    assert kinds == ["paragraph", "table", "chart"]
    assert list(alone.blocks[1].frame.columns) == [
        "KPI",
        "This clinic",
        "Outside benchmark (source)",
    ]
    assert "Survey 2025" in alone.blocks[2].alt
    lines = peer_lines(_clinics(6))["dental2"]
    both = view(metrics, lines, marks)
    assert both.title == "Compared with similar clinics"
    assert "other dental clinics" in both.blocks[0].text
    assert view(metrics, None, None) is None


def test_clinics_in_another_currency_are_not_peers():
    clinics = _clinics(6) + [
        ClinicKpis("sh", "dental", {"revisit_rate_90d": 0.9}, currency="CNY"),
    ]
    lines = peer_lines(clinics)
    assert lines["dental0"]["revisit_rate_90d"].peers == 5  # Shanghai is not among them
    assert not lines["sh"]

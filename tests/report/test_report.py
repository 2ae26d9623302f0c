"""Tests for clinicvalue.report: KPIs, the report model, atomic folders, Excel, PDF check."""

from __future__ import annotations

import html
import os
import re
import warnings

import pandas as pd
import pytest
from openpyxl import load_workbook

from clinicvalue.analyses.kpis import core_kpis
from clinicvalue.data import ClinicData
from clinicvalue.errors import InputError, ReportError
from clinicvalue.names import month_bounds
from clinicvalue.profile import ClinicProfile
from clinicvalue.report import previous_month
from clinicvalue.report.excel import write_worklist
from clinicvalue.report.monthly import build_monthly, format_kpi
from clinicvalue.report.pdfcheck import check_pdf
from clinicvalue.report.render import compose_html, write_pdf
from clinicvalue.report.workspace import MARKER, report_folder, report_workspace


def _visits(rows):
    frame = pd.DataFrame(rows, columns=["patient_id", "visit_date", "amount"])
    frame["patient_id"] = frame["patient_id"].astype("string")
    frame["visit_date"] = pd.to_datetime(frame["visit_date"])
    frame["amount"] = frame["amount"].astype(float)
    return frame


@pytest.fixture
def visits():
    # hand-built: report month 2026-10, month end 2026-10-31
    return _visits(
        [
            ("00001", "2026-09-10", 1000),
            ("00001", "2026-10-05", 2000),
            ("00002", "2026-10-20", 500),  # new this month
            ("00003", "2025-01-01", 300),  # last seen > 18 months ago: not active
            ("00004", "2026-06-01", 400),  # first seen 152 days before the end
            ("00004", "2026-07-15", 600),  # back within 90 days
            ("00005", "2026-11-02", 9999),  # after the month end: ignored
        ]
    )


def test_core_kpis_match_hand_computation(visits):
    k = core_kpis(visits, month="2026-10", profile=ClinicProfile())
    assert k["active_patients"] == 3
    assert k["new_patients"] == 1
    assert k["revenue"] == 2500
    assert k["revenue_new"] == 500
    assert k["revenue_returning"] == 2000
    assert k["avg_spend_per_visit"] == 1250
    assert k["visits"] == 2
    assert k["revisit_rate_90d"] == 1.0


def test_register_first_visit_makes_a_patient_returning(visits):
    patients = pd.DataFrame(
        {
            "patient_id": pd.array(["00002"], dtype="string"),
            "first_visit": pd.to_datetime(["2020-01-01"]),
        }
    )
    k = core_kpis(visits, month="2026-10", profile=ClinicProfile(), patients=patients)
    assert k["new_patients"] == 0
    assert k["revenue_new"] == 0


def test_active_window_follows_the_profile(visits):
    k = core_kpis(
        visits, month="2026-10", profile=ClinicProfile().replace(activity__kpi_active_months=24)
    )
    assert k["active_patients"] == 4


def test_month_must_be_yyyy_mm():
    assert month_bounds("2026-02")[1] == pd.Timestamp("2026-02-28")
    with pytest.raises(InputError, match="is not a report month; write the month as YYYY-MM"):
        month_bounds("2026/10")


def test_previous_month():
    assert previous_month(pd.Timestamp("2026-01-15").date()) == "2025-12"


def test_model_guards_missing_modules_and_inputs(visits):
    data = ClinicData(visits=visits, lines=visits)
    rep = build_monthly(data, month="2026-10", locale="en")
    econ = rep.section("economics")
    # without spend, CAC and LTV:CAC say so in one line; the revenue split still shows
    assert "Not included: needs a marketing-spend file" in econ.html
    assert rep.metrics["kpis"]["ltv_cac"] is None
    assert rep.metrics["kpis"]["new_patients"] == 1
    assert rep.metrics["kpis_formatted"]["revenue"] == "NT$2,500"
    assert 3 <= len(rep.findings) <= 5
    assert "Active patients stand at 3" in rep.findings[0] or any("3" in f for f in rep.findings)
    assert "<h2" in rep.section("summary")._repr_html_()


def test_month_over_month_reads_last_months_metrics(visits):
    data = ClinicData(visits=visits, lines=visits)
    prev = {"month": "2026-09", "kpis": {"active_patients": 2.0}}
    rep = build_monthly(data, month="2026-10", locale="en", previous_metrics=prev)
    tile = next(x for x in rep.metrics["tiles"] if x["key"] == "active_patients")
    assert tile["mom"]["text"] == "+50.0%"
    assert tile["mom"]["good"] is True
    assert rep.metrics["kpis_previous_source"] == "metrics.json"


def test_an_unreadable_last_month_is_a_note_in_the_report_not_silence(visits, tmp_path):
    from clinicvalue.report.notebook import read_metrics

    broken = tmp_path / "metrics.json"
    broken.write_text('{"month": "2026-09", "kpis": {', encoding="utf-8")
    prev = read_metrics(broken)
    assert prev["unreadable"].startswith("JSONDecodeError")
    data = ClinicData(visits=visits, lines=visits)
    rep = build_monthly(data, month="2026-10", locale="en", previous_metrics=prev)
    assert rep.metrics["kpis_previous_source"] == "recomputed"
    assert rep.metrics["kpis_previous_unreadable"].startswith("JSONDecodeError")
    shown = html.unescape(rep.section("quality").html)
    assert "Last month's metrics.json could not be read" in shown
    assert read_metrics(tmp_path / "none.json") is None


def test_stale_data_are_refused_not_reported_as_a_collapse(visits):
    from clinicvalue.errors import StaleDataError

    data = ClinicData(visits=visits, lines=visits)  # the export ends on 2026-11-02
    with pytest.raises(
        StaleDataError, match=r"data end on 2026-11-02, 28 days before the end of 2026-11"
    ):
        build_monthly(data, month="2026-11", locale="en")
    loose = ClinicProfile().replace(report__stale_after_days=30)
    within = build_monthly(data, month="2026-11", profile=loose, locale="en")
    assert within.metrics["partial_month"] is False  # within the profile's margin


def test_a_partial_month_says_so_on_every_page_and_compares_nothing(visits):
    data = ClinicData(visits=visits, lines=visits)
    rep = build_monthly(data, month="2026-11", locale="zh-Hant", allow_partial=True)
    assert rep.metrics["partial_month"] is True
    assert rep.metrics["data_last_day"] == "2026-11-02"
    assert rep.metrics["cover"]["banner"] == "本月資料不完整：資料截至 2026年11月2日"
    assert all(tile["mom"] is None and tile["yoy"] is None for tile in rep.metrics["tiles"])
    assert rep.metrics["kpis_previous_source"] == "not compared (partial month)"
    from clinicvalue.report.render import compose_html

    page = compose_html("<p>x</p>", cover=rep.metrics["cover"], locale="zh-Hant")
    assert "本月資料不完整" in page.split("</style>")[0]  # in the running header of every page


def test_the_cover_shows_the_datas_first_and_last_day(visits):
    data = ClinicData(visits=visits, lines=visits)
    rep = build_monthly(data, month="2026-10", locale="en")
    assert rep.metrics["partial_month"] is False
    assert rep.metrics["cover"]["data_until"] == "Data from 1 Jan 2025 to 2 Nov 2026"
    assert rep.metrics["cover"]["banner"] == ""


def test_targets_show_on_tiles(visits):
    data = ClinicData(visits=visits, lines=visits)
    prof = ClinicProfile().replace(targets={"revisit_rate_90d": 0.5})
    rep = build_monthly(data, month="2026-10", profile=prof, locale="zh-Hant")
    tile = next(x for x in rep.metrics["tiles"] if x["key"] == "revisit_rate_90d")
    assert tile["target"] == "目標 50.0%"
    assert any("已達目標" in f for f in rep.findings)


def test_no_visits_before_month_end_is_an_input_error(visits):
    data = ClinicData(visits=visits, lines=visits)
    with pytest.raises(InputError, match="no visits on or before 2020-01-31"):
        build_monthly(data, month="2020-01")


def test_format_kpi_kinds():
    assert (
        format_kpi("ltv_cac", 3.25, currency="CNY", locale="zh-Hans") == "3.2×"
        or format_kpi("ltv_cac", 3.25, currency="CNY", locale="zh-Hans") == "3.3×"
    )
    assert format_kpi("total_clv", 1e6, currency="CNY", locale="zh-Hans") == "¥1,000,000"


def test_failed_run_leaves_last_report_untouched(tmp_path):
    final = report_folder(tmp_path, "north", "2026-10")
    final.mkdir(parents=True)
    (final / "report.pdf").write_text("last good")
    (final / MARKER).write_text("")
    with pytest.raises(RuntimeError), report_workspace(tmp_path, "north", "2026-10") as tmp:
        (tmp / "report.pdf").write_text("half")
        raise RuntimeError("boom")
    assert (final / "report.pdf").read_text() == "last good"
    assert sorted(os.listdir(final.parent)) == ["2026-10"]
    assert sorted(os.listdir(final)) == [MARKER, "report.pdf"]


def test_successful_run_replaces_the_folder(tmp_path):
    with report_workspace(tmp_path, "north", "2026-10") as tmp:
        (tmp / "a.txt").write_text("new")
    assert (report_folder(tmp_path, "north", "2026-10") / "a.txt").read_text() == "new"


def test_two_runs_of_one_clinic_month_collide_with_a_clear_error(tmp_path):
    with report_workspace(tmp_path, "north", "2026-10"):
        with pytest.raises(ReportError, match=rf"another run \(process {os.getpid()}\) is writing"):
            with report_workspace(tmp_path, "north", "2026-10"):
                pass


def test_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    folder = report_folder(tmp_path, "north", "2026-10").parent
    folder.mkdir(parents=True)
    (folder / ".2026-10.lock").write_text(dead)
    with report_workspace(tmp_path, "north", "2026-10") as tmp:
        (tmp / "a.txt").write_text("new")
    assert (folder / "2026-10" / "a.txt").is_file()
    assert not (folder / ".2026-10.lock").exists()


def test_failed_first_run_leaves_no_empty_folder(tmp_path):
    with pytest.raises(RuntimeError), report_workspace(tmp_path / "reports", "north", "2026-10"):
        raise RuntimeError("boom")
    assert not (tmp_path / "reports").exists()


def _worklist(codes: list[str], lists: list[str]):
    from clinicvalue.analyses.care.worklist import build_worklist
    from clinicvalue.profile import ClinicProfile

    day = pd.Timestamp("2026-10-31")
    ids = [f"p{i}" for i in range(len(codes))]
    tasks = {
        name: pd.DataFrame(
            {"patient_id": [ids[i]], "task": [codes[i]], "due_date": [day], "reason": ["逾期"],
             "script": ["s"]}
        )
        for i, name in enumerate(lists)
    }  # fmt: skip
    summary = pd.DataFrame(
        {"last_visit": pd.Timestamp("2026-10-01"), "total_spend": [4.0, 3.0, 2.0, 1.0][: len(ids)]},
        index=pd.Index(ids, dtype="string"),
    )
    prof = ClinicProfile().replace(actions__holdout_share=0.0)
    return build_worklist(tasks, summary, day, prof), prof


def test_actions_workbook_has_localised_frozen_headers_and_dates(tmp_path):
    from datetime import date

    work, prof = _worklist(["churn_overdue"], ["churn_warnings"])
    path = write_worklist(work, tmp_path / "actions.xlsx", profile=prof, locale="zh-Hant")
    wb = load_workbook(path)
    assert wb.sheetnames == ["今日工作清單", "流失預警", "_run"]
    ws = wb["流失預警"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["優先順序", "病患代碼", "清單"] and header[-3:] == [
        "聯絡結果",
        "結果日期",
        "備註",
    ]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= 8
    assert ws.cell(row=2, column=header.index("到期日") + 1).value.date() == date(2026, 10, 31)
    assert ws.cell(row=2, column=header.index("聯絡結果") + 1).value is None


@pytest.mark.parametrize(
    "locale,want",
    [
        ("zh-Hant", ["就診後 24 小時關懷", "就診後 7 天關懷", "回診到期", "流失預警：消費下降"]),
        ("zh-Hans", ["就诊后 24 小时关怀", "就诊后 7 天关怀", "复诊到期", "流失预警：消费下降"]),
        ("en", ["Follow-up 24 hours after the visit", "Follow-up 7 days after the visit",
                "Recall due", "Churn warning: spending less"]),
    ],
)  # fmt: skip
def test_actions_workbook_names_tasks_as_the_front_desk_reads_them(tmp_path, locale, want):
    codes = ["churn_spend_decline", "followup_168h", "followup_24h", "recall"]
    work, prof = _worklist(codes, ["churn_warnings", "followups", "reminders", "recalls_due"])
    path = write_worklist(work, tmp_path / "actions.xlsx", profile=prof, locale=locale)
    ws = load_workbook(path).worksheets[0]
    header = [c.value for c in ws[1]]
    col = header.index({"en": "All tasks", "zh-Hant": "所有任務", "zh-Hans": "所有任务"}[locale])
    assert [row[col].value for row in ws.iter_rows(min_row=2)] == want


def test_pdf_check_fails_without_the_labels(tmp_path):
    cover = {"clinic": "C", "title": "T", "month": "M", "data_until": "", "generated": ""}
    html = compose_html('<h2 class="cv-h" id="h-x">資料品質</h2>', cover=cover, locale="zh-Hant")
    pdf = write_pdf(html, tmp_path / "r.pdf")
    check_pdf(pdf, locale="zh-Hant", labels=["資料品質"])
    with pytest.raises(ReportError, match="the PDF text lacks '病患分群'"):
        check_pdf(pdf, locale="zh-Hant", labels=["病患分群"])


def test_pdf_check_needs_a_cjk_font_for_chinese(tmp_path):
    cover = {"clinic": "C", "title": "T", "month": "M", "data_until": "", "generated": ""}
    pdf = write_pdf(compose_html("<p>only latin</p>", cover=cover, locale="en"), tmp_path / "r.pdf")
    with pytest.raises(ReportError, match="no CJK font is embedded"):
        check_pdf(pdf, locale="zh-Hant", labels=["only latin"])


def test_charts_draw_traditional_labels_without_missing_glyphs(visits):
    # pyproject turns matplotlib's missing-glyph UserWarning into an error
    from clinicvalue.analyses.kpis import monthly_series
    from clinicvalue.report import charts

    series = monthly_series(visits, month="2026-10", profile=ClinicProfile(), months=3)
    names = pd.Series([5, 2], index=["核心客戶", "沉睡客戶"])
    with warnings.catch_warnings():
        # the glyph warning is attributed to the caller, so pyproject's filter misses it
        warnings.simplefilter("error", UserWarning)
        svg = charts.trend_chart(series, locale="zh-Hant")
        bars = charts.bar_chart(names, title="病患數", locale="zh-Hant")
        bars_en = charts.bar_chart(names, title="Patients", locale="en")
    import base64

    for uri in (svg, bars, bars_en):
        assert uri.startswith("data:image/png;base64,")
        width = int.from_bytes(base64.b64decode(uri[22:62])[16:20], "big")
        assert width >= 1000  # 220 dpi: crisp when the PDF is zoomed


def test_action_top_entries_show_pseudonymous_keys_only(visits):
    """The actions page names flagged patients by their pseudonymous key, never their id."""
    from clinicvalue.report.monthly import build_monthly

    data = ClinicData(visits, visits)
    report = build_monthly(data, month="2026-10", profile=ClinicProfile(), locale="en")
    html = report.section("actions").html
    ids = set(visits["patient_id"].astype(str))
    cells = set(re.findall(r"<td[^>]*>([^<]*)</td>", html))
    assert not ids & cells
    if report.metrics["kpis"]["at_risk_patients"]:
        assert any(c.startswith("P-") for c in cells)


def test_findings_drop_unknown_changes():
    from clinicvalue.report.findings import write_findings

    out = write_findings(
        {"active_patients": 3, "new_patients": 0, "avg_spend_per_visit": 5.0},
        previous={},
        last_year=None,
        targets={},
        currency="TWD",
        locale="zh-Hant",
    )
    assert out == ["活躍病患為 3 人。", "本月新病患 0 人。", "平均每次就診消費 NT$5。"]


def test_kernel_is_registered_for_this_python_when_missing(monkeypatch):
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    from clinicvalue.report import execute

    monkeypatch.setattr(execute, "_kernel_ok", lambda: False)
    with execute.kernel_env():
        spec = KernelSpecManager().get_kernel_spec(execute.KERNEL_NAME)
        assert spec.argv[0] == sys.executable
    assert "cv-kernel-" not in os.environ.get("JUPYTER_PATH", "")


@pytest.fixture(scope="module")
def small_clinic():
    import numpy as np

    rng = np.random.default_rng(3)
    rows = []
    for i in range(120):
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 900)))
        for _ in range(int(rng.integers(1, 7))):
            if day > pd.Timestamp("2026-10-31"):
                break
            rows.append((f"{i:05d}", day, float(rng.integers(5, 80) * 100)))
            day += pd.Timedelta(days=int(rng.integers(20, 200)))
    v = _visits(rows)
    return ClinicData(visits=v, lines=v)


def test_model_tiles_come_from_the_analyses(small_clinic):
    from clinicvalue.analyses.clv.model import ClvModel
    from clinicvalue.analyses.clv.selection import condition_groups
    from clinicvalue.analyses.retention.churn import churn_warnings
    from clinicvalue.summarize.summary import summarize

    # 120 patients: the last visit falls on 19 October, within a 31-day margin
    prof = ClinicProfile().replace(report__stale_after_days=31)
    rep = build_monthly(small_clinic, month="2026-10", profile=prof, locale="en")
    end = pd.Timestamp("2026-10-31")
    summ = summarize(small_clinic.visits, end, time_unit=prof.clv.time_unit)
    model = ClvModel(time_unit=prof.clv.time_unit, penalizer=prof.clv.penalizer).fit(
        summ,
        visits=small_clinic.visits,
        as_of=end,
        groups=condition_groups(small_clinic.patients, summ.index),
    )
    scores = model.predict(summ, prof)
    warned = churn_warnings(small_clinic, summ, end, prof, clv=scores)
    kpis = rep.metrics["kpis"]
    assert kpis["total_clv"] == pytest.approx(scores["clv"].sum())
    assert kpis["at_risk_patients"] == len(warned.table)
    assert kpis["clv_at_risk"] == pytest.approx(scores["clv"].reindex(warned.table.index).sum())
    assert rep.metrics["kpis_formatted"]["total_clv"] == format_kpi(
        "total_clv", scores["clv"].sum(), currency="TWD", locale="en"
    )
    # the CLV finding and the 80/20 share are written from the numbers
    # where the lifetime value sits: a recommended action (core patients) or a finding
    summary = rep.section("summary").html
    assert "of the clinic&#39;s lifetime value" in summary or any(
        "of the 36-month lifetime value" in f for f in rep.findings
    )
    assert 3 <= len(rep.findings) <= 5
    html = rep.section("segments").html + rep.section("clv").html
    assert "Movement since last month" in html and "Validation on held-out months" in html

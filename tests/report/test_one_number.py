"""Every figure that appears in more than one place of a report is the same number.

The report model (PDF/HTML pages and ``metrics.json``), the staff workbook and
``clinicvalue score`` for the same day all read one analysis run; these tests build each
and compare value at risk, active and new patients, revisit rates, 12-month return,
revenue, lifetime value and segment counts.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from clinicvalue.analyses.scoring import score_patients
from clinicvalue.data import ClinicData
from clinicvalue.load import load_clinic
from clinicvalue.profile import ClinicProfile, load_profile
from clinicvalue.report.excel import RUN_SHEET, write_worklist
from clinicvalue.report.monthly import MonthlyReport, build_monthly
from clinicvalue.synth import synthesize, write_synthetic
from clinicvalue.text.i18n import fmt_money, fmt_number, fmt_percent
from tests.support.paths import SAMPLES

MONTH = "2026-10"
AS_OF = "2026-10-31"


def _load(folder: Path) -> tuple[ClinicData, ClinicProfile]:
    prof = load_profile(folder / "clinic.toml") if (folder / "clinic.toml").exists() else None
    prof = prof or ClinicProfile()
    extra = {
        k: str(folder / f"{k}.csv")
        for k in ("patients", "spend", "plans", "appointments")
        if (folder / f"{k}.csv").exists()
    }
    return load_clinic(str(folder / "visits.csv"), profile=prof, **extra), prof


@pytest.fixture(scope="module", params=["dental sample", "synthetic general"])
def clinic(request, tmp_path_factory) -> tuple[ClinicData, ClinicProfile, MonthlyReport]:
    if request.param == "dental sample":
        data, prof = _load(SAMPLES / "dental")
    else:
        folder = tmp_path_factory.mktemp("general")
        write_synthetic(synthesize("general", patients=1500, seed=11), folder)
        data, prof = _load(folder)
    report = build_monthly(data, month=MONTH, profile=prof, locale="en")
    return data, prof, report


def _html(report: MonthlyReport) -> str:
    return "".join(s.html for s in report.sections.values())


def test_every_section_was_built(clinic):
    _, _, report = clinic
    assert {k: s.status for k, s in report.sections.items()} == dict.fromkeys(report.sections, "ok")


def test_value_at_risk_is_one_number(clinic):
    _, prof, report = clinic
    m = report.metrics
    kpi = m["kpis"]["clv_at_risk"]
    assert kpi is not None and kpi > 0
    assert m["analyses"]["churn_warnings"]["value_at_risk_total"] == pytest.approx(kpi, rel=1e-12)
    shown = fmt_money(kpi, prof.clinic.currency, "en")
    assert shown in _html(report)  # the actions page's sentence
    assert any(t["value"] == shown for t in m["tiles"] if t["key"] == "clv_at_risk")


def test_active_and_new_patients_are_one_number(clinic):
    _, _, report = clinic
    m = report.metrics
    flow = m["analyses"]["flow"]
    assert flow["active_end"] == m["kpis"]["active_patients"]
    assert flow["new"] == m["kpis"]["new_patients"]
    previous = m["trend"]["2026-09"]
    assert flow["active_start"] == previous["active_patients"]


def test_revisit_and_twelve_month_return_are_one_number(clinic):
    _, _, report = clinic
    m = report.metrics
    rates = m["analyses"]["revisit_rates"]
    assert rates["90"]["rate"] == pytest.approx(m["kpis"]["revisit_rate_90d"], rel=1e-12)
    html = _html(report)
    for window in ("90", "365"):
        assert fmt_percent(rates[window]["rate"], "en") in html
    # the model's 12-month figure is labelled as a model estimate, never as retention alone
    assert "Modelled 12-month retention" in html
    assert ">12-month retention<" not in html


def test_revenue_is_one_number(clinic):
    data, _, report = clinic
    m = report.metrics
    month = data.visits[data.visits["visit_date"].dt.strftime("%Y-%m") == MONTH]
    assert m["kpis"]["revenue"] == pytest.approx(float(month["amount"].sum()), rel=1e-12)
    assert m["trend"][MONTH]["revenue"] == m["kpis"]["revenue"]
    assert m["kpis"]["revenue_new"] + m["kpis"]["revenue_returning"] == pytest.approx(
        m["kpis"]["revenue"], rel=1e-12
    )


def test_new_patient_revenue_matches_the_revenue_split_chart(clinic):
    data, prof, report = clinic
    from clinicvalue.analyses.economics.channels import revenue_new_vs_returning

    split = revenue_new_vs_returning(data.until(pd.Timestamp(AS_OF)), prof)
    row = split.loc[pd.Timestamp(f"{MONTH}-01")]
    assert row["new_revenue"] == pytest.approx(report.metrics["kpis"]["revenue_new"], rel=1e-12)


def test_score_command_agrees_with_the_report(clinic):
    data, prof, report = clinic
    m = report.metrics
    scores = score_patients(data, AS_OF, prof).table
    assert float(scores["clv"].sum()) == pytest.approx(m["kpis"]["total_clv"], rel=1e-9)
    counts = scores["segment_rfm8"].value_counts().to_dict()
    assert counts == m["analyses"]["segments"]["rfm8"]
    tiers = scores["tier_value5"].value_counts().to_dict()
    assert tiers == m["analyses"]["segments"]["value_tier"]
    flagged = m["kpis"]["at_risk_patients"]
    assert flagged == m["analyses"]["churn_warnings"]["n_patients"]
    assert int(scores["churn_flags"].fillna("").ne("").sum()) == flagged


def test_workbook_lists_the_counts_the_report_shows(clinic, tmp_path):
    _, prof, report = clinic
    path = write_worklist(report.worklist, tmp_path / "actions.xlsx", profile=prof, locale="en")
    book = openpyxl.load_workbook(path, read_only=True)
    sheets = [ws for ws in book.worksheets if ws.title != RUN_SHEET]
    whole = report.metrics["analyses"]["worklist"]
    assert sheets[0].max_row - 1 == whole["listed"] == len(report.worklist.rows)
    views = {
        k: v["listed"] for k, v in report.metrics["analyses"]["actions"].items() if v["listed"]
    }
    assert [ws.max_row - 1 for ws in sheets[1:]] == list(views.values())
    run = book[RUN_SHEET]
    held = sum(v["held_back"] for v in whole["lists"].values())
    assert run.max_row - 1 == whole["listed"] + held
    html = _html(report)
    for v in whole["lists"].values():
        assert fmt_number(v["eligible"], "en") in html
        assert v["booked_left_off"] is None or fmt_number(v["booked_left_off"], "en") in html


def test_each_months_new_and_active_patients_agree_between_trend_and_flow(clinic):
    """The trend table and the flow chart of the retention page, month by month."""
    from clinicvalue.analyses.run import analyse

    data, prof, _ = clinic
    run = analyse(data, AS_OF, prof)
    months = pd.to_datetime(run.series.index + "-01")
    flow = run.flow.reindex(months)
    assert flow["new"].tolist() == run.series["new_patients"].tolist()
    assert flow["active_end"].tolist() == run.series["active_patients"].tolist()


def test_lifetime_value_is_one_number(clinic):
    """One LTV: gross margin over the horizon, on the tile, in economics and metrics.json."""
    data, prof, report = clinic
    from clinicvalue.analyses.run import analyse

    m = report.metrics
    run = analyse(data.until(pd.Timestamp(AS_OF)), AS_OF, prof)
    scores = run.clv_scores
    # the lifetime value is margin, not revenue
    assert float(scores["clv"].sum()) == pytest.approx(
        float(scores["clv_revenue"].sum()) * prof.clinic.gross_margin, rel=1e-12
    )
    assert m["kpis"]["total_clv"] == pytest.approx(float(scores["clv"].sum()), rel=1e-6)
    # LTV:CAC on the tile = the channels' new-patient LTV over the spend that bought them
    by = m["analyses"]["economics"]["by_channel"]
    spend = sum(row["spend"] for row in by.values())
    ltv = sum(row["ltv"] * row["new_patients"] for row in by.values())
    assert m["kpis"]["ltv_cac"] == pytest.approx(ltv / spend, rel=1e-9)
    for row in by.values():
        assert row["ltv_cac"] == pytest.approx(row["ltv"] / row["cac"], rel=1e-12)
    shown = fmt_number(m["kpis"]["ltv_cac"], "en", decimals=1) + "×"
    assert any(t["value"] == shown for t in m["tiles"] if t["key"] == "ltv_cac")
    html = _html(report)
    assert "LTV to date" not in html and "12-month LTV" not in html


def test_new_patient_ltv_adds_realised_margin_and_the_rest_of_the_horizon(clinic):
    """A patient acquired k months ago: margin already earned + the forecast for 36 − k."""
    import numpy as np

    from clinicvalue.analyses.economics.lifetime import new_patient_ltv
    from clinicvalue.analyses.run import analyse
    from clinicvalue.summarize.definitions import first_visits

    data, prof, _ = clinic
    run = analyse(data.until(pd.Timestamp(AS_OF)), AS_OF, prof)
    model, as_of = run.clv.model, pd.Timestamp(AS_OF)
    first = first_visits(run.data.visits, run.data.patients)
    old = first[first < as_of - pd.DateOffset(months=prof.clv.horizon_months + 1)].head(50)
    ltv = new_patient_ltv(run.data.visits, old, run.summary, model, as_of, prof)
    # acquired more than a horizon ago: all realised, nothing forecast
    v = run.data.visits[run.data.visits["patient_id"].isin(old.index)]
    end = old.reindex(v["patient_id"]).to_numpy() + np.timedelta64(0, "D")
    inside = v["visit_date"].to_numpy() < (
        pd.DatetimeIndex(end) + pd.DateOffset(months=prof.clv.horizon_months)
    )
    realised = v[inside].groupby("patient_id")["amount"].sum().reindex(old.index, fill_value=0)
    assert ltv.to_numpy() == pytest.approx(realised.to_numpy() * prof.clinic.gross_margin)
    # acquired this month: the forecast is (nearly) the whole lifetime value of the score
    new = first[first >= pd.Timestamp(f"{MONTH}-01")].head(50)
    got = new_patient_ltv(run.data.visits, new, run.summary, model, as_of, prof)
    month = run.data.visits[run.data.visits["patient_id"].isin(new.index)]
    spent = month.groupby("patient_id")["amount"].sum().reindex(new.index)
    spent = spent * prof.clinic.gross_margin
    forecast = run.clv_scores["clv"].reindex(new.index)
    assert got.to_numpy() == pytest.approx((spent + forecast).to_numpy(), rel=1e-9)


def test_the_visit_model_the_report_names_is_the_one_that_scored(clinic):
    """The report's sentence, metrics.json and ``clinicvalue score``'s model facts agree."""
    from clinicvalue.analyses.clv.processes import MODEL_NAMES

    data, prof, report = clinic
    block = report.metrics["analyses"]["clv"]["visit_model"]
    facts = score_patients(data, AS_OF, prof).model["visit_model"]
    assert facts["name"] == block["name"]
    assert set(facts["params"]) == set(block["params"])
    for group, params in block["params"].items():
        assert facts["params"][group] == pytest.approx(params, rel=1e-12)
    comparison = block["comparison"]
    assert comparison is not None and block["choice"] == "holdout"
    html = report.sections["clv"].html
    assert "Which visit model, and why" in html
    errors = comparison["errors"]
    if comparison["chosen"] == "bgnbd":
        assert "The standard BG/NBD model predicted" in html
    else:
        gain = 1 - errors[comparison["chosen"]]["mae"] / errors["bgnbd"]["mae"]
        assert MODEL_NAMES[block["name"]] in html and fmt_percent(gain, "en") in html
    # the appendix lists the parameters of the model in use unless it is BG/NBD alone
    appendix = report.sections["appendix"].html
    assert ("Visit model parameters" in appendix) == (block["name"] != "bgnbd" or block["by_group"])

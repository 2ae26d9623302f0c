"""What to do next: recommendations from the run, and every section's closing line."""

from __future__ import annotations

import pytest

from clinicvalue.analyses.advice import SECTIONS, recommendations
from clinicvalue.analyses.run import analyse
from clinicvalue.load import load_clinic
from clinicvalue.profile import load_profile
from clinicvalue.report.monthly import build_monthly
from clinicvalue.report.views.blocks import Advice, Findings
from tests.support.paths import SAMPLES

AS_OF = "2026-10-31"


@pytest.fixture(scope="module")
def dental():
    folder = SAMPLES / "dental"
    prof = load_profile(folder / "clinic.toml")
    data = load_clinic(
        folder / "visits.csv",
        profile=prof,
        patients=folder / "patients.csv",
        spend=folder / "spend.csv",
        plans=folder / "plans.csv",
    )
    return data, prof


def test_recommendations_name_patients_and_money(dental):
    data, prof = dental
    run = analyse(data, AS_OF, prof)
    recs = run.advice
    keys = [r.key for r in recs]
    assert keys[0] == "call_churn_list"  # stopping a loss comes first
    churn = recs[0]
    assert churn.patients == run.kpis["at_risk_patients"]
    assert churn.value == pytest.approx(run.kpis["clv_at_risk"])
    at_risk = next(r for r in recs if r.key == "win_back_at_risk")
    assert at_risk.patients == int((run.segments["segment_rfm8"] == "at_risk").sum())
    assert at_risk.value > 0
    assert {r.section for r in recs} <= set(SECTIONS)
    again = recommendations(
        churn=run.churn,
        segments=run.segments,
        features=run.features,
        clv_scores=run.clv_scores,
        economics=run.economics,
        revisit_rate=run.kpis["revisit_rate_90d"],
        revisit_rate_last_year=run.last_year["revisit_rate_90d"],
        recalls_due=next(r.patients for r in recs if r.key == "book_recalls"),
        profile=prof,
    )
    assert again == run.advice  # one home: the run's part is the rules' answer


def test_channels_below_the_floor_are_reviewed_most_spend_first(dental):
    data, prof = dental
    run = analyse(data, AS_OF, prof.replace(economics__min_ltv_cac=1000.0))
    reviews = [r for r in run.advice if r.key == "review_channel"]
    by = run.economics.by_channel
    assert len(reviews) == len(by)
    spent = [r.value for r in reviews]
    assert spent == sorted(spent, reverse=True)
    assert {dict(r.values)["channel"] for r in reviews} == set(by.index)
    for r in reviews:
        channel = dict(r.values)["channel"]
        assert r.value == pytest.approx(by.loc[channel, "spend"])
        assert dict(r.values)["ratio"] == pytest.approx(by.loc[channel, "ltv_cac"])


def test_a_revisit_drop_below_the_threshold_is_not_advice(dental):
    data, prof = dental
    run = analyse(data, AS_OF, prof.replace(economics__revisit_drop_points=0.5))
    assert "revisit_fell" not in [r.key for r in run.advice]


def test_the_summary_leads_with_actions_and_every_section_ends_with_advice(dental):
    data, prof = dental
    report = build_monthly(data, month="2026-10", profile=prof, locale="zh-Hans")
    summary = report.sections["summary"].view.blocks
    assert isinstance(summary[0], Findings) and summary[0].title == "建议行动"
    assert 3 <= len(summary[0].items) <= 5
    assert "834" in summary[0].items[0]
    for key in SECTIONS:
        blocks = report.sections[key].view.blocks
        assert isinstance(blocks[-1], Advice), key
        assert blocks[-1].label == "建议："
    keys = [r["key"] for r in report.metrics["analyses"]["advice"]]
    assert keys == [r.key for r in analyse(data, AS_OF, prof).advice]

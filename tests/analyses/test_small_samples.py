"""Small clinics: a part the data cannot support becomes a one-line note, never nonsense."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clinicvalue.analyses.clv.uncertainty import clv_intervals
from clinicvalue.analyses.run import Missing, analyse
from clinicvalue.load import load_clinic
from clinicvalue.profile import ClinicProfile
from clinicvalue.report.monthly import build_monthly
from clinicvalue.synth import synthesize

AS_OF = "2026-10-31"


def _clinic(patients: int, seed: int):
    syn = synthesize("dental", patients=patients, seed=seed)
    plans = syn.plans if syn.plans is not None and len(syn.plans) else None
    return load_clinic(syn.visits, patients=syn.patients, spend=syn.spend, plans=plans)


@pytest.fixture(scope="module")
def tiny():
    return _clinic(80, 1)


def test_too_few_patients_for_a_model_is_a_note(tiny):
    run = analyse(tiny, AS_OF, ClinicProfile())
    assert isinstance(run.clv, Missing) and run.clv.key == "small_clv"
    assert dict(run.clv.values)["need"] == 100
    assert isinstance(run.clv_intervals, Missing) and run.kpis["total_clv"] is None
    report = build_monthly(tiny, month="2026-10", profile=ClinicProfile(), locale="zh-Hant")
    clv = report.sections["clv"]
    assert clv.status == "missing"
    assert "病患數不足以建立終身價值模型" in clv.html
    assert "clv.min_patients" not in clv.html  # the setting's name is for the log, not the owner


def test_undetermined_parameters_show_no_interval(tiny):
    """An 80-patient BG/NBD fit (allowed by a low minimum) is flagged; no interval is shown."""
    prof = ClinicProfile().replace(clv__min_patients=50, clv__model="bgnbd")
    run = analyse(tiny, AS_OF, prof)
    assert not isinstance(run.clv, Missing)
    assert isinstance(run.clv_undetermined, Missing)
    assert run.clv_intervals is run.clv_undetermined
    report = build_monthly(tiny, month="2026-10", profile=prof, locale="en")
    html = report.sections["clv"].html
    assert "too few to pin the model down" in html
    assert "from the uncertainty in the model" not in html  # the total's sentence has no interval
    appendix = report.sections["appendix"].html
    assert "Visit rate" in appendix and "—" in appendix


def test_no_lifetime_value_bound_is_negative(tiny):
    """Gamma-Gamma draws with q ≤ 1 have no mean spend; they are redrawn, not summed."""
    prof = ClinicProfile().replace(
        clv__min_patients=50, clv__bootstrap_draws=400, clv__model="bgnbd"
    )
    run = analyse(tiny, AS_OF, prof)
    ci = clv_intervals(run.clv.model, run.summary, prof, margin=True)
    assert ci.total["lower"] >= 0
    assert (ci.by_segment["lower"] >= 0).all()


def test_few_repeat_patients_use_their_own_average_spend(tiny):
    prof = ClinicProfile().replace(clv__min_patients=50, clv__min_repeat_patients=10_000)
    run = analyse(tiny, AS_OF, prof)
    model = run.clv.model
    assert model.gg_params_ is None
    repeat = run.summary["frequency"] > 0
    spend = run.clv_scores["exp_spend"]
    np.testing.assert_allclose(spend[repeat], run.summary.loc[repeat, "monetary"].clip(lower=0))


def test_drivers_need_enough_returns_and_non_returns():
    rows = []
    for i in range(60):  # 60 patients, only 3 of whom come back
        rows.append((f"P{i}", pd.Timestamp("2025-01-05") + pd.Timedelta(days=i), 500.0))
        if i < 3:
            rows.append((f"P{i}", pd.Timestamp("2025-03-01") + pd.Timedelta(days=i), 500.0))
    v = pd.DataFrame(rows, columns=["patient_id", "visit_date", "amount"])
    data = load_clinic(v)
    run = analyse(data, AS_OF, ClinicProfile())
    assert isinstance(run.drivers, Missing)
    assert "needs at least 10 of each" in run.drivers.reason
    lower = analyse(data, AS_OF, ClinicProfile().replace(economics__drivers_min_events=3))
    assert not isinstance(lower.drivers, Missing) or "needs at least" not in lower.drivers.reason

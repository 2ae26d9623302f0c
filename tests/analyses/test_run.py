"""The analysis run: each per-patient table is the same however the run reaches it."""

from __future__ import annotations

import pandas as pd
import pytest

from clinicvalue.analyses.kpis import monthly_series
from clinicvalue.analyses.run import analyse
from clinicvalue.data import ClinicData
from clinicvalue.load import load_clinic
from clinicvalue.summarize.summary import summarize
from clinicvalue.synth import synthesize


@pytest.fixture(scope="module")
def clinic() -> ClinicData:
    s = synthesize("dental", patients=1500, seed=8)
    return load_clinic(s.visits, patients=s.patients)


@pytest.mark.parametrize("as_of", ["2026-10-31", "2025-03-15"])
def test_the_summary_is_the_same_before_and_after_the_features(clinic, as_of):
    want = summarize(clinic.until(as_of).visits, as_of)
    # as known on that day: the visit rule in SQL on the attended line items up to it
    lines = clinic.lines[~clinic.lines["status"].isin(["no-show", "cancelled"]).to_numpy()]
    pd.testing.assert_frame_equal(
        summarize(lines[["patient_id", "visit_date", "amount"]], as_of), want
    )
    alone = analyse(clinic, as_of).summary  # asked for first: the features are made for it
    run = analyse(clinic, as_of)
    _ = run.features
    pd.testing.assert_frame_equal(run.summary, want)  # taken from the features
    pd.testing.assert_frame_equal(alone, want)


def test_this_and_last_years_series_are_each_months_own(clinic):
    run = analyse(clinic, "2026-10-31")
    own = {
        month: monthly_series(
            clinic.visits, month=month, profile=run.profile, patients=clinic.patients
        )
        for month in ("2026-10", "2025-10")
    }
    pd.testing.assert_frame_equal(run.series, own["2026-10"])
    pd.testing.assert_frame_equal(run.series_last_year, own["2025-10"])


def test_visits_without_a_patient_keep_their_summary_row(clinic):
    visits = clinic.visits.copy()
    visits.loc[visits.index[:3], "patient_id"] = pd.NA
    data = ClinicData(visits=visits, lines=visits, patients=clinic.patients)
    run = analyse(data, "2026-10-31")
    _ = run.features
    pd.testing.assert_frame_equal(run.summary, summarize(visits, "2026-10-31"))


def test_the_movement_starts_from_last_months_own_segments(clinic):
    from clinicvalue.analyses.segments.movement import segment_transitions

    run = analyse(clinic, "2026-10-31")
    before = analyse(clinic.until("2026-09-30"), "2026-09-30")
    want = segment_transitions(before.segments["segment_rfm8"], run.segments["segment_rfm8"])
    pd.testing.assert_frame_equal(run.movement.matrix, want.matrix)
    assert run.movement.upgrades.equals(want.upgrades)
    assert run.movement.downgrades.equals(want.downgrades)

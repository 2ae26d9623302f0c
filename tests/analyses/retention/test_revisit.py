"""Tests for clinicvalue.analyses.retention.revisit."""

from __future__ import annotations

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from clinicvalue.analyses.retention.flow import patient_flow
from clinicvalue.analyses.retention.revisit import (
    days_to_return,
    returned_within,
    revisit_rates,
    visits_by_patient,
)
from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile

AS_OF = pd.Timestamp("2026-06-30")


def _visits() -> pd.DataFrame:
    rows = [
        ("a", "2026-01-01"),
        ("a", "2026-01-21"),  # returned in 20 days
        ("b", "2026-01-10"),
        ("b", "2026-05-10"),  # returned in 120 days
        ("c", "2026-02-01"),  # never returned, followed 149 days
        ("d", "2026-06-10"),  # first seen 20 days before as_of
    ]
    return pd.DataFrame(
        {
            "patient_id": pd.array([r[0] for r in rows], dtype="string"),
            "visit_date": pd.to_datetime([r[1] for r in rows]),
            "amount": 1.0,
        }
    )


def test_days_to_return() -> None:
    r = days_to_return(_visits(), AS_OF)
    assert r.loc["a", "days_to_return"] == 20
    assert r.loc["b", "days_to_return"] == 120
    assert pd.isna(r.loc["c", "days_to_return"])
    assert r.loc["d", "follow_up_days"] == 20


def test_censored_patient_not_counted_as_not_returned() -> None:
    r = days_to_return(_visits(), AS_OF)
    within90 = returned_within(r, 90)
    assert pd.isna(within90["d"])  # first seen 20 days ago: not in the 90-day denominator
    assert within90["a"] and not within90["b"] and not within90["c"]
    rates = revisit_rates(r).set_index("window_days")
    assert rates.loc[90, "eligible"] == 3
    assert rates.loc[90, "returned"] == 1
    # b (171 days) and c (149 days) were not followed 180 days: only a counts,
    # even though b is known to have returned (the rule excludes by follow-up alone)
    assert rates.loc[180, "eligible"] == 1
    assert rates.loc[180, "returned"] == 1


def test_wilson_interval_matches_statsmodels() -> None:
    rates = revisit_rates(days_to_return(_visits(), AS_OF)).set_index("window_days")
    low, high = proportion_confint(1, 3, method="wilson")
    assert rates.loc[90, "ci_low"] == pytest.approx(low)
    assert rates.loc[90, "ci_high"] == pytest.approx(high)
    assert rates.loc[90, "never_returned"] == pytest.approx(2 / 3)
    assert pd.isna(rates.loc[365, "rate"])  # nobody followed a year


def test_grouped_rates() -> None:
    r = days_to_return(_visits(), AS_OF)
    groups = pd.Series(
        ["x", "x", "y"], index=pd.Index(["a", "b", "c"], dtype="string", name="patient_id")
    )
    rates = revisit_rates(r, groups=groups, windows=(30,))
    got = rates.set_index("group")["returned"].to_dict()
    assert got == {"unknown": 0, "x": 1, "y": 0}  # d: censored at 30 days
    assert rates.set_index("group").loc["unknown", "eligible"] == 0


def test_missing_columns() -> None:
    with pytest.raises(InputError, match="visit_date"):
        days_to_return(pd.DataFrame({"patient_id": ["a"]}), AS_OF)


def test_unsorted_input_duplicates_and_later_patients() -> None:
    # the fast path factorises ids and sorts once: shuffled rows, a same-day duplicate and
    # a patient seen only after as_of must not change the answer
    v = _visits()
    extra = pd.DataFrame(
        {
            "patient_id": pd.array(["a", "z", "c"], dtype="string"),
            "visit_date": pd.to_datetime(["2026-01-01", "2026-07-05", "2026-07-01"]),
            "amount": 1.0,
        }
    )
    shuffled = pd.concat([v, extra]).sample(frac=1.0, random_state=3)
    r = days_to_return(shuffled, AS_OF)
    expected = days_to_return(v, AS_OF)
    pd.testing.assert_frame_equal(r, expected)
    assert "z" not in r.index and r.index.dtype == "string"
    assert r.loc["a", "second_visit"] == pd.Timestamp("2026-01-21")  # not the duplicate day


def test_visits_sorted_once_give_the_same_returns_and_flow() -> None:
    v = _visits().iloc[::-1]  # unsorted rows
    first = pd.Series(pd.to_datetime(["2025-12-01"]), index=pd.Index(["b"], dtype="string"))
    sorted_once = visits_by_patient(v, AS_OF)
    pd.testing.assert_frame_equal(
        days_to_return(sorted_once, AS_OF, first=first), days_to_return(v, AS_OF, first=first)
    )
    profile = ClinicProfile()
    pd.testing.assert_frame_equal(
        patient_flow(sorted_once, AS_OF, profile, first=first),
        patient_flow(v, AS_OF, profile, first=first),
    )


def test_visits_sorted_as_of_another_day_are_refused() -> None:
    with pytest.raises(InputError, match="sorted as of 2026-05-31, not 2026-06-30"):
        days_to_return(visits_by_patient(_visits(), "2026-05-31"), AS_OF)

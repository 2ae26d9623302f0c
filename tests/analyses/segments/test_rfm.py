import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicvalue.analyses.segments.rfm import quintile_score, rfm_table
from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile
from tests.support.clinics import AS_OF, V, visits


def test_rfm_hand_computed():
    t = rfm_table(V, AS_OF, ClinicProfile())
    # R: A Dec1→Dec31 30; B 10; C Jan15→Dec31 = 351; D 2022-01-01 → 365+365+365 = 1095; E 29+30+31
    assert t["recency_days"].to_dict() == {"A": 30, "B": 10, "C": 351, "D": 1095, "E": 90}
    # F: visits per year of history, a history shorter than a year counting as one
    assert t["visits_per_year"].to_dict() == {"A": 3, "B": 1, "C": 2, "D": 1, "E": 2}
    # M: cumulative spend over the whole history (C's 2023 visit included)
    assert t["rfm_spend"].to_dict() == {"A": 60000, "B": 50, "C": 1500, "D": 80, "E": 120000}
    # R ranks on -recency: D1 C2 E3 A4 B5 → ceil(5 * rank/5) = rank
    assert t["r_score"].to_dict() == {"A": 4, "B": 5, "C": 2, "D": 1, "E": 3}
    # F: B,D tie (avg rank 1.5 → ceil(1.5)=2), C,E tie (3.5 → 4), A 5
    assert t["f_score"].to_dict() == {"A": 5, "B": 2, "C": 4, "D": 2, "E": 4}
    assert t["m_score"].to_dict() == {"A": 4, "B": 1, "C": 3, "D": 2, "E": 5}


def test_frequency_is_visits_per_year_of_history():
    """Ten visits over five years are two a year, however long ago the last one was."""
    days = pd.date_range("2018-01-01", "2022-12-31", periods=10)
    v = visits([("A", d.strftime("%Y-%m-%d"), 100.0) for d in days])
    t = rfm_table(v, AS_OF, ClinicProfile())
    assert t.loc["A", "visits_per_year"] == pytest.approx(10 / (days[-1] - days[0]).days * 365.25)
    assert t.loc["A", "rfm_spend"] == 1000.0
    per_year = rfm_table(v, AS_OF, ClinicProfile().replace(rfm__monetary="per_year"))
    assert per_year.loc["A", "rfm_spend"] == pytest.approx(1000.0 / 5.0, rel=1e-3)


def test_self_pay_only_uses_self_pay():
    t = rfm_table(V, AS_OF, ClinicProfile().replace(rfm__self_pay_only=True))
    assert t.loc["A", "rfm_spend"] == 30000


def test_self_pay_missing_is_error():
    with pytest.raises(InputError, match="self_pay_only"):
        rfm_table(
            V.drop(columns="self_pay"), AS_OF, ClinicProfile().replace(rfm__self_pay_only=True)
        )


def test_missing_column_is_error():
    with pytest.raises(InputError, match="no column 'amount'"):
        rfm_table(V.drop(columns="amount"), AS_OF, ClinicProfile())


def test_unknown_patient_is_error():
    with pytest.raises(InputError, match="no visit on or before"):
        rfm_table(V, AS_OF, ClinicProfile(), patients=pd.Index(["Z"]))


def test_all_identical_scores_three():
    s = quintile_score(pd.Series([5.0, 5.0, 5.0]))
    assert s.tolist() == [3, 3, 3]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=40))
def test_scores_in_range_ties_equal_and_monotone(values):
    s = pd.Series(values, dtype=float)
    sc = quintile_score(s)
    assert sc.between(1, 5).all()
    for v in set(values):
        assert sc[s == v].nunique() == 1
    order = s.sort_values(kind="stable").index
    assert sc[order].is_monotonic_increasing


def test_duplicate_patients_is_error():
    with pytest.raises(InputError, match="duplicated"):
        rfm_table(V, AS_OF, ClinicProfile(), patients=pd.Index(["A", "A"]))


def test_lookback_excludes_start_day_and_future():
    v = visits([("A", "2023-12-31", 1.0), ("A", "2024-01-01", 2.0), ("A", "2025-01-01", 4.0)])
    t = rfm_table(v, AS_OF, ClinicProfile().replace(rfm__lookback_months=12))
    # look-back = (2023-12-31, 2024-12-31]; the 2025 visit is after as_of
    assert t.loc["A", "visits_per_year"] == 1 and t.loc["A", "rfm_spend"] == 2.0
    assert t.loc["A", "recency_days"] == 365
    whole = rfm_table(v, AS_OF, ClinicProfile())
    assert whole.loc["A", "visits_per_year"] == 2 and whole.loc["A", "rfm_spend"] == 3.0


def test_missing_visit_date_is_not_a_visit():
    v = visits([("A", "2024-12-01", 1.0), ("A", None, 5.0)])
    t = rfm_table(v, AS_OF, ClinicProfile())
    assert t.loc["A", "recency_days"] == 30 and t.loc["A", "visits_per_year"] == 1

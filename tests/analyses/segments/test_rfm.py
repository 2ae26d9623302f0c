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
    assert t["frequency_window"].to_dict() == {"A": 3, "B": 1, "C": 1, "D": 0, "E": 2}
    assert t["monetary_window"].to_dict() == {"A": 60000, "B": 50, "C": 500, "D": 0, "E": 120000}
    # R ranks on -recency: D1 C2 E3 A4 B5 → ceil(5 * rank/5) = rank
    assert t["r_score"].to_dict() == {"A": 4, "B": 5, "C": 2, "D": 1, "E": 3}
    # F: D rank1, B,C tie avg rank 2.5 → ceil(2.5)=3, E 4, A 5
    assert t["f_score"].to_dict() == {"A": 5, "B": 3, "C": 3, "D": 1, "E": 4}
    assert t["m_score"].to_dict() == {"A": 4, "B": 2, "C": 3, "D": 1, "E": 5}


def test_self_pay_only_uses_self_pay():
    t = rfm_table(V, AS_OF, ClinicProfile().replace(rfm__self_pay_only=True))
    assert t.loc["A", "monetary_window"] == 30000


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


def test_index_positions_strings_and_fallback():
    from clinicvalue.analyses.segments.rfm import index_positions

    idx = pd.Index(["00004", "4", "B"], dtype="string")
    vals = pd.Series(["4", "00004", "Z", None], dtype="string")
    # leading zeros are identity; absent or missing ids → −1
    assert index_positions(vals, idx).tolist() == [1, 0, -1, -1]
    # integer ids use pandas' get_indexer
    assert index_positions(pd.Series([3, 1]), pd.Index([1, 2, 3])).tolist() == [2, 0]


def test_window_excludes_start_day_and_future():
    v = visits([("A", "2023-12-31", 1.0), ("A", "2024-01-01", 2.0), ("A", "2025-01-01", 4.0)])
    t = rfm_table(v, AS_OF, ClinicProfile())
    # window = (2023-12-31, 2024-12-31]; the 2025 visit is after as_of
    assert t.loc["A", "frequency_window"] == 1 and t.loc["A", "monetary_window"] == 2.0
    assert t.loc["A", "recency_days"] == 365


def test_missing_visit_date_is_not_a_visit():
    v = visits([("A", "2024-12-01", 1.0), ("A", None, 5.0)])
    t = rfm_table(v, AS_OF, ClinicProfile())
    assert t.loc["A", "recency_days"] == 30 and t.loc["A", "frequency_window"] == 1

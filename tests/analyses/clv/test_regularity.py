import numpy as np
import pandas as pd
import pytest

from clinicvalue.analyses.clv.regularity import wheat_morrison
from clinicvalue.errors import InputError


def _visits(gaps_by_patient: dict[str, list[int]]) -> pd.DataFrame:
    rows = []
    for pid, gaps in gaps_by_patient.items():
        d = pd.Timestamp("2024-01-01")
        rows.append((pid, d))
        for g in gaps:
            d = d + pd.Timedelta(days=g)
            rows.append((pid, d))
    return pd.DataFrame(rows, columns=["patient_id", "visit_date"])


def test_hand_computed():
    # last-two gaps: (10,10)->0.5, (10,30)->0.25, (30,10)->0.75 ; var(ddof=1)=0.0625
    # k = (1 - 0.25) / 0.5 = 1.5 ; patient "d" has only two visits → unused
    v = _visits({"a": [99, 10, 10], "b": [10, 30], "c": [30, 10], "d": [5]})
    k, n = wheat_morrison(v)
    assert n == 3
    assert k == pytest.approx(1.5)


def test_same_day_rows_merged_and_order_free():
    v = _visits({"a": [10, 10], "b": [10, 30], "c": [30, 10]})
    dup = pd.concat([v, v.iloc[[0, 3]]]).sample(frac=1, random_state=1)
    assert wheat_morrison(dup) == wheat_morrison(v)


def test_recovers_erlang_shape_from_simulation():
    rng = np.random.default_rng(7)
    for k_true in (1, 4):
        gaps = np.ceil(rng.gamma(k_true, 20 / k_true, size=(3000, 2)) * 10).astype(int)
        v = _visits({str(i): list(g) for i, g in enumerate(gaps)})
        v["visit_date"] = v["visit_date"] + pd.to_timedelta(0, unit="D")
        k, n = wheat_morrison(v)
        assert n == 3000
        assert k == pytest.approx(k_true, rel=0.2)


def test_too_few_and_perfectly_regular():
    assert np.isnan(wheat_morrison(_visits({"a": [1, 2]}))[0])
    assert wheat_morrison(_visits({"a": [7, 7], "b": [9, 9]}))[0] == float("inf")


def test_missing_column():
    with pytest.raises(InputError, match="needed for regularity"):
        wheat_morrison(pd.DataFrame({"patient_id": ["1"]}))

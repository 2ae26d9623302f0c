import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicvalue.analyses.segments.concentration import concentration
from clinicvalue.errors import InputError


def test_one_patient_has_everything():
    c = concentration(pd.Series([0.0, 0.0, 0.0, 0.0, 100.0]))
    # top 20% of 5 = 1 patient → 100%; Lorenz cum 0,0,0,0,0,1 → area = 1/5 × (1/2)... gini
    # = 1 − Σ(cum_i + cum_{i-1})/n = 1 − 1/5 = 0.8
    assert c.top_share == 1.0
    assert c.gini == pytest.approx(0.8)
    assert c.lorenz["revenue_share"].iloc[-1] == 1.0
    assert c.to_metrics()["top_fraction"] == 0.2


def test_equal_spend():
    c = concentration(pd.Series([10.0] * 4))
    # ceil(0.2 × 4) = 1 patient of 4 → 25%
    assert c.top_share == pytest.approx(0.25)
    assert c.gini == pytest.approx(0.0)


def test_errors():
    with pytest.raises(InputError, match="no positive revenue"):
        concentration(pd.Series([0.0, 0.0]))
    with pytest.raises(InputError, match="negative"):
        concentration(pd.Series([5.0, -1.0]))
    with pytest.raises(InputError, match="top_fraction"):
        concentration(pd.Series([5.0]), top_fraction=0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50).filter(lambda x: sum(x) > 1))
def test_lorenz_properties(values):
    c = concentration(pd.Series(values))
    assert -1e-9 <= c.gini <= 1
    assert np.all(np.diff(c.lorenz["revenue_share"]) >= -1e-12)
    assert c.top_share >= 0.2 - 1e-9 or len(values) < 5

import json

import numpy as np
import pandas as pd
import pytest
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

from clinicvalue.analyses.clv.model import ClvModel
from clinicvalue.analyses.clv.uncertainty import clv_intervals, parameter_intervals
from clinicvalue.errors import InputError
from clinicvalue.profile import ClinicProfile


@pytest.fixture(scope="module")
def setup():
    d = load_cdnow_summary_data_with_monetary_value().head(800)
    d = d.rename(columns={"monetary_value": "monetary"})
    d.index = d.index.astype(str).astype("string")
    return ClvModel().fit(d), d


def test_parameter_intervals_bracket_estimates(setup):
    m, _ = setup
    pi = parameter_intervals(m)
    assert len(pi) == 7
    assert ((pi["lower"] < pi["estimate"]) & (pi["estimate"] < pi["upper"])).all()
    assert (pi["lower"] > 0).all()
    wide = parameter_intervals(m, level=0.99)
    assert (wide["upper"] > pi["upper"]).all()


def test_clv_intervals_total_and_segments(setup):
    m, d = setup
    prof = ClinicProfile().replace(clv__bootstrap_draws=50, clv__horizon_months=12)
    seg = pd.Series(np.where(d["frequency"] > 1, "loyal", "other"), index=d.index)
    res = clv_intervals(m, d, prof, segments=seg)
    point = m.clv(d, months=12, annual_discount_rate=0.10)
    assert res.total["estimate"] == pytest.approx(point.sum())
    assert res.total["lower"] < res.total["estimate"] < res.total["upper"]
    bs = res.by_segment
    assert list(bs.index) == ["loyal", "other"]
    assert bs["patients"].sum() == len(d)
    assert bs.loc["loyal", "estimate"] == pytest.approx(point[seg == "loyal"].sum())
    json.dumps(res.to_metrics())
    again = clv_intervals(m, d, prof, segments=seg)
    assert again.total == res.total  # seeded


def test_margin_scales(setup):
    m, d = setup
    prof = ClinicProfile().replace(clv__bootstrap_draws=10)
    a = clv_intervals(m, d, prof).total["estimate"]
    b = clv_intervals(m, d, prof, margin=True).total["estimate"]
    assert b == pytest.approx(a * prof.clinic.gross_margin)


def test_bad_options(setup):
    m, d = setup
    with pytest.raises(InputError, match="interval level"):
        clv_intervals(m, d, ClinicProfile(), level=1.5)
    with pytest.raises(InputError, match="bootstrap_draws must be at least 2"):
        clv_intervals(m, d, ClinicProfile().replace(clv__bootstrap_draws=1))


def test_singular_covariance_message(setup):
    import copy

    m, d = setup
    broken = copy.copy(m)
    broken.log_cov_ = np.full((4, 4), np.nan)
    with pytest.raises(InputError, match="no usable variance matrix"):
        clv_intervals(broken, d, ClinicProfile().replace(clv__bootstrap_draws=5))

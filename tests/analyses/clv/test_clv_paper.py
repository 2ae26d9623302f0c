"""Oracle: Fader, Hardie & Lee (2005) "Counting your customers the easy way" (BG/NBD)
and Fader, Hardie & Lee (2005) "RFM and CLV" Gamma-Gamma note, on lifetimes' shipped
raw CDNOW sample log (2,357 customers, calibration to 1997-09-30, weeks)."""

from pathlib import Path

import lifetimes
import numpy as np
import pandas as pd
import pytest

from clinicvalue import calibration_holdout, summarize
from clinicvalue.analyses.clv.bgnbd import bgnbd_expected
from clinicvalue.analyses.clv.model import ClvModel

RAW = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_sample.txt"


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    raw = pd.read_csv(
        RAW, sep=r"\s+", header=None, names=["cid", "id", "date", "n", "amount"], dtype=str
    )
    v = pd.DataFrame(
        {
            "patient_id": raw["cid"].astype("string"),
            "visit_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"].astype(float),
        }
    )
    v = v.groupby(["patient_id", "visit_date"], as_index=False)["amount"].sum()
    return v.assign(self_pay=0.0, n_items=1, refund=0.0)


@pytest.fixture(scope="module")
def model(visits) -> tuple[ClvModel, pd.DataFrame]:
    s = summarize(visits, "1997-09-30", time_unit="W")
    return ClvModel(time_unit="W").fit(s), s


def test_bgnbd_matches_fhl_2005(model):
    m, s = model
    assert len(s) == 2357
    got = {k: round(v, 3) for k, v in m.params_.items()}
    assert got == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert m.fit_step_ == "default"


def test_gamma_gamma_matches_fhl_2005_from_raw_log(model):
    # The raw log's repeat-purchase mean spend (first purchase excluded, same-day merged)
    # gives lifetimes' documented p=6.25, q=3.74, v=15.44.
    m, _ = model
    got = {k: round(v, 2) for k, v in m.gg_params_.items()}
    assert got == {"p": 6.25, "q": 3.74, "v": 15.44}


def test_conditional_expectation_fhl_2005(model):
    m, _ = model
    e = bgnbd_expected(m.params_, 39, 2, 30.43, 38.86)
    assert round(float(e), 3) == 1.226


def test_holdout_aggregate_fhl_2005(visits, model):
    m, _ = model
    ch = calibration_holdout(visits, "1997-09-30", "1998-06-30", time_unit="W")
    pred = bgnbd_expected(m.params_, 39, ch["frequency_cal"], ch["recency_cal"], ch["T_cal"]).sum()
    actual = ch["frequency_holdout"].sum()
    assert actual == 1882
    assert pred == pytest.approx(1653, abs=5)
    assert (pred - actual) / actual == pytest.approx(-0.12, abs=0.01)
    assert np.isfinite(pred)

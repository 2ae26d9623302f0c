"""Small hand-checked clinics that several test modules share.

Each is built so its expected results can be worked out by hand; the test modules that
use them say the arithmetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.data import ClinicData
from clinicvalue.profile import ClinicProfile

__all__ = ["AS_OF", "V", "visits", "data", "summary", "synthetic_visits", "PROFILE", "fixture_data"]

# --- five patients for RFM and segments (tests/analyses/segments) ---------------------

AS_OF = pd.Timestamp("2024-12-31")


def visits(rows):
    df = pd.DataFrame(rows, columns=["patient_id", "visit_date", "amount"])
    df["patient_id"] = df["patient_id"].astype("string")
    df["visit_date"] = pd.to_datetime(df["visit_date"])
    df["self_pay"] = df["amount"] / 2
    return df


V = visits(
    [
        ("A", "2024-12-01", 20000.0),
        ("A", "2024-11-01", 20000.0),
        ("A", "2024-06-01", 20000.0),
        ("B", "2024-12-21", 50.0),
        ("C", "2023-06-01", 1000.0),  # outside the 12-month window
        ("C", "2024-01-15", 500.0),
        ("D", "2022-01-01", 80.0),
        ("E", "2024-10-02", 60000.0),
        ("E", "2024-09-02", 60000.0),
    ]
)


def data(visits=V):
    v = visits.copy()
    tr = {"A": "implant; cleaning", "B": "洗牙"}
    v["treatment"] = v["patient_id"].map(tr).astype("string")
    patients = pd.DataFrame(
        {
            "patient_id": pd.array(list("ABCDE"), dtype="string"),
            "referred_by": pd.array([None, "A", None, None, None], dtype="string"),
        }
    )
    plans = pd.DataFrame(
        {
            "patient_id": pd.array(["A", "C", "C", "E"], dtype="string"),
            "item": ["crown", "filling", "crown", "cleaning"],
            "is_chief_complaint": [True, True, False, True],
            "status": ["planned", "done", "planned", "done"],
        }
    )
    return ClinicData(visits=v, lines=pd.DataFrame(), patients=patients, plans=plans)


def summary(d):
    return pd.DataFrame(index=pd.Index(sorted(d.visits["patient_id"].unique()), name="patient_id"))


# --- a few hundred random patients for the lifetime-value model -----------------------


def synthetic_visits(n: int = 300, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    counts = rng.poisson(3, n) + 1
    pid = np.repeat(np.arange(n), counts)
    offs = np.concatenate([np.r_[0, np.sort(rng.integers(1, 700, c - 1))] for c in counts])
    dates = np.repeat(first.to_numpy(), counts) + pd.to_timedelta(offs, unit="D").to_numpy()
    v = pd.DataFrame(
        {
            "patient_id": pd.Series(pid).map("{:05d}".format).astype("string"),
            "visit_date": dates,
            "amount": rng.gamma(2, 50, len(pid)).round(0),
        }
    ).drop_duplicates(["patient_id", "visit_date"])
    return v.assign(self_pay=0.0, n_items=1, refund=0.0)


# --- twelve patients in two channels for the economics (gross margin 1.0) -------------

PROFILE = ClinicProfile().replace(clinic__gross_margin=1.0)


def fixture_data(with_spend: bool = True) -> ClinicData:
    firsts = {
        "p01": "2025-01-05", "p02": "2025-01-10", "p03": "2025-01-20",
        "p04": "2025-02-03", "p05": "2025-02-14", "p06": "2025-03-02",
        "p07": "2025-01-07", "p08": "2025-01-25", "p09": "2025-02-08",
        "p10": "2025-02-20", "p11": "2025-03-11", "p12": "2025-03-30",
    }  # fmt: skip
    rows = [(p, d, 500.0) for p, d in firsts.items()]
    rows += [
        ("p01", "2025-02-05", 1000.0),
        ("p01", "2025-03-05", 1000.0),
        ("p02", "2025-03-15", 500.0),
        ("p07", "2025-02-07", 500.0),
        ("p03", "2026-02-10", 100.0),
    ]
    visits = pd.DataFrame(rows, columns=["patient_id", "visit_date", "amount"])
    visits["patient_id"] = visits["patient_id"].astype("string")
    visits["visit_date"] = pd.to_datetime(visits["visit_date"])
    patients = pd.DataFrame(
        {
            "patient_id": pd.array(list(firsts), dtype="string"),
            "channel": ["google"] * 6 + ["flyer"] * 6,
        }
    )
    months = pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"])
    spend = pd.DataFrame(
        {
            "month": list(months) * 2 + [months[1]],
            "channel": ["google"] * 3 + ["flyer"] * 3 + ["sms"],
            "amount": [3000.0, 2000.0, 1000.0, 1000.0, 1000.0, 1000.0, 600.0],
            "purpose": ["acquisition"] * 6 + ["retention"],
        }
    )
    return ClinicData(
        visits=visits,
        lines=pd.DataFrame(),
        patients=patients,
        spend=spend if with_spend else None,
    )

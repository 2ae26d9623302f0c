"""The kit's one lifetime value, and what a new patient of a channel is worth.

**Lifetime value** (LTV) is a patient's expected gross margin over the next
``clv.horizon_months`` (36 by default), discounted monthly at ``clv.annual_discount_rate``:

    LTV = Σ_{k=1..H} E[visits in month k] × E[spend per visit] × gross margin / (1 + d)^k

with BG/NBD giving the visits and Gamma-Gamma the spend
(:meth:`clinicvalue.analyses.clv.model.ClvModel.predict`, column ``clv``). The KPI tile,
the findings, the value at risk, the lists and ``metrics.json`` all use it.

**A new patient's LTV** (for LTV:CAC) is the same quantity counted from the first visit:
the margin the patient has already brought within ``H`` months of it, plus the model's
discounted forecast for what is left of those months. Revenue to date is never called
lifetime value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.analyses.clv.model import ClvModel
from clinicvalue.idsets import ids_in
from clinicvalue.profile import ClinicProfile
from clinicvalue.summarize.summary import MONTH_DAYS

__all__ = ["new_patient_ltv"]


def new_patient_ltv(
    visits: pd.DataFrame,
    first_visit: pd.Series,
    summary: pd.DataFrame,
    model: ClvModel,
    as_of: pd.Timestamp,
    profile: ClinicProfile,
) -> pd.Series:
    """Return each new patient's lifetime value counted from their first visit.

    Parameters
    ----------
    visits
        Canonical visits (``patient_id``, ``visit_date``, ``amount``).
    first_visit
        First visit per patient to value (index ``patient_id``), e.g. the patients an
        acquisition channel brought in.
    summary
        The per-patient summary the model scores (must hold those patients).
    model
        The fitted lifetime-value model.
    as_of
        The date the forecast starts from.
    profile
        Uses ``clv.horizon_months``, ``clv.annual_discount_rate``, ``clinic.gross_margin``.

    Returns
    -------
    pandas.Series
        ``ltv`` per patient of ``first_visit``: realised margin within the horizon since
        the first visit plus the discounted forecast for the rest of it.
    """
    c, gm = profile.clv, profile.clinic.gross_margin
    ids = first_visit.index.astype("string")
    first = pd.Series(first_visit.to_numpy(), index=ids)
    ends = first + pd.DateOffset(months=c.horizon_months)
    v = visits[["patient_id", "visit_date", "amount"]]
    v = v[ids_in(v["patient_id"], ids) & (v["visit_date"] <= as_of).to_numpy()]
    within = v["visit_date"].to_numpy() < ends.reindex(v["patient_id"]).to_numpy()
    realised = v.loc[within].groupby("patient_id", observed=True)["amount"].sum()
    realised = realised.reindex(ids, fill_value=0.0) * gm
    age = ((pd.Timestamp(as_of) - first).dt.days / MONTH_DAYS).to_numpy()
    left = np.clip(c.horizon_months - np.floor(age), 0, c.horizon_months).astype("int64")
    forecast = model.value_within(
        summary.reindex(ids),
        left,
        annual_discount_rate=c.annual_discount_rate,
        margin=gm,
    )
    return (realised + forecast.to_numpy()).rename("ltv")

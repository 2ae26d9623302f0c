"""One-month budget scenario calculator (article 000's clinic A vs clinic B).

Two kinds of spend are modelled honestly, because article 000 treats them differently:

* ``kind="acquisition"``: the budget brings ``patients`` *new* patients whose first visit
  happens this month, so revenue is ``patients × spend_per_patient`` (the return rate only
  matters for later months and is reported separately as ``expected_returns``).
* ``kind="retention"``: the budget is spent on ``patients`` existing patients, of whom a
  share ``return_rate`` come back this month, so revenue is
  ``patients × spend_per_patient × return_rate``.

Profit is ``revenue × gross_margin − budget``. With ``gross_margin=1`` (the article's
simplification) clinic A earns 200,000 − 50,000 = 150,000 and clinic B
280,000 − 20,000 = 260,000.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from clinicvalue.errors import InputError, check_option

KINDS = ("acquisition", "retention")
_FIELDS = ("budget", "patients", "spend_per_patient", "return_rate", "gross_margin")


@dataclass(frozen=True)
class Scenario:
    """One month of marketing or care spend and what it earns.

    Parameters
    ----------
    budget : float
        Money spent this month (ads for acquisition, care for retention).
    patients : float
        New patients brought in (acquisition) or existing patients cared for (retention).
    spend_per_patient : float
        Revenue per visiting patient.
    return_rate : float
        Share of patients who come back (0–1).
    kind : str
        ``"acquisition"`` or ``"retention"`` (see the module docstring).
    gross_margin : float
        Share of revenue kept after direct costs (1.0 = the article's simplification).
    """

    budget: float
    patients: float
    spend_per_patient: float
    return_rate: float
    kind: str = "acquisition"
    gross_margin: float = 1.0

    def __post_init__(self) -> None:
        check_option("kind", self.kind, KINDS)
        for name in ("budget", "patients", "spend_per_patient"):
            if getattr(self, name) < 0:
                raise InputError(
                    f"Scenario {name} must be zero or positive, got {getattr(self, name)}.",
                    value=getattr(self, name),
                )
        for name in ("return_rate", "gross_margin"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise InputError(
                    f"Scenario {name} is a share between 0 and 1 (e.g. 0.7 for 70%), got {value}.",
                    value=value,
                )

    @property
    def visiting_patients(self) -> float:
        """Patients who visit (and pay) this month."""
        if self.kind == "acquisition":
            return float(self.patients)
        return float(self.patients * self.return_rate)

    @property
    def expected_returns(self) -> float:
        """Patients expected to come back later (acquisition) or this month (retention)."""
        return float(self.patients * self.return_rate)

    @property
    def revenue(self) -> float:
        """Revenue earned this month."""
        return self.visiting_patients * self.spend_per_patient

    @property
    def profit(self) -> float:
        """Revenue × gross margin minus the budget."""
        return self.revenue * self.gross_margin - self.budget

    @property
    def cost_per_patient(self) -> float:
        """Budget per patient reached (NaN when no patients)."""
        return self.budget / self.patients if self.patients else float("nan")

    @property
    def roi(self) -> float:
        """Profit per unit of budget (NaN when the budget is zero)."""
        return self.profit / self.budget if self.budget else float("nan")

    def to_metrics(self) -> dict[str, Any]:
        """Return inputs and results as a JSON-ready dict."""
        out: dict[str, Any] = dataclasses.asdict(self)
        out.update(
            revenue=self.revenue,
            profit=self.profit,
            visiting_patients=self.visiting_patients,
            expected_returns=self.expected_returns,
            cost_per_patient=self.cost_per_patient,
            roi=self.roi,
        )
        return out


def article_clinic_a() -> Scenario:
    """Return article 000's clinic A: 50,000 on ads, 100 new patients at 2,000, 10% return."""
    return Scenario(
        budget=50_000, patients=100, spend_per_patient=2_000, return_rate=0.10, kind="acquisition"
    )


def article_clinic_b() -> Scenario:
    """Return article 000's clinic B: 20,000 on care, 50 patients at 8,000, 70% return."""
    return Scenario(
        budget=20_000, patients=50, spend_per_patient=8_000, return_rate=0.70, kind="retention"
    )


def sensitivity(
    scenario: Scenario, field_name: str, values: list[float] | tuple[float, ...]
) -> pd.DataFrame:
    """Vary one input of a scenario and tabulate revenue and profit.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    field_name : str
        One of ``budget, patients, spend_per_patient, return_rate, gross_margin``.
    values : sequence of float
        Values to try.

    Returns
    -------
    pandas.DataFrame
        One row per value: ``value, revenue, profit, roi``.
    """
    check_option("field_name", field_name, _FIELDS)
    rows = []
    for value in values:  # a handful of what-if values, not patients
        s = dataclasses.replace(scenario, **{field_name: value})
        rows.append({"value": float(value), "revenue": s.revenue, "profit": s.profit, "roi": s.roi})
    return pd.DataFrame(rows, columns=["value", "revenue", "profit", "roi"])

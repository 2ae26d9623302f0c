"""The owner's KPIs as the report names them: labels, formulas (for the appendix), direction.

The values are computed in :mod:`clinicvalue.analyses.kpis` and carried by
:class:`~clinicvalue.analyses.run.Analyses`; this module only describes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from clinicvalue.profile import ClinicProfile
from clinicvalue.text.catalogue import LOCALES, triples
from clinicvalue.text.i18n import fmt_money, fmt_number, fmt_percent, t

__all__ = ["KpiDef", "KPIS", "TILE_KEYS", "kpi_def", "kpi_formula", "format_kpi"]


@dataclass(frozen=True)
class KpiDef:
    """One KPI: its key, labels, formula text, kind of value and which way is good."""

    key: str
    label: tuple[str, str, str]  # en, zh-Hant, zh-Hans
    formula: tuple[str, str, str]
    kind: str  # count, money, rate or ratio
    higher_is_better: bool = True

    @property
    def change_kind(self) -> str:
        """``points`` for rates (change in percentage points), else ``relative``."""
        return "points" if self.kind == "rate" else "relative"


_LABELS, _FORMULAS = triples("kpi.label"), triples("kpi.formula")


KPIS: tuple[KpiDef, ...] = tuple(
    KpiDef(key, _LABELS[key], _FORMULAS[key], kind, higher_is_better)
    for key, kind, higher_is_better in (
        ("active_patients", "count", True),
        ("new_patients", "count", True),
        ("revisit_rate_90d", "rate", True),
        ("revenue", "money", True),
        ("revenue_new", "money", True),
        ("revenue_returning", "money", True),
        ("returning_revenue_share", "rate", True),
        ("avg_spend_per_visit", "money", True),
        ("visits", "count", True),
        ("at_risk_patients", "count", False),
        ("clv_at_risk", "money", False),
        ("total_clv", "money", True),
        ("ltv_cac", "ratio", True),
    )
)

_BY_KEY = {k.key: k for k in KPIS}

#: the KPI strip of the executive summary and the deck, in its order
TILE_KEYS: tuple[str, ...] = (
    "active_patients",
    "new_patients",
    "revisit_rate_90d",
    "revenue_new",
    "revenue_returning",
    "avg_spend_per_visit",
    "at_risk_patients",
    "clv_at_risk",
    "total_clv",
    "ltv_cac",
)


def kpi_def(key: str) -> KpiDef:
    """Return the definition of KPI ``key``."""
    return _BY_KEY[key]


def kpi_formula(key: str, profile: ClinicProfile, locale: str) -> str:
    """Return KPI ``key``'s formula in ``locale`` with the profile's settings filled in."""
    p = profile
    return (
        kpi_def(key)
        .formula[LOCALES.index(locale)]
        .format(
            active=p.activity.kpi_active_months,
            horizon=p.clv.horizon_months,
            gm=fmt_percent(p.clinic.gross_margin, locale, decimals=0),
            rate=fmt_percent(p.clv.annual_discount_rate, locale, decimals=0),
        )
    )


def format_kpi(key: str, value: float | None, *, currency: str, locale: str) -> str:
    """Format a KPI value as the report shows it."""
    kind = kpi_def(key).kind
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return t("na", locale)
    if kind == "money":
        return fmt_money(value, currency, locale)
    if kind == "rate":
        return fmt_percent(value, locale)
    if kind == "ratio":
        return fmt_number(value, locale, decimals=1) + "×"
    return fmt_number(value, locale)

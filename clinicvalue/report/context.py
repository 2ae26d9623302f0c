"""What every report section shares: the run's context and the skip signal.

Sections read every number from the run's :class:`~clinicvalue.analyses.run.Analyses`;
they choose, format and lay out, and compute nothing of their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from clinicvalue.analyses.run import Analyses
from clinicvalue.data import ClinicData
from clinicvalue.profile import ClinicProfile
from clinicvalue.text.i18n import fmt_money

__all__ = ["Skip", "Ctx", "finite"]


class Skip(Exception):
    """A section (or part) that cannot be built, with the one line the report shows instead."""


@dataclass
class Ctx:
    """One report run: the analyses, the month, the locale and what it is compared with."""

    analyses: Analyses
    month: str
    start: pd.Timestamp
    locale: str
    currency: str
    previous: dict[str, Any] = field(default_factory=dict)  # last month's KPIs, if compared
    last_year: dict[str, Any] = field(default_factory=dict)  # the same month a year ago
    notes: dict[str, str] = field(default_factory=dict)  # e.g. last month's unreadable file

    @property
    def data(self) -> ClinicData:
        """The clinic's data up to the month end."""
        return self.analyses.data

    @property
    def profile(self) -> ClinicProfile:
        """The clinic profile."""
        return self.analyses.profile

    @property
    def end(self) -> pd.Timestamp:
        """The month's last day (the run's as-of date)."""
        return self.analyses.as_of

    @property
    def kpis(self) -> dict[str, Any]:
        """Return the month's KPIs, as the run computed them."""
        return self.analyses.kpis

    def money(self, x: float) -> str:
        """Format money in the clinic's currency for the report's locale."""
        return fmt_money(x, self.currency, self.locale)


def finite(x: object) -> bool:
    """Return whether ``x`` is a finite real number."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x))

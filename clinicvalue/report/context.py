"""What every report section shares: the run's context, cached analyses and the skip signal.

The analyses run once per report: the summary, the segment scores, the fitted lifetime-value
model and the churn warnings are cached on the context, so later sections reuse them.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from html import escape
from typing import Any

import pandas as pd

from clinicvalue.data import ClinicData
from clinicvalue.i18n import fmt_money, t
from clinicvalue.profile import ClinicProfile

__all__ = ["Skip", "Ctx", "module", "summary", "finite", "esc", "to_metrics"]


class Skip(Exception):
    """A section (or part) that cannot be built, with the one line the report shows instead."""


@dataclass
class Ctx:
    """One report run: data up to the month end, profile, locale and shared results."""

    data: ClinicData
    profile: ClinicProfile
    month: str
    start: pd.Timestamp
    end: pd.Timestamp
    locale: str
    currency: str
    kpis: dict[str, Any]
    section_metrics: dict[str, Any] = field(default_factory=dict)
    actions: dict[str, pd.DataFrame] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)

    def money(self, x: float) -> str:
        """Format money in the clinic's currency for the report's locale."""
        return fmt_money(x, self.currency, self.locale)


def module(name: str, what: str, ctx: Ctx) -> Any:
    """Import ``clinicvalue.<name>``; a missing analysis module becomes a one-line skip."""
    try:
        return importlib.import_module(f"clinicvalue.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("clinicvalue"):
            raise Skip(t("missing_module", ctx.locale, what=t(what, ctx.locale))) from exc
        raise


def summary(ctx: Ctx) -> pd.DataFrame:
    """Return (and cache) the per-patient summary as of the month end."""
    if "summary" not in ctx.cache:
        from clinicvalue.summary import summarize

        ctx.cache["summary"] = summarize(
            ctx.data.visits, ctx.end, time_unit=ctx.profile.clv.time_unit
        )
    return ctx.cache["summary"]


def finite(x: object) -> bool:
    """Return whether ``x`` is a finite real number."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x))


def esc(text: object) -> str:
    """Escape text for HTML."""
    return escape(str(text))


def to_metrics(obj: Any) -> Any:
    """Return ``obj.to_metrics()`` when it has one, else ``None``."""
    fn = getattr(obj, "to_metrics", None)
    return fn() if callable(fn) else None

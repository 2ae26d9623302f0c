"""Build the monthly report model: one analysis run, its sections as views, its metrics.

:func:`build_monthly` runs :func:`~clinicvalue.analyses.run.analyse` once for the month's
last day, builds every section of :data:`~clinicvalue.report.views.VIEWS` from it and
gathers ``metrics.json`` from the same run. A part the data cannot support becomes one
line in its section. The model holds only text, formatted tables and charts, so showing
it computes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.analyses.care.worklist import Worklist
from clinicvalue.analyses.run import analyse, run_metrics
from clinicvalue.data import ClinicData
from clinicvalue.errors import (
    ClinicValueError,
    GlyphError,
    InputError,
    StaleDataError,
    check_option,
)
from clinicvalue.names import month_bounds
from clinicvalue.profile import ClinicProfile
from clinicvalue.report.context import Ctx, Skip
from clinicvalue.report.kpis import KPIS, format_kpi, kpi_formula
from clinicvalue.report.schema import METRICS_SCHEMA_VERSION, kit_version
from clinicvalue.report.views import SECTION_KEYS, VIEWS, View, advice, summary
from clinicvalue.report.views.blocks import Note, SectionView
from clinicvalue.report.views.render import render_section
from clinicvalue.text.i18n import LOCALES, fmt_date, fmt_month, t

__all__ = ["TILE_KEYS", "SECTION_KEYS", "Section", "MonthlyReport", "build_monthly", "format_kpi"]

TILE_KEYS = summary.TILE_KEYS


@dataclass(frozen=True)
class Section:
    """One report section: its view (blocks) and its HTML, with its status."""

    key: str
    title: str
    html: str
    status: str = "ok"  # ok, missing or failed
    note: str = ""
    view: SectionView | None = None

    def _repr_html_(self) -> str:
        return self.html


@dataclass
class MonthlyReport:
    """Everything a monthly report shows and writes."""

    clinic_name: str
    clinic_id: str
    month: str
    locale: str
    currency: str
    # left out of the text repr a notebook stores: the staff lists hold names and phones
    sections: dict[str, Section] = field(repr=False)
    findings: list[str] = field(repr=False)
    metrics: dict[str, Any] = field(repr=False)
    actions: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    worklist: Worklist | None = field(default=None, repr=False)
    profile: ClinicProfile = field(default_factory=ClinicProfile, repr=False)

    def section(self, key: str) -> Section:
        """Return section ``key`` (one of :data:`SECTION_KEYS`)."""
        return self.sections[key]

    def _repr_html_(self) -> str:
        """Show every section, in the order of :data:`~clinicvalue.report.views.VIEWS`."""
        return "".join(self.sections[key].html for key in SECTION_KEYS)

    def cover(self) -> dict[str, str]:
        """Return the cover's texts (clinic, title, month, dates) for rendering."""
        return dict(self.metrics["cover"])


def _section(view: View, ctx: Ctx) -> Section:
    """Build one section; what the data cannot support becomes its one line."""
    title = t(view.title, ctx.locale)
    try:
        shown = SectionView(view.key, title, tuple(view.build(ctx)))
    except Skip as skip:
        shown = SectionView(view.key, title, (Note(str(skip)),), "missing", str(skip))
    except GlyphError:
        raise  # a chart of empty boxes stops the run, it is not a section's note
    except (ClinicValueError, np.linalg.LinAlgError) as exc:
        why = t("section_failed", ctx.locale, why=str(exc))
        shown = SectionView(view.key, title, (Note(why),), "failed", why)
    html = render_section(shown, short=shown.status != "ok")
    return Section(view.key, title, html, shown.status, shown.note, shown)


def build_monthly(
    data: ClinicData,
    *,
    month: str,
    profile: ClinicProfile | None = None,
    locale: str | None = None,
    previous_metrics: dict[str, Any] | None = None,
    generated: datetime | None = None,
    allow_partial: bool = False,
) -> MonthlyReport:
    """Build the monthly report model for ``month`` from loaded data.

    Parameters
    ----------
    data
        The clinic's loaded data; nothing after the month's last day is used.
    month
        The report month, ``YYYY-MM``.
    profile
        The clinic profile (defaults when omitted); ``targets`` feed the KPI tiles.
    locale
        ``en``, ``zh-Hant`` or ``zh-Hans`` (default: the profile's).
    previous_metrics
        Last month's ``metrics.json``; its KPIs give the month-over-month changes
        (recomputed from the data when absent).
    allow_partial
        Report a month whose data end early (see :func:`data_coverage`): every page then
        says so and no change against earlier months is shown.

    Raises
    ------
    InputError
        When the month is malformed or no visit falls on or before its last day.
    StaleDataError
        When the data end more than ``profile.report.stale_after_days`` before the
        month's last day and ``allow_partial`` is not given.
    """
    prof = profile or ClinicProfile()
    loc = locale or prof.clinic.locale
    check_option("locale", loc, LOCALES)
    start, end = month_bounds(month)
    first_day, last_day, partial = data_coverage(data, month, prof, allow_partial=allow_partial)
    if data.until(end).visits.empty:
        raise InputError(f"no visits on or before {end.date()}: choose a later report month")
    run = analyse(data, end, prof, locale=loc)
    currency = prof.clinic.currency
    series = run.series
    kpis = run.kpis
    prev_month = (start - pd.DateOffset(months=1)).strftime("%Y-%m")
    unreadable = (previous_metrics or {}).get("unreadable")
    if previous_metrics and previous_metrics.get("month") == prev_month:
        previous = dict(previous_metrics.get("kpis", {}))
        prev_source = "metrics.json"
    else:
        previous = dict(series.iloc[-2].to_dict())
        prev_source = "recomputed"
    last_year = dict(run.last_year)
    if partial:  # a part month against whole ones would read as a collapse: compare nothing
        previous, last_year, prev_source = {}, {}, "not compared (partial month)"
    ctx = Ctx(run, month, start, loc, currency, previous=previous, last_year=last_year)
    if unreadable:
        ctx.notes["previous"] = t("previous_unreadable", loc, reason=unreadable)
    sections = {view.key: _section(view, ctx) for view in VIEWS}
    tiles = summary.tiles(ctx)
    findings = summary.findings(ctx)

    made = generated or datetime.now(UTC)
    cover = {
        "clinic": prof.clinic.name,
        "title": t("report_title", loc),
        "month": fmt_month(start, loc),
        "data_until": t(
            "data_span", loc, first=fmt_date(first_day, loc), last=fmt_date(last_day, loc)
        ),
        "generated": f"{t('generated', loc)} {fmt_date(made.date().isoformat(), loc)}",
        "author": prof.clinic.prepared_by or prof.clinic.name,
        "banner": t("partial_banner", loc, last=fmt_date(last_day, loc)) if partial else "",
        "created": made.isoformat(timespec="seconds"),
    }
    metrics: dict[str, Any] = {
        "schema_version": METRICS_SCHEMA_VERSION,
        "kit_version": kit_version(),
        "clinic": {"id": prof.clinic.id, "name": prof.clinic.name},
        "month": month,
        "as_of": end.date().isoformat(),
        "locale": loc,
        "currency": currency,
        "generated_at": made.isoformat(timespec="seconds"),
        "kpis": {k: _clean(v) for k, v in kpis.items()},
        "kpis_formatted": {
            k: format_kpi(k, kpis.get(k), currency=currency, locale=loc) for k in kpis
        },
        "kpis_previous": {k: _clean(v) for k, v in previous.items()},
        "kpis_previous_source": prev_source,
        "kpis_previous_unreadable": unreadable or None,
        "data_first_day": first_day.date().isoformat(),
        "data_last_day": last_day.date().isoformat(),
        "partial_month": partial,
        "kpis_last_year": {k: _clean(v) for k, v in last_year.items()},
        "tiles": tiles,
        "findings": findings,
        "sections": {
            k: {"title": s.title, "status": s.status, "note": s.note} for k, s in sections.items()
        },
        "analyses": run_metrics(run),
        "trend": _trend(series),
        "trend_last_year": {} if partial else _trend(run.series_last_year),
        "advice_text": [advice.sentence(r, ctx) for r in run.advice[: advice.LEAD]],
        "kpi_definitions": {k.key: kpi_formula(k.key, prof, "en") for k in KPIS},
        "kpi_definitions_text": {
            k.key: {
                "label": k.label[LOCALES.index(loc)],
                "formula": kpi_formula(k.key, prof, loc),
            }
            for k in KPIS
        },
        "cover": cover,
        "profile": prof.to_dict(),
        "parameters": {"month": month, "locale": loc, "time_unit": prof.clv.time_unit},
    }
    return MonthlyReport(
        clinic_name=prof.clinic.name,
        clinic_id=prof.clinic.id,
        month=month,
        locale=loc,
        currency=currency,
        sections=sections,
        findings=findings,
        metrics=metrics,
        actions={str(k): v for k, v in run.lists.items()},
        worklist=run.worklist,
        profile=prof,
    )


def data_coverage(
    data: ClinicData, month: str, profile: ClinicProfile, *, allow_partial: bool = False
) -> tuple[pd.Timestamp, pd.Timestamp, bool]:
    """Return the data's first and last day and whether ``month`` is only partly covered.

    The last day is the export's last line (attended or not). A month whose last day lies
    more than ``profile.report.stale_after_days`` after it is stale: exports that stop on
    31 October make a November report of zeros, not a November with no patients.

    Raises
    ------
    StaleDataError
        For a stale month, unless ``allow_partial``.
    """
    _, end = month_bounds(month)
    days = data.lines["visit_date"] if len(data.lines) else data.visits["visit_date"]
    first_day, last_day = days.min(), days.max()
    if pd.isna(last_day):
        raise InputError("the visits hold no dates")
    gap = int((end - last_day).days)
    stale = gap > profile.report.stale_after_days
    if stale and not allow_partial:
        raise StaleDataError(
            f"the data end on {last_day:%Y-%m-%d}, {gap} days before the end of {month} "
            f"({end:%Y-%m-%d}); export the clinic's data again up to the month's end, or "
            "report a partial month with --allow-partial (report.stale_after_days in the "
            f"profile sets the margin, now {profile.report.stale_after_days} days)"
        )
    return first_day, last_day, stale


def _trend(series: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {m: {k: _clean(v) for k, v in row.items()} for m, row in series.to_dict("index").items()}


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v) if math.isfinite(float(v)) else None
    return v

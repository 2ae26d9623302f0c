"""Build the monthly report model: KPI tiles, findings, sections, action lists, metrics.

Each section is built behind a guard: a missing analysis module or a missing input
(patients, spend, plans) becomes one line in the report instead of a failure. The model
holds only text, formatted tables and SVG charts, so showing it computes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from clinicvalue.analyses.run import analyse
from clinicvalue.data import ClinicData
from clinicvalue.errors import ClinicValueError, InputError, StaleDataError, check_option
from clinicvalue.names import month_bounds
from clinicvalue.privacy import pseudonym_secret, pseudonymize
from clinicvalue.profile import ClinicProfile
from clinicvalue.report import charts, sections
from clinicvalue.report.context import Ctx as _Ctx
from clinicvalue.report.context import Skip as _Skip
from clinicvalue.report.context import esc as _esc
from clinicvalue.report.context import finite as _finite
from clinicvalue.report.findings import write_findings
from clinicvalue.report.html import (
    findings_html,
    note_html,
    section_html,
    svg_img,
    table_html,
    tiles_html,
)
from clinicvalue.report.kpis import KPIS, kpi_def
from clinicvalue.report.schema import METRICS_SCHEMA_VERSION, kit_version
from clinicvalue.text.i18n import (
    LOCALES,
    fmt_change,
    fmt_date,
    fmt_money,
    fmt_month,
    fmt_number,
    fmt_percent,
    t,
    visit_notes,
)

__all__ = ["TILE_KEYS", "SECTION_KEYS", "Section", "MonthlyReport", "build_monthly", "format_kpi"]

TILE_KEYS = (
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
SECTION_KEYS = (
    "summary",
    "segments",
    "clv",
    "retention",
    "economics",
    "actions",
    "quality",
    "appendix",
)


@dataclass(frozen=True)
class Section:
    """One report section as HTML, with its status for ``metrics.json``."""

    key: str
    title: str
    html: str
    status: str = "ok"  # ok, missing or failed
    note: str = ""

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
    sections: dict[str, Section]
    findings: list[str]
    metrics: dict[str, Any]
    actions: dict[str, pd.DataFrame] = field(default_factory=dict)

    def section(self, key: str) -> Section:
        """Return section ``key`` (one of :data:`SECTION_KEYS`)."""
        return self.sections[key]

    def cover(self) -> dict[str, str]:
        """Return the cover's texts (clinic, title, month, dates) for rendering."""
        return dict(self.metrics["cover"])


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


def _change(key: str, now: object, before: object, *, label: str, locale: str) -> dict | None:
    if not (_finite(now) and _finite(before)):
        return None
    d = kpi_def(key)
    if d.change_kind == "points":
        diff = float(now) - float(before)  # type: ignore[arg-type]
    elif before:
        diff = float(now) / float(before) - 1  # type: ignore[arg-type]
    else:
        return None
    direction = "up" if diff > 1e-12 else "down" if diff < -1e-12 else "flat"
    good = None if direction == "flat" else (direction == "up") == d.higher_is_better
    return {
        "text": fmt_change(diff, locale, kind=d.change_kind),
        "value": diff,
        "direction": direction,
        "good": good,
        "label": label,
    }


def _trend_table(ctx: _Ctx) -> str:
    loc = ctx.locale
    series = ctx.analyses.series
    i = LOCALES.index(loc)
    table = pd.DataFrame(
        {
            t("month", loc): [fmt_month(m, loc) for m in series.index],
            **{
                kpi_def(k).label[i]: [
                    format_kpi(k, v, currency=ctx.currency, locale=loc) for v in series[k]
                ]
                for k in (
                    "active_patients",
                    "new_patients",
                    "revisit_rate_90d",
                    "returning_revenue_share",
                )
            },
        }
    )
    return table_html(table, numeric=tuple(table.columns[1:]))


def _sec_segments(ctx: _Ctx) -> list[str]:
    return sections.sec_segments(ctx)


def _sec_clv(ctx: _Ctx) -> list[str]:
    return sections.sec_clv(ctx)


def _sec_retention(ctx: _Ctx) -> list[str]:
    return sections.sec_retention(ctx, kpi_table=_trend_table(ctx))


def _sec_economics(ctx: _Ctx) -> list[str]:
    return sections.sec_economics(ctx)


def _sec_actions(ctx: _Ctx) -> list[str]:
    return sections.sec_actions(ctx, lambda ids: _keys(ids, ctx))


def _keys(ids: pd.Index, ctx: _Ctx) -> pd.Series:
    return pseudonymize(pd.Series(ids.astype("string")), pseudonym_secret(ctx.profile))


_PII = ("patient_id", "name", "phone")


def _public_top(frame: pd.DataFrame, ctx: _Ctx, *, n: int = 5) -> pd.DataFrame:
    """Return the first ``n`` rows with pseudonymous keys only (no IDs, names, phones)."""
    top = frame.head(n).copy()
    if "patient_key" not in top and "patient_id" in top:
        key = pseudonymize(top["patient_id"], pseudonym_secret(ctx.profile))
        top.insert(0, "patient_key", key.to_numpy())
    top = top.drop(columns=[c for c in _PII if c in top])
    top = top.rename(columns={"patient_key": t("patient_key", ctx.locale)})
    return top.astype(str)


def _sec_quality(ctx: _Ctx) -> list[str]:
    loc = ctx.locale
    q = ctx.data.quality
    rows = []
    for table, info in q.files.items():
        rows.append(
            (
                f"{table}: {info.get('file', '')}",
                fmt_number(info.get("rows_read", 0), loc),
                fmt_number(info.get("rows_kept", 0), loc),
                fmt_number(info.get("rows_rejected", 0), loc),
            )
        )
    blocks = []
    if rows:
        cols = [
            t(k, loc)
            for k in (
                "quality_file",
                "quality_rows_read",
                "quality_rows_kept",
                "quality_rows_rejected",
            )
        ]
        blocks.append(table_html(pd.DataFrame(rows, columns=cols), numeric=tuple(cols[1:])))
    if not q.n_rejected:
        blocks.append(note_html(t("quality_clean", loc)))
    notes = list(q.notes)
    visits_info = q.files.get("visits", {})
    if "visits" in visits_info:  # the visits file's own notes, in the report's language
        currency = ctx.profile.clinic.currency
        english = set(visit_notes(visits_info, "en", currency))
        notes = visit_notes(visits_info, loc, currency) + [n for n in notes if n not in english]
    if "previous" in ctx.notes:
        notes.append(ctx.notes["previous"])
    if notes:
        items = "".join(f"<li>{_esc(n)}</li>" for n in notes)
        blocks.append(f"<h3>{t('quality_notes', loc)}</h3><ul>{items}</ul>")
    ctx.section_metrics["quality"] = q.to_metrics()
    return blocks


def _sec_appendix(ctx: _Ctx) -> list[str]:
    loc = ctx.locale
    i = LOCALES.index(loc)
    months = ctx.profile.activity.kpi_active_months
    table = pd.DataFrame(
        {
            t("kpi", loc): [k.label[i] for k in KPIS],
            t("formula", loc): [k.formula[i].format(active=months) for k in KPIS],
        }
    )
    params = []
    for sec, values in ctx.profile.to_dict().items():
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            if isinstance(value, dict) and len(str(value)) > 80:
                value = f"{len(value)} entries"
            params.append((f"{sec}.{key}", str(value)))
    ptable = pd.DataFrame(params, columns=[t("parameters", loc), t("value", loc)])
    return [
        table_html(table),
        f"<h3>{t('methods', loc)}</h3><p>{_esc(t('methods_text', loc))}</p>",
        f"<h3>{t('parameters', loc)}</h3>",
        table_html(ptable),
    ]


_BUILDERS: dict[str, tuple[str, Callable[[_Ctx], list[str]]]] = {
    "segments": ("sec_segments", _sec_segments),
    "clv": ("sec_clv", _sec_clv),
    "retention": ("sec_retention", _sec_retention),
    "economics": ("sec_economics", _sec_economics),
    "actions": ("sec_actions", _sec_actions),
    "quality": ("sec_quality", _sec_quality),
    "appendix": ("sec_appendix", _sec_appendix),
}


def _guarded(key: str, ctx: _Ctx) -> Section:
    title_key, build = _BUILDERS[key]
    title = t(title_key, ctx.locale)
    try:
        blocks = build(ctx)
    except _Skip as skip:
        return Section(
            key,
            title,
            section_html(key, title, [note_html(str(skip))], short=True),
            "missing",
            str(skip),
        )
    except ClinicValueError as exc:
        note = t("section_failed", ctx.locale, why=str(exc))
        return Section(
            key, title, section_html(key, title, [note_html(note)], short=True), "failed", note
        )
    except Exception as exc:  # an analysis bug must not sink the whole report
        note = t("section_failed", ctx.locale, why=f"{type(exc).__name__}: {exc}")
        return Section(
            key, title, section_html(key, title, [note_html(note)], short=True), "failed", note
        )
    return Section(key, title, section_html(key, title, blocks))


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
    ctx = _Ctx(run, month, start, loc, currency)
    if unreadable:
        ctx.notes["previous"] = t("previous_unreadable", loc, reason=unreadable)

    built: dict[str, Section] = {}
    for key in ("segments", "clv", "retention", "economics", "actions", "quality", "appendix"):
        built[key] = _guarded(key, ctx)

    findings = write_findings(
        kpis,
        previous=previous,
        last_year=last_year,
        targets=prof.targets,
        currency=currency,
        locale=loc,
        extra=ctx.findings,
    )
    tiles = []
    i = LOCALES.index(loc)
    for key in TILE_KEYS:
        d = kpi_def(key)
        target = prof.targets.get(key)
        tile: dict[str, Any] = {
            "key": key,
            "label": d.label[i],
            "value": format_kpi(key, kpis.get(key), currency=currency, locale=loc),
            "mom": _change(key, kpis.get(key), previous.get(key), label=t("mom", loc), locale=loc),
            "yoy": _change(key, kpis.get(key), last_year.get(key), label=t("yoy", loc), locale=loc),
        }
        if target is not None:
            tile["target"] = (
                f"{t('target', loc)} {format_kpi(key, target, currency=currency, locale=loc)}"
            )
        tiles.append(tile)
    summary_blocks = [
        tiles_html(tiles),
        findings_html(t("findings", loc), findings),
        f"<h3>{t('sec_trend', loc)}</h3>",
        svg_img(charts.trend_chart(series, locale=loc, currency=currency), alt=t("sec_trend", loc)),
    ]
    title = t("sec_summary", loc)
    sections = {
        "summary": Section("summary", title, section_html("summary", title, summary_blocks)),
        **built,
    }

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
        "analyses": ctx.section_metrics,
        "trend": {
            m: {k: _clean(v) for k, v in row.items()} for m, row in series.to_dict("index").items()
        },
        "kpi_definitions": {
            k.key: k.formula[0].format(active=prof.activity.kpi_active_months) for k in KPIS
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
        actions=ctx.actions,
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


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v) if math.isfinite(float(v)) else None
    return v

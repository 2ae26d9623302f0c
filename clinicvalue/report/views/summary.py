"""The executive summary: the KPI strip with changes, the findings and the 12-month trend."""

from __future__ import annotations

from typing import Any

from clinicvalue.report import charts
from clinicvalue.report.context import Ctx, finite
from clinicvalue.report.findings import write_findings
from clinicvalue.report.kpis import TILE_KEYS, format_kpi, kpi_def
from clinicvalue.report.views import advice, clv, segments
from clinicvalue.report.views._format import figure, heading
from clinicvalue.report.views.blocks import Block, Findings, Tiles
from clinicvalue.text.i18n import LOCALES, fmt_change, t

__all__ = ["TILE_KEYS", "view", "tiles", "findings"]


def _change(key: str, now: object, before: object, *, label: str, locale: str) -> dict | None:
    if not (finite(now) and finite(before)):
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


def tiles(ctx: Ctx) -> list[dict[str, Any]]:
    """Return the KPI tiles: label, value, month-over-month and year-over-year, target."""
    loc, kpis, targets = ctx.locale, ctx.kpis, ctx.profile.targets
    i = LOCALES.index(loc)
    out = []
    for key in TILE_KEYS:
        value = kpis.get(key)
        tile: dict[str, Any] = {
            "key": key,
            "label": kpi_def(key).label[i],
            "value": format_kpi(key, value, currency=ctx.currency, locale=loc),
            "mom": _change(key, value, ctx.previous.get(key), label=t("mom", loc), locale=loc),
            "yoy": _change(key, value, ctx.last_year.get(key), label=t("yoy", loc), locale=loc),
        }
        target = targets.get(key)
        if target is not None:
            shown = format_kpi(key, target, currency=ctx.currency, locale=loc)
            tile["target"] = f"{t('target', loc)} {shown}"
        out.append(tile)
    return out


def findings(ctx: Ctx) -> list[str]:
    """Return three to five findings, most important first, not repeating the advice."""
    advised = frozenset(r.key for r in ctx.analyses.advice[: advice.LEAD])
    core = None if "protect_core" in advised else clv.clv_finding(ctx)
    extra = [f for f in (core, segments.concentration_finding(ctx)) if f]
    return write_findings(
        ctx.kpis,
        previous=ctx.previous,
        last_year=ctx.last_year,
        targets=ctx.profile.targets,
        currency=ctx.currency,
        locale=ctx.locale,
        extra=extra,
        advised=advised,
    )


def view(ctx: Ctx) -> list[Block]:
    """Show the recommended actions, the KPI strip, the findings and the trend chart."""
    loc = ctx.locale
    trend = charts.trend_chart(ctx.analyses.series, locale=loc, currency=ctx.currency)
    return [
        *advice.lead(ctx),
        Tiles(tuple(tiles(ctx))),
        Findings(t("findings", loc), tuple(findings(ctx))),
        heading("sec_trend", ctx),
        figure(trend, t("sec_trend", loc)),
    ]

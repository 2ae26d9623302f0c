"""The retention section: revisit rates, time to return, cohorts, patient flow, trend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.plots.retention import (
    plot_cohort_heatmap,
    plot_flow,
    plot_revisit_rates,
    plot_time_to_return,
)
from clinicvalue.report import charts
from clinicvalue.report.context import Ctx, finite
from clinicvalue.report.kpis import format_kpi, kpi_def
from clinicvalue.report.views._format import (
    figure,
    grid,
    heading,
    num,
    pair,
    para,
    pct,
)
from clinicvalue.report.views.blocks import Block
from clinicvalue.text.i18n import LOCALES, fmt_month, fmt_number, t

__all__ = ["view", "flow_sentence"]


def view(ctx: Ctx) -> list[Block]:
    """Show revisit rates, time to return, the cohort triangle, flow and the KPI trend."""
    loc = ctx.locale
    blocks: list[Block] = []
    run = ctx.analyses
    # revisit rates
    rates = run.revisit_rates
    rtable = pd.DataFrame(
        {
            t("within_days", loc): [fmt_number(d, loc) for d in rates["window_days"]],
            t("eligible", loc): [fmt_number(v, loc) for v in rates["eligible"]],
            t("returned", loc): [fmt_number(v, loc) for v in rates["returned"]],
            t("rate", loc): [pct(v, loc) for v in rates["rate"]],
            t("interval", loc, level="95%"): [
                f"{pct(lo, loc)} – {pct(hi, loc)}"
                for lo, hi in zip(rates["ci_low"], rates["ci_high"], strict=True)
            ],
        }
    )
    blocks.append(heading("revisit_rates", ctx))
    blocks.append(para(t("revisit_text", loc)))
    blocks.append(
        pair(
            grid(rtable, numeric=tuple(rtable.columns)),
            figure(
                charts.plot_svg(plot_revisit_rates, rates, locale=loc, size=(4.2, 2.8)),
                t("revisit_rates", loc),
            ),
        )
    )
    # time to return
    curve = run.time_to_return
    row = curve.table.iloc[0]
    blocks.append(heading("time_to_return", ctx))
    median = row.get("median_days")
    blocks.append(
        para(
            t(
                "ttr_text",
                loc,
                median=num(median, loc) if finite(median) else t("not_reached", loc),
            )
        )
    )
    blocks.append(
        figure(
            charts.plot_svg(
                plot_time_to_return,
                curve,
                locale=loc,
                size=(6.0, 2.8),
                after=lambda ax: ax.get_legend() and ax.get_legend().remove(),
            ),
            t("time_to_return", loc),
        )
    )
    # cohorts
    tri = run.cohorts.tail(12)
    keep = [c for c in tri.columns if isinstance(c, int | np.integer) and 1 <= c <= 12]
    tri = tri[keep].dropna(how="all").dropna(axis=1, how="all")
    blocks.append(heading("cohorts", ctx))
    blocks.append(para(t("cohort_text", loc)))
    blocks.append(
        figure(
            charts.plot_svg(plot_cohort_heatmap, tri, locale=loc, size=(7.2, 4.2)),
            t("cohorts", loc),
            wide=True,
        )
    )
    # flow
    fl = run.flow.tail(12)
    if len(fl):
        last = fl.iloc[-1]
        blocks.append(heading("flow", ctx))
        blocks.append(para(flow_sentence(last, ctx.profile.activity.kpi_active_months, loc)))
        blocks.append(
            figure(
                charts.plot_svg(
                    plot_flow,
                    fl,
                    locale=loc,
                    size=(7.2, 3.0),
                    after=_flow_axes,
                ),
                t("flow", loc),
                wide=True,
            )
        )
    blocks.append(heading("sec_trend_table", ctx))
    blocks.append(_trend_table(ctx))
    return blocks


def flow_sentence(last: Mapping[str, Any], months: int, locale: str) -> str:
    """Return the month's patient flow in words: new, reactivated, lost and active."""
    return t(
        "flow_text",
        locale,
        new=fmt_number(last["new"], locale),
        react=fmt_number(last["reactivated"], locale),
        lost=fmt_number(last["lost"], locale),
        active=fmt_number(last["active_end"], locale),
        months=months,
    )


def _flow_axes(ax: Any) -> None:
    for tick in ax.get_xticklabels():
        tick.set_fontsize(7)
    leg = ax.get_legend()
    if leg is not None:
        ax.legend(
            leg.legend_handles,
            [x.get_text() for x in leg.get_texts()],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            ncol=4,
            fontsize=7,
        )


_TREND = ("active_patients", "new_patients", "revisit_rate_90d", "returning_revenue_share")


def _trend_table(ctx: Ctx) -> Block:
    """Return the last twelve months of the KPIs the retention page discusses."""
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
                for k in _TREND
            },
        }
    )
    return grid(table, numeric=tuple(table.columns[1:]))

"""The segments section: sizes and revenue by RFM-8 segment, the 80/20 share, movement."""

from __future__ import annotations

import pandas as pd

from clinicvalue.analyses.run import Missing
from clinicvalue.analyses.segments.labels import segment_action
from clinicvalue.analyses.segments.schemes import RFM8_KEYS
from clinicvalue.plots.segments import plot_segment_sizes
from clinicvalue.report import charts
from clinicvalue.report.context import Ctx, Skip
from clinicvalue.report.views._format import (
    figure,
    grid,
    para,
    part,
    percent_axis,
    seg_names,
)
from clinicvalue.report.views.blocks import Block
from clinicvalue.text.i18n import fmt_date, fmt_number, fmt_percent, t

__all__ = ["view", "concentration_finding"]


def view(ctx: Ctx) -> list[Block]:
    """Show segment sizes and revenue shares, the RFM-8 table, the 80/20 share, movement."""
    loc = ctx.locale
    sc = ctx.analyses.segments
    sizes = ctx.analyses.segment_sizes
    keys, counts, revenue = list(sizes.index), sizes["patients"], sizes["revenue"]
    total_rev = float(revenue.sum())
    names = seg_names(keys, ctx)
    table = pd.DataFrame(
        {
            t("segment", loc): names,
            t("patients", loc): [fmt_number(v, loc) for v in counts],
            t("share_patients", loc): [fmt_percent(v / counts.sum(), loc) for v in counts],
            t(f"rfm_spend_{ctx.profile.rfm.monetary}", loc): [ctx.money(v) for v in revenue],
            t("share_revenue", loc): [
                fmt_percent(v / total_rev, loc) if total_rev else t("na", loc) for v in revenue
            ],
            t("action", loc): [segment_action("rfm8", k, loc) for k in keys],
        }
    )
    months = ctx.profile.rfm.lookback_months
    history = t("rfm_history_months", loc, months=months) if months else t("rfm_history_all", loc)
    blocks: list[Block] = [
        para(t("segments_intro", loc, history=history, n=fmt_number(len(sc), loc))),
        figure(
            charts.plot_svg(
                plot_segment_sizes,
                sc,
                locale=loc,
                size=(7.6, 2.3),
                texts=tuple(names),
                after=lambda ax: percent_axis(ax, loc),
            ),
            t("sec_segments", loc),
        ),
        grid(table, numeric=tuple(table.columns[1:5])),
    ]
    blocks.extend(part("sec_concentration", ctx, _concentration, sc))
    blocks.extend(part("sec_movement", ctx, _movement, sc))
    return blocks


def concentration_finding(ctx: Ctx) -> str | None:
    """Return the sentence on how concentrated spend is (the 80/20 share), if known."""
    res = ctx.analyses.concentration
    if isinstance(res, Missing):
        return None
    return t(
        "concentration_text",
        ctx.locale,
        top=fmt_percent(res.top_fraction, ctx.locale, decimals=0),
        share=fmt_percent(res.top_share, ctx.locale),
        gini=fmt_number(res.gini, ctx.locale, decimals=2),
    )


def _concentration(ctx: Ctx, sc: pd.DataFrame) -> list[Block]:
    text = concentration_finding(ctx)
    if text is None:
        raise Skip(t("missing_input", ctx.locale, what=t("in_history", ctx.locale)))
    return [para(text)]


def _movement(ctx: Ctx, after: pd.DataFrame) -> list[Block]:
    prev_end = ctx.start - pd.Timedelta(days=1)
    res = ctx.analyses.movement
    if isinstance(res, Missing):
        raise Skip(t("missing_input", ctx.locale, what=t("in_history", ctx.locale)))
    loc = ctx.locale
    rank = list(RFM8_KEYS)
    rows = [k for k in ["new", *rank] if k in res.matrix.index]
    cols = [k for k in [*rank, "left"] if k in res.matrix.columns]
    m = res.matrix.reindex(index=rows, columns=cols, fill_value=0)
    shown = m.map(lambda v: fmt_number(v, loc) if v else "·")
    shown.columns = seg_names(cols, ctx)
    shown.insert(0, t("before_after", loc), seg_names(rows, ctx))
    stayed = int(sum(m.loc[k, k] for k in rows if k in cols))
    text = t(
        "movement_text",
        loc,
        month=fmt_date(prev_end, loc),
        up=fmt_number(len(res.upgrades), loc),
        down=fmt_number(len(res.downgrades), loc),
        same=fmt_number(stayed, loc),
    )
    table = grid(shown.reset_index(drop=True), numeric=tuple(shown.columns[1:]), css="cv-matrix")
    return [para(text), table]

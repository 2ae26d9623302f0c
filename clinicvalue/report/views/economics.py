"""The economics section: CAC and LTV by channel, revenue split, uplift, drivers, example."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from clinicvalue.analyses.economics.scenario import article_clinic_a, article_clinic_b
from clinicvalue.analyses.run import Missing
from clinicvalue.plots.economics import plot_cac_vs_ltv, plot_revenue_split
from clinicvalue.report import charts
from clinicvalue.report.context import Ctx, Skip, finite
from clinicvalue.report.views._format import (
    figure,
    fmt_change_pp,
    grid,
    heading,
    money,
    money_axis,
    note,
    num,
    para,
    part,
    pct,
    t_or,
)
from clinicvalue.report.views.blocks import Block, Box, ItemList, Paragraph
from clinicvalue.text.i18n import (
    STRINGS,
    channel_label,
    currency_symbol,
    fmt_number,
    fmt_percent,
    t,
)

__all__ = ["view", "scenario"]


def view(ctx: Ctx) -> list[Block]:
    """Show CAC, LTV:CAC and payback by channel, revenue split, uplift, drivers, example."""
    loc = ctx.locale
    res = ctx.analyses.economics
    blocks: list[Block] = []
    gm = ctx.profile.clinic.gross_margin
    if res.available and len(res.by_channel):
        by = res.by_channel
        table = pd.DataFrame(
            {
                t("channel", loc): [channel_label(c, loc) for c in by.index],
                t("spend", loc): [money(v, ctx) for v in by["spend"]],
                t("new_patients_col", loc): [num(v, loc) for v in by["new_patients"]],
                t("col_cac", loc): [money(v, ctx) for v in by["cac"]],
                t("revenue_to_date", loc): [money(v, ctx) for v in by["revenue_to_date"]],
                t("revenue_12m", loc): [money(v, ctx) for v in by["revenue_12m"]],
                t("ltv_new", loc): [money(v, ctx) for v in by["ltv"]],
                t("col_ltv_cac", loc): [
                    num(v, loc, 1) + "×" if finite(v) else t("na", loc) for v in by["ltv_cac"]
                ],
                t("payback", loc): [num(v, loc) for v in by["payback_months"]],
            }
        )
        blocks.append(heading("by_channel", ctx))
        years = fmt_number(ctx.profile.clv.horizon_months / 12, loc, decimals=0)
        blocks.append(
            para(t("by_channel_text", loc, gm=fmt_percent(gm, loc, decimals=0), years=years))
        )
        blocks.append(grid(table, numeric=tuple(table.columns[1:])))
        shown = dataclasses.replace(
            res, by_channel=by.set_axis([channel_label(c, loc) for c in by.index])
        )
        blocks.append(
            figure(
                charts.plot_svg(
                    plot_cac_vs_ltv,
                    shown,
                    locale=loc,
                    size=(7.0, 2.8),
                    after=lambda ax: _money_per_patient(ax, ctx),
                ),
                t("by_channel", loc),
            )
        )
        ratio = res.acq_to_ret_ratio
        if finite(ratio):
            blocks.append(
                para(
                    t(
                        "acq_ret_text",
                        loc,
                        cac=money(res.overall_cac, ctx),
                        ret=money(res.retention_cost, ctx),
                        ratio=fmt_number(ratio, loc, decimals=1),
                    )
                )
            )
    else:
        blocks.append(note(t("missing_input", loc, what=t("in_spend", loc))))
    # revenue new vs returning
    split = res.revenue_split.tail(12)
    if len(split):
        blocks.append(heading("rev_split", ctx))
        total = float(split[["new_revenue", "returning_revenue"]].to_numpy().sum())
        share = float(split["returning_revenue"].sum()) / total if total else float("nan")
        blocks.append(para(t("rev_split_text", loc, share=pct(share, loc))))
        shown = dataclasses.replace(res, revenue_split=split)
        blocks.append(
            figure(
                charts.plot_svg(
                    plot_revenue_split,
                    shown,
                    locale=loc,
                    size=(7.0, 2.6),
                    after=lambda ax: _short_months(ax, loc),
                ),  # fmt: skip
                t("rev_split", loc),
            )
        )
    # retention uplift
    blocks.extend(part("uplift", ctx, _uplift, res))
    blocks.extend(part("drivers", ctx, _drivers))
    blocks.extend(_own_comparison(ctx))
    return blocks


def _short_months(ax: Any, loc: str) -> None:
    for tick in ax.get_xticklabels():
        tick.set_fontsize(7)
    money_axis(ax, loc)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=7)


def _uplift(ctx: Ctx, res: Any) -> list[Block]:
    loc = ctx.locale
    u = ctx.analyses.uplift
    if isinstance(u, Missing):
        raise Skip(t("section_failed", loc, why=u.reason))
    tb = u.table
    assumptions = [t(f"uplift_a{i}", loc) for i in range(1, 6)]
    table = pd.DataFrame(
        {
            t("retention_gain", loc): [fmt_change_pp(p, loc) for p in tb["points"]],
            t("retention_12m", loc): [pct(r, loc) for r in tb["retention"]],
            t("extra_visits", loc): [num(x, loc, 2) for x in tb["extra_visits"]],
            t("margin_gained", loc): [money(x, ctx) for x in tb["margin_gained"]],
            t("new_equiv", loc): [num(x, loc) for x in tb["new_patients_equivalent"]],
            t("acq_cost", loc): [money(x, ctx) for x in tb["acquisition_cost"]],
        }
    )
    blocks: list[Block] = [
        para(
            t(
                "uplift_text",
                loc,
                base=pct(u.baseline_retention, loc),
                n=fmt_number(u.n_patients, loc),
            )
        ),
        grid(table, numeric=tuple(table.columns)),
        *[note(t("uplift_skipped", loc, points=fmt_change_pp(p, loc))) for p in u.skipped],
        Paragraph(t("assumptions", loc), small=True),
        ItemList(tuple(assumptions), ordered=True, small=True),
    ]
    return blocks


def _drivers(ctx: Ctx) -> list[Block]:
    loc = ctx.locale
    d = ctx.analyses.drivers
    if isinstance(d, Missing):
        raise Skip(t("drivers_none", loc, why=d.reason))
    tb = d.table.sort_values("odds_ratio", ascending=False)
    table = pd.DataFrame(
        {
            t("term", loc): [_term(x, loc) for x in tb["term"]],
            t("odds_ratio", loc): [num(x, loc, 2) for x in tb["odds_ratio"]],
            t("interval", loc, level="95%"): [
                f"{num(lo, loc, 2)} – {num(hi, loc, 2)}" if finite(lo) else "—"
                for lo, hi in zip(tb["ci_low"], tb["ci_high"], strict=True)
            ],
            "p": [num(x, loc, 3) if finite(x) else "—" for x in tb["p_value"]],
            t("patients", loc): [num(x, loc) for x in tb["n"]],
        }
    )
    days = ctx.profile.economics.returned_within_days
    blocks: list[Block] = [
        para(
            t(
                "drivers_text",
                loc,
                days=days,
                n=fmt_number(d.n, loc),
                r=fmt_number(d.n_returned, loc),
            )
        ),
        grid(table, numeric=tuple(table.columns[1:])),
    ]
    if d.method != "logit":
        blocks.append(note(t("drivers_ridge", loc)))
    return blocks


_TERM_PREFIX = ("channel", "treatment", "age_band")


def _term(term: str, loc: str) -> str:
    for prefix in _TERM_PREFIX:
        if term.startswith(prefix + "_"):
            key = term[len(prefix) + 1 :]
            if prefix == "channel":
                value = channel_label(key, loc)
            elif prefix == "treatment":  # a kit category, else the clinic's own word for it
                value = t(f"treat_{key}", loc) if f"treat_{key}" in STRINGS else key
            else:
                value = t_or(key, loc)
            return f"{t('term_' + prefix, loc)}: {value}"
    return t_or(term, loc)


def _own_comparison(ctx: Ctx) -> list[Block]:
    """Show the clinic's acquisition against its retention: patients, revenue, margin."""
    loc = ctx.locale
    c = ctx.analyses.comparison
    kinds = ("new", "returning")

    def row(label: str, values: list[str]) -> tuple[str, ...]:
        return (t(label, loc), *values)

    def per_unit(x: float) -> str:
        return money(x, ctx) if finite(x) else t("na", loc)

    rows = [
        row("own_patients", [num(c.new_patients, loc), num(c.returning_patients, loc)]),
        row("own_revenue", [money(c.new_revenue, ctx), money(c.returning_revenue, ctx)]),
        row("own_per_patient", [money(c.per_patient(k), ctx) for k in kinds]),
        row("own_spend", [money(c.acquisition_spend, ctx), money(c.retention_spend, ctx)]),
        row("own_cost_per_patient", [money(c.cost_per_patient(k), ctx) for k in kinds]),
        row("own_margin_per_spend", [per_unit(c.margin_per_spend(k)) for k in kinds]),
    ]
    cols = ["", t("own_new", loc), t("own_returning", loc)]
    table = pd.DataFrame(rows, columns=cols)
    text = t(
        "own_text",
        loc,
        new=money(c.per_patient("new"), ctx),
        returning=money(c.per_patient("returning"), ctx),
    )
    blocks: list[Block] = [heading("own_title", ctx), para(text)]
    acq, ret = c.margin_per_spend("new"), c.margin_per_spend("returning")
    if finite(acq) and finite(ret):
        blocks.append(para(t("own_spend_text", loc, acq=per_unit(acq), ret=per_unit(ret))))
    blocks.append(grid(table, numeric=tuple(cols[1:])))
    return blocks


def scenario(ctx: Ctx) -> list[Block]:
    """Return the articles' worked example (clinic A vs B) for the appendix's methods."""
    loc = ctx.locale
    a, b = article_clinic_a(), article_clinic_b()
    rows = [
        (t("sc_kind", loc), t("sc_acq", loc), t("sc_ret", loc)),
        (t("sc_budget", loc), money(a.budget, ctx), money(b.budget, ctx)),
        (t("sc_patients", loc), num(a.patients, loc), num(b.patients, loc)),
        (t("sc_spend", loc), money(a.spend_per_patient, ctx), money(b.spend_per_patient, ctx)),
        (t("sc_return", loc), pct(a.return_rate, loc), pct(b.return_rate, loc)),
        (t("sc_revenue", loc), money(a.revenue, ctx), money(b.revenue, ctx)),
        (t("sc_profit", loc), money(a.profit, ctx), money(b.profit, ctx)),
        ("ROI", num(a.roi, loc, 1) + "×", num(b.roi, loc, 1) + "×"),
    ]
    table = pd.DataFrame(rows, columns=["", t("sc_a", loc), t("sc_b", loc)])
    return [
        Box(
            (
                heading("scenario", ctx),
                para(t("scenario_text", loc)),
                grid(table, numeric=(t("sc_a", loc), t("sc_b", loc))),
            )
        )
    ]


def _money_per_patient(ax: Any, ctx: Ctx) -> None:
    """Money on the y axis in the clinic's currency, grouped as the locale writes it."""
    money_axis(ax, ctx.locale)
    symbol = currency_symbol(ctx.profile.clinic.currency)
    ax.set_ylabel(t("money_per_patient", ctx.locale, currency=symbol))

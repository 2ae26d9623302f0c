"""Build the analysis sections of the monthly report.

Segments, lifetime value, retention, economics and action lists.

Each builder takes the run's :class:`~clinicvalue.report.context.Ctx`, calls the analysis
modules, fills the KPI tiles it owns and returns HTML blocks (formatted tables, SVG charts,
one-line notes). A part whose input is missing becomes one line; the rest still shows.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.analyses.economics.scenario import article_clinic_a, article_clinic_b
from clinicvalue.analyses.run import LIST_LENGTH, Missing
from clinicvalue.analyses.segments.labels import segment_action, segment_label
from clinicvalue.analyses.segments.schemes import RFM8_KEYS
from clinicvalue.errors import OptionError
from clinicvalue.plots.clv import plot_actual_vs_predicted
from clinicvalue.plots.economics import plot_cac_vs_ltv, plot_revenue_split
from clinicvalue.plots.retention import (
    plot_cohort_heatmap,
    plot_flow,
    plot_revisit_rates,
    plot_time_to_return,
)
from clinicvalue.plots.segments import plot_segment_sizes
from clinicvalue.report import charts
from clinicvalue.report.context import Ctx, Skip, esc, finite, to_metrics
from clinicvalue.report.html import note_html, svg_img, table_html
from clinicvalue.text.i18n import (
    STRINGS,
    channel_label,
    fmt_change,
    fmt_date,
    fmt_number,
    fmt_percent,
    t,
)

__all__ = ["sec_segments", "sec_clv", "sec_retention", "sec_economics", "sec_actions"]


def _h3(key: str, ctx: Ctx) -> str:
    return f"<h3>{esc(t(key, ctx.locale))}</h3>"


def _p(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def _warn(lines: list[str]) -> str:
    items = "".join(f"<li>{esc(x)}</li>" for x in lines)
    return f'<div class="cv-warn"><ul>{items}</ul></div>'


def _chart(svg: str, alt: str, *, wide: bool = False) -> str:
    return svg_img(svg, alt=alt).replace('class="cv-chart"', f'class="cv-chart{" wide" * wide}"')


def _pair(*blocks: str) -> str:
    cells = "".join(f'<td style="width:{100 // len(blocks)}%">{b}</td>' for b in blocks)
    return f'<table class="cv-pair"><tr>{cells}</tr></table>'


def _percent_axis(ax: Any, loc: str) -> None:
    ax.yaxis.set_major_formatter(lambda v, _: fmt_percent(v, loc, decimals=0))


def _money_axis(ax: Any, loc: str) -> None:
    ax.yaxis.set_major_formatter(lambda v, _: fmt_number(v, loc))
    ax.yaxis.get_offset_text().set_visible(False)


def _keep(*blocks: str) -> str:
    return f'<div class="cv-keep">{"".join(blocks)}</div>'


def _part(key: str, ctx: Ctx, build: Any, *args: Any) -> list[str]:
    """Return a titled part: its heading, then ``build(ctx, *args)`` or its one-line note."""
    try:
        body = build(ctx, *args)
    except Skip as skip:
        body = [note_html(str(skip))]
    return [_h3(key, ctx), *body]


def _num(x: object, loc: str, decimals: int = 0) -> str:
    return fmt_number(x, loc, decimals=decimals) if finite(x) else t("na", loc)


def _pct(x: object, loc: str) -> str:
    return fmt_percent(x, loc) if finite(x) else t("na", loc)


def _money(x: object, ctx: Ctx) -> str:
    return ctx.money(float(x)) if finite(x) else t("na", ctx.locale)  # type: ignore[arg-type]


def _seg_names(keys: pd.Index | list, ctx: Ctx, scheme: str = "rfm8") -> list[str]:
    out = []
    for k in keys:
        if k in ("new", "left"):
            out.append(t(f"seg_{k}", ctx.locale))
            continue
        try:
            out.append(segment_label(scheme, str(k), ctx.locale))
        except OptionError:
            out.append(str(k))
    return out


# --- segments -------------------------------------------------------------------------


def sec_segments(ctx: Ctx) -> list[str]:
    """Segment sizes and revenue shares, the RFM-8 table, movement and the 80/20 share."""
    loc = ctx.locale
    sc = ctx.analyses.segments
    col = "segment_rfm8"
    order = list(RFM8_KEYS)
    counts = sc[col].value_counts()
    keys = [k for k in order if k in counts.index] + [k for k in counts.index if k not in order]
    counts = counts.reindex(keys)
    revenue = sc.groupby(col)["monetary_window"].sum().reindex(keys).fillna(0.0)
    total_rev = float(revenue.sum())
    names = _seg_names(keys, ctx)
    table = pd.DataFrame(
        {
            t("segment", loc): names,
            t("patients", loc): [fmt_number(v, loc) for v in counts],
            t("share_patients", loc): [fmt_percent(v / counts.sum(), loc) for v in counts],
            t("revenue_window", loc): [ctx.money(v) for v in revenue],
            t("share_revenue", loc): [
                fmt_percent(v / total_rev, loc) if total_rev else t("na", loc) for v in revenue
            ],
            t("action", loc): [segment_action("rfm8", k, loc) for k in keys],
        }
    )
    ctx.section_metrics["segments"] = {
        "rfm8": {str(k): int(v) for k, v in counts.items()},
        "rfm8_revenue": {str(k): float(v) for k, v in revenue.items()},
        "value_tier": {str(k): int(v) for k, v in sc["tier_value5"].value_counts().items()},
    }
    months = ctx.profile.rfm.window_months
    blocks = [
        _p(t("segments_intro", loc, months=months, n=fmt_number(len(sc), loc))),
        _chart(
            charts.plot_svg(
                plot_segment_sizes,
                sc,
                locale=loc,
                size=(7.6, 2.8),
                texts=tuple(names),
                after=lambda ax: _percent_axis(ax, loc),
            ),
            t("sec_segments", loc),
        ),
        table_html(table, numeric=tuple(table.columns[1:5])),
    ]
    blocks.extend(_part("sec_concentration", ctx, _concentration, sc))
    blocks.extend(_part("sec_movement", ctx, _movement, sc))
    return blocks


def _concentration(ctx: Ctx, sc: pd.DataFrame) -> list[str]:
    res = ctx.analyses.concentration
    if isinstance(res, Missing):
        raise Skip(t("missing_input", ctx.locale, what=t("in_history", ctx.locale)))
    ctx.section_metrics["concentration"] = res.to_metrics()
    text = t(
        "concentration_text",
        ctx.locale,
        top=fmt_percent(res.top_fraction, ctx.locale, decimals=0),
        share=fmt_percent(res.top_share, ctx.locale),
        gini=fmt_number(res.gini, ctx.locale, decimals=2),
    )
    ctx.findings.append(text)
    return [_p(text)]


def _movement(ctx: Ctx, after: pd.DataFrame) -> list[str]:
    prev_end = ctx.start - pd.Timedelta(days=1)
    res = ctx.analyses.movement
    if isinstance(res, Missing):
        raise Skip(t("missing_input", ctx.locale, what=t("in_history", ctx.locale)))
    ctx.section_metrics["movement"] = res.to_metrics()
    loc = ctx.locale
    rank = list(RFM8_KEYS)
    rows = [k for k in ["new", *rank] if k in res.matrix.index]
    cols = [k for k in [*rank, "left"] if k in res.matrix.columns]
    m = res.matrix.reindex(index=rows, columns=cols, fill_value=0)
    shown = m.map(lambda v: fmt_number(v, loc) if v else "·")
    shown.columns = _seg_names(cols, ctx)
    shown.insert(0, t("before_after", loc), _seg_names(rows, ctx))
    stayed = int(sum(m.loc[k, k] for k in rows if k in cols))
    text = t(
        "movement_text",
        loc,
        month=fmt_date(prev_end, loc),
        up=fmt_number(len(res.upgrades), loc),
        down=fmt_number(len(res.downgrades), loc),
        same=fmt_number(stayed, loc),
    )
    table = table_html(
        shown.reset_index(drop=True), numeric=tuple(shown.columns[1:]), kind="cv-matrix"
    )
    return [_p(text), table]


# --- lifetime value ---------------------------------------------------------------------


def sec_clv(ctx: Ctx) -> list[str]:
    """Parameters with intervals, total CLV with its interval, CLV by segment, validation."""
    loc = ctx.locale
    run = ctx.analyses
    fit = run.clv
    if isinstance(fit, Missing):
        raise Skip(t("section_failed", loc, why=fit.reason))
    model, frame = fit.model, fit.scores
    summ = run.summary
    c = ctx.profile.clv
    segs = run.segments["segment_rfm8"]
    notes: list[str] = []
    ci = run.clv_intervals
    if not isinstance(ci, Missing):
        total, by, lvl = ci.total, ci.by_segment.copy(), ci.level
        ctx.section_metrics["clv"] = {**model.to_metrics(), "intervals_clv": ci.to_metrics()}
    else:  # e.g. a singular Hessian on a small clinic: no interval
        keys = segs.reindex(frame.index)
        by = frame["clv"].groupby(keys.astype("string").fillna("unknown")).agg(["sum", "size"])
        by = by.set_axis(["estimate", "patients"], axis=1).assign(lower=np.nan, upper=np.nan)
        total = {"estimate": float(frame["clv"].sum()), "lower": np.nan, "upper": np.nan}
        lvl = 0.9
        notes.append(t("clv_no_interval", loc, why=ci.reason))
        ctx.section_metrics["clv"] = model.to_metrics()
    level = fmt_percent(lvl, loc, decimals=0)
    blocks = [
        _p(
            t(
                "clv_total_text",
                loc,
                total=ctx.money(total["estimate"]),
                lower=_money(total["lower"], ctx),
                upper=_money(total["upper"], ctx),
                level=level,
                months=c.horizon_months,
                n=fmt_number(len(summ), loc),
                per=ctx.money(total["estimate"] / max(len(summ), 1)),
            )
        )
    ]
    blocks.extend(note_html(n) for n in notes)
    # CLV by segment
    by = by.sort_values("estimate", ascending=False)
    names = _seg_names(list(by.index), ctx)
    shown = by.set_axis(names)
    blocks.append(
        _chart(
            charts.bar_with_interval(
                shown, title=t("clv_by_segment", loc), xlabel=t("total_clv", loc), locale=loc
            ),
            t("clv_by_segment", loc),
        )
    )
    table = pd.DataFrame(
        {
            t("segment", loc): names,
            t("patients", loc): [_num(v, loc) for v in by["patients"]],
            t("total_clv", loc): [ctx.money(v) for v in by["estimate"]],
            t("interval", loc, level=level): [
                f"{_money(lo, ctx)} – {_money(hi, ctx)}" if finite(lo) else "—"
                for lo, hi in zip(by["lower"], by["upper"], strict=True)
            ],
            t("clv_per_patient", loc): [
                ctx.money(e / p) if p else t("na", loc)
                for e, p in zip(by["estimate"], by["patients"], strict=True)
            ],
            t("share_clv", loc): [fmt_percent(e / total["estimate"], loc) for e in by["estimate"]],
        }
    )
    blocks.append(table_html(table, numeric=tuple(table.columns[1:])))
    if total["estimate"] > 0:
        best = by.index[0]
        ctx.findings.insert(
            0,
            t(
                "finding_clv",
                loc,
                segment=names[0],
                share=fmt_percent(by.loc[best, "estimate"] / total["estimate"], loc),
                total=ctx.money(total["estimate"]),
                months=c.horizon_months,
            ),
        )
    # parameters
    blocks.append(_h3("clv_params", ctx))
    pint = run.parameter_intervals
    if isinstance(pint, Missing):
        raise Skip(t("section_failed", loc, why=pint.reason))
    ptable = pd.DataFrame(
        {
            t("model", loc): [
                "BG/NBD" if m == "bgnbd" else "Gamma-Gamma" for m in pint.index.get_level_values(0)
            ],
            t("parameter", loc): list(pint.index.get_level_values(1)),
            t("estimate", loc): [_num(v, loc, 3) for v in pint["estimate"]],
            t("interval", loc, level="95%"): [
                f"{_num(lo, loc, 3)} – {_num(hi, loc, 3)}"
                for lo, hi in zip(pint["lower"], pint["upper"], strict=True)
            ],
        }
    )
    step = model.fit_step_
    blocks.append(table_html(ptable, numeric=tuple(ptable.columns[2:])))
    blocks.append(
        _p(
            t(
                "clv_fit_text",
                loc,
                step=t_or(f"step_{step}", loc) if step == "default" else step,
                unit=t(f"unit_{model.time_unit}", loc),
                n=fmt_number(model.n_patients_, loc),
                repeat=fmt_number(model.n_repeat_, loc),
            )
        )
    )
    warnings: list[str] = []
    if model.gg_params_ is None:
        warnings.append(t("warn_gg_fallback", loc))
    if step != "default":
        warnings.append(t("warn_fit_step", loc, step=step))
    # validation
    try:
        blocks.append(_keep(_h3("clv_validation", ctx), *_validation(ctx, warnings)))
    except Skip as skip:
        blocks.extend([_h3("clv_validation", ctx), note_html(str(skip))])
    if warnings:
        blocks.append(_h3("clv_warnings", ctx))
        blocks.append(_warn(warnings))
    return blocks


def _validation(ctx: Ctx, warnings: list[str]) -> list[str]:
    loc = ctx.locale
    c = ctx.profile.clv
    v = ctx.analyses.clv_validation
    if isinstance(v, Missing):  # too short a history for a holdout: say so in one line
        raise Skip(t("clv_no_validation", loc, months=c.holdout_months, why=v.reason))
    ctx.section_metrics["clv_validation"] = v.to_metrics()
    rows = [
        (
            t("holdout", loc),
            f"{fmt_date(v.calibration_end + pd.Timedelta(days=1), loc)} – "
            f"{fmt_date(v.observation_end, loc)}",
        ),
        (t("val_patients", loc), fmt_number(v.n_patients, loc)),
        (t("val_actual", loc), _num(v.actual_total, loc)),
        (t("val_predicted", loc), _num(v.predicted_total, loc)),
        (t("val_aggregate", loc), _pct(v.aggregate_error, loc)),
        (t("val_mae", loc), _num(v.mae, loc, 2)),
        (t("val_rmse", loc), _num(v.rmse, loc, 2)),
        (t("val_gg_corr", loc), _num(v.gg_correlation, loc, 2)),
        (t("val_regularity", loc), _num(v.regularity_k, loc, 2)),
    ]
    table = pd.DataFrame(rows, columns=[t("kpi", loc), t("value", loc)])
    chart = charts.plot_svg(plot_actual_vs_predicted, v, locale=loc, size=(4.6, 3.0))
    if finite(v.gg_correlation) and abs(v.gg_correlation) > c.gg_correlation_warning:
        warnings.append(
            t(
                "warn_gg_corr",
                loc,
                corr=fmt_number(v.gg_correlation, loc, decimals=2),
                limit=fmt_number(c.gg_correlation_warning, loc, decimals=2),
            )
        )
    if finite(v.regularity_k) and v.regularity_k > c.regularity_warning:
        warnings.append(
            t(
                "warn_regularity",
                loc,
                k=fmt_number(v.regularity_k, loc, decimals=2),
                limit=fmt_number(c.regularity_warning, loc, decimals=1),
            )
        )
    return [
        _p(t("clv_validation_text", loc, months=c.holdout_months)),
        table_html(table, numeric=(t("value", loc),)),
        _chart(chart, t("clv_validation", loc)),
    ]


# --- retention --------------------------------------------------------------------------


def sec_retention(ctx: Ctx, *, kpi_table: str = "") -> list[str]:
    """Cohort triangle, revisit rates with CIs, time to return, patient-base flow."""
    loc = ctx.locale
    blocks: list[str] = []
    run = ctx.analyses
    # revisit rates
    rates = run.revisit_rates
    ctx.section_metrics["revisit_rates"] = {
        str(int(r.window_days)): {
            "eligible": int(r.eligible),
            "rate": r.rate if finite(r.rate) else None,
        }
        for r in rates.itertuples()
    }
    rtable = pd.DataFrame(
        {
            t("within_days", loc): [fmt_number(d, loc) for d in rates["window_days"]],
            t("eligible", loc): [fmt_number(v, loc) for v in rates["eligible"]],
            t("returned", loc): [fmt_number(v, loc) for v in rates["returned"]],
            t("rate", loc): [_pct(v, loc) for v in rates["rate"]],
            t("interval", loc, level="95%"): [
                f"{_pct(lo, loc)} – {_pct(hi, loc)}"
                for lo, hi in zip(rates["ci_low"], rates["ci_high"], strict=True)
            ],
        }
    )
    blocks.append(_h3("revisit_rates", ctx))
    blocks.append(_p(t("revisit_text", loc)))
    blocks.append(
        _pair(
            table_html(rtable, numeric=tuple(rtable.columns)),
            _chart(
                charts.plot_svg(plot_revisit_rates, rates, locale=loc, size=(4.2, 2.8)),
                t("revisit_rates", loc),
            ),
        )
    )
    # time to return
    curve = run.time_to_return
    ctx.section_metrics["time_to_return"] = to_metrics(curve)
    row = curve.table.iloc[0]
    blocks.append(_h3("time_to_return", ctx))
    median = row.get("median_days")
    blocks.append(
        _p(
            t(
                "ttr_text",
                loc,
                median=_num(median, loc) if finite(median) else t("not_reached", loc),
            )
        )
    )
    blocks.append(
        _chart(
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
    blocks.append(_h3("cohorts", ctx))
    blocks.append(_p(t("cohort_text", loc)))
    blocks.append(
        _chart(
            charts.plot_svg(plot_cohort_heatmap, tri, locale=loc, size=(7.2, 4.2)),
            t("cohorts", loc),
            wide=True,
        )
    )
    # flow
    fl = run.flow.tail(12)
    if len(fl):
        last = fl.iloc[-1]
        ctx.section_metrics["flow"] = {
            k: float(last[k]) if finite(last[k]) else None for k in fl.columns
        }
        blocks.append(_h3("flow", ctx))
        blocks.append(
            _p(
                t(
                    "flow_text",
                    loc,
                    new=fmt_number(last["new"], loc),
                    react=fmt_number(last["reactivated"], loc),
                    lost=fmt_number(last["lost"], loc),
                    active=fmt_number(last["active_end"], loc),
                    months=ctx.profile.activity.kpi_active_months,
                )
            )
        )
        blocks.append(
            _chart(
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
    if kpi_table:
        blocks.append(_h3("sec_trend_table", ctx))
        blocks.append(kpi_table)
    ctx.section_metrics["churn_warnings"] = run.churn.to_metrics()
    return blocks


def _flow_axes(ax: Any) -> None:
    labels = [tick.get_text()[2:] for tick in ax.get_xticklabels()]  # "26-10"
    ax.set_xticks(ax.get_xticks(), labels, rotation=0, fontsize=7)
    leg = ax.get_legend()
    if leg is not None:
        leg.remove()
    handles = []
    lab = []
    for a in ax.figure.axes:
        h, l_ = a.get_legend_handles_labels()
        handles += h
        lab += l_
    ax.legend(handles, lab, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=7)


# --- economics --------------------------------------------------------------------------


def sec_economics(ctx: Ctx) -> list[str]:
    """CAC, LTV:CAC and payback by channel, revenue split, uplift, drivers, scenario A vs B."""
    loc = ctx.locale
    res = ctx.analyses.economics
    ctx.section_metrics["economics"] = res.to_metrics()
    blocks: list[str] = []
    gm = ctx.profile.clinic.gross_margin
    if res.available and len(res.by_channel):
        by = res.by_channel
        table = pd.DataFrame(
            {
                t("channel", loc): [channel_label(c, loc) for c in by.index],
                t("spend", loc): [_money(v, ctx) for v in by["spend"]],
                t("new_patients_col", loc): [_num(v, loc) for v in by["new_patients"]],
                "CAC": [_money(v, ctx) for v in by["cac"]],
                t("ltv_to_date", loc): [_money(v, ctx) for v in by["ltv_to_date"]],
                t("ltv_12m", loc): [_money(v, ctx) for v in by["ltv_12m"]],
                t("clv_mean", loc): [_money(v, ctx) for v in by["clv"]],
                "LTV:CAC": [
                    _num(v, loc, 1) + "×" if finite(v) else t("na", loc) for v in by["ltv_cac"]
                ],
                t("payback", loc): [_num(v, loc) for v in by["payback_months"]],
            }
        )
        blocks.append(_h3("by_channel", ctx))
        blocks.append(_p(t("by_channel_text", loc, gm=fmt_percent(gm, loc, decimals=0))))
        blocks.append(table_html(table, numeric=tuple(table.columns[1:])))
        shown = dataclasses.replace(
            res, by_channel=by.set_axis([channel_label(c, loc) for c in by.index])
        )
        blocks.append(
            _chart(
                charts.plot_svg(plot_cac_vs_ltv, shown, locale=loc, size=(7.0, 2.8)),
                t("by_channel", loc),
            )
        )
        ratio = res.acq_to_ret_ratio
        if finite(ratio):
            blocks.append(
                _p(
                    t(
                        "acq_ret_text",
                        loc,
                        cac=_money(res.overall_cac, ctx),
                        ret=_money(res.retention_cost, ctx),
                        ratio=fmt_number(ratio, loc, decimals=1),
                    )
                )
            )
    else:
        blocks.append(note_html(t("missing_input", loc, what=t("in_spend", loc))))
    # revenue new vs returning
    split = res.revenue_split.tail(12)
    if len(split):
        blocks.append(_h3("rev_split", ctx))
        total = float(split[["new_revenue", "returning_revenue"]].to_numpy().sum())
        share = float(split["returning_revenue"].sum()) / total if total else float("nan")
        blocks.append(_p(t("rev_split_text", loc, share=_pct(share, loc))))
        shown = dataclasses.replace(res, revenue_split=split)
        blocks.append(
            _chart(
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
    blocks.extend(_part("uplift", ctx, _uplift, res))
    blocks.extend(_part("drivers", ctx, _drivers))
    # article 000's scenario
    try:
        blocks.extend(_scenario(ctx))
    except Skip as skip:
        blocks.append(note_html(str(skip)))
    return blocks


def _short_months(ax: Any, loc: str) -> None:
    labels = [tick.get_text()[2:] for tick in ax.get_xticklabels()]
    ax.set_xticks(ax.get_xticks(), labels, rotation=0, fontsize=7)
    _money_axis(ax, loc)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=7)


def _uplift(ctx: Ctx, res: Any) -> list[str]:
    loc = ctx.locale
    u = ctx.analyses.uplift
    if isinstance(u, Missing):
        raise Skip(t("section_failed", loc, why=u.reason))
    ctx.section_metrics["retention_uplift"] = u.to_metrics()
    tb = u.table
    assumptions = [t(f"uplift_a{i}", loc) for i in range(1, 6)]
    table = pd.DataFrame(
        {
            t("retention_gain", loc): [fmt_change_pp(p, loc) for p in tb["points"]],
            t("retention_12m", loc): [_pct(r, loc) for r in tb["retention"]],
            t("extra_visits", loc): [_num(x, loc, 2) for x in tb["extra_visits"]],
            t("margin_gained", loc): [_money(x, ctx) for x in tb["margin_gained"]],
            t("new_equiv", loc): [_num(x, loc) for x in tb["new_patients_equivalent"]],
            t("acq_cost", loc): [_money(x, ctx) for x in tb["acquisition_cost"]],
        }
    )
    blocks = [
        _p(
            t(
                "uplift_text",
                loc,
                base=_pct(u.baseline_retention, loc),
                n=fmt_number(u.n_patients, loc),
            )
        ),
        table_html(table, numeric=tuple(table.columns)),
        *[note_html(t("uplift_skipped", loc, points=fmt_change_pp(p, loc))) for p in u.skipped],
        f'<p class="cv-small">{esc(t("assumptions", loc))}</p>',
        '<ol class="cv-small">' + "".join(f"<li>{esc(a)}</li>" for a in assumptions) + "</ol>",
    ]
    return blocks


def fmt_change_pp(p: float, loc: str) -> str:
    """Format a retention gain (a share) as percentage points."""
    return fmt_change(p, loc, kind="points")


def _drivers(ctx: Ctx) -> list[str]:
    loc = ctx.locale
    d = ctx.analyses.drivers
    if isinstance(d, Missing):
        raise Skip(t("drivers_none", loc, why=d.reason))
    ctx.section_metrics["drivers"] = d.to_metrics()
    tb = d.table.sort_values("odds_ratio", ascending=False)
    table = pd.DataFrame(
        {
            t("term", loc): [_term(x, loc) for x in tb["term"]],
            t("odds_ratio", loc): [_num(x, loc, 2) for x in tb["odds_ratio"]],
            t("interval", loc, level="95%"): [
                f"{_num(lo, loc, 2)} – {_num(hi, loc, 2)}" if finite(lo) else "—"
                for lo, hi in zip(tb["ci_low"], tb["ci_high"], strict=True)
            ],
            "p": [_num(x, loc, 3) if finite(x) else "—" for x in tb["p_value"]],
            t("patients", loc): [_num(x, loc) for x in tb["n"]],
        }
    )
    days = ctx.profile.economics.returned_within_days
    blocks = [
        _p(
            t(
                "drivers_text",
                loc,
                days=days,
                n=fmt_number(d.n, loc),
                r=fmt_number(d.n_returned, loc),
            )
        ),
        table_html(table, numeric=tuple(table.columns[1:])),
    ]
    if d.method != "logit":
        blocks.append(note_html(t("drivers_ridge", loc)))
    return blocks


_TERM_PREFIX = ("channel", "treatment", "age_band")


def _term(term: str, loc: str) -> str:
    for prefix in _TERM_PREFIX:
        if term.startswith(prefix + "_"):
            key = term[len(prefix) + 1 :]
            if prefix == "channel":
                value = channel_label(key, loc)
            elif prefix == "treatment":
                value = t_or(f"treat_{key}", loc)
            else:
                value = t_or(key, loc)
            return f"{t('term_' + prefix, loc)}: {value}"
    return t_or(term, loc)


def t_or(key: str, loc: str) -> str:
    """Return the report string ``key`` if there is one, else the key made readable."""
    if key in STRINGS:
        return t(key, loc)
    return key.replace("_", " ")


def _scenario(ctx: Ctx) -> list[str]:
    loc = ctx.locale
    a, b = article_clinic_a(), article_clinic_b()
    rows = [
        (t("sc_kind", loc), t("sc_acq", loc), t("sc_ret", loc)),
        (t("sc_budget", loc), _money(a.budget, ctx), _money(b.budget, ctx)),
        (t("sc_patients", loc), _num(a.patients, loc), _num(b.patients, loc)),
        (t("sc_spend", loc), _money(a.spend_per_patient, ctx), _money(b.spend_per_patient, ctx)),
        (t("sc_return", loc), _pct(a.return_rate, loc), _pct(b.return_rate, loc)),
        (t("sc_revenue", loc), _money(a.revenue, ctx), _money(b.revenue, ctx)),
        (t("sc_profit", loc), _money(a.profit, ctx), _money(b.profit, ctx)),
        ("ROI", _num(a.roi, loc, 1) + "×", _num(b.roi, loc, 1) + "×"),
    ]
    table = pd.DataFrame(rows, columns=["", t("sc_a", loc), t("sc_b", loc)])
    ctx.section_metrics["scenario"] = {"a": a.to_metrics(), "b": b.to_metrics()}
    return [
        '<div class="cv-box">',
        f"<h3>{esc(t('scenario', loc))}</h3>",
        _p(t("scenario_text", loc)),
        table_html(table, numeric=(t("sc_a", loc), t("sc_b", loc))),
        "</div>",
    ]


# --- action lists -----------------------------------------------------------------------


def sec_actions(ctx: Ctx, public_key: Any) -> list[str]:
    """Show counts per call list and the top ten churn warnings (pseudonymous keys only)."""
    loc = ctx.locale
    lists = ctx.analyses.lists
    ctx.actions.update({str(k): v for k, v in lists.items()})
    ctx.section_metrics["actions"] = {
        str(k): {"eligible": int(v.attrs.get("eligible", len(v))), "listed": int(len(v))}
        for k, v in lists.items()
    }
    rows = [
        (t(f"list_{k}", loc), fmt_number(c["eligible"], loc), fmt_number(c["listed"], loc))
        for k, c in ctx.section_metrics["actions"].items()
    ]
    cols = [t("list", loc), t("list_qualify", loc), t("list_listed", loc)]
    table = pd.DataFrame(rows, columns=cols)
    blocks = [_p(t("actions_text", loc, n=LIST_LENGTH)), table_html(table, numeric=tuple(cols[1:]))]
    cw = ctx.analyses.churn
    top = cw.table.head(10)
    if len(top):
        blocks.append(_h3("top_churn", ctx))
        blocks.append(
            _p(
                t(
                    "churn_text",
                    loc,
                    n=fmt_number(len(cw.table), loc),
                    value=ctx.money(cw.value_at_risk_total),
                )
            )
        )
        has_clv = "clv" in top.columns
        shown = pd.DataFrame(
            {
                t("patient_key", loc): public_key(top.index).to_numpy(),
                t("reasons", loc): top["reason"].astype(str).to_numpy(),
                t("days_since", loc): [_num(x, loc) for x in top["days_since_last"]],
            }
        )
        if has_clv:
            shown[t("total_clv", loc)] = [_money(x, ctx) for x in top["clv"]]
        shown[t("value_at_risk", loc)] = [_money(x, ctx) for x in top["value_at_risk"]]
        key = t("patient_key", loc)
        blocks.append(table_html(shown, numeric=tuple(shown.columns[2:]), whole=(key,)))
    return blocks

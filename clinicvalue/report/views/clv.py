"""The lifetime-value section: total and per-segment CLV, parameters, holdout validation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clinicvalue.analyses.clv.processes import MODEL_NAMES
from clinicvalue.analyses.clv.selection import MIN_GAIN, MODELS, ModelComparison
from clinicvalue.analyses.run import Missing
from clinicvalue.plots.clv import plot_actual_vs_predicted, plot_model_comparison
from clinicvalue.report import charts
from clinicvalue.report.context import Ctx, Skip, finite
from clinicvalue.report.views._format import (
    figure,
    grid,
    heading,
    money,
    note,
    num,
    para,
    pct,
    seg_names,
    together,
    warn,
    why,
)
from clinicvalue.report.views.blocks import Block
from clinicvalue.text.i18n import currency_symbol, fmt_date, fmt_number, fmt_percent, t

__all__ = ["view", "clv_finding"]


def _by_segment(ctx: Ctx) -> tuple[dict, pd.DataFrame, float, list[str]]:
    """Return the CLV total, CLV by segment (most first), the interval level and notes."""
    run = ctx.analyses
    by = run.clv_by_segment
    if isinstance(by, Missing):
        raise Skip(t("section_failed", ctx.locale, why=why(by, ctx.locale)))
    ci = run.clv_intervals
    if not isinstance(ci, Missing):
        return ci.total, by, ci.level, []
    total = {"estimate": float(by["estimate"].sum()), "lower": np.nan, "upper": np.nan}
    if run.clv_undetermined is not None:  # said once, among the model's warnings
        return total, by, 0.9, []
    return total, by, 0.9, [t("clv_no_interval", ctx.locale, why=why(ci, ctx.locale))]


def clv_finding(ctx: Ctx) -> str | None:
    """Return the executive summary's sentence on where the lifetime value sits."""
    try:
        total, by, _, _ = _by_segment(ctx)
    except Skip:
        return None
    if not total["estimate"] > 0:
        return None
    loc = ctx.locale
    return t(
        "finding_clv",
        loc,
        segment=seg_names([by.index[0]], ctx)[0],
        share=fmt_percent(by["estimate"].iloc[0] / total["estimate"], loc),
        total=ctx.money(total["estimate"]),
        months=ctx.profile.clv.horizon_months,
    )


def view(ctx: Ctx) -> list[Block]:
    """Show total CLV with its interval, CLV by segment, the parameters and the validation."""
    loc = ctx.locale
    run = ctx.analyses
    total, by, lvl, notes = _by_segment(ctx)
    fit = run.clv
    assert not isinstance(fit, Missing)  # _by_segment skips the section otherwise
    model = fit.model
    summ = run.summary
    c = ctx.profile.clv
    level = fmt_percent(lvl, loc, decimals=0)
    figures = {
        "total": ctx.money(total["estimate"]),
        "months": c.horizon_months,
        "n": fmt_number(len(summ), loc),
        "per": ctx.money(total["estimate"] / max(len(summ), 1)),
    }
    if finite(total["lower"]):
        text = t(
            "clv_total_text",
            loc,
            lower=money(total["lower"], ctx),
            upper=money(total["upper"], ctx),
            level=level,
            **figures,
        )
    else:
        text = t("clv_total_plain", loc, **figures)
    blocks: list[Block] = [para(text)]
    pi = run.clv_predictive
    if not isinstance(pi, Missing):
        blocks.append(
            para(
                t(
                    "clv_predictive_text",
                    loc,
                    level=fmt_percent(pi.level, loc, decimals=0),
                    lower=money(pi.total["lower"], ctx),
                    upper=money(pi.total["upper"], ctx),
                )
            )
        )
    blocks.extend(note(n) for n in notes)
    # CLV by segment
    names = seg_names(list(by.index), ctx)
    shown = by.set_axis(names)
    blocks.append(
        figure(
            charts.bar_with_interval(
                shown,
                title=t("clv_by_segment", loc),
                xlabel=f"{t('total_clv', loc)} ({currency_symbol(ctx.currency)})",
                locale=loc,
            ),
            t("clv_by_segment", loc),
        )
    )
    table = pd.DataFrame(
        {
            t("segment", loc): names,
            t("patients", loc): [num(v, loc) for v in by["patients"]],
            t("total_clv", loc): [ctx.money(v) for v in by["estimate"]],
            t("interval_parameters", loc, level=level): [
                f"{money(lo, ctx)} – {money(hi, ctx)}" if finite(lo) else "—"
                for lo, hi in zip(by["lower"], by["upper"], strict=True)
            ],
            t("interval_predictive", loc, level=level): _predictive_column(pi, by, ctx),
            t("clv_per_patient", loc): [
                ctx.money(e / p) if p else t("na", loc)
                for e, p in zip(by["estimate"], by["patients"], strict=True)
            ],
            t("share_clv", loc): [
                pct(e / total["estimate"] if total["estimate"] else float("nan"), loc)
                for e in by["estimate"]
            ],
        }
    )
    # a range column with no range in it (a model without intervals) says nothing
    table = table.loc[:, [not table[c].eq("—").all() for c in table.columns]]
    blocks.append(grid(table, numeric=tuple(table.columns[1:])))
    blocks.append(
        para(
            t(
                "clv_fit_plain",
                loc,
                n=fmt_number(model.n_patients_, loc),
                repeat=fmt_number(model.n_repeat_, loc),
            )
        )
    )
    blocks.extend(_model_choice(ctx))
    step = model.fit_step_
    warnings: list[str] = []
    if run.clv_undetermined is not None:
        warnings.append(t("warn_undetermined", loc, why=why(run.clv_undetermined, loc)))
    if model.gg_params_ is None:
        warnings.append(t("warn_gg_fallback", loc))
    if step != "default":
        warnings.append(t("warn_fit_step", loc, step=step))
    # validation
    try:
        blocks.append(together(heading("clv_validation", ctx), *_validation(ctx, warnings)))
    except Skip as skip:
        blocks.extend([heading("clv_validation", ctx), note(str(skip))])
    if warnings:
        blocks.append(heading("clv_warnings", ctx))
        blocks.append(warn(warnings))
    return blocks


def _validation(ctx: Ctx, warnings: list[str]) -> list[Block]:
    loc = ctx.locale
    c = ctx.profile.clv
    v = ctx.analyses.clv_validation
    if isinstance(v, Missing):  # too short a history for a holdout: say so in one line
        raise Skip(t("clv_no_validation", loc, months=c.holdout_months, why=v.reason))
    rows = [
        (
            t("holdout", loc),
            f"{fmt_date(v.calibration_end + pd.Timedelta(days=1), loc)} – "
            f"{fmt_date(v.observation_end, loc)}",
        ),
        (t("val_patients", loc), fmt_number(v.n_patients, loc)),
        (t("val_actual", loc), num(v.actual_total, loc)),
        (t("val_predicted", loc), num(v.predicted_total, loc)),
        (t("val_aggregate", loc), pct(v.aggregate_error, loc)),
        (t("val_mae", loc), num(v.mae, loc, 2)),
        (t("val_rmse", loc), num(v.rmse, loc, 2)),
        (t("val_gg_corr", loc), num(v.gg_correlation, loc, 2)),
        (t("val_regularity", loc), num(v.regularity_k, loc, 2)),
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
    regular = ctx.analyses.clv.model.visit_model_ == "mbg_cnbd_k"  # type: ignore[union-attr]
    if finite(v.regularity_k) and v.regularity_k > c.regularity_warning and not regular:
        warnings.append(
            t(
                "warn_regularity",
                loc,
                k=fmt_number(v.regularity_k, loc, decimals=2),
                limit=fmt_number(c.regularity_warning, loc, decimals=1),
            )
        )
    text = t("clv_validation_text", loc, months=c.holdout_months)
    model = ctx.analyses.clv.model  # type: ignore[union-attr]
    if not model.plain_bgnbd:
        name = MODEL_NAMES[model.visit_model_]
        if model.by_group_:
            name = t("clv_model_by_group_label", loc, model=name)
        text += ("" if loc.startswith("zh") else " ") + t(
            "clv_validation_baseline", loc, model=name
        )
    return [
        para(text),
        grid(table, numeric=(t("value", loc),)),
        figure(chart, t("clv_validation", loc)),
    ]


def _model_choice(ctx: Ctx) -> list[Block]:
    """Say which visit model scores the patients and why; chart the holdout comparison."""
    loc = ctx.locale
    model = ctx.analyses.clv.model  # type: ignore[union-attr]
    months = ctx.profile.clv.model_holdout_months
    name = MODEL_NAMES[model.visit_model_]
    groups = t("clv_model_groups", loc) if model.by_group_ else ""
    sel = model.selection_
    if model.choice_ == "forced":
        return [heading("clv_model", ctx), para(t("clv_model_forced", loc, model=name + groups))]
    if sel is None:
        return [heading("clv_model", ctx), para(t("clv_model_no_comparison", loc, months=months))]
    if sel.chosen == "bgnbd":
        text = t("clv_model_kept", loc, months=months, min_gain=pct(MIN_GAIN, loc))
    else:
        key = "clv_model_regular" if model.visit_model_ == "mbg_cnbd_k" else "clv_model_other"
        text = t(key, loc, model=name, groups=groups, months=months, gain=pct(sel.gain(), loc))
        for g in _groups(sel)[:3]:  # each group's cut, the named conditions first
            if f"mae_{g}" in sel.errors.columns and sel.gain(g) > 0:
                extra = t("clv_model_group_gain", loc, group=_group_name(g, loc),
                          gain=pct(sel.gain(g), loc))  # fmt: skip
                text += ("" if loc.startswith("zh") else " ") + extra
    shown = {m: MODEL_NAMES[m] for m in MODELS}
    if sel.chosen not in shown:
        family = sel.chosen.partition("|")[0]
        shown[sel.chosen] = t("clv_model_by_group_label", loc, model=MODEL_NAMES[family])
    groups_shown = _groups(sel)[:3] or [None]
    charts_ = [
        figure(
            charts.plot_svg(
                plot_model_comparison, sel.bias, shown, group=g, locale=loc, size=(4.6, 3.0),
                subtitle=None if g is None else _group_name(g, loc),
                texts=tuple(shown.values()) + (() if g is None else (g,)),
            ),
            t("clv_model_chart", loc),
        )
        for g in groups_shown
    ]  # fmt: skip
    return [heading("clv_model", ctx), para(text), *charts_]


def _groups(sel: ModelComparison) -> list[str]:
    """Return the comparison's patient groups, named conditions first, "other" last."""
    found = {g for g in sel.bias["group"] if g != "all"}
    return sorted(found, key=lambda g: (g == "other", g))


def _group_name(group: str, loc: str) -> str:
    """Return a patient group's name for the report ("other" in the report's language)."""
    return t("group_other", loc) if group == "other" else group


def _predictive_column(pi: object, by: pd.DataFrame, ctx: Ctx) -> list[str]:
    """Each segment's predictive interval, in the table's order ("—" without one)."""
    if isinstance(pi, Missing):
        return ["—"] * len(by)
    rows = pi.by_segment.reindex(by.index)  # type: ignore[attr-defined]
    return [
        f"{money(lo, ctx)} – {money(hi, ctx)}" if finite(lo) else "—"
        for lo, hi in zip(rows["lower"], rows["upper"], strict=True)
    ]

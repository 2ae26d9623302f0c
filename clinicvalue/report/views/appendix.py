"""The appendix: every KPI's definition, the methods, and the settings behind the report."""

from __future__ import annotations

import pandas as pd

from clinicvalue.analyses.clv.processes import MODEL_NAMES
from clinicvalue.analyses.run import Missing
from clinicvalue.report.context import Ctx
from clinicvalue.report.kpis import KPIS, kpi_formula
from clinicvalue.report.views import economics
from clinicvalue.report.views._format import grid, heading, num, para, t_or
from clinicvalue.report.views.blocks import Block
from clinicvalue.text.i18n import LOCALES, fmt_number, fmt_percent, t

__all__ = ["SETTINGS", "view"]

#: the settings that shape a report, as the appendix lists them: (section, key, kind);
#: the full profile is in metrics.json
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("clinic", "gross_margin", "percent"),
    ("activity", "kpi_active_months", "months"),
    ("activity", "active_months", "months"),
    ("activity", "dormant_months", "months"),
    ("rfm", "lookback_months", "history"),
    ("rfm", "split", "choice"),
    ("rfm", "monetary", "choice"),
    ("rfm", "self_pay_only", "yes_no"),
    ("clv", "horizon_months", "months"),
    ("clv", "annual_discount_rate", "percent"),
    ("clv", "holdout_months", "months"),
    ("clv", "model", "choice"),
    ("clv", "model_holdout_months", "months"),
    ("churn", "satisfaction_below", "number"),
    ("churn", "complaint_days", "days"),
    ("churn", "spend_decline_threshold", "percent"),
    ("care", "due_within_days", "days"),
    ("economics", "returned_within_days", "days"),
    ("economics", "min_ltv_cac", "ratio"),
    ("membership", "scheme", "choice"),
    ("report", "stale_after_days", "days"),
)


def _setting(ctx: Ctx, section: str, key: str, kind: str) -> str:
    """Format one setting's value in the report's language."""
    loc = ctx.locale
    value = getattr(getattr(ctx.profile, section), key)
    if kind == "percent":
        return fmt_percent(value, loc, decimals=0)
    if kind == "months":
        return t("n_months", loc, n=fmt_number(value, loc))
    if kind == "days":
        return t("n_days", loc, n=fmt_number(value, loc))
    if kind == "history":
        return t("n_months", loc, n=fmt_number(value, loc)) if value else t("rfm_history_all", loc)
    if kind == "yes_no":
        return t("yes" if value else "no", loc)
    if kind == "ratio":
        return fmt_number(value, loc, decimals=1) + "×"
    if kind == "choice":
        return t(f"choice_{section}_{key}_{value}", loc)
    return fmt_number(value, loc)


def view(ctx: Ctx) -> list[Block]:
    """Show the KPI formulas, the methods paragraph and the profile's settings."""
    loc = ctx.locale
    i = LOCALES.index(loc)
    table = pd.DataFrame(
        {
            t("kpi", loc): [k.label[i] for k in KPIS],
            t("formula", loc): [kpi_formula(k.key, ctx.profile, loc) for k in KPIS],
        }
    )
    rows = [(t(f"setting_{s}_{k}", loc), _setting(ctx, s, k, kind)) for s, k, kind in SETTINGS]
    settings = pd.DataFrame(rows, columns=[t("parameters", loc), t("value", loc)])
    return [
        grid(table),
        heading("methods", ctx),
        para(t("methods_text", loc)),
        *_model_parameters(ctx),
        *economics.scenario(ctx),
        heading("parameters", ctx),
        para(t("settings_text", loc)),
        grid(settings),
    ]


def _model_parameters(ctx: Ctx) -> list[Block]:
    """Show the lifetime-value models' parameters, what each means, and their intervals."""
    loc = ctx.locale
    run = ctx.analyses
    pint = run.parameter_intervals
    if isinstance(run.clv, Missing) or isinstance(pint, Missing):
        return []
    model = run.clv.model
    shown = run.clv_undetermined is None
    ptable = pd.DataFrame(
        {
            t("model", loc): [
                "BG/NBD" if m == "bgnbd" else "Gamma-Gamma" for m in pint.index.get_level_values(0)
            ],
            t("parameter", loc): list(pint.index.get_level_values(1)),
            t("meaning", loc): [t(f"param_{k}", loc) for k in pint.index.get_level_values(1)],
            t("estimate", loc): [num(v, loc, 3) for v in pint["estimate"]],
            t("interval", loc, level="95%"): [
                f"{num(lo, loc, 3)} – {num(hi, loc, 3)}" if shown else "—"
                for lo, hi in zip(pint["lower"], pint["upper"], strict=True)
            ],
        }
    )
    step = model.fit_step_
    text = t(
        "clv_fit_methods",
        loc,
        step=t_or(f"step_{step}", loc) if step == "default" else step,
        unit=t(f"unit_{model.time_unit}", loc),
        n=fmt_number(model.n_patients_, loc),
        repeat=fmt_number(model.n_repeat_, loc),
    )
    blocks = [heading("clv_params", ctx), para(text), grid(ptable, numeric=(ptable.columns[3],))]
    return blocks + _visit_parameters(ctx)


def _visit_parameters(ctx: Ctx) -> list[Block]:
    """Show the parameters of the visit model that scores patients, when it is not BG/NBD."""
    loc = ctx.locale
    model = ctx.analyses.clv.model  # type: ignore[union-attr]
    if model.plain_bgnbd:
        return []
    rows = [
        (
            t("group_all", loc) if g == "all" else t("group_other", loc) if g == "other" else g,
            k,
            t(f"param_{k}", loc),
            num(v, loc, 0 if k == "k" else 3),
        )
        for g, params in model.visit_params_.items()
        for k, v in params.items()
    ]
    cols = [t("group", loc), t("parameter", loc), t("meaning", loc), t("estimate", loc)]
    table = pd.DataFrame(rows, columns=cols)
    text = t(
        "clv_visit_methods",
        loc,
        model=MODEL_NAMES[model.visit_model_],
        n=fmt_number(model.n_patients_, loc),
        unit=t(f"unit_{model.time_unit}", loc),
    )
    return [heading("clv_visit_params", ctx), para(text), grid(table, numeric=(cols[3],))]

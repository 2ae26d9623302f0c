"""The appendix: every KPI's definition, the methods, and the settings behind the report."""

from __future__ import annotations

import pandas as pd

from clinicvalue.analyses.run import Missing
from clinicvalue.report.context import Ctx
from clinicvalue.report.kpis import KPIS, kpi_formula
from clinicvalue.report.views._format import grid, heading, num, para, t_or
from clinicvalue.report.views.blocks import Block
from clinicvalue.text.i18n import LOCALES, fmt_number, t

__all__ = ["view"]


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
        grid(table),
        heading("methods", ctx),
        para(t("methods_text", loc)),
        *_model_parameters(ctx),
        heading("parameters", ctx),
        grid(ptable),
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
    return [heading("clv_params", ctx), para(text), grid(ptable, numeric=(ptable.columns[3],))]

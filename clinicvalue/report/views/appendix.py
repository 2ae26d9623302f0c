"""The appendix: every KPI's definition, the methods, and the settings behind the report."""

from __future__ import annotations

import pandas as pd

from clinicvalue.report.context import Ctx
from clinicvalue.report.kpis import KPIS
from clinicvalue.report.views._format import grid, heading, para
from clinicvalue.report.views.blocks import Block
from clinicvalue.text.i18n import LOCALES, t

__all__ = ["view"]


def view(ctx: Ctx) -> list[Block]:
    """Show the KPI formulas, the methods paragraph and the profile's settings."""
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
        grid(table),
        heading("methods", ctx),
        para(t("methods_text", loc)),
        heading("parameters", ctx),
        grid(ptable),
    ]

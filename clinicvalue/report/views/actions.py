"""The action-lists section: how many qualify for each call list, the top churn warnings."""

from __future__ import annotations

import pandas as pd

from clinicvalue.analyses.run import LIST_LENGTH
from clinicvalue.privacy import pseudonym_secret, pseudonymize
from clinicvalue.report.context import Ctx
from clinicvalue.report.views._format import (
    grid,
    heading,
    money,
    num,
    para,
)
from clinicvalue.report.views.blocks import Block
from clinicvalue.text.i18n import fmt_number, t

__all__ = ["view"]


def view(ctx: Ctx) -> list[Block]:
    """Show counts per call list and the top ten churn warnings (pseudonymous keys only)."""
    loc = ctx.locale
    lists = ctx.analyses.lists
    rows = [
        (
            t(f"list_{k}", loc),
            fmt_number(v.attrs.get("eligible", len(v)), loc),
            fmt_number(len(v), loc),
        )
        for k, v in lists.items()
    ]
    cols = [t("list", loc), t("list_qualify", loc), t("list_listed", loc)]
    table = pd.DataFrame(rows, columns=cols)
    blocks: list[Block] = [
        para(t("actions_text", loc, n=LIST_LENGTH)),
        grid(table, numeric=tuple(cols[1:])),
    ]
    cw = ctx.analyses.churn
    top = cw.table.head(10)
    if len(top):
        blocks.append(heading("top_churn", ctx))
        blocks.append(
            para(
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
                t("patient_key", loc): _keys(top.index, ctx).to_numpy(),
                t("reasons", loc): top["reason"].astype(str).to_numpy(),
                t("days_since", loc): [num(x, loc) for x in top["days_since_last"]],
            }
        )
        if has_clv:
            shown[t("total_clv", loc)] = [money(x, ctx) for x in top["clv"]]
        shown[t("value_at_risk", loc)] = [money(x, ctx) for x in top["value_at_risk"]]
        key = t("patient_key", loc)
        blocks.append(grid(shown, numeric=tuple(shown.columns[2:]), whole=(key,)))
    return blocks


def _keys(ids: pd.Index, ctx: Ctx) -> pd.Series:
    """Return the pseudonymous keys staff see in place of patient ids."""
    return pseudonymize(pd.Series(ids.astype("string")), pseudonym_secret(ctx.profile))

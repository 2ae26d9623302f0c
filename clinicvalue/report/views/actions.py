"""The action-lists section: the worklist's counts, the appointment book, what calls achieved."""

from __future__ import annotations

import pandas as pd

from clinicvalue.analyses.care.effect import CallResults
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
from clinicvalue.text.i18n import fmt_number, fmt_percent, t

__all__ = ["view"]


def view(ctx: Ctx) -> list[Block]:
    """Show counts per list, the booking KPIs, the calls' funnel and effect, top warnings."""
    loc = ctx.locale
    work = ctx.analyses.worklist
    counts = work.to_metrics()["lists"]
    rows = []
    for k, v in counts.items():
        row = [t(f"list_{k}", loc), fmt_number(v["eligible"], loc)]
        if work.booked is not None:
            row.append(fmt_number(v["booked_left_off"], loc))
        row += [fmt_number(v["listed"], loc), fmt_number(v["held_back"], loc)]
        rows.append(row)
    cols = [t("list", loc), t("list_qualify", loc)]
    if work.booked is not None:
        cols.append(t("list_booked_off", loc))
    cols += [t("list_listed", loc), t("list_held", loc)]
    table = pd.DataFrame(rows, columns=cols)
    blocks: list[Block] = [
        para(t("actions_text", loc, n=fmt_number(work.capacity, loc), day=f"{work.day:%Y-%m-%d}")),
        grid(table, numeric=tuple(cols[1:])),
    ]
    if work.booked is None:
        blocks.append(para(t("actions_no_book", loc)))
    else:
        blocks += _bookings(ctx)
    blocks += _calls(ctx.analyses.calls, ctx)
    blocks += _top_churn(ctx)
    return blocks


def _bookings(ctx: Ctx) -> list[Block]:
    loc = ctx.locale
    b = ctx.analyses.bookings
    rows = [
        (t("booked_patients", loc), fmt_number(b.booked_patients, loc)),
        (t("reappointment_rate", loc), _pct(b.reappointment_rate, loc)),
        (t("unscheduled_patients", loc), fmt_number(b.unscheduled_patients, loc)),
        (t("unscheduled_opportunity", loc), money(b.unscheduled_opportunity, ctx)),
        (t("no_show_rate", loc), _pct(b.no_show_rate, loc)),
    ]
    frame = pd.DataFrame(rows, columns=[t("measure", loc), ""])
    alive = t("booking_alive", loc) if ctx.analyses.clv_scores is not None else ""
    return [
        heading("booking_kpis", ctx),
        grid(frame, numeric=("",)),
        para(t("booking_text", loc, alive=alive)),
    ]


def _pct(x: float | None, loc: str) -> str:
    return "–" if x is None else fmt_percent(x, loc)


def _calls(res: CallResults, ctx: Ctx) -> list[Block]:
    loc = ctx.locale
    days = ctx.profile.actions.effect_days
    blocks: list[Block] = [heading("funnel", ctx)]
    if not res.workbooks:
        return [*blocks, para(t("funnel_none", loc))]
    blocks.append(
        para(
            t(
                "funnel_text",
                loc,
                n=fmt_number(res.workbooks, loc),
                first=f"{res.first_run:%Y-%m-%d}",
                last=f"{res.last_run:%Y-%m-%d}",
                days=days,
            )  # fmt: skip
        )
    )
    if len(res.funnel):
        stages = ("listed", "called", "reached", "booked", "came")
        shown = pd.DataFrame(
            {
                t("list", loc): [t(f"list_{k}", loc) for k in res.funnel.index],
                **{
                    t(f"funnel_{s}", loc): [fmt_number(int(v), loc) for v in res.funnel[s]]
                    for s in stages
                },
                t("funnel_revenue", loc): [money(v, ctx) for v in res.funnel["revenue"]],
            }
        )
        blocks.append(grid(shown, numeric=tuple(shown.columns[1:])))
    blocks.append(heading("effect", ctx))
    share = fmt_percent(ctx.profile.actions.holdout_share, loc)
    blocks.append(para(t("effect_text", loc, share=share, days=days)))
    measured = [e for e in res.effects if e.called or e.held]
    if not any(e.called and e.held for e in measured):
        blocks.append(para(t("effect_none", loc, days=days)))
    if measured:
        shown = pd.DataFrame(
            {
                t("list", loc): [t(f"list_{e.list}", loc) for e in measured],
                t("effect_called", loc): [_rate(e.called_rate, e.called, loc) for e in measured],
                t("effect_held", loc): [_rate(e.held_rate, e.held, loc) for e in measured],
                t("effect_diff", loc): [
                    _interval(e.diff, e.diff_low, e.diff_high, loc) for e in measured
                ],  # fmt: skip
                t("effect_revenue", loc): [
                    _money_interval(e.revenue_diff, e.revenue_low, e.revenue_high, ctx)
                    for e in measured
                ],
                t("effect_needed", loc): [
                    "–" if e.needed is None else fmt_number(e.needed, loc) for e in measured
                ],
                t("effect_verdict", loc): [t(f"verdict_{e.verdict}", loc) for e in measured],
            }
        )
        blocks.append(grid(shown, numeric=tuple(shown.columns[1:-1])))
    return blocks


def _rate(x: float | None, n: int, loc: str) -> str:
    return "–" if x is None else f"{fmt_percent(x, loc)} (n={fmt_number(n, loc)})"


def _interval(x: float | None, lo: float | None, hi: float | None, loc: str) -> str:
    if x is None or lo is None or hi is None:
        return "–"
    return f"{100 * x:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]"


def _money_interval(x: float | None, lo: float | None, hi: float | None, ctx: Ctx) -> str:
    if x is None:
        return "–"
    if lo is None or hi is None:
        return money(x, ctx)
    return f"{money(x, ctx)} [{money(lo, ctx)}, {money(hi, ctx)}]"


def _top_churn(ctx: Ctx) -> list[Block]:
    loc = ctx.locale
    cw = ctx.analyses.churn
    top = cw.table.head(10)
    if not len(top):
        return []
    blocks: list[Block] = [
        heading("top_churn", ctx),
        para(
            t(
                "churn_text",
                loc,
                n=fmt_number(len(cw.table), loc),
                value=ctx.money(cw.value_at_risk_total),
            )  # fmt: skip
        ),
    ]
    shown = pd.DataFrame(
        {
            t("patient_key", loc): _keys(top.index, ctx).to_numpy(),
            t("reasons", loc): top["reason"].astype(str).to_numpy(),
            t("days_since", loc): [num(x, loc) for x in top["days_since_last"]],
        }
    )
    if "clv" in top.columns:
        shown[t("total_clv", loc)] = [money(x, ctx) for x in top["clv"]]
    shown[t("value_at_risk", loc)] = [money(x, ctx) for x in top["value_at_risk"]]
    key = t("patient_key", loc)
    blocks.append(grid(shown, numeric=tuple(shown.columns[2:]), whole=(key,)))
    return blocks


def _keys(ids: pd.Index, ctx: Ctx) -> pd.Series:
    """Return the pseudonymous keys staff see in place of patient ids."""
    return pseudonymize(pd.Series(ids.astype("string")), pseudonym_secret(ctx.profile))

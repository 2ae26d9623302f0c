"""What to do next, worded: the summary's recommended actions and each section's last line.

The recommendations come from :mod:`clinicvalue.analyses.advice` (one home); this module
only writes them in the report's language.
"""

from __future__ import annotations

from collections.abc import Callable

from clinicvalue.analyses.advice import Recommendation
from clinicvalue.report.context import Ctx
from clinicvalue.report.views.blocks import Advice, Block, Findings
from clinicvalue.text.i18n import channel_label, fmt_number, fmt_percent, t

__all__ = ["LEAD", "lead", "sentence", "ending", "with_advice"]

#: most recommendations the executive summary leads with
LEAD = 5


def sentence(rec: Recommendation, ctx: Ctx) -> str:
    """Return one recommendation as the sentence the owner reads."""
    loc = ctx.locale
    v = dict(rec.values)
    fields: dict[str, str] = {}
    if rec.patients is not None:
        fields["n"] = fmt_number(rec.patients, loc)
    if rec.value is not None:
        fields["money"] = ctx.money(rec.value)
    for key in ("share", "now", "before"):
        if key in v:
            fields[key] = fmt_percent(v[key], loc)
    if "drop" in v:
        fields["drop"] = fmt_number(v["drop"] * 100, loc, decimals=1)
    if "ratio" in v:
        fields["ratio"] = fmt_number(v["ratio"], loc, decimals=1)
        fields["floor"] = fmt_number(v["floor"], loc, decimals=1)
    if "channel" in v:
        fields["channel"] = channel_label(v["channel"], loc)
    key = rec.key if rec.value is not None or rec.key != "call_churn_list" else "call_churn_plain"
    return t(f"advice_{key}", loc, **fields)


def lead(ctx: Ctx) -> list[Block]:
    """Return the executive summary's three to five recommended actions, if any."""
    recs = ctx.analyses.advice[:LEAD]
    if not recs:
        return []
    return [Findings(t("advice_title", ctx.locale), tuple(sentence(r, ctx) for r in recs))]


def ending(ctx: Ctx, section: str) -> list[Block]:
    """Return a section's closing line of advice: its first recommendation, else the all-clear."""
    loc = ctx.locale
    mine = [r for r in ctx.analyses.advice if r.section == section]
    floor = fmt_number(ctx.profile.economics.min_ltv_cac, loc, decimals=1)
    text = sentence(mine[0], ctx) if mine else t(f"advice_none_{section}", loc, floor=floor)
    return [Advice(t("advice_label", loc), text)]


def with_advice(section: str, view: Callable[[Ctx], list[Block]]) -> Callable[[Ctx], list[Block]]:
    """Return ``view`` with the section's line of advice at its end."""

    def build(ctx: Ctx) -> list[Block]:
        return [*view(ctx), *ending(ctx, section)]

    build.__doc__ = view.__doc__
    return build

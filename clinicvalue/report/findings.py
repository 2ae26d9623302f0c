"""Findings written from the numbers: three to five sentences for the executive summary."""

from __future__ import annotations

import math
import re

from clinicvalue.text.catalogue import LOCALES, triples
from clinicvalue.text.i18n import fmt_change, fmt_money, fmt_number, fmt_percent

__all__ = ["write_findings"]

_T = triples("findings")
_IDX = {loc: i for i, loc in enumerate(LOCALES)}


def _ok(x: object) -> bool:
    return isinstance(x, int | float) and not (isinstance(x, float) and not math.isfinite(x))


def _rel(now: object, before: object) -> float | None:
    if _ok(now) and _ok(before) and before:
        return float(now) / float(before) - 1  # type: ignore[arg-type]
    return None


def write_findings(
    kpis: dict[str, float],
    *,
    previous: dict[str, float] | None,
    last_year: dict[str, float] | None,
    targets: dict[str, float],
    currency: str,
    locale: str,
    extra: list[str] | tuple[str, ...] = (),
    advised: frozenset[str] = frozenset(),
) -> list[str]:
    """Return three to five findings, most important first, written from the KPI values.

    Parameters
    ----------
    kpis
        This month's KPI values (``clinicvalue.report.kpis``).
    previous, last_year
        The same KPIs a month and a year earlier, when known.
    targets
        The profile's KPI targets.
    currency, locale
        How money and text are written.
    extra
        Findings the analyses wrote (segments, lifetime value, concentration), most
        important first; the first follows the churn warning, the rest fill free places.
    advised
        Keys of the recommendations the summary already leads with; a finding that would
        only repeat one (the churn list) is left out.
    """
    i = _IDX[locale]
    prev, ly = previous or {}, last_year or {}

    def money(x: float) -> str:
        return fmt_money(x, currency, locale)

    out: list[str] = []
    if "call_churn_list" in advised:
        pass  # the recommended actions already name the list and its value
    elif _ok(kpis.get("at_risk_patients")) and kpis["at_risk_patients"] > 0:
        n = fmt_number(kpis["at_risk_patients"], locale)
        if _ok(kpis.get("clv_at_risk")):
            out.append(_T["at_risk"][i].format(n=n, money=money(kpis["clv_at_risk"])))
        else:
            out.append(_T["at_risk_only"][i].format(n=n))
    out.extend(extra[:1])
    if _ok(kpis.get("ltv_cac")):
        ratio = fmt_number(kpis["ltv_cac"], locale, decimals=1)
        out.append(_T["ltv_cac"][i].format(ratio=ratio))
    change = fmt_change(_rel(kpis.get("active_patients"), prev.get("active_patients")), locale)
    out.append(
        _T["active"][i].format(value=fmt_number(kpis["active_patients"], locale), change=change)
    )
    out.extend(extra[1:2])
    if _ok(kpis.get("returning_revenue_share")):
        out.append(
            _T["returning"][i].format(
                share=fmt_percent(kpis["returning_revenue_share"], locale),
                money=money(kpis["revenue_returning"]),
            )
        )
    rr = kpis.get("revisit_rate_90d")
    if _ok(rr) and "revisit_rate_90d" in targets:
        target = targets["revisit_rate_90d"]
        status = _T["met" if rr >= target else "missed"][i]  # type: ignore[operator]
        out.append(
            _T["revisit_target"][i].format(
                value=fmt_percent(rr, locale), status=status, target=fmt_percent(target, locale)
            )
        )
    elif _ok(rr) and _ok(ly.get("revisit_rate_90d")):
        diff = float(rr) - float(ly["revisit_rate_90d"])  # type: ignore[arg-type]
        out.append(
            _T["revisit"][i].format(
                value=fmt_percent(rr, locale), change=fmt_change(diff, locale, kind="points")
            )
        )
    if len(out) < 5:
        change = fmt_change(_rel(kpis.get("new_patients"), prev.get("new_patients")), locale)
        out.append(_T["new"][i].format(n=fmt_number(kpis["new_patients"], locale), change=change))
    if len(out) < 5 and _ok(kpis.get("avg_spend_per_visit")):
        change = fmt_change(
            _rel(kpis.get("avg_spend_per_visit"), prev.get("avg_spend_per_visit")), locale
        )
        out.append(_T["spend"][i].format(money=money(kpis["avg_spend_per_visit"]), change=change))
    na = re.escape(fmt_change(None, locale))
    gone = re.compile(rf"\s*[（(][^（）()]*{na}[^（）()]*[）)]")
    return [gone.sub("", f) for f in out[:5]]

"""The portfolio across a batch's clinics: headline KPIs side by side, spread and ranks.

``clinicvalue batch`` writes ``reports/portfolio/<YYYY-MM>/`` with ``portfolio.xlsx``
and ``portfolio.pdf`` for the consultancy. Unlike each clinic's own report, it names
every clinic. :func:`portfolio_frames` is pure; the writers lay its frames out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clinicvalue.report.kpis import format_kpi, kpi_def
from clinicvalue.report.peers import PEER_KPIS, Benchmark, ClinicKpis
from clinicvalue.text.i18n import LOCALES, css_fonts, fmt_month, html_lang, t
from clinicvalue.writers import atomic_path, format_sheet, sheet_frame

__all__ = ["Portfolio", "portfolio_frames", "write_portfolio"]


@dataclass(frozen=True)
class Portfolio:
    """The batch's clinics side by side (``values``), spread (``stats``) and ``ranks``.

    ``values`` and ``ranks`` have one row per clinic (by id); ``stats`` one row each for
    the median, lower and upper quartile and the number of clinics with the figure.
    Rank 1 is the best in the KPI's good direction; ties share the better rank. Amounts
    of money are compared only among the clinics in ``currency`` (the most common one):
    a clinic reporting in another currency keeps its own amounts, without a rank.
    """

    month: str
    clinics: tuple[ClinicKpis, ...]
    values: pd.DataFrame
    stats: pd.DataFrame
    ranks: pd.DataFrame
    currency: str = "TWD"

    def comparable(self) -> pd.DataFrame:
        """Return ``values`` with the amounts of other-currency clinics left out."""
        out = self.values.copy()
        other = [c.clinic for c in self.clinics if c.currency != self.currency]
        money = [k for k in PEER_KPIS if kpi_def(k).kind == "money"]
        out.loc[other, money] = np.nan
        return out


def portfolio_frames(month: str, clinics: list[ClinicKpis]) -> Portfolio:
    """Return the portfolio of ``clinics`` for ``month``."""
    ids = [c.clinic for c in clinics]
    values = pd.DataFrame(
        [[_num(c.kpis.get(k)) for k in PEER_KPIS] for c in clinics],
        index=pd.Index(ids, name="clinic"),
        columns=list(PEER_KPIS),
        dtype=float,
    )
    currencies = Counter(c.currency for c in clinics)
    main = currencies.most_common(1)[0][0] if clinics else "TWD"
    shown = Portfolio(month, tuple(clinics), values, values, values, main)
    same = shown.comparable()
    stats = pd.DataFrame(
        {
            "median": same.median(),
            "q1": same.quantile(0.25),
            "q3": same.quantile(0.75),
            "clinics": same.notna().sum().astype(float),
        }
    ).T
    ranks = pd.DataFrame(
        {
            k: same[k].rank(ascending=not kpi_def(k).higher_is_better, method="min")
            for k in PEER_KPIS
        },
        index=values.index,
    )
    return Portfolio(month, tuple(clinics), values, stats, ranks, main)


def _num(v: Any) -> float:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)
    return float(v) if ok else np.nan


def _labels(locale: str) -> dict[str, str]:
    i = LOCALES.index(locale)
    return {k: kpi_def(k).label[i] for k in PEER_KPIS}


def _shown(p: Portfolio, locale: str) -> pd.DataFrame:
    """Return the side-by-side table as text: clinics, then median and quartiles."""
    labels = _labels(locale)
    rows = []
    for c in p.clinics:
        row = {
            t("portfolio_clinic", locale): c.label,
            t("portfolio_kind", locale): _kind(c, locale),
        }
        for k in PEER_KPIS:
            v = p.values.at[c.clinic, k]
            rank = p.ranks.at[c.clinic, k]
            text = format_kpi(k, None if np.isnan(v) else v, currency=c.currency, locale=locale)
            row[labels[k]] = text if np.isnan(rank) else f"{text} (#{int(rank)})"
        rows.append(row)
    for stat in ("median", "q1", "q3"):
        row = {
            t("portfolio_clinic", locale): t(f"portfolio_{stat}", locale),
            t("portfolio_kind", locale): "",
        }
        for k in PEER_KPIS:
            v = p.stats.at[stat, k]
            row[labels[k]] = format_kpi(
                k, None if np.isnan(v) else v, currency=p.currency, locale=locale
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _kind(c: ClinicKpis, locale: str) -> str:
    return t(f"kind_{c.kind}", locale)


def _write_xlsx(p: Portfolio, path: Path, locale: str) -> None:
    labels = _labels(locale)
    clinic, kind = t("portfolio_clinic", locale), t("portfolio_kind", locale)
    head = {
        clinic: [c.label for c in p.clinics],
        kind: [_kind(c, locale) for c in p.clinics],
        t("portfolio_currency", locale): [c.currency for c in p.clinics],
    }
    values = pd.DataFrame(head | {labels[k]: p.values[k].to_numpy() for k in PEER_KPIS})
    stats = pd.DataFrame(
        {clinic: [t(f"portfolio_{s}", locale) for s in ("median", "q1", "q3")]}
        | {t("portfolio_currency", locale): [p.currency] * 3}
        | {labels[k]: p.stats.loc[["median", "q1", "q3"], k].to_numpy() for k in PEER_KPIS}
    )
    ranks = pd.DataFrame(head | {labels[k]: p.ranks[k].to_numpy() for k in PEER_KPIS})
    sheets = {
        t("portfolio_title", locale): pd.concat([values, stats], ignore_index=True),
        t("portfolio_rank", locale): ranks,
    }
    formats = {"rate": "0.0%", "ratio": "0.0", "money": "#,##0", "count": "#,##0"}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            shown = sheet_frame(frame)
            shown.to_excel(writer, sheet_name=name[:31], index=False)
            ws = writer.sheets[name[:31]]
            format_sheet(ws, shown)
            for col, k in enumerate(PEER_KPIS, start=4):  # after clinic, kind and currency
                code = "0" if frame is ranks else formats[kpi_def(k).kind]
                for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                    cell.number_format = code


def _charts(p: Portfolio, locale: str, marks: dict[str, Benchmark]) -> list[tuple[str, str]]:
    from clinicvalue.plots.portfolio import plot_kpi_spread
    from clinicvalue.report.charts import plot_svg

    labels = _labels(locale)
    same = p.comparable()
    out = []
    for k in PEER_KPIS:
        has = same[k].notna().to_numpy()
        names = [c.label for c, ok in zip(p.clinics, has, strict=True) if ok]
        if not names:
            continue
        image = plot_svg(
            plot_kpi_spread,
            names,
            same[k].to_numpy()[has],
            locale=locale,
            size=(4.2, 1.2 + 0.26 * len(names)),
            texts=tuple(names),
            title=labels[k],
            kind=kpi_def(k).kind,
            median=float(p.stats.at["median", k]),
            benchmark=marks.get(k),
        )
        out.append((labels[k], image))
    return out


def _write_pdf(p: Portfolio, path: Path, *, locale: str, marks: dict[str, Benchmark]) -> None:
    from jinja2 import Environment, select_autoescape
    from markupsafe import Markup

    from clinicvalue.report.render import write_pdf

    env = Environment(autoescape=select_autoescape(default=True))
    text = resources.files("clinicvalue.templates").joinpath("portfolio.html").read_text("utf-8")
    table = _shown(p, locale)
    html = env.from_string(text).render(
        lang=html_lang(locale),
        fonts=Markup(css_fonts(locale)),
        title=t("portfolio_title", locale),
        month=fmt_month(p.month, locale),
        text=t("portfolio_text", locale, month=fmt_month(p.month, locale), currency=p.currency),
        columns=list(table.columns),
        rows=table.itertuples(index=False),
        clinics=len(p.clinics),
        charts=_charts(p, locale, marks),
        sources=sorted({m.source for m in marks.values()}),
        sources_label=t("peer_benchmark", locale),
    )
    write_pdf(html, path)


def write_portfolio(
    portfolio: Portfolio,
    folder: str | Path,
    *,
    locale: str,
    benchmarks: dict[str, Benchmark] | None = None,
) -> tuple[Path, Path]:
    """Write ``portfolio.xlsx`` and ``portfolio.pdf`` into ``folder``.

    ``benchmarks`` (outside reference values) are drawn as lines on the KPI charts.
    """
    folder = Path(folder)
    xlsx = atomic_path(folder / "portfolio.xlsx", lambda tmp: _write_xlsx(portfolio, tmp, locale))
    pdf = atomic_path(
        folder / "portfolio.pdf",
        lambda tmp: _write_pdf(portfolio, tmp, locale=locale, marks=benchmarks or {}),
    )
    return xlsx, pdf

"""The "compared with similar clinics" section: a batch's peers and the profile's benchmarks.

Each outside benchmark is drawn as a reference line beside the clinic's value (and its
peers' median, from a batch).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from clinicvalue.plots.portfolio import plot_kpi_spread
from clinicvalue.report import charts
from clinicvalue.report.kpis import kpi_def
from clinicvalue.report.peers import MIN_PEERS, Benchmark, PeerLine, comparison_rows
from clinicvalue.report.views._format import figure, grid, para
from clinicvalue.report.views.blocks import Block, SectionView
from clinicvalue.text.i18n import LOCALES, fmt_number, t

__all__ = ["KEY", "view"]

KEY = "peers"


def view(
    metrics: dict[str, Any],
    peers: dict[str, PeerLine] | None,
    benchmarks: dict[str, Benchmark] | None,
) -> SectionView | None:
    """Return the comparison section, or ``None`` when there is nothing to compare with.

    Rows appear for KPIs with a peer line (at least :data:`MIN_PEERS` similar clinics)
    or an outside benchmark; no other clinic is named.
    """
    rows = comparison_rows(metrics, peers, benchmarks)
    if not rows:
        return None
    loc = metrics["locale"]
    kind = t(f"kind_{metrics['profile']['clinic']['kind']}", loc)
    cols = {
        "kpi": t("peer_kpi", loc),
        "value": t("peer_value", loc),
        "median": t("peer_median", loc),
        "standing": t("peer_standing", loc),
        "benchmark": t("peer_benchmark", loc),
    }
    frame = pd.DataFrame([{cols[k]: r[k] for k in cols} for r in rows])
    frame = frame.loc[:, [c for c in frame.columns if frame[c].astype(bool).any()]]
    numeric = tuple(c for c in (cols["value"], cols["median"]) if c in frame.columns)
    intro = (
        t("peer_text", loc, kind=kind, min=fmt_number(MIN_PEERS, loc))
        if peers
        else t("benchmark_text", loc)
    )
    blocks = [para(intro), grid(frame, numeric=numeric, whole=numeric)]
    charts = [
        _benchmark_chart(metrics, key, mark, (peers or {}).get(key))
        for key, mark in (benchmarks or {}).items()
    ]
    blocks.extend(c for c in charts if c is not None)
    title = t("peer_title" if peers else "benchmark_title", loc)
    return SectionView(KEY, title, tuple(blocks))


def _benchmark_chart(
    metrics: dict[str, Any], key: str, mark: Benchmark, line: PeerLine | None
) -> Block | None:
    """Return the clinic's value (and its peers' median) against the benchmark's line."""
    value = metrics["kpis"].get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    loc = metrics["locale"]
    names, values = [t("peer_value", loc)], [float(value)]
    if line is not None:
        names.append(t("peer_median", loc))
        values.append(line.median)
    label = kpi_def(key).label[LOCALES.index(loc)]
    image = charts.plot_svg(
        plot_kpi_spread,
        names,
        values,
        locale=loc,
        size=(6.0, 1.5 + 0.3 * len(names)),
        texts=(mark.source,),
        title=label,
        kind=kpi_def(key).kind,
        benchmark=mark,
    )
    return figure(image, f"{label}: {t('peer_benchmark', loc)} {mark.source}")

"""The deck's slides as data: titles, tiles, bullets, tables and chart series.

Every number comes from one report's ``metrics.json`` (the same analysis run as the
PDF); nothing here computes a figure the report does not hold. The words come from the
text catalogue in the report's language.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from clinicvalue.analyses.segments.labels import segment_label
from clinicvalue.analyses.segments.movement import NEW
from clinicvalue.analyses.segments.schemes import SCHEME_KEYS
from clinicvalue.report.kpis import TILE_KEYS, format_kpi
from clinicvalue.report.peers import Benchmark, PeerLine, comparison_rows
from clinicvalue.report.views.retention import flow_sentence
from clinicvalue.text.catalogue import table
from clinicvalue.text.i18n import channel_label, fmt_money, fmt_number, month_ticks, t

__all__ = ["Series", "Chart", "Tile", "Slide", "deck_slides"]

#: Excel number formats of the chart axes and labels
COUNT, RATE, MONEY, RATIO = "#,##0", "0%", "#,##0", "0.0"


@dataclass(frozen=True)
class Series:
    """One chart series: its name and one value per category (``None`` = no value)."""

    name: str
    values: tuple[float | None, ...]
    reference: bool = False  # an outside benchmark, drawn as a dashed reference line


@dataclass(frozen=True)
class Chart:
    """A native chart: ``column``, ``bar`` (horizontal) or ``line``."""

    kind: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    number_format: str = COUNT


@dataclass(frozen=True)
class Tile:
    """One KPI of the strip: label, value, changes with their direction, peer line."""

    key: str
    label: str
    value: str
    changes: tuple[tuple[str, str, bool | None], ...]  # (arrow and text, label, good)
    extra: str = ""


@dataclass(frozen=True)
class Slide:
    """One slide: a title and any of subtitle, tiles, bullets, chart and table."""

    key: str
    title: str
    subtitle: str = ""
    tiles: tuple[Tile, ...] = ()
    bullets: tuple[str, ...] = ()
    chart: Chart | None = None
    table: tuple[tuple[str, ...], ...] = ()  # first row = header
    note: str = ""
    speaker_notes: tuple[str, ...] = ()  # what the presenter reads beside the slide


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _arrow(change: dict[str, Any] | None, loc: str) -> tuple[str, str, bool | None] | None:
    if not change:
        return None
    mark = t(f"deck_{change['direction']}", loc)
    return (f"{mark} {change['text']}", change["label"], change.get("good"))


def _title(m: dict[str, Any]) -> Slide:
    cover = m["cover"]
    lines = [cover["data_until"], cover["generated"]]
    if cover.get("banner"):
        lines.insert(0, cover["banner"])
    return Slide(
        "title",
        cover["clinic"],
        subtitle=f"{cover['title']} · {cover['month']}",
        bullets=tuple(lines),
        note="" if cover.get("author", "") == cover["clinic"] else cover.get("author", ""),
    )


def _kpis(m: dict[str, Any], peers: dict[str, PeerLine], loc: str) -> Slide:
    tiles = []
    for tile in m["tiles"]:
        changes = tuple(
            c for c in (_arrow(tile.get("mom"), loc), _arrow(tile.get("yoy"), loc)) if c
        )
        line = peers.get(tile["key"])
        extra = (
            t("peer_line", loc, pct=fmt_number(line.percentile, loc), n=fmt_number(line.peers, loc))
            if line
            else tile.get("target", "")
        )
        tiles.append(Tile(tile["key"], tile["label"], tile["value"], changes, extra))
    return Slide("kpis", t("deck_kpis", loc), tiles=tuple(tiles))


def _actions(m: dict[str, Any], loc: str) -> Slide:
    advice = tuple(m.get("advice_text") or ())
    return Slide("actions", t("deck_actions", loc), bullets=advice or (t("deck_no_actions", loc),))


def _flow(m: dict[str, Any], loc: str) -> Slide | None:
    trend = m["analyses"].get("flow_trend") or {}
    if not trend:
        return None
    months = list(trend)
    series = tuple(
        Series(table("plots.retention", loc)[key], tuple(_num(trend[mo][key]) for mo in months))
        for key in ("new", "reactivated", "lost")
    )
    months_active = m["profile"]["activity"]["kpi_active_months"]
    text = flow_sentence(m["analyses"]["flow"], months_active, loc)
    chart = Chart("column", tuple(month_ticks(months, loc)), series, COUNT)
    return Slide("flow", t("deck_flow", loc), chart=chart, bullets=(text,))


def _segments(m: dict[str, Any], loc: str) -> Slide:
    now = m["analyses"]["segments"]["rfm8"]
    keys = SCHEME_KEYS["rfm8"]
    labels = tuple(segment_label("rfm8", k, loc) for k in keys)
    series = [Series(t("deck_now", loc), tuple(float(now.get(k, 0)) for k in keys))]
    bullets: tuple[str, ...] = ()
    move = m["analyses"].get("movement")
    if move:
        before = {
            row: float(sum(cols.values()))  # every patient in the segment then, left included
            for row, cols in move["matrix"].items()
            if row != NEW
        }
        series.append(Series(t("deck_last_month", loc), tuple(before.get(k, 0.0) for k in keys)))
        bullets = (
            t(
                "deck_moves",
                loc,
                up=fmt_number(move["upgrades"], loc),
                down=fmt_number(move["downgrades"], loc),
            ),
        )
    chart = Chart("bar", labels, tuple(series), COUNT)
    return Slide("segments", t("deck_segments", loc), chart=chart, bullets=bullets)


def _channels(m: dict[str, Any], loc: str) -> Slide:
    econ = m["analyses"].get("economics") or {}
    by = econ.get("by_channel") or {}
    title = t("deck_channels", loc)
    if not econ.get("available") or not by:
        return Slide("channels", title, bullets=(t("deck_no_channels", loc),))
    known = [
        v for v in by.values() if _num(v.get("ltv")) is not None or _num(v.get("cac")) is not None
    ]
    if not known:  # spend by channel, but no patient's channel: nothing to divide by
        return Slide("channels", title, bullets=(t("deck_no_channel_patients", loc),))
    names = tuple(channel_label(c, loc) for c in by)
    words = table("plots.economics", loc)
    cur = m["currency"]
    chart = Chart(
        "column",
        names,
        (
            Series(t("ltv_new", loc), tuple(_num(v.get("ltv")) for v in by.values())),
            Series(words["cac"], tuple(_num(v.get("cac")) for v in by.values())),
        ),
        MONEY,
    )
    head = (
        t("deck_channel", loc),
        words["new"],
        words["cac"],
        t("ltv_new", loc),
        "LTV:CAC",
    )
    rows = tuple(
        (
            name,
            fmt_number(v.get("new_patients"), loc),
            fmt_money(_num(v.get("cac")), cur, loc),
            fmt_money(_num(v.get("ltv")), cur, loc),
            format_kpi("ltv_cac", _num(v.get("ltv_cac")), currency=cur, locale=loc),
        )
        for name, v in zip(names, by.values(), strict=True)
    )
    return Slide("channels", title, chart=chart, table=(head, *rows))


def _retention(m: dict[str, Any], loc: str, marks: dict[str, Benchmark]) -> Slide:
    key = "revisit_rate_90d"
    months = list(m["trend"])
    before = m.get("trend_last_year") or {}
    series = [
        Series(t("deck_this_year", loc), tuple(_num(m["trend"][mo].get(key)) for mo in months))
    ]
    bullets: tuple[str, ...] = ()
    if before and any(_num(row.get(key)) is not None for row in before.values()):
        series.append(
            Series(
                t("deck_year_before", loc),
                tuple(_num(row.get(key)) for row in before.values()),
            )
        )
    else:
        bullets = (t("deck_no_last_year", loc),)
    mark = marks.get(key)
    if mark is not None:  # the outside benchmark as a flat reference line
        name = f"{t('peer_benchmark', loc)}: {mark.source}"
        series.append(Series(name, (mark.value,) * len(months), reference=True))
    chart = Chart("line", tuple(month_ticks(months, loc)), tuple(series), RATE)
    return Slide("retention", t("deck_retention", loc), chart=chart, bullets=bullets)


def _lists(m: dict[str, Any], loc: str) -> Slide | None:
    lists = m["analyses"].get("actions") or {}
    if not lists:
        return None
    names = tuple(t(f"list_{k}", loc) for k in lists)
    chart = Chart(
        "bar",
        names,
        (
            Series(t("list_qualify", loc), tuple(float(v["eligible"]) for v in lists.values())),
            Series(t("list_listed", loc), tuple(float(v["listed"]) for v in lists.values())),
        ),
        COUNT,
    )
    return Slide("lists", t("deck_lists", loc), chart=chart, bullets=(t("deck_lists_note", loc),))


def _peers(
    m: dict[str, Any], peers: dict[str, PeerLine], marks: dict[str, Benchmark], loc: str
) -> Slide | None:
    rows = comparison_rows(m, peers, marks)
    if not rows:
        return None
    head = (
        t("peer_kpi", loc),
        t("peer_value", loc),
        t("peer_median", loc),
        t("peer_standing", loc),
        t("peer_benchmark", loc),
    )
    body = [(r["kpi"], r["value"], r["median"], r["standing"], r["benchmark"]) for r in rows]
    keep = [i for i in range(len(head)) if i < 2 or any(row[i] for row in body)]
    table = tuple(tuple(row[i] for i in keep) for row in (head, *body))
    title = t("peer_title" if peers else "benchmark_title", loc)
    return Slide("peers", title, table=table)


def _definitions(m: dict[str, Any], loc: str) -> Slide:
    defs = m["kpi_definitions_text"]
    rows = tuple((defs[k]["label"], defs[k]["formula"]) for k in TILE_KEYS if k in defs)
    return Slide(
        "definitions",
        t("deck_definitions", loc),
        table=((t("peer_kpi", loc), t("deck_definitions", loc)), *rows),
    )


def deck_slides(
    metrics: dict[str, Any],
    *,
    peers: dict[str, PeerLine] | None = None,
    benchmarks: dict[str, Benchmark] | None = None,
) -> tuple[Slide, ...]:
    """Return the deck's slides for one report, in the order they are presented.

    Parameters
    ----------
    metrics
        The report's ``metrics.json``.
    peers
        The clinic's peer lines from a batch (:func:`~clinicvalue.report.peers.peer_lines`);
        the KPI slide and the comparison slide show them.
    benchmarks
        The profile's outside benchmarks, shown on the comparison slide.
    """
    loc = metrics["locale"]
    peers = peers or {}
    slides = (
        _title(metrics),
        _kpis(metrics, peers, loc),
        _actions(metrics, loc),
        _flow(metrics, loc),
        _segments(metrics, loc),
        _channels(metrics, loc),
        _retention(metrics, loc, benchmarks or {}),
        _lists(metrics, loc),
        _peers(metrics, peers, benchmarks or {}, loc),
        _definitions(metrics, loc),
    )
    return tuple(replace(s, speaker_notes=_speaker_notes(metrics, s.key)) for s in slides if s)


def _speaker_notes(m: dict[str, Any], key: str) -> tuple[str, ...]:
    """Return the presenter's notes of slide ``key``: the findings, the definitions it uses."""
    defs = m["kpi_definitions_text"]

    def define(k: str) -> str:
        return f"{defs[k]['label']}: {defs[k]['formula']}"

    notes = {
        "kpis": tuple(m.get("findings") or ()),
        "flow": (define("active_patients"), define("new_patients")),
        "channels": (define("ltv_cac"),),
        "retention": (define("revisit_rate_90d"),),
        "lists": (define("at_risk_patients"),),
    }
    return notes.get(key, ())

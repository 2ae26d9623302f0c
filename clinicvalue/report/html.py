"""HTML fragments of the report model: KPI tiles, tables, charts and sections.

Every piece of text is escaped; charts are inline SVG images; nothing here computes.
"""

from __future__ import annotations

import base64
from html import escape

import pandas as pd

from clinicvalue.report.charts import DPI

#: Tables this short never split across pages (longer ones repeat their header instead).
KEEP_ROWS = 25

__all__ = ["table_html", "svg_img", "tiles_html", "findings_html", "section_html", "note_html"]


def table_html(
    frame: pd.DataFrame,
    *,
    numeric: tuple[str, ...] = (),
    whole: tuple[str, ...] = (),
    kind: str = "",
) -> str:
    """Return ``frame`` (already formatted as text) as a plain table.

    ``numeric`` columns are right-aligned; ``whole`` columns never wrap (e.g. patient keys).
    Tables of up to ``KEEP_ROWS`` rows are kept on one page; ``kind`` is an extra CSS
    class (e.g. ``cv-matrix``).
    """
    head = "".join(
        f'<th class="{"num" if c in numeric else ""}">{escape(str(c))}</th>' for c in frame.columns
    )
    cls = {
        c: " ".join(k for k, on in (("num", c in numeric), ("nw", c in whole)) if on)
        for c in frame.columns
    }
    rows = []
    for values in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="{cls[c]}">{escape(str(v))}</td>'
            for c, v in zip(frame.columns, values, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    body = "".join(rows)
    classes = " ".join(
        c for c in ("cv-table", kind, "cv-whole" if len(rows) <= KEEP_ROWS else "") if c
    )
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def svg_img(svg: str, *, alt: str) -> str:
    """Return an ``<img>`` holding ``svg`` inline (or a ``data:`` URI, e.g. a PNG, as is)."""
    style = ""
    if svg.startswith("data:image/png;base64,"):
        src = svg
        head = base64.b64decode(svg[22:62])  # IHDR: width at bytes 16–20
        width_in = int.from_bytes(head[16:20], "big") / DPI
        style = f' style="width:{width_in:.2f}in"'
    else:
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        src = f"data:image/svg+xml;base64,{data}"
    return f'<figure class="cv-chart"><img alt="{escape(alt)}"{style} src="{src}"/></figure>'


def note_html(text: str) -> str:
    """Return a one-line note (e.g. a section whose input is missing)."""
    return f'<p class="cv-note">{escape(text)}</p>'


def tiles_html(tiles: list[dict[str, object]]) -> str:
    """Return the KPI strip: value, changes with coloured arrows, target."""
    out = []
    for tile in tiles:
        changes = []
        for key in ("mom", "yoy"):
            c = tile.get(key)
            if not isinstance(c, dict):
                continue
            arrow = {"up": "▲", "down": "▼"}.get(str(c.get("direction")), "■")
            tone = "good" if c.get("good") is True else "bad" if c.get("good") is False else "flat"
            changes.append(
                f'<div class="cv-change {tone}"><span class="arrow">{arrow}</span> '
                f"{escape(str(c['text']))} "
                f'<span class="cv-when">{escape(str(c["label"]))}</span></div>'
            )
        target = ""
        if tile.get("target"):
            target = f'<div class="cv-target">{escape(str(tile["target"]))}</div>'
        out.append(
            f'<div class="cv-tile"><div class="cv-label">{escape(str(tile["label"]))}</div>'
            f'<div class="cv-value{" long" if len(str(tile["value"])) > 10 else ""}">'
            f"{escape(str(tile['value']))}</div>"
            f"{''.join(changes)}{target}</div>"
        )
    return f'<div class="cv-tiles">{"".join(out)}</div>'


def findings_html(title: str, findings: list[str]) -> str:
    """Return the findings as a titled list."""
    items = "".join(f"<li>{escape(f)}</li>" for f in findings)
    return f'<div class="cv-findings"><h3>{escape(title)}</h3><ol>{items}</ol></div>'


def section_html(
    key: str, title: str, blocks: list[str], *, level: int = 2, short: bool = False
) -> str:
    """Return a report section: an anchored heading followed by its blocks."""
    cls = "cv-section cv-short" if short else "cv-section"
    return (
        f'<section class="{cls}" id="sec-{escape(key)}">'
        f'<h{level} class="cv-h" id="h-{escape(key)}">{escape(title)}</h{level}>'
        f"{''.join(blocks)}</section>"
    )

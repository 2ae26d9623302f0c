"""Lay the deck's slides out as a 16:9 PowerPoint file with python-pptx.

Charts are native PowerPoint charts (their data sit in the file's embedded workbook), so
a consultant can restyle them. Text uses one font for Latin and East Asian script, the
profile's ``report.deck_font`` or the locale's usual one; the theme names the system
font of each Chinese script as the fallback. Every text box is sized from its text, so
a long clinic name or sentence gets a smaller font, not a clipped line.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from clinicvalue.report.deck.slides import Chart, Slide, Tile
from clinicvalue.writers import atomic_path

__all__ = ["deck_font", "write_deck", "xml_text", "DEFAULT_FONTS", "FALLBACK_FONTS"]

#: the font a deck uses when the profile names none: what the locale's offices have
DEFAULT_FONTS = {"en": "Calibri", "zh-Hant": "Microsoft JhengHei", "zh-Hans": "Microsoft YaHei"}
#: the theme's fallback per script, when the named font is missing on the presenter's machine
FALLBACK_FONTS = {"Hant": "Microsoft JhengHei", "Hans": "Microsoft YaHei", "Jpan": "Meiryo"}

#: 16:9 in inches, exactly as PowerPoint's widescreen slide (12,192,000 × 6,858,000 EMU)
WIDTH, HEIGHT, MARGIN = 12192000 / 914400, 6858000 / 914400, 0.5
BLUE, GREY, DARK = (0x1F, 0x5A, 0x94), (0x55, 0x5F, 0x6B), (0x1F, 0x2D, 0x3D)
GOOD, BAD, TILE = (0x2E, 0x8B, 0x57), (0xC0, 0x39, 0x2B), (0xF4, 0xF7, 0xFA)
PALETTE = ((0x1F, 0x5A, 0x94), (0xE6, 0x7E, 0x22), (0x7F, 0x8C, 0x8D), (0x2E, 0x8B, 0x57))


def deck_font(locale: str, named: str = "") -> str:
    """Return the deck's font: the profile's ``report.deck_font``, else the locale's."""
    return named.strip() or DEFAULT_FONTS[locale]


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "WF"


def _text_width(text: str, size: float) -> float:
    """Return the width of ``text`` at ``size`` points, in inches (a measured guess)."""
    units = sum(1.0 if _wide(c) else 0.6 for c in text)
    return units * size / 72


def fit_size(lines: list[str], width: float, height: float, size: float, least: float = 9) -> float:
    """Return the largest size ≤ ``size`` at which ``lines`` wrap into ``width`` × ``height``."""
    while size > least:
        rows = sum(max(1, math.ceil(_text_width(x, size) / (width - 0.2))) for x in lines)
        if rows * size * 1.3 / 72 + 0.1 <= height:
            return size
        size -= 1
    return least


class _Deck:
    def __init__(self, font: str, locale: str) -> None:
        from pptx import Presentation
        from pptx.util import Emu

        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Emu(12192000), Emu(6858000)
        self.font, self.locale = font, locale
        self._theme_fonts()

    def _theme_fonts(self) -> None:
        from pptx.opc.constants import RELATIONSHIP_TYPE as RT

        theme = self.prs.slide_masters[0].part.part_related_by(RT.THEME)
        xml = theme.blob.decode("utf-8")
        face = _xml_attr(self.font)
        xml = re.sub(
            r'<a:(latin|ea) typeface="[^"]*"', lambda m: f'<a:{m[1]} typeface="{face}"', xml
        )
        for script, name in FALLBACK_FONTS.items():
            xml = re.sub(
                rf'<a:font script="{script}" typeface="[^"]*"',
                f'<a:font script="{script}" typeface="{_xml_attr(name)}"',
                xml,
            )
        theme._blob = xml.encode("utf-8")

    # -- text ------------------------------------------------------------------------
    def _run_font(self, font: Any, size: float, *, bold: bool = False, color=DARK) -> None:
        from pptx.dml.color import RGBColor
        from pptx.util import Pt

        font.size, font.bold = Pt(size), bold
        font.color.rgb = RGBColor(*color)
        _east_asian(font, self.font)

    def text(
        self,
        slide: Any,
        box: tuple[float, float, float, float],
        lines: list[str],
        size: float,
        *,
        bold: bool = False,
        color=DARK,
        numbered: bool = False,
        align: str = "left",
        colors: list[Any] | None = None,
        one_line: bool = False,
    ) -> Any:
        from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
        from pptx.util import Inches, Pt

        x, y, w, h = box
        shown = [f"{i}. {s}" if numbered else s for i, s in enumerate(lines, start=1)]
        size = fit_size(shown, w, h, size)
        while one_line and size > 9 and _text_width(shown[0], size) * 1.1 > w - 0.3:
            size -= 1
        shape = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        frame = shape.text_frame
        frame.word_wrap, frame.auto_size = True, MSO_AUTO_SIZE.NONE
        frame.vertical_anchor = MSO_ANCHOR.TOP
        for i, line in enumerate(shown):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.alignment = PP_ALIGN.CENTER if align == "center" else PP_ALIGN.LEFT
            if numbered and i:
                para.space_before = Pt(size * 0.6)
            run = para.add_run()
            run.text = xml_text(line)
            self._run_font(run.font, size, bold=bold, color=(colors or [color] * len(shown))[i])
        return shape

    # -- slides ----------------------------------------------------------------------
    def slide(self, title: str, footer: str, number: int) -> Any:
        s = self.prs.slides.add_slide(self.prs.slide_layouts[6])
        self.text(s, (MARGIN, 0.3, WIDTH - 2 * MARGIN, 0.85), [title], 28, bold=True, color=BLUE)
        self.text(s, (MARGIN, HEIGHT - 0.45, 9.5, 0.35), [footer], 10, color=GREY)
        self.text(
            s, (WIDTH - MARGIN - 1.0, HEIGHT - 0.45, 1.0, 0.35), [str(number)], 10, color=GREY
        )
        return s

    def cover(self, sl: Slide) -> None:
        s = self.prs.slides.add_slide(self.prs.slide_layouts[6])
        w = WIDTH - 2 * MARGIN - 0.5
        self.text(s, (0.9, 1.9, w, 1.3), [sl.title], 40, bold=True, color=BLUE)
        self.text(s, (0.9, 3.2, w, 0.8), [sl.subtitle], 24, color=DARK)
        self.text(s, (0.9, 4.4, w, 1.2), list(sl.bullets), 14, color=GREY)
        if sl.note:
            self.text(s, (0.9, 6.3, w, 0.5), [sl.note], 12, color=GREY)

    def tiles(self, s: Any, tiles: tuple[Tile, ...]) -> None:
        from pptx.dml.color import RGBColor
        from pptx.enum.shapes import MSO_SHAPE
        from pptx.util import Inches

        cols, gap = 5, 0.2
        w = (WIDTH - 2 * MARGIN - gap * (cols - 1)) / cols
        h = 2.55
        for n, tile in enumerate(tiles):
            x = MARGIN + (n % cols) * (w + gap)
            y = 1.4 + (n // cols) * (h + gap)
            box = s.shapes.add_shape(
                MSO_SHAPE.ROUNDED_RECTANGLE, Inches(x), Inches(y), Inches(w), Inches(h)
            )
            box.fill.solid()
            box.fill.fore_color.rgb = RGBColor(*TILE)
            box.line.color.rgb = RGBColor(0xD7, 0xDE, 0xE6)
            box.adjustments[0] = 0.06
            self.text(s, (x + 0.05, y + 0.08, w - 0.1, 0.62), [tile.label], 12, color=GREY)
            self.text(
                s, (x + 0.05, y + 0.7, w - 0.1, 0.6), [tile.value], 24, bold=True, one_line=True
            )
            lines = [f"{arrow}  {label}" for arrow, label, _ in tile.changes]
            colors = [GOOD if g else BAD if g is False else GREY for _, _, g in tile.changes]
            if lines:
                self.text(s, (x + 0.05, y + 1.32, w - 0.1, 0.7), lines, 11, colors=colors)
            if tile.extra:
                self.text(s, (x + 0.05, y + 2.0, w - 0.1, 0.5), [tile.extra], 10, color=BLUE)

    def chart(self, s: Any, chart: Chart, box: tuple[float, float, float, float]) -> Any:
        from pptx.chart.data import CategoryChartData
        from pptx.dml.color import RGBColor
        from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
        from pptx.enum.dml import MSO_LINE_DASH_STYLE
        from pptx.util import Inches, Pt

        kinds = {
            "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
            "bar": XL_CHART_TYPE.BAR_CLUSTERED,
            "line": XL_CHART_TYPE.LINE_MARKERS,
        }
        data = CategoryChartData(number_format=chart.number_format)
        data.categories = [xml_text(c) for c in chart.categories]
        for series in chart.series:
            data.add_series(
                xml_text(series.name), list(series.values), number_format=chart.number_format
            )
        x, y, w, h = box
        frame = s.shapes.add_chart(
            kinds[chart.kind], Inches(x), Inches(y), Inches(w), Inches(h), data
        )
        c = frame.chart
        c.font.size = Pt(12)
        _east_asian(c.font, self.font)
        c.has_legend = len(chart.series) > 1
        if c.has_legend:
            c.legend.position, c.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
        c.value_axis.tick_labels.number_format = chart.number_format
        c.value_axis.tick_labels.number_format_is_linked = False
        c.value_axis.has_major_gridlines = True
        c.value_axis.major_gridlines.format.line.color.rgb = RGBColor(0xE3, 0xE7, 0xEB)
        if chart.kind == "bar":
            c.category_axis.reverse_order = True  # first category on top, as it reads
        for n, (plot_series, spec) in enumerate(zip(c.plots[0].series, chart.series, strict=True)):
            color = RGBColor(*(BAD if spec.reference else PALETTE[n % len(PALETTE)]))
            if chart.kind == "line":
                plot_series.format.line.color.rgb = color
                plot_series.format.line.width = Pt(1.75 if spec.reference else 2.5)
                plot_series.smooth = False
                if spec.reference:
                    plot_series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
                    plot_series.marker.style = XL_MARKER_STYLE.NONE
            else:
                plot_series.format.fill.solid()
                plot_series.format.fill.fore_color.rgb = color
        plot = c.plots[0]
        if chart.kind != "line":
            plot.gap_width = 60
        if len(chart.categories) <= 12 and chart.kind != "line":
            plot.has_data_labels = True
            labels = plot.data_labels
            labels.number_format, labels.number_format_is_linked = chart.number_format, False
            labels.font.size = Pt(10)
            _east_asian(labels.font, self.font)
        return frame

    def table(
        self, s: Any, rows: tuple[tuple[str, ...], ...], box: tuple[float, float, float, float]
    ) -> Any:
        from pptx.dml.color import RGBColor
        from pptx.util import Inches

        x, y, w, h = box
        size, widths = _table_layout(rows, w, h)
        shape = s.shapes.add_table(
            len(rows), len(rows[0]), Inches(x), Inches(y), Inches(w), Inches(0.3)
        )
        table = shape.table
        for i, width in enumerate(widths):
            table.columns[i].width = Inches(width)
        for r, row in enumerate(rows):
            table.rows[r].height = Inches(0.3)
            for i, value in enumerate(row):
                cell = table.cell(r, i)
                cell.margin_left = cell.margin_right = Inches(0.06)
                cell.margin_top = cell.margin_bottom = Inches(0.03)
                frame = cell.text_frame
                frame.word_wrap = True
                run = frame.paragraphs[0].add_run()
                run.text = xml_text(value)
                self._run_font(
                    run.font, size, bold=r == 0, color=(0xFF, 0xFF, 0xFF) if r == 0 else DARK
                )
                if r == 0:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = RGBColor(*BLUE)
                elif r % 2 == 0:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = RGBColor(*TILE)
                else:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        return shape

    def body(self, sl: Slide, footer: str, number: int) -> None:
        s = self.slide(sl.title, footer, number)
        if sl.speaker_notes:
            s.notes_slide.notes_text_frame.text = xml_text("\n".join(sl.speaker_notes))
        top, bottom = 1.3, HEIGHT - 0.6
        inner = WIDTH - 2 * MARGIN
        if sl.tiles:
            self.tiles(s, sl.tiles)
            return
        notes = list(sl.bullets)
        note_h = 0.9 if notes and (sl.chart or sl.table) else 0.0
        area_h = bottom - top - note_h
        if sl.chart and sl.table:
            self.chart(s, sl.chart, (MARGIN, top, inner * 0.52, area_h))
            self.table(s, sl.table, (MARGIN + inner * 0.55, top + 0.2, inner * 0.45, area_h - 0.2))
        elif sl.chart:
            self.chart(s, sl.chart, (MARGIN, top, inner, area_h))
        elif sl.table:
            self.table(s, sl.table, (MARGIN, top + 0.1, inner, area_h - 0.1))
        if notes and note_h:
            self.text(s, (MARGIN, bottom - note_h, inner, note_h), notes, 14, color=GREY)
        elif notes:
            self.text(
                s, (MARGIN + 0.2, top + 0.2, inner - 0.4, area_h - 0.2), notes, 20, numbered=True
            )


def _column_widths(rows: tuple[tuple[str, ...], ...], width: float, size: float) -> list[float]:
    """Return column widths: short columns as wide as their longest cell, the rest shared."""
    pad = 0.35
    natural = [max(_text_width(r[i], size) for r in rows) + pad for i in range(len(rows[0]))]
    if sum(natural) <= width:
        return [v * width / sum(natural) for v in natural]
    fair = width / len(natural)
    short = [v for v in natural if v <= fair]
    rest = width - sum(short)
    long_total = sum(v for v in natural if v > fair)
    return [v if v <= fair else rest * v / long_total for v in natural]


def _table_layout(
    rows: tuple[tuple[str, ...], ...], width: float, height: float
) -> tuple[float, list[float]]:
    """Return the largest font size (≤ 16 pt) and column widths at which ``rows`` fit.

    A table of short cells gets the largest size at which no cell wraps (down to 11 pt);
    one of sentences wraps its long columns at the largest size that fits the height.
    """

    def rows_height(size: float, widths: list[float]) -> float:
        lines = sum(
            max(
                max(1, math.ceil(_text_width(cell, size) / max(widths[i] - 0.3, 0.2)))
                for i, cell in enumerate(row)
            )
            for row in rows
        )
        return lines * size * 1.35 / 72 + 0.12 * len(rows)

    pad = 0.35
    for size in np.arange(16.0, 10.5, -0.5):
        natural = [max(_text_width(r[i], size) for r in rows) + pad for i in range(len(rows[0]))]
        if sum(natural) <= width and rows_height(size, natural) <= height:
            return float(size), [v * width / sum(natural) for v in natural]
    size = 16.0
    while True:
        widths = _column_widths(rows, width, size)
        if size <= 8 or rows_height(size, widths) <= height:
            return size, widths
        size -= 0.5


#: characters XML 1.0 cannot hold (C0 controls but tab, newline and return; lone surrogates)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Return ``text`` with every character a slide's XML cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(text))


def _xml_attr(text: str) -> str:
    return (
        xml_text(text)
        .replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _east_asian(font: Any, name: str) -> None:
    """Name ``name`` as the font of Latin and East Asian text of ``font``."""
    from pptx.oxml.ns import qn

    name = xml_text(name)
    font.name = name
    rpr = font._rPr  # the run's rPr, or a chart's defRPr
    latin = rpr.find(qn("a:latin"))
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = latin.makeelement(qn("a:ea"), {})
        latin.addnext(ea)
    ea.set("typeface", name)


def write_deck(slides: tuple[Slide, ...], path: str | Path, *, locale: str, font: str = "") -> Path:
    """Write ``slides`` as ``deck.pptx`` at ``path`` (atomically).

    Parameters
    ----------
    slides
        From :func:`~clinicvalue.report.deck.slides.deck_slides`; the first is the cover.
    locale
        The report's language (chooses the default font).
    font
        The profile's ``report.deck_font``; empty = :data:`DEFAULT_FONTS` of the locale.
    """
    deck = _Deck(deck_font(locale, font), locale)
    cover, *rest = slides
    deck.cover(cover)
    footer = f"{cover.title} · {cover.subtitle}"
    for n, sl in enumerate(rest, start=2):
        deck.body(sl, footer, n)
    return atomic_path(path, lambda tmp: deck.prs.save(str(tmp)))

"""Turn a :class:`~clinicvalue.report.views.blocks.SectionView` into HTML (Jinja2, autoescaped)."""

from __future__ import annotations

import base64
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, select_autoescape

from clinicvalue.report.charts import DPI
from clinicvalue.report.views.blocks import SectionView, Table

__all__ = ["KEEP_ROWS", "render_section"]

#: Tables this short never split across pages (longer ones repeat their header instead).
KEEP_ROWS = 25


def _chart_src(image: str) -> tuple[str, str]:
    """Return the ``src`` of a chart and its printed width in inches (PNG only)."""
    if image.startswith("data:image/png;base64,"):
        head = base64.b64decode(image[22:62])  # IHDR: width at bytes 16–20
        return image, f"{int.from_bytes(head[16:20], 'big') / DPI:.2f}"
    data = base64.b64encode(image.encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{data}", ""


def _cell_class(column: Any, table: Table) -> str:
    return " ".join(
        k for k, on in (("num", column in table.numeric), ("nw", column in table.whole)) if on
    )


@cache
def _template() -> Any:
    env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True)
    env.globals.update(chart_src=_chart_src, cell_class=_cell_class, keep_rows=KEEP_ROWS)
    text = resources.files("clinicvalue.templates").joinpath("section.html").read_text("utf-8")
    return env.from_string(text)


def render_section(view: SectionView, *, short: bool = False) -> str:
    """Return the HTML of one section: an anchored ``<h2>`` and its blocks."""
    return _template().render(view=view, short=short).strip()

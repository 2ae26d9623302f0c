"""What a report view is made of: small frozen blocks of already formatted text.

A view chooses what to show and formats it (numbers, money, dates in the report's
language); it returns a :class:`SectionView` of these blocks, and
:func:`clinicvalue.report.views.render.render_section` turns it into HTML with an
autoescaping Jinja2 template. No block holds markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = [
    "Block",
    "Heading",
    "Paragraph",
    "Note",
    "Warnings",
    "ItemList",
    "Table",
    "Chart",
    "Pair",
    "Keep",
    "Box",
    "Tiles",
    "Advice",
    "Findings",
    "SectionView",
]


@dataclass(frozen=True)
class Block:
    """Base of every block; ``kind`` names its template macro."""

    @property
    def kind(self) -> str:
        """Return the block's kind, e.g. ``"paragraph"``."""
        return type(self).__name__.lower()


@dataclass(frozen=True)
class Heading(Block):
    """A part's title (``<h3>``)."""

    text: str


@dataclass(frozen=True)
class Paragraph(Block):
    """A sentence or two of prose; ``small`` for footnote-sized text."""

    text: str
    small: bool = False


@dataclass(frozen=True)
class Note(Block):
    """One line in place of a part that cannot be shown, or a caveat."""

    text: str


@dataclass(frozen=True)
class Warnings(Block):
    """Model warnings, highlighted."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class ItemList(Block):
    """A bulleted (or numbered) list."""

    items: tuple[str, ...]
    ordered: bool = False
    small: bool = False


@dataclass(frozen=True)
class Table(Block):
    """A table of formatted text: right-aligned ``numeric`` and unwrapped ``whole`` columns."""

    frame: pd.DataFrame
    numeric: tuple[str, ...] = ()
    whole: tuple[str, ...] = ()
    css: str = ""  # an extra CSS class, e.g. ``cv-matrix``


@dataclass(frozen=True)
class Chart(Block):
    """A chart as a ``data:`` URI (PNG) or SVG text, with its text alternative."""

    image: str
    alt: str
    wide: bool = False


@dataclass(frozen=True)
class Pair(Block):
    """Two blocks side by side (a table and its chart)."""

    left: Block
    right: Block


@dataclass(frozen=True)
class Keep(Block):
    """Blocks that stay on one page."""

    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Box(Block):
    """Blocks set apart in a framed box (a worked example)."""

    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Tiles(Block):
    """The KPI strip: label, value, changes and target per tile (see ``monthly``)."""

    tiles: tuple[dict, ...]


@dataclass(frozen=True)
class Advice(Block):
    """A section's closing line of advice, after its label ("What to do")."""

    label: str
    text: str


@dataclass(frozen=True)
class Findings(Block):
    """The executive summary's numbered findings."""

    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class SectionView:
    """One report section: key, title and blocks; ``status`` ok, missing or failed."""

    key: str
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    status: str = "ok"
    note: str = ""

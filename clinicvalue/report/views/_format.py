"""What every view uses to choose and format: blocks by name, numbers, money and names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from clinicvalue.analyses.segments.labels import segment_label
from clinicvalue.errors import OptionError
from clinicvalue.report.context import Ctx, Skip, finite
from clinicvalue.report.views.blocks import (
    Block,
    Chart,
    Heading,
    Keep,
    Note,
    Pair,
    Paragraph,
    Table,
    Warnings,
)
from clinicvalue.text.i18n import STRINGS, fmt_change, fmt_number, fmt_percent, t

__all__ = [
    "heading",
    "para",
    "note",
    "warn",
    "figure",
    "pair",
    "together",
    "grid",
    "part",
    "num",
    "pct",
    "money",
    "seg_names",
    "percent_axis",
    "money_axis",
    "fmt_change_pp",
    "t_or",
]


def heading(key: str, ctx: Ctx) -> Heading:
    """Return the part title of catalogue key ``key``."""
    return Heading(t(key, ctx.locale))


def para(text: str) -> Paragraph:
    """Return a paragraph."""
    return Paragraph(text)


def note(text: str) -> Note:
    """Return a one-line note."""
    return Note(text)


def warn(lines: list[str]) -> Warnings:
    """Return highlighted warnings."""
    return Warnings(tuple(lines))


def figure(image: str, alt: str, *, wide: bool = False) -> Chart:
    """Return a chart with its text alternative."""
    return Chart(image, alt, wide)


def pair(left: Block, right: Block) -> Pair:
    """Return two blocks side by side."""
    return Pair(left, right)


def together(*blocks: Block) -> Keep:
    """Return blocks kept on one page."""
    return Keep(tuple(blocks))


def grid(
    frame: pd.DataFrame,
    *,
    numeric: tuple[str, ...] = (),
    whole: tuple[str, ...] = (),
    css: str = "",
) -> Table:
    """Return a table of formatted text."""
    return Table(frame, tuple(numeric), tuple(whole), css)


def part(key: str, ctx: Ctx, build: Callable[..., list[Block]], *args: Any) -> list[Block]:
    """Return a titled part: its heading, then ``build(ctx, *args)`` or its one-line note."""
    try:
        body = build(ctx, *args)
    except Skip as skip:
        body = [note(str(skip))]
    return [heading(key, ctx), *body]


def num(x: object, loc: str, decimals: int = 0) -> str:
    """Format a number, or "n/a" when it is not finite."""
    return fmt_number(x, loc, decimals=decimals) if finite(x) else t("na", loc)


def pct(x: object, loc: str) -> str:
    """Format a share as a percentage, or "n/a"."""
    return fmt_percent(x, loc) if finite(x) else t("na", loc)


def money(x: object, ctx: Ctx) -> str:
    """Format money in the clinic's currency, or "n/a"."""
    return ctx.money(float(x)) if finite(x) else t("na", ctx.locale)  # type: ignore[arg-type]


def seg_names(keys: pd.Index | list, ctx: Ctx, scheme: str = "rfm8") -> list[str]:
    """Return the display names of segment keys (plus movement's ``new`` and ``left``)."""
    out = []
    for k in keys:
        if k in ("new", "left"):
            out.append(t(f"seg_{k}", ctx.locale))
            continue
        try:
            out.append(segment_label(scheme, str(k), ctx.locale))
        except OptionError:
            out.append(str(k))
    return out


def percent_axis(ax: Any, loc: str) -> None:
    """Label a chart's y axis in whole percentages."""
    ax.yaxis.set_major_formatter(lambda v, _: fmt_percent(v, loc, decimals=0))


def money_axis(ax: Any, loc: str) -> None:
    """Label a chart's y axis in plain numbers (the currency is in the title)."""
    ax.yaxis.set_major_formatter(lambda v, _: fmt_number(v, loc))
    ax.yaxis.get_offset_text().set_visible(False)


def fmt_change_pp(p: float, loc: str) -> str:
    """Format a retention gain (a share) as percentage points."""
    return fmt_change(p, loc, kind="points")


def t_or(key: str, loc: str) -> str:
    """Return the report string ``key`` if there is one, else the key made readable."""
    if key in STRINGS:
        return t(key, loc)
    return key.replace("_", " ")


def why(missing: Any, loc: str) -> str:
    """Return why a part of the run is missing, in the report's language when it can."""
    if getattr(missing, "key", ""):
        return t(f"missing_{missing.key}", loc, **dict(missing.values))
    return str(missing.reason)

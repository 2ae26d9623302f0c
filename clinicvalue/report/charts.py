"""The report's own charts (trend and segment sizes), returned as SVG text.

Charts are drawn in the kit's style for the locale and closed at once, so an executed
notebook never shows a stray copy; glyphs are written as paths, so they stay crisp when
the PDF is zoomed and need no font in the viewer.
"""

from __future__ import annotations

import base64
import io
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from clinicvalue.errors import GlyphError
from clinicvalue.plots._style import PALETTE, font_families, styled
from clinicvalue.text.i18n import fmt_money, fmt_number, month_ticks, t

__all__ = ["figure_svg", "trend_chart", "bar_chart", "plot_svg", "bar_with_interval", "figure_png"]


#: Resolution of report charts: sharp on paper and when the PDF is zoomed to 200 %.
DPI = 220


def _save(fig: Figure, buf: io.IOBase, **options: object) -> None:
    """Save ``fig`` into ``buf`` and close it; a glyph the fonts lack fails the report.

    Matplotlib draws a missing glyph as an empty box and only warns; a chart of boxes
    must not reach the owner, so the warning becomes a :class:`GlyphError`.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(buf, **options)
    finally:
        plt.close(fig)
    missing = sorted({str(w.message) for w in caught if "missing from font" in str(w.message)})
    if missing:
        raise GlyphError(
            "a chart has characters its fonts cannot draw, so it would show boxes: "
            f"{'; '.join(missing[:3])}; install Noto Sans CJK (make system) or check the data"
        )
    for w in caught:  # other warnings are not ours to swallow
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def figure_svg(fig: Figure) -> str:
    """Return ``fig`` as SVG text and close it."""
    buf = io.StringIO()
    _save(fig, buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def figure_png(fig: Figure) -> str:
    """Return ``fig`` as a high-resolution PNG ``data:`` URI and close it.

    PNG keeps the PDF light: WeasyPrint lays out a page of vector glyph paths many times
    slower than one image, and the PDF's own text check reads faster.
    """
    buf = io.BytesIO()
    _save(fig, buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    from PIL import Image

    rgb = io.BytesIO()  # no alpha channel: PDF viewers then show the white page as is
    Image.open(io.BytesIO(buf.getvalue())).convert("RGB").save(rgb, format="PNG")
    return "data:image/png;base64," + base64.b64encode(rgb.getvalue()).decode("ascii")


@contextmanager
def _style(locale: str, texts: list[str]) -> Iterator[None]:
    """Use the kit's style; an English chart showing Chinese data gets a CJK face first.

    Matplotlib's SVG text-to-path step does not fall back to a second font, so the first
    family must hold every glyph drawn.
    """
    with styled(locale):
        if locale == "en" and any(ord(c) > 0x2E80 for s in texts for c in s):
            with mpl.rc_context({"font.sans-serif": font_families("zh-Hant")}):
                yield
        else:
            yield


def trend_chart(series: pd.DataFrame, *, locale: str = "en", currency: str = "") -> str:
    """Draw revenue (new vs returning) and active/new patients per month; return SVG."""
    with styled(locale):
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 2.6), layout="constrained")
        x = range(len(series))
        labels = month_ticks(series.index, locale)
        left.bar(
            x, series["revenue_returning"], color=PALETTE[0], label=t("revenue_returning", locale)
        )
        left.bar(
            x,
            series["revenue_new"],
            bottom=series["revenue_returning"],
            color=PALETTE[1],
            label=t("revenue_new", locale),
        )
        unit = fmt_money(0, currency, locale).replace("0", "") if currency else ""
        left.set_title(f"{t('revenue', locale)} ({unit})" if unit else t("revenue", locale))
        left.yaxis.set_major_formatter(lambda v, _: fmt_number(v, locale))
        left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
        right.plot(
            x,
            series["active_patients"],
            marker="o",
            color=PALETTE[0],
            label=t("active_patients_series", locale),
        )
        right.set_ylim(bottom=0)
        right.yaxis.set_major_formatter(lambda v, _: fmt_number(v, locale))
        twin = right.twinx()
        twin.bar(
            x,
            series["new_patients"],
            color=PALETTE[2],
            alpha=0.55,
            label=t("new_patients_series", locale),
        )
        twin.set_ylim(0, max(1.0, float(series["new_patients"].max())) * 3)
        twin.spines["right"].set_visible(True)
        right.set_zorder(twin.get_zorder() + 1)
        right.patch.set_visible(False)
        right.set_title(t("patients", locale))
        right.set_ylabel(t("active_patients_series", locale))  # two axes: each says what it counts
        twin.set_ylabel(t("new_patients_series", locale))
        h1, l1 = right.get_legend_handles_labels()
        h2, l2 = twin.get_legend_handles_labels()
        right.legend(h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
        for ax in (left, right):
            ax.set_xticks(list(x), labels)
        return figure_png(fig)


def bar_chart(values: pd.Series, *, title: str, locale: str = "en") -> str:
    """Draw horizontal bars of ``values`` (labels as index), largest first; return SVG."""
    with _style(locale, [title, *map(str, values.index)]):
        height = 0.45 + 0.32 * max(len(values), 1)
        fig, ax = plt.subplots(figsize=(7.0, height), layout="constrained")
        ordered = values.iloc[::-1]
        bars = ax.barh([str(i) for i in ordered.index], ordered.to_numpy(), color=PALETTE[0])
        ax.bar_label(bars, labels=[fmt_number(v, locale) for v in ordered], padding=3, fontsize=8)
        ax.set_title(title)
        ax.set_xlim(0, max(1.0, float(values.max())) * 1.15)
        ax.xaxis.set_major_formatter(lambda v, _: fmt_number(v, locale))
        return figure_png(fig)


def plot_svg(
    plot: Callable[..., Axes],
    *args: object,
    locale: str = "en",
    size: tuple[float, float] = (7.0, 3.0),
    texts: tuple[str, ...] = (),
    after: Callable[[Axes], None] | None = None,
    **kwargs: object,
) -> str:
    """Draw one of the kit's ``plot_*`` helpers on a new figure; return it as SVG.

    ``texts`` are data labels the chart will show (so an English chart of Chinese names
    gets a CJK face); ``after`` may adjust the axes (e.g. tick rotation) before saving.
    """
    with _style(locale, list(texts)):
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        plot(*args, ax=ax, locale=locale, **kwargs)
        if after is not None:
            after(ax)
        return figure_png(fig)


def bar_with_interval(frame: pd.DataFrame, *, title: str, xlabel: str, locale: str = "en") -> str:
    """Draw horizontal bars of ``estimate`` with ``lower``–``upper`` whiskers; return SVG.

    ``frame`` is indexed by the (already localised) bar labels, largest first.
    """
    with _style(locale, [title, xlabel, *map(str, frame.index)]):
        height = 0.6 + 0.34 * max(len(frame), 1)
        fig, ax = plt.subplots(figsize=(7.0, height), layout="constrained")
        ordered = frame.iloc[::-1]
        est = ordered["estimate"].to_numpy(dtype=float)
        lower = ordered["lower"].to_numpy(dtype=float)
        upper = ordered["upper"].to_numpy(dtype=float)
        has = np.isfinite(lower).all() and np.isfinite(upper).all()
        err = [est - lower, upper - est] if has else None
        ax.barh([str(i) for i in ordered.index], est, color=PALETTE[0], xerr=err, capsize=3)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        top = float(np.nanmax(upper)) if has else float(np.nanmax(est)) if len(est) else 1.0
        ax.set_xlim(0, max(1.0, top) * 1.08)
        ax.xaxis.set_major_formatter(lambda v, _: fmt_number(v, locale))
        return figure_png(fig)

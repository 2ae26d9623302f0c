"""The kit's one chart style and locale-aware fonts.

Chinese labels must render as their own Traditional or Simplified glyph forms, so the
font family is chosen per locale (Noto Sans CJK TC / SC on Linux, PingFang / Heiti /
Hiragino on macOS, Microsoft JhengHei / YaHei on Windows) before falling back to DejaVu
Sans for Latin text; with none installed, a Chinese chart is an error saying what to
install, never a chart of boxes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.text import Text

from clinicvalue.errors import ReportError

PALETTE = ["#1f5a94", "#e07b39", "#3a9a5b", "#c0392b", "#7d5ba6", "#8c6d31", "#4aa3c7", "#999999"]
GOOD = "#2e8b57"
BAD = "#c0392b"
NEUTRAL = "#7f8c8d"

#: CJK faces in their Traditional / Simplified forms, as Debian/Ubuntu (Noto), macOS
#: (PingFang, Heiti, Hiragino) and Windows (Microsoft JhengHei / YaHei) name them.
_FAMILIES = {
    "zh-Hant": [
        "Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Heiti TC", "Hiragino Sans CNS",
        "Microsoft JhengHei", "Source Han Sans TC",
    ],
    "zh-Hans": [
        "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Heiti SC", "Hiragino Sans GB",
        "Microsoft YaHei", "Source Han Sans SC",
    ],
    "en": [],
}  # fmt: skip

#: What to install, per platform, when no CJK face is found.
_INSTALL_HINT = {
    "linux": "install Noto Sans CJK: sudo apt-get install fonts-noto-cjk (Debian/Ubuntu), "
    "or sudo dnf install google-noto-sans-cjk-fonts (Fedora)",
    "darwin": "PingFang ships with macOS 10.11 and later; on an older system install Noto "
    "Sans CJK (brew install --cask font-noto-sans-cjk)",
    "win32": "Microsoft JhengHei and YaHei ship with Windows; add the Chinese supplemental "
    "fonts in Settings > Apps > Optional features, or install Noto Sans CJK",
}


def font_families(locale: str = "en") -> list[str]:
    """Return the installed font families to use for ``locale``, best first."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    wanted = _FAMILIES.get(locale, []) + _FAMILIES["zh-Hant"] + _FAMILIES["zh-Hans"]
    chosen = [f for f in dict.fromkeys(wanted) if f in installed]
    return ["DejaVu Sans", *chosen] if locale == "en" else [*chosen, "DejaVu Sans"]


def require_cjk_font(locale: str) -> None:
    """Raise unless a face with ``locale``'s Chinese glyphs is installed (English: no-op).

    Raises
    ------
    ReportError
        Naming what to install on this platform, instead of charts full of boxes.
    """
    wanted = _FAMILIES.get(locale)
    if not wanted:  # English, or a locale the caller refuses with its own message
        return
    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not any(f in installed for f in wanted):
        platform = (
            "darwin"
            if sys.platform == "darwin"
            else "win32"
            if sys.platform == "win32"
            else "linux"
        )
        raise ReportError(
            f"no font with Chinese glyphs ({locale}) is installed, so charts would show boxes; "
            f"{_INSTALL_HINT[platform]}; then clear matplotlib's font cache "
            f"({mpl.get_cachedir()}/fontlist-*.json)"
        )


def rc_params(locale: str = "en") -> dict[str, object]:
    """Return matplotlib settings for the kit's style in ``locale``."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": font_families(locale),
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.labelsize": 9,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
        "legend.frameon": False,
        "figure.dpi": 110,
        "savefig.dpi": 200,
        "savefig.bbox": "tight",
        "axes.unicode_minus": False,
    }


def apply_style(locale: str = "en") -> None:
    """Set the kit's style globally (notebooks call this once)."""
    mpl.rcParams.update(rc_params(locale))


@contextmanager
def styled(locale: str = "en") -> Iterator[None]:
    """Use the kit's style for the charts drawn inside the block.

    A notebook shows a figure after its cell ends, outside this block, so the figures
    made inside it keep their fonts on every text (else Chinese labels would be drawn in
    the default font, as boxes), and matplotlib's interactive mode is left as the block
    found or set it (else only a notebook's first chart would show).
    """
    require_cjk_font(locale)
    before = set(plt.get_fignums())
    families = font_families(locale)
    with mpl.rc_context(rc_params(locale)):
        yield
        interactive = mpl.is_interactive()
        for num in sorted(set(plt.get_fignums()) - before):  # the newest stays current
            fig = plt.figure(num)
            for text in fig.findobj(Text):
                text.set_fontfamily(families)
            for ax in fig.axes:  # tick labels are made when drawn: set theirs for later
                ax.tick_params(labelfontfamily=families)
    mpl.interactive(interactive)


def get_ax(ax: Axes | None, *, figsize: tuple[float, float] = (7.0, 3.6)) -> Axes:
    """Return ``ax`` or a new axes on a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new

"""Charts the report embeds: a character the fonts cannot draw stops the run."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from clinicvalue.errors import GlyphError  # noqa: E402
from clinicvalue.plots import _style  # noqa: E402
from clinicvalue.report.charts import figure_png, figure_svg  # noqa: E402
from clinicvalue.report.monthly import build_monthly  # noqa: E402
from tests.support.paths import SAMPLES  # noqa: E402


@pytest.mark.parametrize("save", [figure_png, figure_svg])
def test_a_missing_glyph_is_an_error_not_a_box(save):
    with mpl.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("回診率")
        with pytest.raises(GlyphError, match="cannot draw"):
            save(fig)


def test_a_chart_the_fonts_can_draw_passes():
    with _style.styled("zh-Hant"):
        fig, ax = plt.subplots()
        ax.set_title("回診率")
        assert figure_png(fig).startswith("data:image/png;base64,")


def test_the_report_stops_when_its_charts_would_show_boxes(monkeypatch):
    """A machine whose Chinese font lacks the glyphs: no report with boxed charts."""
    from clinicvalue.load import load_clinic
    from clinicvalue.profile import load_profile

    folder = SAMPLES / "dental"
    prof = load_profile(folder / "clinic.toml")
    data = load_clinic(folder / "visits.csv", profile=prof, patients=folder / "patients.csv")
    # fonts that exist but hold no Chinese: the kit's font check passes, the glyphs do not
    monkeypatch.setattr(_style, "font_families", lambda locale="en": ["DejaVu Sans"])
    with pytest.raises(GlyphError):
        build_monthly(data, month="2026-10", profile=prof, locale="zh-Hant")

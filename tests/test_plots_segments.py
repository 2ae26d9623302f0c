import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from clinicvalue.concentration import concentration  # noqa: E402
from clinicvalue.errors import OptionError  # noqa: E402
from clinicvalue.movement import segment_transitions  # noqa: E402
from clinicvalue.plots.segments import (  # noqa: E402
    plot_lorenz,
    plot_rf_heatmap,
    plot_segment_sizes,
    plot_transitions,
)

S = pd.DataFrame(
    {
        "segment_rfm8": ["core", "core", "inactive", "general"],
        "monetary_window": [60.0, 20.0, 0.0, 20.0],
        "r_score": [5, 4, 1, 3],
        "f_score": [5, 4, 1, 2],
    },
    index=pd.Index(list("ABCD"), name="patient_id"),
)


@pytest.mark.parametrize("locale", ["en", "zh-Hant", "zh-Hans"])
def test_sizes_bars(locale):
    ax = plot_segment_sizes(S, locale=locale)
    heights = [p.get_height() for p in ax.patches]
    # core: 2/4 patients, 80/100 revenue; inactive 1/4, 0; general 1/4, 0.2
    assert heights == pytest.approx([0.5, 0.25, 0.25, 0.8, 0.0, 0.2])
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == {"en": "Core", "zh-Hant": "核心客戶", "zh-Hans": "核心客户"}[locale]
    plt.close("all")


def test_other_charts():
    ax = plot_rf_heatmap(S, locale="zh-Hant")
    assert ax.get_images()[0].get_array()[4, 4] == 60.0
    t = segment_transitions(S["segment_rfm8"], S["segment_rfm8"].iloc[:2])
    ax = plot_transitions(t)
    assert "1" in [x.get_text() for x in ax.texts]
    ax = plot_lorenz(concentration(S["monetary_window"]), locale="zh-Hans")
    assert ax.get_title() == "营收集中度（洛伦兹曲线）"
    with pytest.raises(OptionError, match="zh-Hans"):
        plot_lorenz(concentration(S["monetary_window"]), locale="de")
    plt.close("all")

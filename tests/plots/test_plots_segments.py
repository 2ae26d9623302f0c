import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from clinicvalue.analyses.segments.concentration import concentration  # noqa: E402
from clinicvalue.analyses.segments.movement import segment_transitions  # noqa: E402
from clinicvalue.errors import OptionError  # noqa: E402
from clinicvalue.plots.segments import (  # noqa: E402
    plot_lorenz,
    plot_rf_heatmap,
    plot_segment_sizes,
    plot_transitions,
)

S = pd.DataFrame(
    {
        "segment_rfm8": ["core", "core", "inactive", "general"],
        "rfm_spend": [60.0, 20.0, 0.0, 20.0],
        "r_score": [5, 4, 1, 3],
        "f_score": [5, 4, 1, 2],
    },
    index=pd.Index(list("ABCD"), name="patient_id"),
)


@pytest.mark.parametrize("locale", ["en", "zh-Hant", "zh-Hans"])
def test_sizes_bars(locale):
    ax = plot_segment_sizes(S, locale=locale)
    heights = [p.get_height() for p in ax.patches]
    # all eight RFM-8 keys from most to least valuable: core, value, potential, at_risk,
    # general, lost, sleeping, inactive: core 2/4 patients and 80/100 revenue; general
    # 1/4, 0.2; inactive 1/4, 0; the rest empty
    assert heights == pytest.approx(
        [0.5, 0, 0, 0, 0.25, 0, 0, 0.25] + [0.8, 0, 0, 0, 0.2, 0, 0, 0.0]
    )
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == {"en": "Core", "zh-Hant": "核心客戶", "zh-Hans": "核心客户"}[locale]
    plt.close("all")


@pytest.mark.parametrize(
    ("column", "values", "first_label"),
    [
        ("tier_value5", ["platinum_vip", "low_value", "low_value", "stable_value"], "白金VIP病患"),
        ("activity", ["active", "active", "dormant", "lapsing"], "活躍"),
        ("treatment_value", ["high_value", "routine", "unknown", "unknown"], "高價值療程"),
        ("interrupted", ["consult_only"] + ["not_interrupted"] * 3, "諮詢未成交"),
        ("member_tier", ["brilliant", "basic", "basic", "elite"], "璀璨"),
        ("member_tier", ["gold", "general", "general", "silver"], "白金"),
    ],
)
def test_sizes_any_scheme_uses_its_own_labels(column, values, first_label):
    scores = S.assign(**{column: values})
    ax = plot_segment_sizes(scores, scheme_column=column, locale="zh-Hant")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == first_label
    n = len(labels)
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights[:n]) == pytest.approx(1.0)  # patient shares: a partition
    assert sum(heights[n:]) == pytest.approx(1.0)  # revenue shares
    plt.close("all")


def test_sizes_revenue_override_and_bad_column():
    rev = pd.Series({"A": 0.0, "B": 0.0, "C": 1.0, "D": 3.0})
    ax = plot_segment_sizes(S, revenue=rev)
    heights = [p.get_height() for p in ax.patches]
    assert heights[8:] == pytest.approx([0, 0, 0, 0, 0.75, 0, 0, 0.25])
    with pytest.raises(OptionError, match="tier_value5"):
        plot_segment_sizes(S, scheme_column="r_score")
    plt.close("all")


def test_other_charts():
    ax = plot_rf_heatmap(S, locale="zh-Hant")
    assert ax.get_images()[0].get_array()[4, 4] == 60.0
    t = segment_transitions(S["segment_rfm8"], S["segment_rfm8"].iloc[:2])
    ax = plot_transitions(t)
    assert "1" in [x.get_text() for x in ax.texts]
    ax = plot_lorenz(concentration(S["rfm_spend"]), locale="zh-Hans")
    assert ax.get_title() == "消费集中度（洛伦兹曲线）"
    with pytest.raises(OptionError, match="zh-Hans"):
        plot_lorenz(concentration(S["rfm_spend"]), locale="de")
    plt.close("all")


@pytest.mark.parametrize(
    ("platform", "hint"),
    [("linux", "apt-get install fonts-noto-cjk"), ("darwin", "PingFang ships with macOS"),
     ("win32", "Microsoft JhengHei and YaHei ship with Windows")],
)  # fmt: skip
def test_no_cjk_font_is_an_error_saying_what_to_install(monkeypatch, platform, hint):
    from matplotlib import font_manager

    from clinicvalue.errors import ReportError
    from clinicvalue.plots import _style

    latin = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    monkeypatch.setattr(_style.sys, "platform", platform)
    with pytest.raises(ReportError, match=hint):
        with _style.styled("zh-Hant"):
            pass
    with _style.styled("en"):  # English charts need no CJK face
        pass


def test_figures_keep_their_chinese_font_after_the_block():
    import matplotlib.pyplot as plt

    from clinicvalue.plots import _style

    with _style.styled("zh-Hant"):
        _, ax = plt.subplots()
        ax.set_title("每月新病患")
        ax.set_xticks([0, 1], ["忠誠", "流失"])
    assert ax.title.get_fontfamily()[0] == "Noto Sans CJK TC"
    ax.figure.canvas.draw()  # outside the block, as a notebook shows it
    assert ax.get_xticklabels()[0].get_fontfamily()[0] == "Noto Sans CJK TC"
    plt.close(ax.figure)

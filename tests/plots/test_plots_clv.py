import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from clinicvalue.analyses.clv.validation import validate  # noqa: E402
from clinicvalue.errors import OptionError  # noqa: E402
from clinicvalue.plots import clv as pc  # noqa: E402
from clinicvalue.profile import ClinicProfile  # noqa: E402
from tests.support.clinics import synthetic_visits as _synthetic_visits  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return validate(_synthetic_visits(200), "2024-12-31", ClinicProfile())


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize("locale", ["en", "zh-Hant", "zh-Hans"])
def test_validation_charts_all_locales(result, locale):
    ax = pc.plot_actual_vs_predicted(result, locale=locale)
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), result.by_frequency["actual"])
    ax = pc.plot_period_transactions(result, locale=locale)
    heights = [p.get_height() for p in ax.patches]
    assert heights == list(result.period_transactions["actual"]) + list(
        result.period_transactions["model"]
    )
    ax = pc.plot_cumulative_tracking(result, locale=locale)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), result.cumulative["expected"])
    ax = pc.plot_p_alive_matrix(result, locale=locale)
    assert ax.images[0].get_array().shape == result.p_alive_matrix.shape
    ax.figure.canvas.draw()


def test_titles_localised(result):
    assert pc.plot_period_transactions(result, locale="zh-Hant").get_title() == "依回診次數的病患數"
    assert pc.plot_period_transactions(result, locale="zh-Hans").get_title() == "按复诊次数的患者数"
    assert pc.plot_actual_vs_predicted(result).get_xlabel() == "Repeat visits in calibration"


def test_distributions_and_groups():
    idx = pd.Index(["1", "2", "3", "4"], name="patient_id")
    scores = pd.DataFrame({"p_alive": [0.1, 0.5, 0.9, 1.0], "clv": [10.0, 20, 30, 40]}, index=idx)
    ax = pc.plot_clv_distribution(scores, locale="zh-Hant")
    assert sum(p.get_height() for p in ax.patches) == 4
    ax = pc.plot_p_alive_distribution(scores)
    assert sum(p.get_height() for p in ax.patches) == 4
    seg = pd.Series(["vip", "vip", "new", "new"], index=idx)
    labels = {"vip": {"en": "VIP", "zh-Hant": "貴賓", "zh-Hans": "贵宾"}}
    ax = pc.plot_clv_by_segment(scores["clv"], seg, labels=labels, locale="zh-Hans")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["贵宾", "new"]
    assert [p.get_width() for p in ax.patches] == [30.0, 70.0]
    ax = pc.plot_clv_by_channel(scores["clv"], pd.Series(["ads"], index=idx[:1]))
    assert sorted(p.get_width() for p in ax.patches) == [10.0, 90.0]
    ax.figure.canvas.draw()


def test_bad_locale(result):
    with pytest.raises(OptionError, match="locale"):
        pc.plot_period_transactions(result, locale="fr")

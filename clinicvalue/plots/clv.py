"""Lifetime-value charts: holdout checks, P(alive), CLV distributions and breakdowns."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from clinicvalue.errors import check_option
from clinicvalue.plots._style import PALETTE, font_families, get_ax, styled
from clinicvalue.text.catalogue import LOCALES, by_locale

if TYPE_CHECKING:
    from clinicvalue.analyses.clv.validation import ClvValidation


_LABELS: dict[str, dict[str, str]] = by_locale("plots.clv")


def _t(key: str, locale: str) -> str:
    return _LABELS[key][locale]


def _pin_fonts(ax: Axes, locale: str) -> Axes:
    """Fix the locale's fonts on every text so drawing outside ``styled`` still has glyphs."""
    fams = font_families(locale)
    for a in ax.figure.axes:
        for text in a.findobj(lambda o: hasattr(o, "set_fontfamily")):
            text.set_fontfamily(fams)
        a.tick_params(labelfontfamily=fams)
    return ax


def plot_actual_vs_predicted(
    result: ClvValidation, *, ax: Axes | None = None, locale: str = "en"
) -> Axes:
    """Plot mean holdout visits, actual vs predicted, by calibration repeat visits."""
    check_option("locale", locale, LOCALES)
    bf = result.by_frequency
    with styled(locale):
        ax = get_ax(ax)
        xs = [str(i) if i < 7 else "7+" for i in bf.index]
        ax.plot(xs, bf["actual"], marker="o", color=PALETTE[0], label=_t("actual", locale))
        ax.plot(
            xs,
            bf["predicted"],
            marker="s",
            ls="--",
            color=PALETTE[1],
            label=_t("predicted", locale),
        )
        ax.set_title(_t("by_freq_title", locale))
        ax.set_xlabel(_t("cal_repeats", locale))
        ax.set_ylabel(_t("mean_holdout", locale))
        ax.legend()
        _pin_fonts(ax, locale)
    return ax


def plot_model_comparison(
    bias: pd.DataFrame,
    labels: dict[str, str],
    *,
    group: str | None = None,
    subtitle: str | None = None,
    ax: Axes | None = None,
    locale: str = "en",
) -> Axes:
    """Plot mean holdout visits by calibration repeat visits: actual, and each model.

    ``bias`` is :class:`~clinicvalue.analyses.clv.selection.ModelComparison`'s table;
    ``labels`` maps the models to show to their legend names (in drawing order);
    ``group`` picks one patient group's rows (all groups pooled when omitted);
    ``subtitle`` (say, the group's name) follows the title.
    """
    check_option("locale", locale, LOCALES)
    rows = bias if group is None else bias[bias["group"] == group]
    with styled(locale):
        ax = get_ax(ax)
        shown = False
        for i, (model, label) in enumerate(labels.items()):
            part = rows[rows["model"] == model]
            if part.empty:
                continue
            pooled = (
                part.assign(
                    a=part["actual"] * part["patients"], f=part["forecast"] * part["patients"]
                )
                .groupby("bin")[["a", "f", "patients"]]
                .sum()
            )
            xs = [str(b) if b < pooled.index.max() else f"{b}+" for b in pooled.index]
            if not shown:
                ax.plot(xs, pooled["a"] / pooled["patients"], marker="o", lw=2.2,
                        color="#333333", label=_t("actual", locale))  # fmt: skip
                shown = True
            ax.plot(xs, pooled["f"] / pooled["patients"], marker="s", ls="--",
                    color=PALETTE[i % len(PALETTE)], label=label)  # fmt: skip
        title = _t("models_title", locale)
        ax.set_title(f"{title}: {subtitle}" if subtitle else title)
        ax.set_xlabel(_t("cal_repeats", locale))
        ax.set_ylabel(_t("mean_holdout", locale))
        ax.legend(fontsize="small")
        _pin_fonts(ax, locale)
    return ax


def plot_period_transactions(
    result: ClvValidation, *, ax: Axes | None = None, locale: str = "en"
) -> Axes:
    """Plot patients by repeat-visit count, actual vs the model's simulation."""
    check_option("locale", locale, LOCALES)
    pt = result.period_transactions
    with styled(locale):
        ax = get_ax(ax)
        pos = np.arange(len(pt))
        ax.bar(pos - 0.2, pt["actual"], width=0.4, color=PALETTE[0], label=_t("actual", locale))
        ax.bar(pos + 0.2, pt["model"], width=0.4, color=PALETTE[1], label=_t("model", locale))
        ax.set_xticks(pos, [str(i) if i < 7 else "7+" for i in pt.index])
        ax.set_title(_t("period_title", locale))
        ax.set_xlabel(_t("repeat_visits", locale))
        ax.set_ylabel(_t("patients", locale))
        ax.legend()
        _pin_fonts(ax, locale)
    return ax


def plot_cumulative_tracking(
    result: ClvValidation, *, ax: Axes | None = None, locale: str = "en"
) -> Axes:
    """Plot weekly cumulative repeat visits, actual vs expected, marking the holdout."""
    check_option("locale", locale, LOCALES)
    cum = result.cumulative
    with styled(locale):
        ax = get_ax(ax)
        ax.plot(cum.index, cum["actual"], color=PALETTE[0], label=_t("actual", locale))
        ax.plot(cum.index, cum["expected"], ls="--", color=PALETTE[1], label=_t("model", locale))
        ax.axvline(result.calibration_end, color="grey", ls=":", label=_t("holdout_start", locale))
        ax.set_title(_t("cum_title", locale))
        ax.set_xlabel(_t("week", locale))
        ax.set_ylabel(_t("cum_visits", locale))
        ax.legend()
        _pin_fonts(ax, locale)
    return ax


def plot_p_alive_matrix(
    result: ClvValidation, *, ax: Axes | None = None, locale: str = "en"
) -> Axes:
    """Plot the P(alive) heatmap over frequency (rows) and recency (columns)."""
    check_option("locale", locale, LOCALES)
    pa = result.p_alive_matrix
    with styled(locale):
        ax = get_ax(ax, figsize=(6.0, 4.5))
        rec = pa.columns.to_numpy(dtype="float64")
        im = ax.imshow(
            pa.to_numpy(),
            origin="lower",
            aspect="auto",
            cmap="RdYlGn",
            vmin=0,
            vmax=1,
            extent=(rec[0], rec[-1], pa.index[0] - 0.5, pa.index[-1] + 0.5),
        )
        ax.figure.colorbar(im, ax=ax, label=_t("p_alive", locale))
        ax.set_title(_t("palive_title", locale))
        ax.set_xlabel(_t("recency", locale))
        ax.set_ylabel(_t("cal_repeats", locale))
        _pin_fonts(ax, locale)
    return ax


def _hist(values: pd.Series, key: str, title: str, ax: Axes | None, locale: str) -> Axes:
    check_option("locale", locale, LOCALES)
    with styled(locale):
        ax = get_ax(ax)
        ax.hist(values.dropna().to_numpy(dtype="float64"), bins=30, color=PALETTE[0])
        ax.set_title(_t(title, locale))
        ax.set_xlabel(_t(key, locale))
        ax.set_ylabel(_t("patients", locale))
        _pin_fonts(ax, locale)
    return ax


def plot_p_alive_distribution(
    scores: pd.DataFrame, *, ax: Axes | None = None, locale: str = "en"
) -> Axes:
    """Plot the histogram of ``scores["p_alive"]``."""
    return _hist(scores["p_alive"], "p_alive", "p_alive_dist_title", ax, locale)


def plot_clv_distribution(
    scores: pd.DataFrame, *, ax: Axes | None = None, locale: str = "en"
) -> Axes:
    """Plot the histogram of ``scores["clv"]``."""
    return _hist(scores["clv"], "clv", "clv_dist_title", ax, locale)


def _by_group(
    clv: pd.Series,
    keys: pd.Series,
    labels: dict[str, dict[str, str]] | None,
    title: str,
    ax: Axes | None,
    locale: str,
) -> Axes:
    check_option("locale", locale, LOCALES)
    totals = clv.groupby(keys.reindex(clv.index).fillna("unknown")).sum().sort_values()
    names = [(labels or {}).get(str(k), {}).get(locale, str(k)) for k in totals.index]
    with styled(locale):
        ax = get_ax(ax)
        ax.barh(names, totals.to_numpy(), color=PALETTE[0])
        ax.set_title(_t(title, locale))
        ax.set_xlabel(_t("total_clv", locale))
        _pin_fonts(ax, locale)
    return ax


def plot_clv_by_segment(
    clv: pd.Series,
    segments: pd.Series,
    *,
    labels: dict[str, dict[str, str]] | None = None,
    ax: Axes | None = None,
    locale: str = "en",
) -> Axes:
    """Plot total CLV per segment; ``labels`` maps key → {locale: label}."""
    return _by_group(clv, segments, labels, "segment_title", ax, locale)


def plot_clv_by_channel(
    clv: pd.Series,
    channels: pd.Series,
    *,
    labels: dict[str, dict[str, str]] | None = None,
    ax: Axes | None = None,
    locale: str = "en",
) -> Axes:
    """Plot total CLV per acquisition channel; ``labels`` maps key → {locale: label}."""
    return _by_group(clv, channels, labels, "channel_title", ax, locale)

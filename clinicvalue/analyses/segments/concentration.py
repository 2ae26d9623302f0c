"""Spend concentration: the 80/20 share, Lorenz curve and Gini (000)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clinicvalue.errors import InputError

__all__ = ["Concentration", "concentration"]


@dataclass(frozen=True)
class Concentration:
    """Share of revenue from the top patients, Lorenz points and Gini."""

    top_share: float
    top_fraction: float
    gini: float
    lorenz: pd.DataFrame  # columns patient_share, revenue_share, from (0, 0) to (1, 1)

    def to_metrics(self) -> dict[str, float]:
        """Return the JSON-ready figures."""
        return {"top_fraction": self.top_fraction, "top_share": self.top_share, "gini": self.gini}


def concentration(revenue: pd.Series, *, top_fraction: float = 0.2) -> Concentration:
    """Measure how much revenue the top ``top_fraction`` of patients bring.

    The top share counts ``ceil(top_fraction × n)`` patients. Gini is
    ``1 − 2 × area under the Lorenz curve`` (trapezoids over the sorted patients).
    """
    if not 0 < top_fraction <= 1:
        raise InputError(f"top_fraction must be in (0, 1], got {top_fraction}")
    x = np.sort(revenue.astype(float).to_numpy())
    if len(x) == 0 or x.sum() <= 0:
        raise InputError("no positive revenue to measure; check the amount column and dates")
    if (x < 0).any():
        raise InputError("revenue per patient is negative for some patients; net refunds first")
    n = len(x)
    cum = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    share = np.arange(n + 1) / n
    gini = float(1 - np.sum((cum[1:] + cum[:-1]) / n))
    k = int(np.ceil(top_fraction * n - 1e-9))
    top = float(x[n - k :].sum() / x.sum())
    lorenz = pd.DataFrame({"patient_share": share, "revenue_share": cum})
    return Concentration(top_share=top, top_fraction=top_fraction, gini=gini, lorenz=lorenz)

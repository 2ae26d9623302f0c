"""Map free-text treatment names to category keys (004)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from clinicvalue.profile import ClinicProfile

__all__ = ["treatment_category"]


def treatment_category(treatment_text: pd.Series, profile: ClinicProfile) -> pd.Series:
    """Return the category of each treatment text: its first matching keyword's category.

    Keywords from ``profile.treatment.categories`` are matched case-insensitively, in the
    profile's order; text with no keyword (or missing) gets ``<NA>``.
    """
    codes, uniques = pd.factorize(treatment_text.astype("string").str.lower())
    text = pd.Series(uniques, dtype="string")  # match each distinct text once
    cats = pd.Series(pd.NA, index=text.index, dtype="string")
    for keyword, category in profile.treatment.categories.items():
        hit = text.str.contains(re.escape(keyword.lower()), regex=True).fillna(False)
        hit = hit.to_numpy(dtype=bool) & cats.isna().to_numpy()
        if np.any(hit):
            cats[hit] = category
    values = cats.to_numpy(dtype=object)[np.where(codes < 0, 0, codes)] if len(cats) else None
    out = pd.Series(pd.NA, index=treatment_text.index, dtype="string")
    if values is not None:
        out[:] = values
        out[codes < 0] = pd.NA
    return out

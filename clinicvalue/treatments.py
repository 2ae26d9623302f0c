"""Map free-text treatment names to category keys (004)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from clinicvalue.profile import ClinicProfile

__all__ = ["treatment_category", "treatment_flags"]


def _distinct(treatment_text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Factorise the texts, then lower-case each distinct text once."""
    codes, uniques = pd.factorize(treatment_text.astype("string"))
    return codes, pd.Series(uniques, dtype="string").str.lower()


def treatment_category(treatment_text: pd.Series, profile: ClinicProfile) -> pd.Series:
    """Return the category of each treatment text: its first matching keyword's category.

    Keywords from ``profile.treatment.categories`` are matched case-insensitively, in the
    profile's order; text with no keyword (or missing) gets ``<NA>``.
    """
    codes, text = _distinct(treatment_text)
    cats = np.full(len(text), None, dtype=object)
    for keyword, category in profile.treatment.categories.items():
        hit = text.str.contains(re.escape(keyword.lower()), regex=True).fillna(False)
        hit = hit.to_numpy(dtype=bool) & pd.isna(cats)
        cats[hit] = category
    values = np.append(cats, None)[np.where(codes < 0, len(cats), codes)]
    return pd.Series(values, index=treatment_text.index, dtype="string")


def treatment_flags(
    treatment_text: pd.Series, profile: ClinicProfile
) -> tuple[np.ndarray, np.ndarray]:
    """Return per row (has a high-value item, has any known item) as boolean arrays.

    Unlike :func:`treatment_category` every keyword counts, so ``"cleaning; implant"`` is
    high value whatever the keyword order. Each distinct text is matched once.
    """
    codes, text = _distinct(treatment_text)
    hv = np.zeros(len(text) + 1, dtype=bool)  # last slot: missing text
    known = np.zeros(len(text) + 1, dtype=bool)
    high = set(profile.treatment.high_value)
    for keyword, category in profile.treatment.categories.items():
        hit = text.str.contains(re.escape(keyword.lower()), regex=True).fillna(False)
        hit = np.append(hit.to_numpy(dtype=bool), False)
        known |= hit
        if category in high:
            hv |= hit
    pos = np.where(codes < 0, len(text), codes)
    return hv[pos], known[pos]

"""Map free-text treatment names to category keys (004)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from clinicvalue.profile import ClinicProfile

__all__ = ["keyword_table", "treatment_category", "treatment_flags"]


def _match(text: pd.Series, profile: ClinicProfile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match lower-cased distinct texts against the profile's keywords.

    Returns (position of the first matching keyword in the profile's order or -1,
    any high-value keyword, any keyword) per text.
    """
    first = np.full(len(text), -1, dtype=np.int64)
    hv = np.zeros(len(text), dtype=bool)
    known = np.zeros(len(text), dtype=bool)
    high = set(profile.treatment.high_value)
    for k, (keyword, category) in enumerate(profile.treatment.categories.items()):
        hit = text.str.contains(re.escape(keyword.lower()), regex=True).fillna(False)
        hit = hit.to_numpy(dtype=bool)
        first[hit & (first < 0)] = k
        known |= hit
        if category in high:
            hv |= hit
    return first, hv, known


def _distinct(treatment_text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Factorise the texts, then lower-case each distinct text once."""
    codes, uniques = pd.factorize(treatment_text.astype("string"))
    return codes, pd.Series(uniques, dtype="string").str.lower()


def keyword_table(texts: pd.Series, profile: ClinicProfile) -> pd.DataFrame:
    """Return, per distinct text, what the profile's keywords make of it.

    Columns ``treatment`` (the text), ``keyword`` (position of the first matching keyword
    in ``profile.treatment.categories``, NA when none), ``high_value`` and ``known``.
    Several texts of one visit combine as their joined text would: the lowest keyword
    position and any flag.
    """
    _, uniques = pd.factorize(texts.astype("string"))
    distinct = pd.Series(uniques, dtype="string")
    first, hv, known = _match(distinct.str.lower(), profile)
    return pd.DataFrame(
        {
            "treatment": distinct,
            "keyword": pd.array(np.where(first < 0, None, first), dtype="Int32"),
            "high_value": hv,
            "known": known,
        }
    )


def treatment_category(treatment_text: pd.Series, profile: ClinicProfile) -> pd.Series:
    """Return the category of each treatment text: its first matching keyword's category.

    Keywords from ``profile.treatment.categories`` are matched case-insensitively, in the
    profile's order; text with no keyword (or missing) gets ``<NA>``.
    """
    codes, text = _distinct(treatment_text)
    first, _, _ = _match(text, profile)
    keys = np.array([*profile.treatment.categories.values(), None], dtype=object)
    cats = keys[np.where(first < 0, len(keys) - 1, first)]
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
    _, hv, known = _match(text, profile)
    pos = np.where(codes < 0, len(text), codes)
    return np.append(hv, False)[pos], np.append(known, False)[pos]

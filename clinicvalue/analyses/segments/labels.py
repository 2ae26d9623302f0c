"""Segment labels and the articles' recommended action, in en / zh-Hant / zh-Hans."""

from __future__ import annotations

from clinicvalue.errors import check_option
from clinicvalue.text.catalogue import LOCALES, catalogue, triples

__all__ = ["LOCALES", "SCHEMES", "segment_action", "segment_label"]


# scheme → key → (label en, zh-Hant, zh-Hans, action en, zh-Hant, zh-Hans)
_T: dict[str, dict[str, tuple[str, ...]]] = {
    scheme: {
        k: label + triples(f"segment.{scheme}.action")[k]
        for k, label in triples(f"segment.{scheme}.label").items()
    }
    for scheme in catalogue("en")["segment"]
}
SCHEMES = tuple(_T)


def _row(scheme: str, key: str, locale: str) -> tuple[str, ...]:
    check_option("scheme", scheme, SCHEMES)
    check_option("locale", locale, LOCALES)
    check_option(f"{scheme} segment", key, tuple(_T[scheme]))
    return _T[scheme][key]


def segment_label(scheme: str, key: str, locale: str = "en") -> str:
    """Return the display label of a segment key."""
    return _row(scheme, key, locale)[LOCALES.index(locale)]


def segment_action(scheme: str, key: str, locale: str = "en") -> str:
    """Return the articles' recommended action for a segment key."""
    return _row(scheme, key, locale)[3 + LOCALES.index(locale)]

"""The text catalogue: every user-facing string, one TOML file per locale.

``text/locales/<locale>.toml`` holds the report's prose, chart labels, segment names and
actions, KPI labels and formulas, churn reasons and scripts, and the staff lists' words,
grouped in tables by where they are used (``[report]``, ``[plots.clv]``,
``[segment.rfm8.label]`` …). ``text/glossary.toml`` fixes how each domain term is
rendered per locale. Modules read their strings here; nothing else holds translations.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["LOCALES", "catalogue", "glossary", "table", "triples", "by_locale"]

LOCALES = ("en", "zh-Hant", "zh-Hans")


def _read(name: str) -> dict[str, Any]:
    text = resources.files("clinicvalue.text").joinpath(name).read_text("utf-8")
    return tomllib.loads(text)


@cache
def catalogue(locale: str) -> dict[str, Any]:
    """Return the whole catalogue of ``locale`` (nested tables of strings)."""
    if locale not in LOCALES:
        raise KeyError(f"no text catalogue for locale {locale!r}; use one of {LOCALES}")
    return _read(f"locales/{locale}.toml")


@cache
def glossary() -> dict[str, Any]:
    """Return the glossary: term → rendering per locale and the words to avoid."""
    return _read("glossary.toml")


def table(namespace: str, locale: str) -> dict[str, str]:
    """Return the strings of one table (``"plots.clv"``) in ``locale``."""
    node: Any = catalogue(locale)
    for part in namespace.split("."):
        node = node[part]
    return {k: v for k, v in node.items() if isinstance(v, str)}


def triples(namespace: str) -> dict[str, tuple[str, str, str]]:
    """Return one table as ``key → (en, zh-Hant, zh-Hans)``."""
    per = [table(namespace, loc) for loc in LOCALES]
    return {k: (per[0][k], per[1][k], per[2][k]) for k in per[0]}


def by_locale(namespace: str) -> dict[str, dict[str, str]]:
    """Return one table as ``key → {locale: text}``."""
    return {k: dict(zip(LOCALES, v, strict=True)) for k, v in triples(namespace).items()}

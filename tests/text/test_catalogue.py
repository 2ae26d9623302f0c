"""The text catalogue: complete in every locale, one word per domain term, the only home."""

from __future__ import annotations

import re
import string

import pytest

from clinicvalue.text.catalogue import LOCALES, catalogue, glossary, table, triples
from clinicvalue.text.i18n import STRINGS, t
from tests.support.paths import ROOT

CJK = re.compile(r"[\u4e00-\u9fff]")


def _flat(node: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in node.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_exists_in_every_locale():
    keys = {loc: set(_flat(catalogue(loc))) for loc in LOCALES}
    for loc in LOCALES[1:]:
        assert keys[loc] == keys["en"], (
            f"{loc} misses {sorted(keys['en'] - keys[loc])[:5]}, "
            f"has extra {sorted(keys[loc] - keys['en'])[:5]}"
        )


def test_every_translation_fills_the_same_placeholders():
    en = _flat(catalogue("en"))
    for loc in LOCALES[1:]:
        other = _flat(catalogue(loc))
        for key, text in en.items():
            assert _fields(other[key]) == _fields(text), f"{loc} {key}: {other[key]!r}"


def test_no_text_is_blank_and_chinese_text_is_chinese():
    for loc in LOCALES:
        for key, text in _flat(catalogue(loc)).items():
            assert text or key.endswith(("join",)), f"{loc} {key} is empty"
    zh = _flat(catalogue("zh-Hant"))
    assert sum(bool(CJK.search(v)) for v in zh.values()) > 0.8 * len(zh)


@pytest.mark.parametrize("locale", ["zh-Hant", "zh-Hans"])
def test_each_glossary_term_is_rendered_one_way(locale):
    texts = _flat(catalogue(locale))
    for term, entry in glossary().items():
        word = entry[locale]
        assert any(word in v for v in texts.values()), f"{term}: {word} never used"
        for avoid in entry["avoid"][locale]:
            hits = [k for k, v in texts.items() if avoid in v]
            assert not hits, f"{locale} renders '{term}' as {avoid} in {hits[:5]}; use {word}"


def test_taiwan_and_mainland_words_differ_where_the_glossary_says():
    g = glossary()
    assert g["patient"]["zh-Hant"] == "病患" and g["patient"]["zh-Hans"] == "患者"
    assert g["revisit"]["zh-Hant"] == "回診" and g["revisit"]["zh-Hans"] == "复诊"
    assert g["channel"]["zh-Hant"] == "管道" and g["channel"]["zh-Hans"] == "渠道"


def test_the_report_reads_its_strings_from_the_catalogue():
    assert STRINGS == triples("report")
    assert t("sec_segments", "zh-Hant") == table("report", "zh-Hant")["sec_segments"]


# Source files that may hold Chinese: input words the loader recognises (headers, visit
# statuses, yes/no), synthetic names, examples of --map in help text, and date formats.
_MAY_HOLD_CHINESE = {
    "cli.py",
    "names.py",
    "profile.py",
    "synth.py",
    "load/__init__.py",
    "load/_headers.py",
    "load/_parse.py",
    "load/_tables.py",
    "report/batch.py",
    "report/charts.py",
    "text/i18n.py",
}


def test_no_translation_table_lives_outside_the_catalogue():
    package = ROOT / "clinicvalue"
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel not in _MAY_HOLD_CHINESE and CJK.search(path.read_text(encoding="utf-8")):
            found.append(rel)
    assert not found, f"user-facing Chinese text outside clinicvalue/text/locales: {found}"


def test_date_formats_are_the_only_chinese_in_the_formatter():
    text = (ROOT / "clinicvalue" / "text" / "i18n.py").read_text(encoding="utf-8")
    assert set(CJK.findall(text)) <= set("年月日")

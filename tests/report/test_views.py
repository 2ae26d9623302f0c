"""The report's sections are views listed once, rendered from blocks with escaping."""

from __future__ import annotations

import re

import pandas as pd

from clinicvalue.report.render import compose_html
from clinicvalue.report.views import SECTION_KEYS, VIEWS
from clinicvalue.report.views.blocks import Chart, Note, Pair, Paragraph, SectionView, Table
from clinicvalue.report.views.render import render_section

HOSTILE = '<script>alert("x")</script> & =HYPERLINK("http://e.vil")'


def test_one_list_of_sections_drives_the_report_and_its_contents(tmp_path):
    from clinicvalue.load import load_clinic
    from clinicvalue.report.monthly import build_monthly
    from tests.support.paths import SAMPLES

    data = load_clinic(str(SAMPLES / "general" / "visits.csv"))
    report = build_monthly(data, month="2026-10", locale="en")
    assert tuple(report.sections) == SECTION_KEYS == tuple(v.key for v in VIEWS)
    body = report._repr_html_()  # what the monthly notebook's last cell shows
    assert re.findall(r'<section class="[^"]*" id="sec-([a-z]+)"', body) == list(SECTION_KEYS)
    page = compose_html(body, cover=report.cover(), locale="en")
    toc = re.findall(r'<li><a href="#h-([a-z]+)">', page)
    assert toc == list(SECTION_KEYS)


def test_blocks_render_text_escaped():
    frame = pd.DataFrame({HOSTILE: [HOSTILE], "n": ["1"]})
    view = SectionView(
        "x",
        HOSTILE,
        (
            Paragraph(HOSTILE),
            Note(HOSTILE),
            Table(frame, numeric=("n",)),
            Pair(Paragraph(HOSTILE), Chart("<svg></svg>", HOSTILE)),
        ),
    )
    html = render_section(view)
    assert "<script>" not in html
    # title, paragraph, note, column header, cell, paragraph in the pair, image alt text
    assert html.count("&lt;script&gt;") == 7
    assert 'alt="&lt;script&gt;' in html
    assert 'class="num">1</td>' in html


def test_the_worklists_read_back_are_noted_in_the_reports_language():
    from clinicvalue.load import load_clinic
    from clinicvalue.report.monthly import build_monthly
    from clinicvalue.text.i18n import call_notes
    from tests.support.paths import SAMPLES

    data = load_clinic(str(SAMPLES / "general" / "visits.csv"))
    info = {"file": "worklists", "format": "worklists", "encoding": None, "rows_read": 12,
            "rows_kept": 12, "rows_rejected": 0, "with_outcome": 5, "columns": {}}  # fmt: skip
    data.quality.files["calls"] = info
    data.quality.notes.extend(call_notes(info, "en"))
    body = build_monthly(data, month="2026-10", locale="zh-Hant")._repr_html_()
    assert "自 worklists 的工作清單讀回 12 筆通話紀錄，其中 5 筆已填結果" in body
    assert "read back from" not in body

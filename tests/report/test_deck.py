"""Tests for clinicvalue.report.deck: the owner-meeting slides, native charts of metrics.json."""

from __future__ import annotations

import json

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Emu

from clinicvalue.analyses.segments.schemes import SCHEME_KEYS
from clinicvalue.bundled import samples_folder
from clinicvalue.report.deck import deck_slides, write_deck
from clinicvalue.report.deck.write import DEFAULT_FONTS, fit_size
from clinicvalue.report.monthly import build_monthly
from clinicvalue.report.notebook import open_clinic
from clinicvalue.report.peers import ClinicKpis, peer_lines
from clinicvalue.writers import to_jsonable

MONTH = "2026-10"


@pytest.fixture(scope="module")
def metrics():
    data, prof = open_clinic(folder=str(samples_folder() / "dental"))
    report = build_monthly(data, month=MONTH, profile=prof, locale="zh-Hant")
    return json.loads(json.dumps(to_jsonable(report.metrics)))  # as metrics.json holds it


@pytest.fixture(scope="module")
def deck(metrics, tmp_path_factory):
    path = tmp_path_factory.mktemp("deck") / "deck.pptx"
    write_deck(deck_slides(metrics), path, locale="zh-Hant")
    return Presentation(str(path))


def _chart(prs, title):
    for slide in prs.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        if title in texts:
            charts = [s.chart for s in slide.shapes if s.has_chart]
            assert len(charts) == 1, title
            return charts[0]
    raise AssertionError(f"no slide titled {title}")


def _series(chart):
    return {s.name: list(s.values) for s in chart.plots[0].series}


def _close(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert (x is None and y is None) or x == pytest.approx(y, rel=1e-12), (a, b)


def test_sixteen_by_nine_with_eight_to_twelve_slides(deck):
    assert (deck.slide_width, deck.slide_height) == (Emu(12192000), Emu(6858000))
    assert 8 <= len(deck.slides) <= 12


def test_charts_are_native_and_hold_the_numbers_of_metrics_json(deck, metrics):
    a = metrics["analyses"]
    flow = _series(_chart(deck, "病患流動：近十二個月"))
    months = list(a["flow_trend"])
    assert len(months) == 12
    assert list(flow) == ["新病患", "回流", "流失"]
    for name, key in zip(flow, ("new", "reactivated", "lost"), strict=True):
        _close(flow[name], [a["flow_trend"][m][key] for m in months])

    seg = _series(_chart(deck, "分群：現在與上月底"))
    _close(seg["現在"], [a["segments"]["rfm8"].get(k, 0) for k in SCHEME_KEYS["rfm8"]])
    before = {r: sum(c.values()) for r, c in a["movement"]["matrix"].items() if r != "new"}
    _close(seg["上月底"], [before.get(k, 0) for k in SCHEME_KEYS["rfm8"]])

    ch = _series(_chart(deck, "各管道終身價值與獲客成本"))
    by = a["economics"]["by_channel"]
    _close(ch["獲客成本"], [v["cac"] for v in by.values()])
    (ltv,) = [v for k, v in ch.items() if k != "獲客成本"]
    _close(ltv, [v["ltv"] for v in by.values()])

    ret = _series(_chart(deck, "90 天回診率與去年比較"))
    _close(ret["近十二個月"], [r["revisit_rate_90d"] for r in metrics["trend"].values()])
    _close(ret["一年前"], [r["revisit_rate_90d"] for r in metrics["trend_last_year"].values()])
    assert list(metrics["trend_last_year"])[-1] == "2025-10"

    lists = _series(_chart(deck, "本月聯絡名單"))
    _close(list(lists.values())[0], [v["eligible"] for v in a["actions"].values()])
    _close(list(lists.values())[1], [v["listed"] for v in a["actions"].values()])


def test_tiles_actions_and_definitions_read_as_the_report(deck, metrics):
    text = {
        n: " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        for n, slide in enumerate(deck.slides, start=1)
    }
    assert metrics["cover"]["clinic"] in text[1]
    for tile in metrics["tiles"]:
        assert tile["label"] in text[2] and tile["value"] in text[2], tile["key"]
    assert metrics["advice_text"]
    for sentence in metrics["advice_text"]:
        assert sentence in text[3]
    last = deck.slides[len(deck.slides) - 1]
    (table,) = [s.table for s in last.shapes if s.has_table]
    cells = {table.cell(r, 0).text: table.cell(r, 1).text for r in range(1, len(table.rows))}
    ltv_cac = metrics["kpi_definitions_text"]["ltv_cac"]
    assert cells[ltv_cac["label"]] == ltv_cac["formula"]


def _east_asian_faces(prs):
    faces = set()
    for slide in prs.slides:
        for el in slide.shapes._spTree.iter(qn("a:ea")):
            faces.add(el.get("typeface"))
        for shape in slide.shapes:
            if shape.has_chart:
                for el in shape.chart._chartSpace.iter(qn("a:ea")):
                    faces.add(el.get("typeface"))
    return faces


def test_chinese_text_names_a_chinese_font_with_fallbacks(deck, metrics, tmp_path):
    assert _east_asian_faces(deck) == {DEFAULT_FONTS["zh-Hant"]}
    path = tmp_path / "deck.pptx"
    write_deck(deck_slides(metrics), path, locale="zh-Hant", font="Noto Sans CJK TC")
    prs = Presentation(str(path))
    assert _east_asian_faces(prs) == {"Noto Sans CJK TC"}
    master = prs.slide_masters[0].part
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = master.part_related_by(RT.THEME).blob.decode()
    assert '<a:ea typeface="Noto Sans CJK TC"' in theme
    assert '<a:font script="Hant" typeface="Microsoft JhengHei"' in theme


def test_a_long_clinic_name_gets_a_smaller_title_not_a_clipped_one(metrics, tmp_path):
    long = dict(metrics, cover=dict(metrics["cover"], clinic="長" * 60 + " Dental " * 10))
    path = tmp_path / "deck.pptx"
    write_deck(deck_slides(long), path, locale="zh-Hant")
    cover = Presentation(str(path)).slides[0]
    title = next(s for s in cover.shapes if s.has_text_frame and "長" in s.text_frame.text)
    size = title.text_frame.paragraphs[0].runs[0].font.size.pt
    assert size < 40
    assert size == fit_size([title.text_frame.text], title.width.inches, title.height.inches, 40)


def test_fit_size_shrinks_until_the_text_fits():
    assert fit_size(["short"], 5.0, 1.0, 28) == 28
    many = ["一二三四五六七八九十" * 6] * 4
    size = fit_size(many, 5.0, 2.0, 28)
    assert 9 <= size < 28


def test_peers_add_a_line_to_each_tile_and_a_comparison_slide(metrics, tmp_path):
    base = {k: metrics["kpis"][k] for k in metrics["kpis"]}
    clinics = [ClinicKpis("me", "dental", base)] + [
        ClinicKpis(f"p{i}", "dental", {k: (v or 0) * (0.5 + 0.2 * i) for k, v in base.items()})
        for i in range(5)
    ]
    lines = peer_lines(clinics)["me"]
    slides = deck_slides(metrics, peers=lines)
    assert [s.key for s in slides][-2:] == ["peers", "definitions"]
    tiles = {tile.key: tile for tile in slides[1].tiles}
    assert "5 家同類診所" in tiles["revisit_rate_90d"].extra
    assert "peers" not in [s.key for s in deck_slides(metrics)]
    path = tmp_path / "deck.pptx"
    write_deck(slides, path, locale="zh-Hant")
    prs = Presentation(str(path))
    assert len(prs.slides) == len(slides) <= 12
    text = " ".join(s.text_frame.text for s in prs.slides[1].shapes if s.has_text_frame)
    assert "領先 5 家同類診所中的" in text


def test_spend_without_known_patient_channels_is_said_not_charted(metrics):
    econ = dict(metrics["analyses"]["economics"])
    econ["by_channel"] = {
        k: dict(v, ltv=None, cac=None, new_patients=0) for k, v in econ["by_channel"].items()
    }
    blind = dict(metrics, analyses=dict(metrics["analyses"], economics=econ))
    (slide,) = [s for s in deck_slides(blind) if s.key == "channels"]
    assert slide.chart is None
    assert slide.bullets == (
        "已提供各管道支出，但不知道病患來自哪個管道（病患檔的來源管道欄位），因此不顯示獲客投資報酬。",
    )


def test_speaker_notes_hold_the_findings_and_the_definitions(deck, metrics):
    notes = {
        n: slide.notes_slide.notes_text_frame.text
        for n, slide in enumerate(deck.slides, start=1)
        if slide.has_notes_slide
    }
    for finding in metrics["findings"]:
        assert finding in notes[2]  # the KPI strip's notes
    ltv_cac = metrics["kpi_definitions_text"]["ltv_cac"]
    assert any(ltv_cac["formula"] in text for text in notes.values())


def test_hostile_names_and_fonts_stay_text(metrics, tmp_path):
    hostile = dict(metrics, cover=dict(metrics["cover"], clinic='Clinic\x01 <a href="x">&\ufffe'))
    path = tmp_path / "deck.pptx"
    write_deck(deck_slides(hostile), path, locale="zh-Hant", font='Evil" \\1 \\g<0> <x>')
    prs = Presentation(str(path))
    cover = " ".join(s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
    assert 'Clinic\ufffd <a href="x">&\ufffd' in cover
    assert _east_asian_faces(prs) == {'Evil" \\1 \\g<0> <x>'}
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = prs.slide_masters[0].part.part_related_by(RT.THEME).blob.decode()
    assert 'typeface="Evil&quot; \\1 \\g&lt;0&gt; &lt;x&gt;"' in theme


def test_benchmarks_alone_make_a_slide_without_peer_columns(metrics):
    from clinicvalue.profile import ClinicProfile
    from clinicvalue.report.peers import benchmarks

    marks = benchmarks(
        ClinicProfile(
            benchmarks={"revisit_rate_90d": 0.3},
            benchmark_sources={"revisit_rate_90d": "Regional dental survey 2025"},
        )
    )
    slides = deck_slides(metrics, benchmarks=marks)
    (peers,) = [s for s in slides if s.key == "peers"]
    assert peers.title == "與外部基準比較"
    assert peers.table[0] == ("指標", "本診所", "外部基準（來源）")
    assert peers.table[1][2] == "30.0% (Regional dental survey 2025)"
    (retention,) = [s for s in slides if s.key == "retention"]
    line = retention.chart.series[-1]
    assert line.reference and set(line.values) == {0.3}

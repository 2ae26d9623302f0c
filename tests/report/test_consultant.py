"""End to end, the consultant's deliverables: a batch's portfolio, each clinic's standing
among similar clinics, the deck, and the HTML report as headless Chromium shows it."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from clinicvalue.report.batch import run_batch
from clinicvalue.synth import synthesize, write_synthetic

pytestmark = pytest.mark.slow

MONTH = "2026-10"
ROOT = Path(__file__).resolve().parents[2]
#: where the browser's screenshots are kept for a person to look at
ARTIFACTS = Path(os.environ.get("CLINICVALUE_TEST_ARTIFACTS", ROOT / "test-artifacts"))
DENTAL = [f"d{i}" for i in range(6)]
GENERAL = [f"g{i}" for i in range(4)]
NAMES = {c: f"{'牙醫' if c in DENTAL else 'Family'} clinic {c.upper()}" for c in DENTAL + GENERAL}
NAMES["d5"] = '<b>"A&B" 牙醫</b>'  # markup in a name stays text in every file


def _profile(clinic: str) -> str:
    dental = clinic in DENTAL
    text = (
        f'[clinic]\nname = {json.dumps(NAMES[clinic], ensure_ascii=False)}\nid = "{clinic}"\n'
        f'kind = "{"dental" if dental else "general"}"\n'
        f'locale = "{"zh-Hant" if dental else "en"}"\ncurrency = "TWD"\n'
    )
    if clinic == "d0":
        text += (
            "[benchmarks]\nrevisit_rate_90d = 0.3\n"
            '[benchmark_sources]\nrevisit_rate_90d = "Regional dental survey 2025"\n'
        )
    return text


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    entries = []
    for n, clinic in enumerate(DENTAL + GENERAL):
        kind = "dental" if clinic in DENTAL else "general"
        write_synthetic(synthesize(kind, patients=300 + 60 * n, seed=40 + n), root / clinic)
        (root / clinic / "clinic.toml").write_text(_profile(clinic), encoding="utf-8")
        entries.append(
            f'[[clinic]]\nid = "{clinic}"\nvisits = "{clinic}/visits.csv"\n'
            f'spend = "{clinic}/spend.csv"\nprofile = "{clinic}/clinic.toml"\n'
        )
    (root / "clinics.toml").write_text("\n".join(entries), encoding="utf-8")
    result = run_batch(root / "clinics.toml", month=MONTH, out=root / "reports")
    return result, root / "reports"


def _deck_text(path: Path) -> str:
    prs = Presentation(str(path))
    return " ".join(
        shape.text_frame.text
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_text_frame
    ) + " ".join(
        shape.table.cell(r, c).text
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_table
        for r in range(len(shape.table.rows))
        for c in range(len(shape.table.columns))
    )


def test_the_batch_writes_every_report_and_the_portfolio(batch):
    result, reports = batch
    assert result.ok, result.summary_table()
    folder = reports / "portfolio" / MONTH
    assert result.portfolio == str(folder)
    sheet = openpyxl.load_workbook(folder / "portfolio.xlsx").worksheets[0]
    names = [sheet.cell(r, 1).value for r in range(2, 2 + len(NAMES))]
    assert names == [NAMES[c] for c in DENTAL + GENERAL]
    text = " ".join(p.extract_text() for p in PdfReader(folder / "portfolio.pdf").pages)
    assert "Regional dental survey 2025" in text  # the outside benchmark's line is named
    assert "診所總覽" in text  # in the language most of the clinics are reported in


def test_six_similar_clinics_see_their_standing_four_do_not(batch):
    _, reports = batch
    for clinic in DENTAL:
        folder = reports / clinic / MONTH
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert "與同類診所比較" in html and "領先 5 家同類診所中的" in html, clinic
        pdf = " ".join(p.extract_text() for p in PdfReader(folder / "report.pdf").pages)
        assert "與同類診所比較" in pdf
        deck = _deck_text(folder / "deck.pptx")
        assert "領先 5 家同類診所中的" in deck
        others = [NAMES[c] for c in NAMES if c != clinic]
        for artefact in (html, pdf, deck, (folder / "metrics.json").read_text("utf-8")):
            named = [n for n in others if n in artefact or n.replace('"', "&#34;") in artefact]
            assert not named, (clinic, named)
    assert "30.0% (Regional dental survey 2025)" in (
        reports / "d0" / MONTH / "report.html"
    ).read_text("utf-8")
    for clinic in GENERAL:
        folder = reports / clinic / MONTH
        assert "Compared with similar clinics" not in (folder / "report.html").read_text("utf-8")
        assert "similar clinics" not in _deck_text(folder / "deck.pptx")


def test_the_deck_of_a_batch_clinic_is_its_own_numbers(batch):
    _, reports = batch
    folder = reports / "g0" / MONTH
    metrics = json.loads((folder / "metrics.json").read_text("utf-8"))
    prs = Presentation(str(folder / "deck.pptx"))
    charts = [s.chart for slide in prs.slides for s in slide.shapes if s.has_chart]
    line = next(c for c in charts if c.chart_type is not None and "LINE" in str(c.chart_type))
    values = list(line.plots[0].series[0].values)
    assert values == pytest.approx([r["revisit_rate_90d"] for r in metrics["trend"].values()])
    with zipfile.ZipFile(folder / "deck.pptx") as z:
        assert any(n.startswith("ppt/embeddings/") for n in z.namelist())  # editable data


def _chromium() -> str:
    for candidate in (
        os.environ.get("CLINICVALUE_CHROMIUM", ""),
        shutil.which("chromium") or "",
        "/Applications/Chromium.app/Contents/MacOS/Chromium",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail("Chromium is needed for the browser test: run `make system-test`")


@pytest.mark.parametrize("clinic", ["d5", "g1"])
def test_the_html_report_in_headless_chromium(batch, clinic):
    from playwright.sync_api import sync_playwright

    _, reports = batch
    folder = reports / clinic / MONTH
    metrics = json.loads((folder / "metrics.json").read_text("utf-8"))
    page_url = (folder / "report.html").resolve().as_uri()
    problems, requests = [], []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=_chromium(),
            args=["--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-gpu"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: problems.append(f"failed: {r.url[:80]}"))
        page.goto(page_url, wait_until="load")
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt])"
        )
        text = page.inner_text("body")
        broken_links = page.evaluate(
            "Array.from(document.querySelectorAll('nav a')).filter("
            "a => !document.getElementById(a.getAttribute('href').slice(1))).length"
        )
        toc = page.evaluate("document.querySelectorAll('nav a').length")
        page.screenshot(path=str(ARTIFACTS / f"report-{clinic}-first-screen.png"))
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=str(ARTIFACTS / f"report-{clinic}-phone.png"))
        page.emulate_media(media="print")
        printed = page.pdf()
        browser.close()
    assert not problems, problems
    leaving = [u for u in requests if u != page_url and not u.startswith("data:")]
    assert not leaving, leaving
    assert len(images) >= 8 and all(ok for ok, _ in images)
    assert all(alt.strip() for _, alt in images)  # every chart has a text alternative
    assert toc >= 8 and broken_links == 0
    for key in ("active_patients", "new_patients", "revisit_rate_90d", "total_clv", "ltv_cac"):
        assert metrics["kpis_formatted"][key] in text, key
    assert NAMES[clinic] in text  # markup in a name shows as text, not as markup
    assert overflow <= 1  # nothing wider than the phone's screen
    assert printed[:4] == b"%PDF" and len(printed) > 50_000

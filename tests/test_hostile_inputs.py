"""A hostile clinic end to end: formulas, markup and identifying values go nowhere harmful.

One synthetic clinic whose names, phones, treatments, doctors, branches, channels and
patient IDs begin with formula characters, whose name carries markup, and whose exports
hold bad cells that are names, phone numbers and national IDs, run through
``clinicvalue report``, ``score`` and ``validate`` as a clinic's job would.
"""

from __future__ import annotations

import csv
import html.parser
import stat
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from clinicvalue.cli import main
from clinicvalue.report import run_report
from clinicvalue.synth import synthesize, write_synthetic

pytestmark = pytest.mark.slow

TRIGGERS = ("=", "+", "-", "@")
CLINIC_NAME = (
    '</style><script>alert(1)</script><link rel="attachment" href="file:///etc/hostname">'
    "<img src=http://127.0.0.1:9/x>快樂牙醫"
)
#: Bad cells that identify a person: they may only ever be quoted in data_quality.csv.
IDENTIFYING = ("林美華 0912-555-777", "0912-555-888", "A123456789")


def _hostile(series):
    return [f"{TRIGGERS[i % len(TRIGGERS)]}{v}" for i, v in enumerate(series.astype(str))]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    c = synthesize("dental", patients=500, seed=11)
    ids = {pid: f"{TRIGGERS[i % 4]}{pid}" for i, pid in enumerate(c.patients["patient_id"])}
    for frame in (c.visits, c.patients, c.plans):
        frame["patient_id"] = frame["patient_id"].map(ids)
    c.patients["name"] = _hostile(c.patients["name"])
    c.patients["phone"] = _hostile(c.patients["phone"])
    c.visits["treatment"] = _hostile(c.visits["treatment"])
    c.visits["doctor"] = _hostile(c.visits["doctor"])
    c.visits["branch"] = _hostile(c.visits["branch"])
    c.patients["channel"] = ["+" + str(v) for v in c.patients["channel"]]
    c.spend["channel"] = ["+" + str(v) for v in c.spend["channel"]]
    write_synthetic(c, folder)
    with (folder / "patients.csv").open("a", encoding="utf-8") as f:
        f.write(f"X9,王大明,0912-000-000,1980-01-01,F,walk_in,,,{IDENTIFYING[0]},2023-01-01\n")
    with (folder / "visits.csv").open("a", encoding="utf-8") as f:
        f.write(f"X9,2024-01-05,{IDENTIFYING[1]},V0,exam,Dr. 1,general,main,completed,90,,0\n")
        f.write(f"X9,{IDENTIFYING[2]},100,V0,exam,Dr. 1,general,main,completed,90,,0\n")
    (folder / "clinic.toml").write_text(
        f'[clinic]\nname = \'{CLINIC_NAME}\'\nid = "hostile"\nlocale = "zh-Hant"\n'
        "[privacy]\nshow_contact_details = true\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def report(clinic, tmp_path_factory):
    return run_report(
        visits=clinic / "visits.csv",
        patients=clinic / "patients.csv",
        spend=clinic / "spend.csv",
        plans=clinic / "plans.csv",
        profile=clinic / "clinic.toml",
        month="2026-10",
        out=tmp_path_factory.mktemp("reports"),
        drop_invalid=True,
    )


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_report_page_cannot_be_scripted_and_shows_the_name_as_text(report):
    page = (report / "report.html").read_text(encoding="utf-8")
    parsed = _Tags()
    parsed.feed(page)
    tags = [t for t, _ in parsed.tags]
    assert "script" not in tags
    assert not [a for t, a in parsed.tags if t == "link"]
    assert all(a.get("src", "").startswith("data:") for t, a in parsed.tags if t == "img")
    assert CLINIC_NAME in "".join(parsed.text)


def test_pdf_holds_no_attachment_and_shows_the_name(report):
    reader = PdfReader(report / "report.pdf")
    assert dict(reader.attachments) == {}
    first = reader.pages[0].extract_text()
    assert "alert(1)" in first and "快樂牙醫" in first


def test_actions_workbook_has_no_formula_and_is_private(report):
    path = report / "actions.xlsx"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(TRIGGERS)]
    assert risky, "the hostile names, phones and keys should reach the sheet as text"
    assert all(c.quotePrefix for c in risky)


def test_identifying_rejected_values_leave_through_no_artefact(report):
    pages = PdfReader(report / "report.pdf").pages
    texts = {n: (report / n).read_text(encoding="utf-8")
             for n in ("report.html", "report.ipynb", "metrics.json")}  # fmt: skip
    texts["report.pdf"] = "\n".join(p.extract_text() or "" for p in pages)
    for name, text in texts.items():
        for value in IDENTIFYING:
            assert value not in text, (name, value)
    assert '"rows_rejected": 3' in texts["metrics.json"]


def _cells_of_csv(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [cell for row in csv.reader(f) for cell in row]


def _live(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run as a formula (a plain negative number is a number)."""
    out = []
    for c in cells:
        try:
            float(c)
        except ValueError:
            if c.startswith(TRIGGERS):
                out.append(c)
    return out


def test_score_outputs_are_inert_and_model_json_quotes_no_rejected_value(clinic, tmp_path):
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"scores{suffix}"
        code = main(["score", "--visits", str(clinic / "visits.csv"), "--patients",
                     str(clinic / "patients.csv"), "--profile", str(clinic / "clinic.toml"),
                     "--as-of", "2026-10-31", "--drop-invalid", "--out", str(out)])  # fmt: skip
        assert code == 0
        model = (tmp_path / "scores.model.json").read_text(encoding="utf-8")
        assert not [v for v in IDENTIFYING if v in model]
    cells = _cells_of_csv(tmp_path / "scores.csv")
    assert not _live(cells)
    assert [c for c in cells if c.startswith("-") and float(c) < 0], "negatives stay numbers"
    assert [c for c in cells if c.startswith("'=")], "hostile ids should be kept, neutralised"
    wb = openpyxl.load_workbook(tmp_path / "scores.xlsx")
    assert not [c for row in wb.active.iter_rows() for c in row if c.data_type == "f"]
    quality = tmp_path / "scores.data_quality.csv"
    assert stat.S_IMODE(quality.stat().st_mode) == 0o600
    assert IDENTIFYING[0] in quality.read_text(encoding="utf-8-sig")  # raw data stays here only


def test_data_quality_csv_is_inert(clinic, tmp_path):
    hostile = tmp_path / "visits.csv"
    hostile.write_text(
        "patient_id,visit_date,amount\n=1+1,2024-01-01,@SUM(A1)\n+2,=2+2,100\n-3,2024-01-02,-50\n",
        encoding="utf-8",
    )
    out = tmp_path / "dq.csv"
    assert main(["validate", "--visits", str(hostile), "--drop-invalid", "--quality-out",
                 str(out)]) == 0  # fmt: skip
    cells = _cells_of_csv(out)
    assert not _live(cells)
    assert "'@SUM(A1)" in cells and "'=2+2" in cells

"""What leaves the clinic (issue 9): no names, phones, raw IDs or credentials in reports."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from clinicvalue.load.sources import SqlSource
from clinicvalue.report import run_report
from tests.support.paths import ROOT
from tests.support.postgres import PASSWORD, postgres_server

DENTAL = ROOT / "data_samples" / "dental"
MONTH = "2026-10"


def _texts(folder: Path) -> dict[str, str]:
    """Every artefact's text: PDF (extracted), HTML, notebook, metrics, workbook and deck."""
    out = {
        "report.pdf": "\n".join(
            p.extract_text() or "" for p in PdfReader(folder / "report.pdf").pages
        ),
        "report.html": (folder / "report.html").read_text(encoding="utf-8"),
        "report.ipynb": (folder / "report.ipynb").read_text(encoding="utf-8"),
        "metrics.json": (folder / "metrics.json").read_text(encoding="utf-8"),
    }
    for name in ("actions.xlsx", "deck.pptx"):  # the deck's charts embed a workbook too
        with zipfile.ZipFile(folder / name) as z:
            out[name] = "\n".join(
                z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
            )
            for inner in (n for n in z.namelist() if n.endswith(".xlsx")):
                with zipfile.ZipFile(io.BytesIO(z.read(inner))) as book:
                    out[name] += "\n".join(
                        book.read(n).decode("utf-8", "replace")
                        for n in book.namelist()
                        if n.endswith(".xml")
                    )
    return out


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    folder = run_report(
        visits=DENTAL / "visits.csv",
        patients=DENTAL / "patients.csv",
        spend=DENTAL / "spend.csv",
        plans=DENTAL / "plans.csv",
        profile=DENTAL / "clinic.toml",
        month=MONTH,
        out=out,
    )
    return folder, _texts(folder)


@pytest.fixture(scope="module")
def register():
    return pd.read_csv(DENTAL / "patients.csv", dtype=str, encoding="utf-8-sig")


def test_no_name_or_phone_outside_the_staff_lists(sample_report, register):
    _, texts = sample_report
    names = set(register["姓名"].dropna())
    phones = set(register["電話"].dropna())
    for artefact in ("report.pdf", "report.html", "report.ipynb", "metrics.json", "deck.pptx"):
        text = texts[artefact]
        leaked = [v for v in names | phones if v in text]
        assert not leaked, f"{artefact} shows {leaked[:5]}"


def test_no_raw_patient_id_outside_the_staff_lists(sample_report, register):
    _, texts = sample_report
    ids = set(register["病歷號"])
    for artefact in ("report.pdf", "report.html", "report.ipynb", "metrics.json", "deck.pptx"):
        found = set(re.findall(r"(?<![\w.:-])\d{6}(?![\w.:])", texts[artefact])) & ids
        assert not found, f"{artefact} shows raw patient IDs {sorted(found)[:5]}"


def test_staff_lists_name_only_patients_who_agreed(sample_report, register):
    _, texts = sample_report
    agreed = register["可聯絡"].str.lower().eq("true")
    refused_phones = set(register.loc[~agreed, "電話"].dropna())
    assert len(refused_phones) > 100
    assert not [p for p in refused_phones if p in texts["actions.xlsx"]]
    assert any(p in texts["actions.xlsx"] for p in register.loc[agreed, "電話"])


@pytest.fixture(scope="module")
def pg_clinic():
    with postgres_server() as server:
        engine = sa.create_engine(server.url())
        frame = pd.read_csv(DENTAL / "visits.csv", dtype=str, encoding="utf-8-sig")
        frame.to_sql("visits", engine, index=False)
        engine.dispose()
        yield server


def test_report_from_postgresql_never_shows_the_password(pg_clinic, tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("CLINIC_DB", pg_clinic.url())
    folder = run_report(
        visits=SqlSource(
            "SELECT * FROM visits WHERE \"就診日期\" <= '2026-10-31'", url_env="CLINIC_DB"
        ),
        patients=DENTAL / "patients.csv",
        profile=DENTAL / "clinic.toml",
        month=MONTH,
        out=tmp_path,
    )
    for path in folder.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path.name
    for artefact, text in _texts(folder).items():
        assert PASSWORD not in text, artefact
        assert pg_clinic.url() not in text, artefact
    captured = capfd.readouterr()
    assert PASSWORD not in captured.out + captured.err
    assert "CLINIC_DB" in texts_param(folder)


def texts_param(folder: Path) -> str:
    """The executed notebook's parameters cell: holds the variable's name, not its value."""
    import nbformat

    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    return "\n".join(
        c.source
        for c in nb.cells
        if "parameters" in c.metadata.get("tags", [])
        or "injected-parameters" in c.metadata.get("tags", [])
    )

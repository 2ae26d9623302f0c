"""Run every notebook through papermill on a small clinic, and check the rendered report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import papermill as pm
import pytest

from clinicvalue.report import run_report
from clinicvalue.report.execute import KERNEL_NAME, execute_notebook, kernel_env, notebook_path
from clinicvalue.report.pdfcheck import pdf_text
from clinicvalue.report.workspace import MARKER
from tests.support.paths import ROOT

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def write_small_clinic(folder: Path, *, patients: int = 200, seed: int = 1) -> Path:
    """Write a small visits CSV (zh-Hant headers) spanning 2024-06 … 2026-10."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(patients):
        day = pd.Timestamp("2024-06-01") + pd.Timedelta(days=int(rng.integers(0, 850)))
        dropout, gap = rng.beta(1.5, 3.0), rng.gamma(2.0, 45.0)  # each patient their own
        while day <= pd.Timestamp("2026-10-31"):
            rows.append((f"{i:05d}", day.strftime("%Y/%m/%d"), int(rng.integers(5, 80)) * 100))
            if rng.random() < dropout:  # drops out after this visit (BG/NBD-like)
                break
            day += pd.Timedelta(days=1 + int(rng.exponential(gap)))
    path = folder / "visits.csv"
    pd.DataFrame(rows, columns=["病歷號", "就診日期", "金額"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    return write_small_clinic(tmp_path_factory.mktemp("clinic"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_with_papermill(name, clinic, tmp_path):
    out = tmp_path / name
    execute_notebook(
        notebook_path(name),
        out,
        parameters={"visits": str(clinic), "month": "2026-10", "output_dir": str(tmp_path)},
        timeout=300,
    )
    nb = json.loads(out.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)


def test_every_notebook_has_a_typed_parameters_cell():
    for name in NOTEBOOKS:
        params = pm.inspect_notebook(str(notebook_path(name)))
        assert {"visits", "month", "locale", "profile", "output_dir"} <= set(params), name
        assert all(p["inferred_type_name"] != "None" for p in params.values()), name


def test_unknown_parameter_is_refused(clinic, tmp_path):
    from clinicvalue.errors import InputError

    with pytest.raises(InputError, match="has no parameter colour"):
        execute_notebook(
            notebook_path("segmentation.ipynb"), tmp_path / "x.ipynb", parameters={"colour": 1}
        )


def test_kernel_env_gives_plain_progress_bars():
    with kernel_env() as env:
        assert env["TQDM_DISABLE"] == "1"
        from jupyter_client.kernelspec import KernelSpecManager

        assert KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv


@pytest.fixture(scope="module")
def zh_report(clinic, tmp_path_factory):
    # a relative --out, as `make demo` passes it: resolved against the caller's folder,
    # not the notebook's
    work = tmp_path_factory.mktemp("work")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        folder = run_report(
            visits=clinic, month="2026-10", locale="zh-Hant", out="reports", timeout=300
        )
    assert folder.is_absolute() and folder.is_relative_to(work / "reports")
    return folder


def test_metrics_json_follows_its_shipped_schema(zh_report):
    import jsonschema

    from clinicvalue import __version__
    from clinicvalue.report.schema import metrics_schema

    metrics = json.loads((zh_report / "metrics.json").read_text(encoding="utf-8"))
    jsonschema.validate(metrics, metrics_schema(), cls=jsonschema.Draft202012Validator)
    assert metrics["schema_version"] == 1 and metrics["kit_version"] == __version__
    broken = {**metrics, "month": "2026-13"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, metrics_schema(), cls=jsonschema.Draft202012Validator)


def test_pdf_carries_title_author_date_and_language(zh_report):
    from pypdf import PdfReader

    reader = PdfReader(zh_report / "report.pdf")
    meta = reader.metadata
    metrics = json.loads((zh_report / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["clinic"]["name"] in meta.title and "2026" in meta.title
    assert meta.author == metrics["clinic"]["name"]  # no prepared_by in the profile
    assert meta.creation_date is not None
    assert reader.trailer["/Root"].get("/Lang") == "zh-Hant-TW"  # the html lang


def test_report_writes_every_artefact(zh_report):
    names = {p.name for p in zh_report.iterdir()}
    assert names == {"report.pdf", "report.html", "report.ipynb", "metrics.json", "actions.xlsx",
                     "deck.pptx", MARKER}  # fmt: skip
    assert zh_report.parts[-2:] == ("demo", "2026-10")


def test_pdf_holds_sections_and_kpi_values_from_metrics(zh_report):
    metrics = json.loads((zh_report / "metrics.json").read_text(encoding="utf-8"))
    text = re.sub(r"\s+", "", pdf_text(zh_report / "report.pdf"))
    for title in ("摘要", "病患分群", "病患終身價值", "留存與回診", "資料品質", "附錄：定義與方法"):
        assert title in text
    for key in ("active_patients", "revenue_returning", "revisit_rate_90d", "avg_spend_per_visit"):
        assert metrics["kpis_formatted"][key] in text, key
    # the model tiles are filled from the analyses and printed as in metrics.json
    for key in ("total_clv", "at_risk_patients", "clv_at_risk"):
        assert metrics["kpis"][key] is not None, key
        assert metrics["kpis_formatted"][key] in text, key
    assert metrics["kpis"]["ltv_cac"] is None  # no spend file: the tile says n/a
    assert "profile" in metrics and metrics["profile"]["clinic"]["locale"] == "zh-Hant"


def test_pdf_holds_every_analysis_section_with_content(zh_report):
    metrics = json.loads((zh_report / "metrics.json").read_text(encoding="utf-8"))
    statuses = {k: v["status"] for k, v in metrics["sections"].items()}
    assert statuses == dict.fromkeys(statuses, "ok"), statuses
    text = re.sub(r"\s+", "", pdf_text(zh_report / "report.pdf"))
    for heading in ("與上月相比的分群變化", "保留期驗證", "回診率", "月份世代分析", "行動清單"):
        assert heading in text, heading
    assert "未納入：需要行銷費用資料檔" in text  # economics says what it lacks, in one line
    # segment counts in the PDF match metrics.json
    from clinicvalue.text.i18n import fmt_number

    for count in metrics["analyses"]["segments"]["rfm8"].values():
        assert fmt_number(count, "zh-Hant") in text


def test_zh_hant_report_uses_traditional_forms(zh_report):
    from clinicvalue.analyses.segments.labels import segment_label

    text = pdf_text(zh_report / "report.pdf")
    assert "資料品質" in text and "数据质量" not in text
    metrics = json.loads((zh_report / "metrics.json").read_text(encoding="utf-8"))
    for key in metrics["analyses"]["segments"]["rfm8"]:
        assert segment_label("rfm8", key, "zh-Hant") in text, key
        assert segment_label("rfm8", key, "zh-Hans") not in text, key  # 客戶, not 客户
    html = (zh_report / "report.html").read_text(encoding="utf-8")
    assert 'lang="zh-Hant-TW"' in html and "Noto Sans CJK TC" in html


def test_no_code_or_error_reaches_html_or_pdf(zh_report):
    html = (zh_report / "report.html").read_text(encoding="utf-8")
    text = pdf_text(zh_report / "report.pdf")
    for bad in ("Traceback", "build_monthly", "open_clinic", "rep.section", "In [", "Error:"):
        assert bad not in html
        assert bad not in text


def test_failed_run_keeps_the_existing_report_and_leaves_no_half_folder(zh_report, tmp_path):
    from clinicvalue.errors import InputError

    before = {p.name: p.stat().st_mtime_ns for p in zh_report.iterdir()}
    broken = tmp_path / "visits.csv"
    broken.write_text('病歷號,就診日期,金額\n00001,2026/10/01,"NT$1,2O0"\n', encoding="utf-8")
    with pytest.raises(InputError, match="金額"):
        run_report(visits=broken, month="2026-10", out=zh_report.parents[1], timeout=300)
    assert {p.name: p.stat().st_mtime_ns for p in zh_report.iterdir()} == before
    assert sorted(p.name for p in zh_report.parent.iterdir()) == ["2026-10"]


def test_same_inputs_give_identical_metrics_and_actions(zh_report, clinic):
    """Determinism (issue 9): a rerun of the same clinic and month changes nothing but the date."""
    import pandas as pd

    def stable(folder):
        m = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        m.pop("generated_at")
        m["cover"].pop("generated")
        m["cover"].pop("created")  # the generation time, for the PDF's metadata
        lists = pd.read_excel(folder / "actions.xlsx", sheet_name=None)
        # the outcome columns are empty: NaN, which never equals itself
        return m, {k: v.astype(object).fillna("").to_dict("list") for k, v in lists.items()}

    first = stable(zh_report)
    again = run_report(
        visits=clinic, month="2026-10", locale="zh-Hant", out=zh_report.parents[1], timeout=300
    )
    assert again == zh_report
    assert stable(again) == first


def test_next_month_on_last_months_export_is_refused_as_stale(zh_report, clinic, capsys):
    from clinicvalue.cli import main

    code = main(["report", "--visits", str(clinic), "--month", "2026-11",
                 "--out", str(zh_report.parents[1])])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "2026-11" in err and "--allow-partial" in err and "days before the end of" in err
    assert not (zh_report.parent / "2026-11").exists()


def test_next_month_reads_this_months_metrics(zh_report, clinic, tmp_path):
    november = tmp_path / "visits.csv"  # next month's export: October's plus November
    november.write_text(
        clinic.read_text(encoding="utf-8") + "00001,2026/11/20,1500\n00002,2026/11/28,800\n",
        encoding="utf-8",
    )
    from clinicvalue.cli import main

    code = main(["report", "--visits", str(november), "--month", "2026-11", "--locale", "en",
                 "--out", str(zh_report.parents[1]), "--no-deck"])  # fmt: skip
    assert code == 0
    nxt = zh_report.parent / "2026-11"
    assert not (nxt / "deck.pptx").exists() and (nxt / "report.pdf").is_file()
    metrics = json.loads((nxt / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["kpis_previous_source"] == "metrics.json"
    this = json.loads((zh_report / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["kpis_previous"]["active_patients"] == this["kpis"]["active_patients"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_committed_thin_and_without_outputs(name):
    nb = json.loads(notebook_path(name).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    # the environment's own kernel, as JupyterLab and plain papermill use it; the report
    # command pins the kit's kernel itself
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    # valid nbformat 4.5 as saved: every cell has its id (JupyterLab and papermill need them)
    assert all(re.fullmatch(r"[a-zA-Z0-9-_]{1,64}", c.get("id", "")) for c in nb["cells"])
    for cell in code:
        src = "".join(cell["source"])
        assert not re.search(r"^\s*(def|class|for|while) ", src, re.M), src


def test_analyst_notebook_defaults_point_at_the_bundled_sample(tmp_path):
    # as in JupyterLab: no parameters, run from the notebook's own folder
    params = pm.inspect_notebook(str(notebook_path("segmentation.ipynb")))
    assert params["clinic_dir"]["default"].strip("\"'") == ""  # the bundled dental sample
    out = execute_notebook(notebook_path("segmentation.ipynb"), tmp_path / "s.ipynb", parameters={})
    nb = json.loads(out.read_text(encoding="utf-8"))
    html = "".join(
        "".join(o.get("data", {}).get("text/html", ""))
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
    )
    assert "segment_rfm8" in html and "core" in html  # the sample's 2,946 patients scored


def test_kernel_talks_over_private_unix_sockets(tmp_path, capfd):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "cv", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x: int = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("print(x + 1)")]  # fmt: skip
    src = tmp_path / "in.ipynb"
    nbformat.write(nb, src)
    execute_notebook(src, tmp_path / "out.ipynb", parameters={"x": 41}, timeout=60)
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert out.cells[-1].outputs[0]["text"] == "42\n"
    assert "TCP without encryption" not in capfd.readouterr().err


ANALYST = [n for n in NOTEBOOKS if n != "monthly_report.ipynb"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ANALYST)
def test_analyst_notebook_runs_under_plain_papermill_with_every_chart(name, tmp_path):
    """As an analyst runs it: plain papermill, the environment's python3 kernel, defaults."""
    out = tmp_path / name
    pm.execute_notebook(
        str(notebook_path(name)), str(out), kernel_name="python3", progress_bar=False,
        cwd=str(notebook_path(name).parent),
    )  # fmt: skip
    nb = json.loads(out.read_text(encoding="utf-8"))
    for cell in (c for c in nb["cells"] if c["cell_type"] == "code"):
        src = "".join(cell["source"])
        outs = cell.get("outputs", [])
        streams = "".join("".join(o.get("text", "")) for o in outs if o["output_type"] == "stream")
        assert "missing from font" not in streams, (name, src[:60])
        assert not [o for o in outs if o["output_type"] == "error"], (name, src[:60])
        if re.search(r"^\s*plot_\w+\(", src, re.M):
            assert any("image/png" in o.get("data", {}) for o in outs), (name, src[:60])
    if name == "economics.ipynb":
        assert "ltv_cac" in json.dumps(nb) and "NaN  " not in _cell_text(nb, "result.by_channel")


def _cell_text(nb: dict, tail: str) -> str:
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "".join(cell["source"]).rstrip().endswith(tail):
            return "".join(
                "".join(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
            )
    raise AssertionError(tail)


def test_a_monthly_notebook_run_by_hand_writes_under_reports(tmp_path):
    from clinicvalue.report.notebook import notebook_output_folder

    (tmp_path / "notebooks").mkdir()
    assert notebook_output_folder("north", "2026-10", cwd=tmp_path / "notebooks") == (
        tmp_path.resolve() / "reports" / "notebook" / "north" / "2026-10"
    )
    assert notebook_output_folder("north", "2026-10", cwd=tmp_path) == (
        tmp_path.resolve() / "reports" / "notebook" / "north" / "2026-10"
    )
    params = pm.inspect_notebook(str(notebook_path("monthly_report.ipynb")))
    assert params["output_dir"]["default"].strip("\"'") == ""


def test_a_staged_report_left_unfinished_publishes_nothing(clinic, tmp_path):
    from clinicvalue.errors import ReportError
    from clinicvalue.report.run import staged_report

    with pytest.raises(ReportError, match="not finished"):
        with staged_report(visits=clinic, month="2026-10", out=tmp_path, timeout=300) as staged:
            assert (staged.workspace / "metrics.json").is_file()
    assert not (tmp_path / "demo" / "2026-10").exists()

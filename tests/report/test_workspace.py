"""Output stays where it was asked to go: only the kit's own report folders are replaced."""

import os
import subprocess
import sys

import pandas as pd
import pytest

from clinicvalue.cli import main
from clinicvalue.errors import InputError, ReportError
from clinicvalue.report.batch import run_batch
from clinicvalue.report.workspace import MARKER, report_folder, report_workspace


def _tree(root):
    return sorted(
        (str(p.relative_to(root)), p.read_bytes() if p.is_file() else b"") for p in root.rglob("*")
    )


@pytest.fixture
def documents(tmp_path):
    """A user's folder that a hostile clinic id might point at."""
    docs = tmp_path / "2026-10"
    docs.mkdir()
    (docs / "thesis.docx").write_bytes(b"years of work")
    return docs


def test_dotdot_clinic_id_is_refused_before_anything_is_written(tmp_path, documents):
    before = _tree(tmp_path)
    with pytest.raises(InputError, match=r"clinic.id = '\.\.' contains '\.'"):
        with report_workspace(tmp_path / "reports", "..", "2026-10"):
            pass
    assert _tree(tmp_path) == before


def test_a_folder_the_kit_did_not_write_is_refused_untouched(tmp_path):
    final = report_folder(tmp_path, "north", "2026-10")
    final.mkdir(parents=True)
    (final / "notes.txt").write_text("mine")
    with pytest.raises(ReportError, match=r"already exists and is a folder the kit did not write"):
        with report_workspace(tmp_path, "north", "2026-10") as tmp:
            (tmp / "report.pdf").write_text("new")
    assert sorted(os.listdir(final)) == ["notes.txt"]
    assert sorted(os.listdir(final.parent)) == ["2026-10"]


def test_a_link_at_the_target_is_refused(tmp_path, documents):
    clinic = tmp_path / "reports" / "north"
    clinic.mkdir(parents=True)
    (clinic / "2026-10").symlink_to(documents)
    (documents / MARKER).write_text("")  # even a marker behind a link does not count
    with pytest.raises(ReportError, match="is a link the kit did not write"):
        with report_workspace(tmp_path / "reports", "north", "2026-10"):
            pass
    assert (documents / "thesis.docx").read_bytes() == b"years of work"


def test_a_file_at_the_target_is_refused(tmp_path):
    final = report_folder(tmp_path, "north", "2026-10")
    final.parent.mkdir(parents=True)
    final.write_text("not a folder")
    with pytest.raises(ReportError, match="is a file the kit did not write"):
        with report_workspace(tmp_path, "north", "2026-10"):
            pass
    assert final.read_text() == "not a folder"


def test_every_report_folder_carries_the_marker_and_is_replaced_next_time(tmp_path):
    for text in ("first", "second"):
        with report_workspace(tmp_path, "north", "2026-10") as tmp:
            (tmp / "report.pdf").write_text(text)
    final = report_folder(tmp_path, "north", "2026-10")
    assert (final / MARKER).is_file()
    assert (final / "report.pdf").read_text() == "second"


def test_a_report_written_before_the_marker_is_still_replaced(tmp_path):
    final = report_folder(tmp_path, "north", "2026-10")
    final.mkdir(parents=True)
    for name in ("report.pdf", "metrics.json"):
        (final / name).write_text("old")
    with report_workspace(tmp_path, "north", "2026-10") as tmp:
        (tmp / "report.pdf").write_text("new")
    assert (final / "report.pdf").read_text() == "new"


def test_temporary_folders_of_killed_runs_are_removed_by_the_clinics_next_run(tmp_path):
    clinic = tmp_path / "north"
    left = clinic / ".2026-10.tmp-abc123"
    left.mkdir(parents=True)
    (left / "actions.xlsx").write_bytes(b"names and phones")
    old = clinic / ".2026-10.old-999"
    old.mkdir()
    dead_month = clinic / ".2026-08.tmp-yyy"
    dead_month.mkdir()  # no run of August holds its lock: cleared too
    running = clinic / ".2026-09.tmp-zzz"
    running.mkdir()  # September's run is still going (it holds the lock): left alone
    stat = open(f"/proc/{os.getpid()}/stat").read()
    (clinic / ".2026-09.lock").write_text(f"{os.getpid()} {stat.rsplit(')', 1)[1].split()[19]}")
    with report_workspace(tmp_path, "north", "2026-10") as tmp:
        (tmp / "report.pdf").write_text("new")
    assert not left.exists() and not old.exists() and not dead_month.exists()
    assert running.exists()


def test_a_lock_whose_process_id_was_reused_is_taken_over(tmp_path):
    clinic = tmp_path / "north"
    clinic.mkdir()
    # this very process is alive, but it did not start at tick 1: the id was reused
    (clinic / ".2026-10.lock").write_text(f"{os.getpid()} 1")
    with report_workspace(tmp_path, "north", "2026-10") as tmp:
        (tmp / "a.txt").write_text("new")
    assert (clinic / "2026-10" / "a.txt").is_file()


def test_a_lock_records_process_id_and_start_time(tmp_path):
    with report_workspace(tmp_path, "north", "2026-10"):
        pid, started = (tmp_path / "north" / ".2026-10.lock").read_text().split()
    assert int(pid) == os.getpid()
    stat = open(f"/proc/{os.getpid()}/stat").read()
    assert started == stat.rsplit(")", 1)[1].split()[19]


def test_a_live_run_still_blocks_a_second_one(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        stat = open(f"/proc/{child.pid}/stat").read()
        started = stat.rsplit(")", 1)[1].split()[19]
        clinic = tmp_path / "north"
        clinic.mkdir()
        (clinic / ".2026-10.lock").write_text(f"{child.pid} {started}")
        with pytest.raises(ReportError, match=rf"another run \(process {child.pid}\)"):
            with report_workspace(tmp_path, "north", "2026-10"):
                pass
    finally:
        child.kill()
        child.wait()


def _visits(path):
    pd.DataFrame(
        [("001", "2026-08-03", 1200), ("001", "2026-10-05", 800), ("002", "2026-10-11", 500)],
        columns=["patient_id", "visit_date", "amount"],
    ).to_csv(path, index=False)


def test_report_with_a_dotdot_profile_id_exits_2_and_touches_nothing(tmp_path, documents, capsys):
    _visits(tmp_path / "visits.csv")
    (tmp_path / "clinic.toml").write_text('[clinic]\nid = ".."\n')
    before = _tree(tmp_path)
    code = main(["report", "--visits", str(tmp_path / "visits.csv"), "--profile",
                 str(tmp_path / "clinic.toml"), "--month", "2026-10",
                 "--out", str(tmp_path / "reports")])  # fmt: skip
    assert code == 2
    assert "clinic.id = '..' contains '.'" in capsys.readouterr().err
    assert _tree(tmp_path) == before


def test_batch_with_hostile_ids_fails_those_clinics_and_touches_nothing(tmp_path, documents):
    _visits(tmp_path / "visits.csv")
    toml = tmp_path / "clinics.toml"
    toml.write_text(
        '[[clinic]]\nid = ".."\nvisits = "visits.csv"\n\n'
        '[[clinic]]\nid = "../../etc"\nvisits = "visits.csv"\n\n'
        '[[clinic]]\nid = 5\nvisits = "visits.csv"\n',
        encoding="utf-8",
    )
    before = _tree(tmp_path)
    result = run_batch(toml, month="2026-10", out=tmp_path / "reports")
    assert [r.ok for r in result.rows] == [False, False, False]
    assert "contains '.'" in result.rows[0].error
    assert "must be text" in result.rows[2].error
    assert _tree(tmp_path) == before


@pytest.mark.parametrize(("a", "b"), [("north", "north"), ("North", "north"), ("台北店", "台北店")])
def test_two_clinics_sharing_a_folder_stop_the_batch_before_it_runs(tmp_path, a, b):
    _visits(tmp_path / "visits.csv")
    toml = tmp_path / "clinics.toml"
    toml.write_text(
        f'[[clinic]]\nid = "{b}"\nvisits = "visits.csv"\n\n'
        f'[[clinic]]\nid = "{a}"\nvisits = "visits.csv"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="two clinics share the id .*Nothing was run"):
        run_batch(toml, month="2026-10", out=tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


def test_input_inside_the_report_folder_is_refused(tmp_path, capsys):
    final = report_folder(tmp_path / "reports", "demo", "2026-10")
    final.mkdir(parents=True)
    _visits(final / "visits.csv")
    code = main(["report", "--visits", str(final / "visits.csv"), "--month", "2026-10",
                 "--out", str(tmp_path / "reports")])  # fmt: skip
    assert code == 2
    assert "lies inside the report folder" in capsys.readouterr().err
    assert (final / "visits.csv").is_file()


@pytest.mark.parametrize("out_name", ["visits.csv", "visits.data_quality.csv", "visits.model.json"])
def test_score_refuses_to_write_over_its_input(tmp_path, capsys, out_name):
    visits = tmp_path / out_name
    _visits(visits)
    before = visits.read_bytes()
    out = tmp_path / "visits.csv"
    if out_name != "visits.csv":
        out = tmp_path / "visits.parquet"
    code = main(["score", "--visits", str(visits), "--as-of", "2026-10-31", "--out", str(out),
                 "--no-clv"])  # fmt: skip
    assert code == 2
    assert "is the input file" in capsys.readouterr().err
    assert visits.read_bytes() == before


def test_validate_refuses_a_quality_file_over_its_input(tmp_path, capsys):
    visits = tmp_path / "visits.csv"
    visits.write_text("patient_id,visit_date,amount\n001,bad,1\n002,2026-01-01,5\n")
    before = visits.read_bytes()
    code = main(["validate", "--visits", str(visits), "--drop-invalid", "--quality-out",
                 str(visits)])  # fmt: skip
    assert code == 2
    assert visits.read_bytes() == before


@pytest.mark.parametrize("month", ["2026-13", "0000-01", "２０２６-１０", "26-10"])
def test_report_refuses_a_bad_month_before_anything_runs(tmp_path, capsys, month):
    _visits(tmp_path / "visits.csv")
    code = main(["report", "--visits", str(tmp_path / "visits.csv"), "--month", month,
                 "--out", str(tmp_path / "reports")])  # fmt: skip
    assert code == 2
    assert "is not a report month" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_synth_refuses_to_replace_files_without_force(tmp_path, capsys):
    (tmp_path / "visits.csv").write_text("the clinic's real export")
    code = main(["synth", "--patients", "20", "--out", str(tmp_path)])
    assert code == 2
    assert "already holds visits.csv" in capsys.readouterr().err
    assert (tmp_path / "visits.csv").read_text() == "the clinic's real export"

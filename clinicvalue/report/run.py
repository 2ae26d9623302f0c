"""Run one clinic's monthly report: execute the notebook, render HTML and PDF, check, publish.

``run_report`` writes ``reports/<clinic>/<YYYY-MM>/`` with ``report.pdf``,
``report.html``, ``report.ipynb`` (executed), ``metrics.json``, ``actions.xlsx`` and
``deck.pptx``; the folder appears only when every artefact is written and the PDF passes
its own check. :func:`staged_report` splits the run in two, so a batch can add each
clinic's comparison with the others before anything is published.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from clinicvalue.bundled import samples_folder
from clinicvalue.errors import InputError, ReportError, check_option
from clinicvalue.load.sources import SqlSource
from clinicvalue.logs import LOGGER
from clinicvalue.names import parse_month
from clinicvalue.privacy import pseudonym_secret
from clinicvalue.profile import ClinicProfile
from clinicvalue.progress import step
from clinicvalue.report import execute
from clinicvalue.report.deck import deck_slides, write_deck
from clinicvalue.report.notebook import read_metrics, read_profile
from clinicvalue.report.pdfcheck import check_pdf
from clinicvalue.report.peers import PeerLine, benchmarks, check_benchmarks
from clinicvalue.report.render import render_report
from clinicvalue.report.views.peers import view as peer_view
from clinicvalue.report.views.render import render_section
from clinicvalue.report.workspace import ARTEFACTS, report_folder, report_workspace
from clinicvalue.text.i18n import LOCALES
from clinicvalue.writers import write_json

__all__ = ["StagedReport", "staged_report", "run_report", "run_demo"]


def _source(value: Any, name: str, tmp: Path) -> str:
    if value is None or isinstance(value, SqlSource):
        return ""
    if isinstance(value, pd.DataFrame):
        path = tmp / f".input-{name}.parquet"
        value.to_parquet(path, index=False)
        return str(path)
    path = Path(value)
    if not path.is_file():
        raise InputError(f"{name} file not found: {path}", file=str(path))
    return str(path.resolve())


def _calls_folder(calls: str | Path | None) -> str:
    if not calls:
        return ""
    path = Path(calls)
    if not path.is_dir():
        raise InputError(f"calls folder not found: {path} (the folder of filled-in worklists)")
    return str(path.resolve())


def _refuse_inputs_inside(folder: Path, *sources: Any) -> None:
    """Refuse a run whose report folder (replaced on success) holds one of its inputs."""
    for source in sources:
        if isinstance(source, str | Path) and str(source):
            path = Path(source).resolve()
            if path == folder.resolve() or folder.resolve() in path.parents:
                raise InputError(
                    f"the input {source} lies inside the report folder {folder}, which the "
                    "run replaces; keep exports outside --out",
                    file=str(source),
                )


def _sql_params(**sources: Any) -> dict[str, str]:
    """Return the notebook's SQL parameters: queries and the variable's name, never its value."""
    params: dict[str, str] = {}
    envs = {s.url_env for s in sources.values() if isinstance(s, SqlSource)}
    if len(envs) > 1:
        raise InputError(
            "every SQL table of one report must come from the same database variable; "
            f"got {', '.join(sorted(envs))}"
        )
    for table, source in sources.items():
        if isinstance(source, SqlSource):
            params[f"{table}_sql"] = source.sql_text()
            params["db_url_env"] = source.url_env
    return params


def _profile(profile: ClinicProfile | str | Path | None) -> ClinicProfile:
    if isinstance(profile, ClinicProfile):
        return profile
    return read_profile(profile)


@dataclass
class StagedReport:
    """A report whose notebook ran, in its workspace: to be rendered and published.

    :meth:`finish` renders the HTML, PDF and deck (with a batch's peer lines) and
    checks them; the folder is published when the :func:`staged_report` block ends.
    """

    workspace: Path
    profile: ClinicProfile
    locale: str
    metrics: dict[str, Any]
    deck: bool
    finished: bool = False  # set by finish(); an unfinished report is never published

    @property
    def clinic_id(self) -> str:
        """The clinic's id (its folder name)."""
        return self.profile.clinic.id

    def finish(self, *, peers: dict[str, PeerLine] | None = None) -> None:
        """Render and check every artefact; ``peers`` add the comparison with similar clinics.

        Raises
        ------
        ReportError
            When the PDF fails its check or an artefact is missing.
        """
        tmp, prof, loc, metrics = self.workspace, self.profile, self.locale, self.metrics
        marks = benchmarks(prof)
        shown = peer_view(metrics, peers, marks)
        extra = render_section(shown, short=True) if shown else ""
        with step(f"{prof.clinic.id} {metrics['month']}: HTML and PDF"):
            _, pdf = render_report(tmp, metrics=metrics, after_summary=extra)
        labels = [s["title"] for s in metrics["sections"].values()]
        labels += [tile["label"] for tile in metrics["tiles"]][:3]
        labels.append(metrics["kpis_formatted"]["active_patients"])
        with step(f"{prof.clinic.id} {metrics['month']}: PDF check"):
            check_pdf(pdf, locale=loc, labels=labels)
        if self.deck:
            with step(f"{prof.clinic.id} {metrics['month']}: deck"):
                slides = deck_slides(metrics, peers=peers, benchmarks=marks)
                write_deck(slides, tmp / "deck.pptx", locale=loc, font=prof.report.deck_font)
        for p in tmp.glob(".input-*"):
            p.unlink()
        (tmp / ".profile.json").unlink(missing_ok=True)
        wanted = (*ARTEFACTS, "deck.pptx") if self.deck else ARTEFACTS
        missing = [a for a in wanted if not (tmp / a).is_file()]
        if missing:
            raise ReportError(f"the report run did not write {', '.join(missing)}")
        self.finished = True


@contextmanager
def staged_report(
    *,
    visits: Any,
    patients: Any = None,
    spend: Any = None,
    plans: Any = None,
    appointments: Any = None,
    calls: str | Path | None = None,
    profile: ClinicProfile | str | Path | None = None,
    month: str,
    locale: str | None = None,
    out: str | Path = "reports",
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    drop_invalid: bool = False,
    timeout: int = 600,
    allow_partial: bool = False,
    deck: bool | None = None,
) -> Iterator[StagedReport]:
    """Run one clinic's notebook in a workspace and yield it, staged; publish on exit.

    Takes the arguments of :func:`run_report`. The report folder appears when the block
    ends without an error (after :meth:`StagedReport.finish`); an error removes the
    workspace and leaves any earlier report untouched.
    """
    month = parse_month(month, allow_previous=False)
    out = Path(out).resolve()  # the notebook runs in its own folder
    prof = _profile(profile)
    check_benchmarks(prof)
    loc = locale or prof.clinic.locale
    check_option("locale", loc, LOCALES)
    _refuse_inputs_inside(
        report_folder(out, prof.clinic.id, month), visits, patients, spend, plans, appointments
    )
    pseudonym_secret(prof)  # patient keys need a secret: stop now, not inside the notebook
    prev = (pd.Timestamp(f"{month}-01") - pd.DateOffset(months=1)).strftime("%Y-%m")
    prev_metrics = report_folder(out, prof.clinic.id, prev) / "metrics.json"
    with report_workspace(out, prof.clinic.id, month) as tmp:
        write_json(prof.to_dict(), tmp / ".profile.json")
        params = {
            "visits": _source(visits, "visits", tmp),
            "patients": _source(patients, "patients", tmp),
            "spend": _source(spend, "spend", tmp),
            "plans": _source(plans, "plans", tmp),
            "appointments": _source(appointments, "appointments", tmp),
            "calls": _calls_folder(calls),
            "profile": str(tmp / ".profile.json"),
            "month": month,
            "locale": loc,
            "output_dir": str(tmp),
            "previous_metrics": str(prev_metrics.resolve()) if prev_metrics.is_file() else "",
            "encoding": encoding or "",
            "drop_invalid": bool(drop_invalid),
            "allow_partial": bool(allow_partial),
            "mapping": dict(mapping or {}),
        }
        params.update(
            _sql_params(
                visits=visits,
                patients=patients,
                spend=spend,
                plans=plans,
                appointments=appointments,
            )  # fmt: skip
        )
        with step(f"{prof.clinic.id} {month}: load, analyses, notebook"):
            execute.execute_notebook(
                execute.notebook_path("monthly_report.ipynb"),
                tmp / "report.ipynb",
                parameters=params,
                expect=(tmp / "metrics.json", tmp / "actions.xlsx"),
                timeout=timeout,
                cwd=tmp,
            )
        metrics = read_metrics(tmp / "metrics.json") or {}
        staged = StagedReport(tmp, prof, loc, metrics, prof.report.deck if deck is None else deck)
        yield staged
        if not staged.finished:
            raise ReportError(
                "the staged report was not finished (call finish()); nothing was published"
            )


def run_report(
    *,
    visits: Any,
    patients: Any = None,
    spend: Any = None,
    plans: Any = None,
    appointments: Any = None,
    calls: str | Path | None = None,
    profile: ClinicProfile | str | Path | None = None,
    month: str,
    locale: str | None = None,
    out: str | Path = "reports",
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    drop_invalid: bool = False,
    timeout: int = 600,
    allow_partial: bool = False,
    deck: bool | None = None,
) -> Path:
    """Produce one clinic's monthly report and return its folder.

    Parameters
    ----------
    visits, patients, spend, plans, appointments
        Export files (CSV, XLSX, Parquet), data frames, or :class:`SqlSource` queries
        (the notebook receives the query and the variable's name, never the URL);
        only ``visits`` is required.
    calls
        The folder of worklists staff filled in (``clinicvalue actions``); the report
        then shows each list's funnel and measured effect.
    profile
        A :class:`ClinicProfile` or a TOML file (defaults when omitted).
    month
        The report month, ``YYYY-MM``.
    locale
        ``en``, ``zh-Hant`` or ``zh-Hans`` (default: the profile's).
    out
        The reports folder; the report lands in ``out/<clinic id>/<month>/``.
    timeout
        Seconds allowed per notebook cell.
    allow_partial
        Report a month whose data end early; every page then carries a "data up to"
        banner and no change against earlier months is shown.
    deck
        Also write ``deck.pptx`` (default: the profile's ``report.deck``, true).

    Raises
    ------
    InputError
        Bad inputs or month (nothing is written).
    StaleDataError
        The data end too long before the month's end (without ``allow_partial``).
    ReportError
        The notebook failed, an artefact is missing, or the PDF failed its check.
    """
    prof = _profile(profile)
    with staged_report(
        visits=visits,
        patients=patients,
        spend=spend,
        plans=plans,
        appointments=appointments,
        calls=calls,
        profile=prof,
        month=month,
        locale=locale,
        out=out,
        mapping=mapping,
        encoding=encoding,
        drop_invalid=drop_invalid,
        timeout=timeout,
        allow_partial=allow_partial,
        deck=deck,
    ) as staged:
        staged.finish()
    return report_folder(Path(out).resolve(), prof.clinic.id, parse_month(month))


def run_demo(out: str | Path = "reports", *, month: str = "2026-10") -> Path:
    """Run the bundled dental sample clinic's report for ``month`` and print where it is."""
    folder = samples_folder() / "dental"

    def find(table: str) -> Path | None:
        hits = sorted(folder.glob(f"{table}.*"))
        return hits[0] if hits else None

    if find("visits") is None:
        raise ReportError(f"the sample clinic is missing: no visits file in {folder}")
    toml = folder / "clinic.toml"
    started = time.perf_counter()
    result = run_report(
        visits=find("visits"),
        patients=find("patients"),
        spend=find("spend"),
        plans=find("plans"),
        appointments=find("appointments"),
        profile=toml if toml.is_file() else None,
        month=month,
        out=out,
    )
    took = time.perf_counter() - started
    LOGGER.info(f"demo report: {result / 'report.pdf'} ({took:.0f} s)")
    return result

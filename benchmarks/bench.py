"""Benchmark the kit's scoring against the plain lifetimes pipeline on one synthetic clinic.

``clinicvalue bench --patients N`` (``make bench``) generates a synthetic clinic, writes its
attended line items to Parquet in a temporary folder, then runs, each in its own process
so that peak memory is measured per pipeline:

- **kit**: ``patient_features`` (one DuckDB pass straight off the Parquet: the summary's
  totals and everything segments and churn flags read), the summary from them,
  ``ClvModel`` fit (BG/NBD + Gamma-Gamma), CLV, then segments and churn flags (whatever
  of them is installed);
- **lifetimes**: what a lifetimes user writes on the same transactions —
  ``summary_data_from_transaction_data(freq="D", freq_multiplier=7)`` →
  ``BetaGeoFitter.fit`` → ``GammaGammaFitter.fit`` on repeat patients →
  ``customer_lifetime_value``;
- **analyses**: retention cohorts, revisit rates, patient flow and every staff list on the
  same clinic (their own process, not part of the totals), and a check that every segment
  scheme is a partition at this size;
- **report** (optional): the full monthly report on a clinic of ``report_patients``.

It checks that both pipelines' BG/NBD and Gamma-Gamma parameters agree to 1e-4
relative, prints a table of steps (time and peak memory each, and the ratio) and writes
the figures, the machine and the package versions to JSON. Each step has a time limit;
a step that runs out is recorded and the rest go on.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from clinicvalue.errors import OptionError
from clinicvalue.profile import ClinicProfile
from clinicvalue.progress import step

__all__ = ["BenchResult", "run_bench", "machine_info", "main", "PARAM_NAMES", "PARAM_RTOL"]

#: The repository root: the worker and data modules run as ``python -m benchmarks.…``.
ROOT = Path(__file__).resolve().parents[1]

PARAM_NAMES = ("r", "alpha", "a", "b", "p", "q", "v")
PARAM_RTOL = 1e-4
TARGET_RATIO = 4.0

#: Table rows: label, kit steps, lifetimes steps (summed).
ROWS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("read transactions", (), ("load_transactions",)),
    ("summary (one pass, with patient features)", ("patient_features", "summary"), ("summary",)),
    ("BG/NBD + Gamma-Gamma fit", ("bgnbd_gg_fit",), ("bgnbd_fit", "gg_fit")),
    ("CLV", ("clv",), ("clv",)),
    ("segments", ("segments",), ()),
    ("churn flags", ("churn_flags",), ()),
)
#: Issue 4's scope. The kit's summary comes out of the pass that also computes the segment
#: and churn features, so that whole pass counts here: the core figure is an upper bound.
CORE_KIT = ("patient_features", "summary", "bgnbd_gg_fit", "clv")
#: Retention and staff-list steps, timed in a process of their own (not in the totals).
ANALYSES = ("cohort_matrix", "revisit_rates", "patient_flow", "action_lists")
VERSIONED = (
    "clinicvalue",
    "pandas",
    "numpy",
    "scipy",
    "duckdb",
    "pyarrow",
    "lifetimes",
    "autograd",
)


@dataclass(frozen=True)
class BenchResult:
    """What one benchmark run measured.

    ``kit``, ``lifetimes`` and ``report`` hold each pipeline's record: ``steps`` (name,
    status, seconds, peak_rss_mb), ``params``, ``wall_seconds`` and ``peak_rss_mb`` (for
    the kit and lifetimes the highest of their timed steps, each step's high-water mark
    reset before it; for the report the whole process with its notebook kernel). Times
    are wall-clock seconds, memory is peak resident MiB.
    """

    patients: int
    visits: int
    line_items: int
    as_of: str
    seed: int
    generator: str
    kit: dict[str, Any]
    lifetimes: dict[str, Any] | None
    report: dict[str, Any] | None
    analyses: dict[str, Any] | None = None
    param_rel_diff: dict[str, float] = field(default_factory=dict)
    summary_max_abs_diff: dict[str, float] | None = None
    machine: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    json_path: str | None = None

    @property
    def params_agree(self) -> bool | None:
        """Whether all seven parameters agree to 1e-4 relative (None if not compared)."""
        if len(self.param_rel_diff) < len(PARAM_NAMES):
            return None
        return all(d <= PARAM_RTOL for d in self.param_rel_diff.values())

    @property
    def kit_seconds(self) -> float | None:
        """Kit scoring time: summary, fits, CLV, segments, churn flags."""
        return _sum_steps(self.kit, [s for _, steps, _ in ROWS for s in steps])

    @property
    def lifetimes_seconds(self) -> float | None:
        """Lifetimes time: read, summary, fits, CLV (None when a step did not finish)."""
        if self.lifetimes is None:
            return None
        return _sum_steps(self.lifetimes, [s for _, _, steps in ROWS for s in steps])

    @property
    def core_ratio(self) -> float | None:
        """Lifetimes' time over the kit's for summary + fits + CLV alone (issue 4's scope)."""
        if self.lifetimes is None:
            return None
        kit = _sum_steps(self.kit, list(CORE_KIT))
        lt = _sum_steps(self.lifetimes, [s for _, _, steps in ROWS for s in steps])
        if kit is None or lt is None or kit <= 0:
            return None
        return lt / kit

    @property
    def ratio(self) -> float | None:
        """How many times faster the whole kit scoring is than lifetimes."""
        kit, lt = self.kit_seconds, self.lifetimes_seconds
        if kit is None or lt is None or kit <= 0:
            return None
        return lt / kit

    @property
    def meets_targets(self) -> bool | None:
        """≥ 4× faster, no more peak memory, parameters agree (None if not compared)."""
        if self.ratio is None or self.lifetimes is None or self.params_agree is None:
            return None
        return (
            self.ratio >= TARGET_RATIO
            and self.kit["peak_rss_mb"] <= self.lifetimes["peak_rss_mb"]
            and bool(self.params_agree)
        )

    def to_metrics(self) -> dict[str, Any]:
        """Return everything as JSON-ready values."""
        return {
            "patients": self.patients,
            "visits": self.visits,
            "line_items": self.line_items,
            "as_of": self.as_of,
            "seed": self.seed,
            "generator": self.generator,
            "kit_seconds": self.kit_seconds,
            "lifetimes_seconds": self.lifetimes_seconds,
            "ratio": self.ratio,
            "core_ratio": self.core_ratio,
            "params_agree": self.params_agree,
            "param_rel_diff": self.param_rel_diff,
            "param_rtol": PARAM_RTOL,
            "summary_max_abs_diff": self.summary_max_abs_diff,
            "meets_targets": self.meets_targets,
            "kit": self.kit,
            "lifetimes": self.lifetimes,
            "report": self.report,
            "analyses": self.analyses,
            "machine": self.machine,
            "versions": self.versions,
        }

    def table(self) -> str:
        """Return the step table as aligned plain text."""
        head = ("step", "kit s", "lifetimes s", "ratio", "kit MiB", "lifetimes MiB")
        rows = [head]
        for label, kit_steps, lt_steps in ROWS:
            k = _row(self.kit, kit_steps)
            lt = _row(self.lifetimes, lt_steps) if self.lifetimes else ("", "")
            rows.append((label, k[0], lt[0], _ratio(k[0], lt[0]), k[1], lt[1]))
        kit_total = _fmt_s(self.kit_seconds)
        lt_total = _fmt_s(self.lifetimes_seconds) if self.lifetimes else ""
        rows.append(
            (
                "total (peak = highest step)",
                kit_total,
                lt_total,
                f"{self.ratio:.1f}x" if self.ratio else "",
                _fmt_mb(self.kit.get("peak_rss_mb")),
                _fmt_mb(self.lifetimes.get("peak_rss_mb")) if self.lifetimes else "",
            )
        )
        core = _sum_steps(self.kit, list(CORE_KIT))
        rows.append(
            (
                "summary + fits + CLV only",
                _fmt_s(core),
                lt_total,
                f"{self.core_ratio:.1f}x" if self.core_ratio else "",
                _fmt_mb(max((s["peak_rss_mb"] for s in _steps(self.kit, CORE_KIT)), default=None)),
                "",
            )
        )
        for name in ANALYSES if self.analyses else ():
            got = _row(self.analyses, (name,))
            rows.append((f"{name.replace('_', ' ')} (own process)", got[0], "", "", got[1], ""))
        if self.report:
            rep = _row(self.report, ("monthly_report",))
            n = self.report.get("patients")
            # the notebook runs in a kernel of its own: the record's peak counts children
            peak = _fmt_mb(self.report.get("peak_rss_mb")) if rep[0] else ""
            rows.append((f"monthly report ({n:,} patients)", rep[0], "", "", peak, ""))
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
        lines = []
        for i, r in enumerate(rows):
            cells = [
                str(c).ljust(widths[0]) if j == 0 else str(c).rjust(widths[j])
                for j, c in enumerate(r)
            ]
            lines.append("  ".join(cells))
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        title = (
            f"{self.patients:,} patients, {self.visits:,} visits, {self.line_items:,} line items"
            f" (as of {self.as_of}; {self.generator})"
        )
        agree = {None: "not compared", True: "yes", False: "NO"}[self.params_agree]
        worst = max(self.param_rel_diff.values()) if self.param_rel_diff else math.nan
        foot = f"parameters agree to {PARAM_RTOL:g} relative: {agree} (worst {worst:.1e})"
        if self.summary_max_abs_diff is not None:
            gap = max(self.summary_max_abs_diff.values(), default=0.0)
            foot += f"; summaries (x, t_x, T, monetary) differ by at most {gap:.1e}"
        notes = [
            f"  {p['pipeline']}/{s['step']}: {s['status']} {s.get('note', '')}".rstrip()
            for p in (self.kit, self.lifetimes, self.report)
            if p
            for s in p["steps"]
            if s["status"] != "ok"
        ]
        return "\n".join([title, *lines, foot, *notes])


def _steps(record: dict[str, Any] | None, names: tuple[str, ...] | list[str]) -> list[dict]:
    if not record:
        return []
    return [s for s in record["steps"] if s["step"] in names]


def _sum_steps(record: dict[str, Any], names: list[str]) -> float | None:
    found = _steps(record, names)
    if any(s["status"] not in ("ok", "skipped") for s in found):
        return None
    ok = [s["seconds"] for s in found if s["status"] == "ok"]
    return float(sum(ok)) if ok else None


def _row(record: dict[str, Any] | None, names: tuple[str, ...]) -> tuple[str, str]:
    found = _steps(record, names)
    if not names or not found:
        return ("", "")
    if any(s["status"] != "ok" for s in found):
        return ("/".join(sorted({s["status"] for s in found if s["status"] != "ok"})), "")
    secs = sum(s["seconds"] for s in found)
    return (_fmt_s(secs), _fmt_mb(max(s["peak_rss_mb"] for s in found)))


def _fmt_s(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def _fmt_mb(x: float | None) -> str:
    return "" if x is None else f"{x:,.0f}"


def _ratio(kit: str, lt: str) -> str:
    try:
        k, v = float(kit), float(lt)
    except ValueError:
        return ""
    return f"{v / k:.1f}x" if k > 0 else ""


def machine_info() -> dict[str, Any]:
    """Return the CPU count and model, total memory, OS and Python of this machine."""
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "cpu_model": None,
        "memory_gib": None,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    info["memory_gib"] = round(int(line.split()[1]) / 1024**2, 1)
                    break
    except OSError:
        pass
    return info


def _versions() -> dict[str, str]:
    out = {}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _run_child(
    args: list[str], *, timeout: float, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run a child process; return its wall time, exit status and own peak RSS (MiB)."""
    start = time.perf_counter()
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen(args, env=env)  # noqa: S603 - our own module, fixed arguments
    status, maxrss_kb, killed = 0, 0, False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            maxrss_kb = usage.ru_maxrss
            break
        if time.perf_counter() - start > timeout:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            maxrss_kb, killed = usage.ru_maxrss, True
            break
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall_seconds": time.perf_counter() - start,
        "exit_code": proc.returncode,
        "killed": killed,
        "child_maxrss_mb": maxrss_kb / 1024,
    }


def _run_pipeline(
    pipeline: str, spec: dict[str, Any], work: Path, *, timeout: float
) -> dict[str, Any]:
    spec = {**spec, "pipeline": pipeline}
    spec_path, out_path = work / f"{pipeline}.spec.json", work / f"{pipeline}.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    proc = _run_child(
        [sys.executable, "-m", "benchmarks.worker", str(spec_path), str(out_path)],
        timeout=timeout,
    )
    if out_path.exists():
        record = json.loads(out_path.read_text(encoding="utf-8"))
    else:
        record = {"pipeline": pipeline, "steps": [], "params": {}}
    record.update(proc)
    step_peaks = [s.get("peak_rss_mb") or 0.0 for s in record["steps"]]
    if pipeline in ("kit", "lifetimes") and record.get("peak_reset") and step_peaks:
        # each step's own high-water mark (reset before it): the untimed dump of the
        # summary for the agreement check afterwards is not part of either pipeline
        record["peak_rss_mb"] = max(step_peaks)
    else:  # the report's notebook kernel is a child: only the process total sees it
        record["peak_rss_mb"] = max([proc["child_maxrss_mb"], *step_peaks])
    if proc["killed"]:
        record["steps"].append(
            {"step": "(rest)", "status": "timeout", "note": f"pipeline killed at {timeout:.0f}s"}
        )
    elif proc["exit_code"] != 0:
        record["steps"].append(
            {"step": "(process)", "status": "error", "note": f"exit code {proc['exit_code']}"}
        )
    return record


def _summary_diff(work: Path) -> dict[str, float] | None:
    """Largest absolute difference per summary column between the two pipelines."""
    import pandas as pd

    paths = [work / "summary_kit.parquet", work / "summary_lifetimes.parquet"]
    if not all(p.exists() for p in paths):
        return None
    kit, lt = (pd.read_parquet(p) for p in paths)
    if len(kit) != len(lt) or not kit.index.sort_values().equals(lt.index.sort_values()):
        return {"patients_differ": float(abs(len(kit) - len(lt)) or 1)}
    lt = lt.reindex(kit.index)
    return {c: float((kit[c] - lt[c]).abs().max()) for c in kit.columns}


def _rel_diff(kit: dict[str, float], lt: dict[str, float]) -> dict[str, float]:
    out = {}
    for name in PARAM_NAMES:
        if name in kit and name in lt:
            denom = abs(lt[name]) or 1.0
            out[name] = abs(kit[name] - lt[name]) / denom
    return out


def run_bench(
    *,
    patients: int = 1_000_000,
    seed: int = 7,
    out: str | Path = "bench_results",
    report: bool = True,
    compare_lifetimes: bool = True,
    analyses: bool = True,
    report_patients: int = 20_000,
    step_timeout: float = 3600.0,
    tmp_dir: str | Path | None = None,
    verbose: bool = True,
) -> BenchResult:
    """Time the kit's scoring against the plain lifetimes pipeline on a synthetic clinic.

    Parameters
    ----------
    patients
        Synthetic patients (~4.5 visits each).
    seed
        Generator seed.
    out
        Folder for the JSON results (``bench_<patients>_<time>.json`` and ``latest.json``).
    report
        Also time the full monthly report, on a clinic of ``report_patients`` patients.
    compare_lifetimes
        Run the lifetimes pipeline (turn off at sizes where it would take hours).
    analyses
        Time retention and the staff lists in a process of their own (they read the visit
        log into pandas: turn off at ten million patients).
    report_patients
        Size of the clinic the report is timed on.
    step_timeout
        Seconds any one step may take before it is stopped and recorded as a timeout.
    tmp_dir
        Where the temporary Parquet goes (the system temp folder by default); it is
        removed afterwards.
    verbose
        Print the table (and progress) when done.

    Returns
    -------
    BenchResult
        The figures; ``json_path`` says where they were written.
    """
    if patients < 10:
        raise OptionError(f"patients must be at least 10 for a benchmark, got {patients}")
    if step_timeout <= 0:
        raise OptionError(f"step_timeout must be a positive number of seconds, got {step_timeout}")
    profile = ClinicProfile()
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="clinicvalue-bench-", dir=tmp_dir))
    try:
        with step(
            f"generating {patients:,} synthetic patients", enabled=None if verbose else False
        ):
            gen = _run_child(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.data",
                    str(patients),
                    str(seed),
                    str(work),
                    str(report_patients if report else 0),
                ],
                timeout=step_timeout,
            )
        data_json = work / "data.json"
        if gen["exit_code"] != 0 or not data_json.exists():
            raise OptionError(
                f"could not generate the benchmark clinic (exit code {gen['exit_code']}); "
                "try fewer patients or a larger step_timeout"
            )
        data = json.loads(data_json.read_text(encoding="utf-8"))
        spec = {
            "transactions": str(work / "transactions.parquet"),
            "as_of": data["as_of"],
            "penalizer": profile.clv.penalizer,
            "horizon_months": profile.clv.horizon_months,
            "monthly_discount": (1 + profile.clv.annual_discount_rate) ** (1 / 12) - 1,
            "step_timeout": step_timeout,
            "threads": os.cpu_count() or 1,
            "report_dir": str(work / "report"),
            "report_out": str(work / "report_out"),
            "month": data["as_of"][:7],
        }
        budget = step_timeout * 8
        quiet = None if verbose else False
        with step("kit pipeline", enabled=quiet):
            kit = _run_pipeline("kit", spec, work, timeout=budget)
        retention = None
        if analyses:
            with step("retention and staff lists", enabled=quiet):
                retention = _run_pipeline("analyses", spec, work, timeout=budget)
        lt = None
        if compare_lifetimes:
            with step("lifetimes pipeline", enabled=quiet):
                lt = _run_pipeline("lifetimes", spec, work, timeout=budget)
        rep = None
        if report and (work / "report").is_dir():
            with step("monthly report", enabled=quiet):
                rep = _run_pipeline("report", spec, work, timeout=budget)
                rep["patients"] = report_patients
        elif report:
            rep = {
                "pipeline": "report",
                "patients": 0,
                "steps": [
                    {
                        "step": "monthly_report",
                        "status": "skipped",
                        "note": "needs clinicvalue.synth and clinicvalue.report",
                    }
                ],
            }
        result = BenchResult(
            patients=int(data["patients"]),
            visits=int(data["visits"]),
            line_items=int(data["line_items"]),
            as_of=data["as_of"],
            seed=seed,
            generator=data["generator"],
            kit=kit,
            lifetimes=lt,
            report=rep,
            analyses=retention,
            param_rel_diff=_rel_diff(kit.get("params", {}), (lt or {}).get("params", {})),
            summary_max_abs_diff=_summary_diff(work),
            machine=machine_info(),
            versions=_versions(),
        )
        stamp = time.strftime("%Y%m%dT%H%M%S")
        path = out_dir / f"bench_{patients}_{stamp}.json"
        metrics = {**result.to_metrics(), "generate": {**data, **gen}, "table": result.table()}
        text = json.dumps(metrics, indent=2, default=str)
        path.write_text(text, encoding="utf-8")
        (out_dir / "latest.json").write_text(text, encoding="utf-8")
        result = _with_path(result, str(path))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if verbose:
        print(result.table())  # noqa: T201 - the benchmark's output is this table
        print(f"results: {result.json_path}")  # noqa: T201
    return result


def _with_path(result: BenchResult, path: str) -> BenchResult:
    from dataclasses import replace

    return replace(result, json_path=path)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.bench``: time the kit against the plain lifetimes pipeline."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=main.__doc__)
    p.add_argument("--patients", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", default="bench_results", metavar="DIR")
    p.add_argument("--no-report", action="store_true", help="skip timing the monthly report")
    p.add_argument(
        "--report-patients",
        type=int,
        default=20_000,
        metavar="N",
        help="size of the clinic the monthly report is timed on (default 20000)",
    )
    p.add_argument(
        "--no-lifetimes",
        action="store_true",
        help="time the kit alone (for sizes where the plain lifetimes pipeline cannot run)",
    )
    p.add_argument(
        "--no-analyses",
        action="store_true",
        help="skip timing retention and staff lists (they read the visit log into pandas)",
    )
    p.add_argument(
        "--step-timeout", type=float, default=3600.0, metavar="SECONDS", help="limit per step"
    )
    args = p.parse_args(argv)
    result = run_bench(
        patients=args.patients,
        seed=args.seed,
        out=args.out,
        report=not args.no_report,
        report_patients=args.report_patients,
        compare_lifetimes=not args.no_lifetimes,
        analyses=not args.no_analyses,
        step_timeout=args.step_timeout,
    )
    return 0 if result.meets_targets is not False else 1


if __name__ == "__main__":
    raise SystemExit(main())

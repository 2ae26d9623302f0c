"""Time the commands users run — ``score``, ``actions``, ``report`` — as whole processes.

``python -m benchmarks.commands --patients 1000000`` (run by ``make bench``) writes a
plain visit log the kit did not shape (:mod:`benchmarks.plain_log`: integer IDs,
day-level dates, amounts; Parquet and CSV), then runs, each in a process of its own:

- ``clinicvalue score --visits LOG --as-of D --out scores.parquet`` on the Parquet log
  and on the CSV log, and on each the plain lifetimes pipeline a user would otherwise
  run (:mod:`benchmarks.lifetimes_pipeline`), in the same run;
- ``clinicvalue actions --visits LOG --date D --scores scores.parquet --out worklists``
  (the daily job, ranking by the month's scores from the ``score`` run);
- ``clinicvalue report --visits LOG --month M --out report`` (load, every analysis,
  the notebook, HTML, PDF, deck and check).

``--scale`` (for ten million patients) runs ``score`` and ``report`` on the Parquet
log only, without lifetimes, and checks each completes within :data:`SCALE_MIB`.

Each is timed by the wall clock; its memory is the peak resident set summed over the
process and every process it starts (the report's notebook kernel, the PDF renderer),
sampled every 0.1 s. It prints the table, writes it to JSON and exits non-zero when a
target (:data:`TARGETS`) is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench import ROOT, machine_info
from benchmarks.plain_log import AS_OF, write_plain_log

__all__ = ["SCALE_MIB", "TARGETS", "main", "run_commands_bench", "run_measured", "run_scale_bench"]

#: Issue 20's targets at a million patients on the 2-core benchmark machine.
TARGETS = {
    "score_parquet_ratio": 5.0,  # lifetimes' time over the kit's, Parquet log
    "score_csv_ratio": 3.0,  # the same, CSV log
    "report_seconds": 60.0,
    "report_mib": 4096.0,
    "actions_seconds": 20.0,
}
#: At ten million patients ``score`` and ``report`` must complete within this (MiB).
SCALE_MIB = 20 * 1024.0
_MONTH = AS_OF[:7]


def _tree_rss_kib(root: int) -> int:
    """Return the resident memory of a process and all its descendants (KiB)."""
    page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parent[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * page_kib
    tree, todo = {root}, [root]
    while todo:
        here = todo.pop()
        for pid, ppid in parent.items():
            if ppid == here and pid not in tree:
                tree.add(pid)
                todo.append(pid)
    return sum(rss.get(pid, 0) for pid in tree)


def run_measured(
    args: list[str], *, timeout: float, memory_limit_mib: float | None = None
) -> dict[str, Any]:
    """Run one command; return wall seconds, exit code and peak memory of its process tree.

    The command is killed (``killed`` true) past ``timeout`` seconds or, if given, once
    its process tree holds more than ``memory_limit_mib``.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    start = time.perf_counter()
    # a session of its own, so a kill reaches the notebook kernel and the PDF renderer too
    proc = subprocess.Popen(args, env=env, start_new_session=True)  # noqa: S603 - our commands
    peak, killed = 0, False
    try:
        while proc.poll() is None:
            peak = max(peak, _tree_rss_kib(proc.pid))
            over = memory_limit_mib is not None and peak > memory_limit_mib * 1024
            if over or time.perf_counter() - start > timeout:
                killed = True
                break
            time.sleep(0.1)
    finally:  # past a limit, or the benchmark itself interrupted
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return {
        "command": " ".join(Path(a).name if "/" in a else a for a in args),
        "wall_seconds": time.perf_counter() - start,
        "exit_code": proc.returncode,
        "killed": killed,
        "peak_mib": peak / 1024,
    }


def _figures(
    patients: int,
    seed: int,
    log: dict[str, Any],
    runs: dict[str, dict[str, Any]],
    targets: dict[str, float],
    verdicts: dict[str, bool],
) -> dict[str, Any]:
    """Return one benchmark run's figures, with the machine they were measured on."""
    return {
        "patients": patients,
        "seed": seed,
        "as_of": AS_OF,
        "log": log,
        "runs": runs,
        "targets": targets,
        "verdicts": verdicts,
        "machine": machine_info(),
    }


def run_commands_bench(
    patients: int, *, seed: int = 11, timeout: float = 1800.0, report: bool = True
) -> dict[str, Any]:
    """Write the plain log, run every command on it; return the figures."""
    work = Path(tempfile.mkdtemp(prefix="cv-bench-commands-"))
    kit = [sys.executable, "-m", "clinicvalue", "-q"]
    try:
        log = write_plain_log(patients, work / "log", seed)
        runs: dict[str, dict[str, Any]] = {}
        for fmt in ("parquet", "csv"):
            src = str(work / "log" / f"visits.{fmt}")
            runs[f"score_{fmt}"] = run_measured(
                [*kit, "score", "--visits", src, "--as-of", AS_OF, "--out",
                 str(work / f"kit-{fmt}.parquet")], timeout=timeout,
            )  # fmt: skip
            runs[f"lifetimes_{fmt}"] = run_measured(
                [sys.executable, "-m", "benchmarks.lifetimes_pipeline", src, "--as-of", AS_OF,
                 "--out", str(work / f"lifetimes-{fmt}.parquet")], timeout=timeout,
            )  # fmt: skip
        src = str(work / "log" / "visits.parquet")
        # the daily job ranks by the month's scores rather than refitting the model
        runs["actions"] = run_measured(
            [*kit, "actions", "--visits", src, "--date", AS_OF, "--scores",
             str(work / "kit-parquet.parquet"), "--out", str(work / "lists")], timeout=timeout,
        )  # fmt: skip
        if report:
            runs["report"] = run_measured(
                [*kit, "report", "--visits", src, "--month", _MONTH, "--out",
                 str(work / "report")], timeout=timeout,
            )  # fmt: skip
        return _figures(patients, seed, log, runs, TARGETS, _verdicts(runs))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_scale_bench(patients: int, *, seed: int = 11, timeout: float = 7200.0) -> dict[str, Any]:
    """Write the plain log as Parquet; run ``score`` then ``report`` on it; return the figures."""
    work = Path(tempfile.mkdtemp(prefix="cv-bench-scale-"))
    kit = [sys.executable, "-m", "clinicvalue", "-q"]
    try:
        log = write_plain_log(patients, work / "log", seed, csv=False)
        src = str(work / "log" / "visits.parquet")
        runs = {
            "score_parquet": run_measured(
                [
                    *kit,
                    "score",
                    "--visits",
                    src,
                    "--as-of",
                    AS_OF,
                    "--out",
                    str(work / "kit-parquet.parquet"),
                ],
                timeout=timeout,
                memory_limit_mib=SCALE_MIB,
            ),
            "report": run_measured(
                [*kit, "report", "--visits", src, "--month", _MONTH, "--out", str(work / "report")],
                timeout=timeout,
                memory_limit_mib=SCALE_MIB,
            ),
        }
        verdicts = {f"{key}_completes_within_memory": _within_scale(r) for key, r in runs.items()}
        return _figures(patients, seed, log, runs, {"peak_mib": SCALE_MIB}, verdicts)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _within_scale(run: dict[str, Any]) -> bool:
    """Return whether a command of the scale run completed within :data:`SCALE_MIB`."""
    return not run["exit_code"] and not run["killed"] and run["peak_mib"] < SCALE_MIB


def _ratio(runs: dict[str, dict[str, Any]], fmt: str) -> float | None:
    kit, lt = runs.get(f"score_{fmt}"), runs.get(f"lifetimes_{fmt}")
    if not kit or not lt or kit["exit_code"] or lt["exit_code"]:
        return None
    return lt["wall_seconds"] / kit["wall_seconds"]


def _verdicts(runs: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """Return, per target, whether the run met it (a failed command misses it)."""
    out = {}
    for fmt in ("parquet", "csv"):
        ratio = _ratio(runs, fmt)
        kit, lt = runs[f"score_{fmt}"], runs[f"lifetimes_{fmt}"]
        out[f"score_{fmt}_ratio"] = ratio is not None and ratio >= TARGETS[f"score_{fmt}_ratio"]
        out[f"score_{fmt}_memory"] = ratio is not None and kit["peak_mib"] <= lt["peak_mib"]
    act = runs["actions"]
    out["actions_seconds"] = (
        not act["exit_code"] and act["wall_seconds"] < TARGETS["actions_seconds"]
    )
    if "report" in runs:
        rep = runs["report"]
        out["report_seconds"] = (
            not rep["exit_code"] and rep["wall_seconds"] < TARGETS["report_seconds"]
        )
        out["report_mib"] = not rep["exit_code"] and rep["peak_mib"] < TARGETS["report_mib"]
    return out


def table(result: dict[str, Any]) -> str:
    """Return the figures as aligned plain text."""
    runs = result["runs"]
    rows = [("command", "s", "peak MiB", "exit", "vs lifetimes", "target", "met")]
    v = result["verdicts"]

    def add(key: str, label: str, versus: str = "", target: str = "", met: str = "") -> None:
        r = runs[key]
        rows.append((label, f"{r['wall_seconds']:.1f}", f"{r['peak_mib']:,.0f}",
                     str(r["exit_code"]), versus, target, met))  # fmt: skip

    if "lifetimes_parquet" not in runs:  # the scale run: each command within the memory
        for key, label in (("score_parquet", "clinicvalue score (parquet)"),
                           ("report", "clinicvalue report")):  # fmt: skip
            ok = v[f"{key}_completes_within_memory"]
            add(key, label, target=f"completes, < {SCALE_MIB:,.0f} MiB", met="yes" if ok else "NO")
    for fmt in ("parquet", "csv") if "lifetimes_parquet" in runs else ():
        ratio = _ratio(runs, fmt)
        met = v[f"score_{fmt}_ratio"] and v[f"score_{fmt}_memory"]
        add(f"score_{fmt}", f"clinicvalue score ({fmt})",
            f"{ratio:.2f}x" if ratio else "", f">= {TARGETS[f'score_{fmt}_ratio']:g}x, <= memory",
            "yes" if met else "NO")  # fmt: skip
        add(f"lifetimes_{fmt}", f"lifetimes pipeline ({fmt})")
    if "actions" in runs:
        add("actions", "clinicvalue actions", target=f"< {TARGETS['actions_seconds']:g} s",
            met="yes" if v["actions_seconds"] else "NO")  # fmt: skip
    if "report" in runs and "actions" in runs:
        met = v["report_seconds"] and v["report_mib"]
        add("report", "clinicvalue report",
            target=f"< {TARGETS['report_seconds']:g} s, < {TARGETS['report_mib']:,.0f} MiB",
            met="yes" if met else "NO")  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                       enumerate(zip(r, widths, strict=True))) for r in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    log = result["log"]
    title = (f"{log['patients']:,} patients, {log['line_items']:,} line items "
             f"(plain log, seed {result['seed']}; as of {result['as_of']})")  # fmt: skip
    return "\n".join([title, *lines])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 if a command failed or a target was missed."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.commands", description=__doc__)
    p.add_argument("--patients", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--no-report", action="store_true", help="leave out clinicvalue report")
    p.add_argument(
        "--scale",
        action="store_true",
        help="score and report only, Parquet only, no lifetimes: each must complete "
        f"within {SCALE_MIB / 1024:g} GiB (for --patients 10000000)",
    )
    p.add_argument("--out", default="", metavar="JSON")
    args = p.parse_args(argv)
    if args.scale:
        result = run_scale_bench(args.patients, seed=args.seed)
    else:
        result = run_commands_bench(args.patients, seed=args.seed, report=not args.no_report)
    args.out = args.out or f"bench_results/commands{'-scale' if args.scale else ''}.json"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(table(result))
    print(f"→ {args.out}")
    failed = any(r["exit_code"] for r in result["runs"].values())
    return 1 if failed or not all(result["verdicts"].values()) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

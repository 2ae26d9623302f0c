"""One benchmark pipeline, run in its own process so its peak memory is its own.

``python -m benchmarks.worker SPEC.json OUT.json`` runs the pipeline named in the
spec (``kit``, ``lifetimes`` or ``report``) step by step. After every step it rewrites
``OUT.json`` with the step's wall time, its own peak resident memory (the kernel's
high-water mark is reset before each step where Linux allows it) and the process peak,
so a pipeline killed for running too long still leaves the steps it finished. A step
that exceeds ``step_timeout`` seconds is stopped with SIGALRM; steps that need its
result are skipped, the others still run.
"""

from __future__ import annotations

import json
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["peak_rss_mb", "reset_peak_rss", "flat_params"]


class StepTimeout(Exception):
    """A benchmark step ran past its time limit."""


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_mb() -> float:
    """Return this process' peak resident memory since the last reset, in MiB."""
    kb = _status_kb("VmHWM")
    if kb is None:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark for this process; return whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def flat_params(obj: Any) -> dict[str, float]:
    """Flatten model parameters (dict, Series, dataclass, nested dicts) to name → float."""
    if obj is None:
        return {}
    if is_dataclass(obj) and not isinstance(obj, type):
        obj = asdict(obj)
    elif isinstance(obj, pd.Series):
        obj = obj.to_dict()
    elif hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    out: dict[str, float] = {}
    if isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, dict | pd.Series) or is_dataclass(value):
                out.update(flat_params(value))
            elif isinstance(value, int | float | np.number) and not isinstance(value, bool):
                out[str(key)] = float(value)
    return out


def _on_alarm(signum: int, frame: Any) -> None:
    raise StepTimeout


class _Runner:
    def __init__(self, out: Path, pipeline: str, step_timeout: float) -> None:
        self.out = out
        self.step_timeout = step_timeout
        self.record: dict[str, Any] = {"pipeline": pipeline, "steps": [], "params": {}}
        self.failed: set[str] = set()
        self.resettable = reset_peak_rss()
        self.record["peak_reset"] = self.resettable
        self._flush()

    def _flush(self) -> None:
        self.record["process_peak_rss_mb"] = max(
            [peak_rss_mb()] + [s.get("peak_rss_mb") or 0.0 for s in self.record["steps"]]
        )
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.record, indent=2, default=str), encoding="utf-8")
        tmp.replace(self.out)

    def run(self, name: str, fn: Callable[[], Any], *, needs: tuple[str, ...] = ()) -> Any:
        entry: dict[str, Any] = {"step": name, "status": "ok", "seconds": None}
        missing = [n for n in needs if n in self.failed]
        if missing:
            entry["status"] = "skipped"
            entry["note"] = f"needs {', '.join(missing)}"
            self.failed.add(name)
            self.record["steps"].append(entry)
            self._flush()
            return None
        if self.resettable:
            reset_peak_rss()
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.step_timeout)
        start = time.perf_counter()
        result = None
        try:
            result = fn()
        except StepTimeout:
            entry["status"] = "timeout"
            entry["note"] = f"stopped after {self.step_timeout:.0f}s"
            self.failed.add(name)
        except Exception as exc:  # noqa: BLE001 - a benchmark records failures and goes on
            entry["status"] = "error"
            entry["note"] = f"{type(exc).__name__}: {exc}"[:500]
            entry["traceback"] = traceback.format_exc()[-2000:]
            self.failed.add(name)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        entry["seconds"] = time.perf_counter() - start
        entry["peak_rss_mb"] = peak_rss_mb()
        self.record["steps"].append(entry)
        self._flush()
        return result

    def skip(self, name: str, note: str) -> None:
        self.record["steps"].append({"step": name, "status": "skipped", "note": note})
        self.failed.add(name)
        self._flush()

    def finish(self) -> None:
        self._flush()


def _dump_summary(summary: pd.DataFrame, spec: dict[str, Any]) -> None:
    cols = ["frequency", "recency", "T", "monetary"]
    out = summary[cols].astype("float64")
    out.index = out.index.astype("string").rename("patient_id")
    out.to_parquet(Path(spec["transactions"]).parent / f"summary_{spec['pipeline']}.parquet")


def _load_visits(con: Any, path: str) -> Any:
    """Sum line items into visits in DuckDB (as ``load`` does in pandas), for segments and churn.

    A day of refunds only joins the patient's previous visit, as the loader does.

    Only the columns those analyses read reach pandas, through Arrow so that text columns
    stay Arrow-backed (no Python string objects); ``lines`` is the same frame, not a second
    copy of the line items.
    """
    import pyarrow as pa

    from clinicvalue.data import ClinicData
    from clinicvalue.summarize.summary import refund_day_map_sql

    cols = set(con.read_parquet(path).columns)
    extra = []
    for col in ("treatment", "complaint"):
        if col in cols:
            extra.append(f"NULLIF(STRING_AGG(DISTINCT NULLIF({col}, ''), '; '), '') AS {col}")
    if "satisfaction" in cols:
        extra.append("MIN(satisfaction) AS satisfaction")
    select = ",\n".join(["", *extra]) if extra else ""
    folded = f"""(
        SELECT l.* EXCLUDE (visit_date), m.visit_day AS visit_date
        FROM read_parquet('{path}') l
        JOIN ({refund_day_map_sql(f"read_parquet('{path}')", pd.Timestamp.max.normalize())}) m
          ON l.patient_id = m.patient_id AND CAST(l.visit_date AS DATE) = m.day
        WHERE m.visit_day IS NOT NULL
    )"""
    table = con.sql(
        f"""SELECT patient_id, CAST(visit_date AS DATE) AS visit_date,
                   SUM(amount) AS amount, COUNT(*) AS n_items,
                   SUM(LEAST(amount, 0)) AS refund{select}
            FROM {folded}
            GROUP BY patient_id, CAST(visit_date AS DATE)"""
    ).arrow()
    if hasattr(table, "read_all"):  # DuckDB ≥ 1.4 hands back a record-batch reader
        table = table.read_all()
    visits = table.to_pandas(date_as_object=False, types_mapper={pa.string(): pd.StringDtype()}.get)
    del table
    visits["visit_date"] = visits["visit_date"].astype("datetime64[ns]")
    visits["self_pay"] = visits["amount"]
    return ClinicData(visits=visits, lines=visits)


_NO_VISITS = pd.DataFrame(
    {
        "patient_id": pd.Series(dtype="string"),
        "visit_date": pd.Series(dtype="datetime64[ns]"),
        "amount": pd.Series(dtype="float64"),
    }
)


def _kit(spec: dict[str, Any], run: _Runner) -> None:
    import duckdb

    from clinicvalue.data import ClinicData
    from clinicvalue.profile import ClinicProfile
    from clinicvalue.summarize.features import patient_features
    from clinicvalue.summarize.summary import summary_from_features

    path, as_of = spec["transactions"], pd.Timestamp(spec["as_of"])
    profile = ClinicProfile().replace(clv__penalizer=spec["penalizer"])
    unit = profile.clv.time_unit
    from clinicvalue.analyses.clv import model as clv_mod
    from clinicvalue.analyses.retention import churn as churn_mod
    from clinicvalue.analyses.segments import schemes as seg_mod

    con = duckdb.connect()
    con.execute(f"SET threads TO {spec.get('threads', 2)}")
    con.execute("SET enable_progress_bar = false")
    spill = Path(path).parent / "duckdb_spill"  # out-of-core spill, never inside the repo
    quoted = str(spill).replace("'", "''")  # a folder name is data, not SQL
    con.execute(f"SET temp_directory = '{quoted}'")
    state: dict[str, Any] = {}

    def features() -> None:
        # one DuckDB pass over the Parquet: the visit log never reaches pandas
        state["features"] = patient_features(con.read_parquet(path), as_of, profile, connection=con)

    def summary() -> None:
        state["summary"] = summary_from_features(
            state["features"], as_of, time_unit=unit, connection=con
        )

    run.run("patient_features", features)
    run.run("summary", summary, needs=("patient_features",))

    def fit() -> None:
        model = clv_mod.ClvModel(time_unit=unit, penalizer=spec["penalizer"])
        state["model"] = model.fit(state["summary"])
        params = flat_params(getattr(state["model"], "params_", None))
        params.update(flat_params(getattr(state["model"], "gg_params_", None)))
        run.record["params"] = params

    def clv() -> None:
        state["clv"] = state["model"].predict(state["summary"], profile)

    run.run("bgnbd_gg_fit", fit, needs=("summary",))
    run.run("clv", clv, needs=("bgnbd_gg_fit",))
    # the benchmark clinic has no patients table or plans; its visits stay in Parquet
    tables = ClinicData(visits=_NO_VISITS, lines=_NO_VISITS)
    run.run(
        "segments",
        lambda: seg_mod.score_columns(
            tables, state["summary"], as_of, profile, features=state["features"]
        ),
        needs=("summary",),
    )

    def churn() -> None:
        clv = state.get("clv")
        clv = clv if isinstance(clv, pd.DataFrame) else None
        churn_mod.score_columns(
            tables, state["summary"], as_of, profile, clv=clv, features=state["features"]
        )

    run.run("churn_flags", churn, needs=("summary",))
    run.record["patients"] = int(len(state["summary"])) if "summary" in state else None
    if "summary" in state:  # untimed: the parent checks both pipelines' summaries agree
        _dump_summary(state["summary"], spec)


def _lifetimes(spec: dict[str, Any], run: _Runner) -> None:
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    as_of = pd.Timestamp(spec["as_of"])
    state: dict[str, Any] = {}

    def load() -> None:
        state["tx"] = pd.read_parquet(
            spec["transactions"], columns=["patient_id", "visit_date", "amount"]
        )

    def summary() -> None:
        state["summary"] = summary_data_from_transaction_data(
            state.pop("tx"),
            "patient_id",
            "visit_date",
            monetary_value_col="amount",
            observation_period_end=as_of,
            freq="D",
            freq_multiplier=7,
        )

    def bgnbd() -> None:
        s = state["summary"]
        state["bgf"] = BetaGeoFitter(penalizer_coef=spec["penalizer"]).fit(
            s["frequency"], s["recency"], s["T"]
        )
        run.record["params"].update({k: float(v) for k, v in state["bgf"].params_.items()})

    def gamma_gamma() -> None:
        s = state["summary"]
        rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
        state["ggf"] = GammaGammaFitter(penalizer_coef=spec["penalizer"]).fit(
            rep["frequency"], rep["monetary_value"]
        )
        run.record["params"].update({k: float(v) for k, v in state["ggf"].params_.items()})

    def clv() -> None:
        s = state["summary"]
        state["clv"] = state["ggf"].customer_lifetime_value(
            state["bgf"],
            s["frequency"],
            s["recency"],
            s["T"],
            s["monetary_value"],
            time=spec["horizon_months"],
            discount_rate=spec["monthly_discount"],
            freq="W",
        )
        run.record["clv_total"] = float(state["clv"].sum())

    run.run("load_transactions", load)
    run.run("summary", summary, needs=("load_transactions",))
    run.run("bgnbd_fit", bgnbd, needs=("summary",))
    run.run("gg_fit", gamma_gamma, needs=("summary",))
    run.run("clv", clv, needs=("bgnbd_fit", "gg_fit"))
    if "summary" in state:
        _dump_summary(state["summary"].rename(columns={"monetary_value": "monetary"}), spec)


def _report(spec: dict[str, Any], run: _Runner) -> None:
    from clinicvalue import report

    src = Path(spec["report_dir"])

    def find(name: str) -> str | None:
        hits = sorted(src.glob(f"{name}.*"))
        return str(hits[0]) if hits else None

    def go() -> None:
        run.record["report_path"] = str(
            report.run_report(
                visits=find("visits"),
                patients=find("patients"),
                spend=find("spend"),
                plans=find("plans"),
                month=spec["month"],
                out=spec["report_out"],
            )
        )

    run.run("monthly_report", go)


def _analyses(spec: dict[str, Any], run: _Runner) -> None:
    """Time retention and the staff's lists on the same clinic, in a process of their own."""
    import duckdb

    from clinicvalue.analyses.care import lists as actions
    from clinicvalue.analyses.retention import cohorts, flow, revisit
    from clinicvalue.analyses.segments import schemes as segments
    from clinicvalue.profile import ClinicProfile
    from clinicvalue.summarize.summary import summarize

    path, as_of = spec["transactions"], pd.Timestamp(spec["as_of"])
    profile = ClinicProfile()
    con = duckdb.connect()
    con.execute(f"SET threads TO {spec.get('threads', 2)}")
    con.execute("SET enable_progress_bar = false")
    state: dict[str, Any] = {}

    def load() -> None:
        state["data"] = _load_visits(con, path)
        state["summary"] = summarize(con.read_parquet(path), as_of, connection=con)

    def cohort() -> None:
        counts = cohorts.cohort_counts(state["data"].visits, as_of)
        state["cohorts"] = cohorts.cohort_matrix(counts, as_of)

    def rates() -> None:
        returns = revisit.days_to_return(state["data"].visits, as_of)
        state["rates"] = revisit.revisit_rates(returns)

    def lists() -> None:
        state["lists"] = actions.action_lists(state["data"], state["summary"], as_of, profile)

    run.run("load_visits_summary", load)
    run.run("cohort_matrix", cohort, needs=("load_visits_summary",))
    run.run("revisit_rates", rates, needs=("load_visits_summary",))
    run.run(
        "patient_flow",
        lambda: flow.patient_flow(state["data"].visits, as_of, profile),
        needs=("load_visits_summary",),
    )
    run.run("action_lists", lists, needs=("load_visits_summary",))
    if "summary" in state:  # untimed: every segment scheme is a partition at this size
        cols = segments.score_columns(state["data"], state["summary"], as_of, profile)
        keys = [c for c in segments.SCHEME_COLUMNS if c in cols.columns]
        allowed = {c: segments.SCHEME_KEYS[segments.SCHEME_COLUMNS[c]] for c in keys}
        run.record["partition"] = {c: bool(cols[c].isin(allowed[c]).all()) for c in keys}
        run.record["patients"] = int(len(cols))


PIPELINES = {"kit": _kit, "lifetimes": _lifetimes, "report": _report, "analyses": _analyses}


def main(argv: list[str]) -> int:
    """Run the pipeline described by ``argv[0]`` (a JSON spec) into ``argv[1]``."""
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    run = _Runner(Path(argv[1]), spec["pipeline"], float(spec.get("step_timeout", 1800)))
    PIPELINES[spec["pipeline"]](spec, run)
    run.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

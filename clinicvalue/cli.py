"""The ``clinicvalue`` command line.

Every command turns a :class:`~clinicvalue.errors.ClinicValueError` into one clear line
on stderr and exit status 2; nothing is half written (outputs are renamed into place
only when complete).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clinicvalue._version import __version__
from clinicvalue.errors import ClinicValueError, InputError
from clinicvalue.load import describe_quality, load_clinic, parse_mapping, write_rejected
from clinicvalue.load.sources import SqlSource
from clinicvalue.logs import LOGGER, configure
from clinicvalue.names import parse_month
from clinicvalue.privacy import pseudonym_secret
from clinicvalue.profile import default_profile_toml, load_profile
from clinicvalue.progress import step
from clinicvalue.report.schema import MODEL_SCHEMA_VERSION, kit_version
from clinicvalue.writers import TABLE_FORMATS, atomic_path, write_json, write_table

__all__ = ["main", "build_parser"]

EXIT_ERROR = 2
INPUT_TABLES = ("visits", "patients", "spend", "plans", "appointments")


def _add_inputs(p: argparse.ArgumentParser, *, visits_required: bool = True) -> None:
    g = p.add_argument_group("inputs")
    src = g.add_mutually_exclusive_group(required=visits_required)
    src.add_argument("--visits", metavar="FILE", help="visit export (CSV, XLSX, Parquet)")
    src.add_argument("--visits-sql", metavar="QUERY", help="SQL (or a .sql file) giving the visits")
    for table, what in (
        ("patients", "patient register"),
        ("spend", "marketing spend by month and channel"),
        ("plans", "treatment plans (dental)"),
        ("appointments", "the appointment book (booked patients are left off call lists)"),
    ):
        g.add_argument(f"--{table}", metavar="FILE", help=what)
        g.add_argument(
            f"--{table}-sql", metavar="QUERY", help=f"SQL (or a .sql file) giving the {table}"
        )
    g.add_argument(
        "--db-url-env",
        default="CLINICVALUE_DB_URL",
        metavar="NAME",
        help="environment variable holding the database URL for the --*-sql options",
    )
    g.add_argument("--profile", metavar="TOML", help="clinic profile (defaults from the articles)")
    g.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=HEADER",
        help="map a column explicitly, e.g. --map patient_id=客戶編號 (repeatable)",
    )
    g.add_argument("--encoding", help="force the text encoding (utf-8, big5, cp950, gbk, gb18030)")
    g.add_argument(
        "--date-format",
        metavar="FORMAT",
        help="read every date with this strptime format, e.g. %%d/%%m/%%y (for two-digit years)",
    )
    g.add_argument(
        "--decimal",
        choices=[".", ",", "auto"],
        help="decimal mark of amounts (default: the profile's, auto-detected per column)",
    )
    g.add_argument(
        "--drop-invalid",
        action="store_true",
        help="skip bad rows (each listed with its reason in data_quality.csv) instead of stopping",
    )


def _version() -> str:
    return __version__


ENVIRONMENT = """\
environment variables:
  CLINICVALUE_DB_URL       SQLAlchemy URL of the clinic database for --*-sql (or the
                           variable named with --db-url-env / db_url_env in clinics.toml)
  CLINICVALUE_SECRET       secret for pseudonymous patient keys (at least 16 characters)
  CLINICVALUE_SECRET_FILE  where the installation's own secret is kept when
                           CLINICVALUE_SECRET is unset (default
                           $XDG_CONFIG_HOME/clinicvalue/secret, ~/.config/clinicvalue/secret)
  CLINICVALUE_PROGRESS     1 shows progress bars even when stderr is not a terminal, 0 never
"""


def _common(*, top: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after its name."""
    p = argparse.ArgumentParser(add_help=False)
    default = {} if top else {"default": argparse.SUPPRESS}
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true", help="print errors only", **default)
    g.add_argument("-v", "--verbose", action="store_true", help="print more detail", **default)
    p.add_argument("--debug", action="store_true", help="show full tracebacks", **default)
    return p


def _command(sub: Any, name: str, **kw: Any) -> argparse.ArgumentParser:
    """Add sub-command ``name`` with the common options and the environment epilog."""
    return sub.add_parser(  # type: ignore[no-any-return]
        name,
        parents=[_common(top=False)],
        epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        **kw,
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="clinicvalue",
        description="Patient value, lifetime value, retention and monthly reports for clinics.",
        epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"clinicvalue {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(sub, "validate", help="check exports and report data quality")
    _add_inputs(p)
    p.add_argument(
        "--quality-out", metavar="CSV", help="write rejected rows here (with --drop-invalid)"
    )
    p.set_defaults(func=_cmd_validate)

    p = _command(sub, "score", help="write one row per patient with every score")
    _add_inputs(p)
    p.add_argument("--as-of", required=True, metavar="DATE", help="observation end (YYYY-MM-DD)")
    p.add_argument(
        "--out", required=True, metavar="FILE", help="output table: .csv, .parquet or .xlsx"
    )
    p.add_argument("--no-clv", action="store_true", help="skip the lifetime-value model")
    p.add_argument(
        "--engine", choices=["duckdb", "spark"], default="duckdb",
        help="where the per-patient queries run: DuckDB on this machine (default), or Spark "
        "where the visits live (--visits is then a Parquet file or folder, or a CSV with "
        "the canonical headers, at any path Spark reads: hdfs://, s3a://, …)",
    )  # fmt: skip
    p.add_argument(
        "--spark-master", metavar="URL",
        help="Spark master for --engine spark (default: $SPARK_MASTER, else local[*])",
    )  # fmt: skip
    p.set_defaults(func=_cmd_score)

    p = _command(sub, "actions", help="write the front desk's worklist for one day")
    _add_inputs(p)
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the day of the calls (default: today)")
    p.add_argument(
        "--out", default="worklists", metavar="DIR",
        help="folder of worklists: the day's is written here, filled-in ones are read back",
    )  # fmt: skip
    p.add_argument(
        "--calls", metavar="DIR", help="read filled-in worklists from here instead of --out"
    )
    p.add_argument("--locale", choices=["en", "zh-Hant", "zh-Hans"], help="worklist language")
    p.add_argument(
        "--capacity",
        type=int,
        metavar="N",
        help="calls in the day (profile: actions.daily_capacity)",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--scores", metavar="FILE",
        help="rank by the lifetime value in this clinicvalue score table (the month's "
        "scoring) instead of fitting the model again",
    )  # fmt: skip
    g.add_argument(
        "--no-clv", action="store_true", help="rank by spend to date instead of lifetime value"
    )
    p.add_argument(
        "--force", action="store_true",
        help="replace the day's worklist if it exists and no outcome was recorded in it",
    )  # fmt: skip
    p.set_defaults(func=_cmd_actions)

    p = _command(sub, "profile", help="write or check a clinic profile")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--init", metavar="TOML", help="write the default profile, with comments")
    g.add_argument("--check", metavar="TOML", help="read a profile and report problems")
    p.add_argument("--force", action="store_true", help="overwrite an existing file with --init")
    p.set_defaults(func=_cmd_profile)

    p = _command(sub, "synth", help="generate a synthetic clinic")
    p.add_argument("--kind", choices=["dental", "general"], default="dental")
    p.add_argument("--patients", type=int, default=3000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--format", choices=["csv", "parquet", "xlsx"], default="csv")
    p.add_argument("--headers", choices=["en", "zh-Hant", "zh-Hans"], default="en")
    p.add_argument("--encoding", default="utf-8", help="text encoding of CSV files")
    p.add_argument("--start", default="2022-01-01", metavar="DATE", help="first possible visit")
    p.add_argument("--end", default="2026-10-31", metavar="DATE", help="last possible visit")
    p.add_argument(
        "--rhythm", type=int, default=12, metavar="K",
        help="Erlang order of recall and chronic patients' gaps (1 = random timing)",
    )  # fmt: skip
    p.add_argument("--force", action="store_true", help="replace existing files in --out")
    p.set_defaults(func=_cmd_synth)

    p = _command(
        sub, "report", help="produce one clinic's monthly report (PDF, HTML, metrics, actions)"
    )
    _add_inputs(p)
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="report month, or 'previous'")
    p.add_argument("--locale", choices=["en", "zh-Hant", "zh-Hans"], help="report language")
    p.add_argument("--out", default="reports", metavar="DIR")
    p.add_argument("--timeout", type=int, default=900, help="seconds allowed per notebook cell")
    p.add_argument(
        "--allow-partial",
        action="store_true",
        help="report a month whose data end early (each page says so; no month-over-month)",
    )
    p.add_argument("--no-deck", action="store_true", help=_NO_DECK)
    p.add_argument(
        "--calls", metavar="DIR",
        help="folder of filled-in worklists (clinicvalue actions): the report shows what the "
        "calls achieved",
    )  # fmt: skip
    p.set_defaults(func=_cmd_report)

    p = _command(
        sub,
        "batch",
        help="produce the monthly report of every clinic in clinics.toml, and the portfolio",
    )
    p.add_argument("clinics", metavar="CLINICS_TOML")
    p.add_argument("--month", default="previous", metavar="YYYY-MM")
    p.add_argument("--out", default="reports", metavar="DIR")
    p.add_argument("--no-deck", action="store_true", help=_NO_DECK)
    p.set_defaults(func=_cmd_batch)

    p = _command(sub, "demo", help="run the monthly report on the bundled sample clinic")
    p.add_argument("--out", default="reports", metavar="DIR")
    p.set_defaults(func=_cmd_demo)

    return parser


_NO_DECK = "do not write deck.pptx, the slides for the owner meeting (profile: report.deck)"


def _profile(args: argparse.Namespace) -> Any:
    """Return the profile with the command line's reading options laid over it."""
    prof = load_profile(getattr(args, "profile", None))
    if getattr(args, "date_format", None):
        prof = prof.replace(load__date_format=args.date_format)
    if getattr(args, "decimal", None):
        prof = prof.replace(load__decimal=args.decimal)
    return prof


def _inputs(args: argparse.Namespace) -> dict[str, Any]:
    """Return each table's source: a file path, a :class:`SqlSource`, or None."""
    out: dict[str, Any] = {}
    for table in INPUT_TABLES:
        query = getattr(args, f"{table}_sql", None)
        if query:
            out[table] = SqlSource(query, url_env=args.db_url_env, label=table)
        else:
            out[table] = getattr(args, table, None)
    return out


def _refuse_input_targets(args: argparse.Namespace, *targets: Path) -> None:
    """Refuse an output path that is one of the input files (it would be replaced)."""
    inputs = [getattr(args, t, None) for t in (*INPUT_TABLES, "profile")]
    for raw in filter(None, inputs):
        given = Path(raw).resolve()
        for target in targets:
            resolved = target.resolve()
            same = resolved == given or (
                target.exists() and given.exists() and target.samefile(given)
            )
            if same:
                raise InputError(
                    f"the output {target} is the input file {raw}; write the output to "
                    "another path (input files are never replaced)",
                    file=str(raw),
                )


def _load(args: argparse.Namespace, profile: Any) -> Any:
    src = _inputs(args)
    return load_clinic(
        src["visits"],
        patients=src["patients"],
        spend=src["spend"],
        plans=src["plans"],
        appointments=src["appointments"],
        mapping=parse_mapping(args.map),
        encoding=args.encoding,
        drop_invalid=args.drop_invalid or profile.load.drop_invalid,
        profile=profile,
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    target = Path(args.quality_out or "data_quality.csv")
    _refuse_input_targets(args, target)
    profile = _profile(args)
    data = _load(args, profile)
    LOGGER.info(describe_quality(data.quality))
    if data.quality.n_rejected:
        write_rejected(data.quality, target)
        LOGGER.info(f"{data.quality.n_rejected} rejected row(s) listed in {target}")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    import pandas as pd

    out = Path(args.out)
    if out.suffix.lower() not in TABLE_FORMATS:
        raise InputError(f"--out must end in .csv, .parquet or .xlsx; got '{out.name}'")
    try:
        as_of = pd.to_datetime(args.as_of, format="%Y-%m-%d")
    except ValueError as exc:
        raise InputError(f"--as-of: cannot read '{args.as_of}' as a date (use YYYY-MM-DD)") from exc
    quality_out = out.with_name(f"{out.stem}.data_quality.csv")
    model_out = out.with_name(f"{out.stem}.model.json")
    _refuse_input_targets(args, out, quality_out, model_out)

    profile = _profile(args)
    pseudonym_secret(profile)  # the table carries patient keys: stop before any work
    source = None
    with step("load"):
        if args.engine == "spark":
            data, source = _spark_inputs(args, profile)
        else:
            data = _load(args, profile)
    from clinicvalue.analyses.scoring import score_patients

    result = score_patients(
        data, as_of, profile, with_clv=not args.no_clv, step=step, source=source
    )

    model = {"schema_version": MODEL_SCHEMA_VERSION, "kit_version": kit_version()}
    model.update(result.model)
    model["data_quality"] = data.quality.to_metrics()
    model["profile"] = profile.to_dict()
    if data.quality.n_rejected:
        write_rejected(data.quality, quality_out)
    write_table(result.table, out)
    write_json(model, model_out)
    LOGGER.info(f"scored {len(result.table):,} patients as of {as_of:%Y-%m-%d} → {out}")
    return 0


def _spark_inputs(args: argparse.Namespace, profile: Any) -> tuple[Any, Any]:
    """Return the other tables loaded here and the visits as Spark reads them where they are."""
    import os
    import warnings

    from clinicvalue.data import ClinicData
    from clinicvalue.load import load_appointments, load_patients, load_plans, load_spend

    if not args.visits:
        raise InputError("--engine spark reads --visits (a Parquet or CSV path); not --visits-sql")
    # pyspark 4 says on every conversion that it is not yet certified on pandas 3
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise InputError(
            "--engine spark needs pyspark: pip install 'clinicvalue[spark]' (and a Java runtime)"
        ) from exc
    from clinicvalue.summarize.spark_sql import SparkVisits

    src = _inputs(args)
    kw = dict(mapping=parse_mapping(args.map), encoding=args.encoding, profile=profile,
              drop_invalid=args.drop_invalid or profile.load.drop_invalid)  # fmt: skip
    readers = {"patients": load_patients, "spend": load_spend, "plans": load_plans,
               "appointments": load_appointments}  # fmt: skip
    tables = {t: None if src[t] is None else read(src[t], **kw) for t, read in readers.items()}
    data = ClinicData.without_visits(**tables)
    master = args.spark_master or os.environ.get("SPARK_MASTER") or "local[*]"
    spark = (
        SparkSession.builder.master(master).appName("clinicvalue score")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )  # fmt: skip
    spark.sparkContext.setLogLevel("ERROR")
    path = str(args.visits)
    if "://" not in path and not Path(path).exists():
        raise InputError(f"--visits: file not found: {path}", file=path)
    if path.lower().endswith(".csv"):
        frame = (
            spark.read.option("header", True).option("encoding", args.encoding or "UTF-8").csv(path)
        )
    elif path.lower().endswith(".parquet") or Path(path).is_dir() or "://" in path:
        frame = spark.read.parquet(path)
    else:
        raise InputError(
            f"--engine spark reads Parquet (a file or folder) or CSV; got {Path(path).name}",
            file=path,
        )
    visits = SparkVisits(spark, frame, label=Path(path).name, profile=profile)
    data.quality.files["visits"] = {
        "file": Path(path).name, "engine": "spark", "columns": {c: c for c in visits.columns},
    }  # fmt: skip
    return data, visits


def _cmd_actions(args: argparse.Namespace) -> int:
    import pandas as pd

    from clinicvalue.analyses.run import analyse
    from clinicvalue.load.calls import read_calls
    from clinicvalue.report.excel import write_worklist

    try:
        day = pd.to_datetime(args.date, format="%Y-%m-%d") if args.date else pd.Timestamp.now()
    except ValueError as exc:
        raise InputError(f"--date: cannot read '{args.date}' as a date (use YYYY-MM-DD)") from exc
    day = day.normalize()
    if args.capacity is not None and args.capacity < 1:
        raise InputError(f"--capacity must be at least 1; got {args.capacity}")
    profile = _profile(args)
    if args.capacity is not None:
        profile = profile.replace(actions__daily_capacity=args.capacity)
    pseudonym_secret(profile)  # the worklist carries patient keys: stop before any work
    folder = Path(args.out)
    target = folder / f"worklist-{profile.clinic.id}-{day:%Y-%m-%d}.xlsx"
    _refuse_input_targets(args, target)
    scores = _read_scores(Path(args.scores)) if args.scores else None
    calls_dir = Path(args.calls) if args.calls else folder
    if target.exists():
        earlier = read_calls(target.parent, clinic=profile.clinic.id)
        filled = earlier[earlier["file"].eq(target.name) & earlier["outcome"].notna()]
        if len(filled) or not args.force:
            why = (
                f"it holds {len(filled)} outcome(s) staff recorded; move it out of {folder} "
                "first (it is read back from wherever --calls points)"
                if len(filled)
                else "give --force to replace it"
            )
            raise InputError(f"{target} already exists; {why}", file=str(target))
    with step("load"):
        data = _load(args, profile)
        if calls_dir.is_dir():
            data.calls = read_calls(calls_dir, clinic=profile.clinic.id)
            data.calls = data.calls[data.calls["run_date"] < day]
    run = analyse(data, day, profile, locale=args.locale, with_clv=not args.no_clv, scores=scores)
    with step("worklist"):
        work = run.worklist
    write_worklist(work, target, profile=profile, locale=run.locale)
    counts = ", ".join(
        f"{v['listed']} {k}" for k, v in work.to_metrics()["lists"].items() if v["listed"]
    )
    LOGGER.info(
        f"worklist for {day:%Y-%m-%d}: {len(work.rows)} call(s)"
        + (f" ({counts})" if counts else "")
        + f", {len(work.held)} held back → {target}"
    )
    return 0


def _read_scores(path: Path) -> Any:
    """Read ``patient_id, p_alive, clv`` from a ``clinicvalue score`` table."""
    import pandas as pd

    if not path.is_file():
        raise InputError(f"--scores: file not found: {path}", file=str(path))
    need = ["patient_id", "p_alive", "clv"]
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path, columns=need)
        elif suffix == ".csv":
            frame = pd.read_csv(path, usecols=need, dtype={"patient_id": str}, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            frame = pd.read_excel(path, usecols=need, dtype={"patient_id": str})
        else:
            raise InputError(
                f"--scores must be a .csv, .parquet or .xlsx score table; got {path.name}"
            )
    except (ValueError, KeyError) as exc:
        raise InputError(
            f"{path.name} is not a clinicvalue score table with columns {', '.join(need)} "
            f"({exc}); write one with clinicvalue score (without --no-clv)",
            file=str(path),
        ) from exc
    frame["patient_id"] = frame["patient_id"].astype("string")
    return frame.set_index("patient_id")[["p_alive", "clv"]].astype("float64")


def _cmd_profile(args: argparse.Namespace) -> int:
    if args.init:
        target = Path(args.init)
        if target.exists() and not args.force:
            raise InputError(f"{target} already exists; use --force to overwrite it")
        atomic_path(target, lambda tmp: tmp.write_text(default_profile_toml(), encoding="utf-8"))
        LOGGER.info(f"wrote the default profile to {target}")
        return 0
    prof = load_profile(args.check)
    LOGGER.info(
        f"{args.check}: OK — {prof.clinic.name} ({prof.clinic.currency}, {prof.clinic.locale})"
    )
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    if args.patients < 1:
        raise InputError(f"--patients must be at least 1; got {args.patients}")
    existing = [
        p.name
        for name in ("visits", "patients", "spend", "plans", "appointments")
        if (p := Path(args.out) / f"{name}.{args.format}").exists()
    ]
    if existing and not args.force:
        raise InputError(
            f"{args.out} already holds {', '.join(existing)}; choose an empty folder, or "
            "give --force to replace them"
        )
    from clinicvalue.synth import synthesize, write_synthetic

    clinic = synthesize(
        args.kind,
        patients=args.patients,
        seed=args.seed,
        start=args.start,
        end=args.end,
        rhythm=args.rhythm,
    )
    write_synthetic(clinic, args.out, fmt=args.format, headers=args.headers, encoding=args.encoding)
    LOGGER.info(f"wrote a synthetic {args.kind} clinic of {args.patients:,} patients to {args.out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from clinicvalue.report.run import run_report

    month = parse_month(args.month)
    folder = run_report(
        **_inputs(args),
        profile=_profile(args),
        month=month,
        locale=args.locale,
        out=args.out,
        mapping=parse_mapping(args.map),
        encoding=args.encoding,
        drop_invalid=args.drop_invalid,
        timeout=args.timeout,
        allow_partial=args.allow_partial,
        deck=False if args.no_deck else None,
        calls=args.calls,
    )
    LOGGER.info(f"report written to {folder}")
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from clinicvalue.report.batch import run_batch

    month = parse_month(args.month)
    result = run_batch(
        args.clinics, month=month, out=args.out, deck=False if args.no_deck else None
    )
    LOGGER.info(result.summary_table())
    for row in result.rows:
        if not row.ok:
            LOGGER.error(f"clinicvalue batch: {row.clinic}: {row.status}: {row.error}")
    return 0 if result.ok else 1


def _cmd_demo(args: argparse.Namespace) -> int:
    from clinicvalue.report.run import run_demo

    run_demo(args.out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure(quiet=args.quiet, verbose=args.verbose)
    try:
        return _run(args)
    finally:
        configure()  # a caller in the same process (a test, a notebook) gets the defaults back


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args))
    except ClinicValueError as exc:
        if args.debug:
            raise
        LOGGER.error(f"clinicvalue {args.command}: error: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        LOGGER.error("clinicvalue: interrupted; nothing was written")
        return 130
    except (OSError, MemoryError) as exc:
        if args.debug:
            raise
        LOGGER.error(f"clinicvalue {args.command}: error: {exc}")
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

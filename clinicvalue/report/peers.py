"""How a clinic compares with the other clinics of a batch, and with outside benchmarks.

A clinic's peers are the batch's other clinics of the same kind (``clinic.kind``) that
report in the same currency (amounts in NT$ and ¥ do not compare). For
each headline KPI the clinic gets a percentile among them, only when at least
:data:`MIN_PEERS` peers have a value, and never a peer's name. Outside benchmarks come
from the profile (``[benchmarks]`` with ``[benchmark_sources]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from clinicvalue.errors import ProfileError
from clinicvalue.profile import ClinicProfile, check_printable
from clinicvalue.report.kpis import KPIS, TILE_KEYS, format_kpi, kpi_def
from clinicvalue.text.i18n import LOCALES, fmt_number, t

__all__ = [
    "MIN_PEERS",
    "PEER_KPIS",
    "Benchmark",
    "PeerLine",
    "ClinicKpis",
    "benchmarks",
    "check_benchmarks",
    "peer_lines",
    "percentile",
    "comparison_rows",
]

#: fewest peers (other clinics of the same kind) for a percentile to be shown
MIN_PEERS = 5
#: the KPIs compared across clinics: the summary's tiles
PEER_KPIS: tuple[str, ...] = TILE_KEYS


@dataclass(frozen=True)
class Benchmark:
    """An outside reference value for one KPI and where it comes from."""

    key: str
    value: float
    source: str


@dataclass(frozen=True)
class ClinicKpis:
    """One clinic of a batch: its id, kind, headline KPIs, currency and name.

    The one record both the peer lines and the portfolio read.
    """

    clinic: str
    kind: str
    kpis: dict[str, float | None]
    currency: str = "TWD"
    name: str = ""  # as the portfolio shows it; the id when empty

    @property
    def label(self) -> str:
        """The clinic's name, else its id."""
        return self.name or self.clinic


@dataclass(frozen=True)
class PeerLine:
    """Where a clinic's KPI stands among its peers.

    ``percentile`` is the share of peers the clinic is ahead of, in the KPI's good
    direction (fewer at-risk patients is ahead), ties counting half, from 0 to 100.
    """

    key: str
    value: float
    peers: int
    median: float
    percentile: float

    def to_metrics(self) -> dict[str, Any]:
        """Return JSON-ready values."""
        return dict(self.__dict__)


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def check_benchmarks(profile: ClinicProfile, *, source: str = "profile") -> None:
    """Refuse a benchmark of an unknown KPI or without its source, and a source alone.

    Raises
    ------
    ProfileError
        Naming the key to fix.
    """
    known = {k.key for k in KPIS}
    for key in profile.benchmarks:
        if key not in known:
            raise ProfileError(
                f"{source}: 'benchmarks.{key}' is not a KPI; use one of {', '.join(sorted(known))}"
            )
        text = profile.benchmark_sources.get(key, "").strip()
        if not text:
            raise ProfileError(
                f"{source}: 'benchmarks.{key}' needs its source: add "
                f'benchmark_sources.{key} = "<survey, year>"'
            )
        if len(text) > 200:
            raise ProfileError(
                f"{source}: 'benchmark_sources.{key}' must be at most 200 characters"
            )
        check_printable(text, f"{source}: 'benchmark_sources.{key}'")
    for key in profile.benchmark_sources:
        if key not in profile.benchmarks:
            raise ProfileError(
                f"{source}: 'benchmark_sources.{key}' has no value: add benchmarks.{key} = <value>"
            )


def benchmarks(profile: ClinicProfile) -> dict[str, Benchmark]:
    """Return the profile's outside benchmarks by KPI key (checked)."""
    check_benchmarks(profile)
    return {
        k: Benchmark(k, float(v), profile.benchmark_sources[k].strip())
        for k, v in profile.benchmarks.items()
    }


def percentile(value: float, others: list[float], *, higher_is_better: bool = True) -> float:
    """Return the share of ``others`` that ``value`` is ahead of (ties half), 0–100."""
    arr = np.asarray(others, dtype=float)
    sign = 1.0 if higher_is_better else -1.0
    ahead = np.sum(sign * value > sign * arr) + 0.5 * np.sum(value == arr)
    return float(100.0 * ahead / len(arr))


def peer_lines(clinics: list[ClinicKpis]) -> dict[str, dict[str, PeerLine]]:
    """Return, per clinic, its peer line per KPI (only KPIs with enough peers).

    A clinic with fewer than :data:`MIN_PEERS` peers of its kind holding a value gets none.
    """
    out: dict[str, dict[str, PeerLine]] = {}
    for me in clinics:
        lines: dict[str, PeerLine] = {}
        for key in PEER_KPIS:
            value = me.kpis.get(key)
            if not _finite(value):
                continue
            others = [
                float(c.kpis[key])  # type: ignore[arg-type]
                for c in clinics
                if c.clinic != me.clinic
                and c.kind == me.kind
                and c.currency == me.currency
                and _finite(c.kpis.get(key))
            ]
            if len(others) < MIN_PEERS:
                continue
            good = kpi_def(key).higher_is_better
            lines[key] = PeerLine(
                key=key,
                value=float(value),  # type: ignore[arg-type]
                peers=len(others),
                median=float(np.median(others)),
                percentile=percentile(float(value), others, higher_is_better=good),  # type: ignore[arg-type]
            )
        out[me.clinic] = lines
    return out


def comparison_rows(
    metrics: dict[str, Any],
    peers: dict[str, PeerLine] | None,
    marks: dict[str, Benchmark] | None,
) -> list[dict[str, str]]:
    """Return the "compared with similar clinics" rows of one report, in its language.

    One row per headline KPI that has a peer line or a benchmark: the KPI, the clinic's
    value, the peers' median and the percentile line, and the benchmark with its source.
    """
    loc, cur = metrics["locale"], metrics["currency"]
    i = LOCALES.index(loc)
    rows = []
    for key in PEER_KPIS:
        line = (peers or {}).get(key)
        mark = (marks or {}).get(key)
        if line is None and mark is None:
            continue
        value = metrics["kpis"].get(key)
        rows.append(
            {
                "key": key,
                "kpi": kpi_def(key).label[i],
                "value": format_kpi(key, value, currency=cur, locale=loc),
                "median": format_kpi(key, line.median, currency=cur, locale=loc) if line else "",
                "standing": (
                    t(
                        "peer_line",
                        loc,
                        pct=fmt_number(line.percentile, loc),
                        n=fmt_number(line.peers, loc),
                    )
                    if line
                    else ""
                ),
                "benchmark": (
                    f"{format_kpi(key, mark.value, currency=cur, locale=loc)} ({mark.source})"
                    if mark
                    else ""
                ),
            }
        )
    return rows

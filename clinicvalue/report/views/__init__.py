"""The report's sections as views over one analysis run, listed once.

Each view is ``view(ctx) -> list[Block]``: it reads the run's
:class:`~clinicvalue.analyses.run.Analyses` through the context, chooses and formats, and
computes nothing. :data:`VIEWS` is the one list of sections, in report order; the monthly
report, its notebook, the PDF's contents page and the tests all follow it. A new section
is a module here, one line in :data:`VIEWS`, its strings in the text catalogue and a test.
Every section with recommendations (:data:`clinicvalue.analyses.advice.SECTIONS`) ends
with its own line of advice (:func:`~clinicvalue.report.views.advice.with_advice`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clinicvalue.report.context import Ctx
from clinicvalue.report.views import (
    actions,
    appendix,
    clv,
    economics,
    quality,
    retention,
    segments,
    summary,
)
from clinicvalue.report.views.advice import with_advice
from clinicvalue.report.views.blocks import Block

__all__ = ["View", "VIEWS", "SECTION_KEYS"]


@dataclass(frozen=True)
class View:
    """One section: its key, the catalogue key of its title and its view function."""

    key: str
    title: str
    build: Callable[[Ctx], list[Block]]


VIEWS: tuple[View, ...] = (
    View("summary", "sec_summary", summary.view),
    View("segments", "sec_segments", with_advice("segments", segments.view)),
    View("clv", "sec_clv", with_advice("clv", clv.view)),
    View("retention", "sec_retention", with_advice("retention", retention.view)),
    View("economics", "sec_economics", with_advice("economics", economics.view)),
    View("actions", "sec_actions", with_advice("actions", actions.view)),
    View("quality", "sec_quality", quality.view),
    View("appendix", "sec_appendix", appendix.view),
)
SECTION_KEYS: tuple[str, ...] = tuple(v.key for v in VIEWS)

"""The monthly report: one clinic (:func:`run_report`), many (:func:`run_batch`), the demo.

``run_report`` writes ``reports/<clinic>/<YYYY-MM>/`` with ``report.pdf``,
``report.html``, ``report.ipynb`` (executed), ``metrics.json`` and ``actions.xlsx``; the
folder appears only when every artefact is written and the PDF passes its own check.
"""

from typing import Any

from clinicvalue.names import previous_month

__all__ = ["run_report", "run_batch", "run_demo", "previous_month", "BatchResult"]


def __getattr__(name: str) -> Any:
    """Import the report runners on first use (PEP 562): ``report.schema`` stays light."""
    if name in ("run_batch", "BatchResult"):
        from clinicvalue.report import batch

        return getattr(batch, name)
    if name in ("run_report", "run_demo"):
        from clinicvalue.report import run

        return getattr(run, name)
    raise AttributeError(f"module 'clinicvalue.report' has no attribute {name!r}")

"""The monthly report: one clinic (:func:`run_report`), many (:func:`run_batch`), the demo.

``run_report`` writes ``reports/<clinic>/<YYYY-MM>/`` with ``report.pdf``,
``report.html``, ``report.ipynb`` (executed), ``metrics.json`` and ``actions.xlsx``; the
folder appears only when every artefact is written and the PDF passes its own check.
"""

from clinicvalue.names import previous_month
from clinicvalue.report.batch import BatchResult, run_batch
from clinicvalue.report.run import run_demo, run_report

__all__ = ["run_report", "run_batch", "run_demo", "previous_month", "BatchResult"]

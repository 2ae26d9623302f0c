"""The data-quality section: rows read, kept and rejected per file, and the loader's notes."""

from __future__ import annotations

import pandas as pd

from clinicvalue.report.context import Ctx
from clinicvalue.report.views._format import grid, heading, note
from clinicvalue.report.views.blocks import Block, ItemList
from clinicvalue.text.i18n import call_notes, fmt_number, t, visit_notes

__all__ = ["view"]

_COLUMNS = ("quality_file", "quality_rows_read", "quality_rows_kept", "quality_rows_rejected")


def view(ctx: Ctx) -> list[Block]:
    """Show rows per file, a clean-bill line when nothing was rejected, and the notes."""
    loc = ctx.locale
    q = ctx.data.quality
    rows = [
        (
            f"{table}: {info.get('file', '')}",
            fmt_number(info.get("rows_read", 0), loc),
            fmt_number(info.get("rows_kept", 0), loc),
            fmt_number(info.get("rows_rejected", 0), loc),
        )
        for table, info in q.files.items()
    ]
    blocks: list[Block] = []
    if rows:
        cols = [t(k, loc) for k in _COLUMNS]
        blocks.append(grid(pd.DataFrame(rows, columns=cols), numeric=tuple(cols[1:])))
    if not q.n_rejected:
        blocks.append(note(t("quality_clean", loc)))
    notes = list(q.notes)
    currency = ctx.profile.clinic.currency
    visits_info = q.files.get("visits", {})
    if "visits" in visits_info:  # the visits file's own notes
        notes = _in_language(notes, *(visit_notes(visits_info, x, currency) for x in ("en", loc)))
    if calls_info := q.files.get("calls", {}):  # the worklists read back
        notes = _in_language(notes, *(call_notes(calls_info, x) for x in ("en", loc)))
    if "previous" in ctx.notes:
        notes.append(ctx.notes["previous"])
    if notes:
        blocks += [heading("quality_notes", ctx), ItemList(tuple(notes))]
    return blocks


def _in_language(notes: list[str], english: list[str], localized: list[str]) -> list[str]:
    """Put the report-language notes where the loader's English ones stood (else first)."""
    written = set(english)
    at = next((i for i, n in enumerate(notes) if n in written), 0)
    return (
        [n for n in notes[:at] if n not in written]
        + localized
        + [n for n in notes[at:] if n not in written]
    )

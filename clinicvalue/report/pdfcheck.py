"""The run's own check of its PDF: the locale's labels are in the text, a font is embedded.

Every route from HTML to PDF silently drops glyphs a font lacks, so the report is only
accepted when its extracted text holds the labels it must show and, for Chinese, a CJK
font is embedded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from clinicvalue.errors import ReportError

__all__ = ["pdf_text", "embedded_fonts", "check_pdf"]

_WS = re.compile(r"\s+")


def pdf_text(path: str | Path) -> str:
    """Return the text of every page of the PDF at ``path``."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def embedded_fonts(path: str | Path) -> set[str]:
    """Return the base names of the fonts embedded in the PDF (subset prefixes removed)."""
    from pypdf import PdfReader

    names: set[str] = set()
    for page in PdfReader(str(path)).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            for sub in font.get("/DescendantFonts") or []:
                desc = desc or sub.get_object().get("/FontDescriptor")
            if desc is None:
                continue
            desc = desc.get_object()
            if any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font.get("/BaseFont", "")).lstrip("/").split("+")[-1])
    return names


def check_pdf(path: str | Path, *, locale: str, labels: Iterable[str]) -> None:
    """Raise :class:`ReportError` unless the PDF holds ``labels`` and the right fonts.

    Parameters
    ----------
    path
        The PDF to check.
    locale
        The report's locale; Chinese locales need an embedded CJK font.
    labels
        Texts that must appear (whitespace is ignored when comparing).
    """
    path = Path(path)
    text = _WS.sub("", pdf_text(path))
    missing = [lab for lab in labels if _WS.sub("", lab) not in text]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5])
        raise ReportError(
            f"{path.name}: the PDF text lacks {shown}; a font for the {locale} report is "
            "probably missing (run `make system` to install Noto Sans CJK)"
        )
    fonts = embedded_fonts(path)
    if not fonts:
        raise ReportError(f"{path.name}: no font is embedded in the PDF")
    if locale != "en" and not any(("CJK" in f or "Hei" in f or "PingFang" in f) for f in fonts):
        raise ReportError(
            f"{path.name}: no CJK font is embedded (found {', '.join(sorted(fonts))}); "
            "install Noto Sans CJK (`make system`) so Chinese renders as glyphs"
        )

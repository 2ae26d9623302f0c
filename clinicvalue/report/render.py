"""Render an executed report notebook to HTML (no code, print CSS) and to an A4 PDF.

The notebook's outputs become the body; a cover, a table of contents (with page
numbers in the PDF), a running header with clinic and month, and page numbers are added
around them. WeasyPrint lays out the PDF; charts are SVG, so they stay sharp when zoomed.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat

from clinicvalue.errors import ReportError
from clinicvalue.report.schema import kit_version
from clinicvalue.text.i18n import css_fonts, html_lang, t

__all__ = [
    "notebook_body",
    "compose_html",
    "write_pdf",
    "render_report",
    "css_string_body",
    "kit_url_fetcher",
]

_H2 = re.compile(r'<h2 class="cv-h" id="(h-[\w-]+)">(.*?)</h2>', re.S)


def _css() -> str:
    return resources.files("clinicvalue.templates").joinpath("report.css").read_text("utf-8")


def css_string_body(text: str) -> str:
    """Return ``text`` escaped for the inside of a CSS string in a ``<style>`` element.

    Every ASCII character but letters, digits and spaces becomes a CSS hex escape, so no
    quote, backslash, ``<`` or ``>`` from a clinic's name can end the string, the rule or
    the ``<style>`` element.
    """
    return "".join(
        c
        if (c.isascii() and (c.isalnum() or c == " ")) or (not c.isascii() and c.isprintable())
        else f"\\{ord(c):06x}"
        for c in text
    )


def _kit_folder() -> Path:
    return Path(str(resources.files("clinicvalue"))).resolve()


def _check_url(url: str) -> None:
    """Refuse every URL but ``data:`` and files inside the kit's own package folder."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        return
    if scheme == "file":
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(url).path)).resolve()
        if path.is_relative_to(_kit_folder()):
            return
    raise ValueError(f"the report only loads the kit's own assets; refused {url[:80]!r}")


def kit_url_fetcher() -> Any:
    """Return a WeasyPrint URL fetcher that loads only ``data:`` URIs and the kit's files.

    A clinic's name or any other text cannot make the PDF fetch a network address or
    attach a local file: such a request is refused and the resource left out.
    """
    from weasyprint import urls

    base = getattr(urls, "URLFetcher", None)
    if base is None:  # WeasyPrint before the fetcher class: a function

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            _check_url(url)
            return urls.default_url_fetcher(url, *args, **kwargs)

        return fetch

    class KitFetcher(base):  # type: ignore[misc, valid-type]
        def fetch(self, url: str, headers: Any = None) -> Any:
            _check_url(url)
            return super().fetch(url, headers)

    return KitFetcher()


def notebook_body(nb_path: str | Path) -> str:
    """Return the HTML of an executed notebook's outputs: no code, prompts or stderr.

    Raises
    ------
    ReportError
        When a cell holds an error output (the run did not finish cleanly).
    """
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(nb_path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            cell.source = ""
            cell.cell_type = "raw"
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                raise ReportError(
                    f"{Path(nb_path).name}: a notebook cell failed ({out.ename}: {out.evalue})"
                )
            if out.output_type == "stream":
                continue
            kept.append(out)
        cell.outputs = kept
    nb.cells = [c for c in nb.cells if c.cell_type == "code"]
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_raw=True,
        exclude_markdown=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


def _page_template() -> Any:
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True), keep_trailing_newline=True)
    text = resources.files("clinicvalue.templates").joinpath("page.html").read_text("utf-8")
    return env.from_string(text)


def _after_first_section(body: str, extra: str) -> str:
    """Return ``body`` with ``extra`` placed after its first section (the summary)."""
    if not extra:
        return body
    at = body.find('<section class="cv-section', body.find("</section>"))
    return body + extra if at < 0 else body[:at] + extra + body[at:]


def compose_html(body: str, *, cover: dict[str, str], locale: str, after_summary: str = "") -> str:
    """Wrap the report body in a full page: cover, contents, print CSS for the locale.

    The page comes from an autoescaping Jinja2 template: every cover text is HTML-escaped,
    the running header's text CSS-escaped; ``body`` (the notebook's own escaped output),
    ``after_summary`` (a section the kit rendered, placed after the summary) and the
    kit's CSS are the only markup passed through.
    """
    from markupsafe import Markup

    body = _after_first_section(body, after_summary)

    banner = f" · {cover['banner']}" if cover.get("banner") else ""
    header = css_string_body(f"{cover['clinic']} · {cover['month']}{banner}")
    toc = [(a, Markup(title)) for a, title in _H2.findall(body)]  # already escaped in body
    return _page_template().render(
        lang=html_lang(locale),
        cover=cover,
        version=kit_version(),
        fonts=Markup(css_fonts(locale)),
        css=Markup(_css().replace("__CV_HEADER__", header)),
        contents=t("contents", locale),
        toc=toc,
        body=Markup(body),
    )


def write_pdf(html: str, path: str | Path) -> Path:
    """Lay out ``html`` as an A4 PDF at ``path`` with WeasyPrint."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=html, base_url=str(_kit_folder()), url_fetcher=kit_url_fetcher()).write_pdf(
        str(path)
    )
    return Path(path)


def render_report(
    folder: str | Path, *, metrics: dict[str, Any], after_summary: str = ""
) -> tuple[Path, Path]:
    """Render ``folder/report.ipynb`` to ``report.html`` and ``report.pdf`` beside it.

    ``after_summary`` is the HTML of a section the kit adds after the summary (a batch's
    comparison with similar clinics).
    """
    folder = Path(folder)
    body = notebook_body(folder / "report.ipynb")
    html = compose_html(
        body, cover=metrics["cover"], locale=metrics["locale"], after_summary=after_summary
    )
    html_path = folder / "report.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path = write_pdf(html, folder / "report.pdf")
    return html_path, pdf_path

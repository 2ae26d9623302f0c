"""The report page and PDF: user text is text, and only the kit's own assets are loaded."""

import html.parser

import pytest
from pypdf import PdfReader

from clinicvalue.report.render import compose_html, css_string_body, kit_url_fetcher, write_pdf

COVER = {"title": "Monthly report", "month": "2026-10", "data_until": "d", "generated": "g"}


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style += data


@pytest.mark.parametrize(
    "name",
    [
        "</style><script>alert(1)</script>",
        'x"; } body { display: none } @top-left { content: "',
        "back\\slash </STYLE ><script>",
        "<link rel=attachment href=file:///etc/passwd>",
    ],
)
def test_a_clinic_name_cannot_leave_its_css_string_or_add_elements(name):
    page = compose_html("<p>body</p>", cover={**COVER, "clinic": name}, locale="en")
    parsed = _Tags()
    parsed.feed(page)
    assert parsed.tags.count("style") == 1
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert 'content: "' + css_string_body(f"{name} · 2026-10") + '"' in parsed.style
    for c in "<>\"'{};\\":
        assert c not in css_string_body(name).replace("\\0000", "")


def test_css_escape_keeps_letters_and_chinese():
    assert css_string_body("快樂牙醫 North 2") == "快樂牙醫 North 2"
    assert css_string_body('"') == "\\000022"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("data:image/png;base64,AAAA", True),
        ("file:///etc/passwd", False),
        ("http://127.0.0.1:9/x.png", False),
        ("https://example.invalid/font.woff", False),
        ("ftp://127.0.0.1/x", False),
        ("file:///tmp/../etc/hostname", False),
    ],
)
def test_the_pdf_fetches_only_data_uris_and_kit_files(url, allowed):
    fetch = kit_url_fetcher()
    if allowed:
        fetch(url).close()
    else:
        with pytest.raises(ValueError, match="only loads the kit's own assets"):
            fetch(url)


def test_kit_files_are_allowed():
    from importlib import resources

    css = resources.files("clinicvalue.templates").joinpath("report.css")
    kit_url_fetcher()(f"file://{css}").close()


def test_an_attachment_link_in_the_page_attaches_nothing(tmp_path):
    page = (
        '<html><head><link rel="attachment" href="file:///etc/hostname"></head>'
        '<body><p>x</p><img src="file:///etc/hostname"></body></html>'
    )
    write_pdf(page, tmp_path / "r.pdf")
    assert dict(PdfReader(tmp_path / "r.pdf").attachments) == {}

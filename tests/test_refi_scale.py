"""The fast REFI-QDA paths of issue 14 against the plain ones.

Export: the streamed archive (XML formatted as text, deflate in a second thread) against the
element-built export, member by member and against a one-thread zip of the same members, on
the sample corpus and on random projects (astral characters, CRLF, overlapping spans, many
coders, notes, memos); an export that fails in the deflate thread leaves no file. Import: the
lxml tree against the stdlib parser's tree on our files and other tools' files, round trips of
the random projects, and damaged or hostile files refused in one line with nothing saved.
"""

from __future__ import annotations

import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xmlschema

from desk_annotator.import_files import import_paths
from desk_annotator.io import refi_archive
from desk_annotator.io.refi_export import build_project_xml, serialize
from desk_annotator.io.refi_export import write_qdpx as write_element_built
from desk_annotator.io.refi_import import read_qdpx
from desk_annotator.io.refi_stream_writer import project_xml_pieces, write_qdpx
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    DocStatus,
    Document,
    Label,
    Memo,
    ProjectSnapshot,
)
from desk_annotator.project import Project
from desk_annotator.project_io import snapshot
from desk_annotator.text import normalize_text, sha256_text

REPO = Path(__file__).resolve().parents[1]
XSD = REPO.parent / "shared" / "refi-qda" / "Project.xsd"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refi"
STAMP = "2025-08-01T00:00:00+00:00"
PIECES = ["word", "café", "😀", "🇺🇸", "中文", "e\u0301", "\r\n", "\n", " ", "—", "&", "<b>",
          '"q"', "\t", "𝔘"]


def random_snapshot(seed: int, n_docs: int = 6, per_doc: int = 40, n_coders: int = 12,
                    stored: bool = False) -> ProjectSnapshot:
    """Texts of astral characters, CRLF and LF, combining accents and characters XML escapes;
    overlapping and nested spans by many coders, several themes, notes (empty, escaped, none),
    memos on the project, documents and labels, statuses, ids that are not GUIDs. ``stored``:
    texts in the form a project stores them (LF, NFC), as a round trip needs."""
    rng = random.Random(seed)
    stances = [Label(scheme="stance", name=f"s{i} <&>", order=i) for i in range(3)]
    themes = [Label(scheme="themes", name=f"t{i} 😀", order=i) for i in range(5)]
    coders = [Coder(id=f"coder-{i}" if i % 2 else Coder(name="x").id, name=f"C{i} & co")
              for i in range(n_coders)]
    docs, anns, statuses, memos = [], [], [], []
    for d in range(n_docs):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(20, 300)))
        text = normalize_text(text) if stored else text
        doc = Document(id=f"doc-{d}", title=f"Doc {d} & <{d}>", text=text,
                       sha256=sha256_text(text), metadata={"outlet": "Bench", "date": None})
        docs.append(doc)
        for k in range(per_doc if d != 1 else 0):  # document 1: no annotations at all
            start = rng.randrange(0, len(text) - 1)
            end = rng.randrange(start + 1, min(len(text), start + 40) + 1)
            anns.append(Annotation(
                id=f"{d}-{k}" if k % 3 else Annotation(document_id="x", coder_id="x", start=0,
                                                        end=1, quote="x").id,
                document_id=doc.id, coder_id=rng.choice(coders).id, start=start, end=end,
                quote=text[start:end],
                stance_id=rng.choice([None, *[s.id for s in stances]]),
                theme_ids=rng.sample([t.id for t in themes], rng.randrange(0, 4)),
                note=rng.choice([None, "", "a & b < c\r\n\"d\"", "🇺🇸 note"]),
                created=STAMP if k % 7 else "yesterday", updated=STAMP))
        for coder in rng.sample(coders, min(3, len(coders))):
            statuses.append(DocStatus(document_id=doc.id, coder_id=coder.id,
                                      status=rng.choice(["doing", "done"]), updated=STAMP))
        memos.append(Memo(scope="document", target_id=doc.id, coder_id=coders[0].id,
                          title="memo", text=f"about {d} 😀 & <x>", created=STAMP,
                          updated=STAMP))
    memos.append(Memo(scope="project", text="project memo\r\nline 2", created=STAMP,
                      updated=STAMP))
    memos.append(Memo(scope="label", target_id=themes[0].id, text="label memo", created=STAMP,
                      updated=STAMP))
    return ProjectSnapshot(codebook=Codebook(name="cb", labels=[*stances, *themes]),
                           coders=coders, documents=docs, annotations=anns,
                           statuses=statuses, memos=memos)


@pytest.fixture(scope="module")
def sample_snapshot(tmp_path_factory: pytest.TempPathFactory) -> ProjectSnapshot:
    path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
    with Project(path) as project:
        report = import_paths(project, [REPO / "sample_corpus" / "annotations.jsonl"],
                              add_missing_labels=True)
        assert not report.refused
        snap = snapshot(project)
    assert snap.annotations  # the sample really has codings to write
    return snap


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _one_thread_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    """The archive the stream writer promises: these members in this order, deflate level 1,
    fixed times and modes, written by one thread."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            try:  # a ZipInfo passed in keeps its own level (the archive's is not applied)
                info.compress_level = 1  # type: ignore[attr-defined]  # Python >= 3.13
            except AttributeError:
                info._compresslevel = 1  # type: ignore[attr-defined]
            with out.open(info, "w") as member:
                member.write(data)


def _check_export(tmp_path: Path, snap: ProjectSnapshot, positions: str) -> bytes:
    streamed, built = tmp_path / "streamed.qdpx", tmp_path / "built.qdpx"
    write_qdpx(streamed, snap, project_name="p", positions=positions)
    write_element_built(built, snap, project_name="p", positions=positions)
    got, want = _members(streamed), _members(built)
    assert list(got) == list(want)  # same members in the same order
    assert got == want  # ... with the same bytes (project.qde and every source text)
    root, _ = build_project_xml(snap, "p", "desk-annotator", positions)
    assert got["project.qde"] == serialize(root)
    pieces, files = project_xml_pieces(snap, "p", "desk-annotator", positions)
    plain = tmp_path / "plain.qdpx"
    _one_thread_zip(plain, [("project.qde", "".join(pieces).encode("utf-8"))]
                    + [(name, text.encode("utf-8")) for name, text in files])
    assert streamed.read_bytes() == plain.read_bytes()  # the deflate thread changes no byte
    return got["project.qde"]


@pytest.mark.parametrize("positions", ["codepoints", "utf16"])
def test_streamed_export_of_the_sample_is_the_element_built_one(tmp_path, sample_snapshot,
                                                                positions) -> None:
    _check_export(tmp_path, sample_snapshot, positions)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_streamed_export_of_random_projects_is_the_element_built_one(tmp_path, seed) -> None:
    snap = random_snapshot(seed)
    qde = _check_export(tmp_path, snap, "utf16" if seed == 2 else "codepoints")
    assert b"&amp; b &lt; c" in qde and "🇺🇸".encode() in qde  # escaping and astral text ran
    xmlschema.XMLSchema(str(XSD)).validate(qde.decode("utf-8"))


@pytest.mark.parametrize("seed", [1, 4])
def test_random_projects_round_trip_through_the_fast_reader(tmp_path, seed) -> None:
    snap = random_snapshot(seed, stored=True)
    write_qdpx(tmp_path / "r.qdpx", snap)
    back, warnings = read_qdpx(tmp_path / "r.qdpx")
    assert warnings == []

    def rows(s: ProjectSnapshot) -> list[tuple]:
        names = {c.id: c.name for c in s.coders}
        labels = {lb.id: lb.name for lb in s.codebook.labels}
        return sorted((a.id, a.document_id, names[a.coder_id], a.start, a.end, a.quote,
                       labels.get(a.stance_id or ""), tuple(labels[t] for t in a.theme_ids),
                       lf(a.note), a.created == STAMP) for a in s.annotations)  # "yesterday":
        # not an ISO time, so not written; the import stamps it with the time of reading

    assert rows(back) == rows(snap)
    assert [d.text for d in back.documents] == [d.text for d in snap.documents]
    assert sorted((s.document_id, s.coder_id, s.status) for s in back.statuses) == sorted(
        (s.document_id, s.coder_id, s.status) for s in snap.statuses)
    assert sorted(lf(m.text) for m in back.memos) == sorted(lf(m.text) for m in snap.memos)


def lf(text: str | None) -> str | None:
    """XML reads CR LF in element text as LF: notes come back with LF line ends."""
    return None if text is None else text.replace("\r\n", "\n")


def _same_tree(a, b) -> None:  # type: ignore[no-untyped-def]
    assert (a.tag, dict(a.attrib), a.text or "") == (b.tag, dict(b.attrib), b.text or "")
    kids_a, kids_b = list(a), list(b)
    assert len(kids_a) == len(kids_b), a.tag
    for x, y in zip(kids_a, kids_b, strict=True):
        _same_tree(x, y)


def _foreign_qdes() -> list[tuple[str, bytes]]:
    found = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*.qde"))]
    found += [(p.parent.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*/project.qde"))]
    with zipfile.ZipFile(FIXTURES / "qualcoder_4_0_export.qdpx") as archive:
        name = next(n for n in archive.namelist() if n.lower().endswith(".qde"))
        found.append(("qualcoder", archive.read(name)))
    return found


def test_lxml_and_stdlib_parsers_give_the_same_tree(tmp_path) -> None:
    """The reader walks lxml's tree; the stdlib parser (kept for nesting libxml2 refuses) is
    the reference: same tags, attributes and texts (comments and instructions left out)."""
    snap = random_snapshot(5)
    write_qdpx(tmp_path / "r.qdpx", snap)
    with zipfile.ZipFile(tmp_path / "r.qdpx") as archive:
        ours = archive.read("project.qde")
    commented = ours.replace(b"<Users>", b"<!-- a comment --><?pi here?><Users>", 1)
    for name, data in [("ours", ours), ("commented", commented), *_foreign_qdes()]:
        fast = refi_archive.parse_xml(data, name)
        plain = refi_archive._parse_deep(data, name)
        _same_tree(fast, plain)


def _counts(project: Project) -> tuple[int, int, int, int]:
    q = project.q
    return (len(q.document_infos()), q.annotation_count(), len(q.coders()), len(q.labels()))


def _big_export(tmp_path: Path) -> Path:
    path = tmp_path / "big.qdpx"
    write_qdpx(path, random_snapshot(7, n_docs=30, per_doc=120, n_coders=4))
    return path


def _rewrite_qde(src: Path, dst: Path, change) -> Path:  # type: ignore[no-untyped-def]
    members = _members(src)
    members["project.qde"] = change(members["project.qde"])
    _one_thread_zip(dst, list(members.items()))
    return dst


def _damaged(tmp_path: Path, kind: str) -> tuple[Path, str]:
    big = _big_export(tmp_path)
    data = big.read_bytes()
    if kind == "truncated zip":
        path = tmp_path / "cut.qdpx"
        path.write_bytes(data[: len(data) * 2 // 3])
        return path, "not a REFI-QDA project"
    if kind == "damaged deflate stream":
        with zipfile.ZipFile(big) as archive:
            info = archive.getinfo("project.qde")
        at = info.header_offset + 30 + len(info.filename) + info.compress_size * 3 // 4
        path = tmp_path / "flipped.qdpx"
        path.write_bytes(data[:at] + bytes(b ^ 0x5A for b in data[at:at + 64])
                         + data[at + 64:])
        return path, "is damaged"
    if kind == "malformed XML deep inside":
        def cut(qde: bytes) -> bytes:
            at = qde.index(b"</PlainTextSelection>", len(qde) * 3 // 4)
            return qde[:at] + qde[at + 5:]  # "</PlainTextSelection>" -> "</TextSelection>"
        return _rewrite_qde(big, tmp_path / "malformed.qdpx", cut), "not well-formed XML"
    if kind == "wrong root element":
        def rename(qde: bytes) -> bytes:
            return qde.replace(b"<Project ", b"<Projekt ", 1).replace(b"</Project>",
                                                                      b"</Projekt>")
        return _rewrite_qde(big, tmp_path / "root.qdpx", rename), "root <Projekt>"
    if kind == "DOCTYPE":
        def doctype(qde: bytes) -> bytes:
            return qde.replace(b"?>\n", b'?>\n<!DOCTYPE Project [<!ENTITY a "b">]>\n', 1)
        return _rewrite_qde(big, tmp_path / "dtd.qdpx", doctype), "DOCTYPE"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["truncated zip", "damaged deflate stream",
                                  "malformed XML deep inside", "wrong root element", "DOCTYPE"])
def test_a_damaged_big_archive_is_refused_whole_in_one_line(seeded, tmp_path, kind) -> None:
    project, _ = seeded
    path, reason = _damaged(tmp_path, kind)
    before = _counts(project)
    report = import_paths(project, [path])
    assert len(report.refused) == 1 and reason in report.refused[0], report.refused
    assert "\n" not in report.refused[0] and "Traceback" not in report.refused[0]
    assert _counts(project) == before  # nothing of it saved


def test_a_selection_outside_its_text_is_skipped_with_a_line(seeded, tmp_path) -> None:
    """The REFI reader's contract: a selection past the end of its text is left out and named
    in a warning; the rest of the file is imported."""
    project, _ = seeded
    snap = random_snapshot(8, n_docs=3, per_doc=10, n_coders=2)
    good = tmp_path / "good.qdpx"
    write_qdpx(good, snap)
    length = len(snap.documents[0].text)
    first = next(a for a in snap.annotations if a.document_id == "doc-0")

    def stretch(qde: bytes) -> bytes:
        old = f'startPosition="{first.start}" endPosition="{first.end}"'.encode()
        assert old in qde
        return qde.replace(old, f'startPosition="{first.start}" endPosition="{length + 50}"'
                           .encode(), 1)

    path = _rewrite_qde(good, tmp_path / "outside.qdpx", stretch)
    before = _counts(project)[1]
    report = import_paths(project, [path])
    assert not report.refused
    assert any("outside their text were skipped" in w for w in report.warnings), report.warnings
    assert _counts(project)[1] == before + len(snap.annotations) - 1


_FULL_DISK = """
import resource, signal, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_refi_scale import random_snapshot
from desk_annotator.errors import DeskAnnotatorError
from desk_annotator.io.refi_stream_writer import write_qdpx
snap = random_snapshot(9, n_docs=40, per_doc=200, n_coders=3)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
try:
    write_qdpx(Path({out!r}), snap)
except DeskAnnotatorError as exc:
    print("REFUSED", exc)
"""


def test_a_write_failing_in_the_deflate_thread_leaves_no_file(tmp_path) -> None:
    out = tmp_path / "full.qdpx"
    script = _FULL_DISK.format(tests=str(Path(__file__).parent), out=str(out))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith("REFUSED") and "full.qdpx" in line and "\n" not in line, done.stdout
    assert list(tmp_path.iterdir()) == []  # neither the archive nor a temporary beside it


def test_guids_continued_from_a_hashed_prefix_are_uuid5() -> None:
    from desk_annotator.io.refi_export import stable_guid
    from desk_annotator.io.refi_stream_writer import (
        _ANNOTATION_SHA,
        _coding_guid,
        _continued_guid,
    )

    rng = random.Random(3)
    for _ in range(200):
        a = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 5)))
        b = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 5)))
        assert _continued_guid(_ANNOTATION_SHA, a) == stable_guid("annotation", a)
        assert _coding_guid(a, b) == stable_guid("coding", a, b)


def test_marker_lines_read_as_the_stdlib_reads_them() -> None:
    import json

    from desk_annotator.io.refi_codes import marker_payload
    from desk_annotator.io.refi_export import marker_line

    payload = {"kind": "settings", "version": 1, "codebook": "cb 😀 \"q\" \\ \u2028",
               "ids": {f"{i:08X}-0000-5000-8000-000000000000": f"{i}-é" for i in range(500)}}
    line = marker_line(payload)
    assert marker_payload("Written by us.\n" + line) == json.loads(line.split(":", 1)[1])
    assert marker_payload(marker_line({"deep": [[[[[[]]]]]]})) == {"deep": [[[[[[]]]]]]}
    assert marker_payload("desk-annotator: " + "[" * 5000 + "]" * 5000) is None  # hostile
    assert marker_payload("desk-annotator: {not json") is None
    assert marker_payload("desk-annotator: [1, 2]") is None  # not an object: not ours
    assert marker_payload("plain description") is None


def test_a_codebook_name_with_unicode_line_separators_round_trips(tmp_path) -> None:
    snap = random_snapshot(10, n_docs=2, per_doc=3, n_coders=2, stored=True)
    snap = snap.model_copy(update={"codebook": snap.codebook.model_copy(
        update={"name": "cb\u2028two\x85three"})})
    write_qdpx(tmp_path / "n.qdpx", snap)
    back, _ = read_qdpx(tmp_path / "n.qdpx")
    assert back.codebook.name == "cb\u2028two\x85three"


def test_every_member_is_deflated_at_level_1(tmp_path) -> None:
    """The level the stream writer promises reaches each entry (a ZipInfo it builds does not
    take the archive's level by itself): project.qde and the sources are deflated exactly as
    zlib's level 1 deflates them."""
    import zlib

    path = tmp_path / "l1.qdpx"
    write_qdpx(path, random_snapshot(11, n_docs=3, per_doc=30, n_coders=3))
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert len(infos) == 4
        for info in infos:
            plain = archive.read(info)
            squeezer = zlib.compressobj(1, zlib.DEFLATED, -15)
            want = squeezer.compress(plain) + squeezer.flush()
            at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            assert data[at:at + info.compress_size] == want, info.filename


def test_guids_hashed_in_one_batch_are_uuid5() -> None:
    from desk_annotator.io.refi_export import stable_guid
    from desk_annotator.io.refi_stream_writer import (
        _ANNOTATION_PREFIX,
        _CODING_PREFIX,
        uuid5_batch,
    )

    rng = random.Random(4)
    names = ["".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 6)))
             for _ in range(300)] + ["", "\n", "a\x1fb"]
    assert uuid5_batch(_ANNOTATION_PREFIX, names) == [stable_guid("annotation", a)
                                                      for a in names]
    assert uuid5_batch(_CODING_PREFIX, names) == [stable_guid("coding", a) for a in names]
    assert uuid5_batch(_CODING_PREFIX, names[:1]) == [stable_guid("coding", names[0])]
    assert uuid5_batch(_CODING_PREFIX, []) == []


@pytest.mark.parametrize("size", [5, 999, 1000, 3000])
def test_big_id_maps_are_written_as_json_writes_them(size) -> None:
    """The settings line's "ids" map (every id that is not a GUID) is joined by hand from
    1,000 entries on: the same text json.dumps writes, escapes or not."""
    import json

    from desk_annotator.io.refi_export import _payload_json

    rng = random.Random(size)
    odd = ['q"uote', "back\\slash", "tab\tline\nfeed", "\x00\x1f", "\u2028\x85", "\ud800",
           "\x7f", "😀🇺🇸", "e\u0301"]
    plain = {f"{rng.getrandbits(64):016X}-{i}": f"{i}-é😀" for i in range(size)}
    escaped = dict(plain)
    escaped[f"{size}-key \"x\""] = rng.choice(odd)
    escaped["Z-last"] = rng.choice(odd)
    for ids in (plain, escaped, {k: f"v{i}" for i, k in enumerate(plain)}):
        for payload in ({"kind": "settings", "version": 1, "codebook": "cb \"q\" 😀",
                         "labels": {"B": {"key": None, "order": 1}}, "ids": ids},
                        {"ids": ids, "kind": "x"}, {"ids": ids}, {"a": [1, 2], "ids": ids,
                                                                   "positions": "utf16"}):
            assert _payload_json(payload) == json.dumps(payload, ensure_ascii=False,
                                                        sort_keys=True)


def test_normalize_guid_short_cuts_agree_with_the_pattern() -> None:
    """normalize_guid answers canonical and short values without its pattern: the same
    answers the pattern gives, on GUIDs in every form and on near misses."""
    import re
    import uuid

    from desk_annotator.io.refi_export import normalize_guid

    pattern = re.compile(r"^\s*\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                         r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?\s*$")

    def by_pattern(value: str) -> str | None:
        match = pattern.match(value) if value else None
        return match.group(1).upper() if match else None

    rng = random.Random(12)
    values = ["", "0-1", "x" * 36, "-" * 36, "G" * 36]
    for _ in range(300):
        g = str(uuid.UUID(int=rng.getrandbits(128)))
        values += [g, g.upper(), "{" + g + "}", f" {g.upper()}\n", g.upper()[:-1] + "g",
                   g.upper().replace("-", "", 1) + "0", g.upper()[:35], g.upper() + "0",
                   g.upper()[:8] + "0" + g.upper()[9:], "-" + g.upper()[1:]]
    for value in values:
        assert normalize_guid(value) == by_pattern(value), value

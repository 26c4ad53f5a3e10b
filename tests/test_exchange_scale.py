"""Exchange at scale (issue 14): the streamed REFI-QDA writer, the fast JSONL paths, and
refusals that still leave nothing behind when the bad part sits deep inside a big file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from desk_annotator.io.refi_export import build_project_xml, serialize, stable_guid
from desk_annotator.io.refi_stream_writer import fast_stable_guid, write_qdpx
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    DocStatus,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.text import sha256_text

STAMP = "2025-08-01T00:00:00+00:00"


def _snapshot() -> ProjectSnapshot:
    """Every way a selection can be written: notes with characters XML escapes, an empty note,
    no note, no labels, several themes, ids that are not GUIDs, a stamp that is not ISO."""
    pro = Label(scheme="stance", name="pro", order=0)
    themes = [Label(scheme="themes", name=f"t{i}", order=i) for i in range(3)]
    ann_coder = Coder(id="ann", name="Ann")
    bob = Coder(name="Bob <b>")
    texts = ["Plain words 😀 here and there.", "Second & last <text> \"quoted\"\nline two."]
    docs = [Document(id=f"doc-{i}", title=f"T&{i}", text=t, sha256=sha256_text(t))
            for i, t in enumerate(texts)]
    notes = [None, "", "a & b < c > d \" e\n\tf", "plain"]
    anns = []
    for d, doc in enumerate(docs):
        for k in range(8):
            start = k
            end = k + 3 + (k % 4)
            anns.append(Annotation(
                id=f"a{d}-{k}" if k % 2 else Annotation(document_id="x", coder_id="x", start=0,
                                                         end=1, quote="x").id,
                document_id=doc.id, coder_id=(ann_coder if k % 3 else bob).id, start=start,
                end=end, quote=doc.text[start:end],
                stance_id=pro.id if k % 4 else None,
                theme_ids=[t.id for t in themes[: k % 3]], note=notes[k % 4],
                created=STAMP if k != 5 else "yesterday", updated=STAMP))
    return ProjectSnapshot(
        codebook=Codebook(name="cb", labels=[pro, *themes]), coders=[ann_coder, bob],
        documents=docs, annotations=anns,
        statuses=[DocStatus(document_id=docs[0].id, coder_id=bob.id, status="done")])


@pytest.mark.parametrize("positions", ["codepoints", "utf16"])
def test_streamed_project_is_the_element_built_one_byte_for_byte(tmp_path: Path,
                                                                  positions: str) -> None:
    snap = _snapshot()
    root, _files = build_project_xml(snap, "p", "desk-annotator", positions)
    expected = serialize(root)
    write_qdpx(tmp_path / "p.qdpx", snap, project_name="p", positions=positions)
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        written = archive.read("project.qde")
        assert sorted(archive.namelist()) == sorted(["project.qde"] + [
            f"sources/{stable_guid('document', d.id)}.txt" for d in snap.documents])
    assert written == expected
    assert b"&amp; b &lt; c &gt; d" in written  # a note really went through the escaping


def test_fast_guid_is_uuid5() -> None:
    for parts in [("coding", "A", "B"), ("annotation", "é😀"), ("x",), ("", "")]:
        assert fast_stable_guid(*parts) == stable_guid(*parts)

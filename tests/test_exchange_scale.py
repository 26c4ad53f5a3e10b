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


def _dataset_lines(n_docs: int, per_doc: int) -> list[str]:
    import json
    lines = []
    for d in range(n_docs):
        text = f"Document {d}: " + "policy words café 😀 " * 20
        anns = [{"id": f"{d}-{k}", "start": k, "end": k + 5, "quote": text[k:k + 5],
                 "coder": f"coder-{k % 3}", "stance": "pro" if k % 2 else None,
                 "themes": ["jobs"] if k % 3 else [], "note": None, "created": STAMP,
                 "updated": STAMP} for k in range(per_doc)]
        lines.append(json.dumps({"id": f"doc-{d}", "title": f"Doc {d}", "text": text,
                                 "metadata": {"outlet": "X"}, "status": {"coder-1": "done"},
                                 "annotations": anns}, ensure_ascii=False))
    return lines


def _counts(project_path: Path) -> tuple[int, int, int]:
    from desk_annotator.project import Project
    project = Project(project_path)
    try:
        q = project.q
        return len(q.document_infos()), q.annotation_count(), len(q.coders())
    finally:
        project.close()


@pytest.mark.parametrize("damage", ["truncated", "bad span", "duplicate id", "not an int"])
def test_a_bad_line_deep_in_a_big_dataset_imports_nothing(tmp_path: Path, damage: str) -> None:
    from click.testing import CliRunner

    from desk_annotator.cli import cli

    lines = _dataset_lines(300, 20)  # 6,000 annotations; line 250 is damaged
    bad = lines[249]
    if damage == "truncated":
        lines[249] = bad[: len(bad) // 2]
    elif damage == "bad span":
        lines[249] = bad.replace('"start": 3, "end": 8', '"start": 3, "end": 999')
    elif damage == "duplicate id":
        lines[249] = bad.replace('"id": "249-4"', '"id": "10-4"')
    else:
        lines[249] = bad.replace('"start": 3,', '"start": "three",')
    assert lines[249] != bad
    source = tmp_path / "big.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = tmp_path / "p.sqlite"
    result = CliRunner().invoke(cli, ["--project", str(project), "import",
                                      "--add-missing-labels", str(source)])
    assert "line 250" in result.output, result.output
    assert _counts(project) == (0, 0, 0)  # nothing of the 249 good lines before it either


def test_fast_and_thorough_readers_give_the_same_snapshot(tmp_path: Path) -> None:
    from desk_annotator.io import dataset_jsonl
    from desk_annotator.io.dataset_jsonl_fast import read_dataset_fast

    lines = _dataset_lines(40, 15)
    source = tmp_path / "d.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = read_dataset_fast(source, dataset_jsonl.SnapshotBuilder(), dataset_jsonl._add_record,
                             dataset_jsonl.DatasetRecord)
    assert fast is not None  # a plain file: the fast path read it
    names = {c.id: c.name for c in fast[0].coders}
    labels = {lb.id: lb.name for lb in fast[0].codebook.labels}
    first = fast[0].annotations[5]  # line 1, annotation "0-5": hand-read from _dataset_lines
    assert (first.id, first.start, first.end, names[first.coder_id]) == ("0-5", 5, 10, "coder-2")
    assert (first.quote, labels[first.stance_id], [labels[t] for t in first.theme_ids]) == (
        "ent 0", "pro", ["jobs"])
    assert len(fast[0].annotations) == 600 and len(fast[0].documents) == 40

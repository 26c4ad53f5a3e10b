"""Dataset JSONL at bulk size (issue 14): a bad file is refused whole through the project
(nothing saved, one line naming the line or field), the fast reader equals the schema reader
on awkward text, a big import leaves an intact file whose summaries equal a recount and whose
undo and redo remove and restore every row exactly, and the streamed export writes the bytes
the snapshot exporter's dicts serialise to."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from test_bulk_summaries import _assert_summaries_right

from desk_annotator.io import dataset_jsonl
from desk_annotator.io.dataset_jsonl_fast import read_dataset_fast
from desk_annotator.models import Annotation
from desk_annotator.project import Project
from desk_annotator.project_io import (
    export_path,
    import_paths,
    iter_dataset_dicts,
    snapshot,
)
from desk_annotator.sample import fill_from_sample
from desk_annotator.store.bulk_summaries import BULK_ROWS

STAMP = "2025-08-01T00:00:00+00:00"
# Astral characters (two UTF-16 units, one code point), combining-free CJK, typographic quotes.
PIECES = ["policy ", "😀 ", "治理 ", "“quoted” ", "café ", "𝔘𝔫𝔦 ", "— ", "🇺🇸 ", "a\tb "]


def _records(n_docs: int, per_doc: int, coders: int = 5) -> list[dict]:
    records = []
    for d in range(n_docs):
        text = "".join(PIECES[(d + i) % len(PIECES)] for i in range(120))
        anns = []
        for k in range(per_doc):
            start = (k * 13 + d) % (len(text) - 40)
            end = start + 1 + (k * 7) % 35  # overlapping spans of varied length
            anns.append({"id": f"{d}-{k}", "start": start, "end": end,
                         "quote": text[start:end], "coder": f"coder-{k % coders}",
                         "stance": ["pro", "contra", None][k % 3],
                         "themes": [["jobs"], [], ["jobs", "safety"], ["safety"]][k % 4],
                         "note": None if k % 5 else f"note {k} \"x\"\n",
                         "created": STAMP, "updated": STAMP})
        records.append({"id": f"doc-{d}", "title": f"Doc {d}", "text": text,
                        "metadata": {"outlet": "X"}, "status": {"coder-1": "done"},
                        "annotations": anns})
    return records


def _write(path: Path, records: list, *, newline: str = "\n", bom: bool = False) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"")
                     + (newline.join(lines) + newline).encode("utf-8"))
    return path


def _state(path: Path) -> dict[str, list]:
    """Every row of the tables an import writes (documents with their rowid: display order)."""
    conn = sqlite3.connect(path)
    try:
        out = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
               for t in ("annotations", "annotation_themes", "coders", "labels", "doc_status",
                         "meta")}
        out["documents"] = conn.execute("SELECT rowid, * FROM documents ORDER BY rowid").fetchall()
        out["indexes"] = conn.execute("SELECT name, sql FROM sqlite_master WHERE type IN "
                                      "('index', 'trigger') ORDER BY name").fetchall()
        return out
    finally:
        conn.close()


def one_value(path: Path, sql: str) -> object:
    """The first column of the first row of ``sql``, read by a connection of its own."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _integrity(path: Path) -> str:
    return str(one_value(path, "PRAGMA integrity_check"))


@pytest.fixture
def sample_project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.sqlite"
    with Project(path) as project:
        fill_from_sample(project)
    return path


def _damage(records: list[dict], kind: str) -> tuple[list, str]:
    """Damage line 31 (of 40) in one way; returns the lines and what the error must name."""
    lines: list = list(records)
    rec = json.loads(json.dumps(records[30]))
    ann = rec["annotations"][4]
    if kind == "truncated":
        text = json.dumps(rec, ensure_ascii=False)
        lines[30] = text[: len(text) // 2]
        return lines, "line 31: not valid JSON"
    if kind == "wrong type":
        ann["start"] = "three"
        return lines[:30] + [rec] + lines[31:], "line 31, annotations.4.start"
    if kind == "span outside text":
        ann["end"] = len(rec["text"]) + 5
        return lines[:30] + [rec] + lines[31:], "line 31, annotation 4 (30-4): span"
    if kind == "quote mismatch":
        ann["quote"] = "not the text"
        return lines[:30] + [rec] + lines[31:], "line 31, annotation 4 (30-4): quote"
    if kind == "duplicate annotation id":
        ann["id"] = "3-4"
        return lines[:30] + [rec] + lines[31:], "line 31: annotation id 3-4 is also on line 4"
    if kind == "duplicate document id":
        rec["id"] = "doc-2"
        return lines[:30] + [rec] + lines[31:], "line 31: document id doc-2 is also on line 3"
    if kind == "unknown label":
        ann["themes"] = ["no such theme"]
        return lines[:30] + [rec] + lines[31:], "no such theme (themes)"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["truncated", "wrong type", "span outside text",
                                  "quote mismatch", "duplicate annotation id",
                                  "duplicate document id", "unknown label"])
def test_a_bad_big_file_is_refused_whole_with_one_line(sample_project: Path, tmp_path: Path,
                                                       kind: str) -> None:
    records = _records(40, 40)  # 1,600 annotations: above the bulk threshold
    assert 40 * 40 >= BULK_ROWS
    lines, named = _damage(records, kind)
    source = _write(tmp_path / "bad.jsonl", lines)
    with Project(sample_project) as project:  # the codebook knows pro/contra/jobs/safety
        project.import_codebook(dataset_jsonl.read_dataset(
            _write(tmp_path / "labels.jsonl", records[:1]))[0].codebook)
    before = _state(sample_project)
    with Project(sample_project) as project:
        history = len(project.history())
        report = import_paths(project, [source], add_missing_labels=kind != "unknown label")
        assert len(report.refused) == 1, report
        line = report.refused[0]
        assert "\n" not in line and line.endswith("nothing was imported"), line
        assert named in line, line
        assert report.annotations_added == 0 and report.documents_added == 0
        assert len(project.history()) == history
    assert _state(sample_project) == before
    assert _integrity(sample_project) == "ok"


@pytest.mark.parametrize("layout", ["bom+crlf", "crlf", "lf"])
def test_fast_reader_equals_the_schema_reader_on_astral_text(tmp_path: Path,
                                                             layout: str) -> None:
    records = _records(12, 25)
    records.append({"id": "empty", "text": "no passages here", "annotations": []})
    source = _write(tmp_path / "d.jsonl", records, newline="\r\n" if "crlf" in layout else "\n",
                    bom="bom" in layout)
    fast = read_dataset_fast(source, dataset_jsonl.SnapshotBuilder(), dataset_jsonl._add_record,
                             dataset_jsonl.DatasetRecord)
    assert fast is not None  # plain records: the fast path read them
    thorough = dataset_jsonl.read_dataset_thorough(source)
    assert fast[1] == thorough[1]
    assert _by_names(fast[0]) == _by_names(thorough[0])
    # Offsets count code points: an astral character is one position.
    ann = next(a for a in fast[0].annotations if "😀" in a.quote)
    doc = next(d for d in fast[0].documents if d.id == ann.document_id)
    assert doc.text[ann.start:ann.end] == ann.quote


def _by_names(snap) -> dict:
    coders = {c.id: c.name for c in snap.coders}
    labels = {lb.id: (lb.scheme, lb.name, lb.order) for lb in snap.codebook.labels}
    return {
        "documents": [(d.id, d.title, d.text, d.sha256, d.metadata) for d in snap.documents],
        "annotations": [(a.id, a.document_id, coders[a.coder_id], a.start, a.end, a.quote,
                         labels.get(a.stance_id), [labels[t] for t in a.theme_ids], a.note,
                         a.created, a.updated) for a in snap.annotations],
        "statuses": [(s.document_id, coders[s.coder_id], s.status) for s in snap.statuses],
        "coders": sorted(coders.values()),
        "labels": sorted(labels.values()),
    }


def test_a_big_import_is_intact_and_undo_redo_remove_and_restore_every_row(
        sample_project: Path, tmp_path: Path) -> None:
    records = _records(30, 60)  # 1,800 annotations into a sample project of far fewer
    source = _write(tmp_path / "big.jsonl", records)
    before = _state(sample_project)
    with Project(sample_project) as project:
        existing = project.q.annotation_count()
        report = import_paths(project, [source], add_missing_labels=True)
        assert report.refused == [] and report.annotations_added == 30 * 60 >= BULK_ROWS
        assert 30 * 60 >= existing  # the path that rebuilds the indexes
    after = _state(sample_project)
    assert after["indexes"] == before["indexes"]  # triggers and indexes all back
    assert _integrity(sample_project) == "ok"
    _assert_summaries_right(sample_project)
    with Project(sample_project) as project:
        # every imported passage, as written: quotes are the text at code-point offsets
        stored = {a.id: a for a in project.q.annotations()}
        for rec in records:
            for ann in rec["annotations"]:
                got = stored[ann["id"]]
                assert (got.start, got.end, got.quote) == (ann["start"], ann["end"],
                                                           ann["quote"])
        assert project.undo() is not None
    assert _state(sample_project) == before
    _assert_summaries_right(sample_project)
    with Project(sample_project) as project:
        assert project.redo() is not None
    assert _state(sample_project) == after
    assert _integrity(sample_project) == "ok"
    _assert_summaries_right(sample_project)


def test_streamed_export_writes_the_snapshot_dicts_bytes(sample_project: Path,
                                                         tmp_path: Path) -> None:
    records = _records(15, 30, coders=7)
    records.append({"id": "empty", "text": "no passages here", "annotations": []})
    with Project(sample_project) as project:
        import_paths(project, [_write(tmp_path / "d.jsonl", records)], add_missing_labels=True)
    with Project(sample_project) as project:
        for coders in (None, ["coder-2", "coder-5"]):
            out = tmp_path / "out.jsonl"
            export_path(project, out, coder_names=coders)
            expected = b"".join(
                json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
                for d in dataset_jsonl.snapshot_to_dicts(snapshot(project, coder_names=coders)))
            assert out.read_bytes() == expected
            streamed = list(iter_dataset_dicts(project, coders))
            assert sum(len(d["annotations"]) for d in streamed) > 0


def test_history_logs_pack_as_the_json_module_wrote_them() -> None:
    """pack_log (orjson) writes the bytes json.dumps wrote, and reads logs packed by either."""
    import zlib

    from desk_annotator.store.changes import pack_log, unpack_log

    log = [["i", "annotations", [["a-1"], ["é😀\u2028"]]],
           ["i", "annotation_themes", [["a-1", "L1"], ["a-2", "L2"]]],
           ["d", "documents", [{"id": "d", "text": "x\ty\n\x00“”", "n": -2**63, "f": 1.5,
                                "none": None, "__rowid__": 3}]],
           ["u", "meta", ["key"], {"value": "old"}, {"value": "new"}]]
    by_json = json.dumps(log, ensure_ascii=False, separators=(",", ":")).encode()
    assert zlib.decompress(pack_log(log)) == by_json
    assert unpack_log(zlib.compress(by_json)) == log == unpack_log(pack_log(log))


def test_fast_reader_models_record_the_fields_given_and_share_only_full_sets(
        tmp_path: Path) -> None:
    records = _records(6, 20)
    for k, ann in enumerate(records[0]["annotations"]):  # some without stamps: defaults
        if k % 2:
            del ann["created"]
        if k % 3 == 0:
            del ann["updated"]
    records[1]["annotations"][0]["created"] = "2024-01-02T03:04:05+00:00"
    source = _write(tmp_path / "d.jsonl", records)
    fast = read_dataset_fast(source, dataset_jsonl.SnapshotBuilder(), dataset_jsonl._add_record,
                             dataset_jsonl.DatasetRecord)
    assert fast is not None
    thorough = dataset_jsonl.read_dataset_thorough(source)
    anns = fast[0].annotations
    assert [a.model_fields_set for a in anns] == \
        [a.model_fields_set for a in thorough[0].annotations]
    full = [a for a in anns if len(a.model_fields_set) == len(Annotation.model_fields)]
    partial = [a for a in anns if a not in full]
    assert full and partial
    assert len({id(a.model_fields_set) for a in full}) == 1  # one set for all of them
    assert len({id(a.model_fields_set) for a in partial}) == len(partial)
    # A field set on one model changes no other model and no model's fields set.
    full[0].note = "changed"
    assert [a.note for a in full[1:]] == [a.note for a in thorough[0].annotations
                                         if a.id in {b.id for b in full[1:]}]
    assert all(len(a.model_fields_set) == len(Annotation.model_fields) for a in full)
    # Equal stamps are one string: two per annotation would be 160 MB per million.
    stamps = [a.created for a in anns if "created" in a.model_fields_set]
    assert len({id(s) for s in stamps}) == len(set(stamps)) == 2

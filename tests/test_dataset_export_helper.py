"""A large dataset export shares its annotations with a helper process (store/dataset_split.py):
the file is byte for byte the snapshot exporter's, with the helper and without it, on hostile
text (control characters, quotes, backslashes, U+2028, astral characters), several themes in
an order against the codebook's, ties, selections of coders and documents and a big quote
queue; the helper reads the state this process reads even when another program commits while
the export runs; a busy writer or a helper that cannot start leaves the work to this process,
with the same file and no part file left behind."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import orjson
import pytest
from test_jsonl_bulk_exchange import _write

from desk_annotator.atomic import TEMP_MARK
from desk_annotator.io import dataset_jsonl
from desk_annotator.project import Project
from desk_annotator.project_io import (
    export_path,
    import_paths,
    iter_dataset_dicts,
    snapshot,
)
from desk_annotator.store import dataset_split, dataset_worker

STAMP = "2025-08-01T00:00:00+00:00"
HOSTILE = ["plain ", "\x01\x1f ", "\"quoted\" ", "back\\slash ", "\u2028\u2029 ", "😀 ",
           "𝔘𝔫𝔦 ", "治理 ", "tab\there ", "\x7f ", "</script> ", "é "]
THEMES = ["z last \"q\"", "a-first\\", "m 😀", "line\u2028sep"]


def _hostile_records(n_docs: int = 9, per_doc: int = 30) -> list[dict]:
    records = []
    for d in range(n_docs):
        text = "".join(HOSTILE[(d * 5 + i) % len(HOSTILE)] for i in range(60))
        anns = []
        for k in range(per_doc):
            start = (k * 11 + d) % (len(text) - 30)
            end = start + 1 + (k * 5) % 25
            if k % 7 == 0:  # ties: the same span as the annotation before, created earlier
                start, end = anns[-1]["start"] if anns else start, anns[-1]["end"] if anns else end
            anns.append({
                "id": f"{d}-{k} \"x\\", "start": start, "end": end, "quote": text[start:end],
                "coder": ["coder \"one\"", "coder\\two", "c😀", "plain"][k % 4],
                "stance": ["pro\u2028", None, "contra \"c\""][k % 3],
                "themes": [THEMES[(k + j) % 4] for j in range(k % 5)][::-1],
                "note": None if k % 3 else f"note \x02 {k}\n\"n\"\\",
                "created": f"2025-08-0{1 + (k * 3) % 9}T00:00:00+00:00", "updated": STAMP})
        records.append({"id": f"doc-{d} \"d\"", "title": f"Doc {d} \u2028", "text": text,
                        "metadata": {"outlet": "X \"y\"", "note\\key": "v\x03"},
                        "status": {"plain": "done"}, "annotations": anns})
    records.append({"id": "empty", "text": "no passages here", "annotations": []})
    return records


@pytest.fixture
def project_path(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.sqlite"
    with Project(path) as project:
        import_paths(project, [_write(tmp_path / "d.jsonl", _hostile_records())],
                     add_missing_labels=True)
    return path


def _expected(project: Project, coders: list[str] | None = None,
              document_ids: list[str] | None = None) -> bytes:
    return b"".join(
        json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for d in dataset_jsonl.snapshot_to_dicts(
            snapshot(project, coder_names=coders, document_ids=document_ids)))


def _export(project: Project, tmp_path: Path, **kwargs) -> bytes:
    out = tmp_path / "out.jsonl"
    export_path(project, out, **kwargs)
    return out.read_bytes()


def _helped(project: Project, tmp_path: Path, **kwargs) -> list[bool]:
    """Per document: did the helper process make its annotations?"""
    return [isinstance(d["annotations"], orjson.Fragment)
            for d in iter_dataset_dicts(project, helper=tmp_path / "out.jsonl", **kwargs)]


def _no_part_files(tmp_path: Path) -> bool:
    """Nothing of a temporary name left beside the export (the helper's part goes there)."""
    return not [p.name for p in tmp_path.iterdir() if TEMP_MARK in p.name]


def test_the_helper_writes_the_bytes_of_the_export_without_it(project_path: Path, tmp_path: Path,
                                                              monkeypatch) -> None:
    with Project(project_path) as project:
        alone = _export(project, tmp_path)
        assert alone == _expected(project)
        monkeypatch.setattr(dataset_split, "SPLIT_MIN_ANNOTATIONS", 0)
        assert _export(project, tmp_path) == alone
        helped = _helped(project, tmp_path)
        assert any(helped) and not all(helped)  # both processes did some documents
        # Selections: the coders and the documents named (display order kept).
        coders = ["coder \"one\"", "c😀"]
        assert _export(project, tmp_path, coder_names=coders) == _expected(project, coders)
        ids = ["doc-7 \"d\"", "doc-2 \"d\"", "empty", "doc-5 \"d\""]
        assert _export(project, tmp_path, document_ids=ids) == _expected(project, None, ids)
        assert any(_helped(project, tmp_path, document_ids=ids))
    # Annotations with several themes, written against the codebook's order (reversed).
    lines = [json.loads(line) for line in alone.splitlines()]
    several = [a["themes"] for rec in lines for a in rec["annotations"] if len(a["themes"]) > 2]
    assert several and all(len(set(t)) == len(t) for t in several)
    assert _no_part_files(tmp_path)


def test_the_helper_exports_queued_quotes_as_stored(project_path: Path, tmp_path: Path,
                                                    monkeypatch) -> None:
    conn = sqlite3.connect(project_path)
    with conn:  # another program rewrites quotes: the triggers queue them
        conn.execute("UPDATE annotations SET quote = 'changed \"elsewhere\" ' || id "
                     "WHERE rowid % 4 = 0")
    conn.close()
    monkeypatch.setattr(dataset_split, "SPLIT_MIN_ANNOTATIONS", 0)
    for limit in (dataset_worker.QUEUE_READ_WHOLE, 0):  # 0: the read joins the queue
        monkeypatch.setattr(dataset_worker, "QUEUE_READ_WHOLE", limit)
        with Project(project_path) as project:
            got = _export(project, tmp_path)
            assert got == _expected(project)
            assert any(_helped(project, tmp_path))
        assert got.count(b"changed \\\"elsewhere\\\"") > 10


def test_the_helper_reads_the_state_of_the_start_while_another_program_commits(
        project_path: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(dataset_split, "SPLIT_MIN_ANNOTATIONS", 0)
    with Project(project_path) as project:
        before = _expected(project)
        records = iter_dataset_dicts(project, helper=tmp_path / "out.jsonl")
        first = next(records)  # the helper has started and the write lock is let go
        other = sqlite3.connect(project_path, timeout=2)
        with other:  # commits at once: nothing holds the write lock any more
            other.execute("UPDATE annotations SET note = 'committed meanwhile'")
            other.execute("DELETE FROM annotation_themes")
        other.close()
        rest = list(records)
        assert any(isinstance(d["annotations"], orjson.Fragment) for d in rest)
        got = b"".join(orjson.dumps(d, option=orjson.OPT_APPEND_NEWLINE) for d in [first, *rest])
        assert got == before
        after = _export(project, tmp_path)
        assert b"committed meanwhile" in after and after == _expected(project)


def test_a_busy_writer_leaves_the_work_to_this_process(project_path: Path, tmp_path: Path,
                                                       monkeypatch) -> None:
    monkeypatch.setattr(dataset_split, "SPLIT_MIN_ANNOTATIONS", 0)
    monkeypatch.setattr(dataset_split, "LOCK_WAIT_S", 0.05)
    writer = sqlite3.connect(project_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with Project(project_path) as project:
            assert not any(_helped(project, tmp_path))
            assert _export(project, tmp_path) == _expected(project)
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for Python")
def test_a_helper_that_cannot_start_or_fails_leaves_no_part_file(project_path: Path, tmp_path: Path,
                                                        monkeypatch) -> None:
    monkeypatch.setattr(dataset_split, "SPLIT_MIN_ANNOTATIONS", 0)
    with Project(project_path) as project:
        expected = _expected(project)
        monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
        assert not any(_helped(project, tmp_path))
        assert _export(project, tmp_path) == expected
        # A "Python" that says it is ready and then dies without an answer.
        fake = tmp_path / "dies-after-ready"
        fake.write_text("#!/bin/sh\nread job\necho ready\nexit 3\n")
        fake.chmod(0o755)
        monkeypatch.setattr(sys, "executable", str(fake))
        assert not any(_helped(project, tmp_path))
        assert _export(project, tmp_path) == expected
    assert _no_part_files(tmp_path)


def test_the_helper_opens_a_project_whose_path_needs_quoting(project_path: Path, tmp_path: Path,
                                                             monkeypatch) -> None:
    monkeypatch.setattr(dataset_split, "SPLIT_MIN_ANNOTATIONS", 0)
    folder = tmp_path / "a folder #1 %20 ?x=é"
    folder.mkdir()
    moved = folder / "p q.sqlite"
    with Project(project_path) as project:
        expected = _expected(project)
    project_path.rename(moved)
    with Project(moved) as project:
        assert any(_helped(project, folder))
        assert _export(project, folder) == expected
    assert _no_part_files(folder)


def test_writers_wait_while_the_lock_is_held_and_not_after(project_path: Path) -> None:
    other = sqlite3.connect(project_path, timeout=0, isolation_level=None)
    try:
        with dataset_split.writers_held(project_path) as lock:
            assert lock is not None
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            # Readers are not held up: a read transaction begins and reads.
            assert other.execute("SELECT count(*) FROM annotations").fetchone()[0] > 0
            dataset_split.release(lock)
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()
    missing = project_path.with_name("no-such.sqlite")
    with dataset_split.writers_held(missing) as lock:
        assert lock is None
    assert not missing.exists()


def test_the_windows_export_connection_uses_the_helper_too(project_path: Path, tmp_path: Path,
                                                           monkeypatch) -> None:
    """The window exports through a read-only second connection (export_formats.reader_for)
    in a worker thread: the same file, with the helper."""
    from desk_annotator.export_formats import reader_for

    monkeypatch.setattr(dataset_split, "SPLIT_MIN_ANNOTATIONS", 0)
    with Project(project_path) as project:
        expected = _expected(project)
        with reader_for(project) as reader:
            assert any(_helped(reader, tmp_path))
            assert _export(reader, tmp_path) == expected
    assert _no_part_files(tmp_path)

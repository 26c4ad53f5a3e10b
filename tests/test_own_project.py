"""Writes on a Project of their own (own_project), as the window runs them in a worker thread:
the import's steps (import_files.write_in_own_project), each committed step reported, and
undoing or redoing a big history entry (own_project.step_history_entry). A cancel stops the
write inside SQLite and rolls it back whole, the bulk path's dropped triggers and indexes
with it."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from desk_annotator.errors import OperationError
from desk_annotator.import_files import Cancelled, read_inputs, write_in_own_project
from desk_annotator.own_project import step_history_entry
from desk_annotator.project import Project
from desk_annotator.store import label_summaries, summaries


def _dataset(path: Path, documents: int, per_document: int, prefix: str) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for d in range(documents):
            text = " ".join(f"{prefix}{d}w{w}" for w in range(200))
            anns = [{"start": 9 * k, "end": 9 * k + 6, "quote": text[9 * k:9 * k + 6],
                     "coder": "zed", "stance": "critical", "themes": ["chips"]}
                    for k in range(per_document)]
            out.write(json.dumps({"title": f"{prefix} {d}", "text": text,
                                  "annotations": anns}) + "\n")
    return path


def _calls_of(write) -> int:  # type: ignore[no-untyped-def]
    """How often SQLite's progress handler asks during ``write(cancelled)``."""
    counted: list[int] = []
    write(lambda: counted.append(1) is None and False)
    return len(counted)


def _cancelled_at(stop_at: int, locked: threading.Event):  # type: ignore[no-untyped-def]
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        if len(asked) == stop_at:
            locked.set()
        return len(asked) >= stop_at
    return cancelled


def _intact(path: Path) -> tuple[int, int]:
    """(annotations, documents) after ``PRAGMA integrity_check`` and the summaries' recount
    agree with the file."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = (conn.execute("SELECT count(*) FROM annotations").fetchone()[0],
                  conn.execute("SELECT count(*) FROM documents").fetchone()[0])
    finally:
        conn.close()
    with Project(path) as p:
        assert p.store.full_check_problems() == []
    return counts


def _schema(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()


@pytest.fixture
def project_file(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.sqlite"
    Project(path).close()
    return path


def test_every_step_is_committed_and_reported(project_file: Path, tmp_path: Path) -> None:
    small = _dataset(tmp_path / "small.jsonl", 3, 2, "s")
    big = _dataset(tmp_path / "big.jsonl", 30, 50, "b")
    read = read_inputs([small, big])
    reports = []
    write_in_own_project(project_file, read, add_missing_labels=True, committed=reports.append)
    assert [r.annotations_added for r in reports] == [6, 1500]
    with Project(project_file) as p:
        assert p.q.annotation_count() == 1506
        assert len(p.history()) == 2


def test_a_cancel_inside_a_big_write_rolls_it_back_whole(project_file: Path,
                                                         tmp_path: Path) -> None:
    big = _dataset(tmp_path / "big.jsonl", 200, 100, "b")  # the bulk path: triggers dropped
    read = read_inputs([big])
    schema = _schema(project_file)
    # How often SQLite asks over the whole write, counted on a scratch copy of the project:
    # cancel two thirds of the way, when the summary triggers and indexes are dropped inside
    # the write's transaction (the recount and index builds come last).
    scratch = tmp_path / "scratch.sqlite"
    scratch.write_bytes(project_file.read_bytes())
    calls = _calls_of(lambda cancelled: write_in_own_project(
        scratch, read, add_missing_labels=True, cancelled=cancelled))
    assert calls > 30
    locked = threading.Event()
    cancelled = _cancelled_at(calls * 2 // 3, locked)

    with pytest.raises(Cancelled):
        write_in_own_project(project_file, read, add_missing_labels=True, cancelled=cancelled)
    assert locked.is_set()
    assert _intact(project_file) == (0, 0)
    after = _schema(project_file)
    assert after == schema  # every trigger and index is back, nothing else was made
    assert set(summaries.TRIGGERS) | set(label_summaries.TRIGGERS) <= after
    # and the file takes the same import afterwards
    write_in_own_project(project_file, read, add_missing_labels=True)
    with Project(project_file) as p:
        assert p.q.annotation_count() == 20_000


# -- undoing and redoing a big history entry ----------------------------------------------

def _imported(project_file: Path, tmp_path: Path, documents: int = 100) -> int:
    """Import ``documents`` × 100 annotations; returns the import's history entry."""
    write_in_own_project(project_file, read_inputs([_dataset(tmp_path / "big.jsonl",
                                                             documents, 100, "b")]),
                         add_missing_labels=True)
    with Project(project_file) as p:
        return next(e["id"] for e in p.history() if e["kind"] == "import-snapshot")


def test_a_big_import_is_undone_and_redone_on_a_project_of_its_own(project_file: Path,
                                                                  tmp_path: Path) -> None:
    entry = _imported(project_file, tmp_path)
    with Project(project_file) as p:
        assert next(e for e in p.history() if e["id"] == entry)["size"] > 32_768
    description = step_history_entry(project_file, entry, redo=False, acting_coder_id=None)
    assert description == "Import big.jsonl"
    assert _intact(project_file) == (0, 0)
    with Project(project_file) as p:
        assert next(e for e in p.history() if e["id"] == entry)["undone"]
    step_history_entry(project_file, entry, redo=True, acting_coder_id=None)
    assert _intact(project_file) == (10_000, 100)


def test_a_cancel_inside_an_undo_rolls_it_back_whole(project_file: Path,
                                                     tmp_path: Path) -> None:
    entry = _imported(project_file, tmp_path)
    schema = _schema(project_file)
    scratch = tmp_path / "scratch.sqlite"
    scratch.write_bytes(project_file.read_bytes())
    calls = _calls_of(lambda cancelled: step_history_entry(
        scratch, entry, redo=False, acting_coder_id=None, cancelled=cancelled))
    assert calls > 10
    locked = threading.Event()
    with pytest.raises(Cancelled):
        step_history_entry(project_file, entry, redo=False, acting_coder_id=None,
                           cancelled=_cancelled_at(calls * 2 // 3, locked))
    assert locked.is_set()
    assert _intact(project_file) == (10_000, 100)
    assert _schema(project_file) == schema
    with Project(project_file) as p:
        assert not next(e for e in p.history() if e["id"] == entry)["undone"]
    # and the same undo goes through afterwards
    step_history_entry(project_file, entry, redo=False, acting_coder_id=None)
    assert _intact(project_file) == (0, 0)


def test_a_refused_undo_on_a_project_of_its_own_changes_nothing(project_file: Path,
                                                                tmp_path: Path) -> None:
    entry = _imported(project_file, tmp_path)
    with Project(project_file) as p:  # later work on an imported document
        bob = p.ensure_coder("bob")
        p.add_annotation(p.q.corpus_order()[0], bob.id, 0, 4)
    with pytest.raises(OperationError, match="cannot undo"):
        step_history_entry(project_file, entry, redo=False, acting_coder_id=None)
    assert _intact(project_file) == (10_001, 100)

"""The import's writes on a Project of their own (import_files.write_in_own_project), as the
window runs them in a worker thread: each committed step reported, and a cancel stopping the
step being written inside SQLite, rolled back whole, the bulk path's dropped triggers and
indexes with it."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from desk_annotator.import_files import Cancelled, read_inputs, write_in_own_project
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
    counted: list[int] = []
    write_in_own_project(scratch, read, add_missing_labels=True,
                         cancelled=lambda: counted.append(1) is None and False)
    assert len(counted) > 30
    stop_at = len(counted) * 2 // 3
    locked = threading.Event()
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        if len(asked) == stop_at:
            locked.set()
        return len(asked) >= stop_at

    with pytest.raises(Cancelled):
        write_in_own_project(project_file, read, add_missing_labels=True, cancelled=cancelled)
    assert locked.is_set()
    conn = sqlite3.connect(project_file)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    finally:
        conn.close()
    after = _schema(project_file)
    assert after == schema  # every trigger and index is back, nothing else was made
    assert set(summaries.TRIGGERS) | set(label_summaries.TRIGGERS) <= after
    # and the file takes the same import afterwards
    write_in_own_project(project_file, read, add_missing_labels=True)
    with Project(project_file) as p:
        assert p.q.annotation_count() == 20_000

"""The dataset export's compact read (store/dataset_queries.py) writes the bytes the snapshot
exporter's dicts serialise to, whatever the quote queue holds: nothing, a few quotes another
program changed (the stored quote is exported, not the text's slice), or more than the read
takes in one dict (then it joins the queue). Ties in start and end come out in created order
as before, themes in codebook order, astral text sliced by code points."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from test_jsonl_bulk_exchange import _records, _write, one_value

from desk_annotator.io import dataset_jsonl
from desk_annotator.project import Project
from desk_annotator.project_io import export_path, import_paths, snapshot
from desk_annotator.sample import fill_from_sample
from desk_annotator.store import dataset_queries, dataset_worker


@pytest.fixture
def project_path(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.sqlite"
    with Project(path) as project:
        fill_from_sample(project)
    records = _records(12, 40, coders=4)
    # Ties: the same span by several coders at different times, ids against created order.
    tied = records[3]
    for k, stamp in enumerate(["2025-09-03T00:00:00+00:00", "2025-09-01T00:00:00+00:00",
                               "2025-09-02T00:00:00+00:00"]):
        tied["annotations"].append({
            "id": f"tie-{9 - k}", "start": 5, "end": 17, "quote": tied["text"][5:17],
            "coder": f"coder-{k}", "stance": "pro", "themes": ["safety", "jobs"],
            "note": None, "created": stamp, "updated": "2025-10-01T00:00:00+00:00"})
    records.append({"id": "empty", "text": "no passages here", "annotations": []})
    with Project(path) as project:
        import_paths(project, [_write(tmp_path / "d.jsonl", records)], add_missing_labels=True)
    return path


def _expected_bytes(project: Project) -> bytes:
    return b"".join(
        json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for d in dataset_jsonl.snapshot_to_dicts(snapshot(project)))


def _export(project: Project, tmp_path: Path) -> bytes:
    out = tmp_path / "out.jsonl"
    export_path(project, out)
    return out.read_bytes()


def _change_quotes_behind_our_back(path: Path, n: int) -> list[tuple[str, str]]:
    """Another program rewrites n stored quotes (the triggers queue them)."""
    conn = sqlite3.connect(path)
    try:
        ids = [r[0] for r in conn.execute("SELECT id FROM annotations ORDER BY id LIMIT ?", (n,))]
        with conn:
            conn.executemany("UPDATE annotations SET quote = 'changed elsewhere ' || id "
                             "WHERE id = ?", [(i,) for i in ids])
        return conn.execute("SELECT id, quote FROM annotations WHERE id IN "
                            f"({','.join('?' * len(ids))})", ids).fetchall()
    finally:
        conn.close()


def _queued(path: Path) -> int:
    return int(one_value(path, "SELECT count(*) FROM unchecked_quotes"))


def test_empty_queue_exports_the_text_slices_as_the_stored_quotes(project_path: Path,
                                                                  tmp_path: Path) -> None:
    assert _queued(project_path) == 0
    with Project(project_path) as project:
        got = _export(project, tmp_path)
        assert got == _expected_bytes(project)
    lines = {d["id"]: d for d in map(json.loads, got.splitlines())}
    tied = [a for a in lines["doc-3"]["annotations"] if a["id"].startswith("tie-")]
    assert [a["created"][:10] for a in tied] == ["2025-09-01", "2025-09-02", "2025-09-03"]
    assert all(a["themes"] == ["jobs", "safety"] for a in tied)  # codebook order
    assert all(a["updated"] == "2025-10-01T00:00:00+00:00" for a in tied)
    assert lines["empty"]["annotations"] == []


@pytest.mark.parametrize("whole_queue_limit", [dataset_queries.QUEUE_READ_WHOLE, 0])
def test_queued_quotes_are_exported_as_stored(project_path: Path, tmp_path: Path,
                                              monkeypatch, whole_queue_limit: int) -> None:
    # 0: the queue is "big", so the read joins it instead of loading it into a dict.
    monkeypatch.setattr(dataset_worker, "QUEUE_READ_WHOLE", whole_queue_limit)
    changed = dict(_change_quotes_behind_our_back(project_path, 7))
    # Opening checks the queue; the changed quotes are wrong, so they stay queued.
    with Project(project_path) as project:
        assert _queued(project_path) >= 7
        got = _export(project, tmp_path)
        assert got == _expected_bytes(project)
    exported = {a["id"]: a["quote"] for line in got.splitlines()
                for a in json.loads(line)["annotations"]}
    assert all(exported[i] == q and q.startswith("changed elsewhere") for i, q in changed.items())


def test_the_theme_order_follows_a_reordered_codebook(project_path: Path,
                                                      tmp_path: Path) -> None:
    conn = sqlite3.connect(project_path)
    with conn:  # "safety" before "jobs" now
        conn.execute("UPDATE labels SET position = -1 WHERE name = 'safety' AND scheme = 'themes'")
    conn.close()
    with Project(project_path) as project:
        got = _export(project, tmp_path)
        assert got == _expected_bytes(project)
    both = [a["themes"] for line in got.splitlines() for a in json.loads(line)["annotations"]
            if set(a["themes"]) == {"jobs", "safety"}]
    assert both and all(t == ["safety", "jobs"] for t in both)


def test_the_read_leaves_the_connection_unmapped(project_path: Path, tmp_path: Path) -> None:
    with Project(project_path) as project:
        _export(project, tmp_path)
        assert project.q.db.execute("PRAGMA mmap_size").fetchone()[0] == 0


def test_a_quote_another_program_changes_while_the_project_is_open_is_exported_as_stored(
        project_path: Path, tmp_path: Path) -> None:
    """The session keeps the project open; the sqlite3 module (another program's connection)
    rewrites quotes and commits; the open session's next export carries the stored quotes
    (the triggers queued them), equal to the snapshot exporter's, and the file stays sound."""
    with Project(project_path) as project:
        first = _export(project, tmp_path)
        changed = dict(_change_quotes_behind_our_back(project_path, 5))
        assert _queued(project_path) >= 5
        got = _export(project, tmp_path)
        assert got != first and got == _expected_bytes(project)
    exported = {a["id"]: a["quote"] for line in got.splitlines()
                for a in json.loads(line)["annotations"]}
    assert all(exported[i] == q for i, q in changed.items())
    assert one_value(project_path, "PRAGMA integrity_check") == "ok"

"""Reliability (DESIGN §7): two processes on one project, a killed process, a held lock."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desk_annotator.errors import OperationError
from desk_annotator.project import Project

# A worker that adds annotations one operation (one transaction) at a time and prints a line
# after each commit, so the parent knows what is durable.
WORKER = textwrap.dedent("""
    import sys
    from desk_annotator.project import Project
    path, coder_name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    p = Project(path)
    coder = p.coder_by_name(coder_name)
    doc = p.q.document_infos()[0]
    print("ready", flush=True)
    i = 0
    while count < 0 or i < count:
        start = i % (doc.length - 1)
        p.add_annotation(doc.id, coder.id, start, start + 1, note=f"{coder_name} {i}")
        i += 1
        print(i, flush=True)
    p.close()
""")


def _env() -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen")


def _prepare(path: Path, coders: list[str]) -> None:
    class Art:
        title, text, metadata = "doc", "A document for concurrent writers 😀 " * 20, {}

    with Project(path) as p:
        p.add_documents([Art()])
        for name in coders:
            p.ensure_coder(name)


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    _prepare(path, ["left", "right"])
    n = 60
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(path), name, str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
             for name in ("left", "right")]
    results = [p.communicate(timeout=60) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        assert out.split()[-1] == str(n)
    assert _integrity(path) == "ok"
    with Project(path) as p:
        assert p.integrity_problems == []
        notes = [a.note for a in p.q.annotations()]
        assert len(notes) == 2 * n
        assert {f"{w} {i}" for w in ("left", "right") for i in range(n)} == set(notes)
        kinds = [h["description"] for h in p.history(10_000)]
        assert sum(k.startswith("Tag passage") for k in kinds) == 2 * n


def test_killed_process_loses_at_most_the_action_in_flight(tmp_path: Path) -> None:
    path = tmp_path / "killed.sqlite"
    _prepare(path, ["victim"])
    proc = subprocess.Popen([sys.executable, "-c", WORKER, str(path), "victim", "-1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    assert proc.stdout is not None
    committed = 0
    deadline = time.monotonic() + 30
    for line in proc.stdout:
        if line.strip().isdigit():
            committed = int(line)
        if committed >= 40 or time.monotonic() > deadline:
            break
    os.kill(proc.pid, signal.SIGKILL)  # no clean-up: mid-transaction most likely
    proc.wait(timeout=10)
    assert committed >= 40
    assert _integrity(path) == "ok"
    with Project(path) as p:
        assert p.integrity_problems == []
        count = p.q.annotation_count()
        history = [h for h in p.history(10_000) if h["description"].startswith("Tag passage")]
        # Every committed action is there (the worker ran on until the kill, so there may be
        # more), and annotations and history agree exactly: no half-applied action.
        assert count >= committed
        assert count == len(history)
        # The project still works, undo (of the victim's own last action) included.
        assert p.undo(p.coder_by_name("victim").id) is not None
        assert p.q.annotation_count() == count - 1


def test_held_lock_makes_an_operation_wait_then_succeed(tmp_path: Path, seed) -> None:
    path = tmp_path / "locked.sqlite"
    with Project(path) as p:
        ids = seed(p)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sqlite3, sys, time
        conn = sqlite3.connect(sys.argv[1], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        time.sleep(1.0)
        conn.execute("COMMIT")
    """), str(path)], stdout=subprocess.PIPE, text=True, env=_env())
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with Project(path) as p:
        started = time.monotonic()
        ann = p.add_annotation(ids["docs"][2], ids["coders"][0].id, 0, 5)
        waited = time.monotonic() - started
        assert p.q.annotation(ann.id) is not None
    holder.wait(timeout=10)
    assert waited > 0.3  # it really waited for the other writer


def test_lock_held_too_long_is_a_clear_error_and_changes_nothing(
        tmp_path: Path, seed, dump, monkeypatch: pytest.MonkeyPatch) -> None:
    import desk_annotator.store.db as store_db

    path = tmp_path / "busy.sqlite"
    with Project(path) as p:
        ids = seed(p)
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 200)
    p = Project(path)
    before = dump(p)
    other = sqlite3.connect(str(path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationError, match="busy"):
            p.add_annotation(ids["docs"][2], ids["coders"][0].id, 0, 5)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert dump(p) == before
    # Once the other program lets go, the same action works.
    p.add_annotation(ids["docs"][2], ids["coders"][0].id, 0, 5)
    p.close()

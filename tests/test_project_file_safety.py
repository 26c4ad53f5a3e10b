"""Project files under hostile conditions (issue 8): refused files with a WAL beside them,
read-only files, folders and disks, a full disk, a migration killed while backing up.

The read-only and full-disk cases need real file systems: a small tmpfs (mounted as root) and
a process running as an unprivileged user. Where the machine does not allow that, the test is
skipped with the reason.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from desk_annotator.errors import OperationError, ProjectOpenError
from desk_annotator.project import Project
from desk_annotator.store.schema import SCHEMA_VERSION


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(path: Path, *args: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "desk_annotator.cli", "--project", str(path),
                           *args], capture_output=True, text=True, env=env, timeout=120,
                          user=user, cwd="/")


def _seed(path: Path, n_docs: int = 3, size: int = 40) -> None:
    class Art:
        def __init__(self, i: int) -> None:
            self.title, self.metadata = f"Doc {i}", {}
            self.text = f"Document {i} about export controls and open models. " * size

    with Project(path) as p:
        p.add_documents([Art(i) for i in range(n_docs)])
        coder = p.ensure_coder("alice")
        p.add_label("stance", "critical")
        for doc in p.q.document_infos():
            p.add_annotation(doc.id, coder.id, 0, 8)


# -- refused files stay byte for byte, WAL included -----------------------------------------

LEAVE_WAL = textwrap.dedent("""
    import os, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
    conn.execute("INSERT INTO t VALUES ('only in the WAL')")
    if sys.argv[2] == "newer":
        conn.execute("PRAGMA user_version = 999")
        conn.execute("PRAGMA application_id = 1146309441")
    os._exit(0)  # no close: the WAL is left as a crashed program leaves it
""")


@pytest.mark.parametrize("kind", ["foreign", "newer"])
def test_refused_file_with_leftover_wal_is_left_byte_identical(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "other.sqlite"
    subprocess.run([sys.executable, "-c", LEAVE_WAL, str(path), kind], check=True, timeout=60)
    wal = tmp_path / "other.sqlite-wal"
    assert wal.exists() and wal.stat().st_size > 0
    before = {p.name: sha(p) for p in tmp_path.iterdir() if not p.name.endswith("-shm")}
    with pytest.raises(ProjectOpenError) as info:
        Project(path)
    assert "\n" not in str(info.value)
    after = {p.name: sha(p) for p in tmp_path.iterdir() if not p.name.endswith("-shm")}
    assert after == before
    res = _cli(path, "stats")
    assert res.returncode == 1 and len(res.stderr.strip().splitlines()) == 1
    assert {p.name: sha(p) for p in tmp_path.iterdir() if not p.name.endswith("-shm")} == before


# -- read-only ------------------------------------------------------------------------------

def _can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount") is not None


@contextmanager
def tmpfs(size: str) -> Iterator[Path]:
    if not _can_mount():
        pytest.skip("needs root and mount to make a small file system (tmpfs)")
    folder = Path(tempfile.mkdtemp(prefix="desk-tmpfs-"))
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                          str(folder)], capture_output=True, text=True)
    if res.returncode != 0:
        folder.rmdir()
        pytest.skip(f"this machine does not allow mounting a tmpfs ({res.stderr.strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_project_on_a_read_only_disk_opens_read_only(tmp_path: Path) -> None:
    with tmpfs("8m") as disk:
        path = disk / "ro.sqlite"
        _seed(path)
        before = sha(path)
        res = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True,
                             text=True)
        if res.returncode != 0:
            pytest.skip(f"cannot remount read-only ({res.stderr.strip()})")
        with Project(path) as p:
            assert p.read_only and "read-only" in (p.read_only_reason or "")
            assert p.q.document_count() == 3 and p.integrity_problems == []
            coder = p.coder_by_name("alice")
            with pytest.raises(OperationError, match="read-only"):
                p.add_annotation(p.q.document_infos()[0].id, coder.id, 1, 5)
            with pytest.raises(OperationError, match="read-only"):
                p.undo(coder.id)
            with pytest.raises(OperationError, match="read-only"):
                p.ensure_coder("bob")  # a new coder cannot be added either
        # The CLI: reads and exports elsewhere work; writes give one line, exit 1.
        assert _cli(path, "stats").returncode == 0
        out = tmp_path / "out.jsonl"
        assert _cli(path, "export", str(out)).returncode == 0 and out.stat().st_size > 0
        assert _cli(path, "agreement").returncode == 0
        article = tmp_path / "a.txt"
        article.write_text("A new article\n\nbody text\n", encoding="utf-8")
        for args in (["import", str(article)], ["undo", "--coder", "alice"]):
            res = _cli(path, *args)
            assert res.returncode == 1, res.stdout
            assert len(res.stderr.strip().splitlines()) == 1 and "read-only" in res.stderr
            assert "Traceback" not in res.stderr
        assert sha(path) == before


def _unprivileged_uid() -> int | None:
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return None
    try:
        probe = subprocess.run([sys.executable, "-c", "import desk_annotator"], user=65534,
                               capture_output=True, cwd="/", timeout=60)
    except OSError:  # this Python lives where that user cannot run it
        return None
    return 65534 if probe.returncode == 0 else None


@pytest.mark.parametrize("what", ["file", "folder"])
def test_read_only_file_or_folder_for_an_ordinary_user(what: str) -> None:
    uid = _unprivileged_uid()
    if uid is None:
        pytest.skip("needs root (to run a process as 'nobody') and a program 'nobody' can run")
    folder = Path(tempfile.mkdtemp(prefix="desk-ro-"))
    try:
        path = folder / "shared.sqlite"
        _seed(path)
        os.chmod(folder, 0o755 if what == "file" else 0o555)
        os.chmod(path, 0o444 if what == "file" else 0o644)
        before = sha(path)
        res = _cli(path, "stats", user=uid)
        assert res.returncode == 0, res.stderr
        assert "documents: 3" in res.stdout
        res = _cli(path, "undo", "--coder", "alice", user=uid)
        assert res.returncode == 1 and "read-only" in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert "corrupt" not in res.stderr
        assert sha(path) == before
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder, ignore_errors=True)


# -- a full disk ----------------------------------------------------------------------------

def _fill(disk: Path) -> None:
    """Fill the file system to the last byte."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_full_disk_refuses_each_write_with_one_line_and_loses_nothing(tmp_path: Path) -> None:
    with tmpfs("4m") as disk:
        path = disk / "full.sqlite"
        _seed(path, n_docs=5)
        with Project(path) as p:
            n_before = p.q.annotation_count()
        with Project(path) as p:  # open while there is room; the disk fills meanwhile
            _fill(disk)
            coder = p.coder_by_name("alice")
            doc = p.q.document_infos()[0]
            failures = 0
            # Keep tagging until the disk refuses (the WAL may have a little room left).
            for i in range(2000):
                try:
                    p.add_annotation(doc.id, coder.id, i % 200, i % 200 + 5,
                                     note="x" * 2000)
                except OperationError as exc:
                    assert "disk is full" in str(exc) and "\n" not in str(exc), str(exc)
                    failures += 1
                    break
            assert failures == 1
            stored = p.q.annotation_count()
            with pytest.raises(OperationError, match="disk is full"):
                p.undo(coder.id)
        _fill(disk)  # closing freed the WAL's room: take it too
        with Project(path) as p:  # opened on the full disk: read-only, saying why
            assert p.read_only and p.read_only_reason == "the disk is full"
            assert p.q.annotation_count() == stored
        big = tmp_path / "big.txt"
        big.write_text("Big article\n\n" + "Lots of words here. " * 50_000, encoding="utf-8")
        res = _cli(path, "import", str(big))
        assert res.returncode == 1 and "Traceback" not in res.stderr
        assert "disk is full" in res.stderr
        (disk / "filler").unlink()
        conn = sqlite3.connect(str(path))
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        with Project(path) as p:
            assert p.q.annotation_count() == stored >= n_before
            assert p.integrity_problems == []
            assert "Big article" not in {d.title for d in p.q.document_infos()}


# -- migration backups ----------------------------------------------------------------------

def _downgrade_to_schema_2(path: Path) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute("DROP INDEX idx_history_coder")
    conn.execute("DROP TABLE IF EXISTS assignments")  # migration 4
    conn.execute("DROP TABLE IF EXISTS document_variables")  # migration 5
    conn.execute("DROP TABLE IF EXISTS variables")
    conn.execute("DROP TABLE IF EXISTS document_set_members")  # migration 6
    conn.execute("DROP TABLE IF EXISTS document_sets")
    conn.execute("DROP TABLE IF EXISTS document_coding_themes")  # migration 7
    conn.execute("DROP TABLE IF EXISTS document_codings")
    conn.execute("DROP TABLE IF EXISTS memos")  # migration 8
    conn.execute("DROP TABLE IF EXISTS model_requests")  # migration 9
    conn.execute("DROP TABLE IF EXISTS suggestions")
    from desk_annotator.store.label_summaries import LABEL_SUMMARY_TABLES, TRIGGERS
    for trigger in TRIGGERS:  # migration 11
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in LABEL_SUMMARY_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    from desk_annotator.store import summaries  # migration 10
    for trigger in summaries.TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in summaries.SUMMARY_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute("DROP INDEX IF EXISTS idx_documents_list")
    conn.execute("DROP INDEX IF EXISTS idx_annotations_coder_stance")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()


def test_killed_migration_leaves_no_empty_backup_and_the_rerun_works(tmp_path: Path) -> None:
    assert SCHEMA_VERSION >= 3
    path = tmp_path / "old.sqlite"
    _seed(path, n_docs=400, size=200)  # ~4 MB: the backup takes a moment
    _downgrade_to_schema_2(path)
    original = tmp_path / "pristine.sqlite"
    shutil.copy(path, original)
    rng = random.Random(3)
    opener = "import sys; from desk_annotator.project import Project; Project(sys.argv[1]).close()"
    for _ in range(4):
        shutil.copy(original, path)
        for extra in tmp_path.glob("old.sqlite-*"):
            extra.unlink()
        proc = subprocess.Popen([sys.executable, "-c", opener, str(path)])
        time.sleep(rng.uniform(0.3, 0.9))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        for backup in tmp_path.glob("old.schema2.backup*.sqlite"):
            conn = sqlite3.connect(str(backup))
            try:  # a backup that exists is complete
                assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
                assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 400
            finally:
                conn.close()
            backup.unlink()
    # A stale temporary backup of a dead process, then a normal open of the old file (the last
    # killed process may have finished its migration first on a fast machine: start afresh).
    shutil.copy(original, path)
    for extra in tmp_path.glob("old.sqlite-*"):
        extra.unlink()
    stale = tmp_path / ".old.schema2.backup.sqlite.desk-tmp-999999-deadbeef"
    stale.write_bytes(b"")
    with Project(path) as p:
        assert p.q.document_count() == 400
    assert not stale.exists()
    backups = sorted(b.name for b in tmp_path.glob("old.schema2.backup*"))
    assert backups == ["old.schema2.backup.sqlite"]

"""Several real programs on one project file at once (DESIGN §7, issue 8).

A "session" process keeps the project open in the real main window (offscreen) and codes
passage after passage, each one committed and announced on stdout, while this test runs the
CLI (stats, import, export, undo), the `sqlite3` shell and sqlite-utils on the same file, and
opens and closes the project a second time inside the session itself. Then the session is
killed with SIGKILL (or closed normally), and every committed action of every program is
counted, the file passes `PRAGMA integrity_check`, and every quote still matches its text.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from desk_annotator.project import Project

SESSION = textwrap.dedent("""
    import sys, os
    from PySide6.QtCore import QTimer
    from desk_annotator.gui.app import make_app
    from desk_annotator.gui.main_window import MainWindow
    from desk_annotator.gui.settings import Settings
    from desk_annotator.project import Project

    path, coder_name = sys.argv[1], sys.argv[2]
    app = make_app()
    project = Project(path, check_integrity="deferred")   # exactly as the GUI opens it
    window = MainWindow(project, coder_name, Settings())
    window.show()
    coder = project.coder_by_name(coder_name)
    stance = [l for l in project.q.labels() if l.scheme == "stance"][0]
    state = {"i": 0, "rows": window.corpus.model.rowCount()}
    print("ready", window.corpus.model.rowCount(), flush=True)

    def tick():
        docs = project.q.document_infos()
        doc = docs[state["i"] % len(docs)]
        start = (state["i"] * 7) % max(1, doc.length - 12)
        ann = project.add_annotation(doc.id, coder.id, start, start + 10, stance_id=stance.id,
                                     note=f"session {state['i']}")
        state["i"] += 1
        print("committed", ann.id, flush=True)
        if state["i"] % 15 == 0:
            # A script (or a worker thread) opening the same project again in this process,
            # then closing it: must not drop this process's locks.
            other = Project(path)
            other.stats()
            other.close()
        rows = window.corpus.model.rowCount()
        if rows != state["rows"]:
            state["rows"] = rows
            print("window-documents", rows, flush=True)
        if os.path.exists(path + ".stop"):
            window.close()
            project.close()
            print("closed", flush=True)
            app.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(15)
    app.exec()
""")


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp / "config"),
               XDG_DATA_HOME=str(tmp / "data"), XDG_CACHE_HOME=str(tmp / "cache"))
    env.pop("DISPLAY", None)
    return env


def _cli(path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desk_annotator.cli", "--project", str(path),
                           *args], capture_output=True, text=True, env=env, timeout=120)


class Session:
    """The session process and what it announced (read on a thread of its own)."""

    def __init__(self, path: Path, coder: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", SESSION, str(path), coder],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        self.committed: list[str] = []
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            self.lines.append(line)
            if line.startswith("ready"):
                self.ready.set()
            elif line.startswith("committed "):
                self.committed.append(line.split()[1])

    def wait_for(self, predicate, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            if self.proc.poll() is not None:
                return predicate()
            time.sleep(0.05)
        return predicate()

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=20)
        self._reader.join(timeout=10)

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read() if self.proc.poll() is not None else ""


def _make_project(path: Path, tmp: Path) -> None:
    class Art:
        def __init__(self, i: int) -> None:
            self.title = f"Article {i}"
            self.text = (f"Article {i}: export controls, open models and the Global South — "
                         "😀 emoji, 中文 text and café. " * 30)
            self.metadata = {"outlet": "Test Wire"}

    with Project(path) as p:
        p.import_codebook(_codebook())
        p.add_documents([Art(i) for i in range(5)])
        p.ensure_coder("session")
        p.ensure_coder("cli")


def _codebook():
    from desk_annotator.models import Codebook, Label
    return Codebook(name="test", labels=[
        Label(id="S1", scheme="stance", name="supportive", color="#1b9e77"),
        Label(id="S2", scheme="stance", name="critical", color="#d95f02"),
        Label(id="T1", scheme="themes", name="export controls", color="#7570b3")])


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _other_programs(path: Path, tmp: Path, env: dict[str, str], rng: random.Random) -> dict:
    """Everything a colleague does on the file from a terminal while the window is open."""
    done: dict = {"imported": [], "exports": 0}
    article = tmp / "from-terminal.txt"
    for round_ in range(3):
        assert _cli(path, "stats", env=env).returncode == 0
        article.write_text(f"Terminal article {round_}\n\nA note from the terminal, round "
                           f"{round_}, about export controls. ✓\n", encoding="utf-8")
        res = _cli(path, "import", str(article), env=env)
        assert res.returncode == 0, res.stderr
        done["imported"].append(f"Terminal article {round_}")
        res = _cli(path, "export", str(tmp / f"export{round_}.jsonl"), env=env)
        assert res.returncode == 0, res.stderr
        done["exports"] += 1
        if shutil.which("sqlite3"):
            out = subprocess.run(["sqlite3", str(path), "SELECT count(*) FROM annotations;"],
                                 capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
        # sqlite-utils, as users run it on our files (a table of their own, then a read).
        tool = Path(sys.executable).with_name("sqlite-utils")
        if tool.exists():
            # sqlite-utils reads before it writes, so against a window that commits every
            # 15 ms SQLite may answer "locked" at once (a stale read snapshot cannot become a
            # write): the other tool's own failure, as a user would see it, and retried.
            for _attempt in range(20):
                out = subprocess.run([str(tool), "insert", str(path), "my_notes", "-"],
                                     input=f'{{"round": {round_}}}', capture_output=True,
                                     text=True, timeout=60)
                if out.returncode == 0 or "locked" not in out.stderr:
                    break
                time.sleep(0.1)
            assert out.returncode == 0, out.stderr
        # A plain Python sqlite3 reader that opens and closes the file.
        conn = sqlite3.connect(str(path))
        conn.execute("SELECT count(*) FROM documents").fetchone()
        conn.close()
        time.sleep(rng.uniform(0.05, 0.3))
    return done


def _check_everything_kept(path: Path, session: Session, done: dict) -> None:
    assert _integrity(path) == "ok"
    with Project(path) as p:
        assert p.integrity_problems == []
        stored = {a.id for a in p.q.annotations()}
        lost = [a for a in session.committed if a not in stored]
        assert not lost, f"{len(lost)} of {len(session.committed)} committed annotations lost"
        titles = {d.title for d in p.q.document_infos()}
        assert set(done["imported"]) <= titles
        for ann in p.q.annotations():
            doc = p.q.document(ann.document_id)
            assert doc is not None and doc.text[ann.start:ann.end] == ann.quote


@pytest.mark.parametrize("ending", ["kill", "close"])
def test_window_and_terminal_programs_on_one_project(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "shared.sqlite"
    env = _env(tmp_path)
    _make_project(path, tmp_path)
    rng = random.Random(8 if ending == "kill" else 9)
    session = Session(path, "session", env)
    try:
        assert session.ready.wait(60), session.stderr()
        assert session.wait_for(lambda: len(session.committed) >= 20), session.lines[-5:]
        done = _other_programs(path, tmp_path, env, rng)
        # The window's commits are visible to other programs while it runs.
        seen_now = len(session.committed)
        conn = sqlite3.connect(str(path))
        stored = {r[0] for r in conn.execute("SELECT id FROM annotations")}
        conn.close()
        assert set(session.committed[:seen_now]) <= stored
        # The terminal's imports show up in the open window without a restart.
        total_docs = 5 + len(done["imported"])
        assert session.wait_for(
            lambda: f"window-documents {total_docs}" in session.lines, timeout=10), \
            [line for line in session.lines if line.startswith("window-")]
        assert session.wait_for(lambda: len(session.committed) >= seen_now + 10)
        if ending == "kill":
            time.sleep(rng.uniform(0.0, 0.2))
            session.kill()
        else:
            Path(str(path) + ".stop").touch()
            assert session.wait_for(lambda: "closed" in session.lines, timeout=30)
            session.proc.wait(timeout=30)
            session._reader.join(timeout=10)
            assert not (tmp_path / "shared.sqlite-wal").exists() or \
                (tmp_path / "shared.sqlite-wal").stat().st_size == 0
    finally:
        if session.proc.poll() is None:
            session.kill()
    _check_everything_kept(path, session, done)


def test_two_project_objects_in_one_process_keep_commits_visible(tmp_path: Path) -> None:
    """`Project(p)` twice in one script, one closed: the other's commits stay durable and
    visible to a separate program, also after that program wrote to the file and closed it
    (which, with this process's locks dropped, checkpointed and deleted the WAL under us)."""
    path = tmp_path / "twice.sqlite"
    _make_project(path, tmp_path)
    first = Project(path)
    second = Project(path)
    second.close()  # closing must not drop the first connection's locks
    coder = first.coder_by_name("session")
    doc = first.q.document_infos()[0]
    ids = [first.add_annotation(doc.id, coder.id, i, i + 3).id for i in range(20)]
    count = ("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
             "print(c.execute('select count(*) from annotations').fetchone()[0])")
    out = subprocess.run([sys.executable, "-c", count, str(path)], capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "20"
    writer = ("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
              "c.execute('CREATE TABLE IF NOT EXISTS my_notes (x)');"
              "c.execute('INSERT INTO my_notes VALUES (1)'); c.commit(); c.close()")
    subprocess.run([sys.executable, "-c", writer, str(path)], check=True, timeout=60)
    ids += [first.add_annotation(doc.id, coder.id, i, i + 3).id for i in range(20, 40)]
    out = subprocess.run([sys.executable, "-c", count, str(path)], capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "40"
    first.close()
    assert _integrity(path) == "ok"
    with Project(path) as p:
        assert {a.id for a in p.q.annotations()} == set(ids)


def test_open_window_is_told_about_other_programs_commits(tmp_path: Path) -> None:
    path = tmp_path / "poll.sqlite"
    _make_project(path, tmp_path)
    seen = []
    with Project(path) as p:
        p.subscribe(seen.append)
        assert p.poll_external_changes() is False
        coder = p.coder_by_name("session")
        p.add_annotation(p.q.document_infos()[0].id, coder.id, 0, 4)
        assert p.poll_external_changes() is False  # our own commit is not "external"
        res = _cli(path, "codebook", "export", str(tmp_path / "cb.json"), env=_env(tmp_path))
        assert res.returncode == 0  # a read: nothing to report
        assert p.poll_external_changes() is False
        conn = sqlite3.connect(str(path))
        conn.execute("UPDATE documents SET title = 'renamed elsewhere' WHERE rowid = 1")
        conn.commit()
        conn.close()
        assert p.poll_external_changes() is True
        assert seen[-1].source == "external" and seen[-1].everything
        assert "documents" in seen[-1].tables
        assert p.poll_external_changes() is False


def test_importing_the_projects_own_files_is_refused_unread(tmp_path: Path) -> None:
    """`import project.sqlite` (or its -wal, or a codebook import of it) must not open the
    file by other means: it is refused before any read, and the locks stay intact."""
    from desk_annotator.errors import FormatError
    from desk_annotator.project_io import import_codebook_file, import_paths

    path = tmp_path / "own.sqlite"
    _make_project(path, tmp_path)
    with Project(path) as p:
        coder = p.coder_by_name("session")
        doc = p.q.document_infos()[0]
        p.add_annotation(doc.id, coder.id, 0, 3)
        wal = tmp_path / "own.sqlite-wal"
        report = import_paths(p, [path, wal] if wal.exists() else [path])
        assert report.refused and all("own file" in r for r in report.refused)
        with pytest.raises(FormatError, match="own file"):
            import_codebook_file(p, path)
        writer = ("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
                  "c.execute('CREATE TABLE IF NOT EXISTS my_notes (x)'); c.commit(); c.close()")
        subprocess.run([sys.executable, "-c", writer, str(path)], check=True, timeout=60)
        ids = [p.add_annotation(doc.id, coder.id, i, i + 2).id for i in range(5, 15)]
        out = subprocess.run([sys.executable, "-c",
                              "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
                              "print(c.execute('select count(*) from annotations').fetchone()[0])",
                              str(path)], capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() == "11"
    with Project(path) as p:
        assert set(ids) <= {a.id for a in p.q.annotations()}

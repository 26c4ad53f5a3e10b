"""Shared, non-GUI fixtures: an isolated home, small projects, and a full table dump.

(GUI fixtures live in tests/gui/conftest.py.)
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from desk_annotator.project import Project

REPO = Path(__file__).resolve().parent.parent

# Tables an operation may change, compared by dump(); history is bookkeeping of undo itself.
DATA_TABLES = ("meta", "coders", "labels", "documents", "annotations", "annotation_themes",
               "doc_status")


def pytest_collection_finish(session: pytest.Session) -> None:
    """The bundle smoke test's build runs in the background beside the other tests."""
    from bundle_build import start_if_selected  # tests/bundle_build.py

    if not session.config.option.collectonly:
        start_if_selected(session.items)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Nothing a test does may touch the real user's data or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(home))
    return home


def dump_tables(project: Project, tables: tuple[str, ...] = DATA_TABLES) -> dict[str, list[tuple]]:
    """Every row of every data table, sorted, read straight from SQLite (not through Queries)."""
    out: dict[str, list[tuple]] = {}
    for table in tables:
        cur = project.store.db.execute(f"SELECT * FROM [{table}]")
        cols = [d[0] for d in cur.description]
        out[table] = sorted((tuple(zip(cols, row)) for row in cur.fetchall()), key=repr)
    return out


def all_tables_dump(project: Project) -> dict[str, list[tuple]]:
    """Like dump() but over every table in the file (history included)."""
    names = [r[0] for r in project.store.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return dump_tables(project, tuple(sorted(names)))


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    return tmp_path / "project.sqlite"


@pytest.fixture
def project(project_path: Path):
    with Project(project_path) as p:
        yield p


def seed_project(project: Project) -> dict[str, Any]:
    """A small, varied project: 2 coders, 2 stance + 3 theme labels, 3 documents (emoji, CJK,
    combining accents), annotations with themes and notes, statuses. Returns the ids."""
    c1 = project.ensure_coder("coder-1")
    c2 = project.ensure_coder("coder-2")
    sup = project.add_label("stance", "supportive", color="#1b9e77", key="1")
    crit = project.add_label("stance", "critical", color="#d95f02", key="2")
    exp = project.add_label("themes", "export controls", key="e")
    opn = project.add_label("themes", "open source", description="weights released")
    saf = project.add_label("themes", "safety")
    texts = [
        "Export controls on open models 😀 were debated.\nCritics said 中文 sources matter.",
        "Café owners — and naïve users — asked: why? 🇺🇸 👩‍💻 done.",
        "Plain ASCII article about safety and jobs.",
    ]
    project.add_documents([_Art(f"Doc {i}", t, {"outlet": "Test", "date": "2025-07-0%d" % (i + 1)})
                           for i, t in enumerate(texts)])
    docs = project.q.document_infos()
    d0, d1, d2 = (d.id for d in docs)
    a1 = project.add_annotation(d0, c1.id, 0, 15, stance_id=crit.id, theme_ids=[exp.id])
    a2 = project.add_annotation(d0, c2.id, 7, 40, stance_id=sup.id, theme_ids=[exp.id, opn.id],
                                note="multi\nline")
    a3 = project.add_annotation(d1, c1.id, 0, 4, theme_ids=[saf.id])
    project.set_status(d0, c1.id, "done")
    project.set_status(d1, c2.id, "doing")
    return {"coders": [c1, c2], "labels": {"supportive": sup, "critical": crit,
                                           "export controls": exp, "open source": opn,
                                           "safety": saf},
            "docs": [d0, d1, d2], "annotations": [a1, a2, a3]}


class _Art:
    """The minimal article shape AddDocuments accepts (title, text, metadata)."""

    def __init__(self, title: str, text: str, metadata: dict[str, str | None] | None = None):
        self.title, self.text, self.metadata = title, text, dict(metadata or {})


def make_article(title: str, text: str, **metadata: str | None) -> _Art:
    return _Art(title, text, metadata)


@pytest.fixture
def seeded(project: Project) -> tuple[Project, dict[str, Any]]:
    return project, seed_project(project)


# The helpers as fixtures: test modules are not a package, so they take them as arguments.
@pytest.fixture
def dump():
    return dump_tables


@pytest.fixture
def seed():
    return seed_project


@pytest.fixture
def article():
    return make_article


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Run ``desk-annotator ARGS`` in-process through ``main`` (the console script):
    returns (exit status, stdout, stderr)."""
    from desk_annotator.cli import main

    def run(*args: str | Path) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def write_lock_taken(path: str | Path) -> bool:
    """Whether some connection holds the project file's write lock right now, as a second
    program sees it (a write running in another thread or process)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()

"""A big import drops the summary triggers inside its transaction, recounts the documents it
touched and restores the triggers (store/bulk_summaries.py): afterwards every summary equals a
recount, the triggers are back and keep counting another program's writes, and undo leaves
the counts right too."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils

from desk_annotator.ops_documents import DeleteDocument
from desk_annotator.project import Project
from desk_annotator.project_io import import_paths
from desk_annotator.sample import fill_from_sample
from desk_annotator.store import label_summaries, summaries
from desk_annotator.store.bulk_summaries import BULK_ROWS
from desk_annotator.store.integrity import CHECKED_IN_ACTION
from desk_annotator.store.label_summaries import (
    recount_label_summaries,
    recount_label_totals,
)
from desk_annotator.store.summaries import summary_mismatches

STANCES = ["supportive", "critical", "neutral", "mixed"]
THEMES = ["open source and access", "export controls and chips", "geopolitical rivalry"]


def _dataset(path: Path, existing: dict, documents: int = 19, per_document: int = 60) -> int:
    """New documents plus one existing sample document (same id and text: a merge into it),
    each with ``per_document`` passages of coder-4; returns the number of passages."""
    records = [existing] + [
        {"id": f"BULK-{i:04d}", "title": f"Bulk {i}",
         "text": " ".join(f"w{i}x{j}" for j in range(400)), "metadata": {}, "status": {}}
        for i in range(documents)]
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for rec in records:
            text = rec["text"]
            anns = []
            for j in range(per_document):
                start = (j * 7) % (len(text) - 20)
                anns.append({"id": f"{rec['id']}-A{j}", "start": start, "end": start + 15,
                             "quote": text[start:start + 15], "coder": "coder-4",
                             "stance": STANCES[j % 4], "themes": THEMES[: j % 4],
                             "note": None})
            n += len(anns)
            out.write(json.dumps({**rec, "annotations": anns}) + "\n")
    return n


def _schema_objects(path: Path, kind: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = ?",
                                           (kind,))}
    finally:
        conn.close()


def _assert_summaries_right(path: Path) -> None:
    # A big import also drops the annotation tables' indexes inside its transaction and
    # builds them at the end: every index of a fresh project is there afterwards.
    fresh = path.with_name(path.stem + "-fresh.sqlite")
    if not fresh.exists():
        Project(fresh).close()
    assert _schema_objects(fresh, "index") <= _schema_objects(path, "index")
    conn = sqlite3.connect(path)
    db = sqlite_utils.Database(conn)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert set(summaries.TRIGGERS) | set(label_summaries.TRIGGERS) <= names
    assert summary_mismatches(db) == []
    # the quote queue names only annotations that exist (a delete trigger takes the others)
    assert conn.execute("SELECT count(*) FROM unchecked_quotes u WHERE NOT EXISTS "
                        "(SELECT 1 FROM annotations a WHERE a.id = u.annotation_id)"
                        ).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM annotation_owners").fetchone()[0] == \
        conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
    stored = conn.execute("SELECT kind, document_id, coder_id, label_id, passages, characters "
                          "FROM label_counts ORDER BY 1, 2, 3, 4").fetchall()
    assert stored == [tuple(r) for r in recount_label_summaries(db)]
    totals = conn.execute("SELECT kind, coder_id, label_id, passages, characters, documents "
                          "FROM label_totals ORDER BY 1, 2, 3").fetchall()
    assert totals == [tuple(r) for r in recount_label_totals(db)]
    conn.close()


def test_a_big_import_leaves_every_summary_equal_to_a_recount(tmp_path: Path,
                                                              monkeypatch) -> None:
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.sqlite"
    with Project(path) as project:
        fill_from_sample(project)
    sample = json.loads(Path(__file__).parents[1].joinpath(
        "sample_corpus", "annotations.jsonl").read_text("utf-8").splitlines()[0])
    existing = {k: sample[k] for k in ("id", "title", "text", "metadata")} | {"status": {}}
    data = tmp_path / "bulk.jsonl"
    passages = _dataset(data, existing)
    assert passages >= BULK_ROWS  # the bulk path, not the per-row triggers
    with Project(path) as project:
        before = project.q.annotation_count()
        settings = [project.q.db.execute(f"PRAGMA {name}").fetchone()[0]
                    for name in ("threads", "cache_size")]
        report = import_paths(project, [data], add_missing_labels=True)
        assert report.annotations_added == passages, report
        assert project.q.annotation_count() == before + passages
        # the bulk path's sorter threads and page cache are the connection's own again
        assert [project.q.db.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("threads", "cache_size")] == settings
    _assert_summaries_right(path)

    # The triggers are back: another program's write (into the sample document, which the
    # import's undo keeps) is counted by them.
    conn = sqlite3.connect(path)
    row = conn.execute("SELECT document_id, coder_id, stance_id FROM annotations "
                       "WHERE id = ?", (existing["id"] + "-A1",)).fetchone()
    text = conn.execute("SELECT text FROM documents WHERE id = ?", (row[0],)).fetchone()[0]
    coder_1 = conn.execute("SELECT id FROM coders WHERE name = 'coder-1'").fetchone()[0]
    conn.execute("INSERT INTO annotations (id, document_id, coder_id, start, [end], quote, "
                 "stance_id, created, updated) VALUES ('other-program', ?, ?, 0, 5, ?, ?, "
                 "'2026-01-01', '2026-01-01')", (row[0], coder_1, text[0:5], row[2]))
    conn.commit()
    conn.close()
    _assert_summaries_right(path)

    with Project(path) as project:  # undo of the import: per-row triggers take it out again
        project.undo()
        assert project.q.annotation_count() == before + 1
    _assert_summaries_right(path)


def test_a_killed_big_import_leaves_the_triggers_and_an_intact_file(tmp_path: Path,
                                                                    monkeypatch) -> None:
    """kill -9 while a big import runs with its triggers dropped: the rollback brings them
    back, the file passes integrity_check, and the summaries equal a recount."""
    import random
    import signal
    import subprocess
    import sys
    import time

    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.sqlite"
    with Project(path) as project:
        fill_from_sample(project)
    sample = json.loads(Path(__file__).parents[1].joinpath(
        "sample_corpus", "annotations.jsonl").read_text("utf-8").splitlines()[0])
    existing = {k: sample[k] for k in ("id", "title", "text", "metadata")} | {"status": {}}
    data = tmp_path / "bulk.jsonl"
    _dataset(data, existing, documents=400, per_document=60)
    rng = random.Random(7)
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-m", "desk_annotator.cli", "--project",
                                 str(path), "import", "--add-missing-labels", str(data)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
        conn.close()
        assert n in (225, 225 + 401 * 60), n  # all of the import or none of it
        _assert_summaries_right(path)
        if n > 225:
            break
    with Project(path) as project:  # and the project opens and works as before
        assert project.q.annotation_count() in (225, 225 + 401 * 60)


def _varied_dataset(path: Path, documents: int) -> int:
    """New documents only: astral and CJK text, CRLF kept as written, an empty document,
    passages without a stance, with no theme or several, overlapping spans, seven coders."""
    import random

    rng = random.Random(11)
    words = ["policy", "😀", "治理", "café", "🇺🇸", "data", "“quoted”", "e\u0301"]
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(documents):
            text = "\r\n".join(" ".join(rng.choice(words) for _ in range(60)) for _ in range(3))
            anns = []
            for j in range(0 if i == 3 else 90):
                start = rng.randrange(len(text) - 30)
                end = start + rng.randrange(1, 30)
                anns.append({"id": f"V{i}-{j}", "start": start, "end": end,
                             "quote": text[start:end], "coder": f"coder-{j % 7}",
                             "stance": None if j % 5 == 0 else STANCES[j % 4],
                             "themes": rng.sample(THEMES, j % 4), "note": None})
            n += len(anns)
            out.write(json.dumps({"id": f"V-{i}", "title": f"Varied {i}", "text": text,
                                  "annotations": anns}, ensure_ascii=False) + "\n")
    return n


def test_a_big_import_of_new_documents_queues_no_quote_and_counts_as_a_recount(
        tmp_path: Path, monkeypatch) -> None:
    """A bulk import of varied new documents: every summary equals a recount (label_owners
    row for row), and no quote is left for the next open to check (the import compared each
    with the stored text), while the restored triggers queue a later change again."""
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.sqlite"
    with Project(path) as project:
        fill_from_sample(project)
        queued_before = project.store.db.execute("SELECT count(*) FROM unchecked_quotes"
                                                 ).fetchone()
    data = tmp_path / "varied.jsonl"
    passages = _varied_dataset(data, 60)
    # the bulk path, and more than the quotes an action checks itself before its commit
    assert passages >= max(BULK_ROWS, CHECKED_IN_ACTION)
    with Project(path) as project:
        report = import_paths(project, [data], add_missing_labels=True)
        assert report.annotations_added == passages, report
    _assert_summaries_right(path)
    conn = sqlite3.connect(path)
    owners = conn.execute("SELECT annotation_id, kind, label_id, document_id, coder_id, length "
                          "FROM label_owners ORDER BY 1, 2, 3").fetchall()
    expected = conn.execute(
        "SELECT id, 's', stance_id, document_id, coder_id, [end] - start FROM annotations "
        "WHERE stance_id IS NOT NULL UNION ALL "
        "SELECT a.id, 't', t.label_id, a.document_id, a.coder_id, a.[end] - a.start "
        "FROM annotation_themes t JOIN annotations a ON a.id = t.annotation_id "
        "ORDER BY 1, 2, 3").fetchall()
    assert owners == expected
    assert conn.execute("SELECT count(*) FROM unchecked_quotes").fetchone() == queued_before
    conn.close()
    with Project(path) as project:
        check = project.store.quote_problems(full=True)
        assert check.bad == [] and check.checked >= passages
    # The triggers are back: a quote another program changes afterwards is queued again.
    conn = sqlite3.connect(path)
    conn.execute("UPDATE annotations SET quote = 'tampered' WHERE id = 'V0-1'")
    conn.commit()
    assert conn.execute("SELECT count(*) FROM unchecked_quotes WHERE annotation_id = 'V0-1'"
                        ).fetchone() == (1,)
    conn.close()
    with Project(path) as project:  # undo of the import: the per-row triggers take it out
        project.undo()
    _assert_summaries_right(path)


def test_a_theme_left_behind_by_another_program_counts_once_its_annotation_is_imported(
        tmp_path: Path, monkeypatch) -> None:
    """Another program (foreign keys off, as in the sqlite3 shell) left a theme row whose
    annotation it deleted; a big import then brings that annotation back in a new document.
    The theme belongs to it again and counts (a theme counts when its annotation row exists),
    so the import's own rows are not the whole truth: the summaries equal a recount."""
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.sqlite"
    with Project(path) as project:
        fill_from_sample(project)
    conn = sqlite3.connect(path)  # foreign keys off: the module's default
    conn.execute("INSERT INTO labels (id, scheme, name) VALUES ('left-behind', 'themes', "
                 "'left behind')")
    conn.execute("INSERT INTO annotation_themes (annotation_id, label_id) "
                 "VALUES ('V0-1', 'left-behind')")
    conn.commit()
    conn.close()
    data = tmp_path / "varied.jsonl"
    passages = _varied_dataset(data, 20)
    assert passages >= BULK_ROWS
    with Project(path) as project:
        report = import_paths(project, [data], add_missing_labels=True)
        assert report.annotations_added == passages, report
    _assert_summaries_right(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT sum(passages) FROM label_counts WHERE kind = 't' "
                        "AND label_id = 'left-behind'").fetchone() == (1,)
    conn.close()


def test_big_label_merges_and_deletions_and_their_undo_keep_every_summary_right(
        tmp_path: Path, monkeypatch) -> None:
    """Merging or deleting a label on thousands of annotations recounts that label's summaries
    set-wise (store/bulk_summaries.label_triggers_suspended); so do undo and redo."""
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.sqlite"
    with Project(path) as project:
        fill_from_sample(project)
    sample = json.loads(Path(__file__).parents[1].joinpath(
        "sample_corpus", "annotations.jsonl").read_text("utf-8").splitlines()[0])
    existing = {k: sample[k] for k in ("id", "title", "text", "metadata")} | {"status": {}}
    data = tmp_path / "bulk.jsonl"
    _dataset(data, existing, documents=19, per_document=220)
    with Project(path) as project:
        import_paths(project, [data], add_missing_labels=True)
        label = {lb.name: lb.id for lb in project.q.labels()}
        # theme 0 on three quarters of the passages, theme 2 on a quarter (all of which
        # also carry theme 0): the merge moves most, and drops the rest as duplicates
        assert project.q.label_usage(label[THEMES[0]]) >= BULK_ROWS
        steps = [
            lambda: project.merge_labels(label[THEMES[0]], label[THEMES[2]]),
            lambda: project.merge_labels(label[STANCES[0]], label[STANCES[1]]),
            lambda: project.delete_label(label[THEMES[1]], force=True),
            lambda: project.delete_label(label[STANCES[2]], force=True),
        ]
        for step in steps:
            assert step() >= BULK_ROWS
        _assert_summaries_right(path)
        for _ in steps:
            project.undo()
        _assert_summaries_right(path)
        assert project.q.label_usage(label[THEMES[0]]) >= BULK_ROWS
        for _ in steps:
            project.redo()
        _assert_summaries_right(path)
        assert project.q.label(label[THEMES[0]]) is None
        project.undo()
        project.undo()
    _assert_summaries_right(path)


def test_deleting_big_documents_and_undoing_it_recount_them_set_wise(
        tmp_path: Path, monkeypatch) -> None:
    """Deleting a document of thousands of annotations (or many documents at once) drops the
    summary triggers inside the write and recounts those documents (ops.remove_documents);
    undo and redo of such a deletion do the same. Every summary equals a recount after each."""
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    path = tmp_path / "p.sqlite"
    with Project(path) as project:
        fill_from_sample(project)
    sample = json.loads(Path(__file__).parents[1].joinpath(
        "sample_corpus", "annotations.jsonl").read_text("utf-8").splitlines()[0])
    existing = {k: sample[k] for k in ("id", "title", "text", "metadata")} | {"status": {}}
    data = tmp_path / "bulk.jsonl"
    _dataset(data, existing, documents=4, per_document=BULK_ROWS + 100)
    with Project(path) as project:
        import_paths(project, [data], add_missing_labels=True)
        docs = {title: doc_id for doc_id, title in project.q.db.execute(
            "SELECT id, title FROM documents")}
        big, rest = docs["Bulk 0"], [docs["Bulk 1"], docs["Bulk 2"], docs[existing["title"]]]
        db = project.q.db
        # queued quotes of annotations about to go: the deletion must take them off the queue
        db.execute("INSERT OR IGNORE INTO unchecked_quotes (annotation_id) SELECT id "
                   "FROM annotations WHERE document_id IN (?, ?) LIMIT 50", (big, rest[0]))
        db.conn.commit()
        total = project.q.annotation_count()
        in_rest = project.q.annotation_count_in(rest)
        statements: list[str] = []
        db.conn.set_trace_callback(statements.append)
        assert project.run(DeleteDocument(big)) == BULK_ROWS + 100
        assert any(s.startswith("DROP TRIGGER") for s in statements)  # the set-wise path
        assert project.delete_documents(rest) == 3
        db.conn.set_trace_callback(None)
        left = total - BULK_ROWS - 100 - in_rest
        assert project.q.annotation_count() == left
        _assert_summaries_right(path)
        for expected in (total - BULK_ROWS - 100, total):
            project.undo()
            assert project.q.annotation_count() == expected
        _assert_summaries_right(path)
        project.redo()
        project.redo()
        assert project.q.annotation_count() == left
        _assert_summaries_right(path)
        project.undo()
        project.undo()
        assert project.q.annotation_count() == total
        assert project.q.document_infos([big])[0].title == "Bulk 0"
    _assert_summaries_right(path)

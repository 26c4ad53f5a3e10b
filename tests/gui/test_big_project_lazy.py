"""The corpus-wide annotation list pages lazily, filters in SQL, and the integrity check waits
until the window is shown. A generated project (200 documents x 20 annotations) keeps it fast;
expected figures are computed from the generated data, not read back from the code under test."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt

from desk_annotator.gui.main_window import MainWindow
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.project import Project
from desk_annotator.text import sha256_text

N_DOCS, PER_DOC, PAGE = 200, 20, 50
WORDS = ["policy", "chips", "export", "open", "model", "governance", "safety", "治理", "café", "😀", "data"]


@dataclass
class Generated:
    docs: list[Document]
    anns: list[Annotation]
    stance: list[Label]
    themes: list[Label]
    coders: list[Coder]

    def corpus_order(self, anns: list[Annotation]) -> list[str]:
        doc_pos = {d.id: i for i, d in enumerate(self.docs)}
        made = {a.id: i for i, a in enumerate(self.anns)}  # ties: the order they were stored
        return [a.id for a in sorted(anns, key=lambda a: (doc_pos[a.document_id], a.start,
                                                          a.end, made[a.id]))]


def generate(project: Project) -> Generated:
    rng = random.Random(11)
    stance = [Label(scheme="stance", name=n, order=i) for i, n in
              enumerate(["supportive", "critical", "neutral"])]
    themes = [Label(scheme="themes", name=f"theme {i}", order=i) for i in range(4)]
    coders = [Coder(name=n) for n in ("alice", "bob", "carol")]
    docs, anns = [], []
    for d in range(N_DOCS):
        text = " ".join(rng.choice(WORDS) for _ in range(80))
        doc = Document(title=f"Doc {d:03d}", text=text, sha256=sha256_text(text))
        docs.append(doc)
        for _ in range(PER_DOC):
            start = rng.randrange(0, len(text) - 40)
            end = start + rng.randrange(3, 40)
            anns.append(Annotation(document_id=doc.id, coder_id=rng.choice(coders).id,
                                   start=start, end=end, quote=text[start:end],
                                   stance_id=rng.choice(stance).id,
                                   theme_ids=[rng.choice(themes).id]))
    project.import_codebook(Codebook(labels=stance + themes))
    project.import_snapshot(ProjectSnapshot(codebook=Codebook(labels=stance + themes),
                                            coders=coders, documents=docs, annotations=anns),
                            source="test", labels="strict")
    return Generated(docs, anns, stance, themes, coders)


@pytest.fixture
def big(tmp_path, home):
    project = Project(tmp_path / "p.sqlite")
    data = generate(project)
    yield project, data
    project.close()


@pytest.fixture
def window(qtbot, big):
    project, _ = big
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    win.annotations.corpus_model.page_size = PAGE
    return win


def to_corpus_mode(window: MainWindow) -> None:
    scope = window.annotations.scope
    scope.setCurrentIndex(scope.findData(True))


def loaded_ids(window: MainWindow) -> list[str]:
    model = window.annotations.corpus_model
    return [model.annotation_at(r).id for r in range(model.rowCount())]


def pick(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_corpus_list_pages_in_and_totals_match(window, big):
    _project, data = big
    alice = next(c for c in data.coders if c.name == "alice")
    to_corpus_mode(window)
    model = window.annotations.corpus_model
    assert window.annotations.table.model() is model
    mine = [a for a in data.anns if a.coder_id == alice.id]  # blind mode: alice's only
    assert window.annotations.visible_count() == len(mine)
    assert model.rowCount() == PAGE and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * PAGE
    model.fetch_all()
    assert not model.canFetchMore()
    assert loaded_ids(window) == data.corpus_order(mine)
    # All coders: every annotation, still in corpus order, paged again from the start.
    window.actions_by_name["show_all"].trigger()
    assert window.annotations.visible_count() == N_DOCS * PER_DOC
    assert model.rowCount() == PAGE
    model.fetch_all()
    assert loaded_ids(window) == data.corpus_order(data.anns)
    # Descending corpus order from the Document column's header.
    window.annotations.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    model.fetch_all()
    assert loaded_ids(window) == data.corpus_order(data.anns)[::-1]


def test_corpus_list_filters_run_in_sql(window, big):
    _project, data = big
    to_corpus_mode(window)
    window.actions_by_name["show_all"].trigger()
    panel, model = window.annotations, window.annotations.corpus_model
    stance, theme, bob = data.stance[1], data.themes[2], data.coders[1]
    pick(panel.stance_filter, stance.id)
    expected = [a for a in data.anns if a.stance_id == stance.id]
    assert panel.visible_count() == len(expected)
    assert model.rowCount() == PAGE  # still only the first page
    model.fetch_all()
    assert loaded_ids(window) == data.corpus_order(expected)
    pick(panel.theme_filter, theme.id)
    pick(panel.coder_filter, bob.id)
    expected = [a for a in expected if theme.id in a.theme_ids and a.coder_id == bob.id]
    assert panel.visible_count() == len(expected)
    model.fetch_all()
    assert loaded_ids(window) == data.corpus_order(expected)
    # Back in blind mode, filtering on another coder shows nothing.
    window.actions_by_name["show_all"].trigger()
    assert panel.visible_count() == 0 and model.rowCount() == 0


def test_clicking_a_corpus_row_opens_its_passage(qtbot, window, big):
    _project, data = big
    to_corpus_mode(window)
    model, table = window.annotations.corpus_model, window.annotations.table
    model.fetchMore()
    row = PAGE + 7  # on the second page, in some other document
    ann = model.annotation_at(row)
    assert window.view.document_id != ann.document_id
    index = model.index(row, 2)
    table.scrollTo(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(index).center())
    assert window.view.document_id == ann.document_id
    assert window.title_label.text() == next(d.title for d in data.docs
                                             if d.id == ann.document_id)
    assert window.view.selection_span() == (ann.start, ann.end)
    assert index.siblingAtColumn(0).data() == window.title_label.text()


def test_corpus_list_follows_changes(window, big):
    project, data = big
    to_corpus_mode(window)
    model = window.annotations.corpus_model
    model.fetch_all()
    before = window.annotations.visible_count()
    doc = data.docs[3]
    added = project.add_annotation(doc.id, window.coder.id, 0, 6)
    assert window.annotations.visible_count() == before + 1
    assert added.id in loaded_ids(window)
    project.update_annotation(added.id, window.coder.id, note="seen")
    assert model.annotation_at(model.row_of(added.id)).note == "seen"
    project.delete_annotations([added.id], window.coder.id)
    assert added.id not in loaded_ids(window)
    assert window.annotations.visible_count() == before
    # Opening another document leaves the corpus list as it is (no full reload).
    first = model.annotation_at(0)
    window.open_document(data.docs[-1].id)
    assert model.rowCount() == before and model.annotation_at(0) == first


def test_integrity_check_runs_after_the_window_shows(qtbot, tmp_path, home):
    path = tmp_path / "damaged.sqlite"
    with Project(path) as project:
        data = generate(project)
    bad = data.anns[5].id
    conn = sqlite3.connect(path)  # damage from outside the program
    conn.execute("UPDATE annotations SET quote = 'not the text' WHERE id = ?", (bad,))
    conn.commit()
    conn.close()
    with Project(path) as checked:  # the default (the CLI): checked on open
        assert [bad in p for p in checked.integrity_problems] == [True]
    project = Project(path, check_integrity="deferred")
    assert project.integrity_problems == [] and project.integrity_pending
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.integrity_check is not None)
    win.integrity_check.wait(10)
    qtbot.waitUntil(lambda: win.last_message is not None)
    title, text = win.last_message
    assert title == "Project check" and bad in text
    assert not project.integrity_pending and len(project.integrity_problems) == 1
    win.close()
    project.close()

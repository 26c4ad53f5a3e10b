"""Document sets in the document list: the set filter (with search and status), a set made
from the list's current filter (one undoable op), and the filter following set changes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from desk_annotator.document_sets import document_sets, set_members
from desk_annotator.gui import corpus_sets
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.ops_sets import CreateSet, DeleteSet
from desk_annotator.project import Project

TITLES = ["Chips ban", "Chips deal", "Open models", "Summit"]


@pytest.fixture
def win(qtbot, tmp_path, home):
    project = Project(tmp_path / "s.sqlite")
    project.add_documents([SimpleNamespace(title=t, text=f"Text of {t}.", metadata={})
                           for t in TITLES])
    window = MainWindow(project, coder_name="alice")
    qtbot.addWidget(window)
    yield window
    window.close()
    project.close()


def shown(win) -> list[str]:
    by_id = {d.id: d.title for d in win.project.q.document_infos()}
    return [by_id[d] for d in win.corpus.visible_document_ids()]


def test_set_filter_and_a_set_from_the_filter(win):
    ids = {d.title: d.id for d in win.project.q.document_infos()}
    assert not win.corpus.set_filter.isVisibleTo(win)  # no set yet: no filter shown
    win.project.run(CreateSet("wave 1", [ids["Chips deal"], ids["Summit"]]))
    assert win.corpus.set_filter.isVisibleTo(win)
    corpus_sets.choose_set(win, "wave 1")
    assert shown(win) == ["Chips deal", "Summit"]
    win.corpus.search.setText("chips")  # search and set together
    assert shown(win) == ["Chips deal"]
    win.corpus.search.setText("")
    corpus_sets.choose_set(win, None)
    win.corpus.search.setText("chips")
    name = corpus_sets.make_set_from_filter(win, "about chips")
    assert name == "about chips"
    assert set_members(win.project, "about chips") == [ids["Chips ban"], ids["Chips deal"]]
    made = next(s for s in document_sets(win.project) if s.name == "about chips")
    assert "chips" in made.description
    assert win.corpus.set_filter.findData("about chips") > 0
    win.project.undo(win.coder_id())
    assert win.corpus.set_filter.findData("about chips") < 0
    # The set the filter shows is deleted elsewhere: every document is shown again.
    win.corpus.search.setText("")
    corpus_sets.choose_set(win, "wave 1")
    win.project.run(DeleteSet("wave 1"))
    assert shown(win) == TITLES and win.corpus.set_filter.currentData() is None


def test_an_empty_filter_makes_no_set(win):
    win.corpus.search.setText("nothing matches this")
    assert corpus_sets.make_set_from_filter(win, "none") is None
    assert "no document" in win.last_message[1] and document_sets(win.project) == []
    win.corpus.search.setText("")
    assert corpus_sets.make_set_from_filter(win, "all") == "all"
    assert corpus_sets.make_set_from_filter(win, "ALL") is None  # the name is taken
    assert "already" in win.last_message[1]

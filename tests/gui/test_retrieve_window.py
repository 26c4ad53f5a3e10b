"""Analysis → Retrieve coded segments: filters, sorting, jumping, DOCX export of the gold
passages of "export controls and chips" (gold built with the CLI first), change notification,
blind mode, and lazy paging on a generated project. Expected segments are worked out from the
project's raw annotations here, never read back from the retrieval code."""

from __future__ import annotations

import random
import shutil
import time

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from desk_annotator.cli import main
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.retrieve_window import REFRESH_DELAY_MS, RetrieveWindow
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.ops_sets import CreateSet
from desk_annotator.project import Project
from desk_annotator.sample import fill_from_sample
from desk_annotator.text import sha256_text

THEME = "export controls and chips"


@pytest.fixture(scope="module")
def built_sample(tmp_path_factory):
    """The sample project with gold built from the command line, once per module."""
    folder = tmp_path_factory.mktemp("sample")
    path = folder / "sample.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESK_ANNOTATOR_HOME", str(folder / "home"))
        with Project(path) as project:
            fill_from_sample(project)
        with pytest.raises(SystemExit) as stop:  # gold from the CLI, as a user would
            main(["--project", str(path), "gold", "agreed", "coder-1", "coder-2"])
    assert stop.value.code == 0
    return path


@pytest.fixture
def sample_path(built_sample, tmp_path, home):
    path = tmp_path / "sample.sqlite"
    shutil.copyfile(built_sample, path)  # each test changes its own copy
    return path


@pytest.fixture
def sample(qtbot, sample_path):
    project = Project(sample_path)
    win = MainWindow(project, coder_name="coder-1")
    qtbot.addWidget(win)
    win.show()
    if not win.show_all_coders:
        win.actions_by_name["show_all"].trigger()
    win.actions_by_name["retrieve"].trigger()
    window = win.findChildren(RetrieveWindow)[0]
    yield project, win, window
    window.close()
    project.close()


def label_ids(project, name):
    return {lb.id for lb in project.q.labels() if lb.name == name}


def carries(ann, ids):
    return ann.stance_id in ids or bool(ids & set(ann.theme_ids))


def shown_ids(window):
    window.model.fetch_all()
    return [s.annotation_id for s in window.model.loaded()]


def test_gold_passages_of_a_theme_and_their_docx(sample, tmp_path):
    project, _win, window = sample
    gold = project.q.coder_by_name("gold")
    theme = label_ids(project, THEME)
    expected = {a.id: a for a in project.q.annotations(coder_ids=[gold.id]) if carries(a, theme)}
    assert expected  # the sample's coders agree on some of them
    window.check(window.label_list, [THEME])
    window.check(window.coder_list, ["gold"])
    assert window.model.total == len(expected)
    assert set(shown_ids(window)) == set(expected)
    assert window.count_label.text().startswith(f"{len(expected)} segment")
    # Each row's context holds its quote inside the document's text.
    for s in window.model.loaded():
        text = project.q.document(s.document_id).text
        assert text[s.context_start:s.context_end] == s.context and s.quote in s.context
    out = tmp_path / "chips.docx"
    job = window.ask_export(str(out), wait=True)
    assert job is not None and job.error is None, job.error
    import docx

    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    quotes = [p for p in paragraphs if p.startswith("\u201c")]
    assert len(quotes) == len(expected)
    for ann in expected.values():
        assert f"\u201c{' '.join(ann.quote.split())}\u201d" in quotes
    assert any(p.startswith(f"{THEME} ({len(expected)})") for p in paragraphs)
    assert window.message.text() == f"{len(expected)} segments written to {out}"


def test_any_all_stance_variable_and_set_filters(qtbot, sample):
    project, _win, window = sample
    anns = project.q.annotations()
    a_ids, b_ids = label_ids(project, THEME), label_ids(project, "critical")
    window.check(window.label_list, [THEME, "critical"])
    both_any = {a.id for a in anns if carries(a, a_ids) or carries(a, b_ids)}
    assert set(shown_ids(window)) == both_any
    # Boxes clicked one after the other reload the list once, after a short pause.
    window.check(window.label_list, [])
    for row in range(window.label_list.count()):
        item = window.label_list.item(row)
        if item.text() in (THEME, "critical"):
            item.setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: window.model.total == len(both_any))
    window.match_box.setCurrentIndex(1)  # all of them
    both = {a.id for a in anns if carries(a, a_ids) and carries(a, b_ids)}
    assert set(shown_ids(window)) == both and both
    window.check(window.label_list, [])
    window.stance_box.setCurrentText("supportive")
    sup = label_ids(project, "supportive")
    assert set(shown_ids(window)) == {a.id for a in anns if a.stance_id in sup}
    window.stance_box.setCurrentIndex(0)
    infos = project.q.document_infos()
    outlet = infos[0].metadata["outlet"]
    in_outlet = {i.id for i in infos if i.metadata.get("outlet") == outlet}
    window.condition_edit.setText(f"OUTLET = {outlet.lower()}")
    window.apply_filters()
    assert set(shown_ids(window)) == {a.id for a in anns if a.document_id in in_outlet}
    window.condition_edit.setText("no such variable = 1")
    window.apply_filters()
    assert window.model.total == 0 and "no such variable" in window.message.text()
    window.condition_edit.setText("")
    # A set made elsewhere (the CLI, another window) appears at once and filters.
    members = [infos[1].id, infos[2].id]
    project.run(CreateSet("pilot", members))
    window.refresh_now()
    assert window.set_box.findText("pilot") > 0
    window.set_box.setCurrentText("pilot")
    assert set(shown_ids(window)) == {a.id for a in anns if a.document_id in members}


def test_sort_jump_and_live_update(qtbot, sample):
    project, win, window = sample
    window.check(window.label_list, [THEME])
    before = shown_ids(window)
    window.table.sortByColumn(6, Qt.SortOrder.AscendingOrder)  # Length
    lengths = [s.length for s in (window.model.fetch_all() or window.model.loaded())]
    assert lengths == sorted(lengths) and set(shown_ids(window)) == set(before)
    window.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # Coder, Z to A
    coders = [s.coder for s in (window.model.fetch_all() or window.model.loaded())]
    assert coders == sorted(coders, key=str.casefold, reverse=True)
    # Double-click opens the passage in the reading view.
    row = len(coders) - 1
    seg = window.model.segment_at(row)
    index = window.model.index(row, 4)
    window.table.scrollTo(index)
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.table.visualRect(index).center())
    qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton,
                      pos=window.table.visualRect(index).center())
    assert win.view.document_id == seg.document_id
    assert win.view.selection_span() == (seg.start, seg.end)
    # A new passage with the theme shows up without reopening the window.
    n = window.model.total
    theme = next(iter(label_ids(project, THEME)))
    added = project.add_annotation(seg.document_id, win.coder.id, 0, 5, theme_ids=[theme])
    qtbot.waitUntil(lambda: window.model.total == n + 1)
    assert added.id in shown_ids(window)
    project.undo(win.coder.id)
    qtbot.waitUntil(lambda: window.model.total == n)
    # A hidden window does no work on changes; it catches up when shown again.
    window.hide()
    project.add_annotation(seg.document_id, win.coder.id, 0, 5, theme_ids=[theme])
    qtbot.wait(2 * REFRESH_DELAY_MS)
    assert window.model.total == n
    window.show()
    assert window.model.total == n + 1


def test_blind_mode_shows_only_ones_own_passages(qtbot, sample_path):
    project = Project(sample_path)
    win = MainWindow(project, coder_name="coder-2")
    qtbot.addWidget(win)
    if win.show_all_coders:
        win.actions_by_name["show_all"].trigger()
    window = RetrieveWindow(win)
    qtbot.addWidget(window)
    me = project.q.coder_by_name("coder-2")
    assert [window.coder_list.item(i).text() for i in range(window.coder_list.count())] == \
        ["coder-2"]
    assert set(shown_ids(window)) == {a.id for a in project.q.annotations(coder_ids=[me.id])}
    window.close()
    project.close()


# -- laziness on a generated project --------------------------------------------------------

N_DOCS, PER_DOC, PAGE = 150, 20, 40


@pytest.fixture
def big(tmp_path, home):
    rng = random.Random(5)
    stance = [Label(scheme="stance", name=n, order=i) for i, n in enumerate(["pro", "contra"])]
    themes = [Label(scheme="themes", name=f"theme {i}", order=i) for i in range(3)]
    coders = [Coder(name=n) for n in ("alice", "bob")]
    docs, anns = [], []
    for d in range(N_DOCS):
        text = " ".join(rng.choice(["chips", "policy", "data", "open"]) for _ in range(60)) + "."
        doc = Document(title=f"Doc {d:03d}", text=text, sha256=sha256_text(text))
        docs.append(doc)
        for _ in range(PER_DOC):
            start = rng.randrange(0, len(text) - 30)
            end = start + rng.randrange(3, 30)
            anns.append(Annotation(document_id=doc.id, coder_id=rng.choice(coders).id,
                                   start=start, end=end, quote=text[start:end],
                                   stance_id=rng.choice(stance).id,
                                   theme_ids=rng.sample([t.id for t in themes], rng.randrange(3))))
    codebook = Codebook(labels=stance + themes)
    project = Project(tmp_path / "big.sqlite")
    project.import_codebook(codebook)
    project.import_snapshot(ProjectSnapshot(codebook=codebook, coders=coders, documents=docs,
                                            annotations=anns), source="test", labels="strict")
    yield project, docs, anns, themes
    project.close()


def test_the_list_pages_in_lazily(qtbot, big):
    project, docs, anns, themes = big
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    if not win.show_all_coders:
        win.actions_by_name["show_all"].trigger()
    started = time.perf_counter()
    window = RetrieveWindow(win)
    qtbot.addWidget(window)
    window.show()
    assert time.perf_counter() - started < 2.0  # generous: the machine is shared
    assert window.model.total == N_DOCS * PER_DOC
    window.page_size = PAGE
    window.check(window.label_list, ["theme 1", "theme 2"])
    wanted = {themes[1].id, themes[2].id}
    pos = {d.id: i for i, d in enumerate(docs)}
    made = {a.id: i for i, a in enumerate(anns)}
    expected = [a.id for a in sorted((a for a in anns if wanted & set(a.theme_ids)),
                                     key=lambda a: (pos[a.document_id], a.start, a.end,
                                                    made[a.id]))]
    assert window.model.total == len(expected) > 3 * PAGE
    assert window.model.rowCount() == PAGE and window.model.canFetchMore()
    window.model.fetchMore()
    assert window.model.rowCount() == 2 * PAGE
    assert shown_ids(window) == expected  # corpus order, every page
    window.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # Document, descending
    assert window.model.rowCount() == PAGE
    titles = [s.title for s in (window.model.fetch_all() or window.model.loaded())]
    assert titles == sorted(titles, reverse=True) and len(titles) == len(expected)
    window.close()

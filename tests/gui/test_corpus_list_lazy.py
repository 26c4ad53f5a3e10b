"""The document list reads its rows lazily (issue 14) and still lists, sorts, filters, selects
and restores exactly as a list holding every row did.

A generated 3,000-document project (varied metadata: emoji and other astral characters,
accents, CJK, empty and missing fields, equal keys, statuses and counts of one coder). The
expected orders come from an independent oracle: a plain QStandardItemModel holding every
row as generated, sorted by Qt's own QSortFilterProxyModel (the list's sorting before the
lazy model), or from the generated data directly, never from the code under test.
"""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QPoint, QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from desk_annotator.gui.corpus_list import COLUMNS, PAGE_SIZE
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    DocStatus,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.ops_sets import CreateSet
from desk_annotator.project import Project
from desk_annotator.text import sha256_text

N_DOCS = 3000
TITLE_WORDS = ["Chips", "chips", "Économie", "治理", "😀 emoji", "𝔘nicode", "Ｆull", "zebra",
               "Zebra", "a", "", "policy\u00a0gap", "ÿ", "\U0001f9ea lab"]
OUTLETS = ["Le Monde", "guardian", "Guardian", "南方周末", None, "", "😀 news", "ｆ"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """(path, rows as generated in import order, alice's id): built once for the module."""
    path = tmp_path_factory.mktemp("lazy") / "p.sqlite"
    rng = random.Random(14)
    alice, bob = Coder(name="alice"), Coder(name="bob")
    stance = Label(scheme="stance", name="pro", order=0)
    docs, anns, statuses, rows = [], [], [], []
    for i in range(N_DOCS):
        words = " ".join(rng.choice(TITLE_WORDS) for _ in range(rng.randrange(1, 3)))
        title = f"{words} {rng.randrange(50)}" if rng.random() < 0.9 else "Same title"
        text = f"text {i} " + "word " * rng.randrange(0, 40)
        meta = {"outlet": rng.choice(OUTLETS),
                "date": rng.choice([None, (f"20{rng.randrange(10, 25)}-0{rng.randrange(1, 9)}"
                                           f"-1{rng.randrange(9)}")]),
                "author": rng.choice([None, "Ana", "Bø", "李"])}
        doc = Document(title=title, text=text, sha256=sha256_text(text), metadata=meta)
        docs.append(doc)
        status = rng.choice(["todo", "doing", "done", None])
        if status:
            statuses.append(DocStatus(document_id=doc.id, coder_id=alice.id, status=status))
        mine = rng.choice([0, 0, 1, 2, 5])
        for j in range(mine):  # distinct spans: an import merges identical ones
            anns.append(Annotation(document_id=doc.id, coder_id=alice.id, start=j, end=j + 2,
                                   quote=text[j:j + 2], stance_id=stance.id))
        for _ in range(rng.choice([0, 3])):  # bob's do not count in alice's column
            anns.append(Annotation(document_id=doc.id, coder_id=bob.id, start=0, end=4,
                                   quote=text[:4]))
        rows.append({"id": doc.id, "title": title, "outlet": meta["outlet"],
                     "date": meta["date"], "author": meta["author"], "length": len(text),
                     "status": status or "todo", "annotations": mine})
    project = Project(path)
    project.import_codebook(Codebook(labels=[stance]))
    project.import_snapshot(ProjectSnapshot(
        codebook=Codebook(labels=[stance]), coders=[alice, bob], documents=docs,
        annotations=anns, statuses=statuses), source="test", labels="strict")
    project.close()
    return path, rows, alice.id


@pytest.fixture
def project(generated):
    path, _rows, _alice = generated
    project = Project(path)
    yield project
    project.close()


@pytest.fixture
def win(qtbot, project, home):
    win = MainWindow(project, coder_name="alice")
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


class Oracle:
    """Qt's own proxy sorting plain items that hold each generated row's value: the list's
    sorting before the lazy model (Qt's ties depend on the sorts before, so a test replays
    the same sequence of sorts on both)."""

    def __init__(self, rows: list[dict], key: str) -> None:
        self.model = QStandardItemModel(len(rows), 1)
        for i, row in enumerate(rows):
            item = QStandardItem()
            value = row[key]
            item.setData(value if value is not None else "", Qt.ItemDataRole.UserRole + 1)
            item.setData(row["id"], Qt.ItemDataRole.UserRole)
            self.model.setItem(i, 0, item)
        self.proxy = QSortFilterProxyModel()
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole + 1)
        self.proxy.setSourceModel(self.model)

    def sort(self, order: Qt.SortOrder) -> list[str]:
        self.proxy.sort(0, order)
        return [self.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole)
                for r in range(self.proxy.rowCount())]


def oracle_order(rows: list[dict], key: str, order: Qt.SortOrder) -> list[str]:
    return Oracle(rows, key).sort(order)


def shown_titles(win) -> list[str]:
    proxy = win.corpus.proxy
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


def test_start_reads_only_the_first_screen(win, generated):
    _path, rows, _alice = generated
    model = win.corpus.model
    assert model.rowCount() == N_DOCS
    assert model.loaded_count() <= 2 * PAGE_SIZE  # the first screen (and the open document)
    assert win.progress_status.text() == \
        f"{sum(r['status'] == 'done' for r in rows)}/{N_DOCS} done"


def test_scrolling_to_the_end_shows_the_last_document(win, generated, qtbot):
    _path, rows, _alice = generated
    table = win.corpus.table
    table.scrollToBottom()
    qtbot.wait(10)
    last = table.indexAt(QPoint(2, table.viewport().height() - 2))
    assert last.row() == N_DOCS - 1
    assert last.data() == rows[-1]["title"]
    assert win.corpus.model.loaded_count() < N_DOCS // 2  # the pages in between were skipped
    # Every row, read page by page, equals the generated one, in import order.
    model = win.corpus.model
    for r in range(N_DOCS):
        got = model.row_data(r)
        assert {k: got[k] for k in rows[r]} == rows[r]


@pytest.mark.parametrize("column", range(len(COLUMNS)))
def test_sorting_each_column_matches_qt_on_every_row(win, generated, column):
    _path, rows, _alice = generated
    key = COLUMNS[column][0]
    oracle = Oracle(rows, key)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder,
                  Qt.SortOrder.AscendingOrder):
        win.corpus.table.sortByColumn(column, order)
        assert win.corpus.visible_document_ids() == oracle.sort(order), (key, order)
    assert win.corpus.model.loaded_count() == N_DOCS


def test_sorting_survives_a_reload_and_a_status_change(win, project, generated):
    _path, rows, alice = generated
    win.corpus.table.sortByColumn(COLUMNS.index(("status", "Status")),
                                  Qt.SortOrder.AscendingOrder)
    first = win.corpus.visible_document_ids()[0]
    assert {r["id"]: r["status"] for r in rows}[first] == "doing"
    project.set_status(first, alice, "todo")  # re-sorted: it moves among the todo ones
    ids = win.corpus.visible_document_ids()
    status = {r["id"]: r["status"] for r in rows} | {first: "todo"}
    assert sorted(ids) == sorted(status) and ids[0] != first
    shown = [status[i] for i in ids]
    assert shown == sorted(shown)
    assert win.corpus.model.row_data(win.corpus.model.row_of(first))["status"] == "todo"
    # A reload (a document added elsewhere: the list is read again) keeps the sort.
    win._reload_corpus()
    assert win.corpus.visible_document_ids() == oracle_order(
        [dict(r, status=status[r["id"]]) for r in rows], "status",
        Qt.SortOrder.AscendingOrder)


def test_search_finds_a_document_never_read(win, generated):
    _path, rows, _alice = generated
    target = next(r for r in reversed(rows) if r["title"] != "Same title"
                  and "😀" in r["title"])
    assert win.corpus.model.row_of(target["id"]) > 4 * PAGE_SIZE
    win.corpus.search.setText("😀")
    expected = [r["id"] for r in rows if "😀" in " ".join(
        str(r[k] or "") for k in ("title", "author", "outlet", "date")).casefold()]
    assert win.corpus.visible_document_ids() == expected
    assert target["id"] in expected
    win.corpus.search.setText("ÉCONOMIE bø")  # casefolded words, every one must match
    expected = [r["id"] for r in rows if "économie" in r["title"].casefold()
                and r["author"] == "Bø"]
    assert expected and win.corpus.visible_document_ids() == expected
    win.corpus.search.setText("")
    assert len(win.corpus.visible_document_ids()) == N_DOCS


def test_status_filter_and_set_filter(win, project, generated):
    _path, rows, alice = generated
    corpus = win.corpus
    far = [r["id"] for r in rows[-40:]] + [rows[5]["id"]]
    project.run(CreateSet("far ones", far), alice)
    corpus.set_filter.setCurrentIndex(corpus.set_filter.findData("far ones"))
    assert corpus.visible_document_ids() == [r["id"] for r in rows if r["id"] in set(far)]
    assert corpus.model.loaded_count() < N_DOCS // 2  # a set alone reads ids, not rows
    # Status and set together, then status alone.
    corpus.status_filter.setCurrentIndex(corpus.status_filter.findData("done"))
    assert corpus.visible_document_ids() == [r["id"] for r in rows if r["status"] == "done"
                                             and r["id"] in set(far)]
    corpus.set_filter.setCurrentIndex(0)
    assert corpus.visible_document_ids() == [r["id"] for r in rows if r["status"] == "done"]
    corpus.status_filter.setCurrentIndex(0)
    assert len(corpus.visible_document_ids()) == N_DOCS


def test_current_document_far_down_is_restored_and_selected(qtbot, project, generated, home):
    _path, rows, _alice = generated
    far = rows[N_DOCS - 7]
    first = MainWindow(project, coder_name="alice")
    qtbot.addWidget(first)
    first.open_document(far["id"])
    first.close()
    again = MainWindow(project, coder_name="alice")
    qtbot.addWidget(again)
    again.resize(1200, 800)
    again.show()
    qtbot.waitExposed(again)
    assert again.view.document_id == far["id"]
    selected = again.corpus.table.selectionModel().selectedRows()
    assert [i.data(Qt.ItemDataRole.UserRole) for i in selected] == [far["id"]]
    assert again.title_label.text() == far["title"]
    table = again.corpus.table
    assert table.viewport().rect().intersects(table.visualRect(selected[0]))  # scrolled to it
    assert again.corpus.model.loaded_count() <= 3 * PAGE_SIZE
    # Stepping to the next document follows the list's order from there.
    again.step_document(1)
    assert again.view.document_id == rows[N_DOCS - 6]["id"]
    again.close()


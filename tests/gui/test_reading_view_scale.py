"""The reading view at scale (issue 14): a long, densely coded document opens without building
an annotation per row, a paint draws exactly the highlights in view, scrolling to the end shows
the last one, and offsets stay right around astral characters. Expected spans are computed from
the generated annotations and the text positions Qt reports, not from the index under test."""

from __future__ import annotations

import random

import pytest
from PySide6.QtGui import QTextCursor

from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.span_index import RowSource, SpanIndex
from desk_annotator.models import Annotation, Coder, Document, ProjectSnapshot
from desk_annotator.project import Project
from desk_annotator.text import Utf16Map, sha256_text

N_ANNS = 3000
WORDS = ["policy", "chips", "export", "open", "model", "治理", "café", "😀", "data", "risk"]


@pytest.fixture(scope="module")
def big_project(tmp_path_factory):
    """One ~400 KB document (short paragraphs, emoji) with 3,000 annotations, built once."""
    rng = random.Random(11)
    paragraphs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
                  for _ in range(3000)]
    text = "\n".join(paragraphs)
    path = tmp_path_factory.mktemp("scale") / "big.sqlite"
    project = Project(path)
    stance = project.add_label("stance", "supportive", color="#1b9e77", key="1")
    theme = project.add_label("themes", "open", color="#E69F00", key="o")
    coder = project.ensure_coder("alice")
    doc = Document(title="long", text=text, sha256=sha256_text(text))
    anns = []
    for k in range(N_ANNS):
        start = rng.randrange(0, len(text) - 300)
        end = start + rng.randint(5, 250)
        anns.append(Annotation(document_id=doc.id, coder_id=coder.id, start=start, end=end,
                               quote=text[start:end], stance_id=stance.id,
                               theme_ids=[theme.id] if k % 3 == 0 else [],
                               note=f"note {k}"))
    # The last annotation in the text: the one scrolling to the end must show.
    last_start = len(text) - 40
    anns.append(Annotation(document_id=doc.id, coder_id=coder.id, start=last_start,
                           end=len(text), quote=text[last_start:], stance_id=stance.id))
    project.import_snapshot(ProjectSnapshot(codebook=project.q.codebook(),
                                            coders=[Coder(id=coder.id, name="alice")],
                                            documents=[doc], annotations=anns),
                            source="test")
    project.close()
    return path, doc.id, text, anns


@pytest.fixture
def big(big_project, home):
    path, doc_id, text, anns = big_project
    project = Project(path)
    window = MainWindow(project, coder_name="alice")
    window.resize(1200, 800)
    window.show()
    window.open_document(doc_id)
    yield window, text, anns
    window.close()
    project.close()


def visible_text_range(view) -> tuple[int, int]:
    """Code points shown between the viewport's top-left and bottom-right corners."""
    rect = view.viewport().rect()
    first = view.cursorForPosition(rect.topLeft()).position()
    last = view.cursorForPosition(rect.bottomRight()).position()
    return view.utf16.to_cp(first), view.utf16.to_cp(last, snap="up")


def test_open_builds_only_what_is_asked_for(qtbot, big):
    window, _text, anns = big
    view = window.view
    assert view.annotation_count() == len(anns)
    built = sum(isinstance(v, Annotation) for v in view._spans._items.values())
    assert built < 50  # the current annotation at most, not one per row
    # The list shows every row; its visible rows read their quotes and notes when painted.
    assert window.annotations.model.rowCount() == len(anns)
    first = window.annotations.model.annotation_at(0)
    by_id = {a.id: a for a in anns}
    assert first.quote == by_id[first.id].quote and first.note == by_id[first.id].note
    assert first.theme_ids == by_id[first.id].theme_ids
    # The text is laid out only where it is shown, not whole before the window appears.
    document = view.document()
    laid = sum(document.findBlockByNumber(i).layout().lineCount() > 0
               for i in range(document.blockCount()))
    assert document.blockCount() == 3000 and laid < 100


def test_paint_in_the_middle_draws_exactly_the_spans_there(qtbot, big):
    window, _text, anns = big
    view = window.view
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
    view.viewport().repaint()
    a, b = visible_text_range(view)
    assert 0 < a < b
    shown = {x.id for x in anns if x.end > a and x.start < b}
    painted = set(view.painted)
    assert shown and shown <= painted
    # Whole visible paragraphs (<= 40 words) are drawn, nothing beyond one paragraph away.
    slack = 40 * 8
    assert all(x.end > a - slack and x.start < b + slack for x in anns if x.id in painted)
    assert len(painted) < len(anns) // 10


def test_scrolled_to_the_end_the_last_annotation_is_drawn(qtbot, big):
    window, _text, anns = big
    view = window.view
    last = anns[-1]
    view.moveCursor(QTextCursor.MoveOperation.End)
    view.ensureCursorVisible()
    view.viewport().repaint()
    assert last.id in view.painted
    # And it shows: its line differs from the same line with no highlights.
    with_highlights = view.viewport().grab().toImage()
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.utf16.to_utf16(last.start + 5))
    spot = view.cursorRect(cursor).center()
    view.set_annotations([])
    view.viewport().repaint()
    without = view.viewport().grab().toImage()
    ratio = with_highlights.width() / view.viewport().width()  # device pixels
    x, y = int((spot.x() + 2) * ratio), int(spot.y() * ratio)
    row_diff = sum(with_highlights.pixel(x + k, y) != without.pixel(x + k, y) for k in range(20))
    assert row_diff > 10


def test_hover_tooltip_and_current_annotation_on_lazy_rows(qtbot, big):
    window, _text, anns = big
    view = window.view
    target = anns[100]
    view.place_cursor(target.start + 1)
    covering = [x for x in anns if x.start <= target.start + 1 < x.end]
    current = view.annotation(view.current_annotation_id)
    assert current is not None and current.id in {x.id for x in covering}
    assert current.quote == next(x.quote for x in anns if x.id == current.id)
    hits = view.annotations_at(view.utf16.to_utf16(target.start + 1))
    assert {h.id for h in hits} == {x.id for x in covering}
    lengths = [h.end - h.start for h in hits]
    assert lengths == sorted(lengths)  # innermost first (one coder here)


def test_span_index_offsets_around_astral_characters():
    text = "😀ab😀cd\nef😀"  # UTF-16: 😀=2 units
    umap = Utf16Map(text)
    rows = [("a", "c1", 1, 3, None),   # "ab": UTF-16 [2, 4)
            ("b", "c1", 3, 6, "s"),    # "😀cd": [4, 8)
            ("c", "c1", 7, 10, None)]  # "ef😀": [9, 13)
    index = SpanIndex()
    index.load_rows(rows, RowSource({"b": "t2\x1ft1"}, None, "d", {"t1": 0, "t2": 1}), umap)
    assert index.extent("a") == (2, 4) and index.extent("b") == (4, 8)
    assert index.extent("c") == (9, 13)
    assert index.spans_between(0, 4) == [(2, 4, "a")]
    assert index.spans_between(4, 9) == [(4, 8, "b")]
    assert [i for _, _, i in index.spans_between(3, 10)] == ["a", "b", "c"]
    assert index.covering(5) == ["b"] and index.covering(8) == [] and index.covering(12) == ["c"]
    assert index.look_key("b") == ("s", ("t1", "t2"))  # codebook order
    built = index.annotation("b")
    assert built is not None and built.theme_ids == ["t1", "t2"] and (built.start, built.end) == (3, 6)
    assert index.pop("a") == (2, 4) and "a" not in index and len(index) == 2


def test_offsets_of_a_long_text_with_emoji():
    """A long text with an emoji every 100 characters: offsets as counted by hand."""
    chunk = "ab😀c" + "x" * 96  # 100 code points, 101 UTF-16 units, the emoji at 2
    text = chunk * 6000  # 600,000 code points
    umap = Utf16Map(text)
    assert umap.length_utf16 == 606_000
    k = 4321
    assert umap.to_utf16(k * 100 + 2) == k * 101 + 2  # the k-th emoji
    assert umap.to_utf16(k * 100 + 3) == k * 101 + 4  # just after it
    assert umap.to_cp(k * 101 + 3) == k * 100 + 2  # inside the pair: snaps down
    assert umap.to_cp(k * 101 + 3, snap="up") == k * 100 + 3


def test_saved_show_all_coders_opens_cleanly(qtbot, tmp_path, home):
    """The menus check the saved 'Show all coders' while they are built: no error, and the
    document then shows both coders' annotations."""
    from desk_annotator.gui.settings import Settings

    text = "alpha beta gamma delta"
    project = Project(tmp_path / "two.sqlite")
    coders = [project.ensure_coder(n) for n in ("alice", "bob")]
    doc = Document(title="d", text=text, sha256=sha256_text(text))
    anns = [Annotation(document_id=doc.id, coder_id=c.id, start=6 * k, end=6 * k + 4,
                       quote=text[6 * k:6 * k + 4]) for k, c in enumerate(coders)]
    project.import_snapshot(ProjectSnapshot(codebook=project.q.codebook(),
                                            coders=[Coder(id=c.id, name=c.name) for c in coders],
                                            documents=[doc], annotations=anns), source="test")
    settings = Settings()
    settings.set("show_all_coders", True)
    window = MainWindow(project, coder_name="alice", settings=settings)
    qtbot.addWidget(window)
    window.open_document(doc.id)
    assert window.actions_by_name["show_all"].isChecked()
    assert {a.id for a in window.view.visible_annotations()} == {a.id for a in anns}
    project.close()


def test_list_filters_swap_proxies_and_keep_rows_sort_and_selection(qtbot, big):
    """No filter: the plain proxy (no Python per row); a filter: the filtering proxy; rows,
    sort order and the selected annotation survive each swap."""
    from PySide6.QtCore import Qt

    from desk_annotator.gui.annotation_list import ID_ROLE

    window, _text, anns = big
    panel = window.annotations
    plain = panel.proxy
    theme_id = next(t for a in anns for t in a.theme_ids)

    def shown_ids():
        return [panel.proxy.index(r, 0).data(ID_ROLE) for r in range(panel.proxy.rowCount())]

    panel.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # Start, descending
    by_start = sorted(anns, key=lambda a: a.start, reverse=True)
    assert [a.start for a in (window.annotations.model.annotation_at(
        panel.proxy.mapToSource(panel.proxy.index(r, 0)).row()) for r in range(50))] == \
        [a.start for a in by_start[:50]]
    keep = next(a for a in by_start if theme_id in a.theme_ids)
    panel.select_annotation(keep.id)
    panel.theme_filter.setCurrentIndex(panel.theme_filter.findData(theme_id))
    assert panel.proxy is not plain and panel.table.model() is panel.proxy
    assert plain.sourceModel() is None  # detached: resets cost it nothing
    themed = [a for a in anns if theme_id in a.theme_ids]
    assert sorted(shown_ids()) == sorted(a.id for a in themed)
    starts = [panel.proxy.index(r, 0).data() for r in range(panel.proxy.rowCount())]
    assert starts == sorted(starts, reverse=True)
    assert panel.table.currentIndex().data(ID_ROLE) == keep.id
    panel.theme_filter.setCurrentIndex(0)  # Any theme: back to the plain proxy
    assert panel.proxy is plain and panel.table.model() is plain
    assert sorted(shown_ids()) == sorted(a.id for a in anns)
    starts = [plain.index(r, 0).data() for r in range(200)]
    assert starts == sorted(starts, reverse=True)
    assert panel.table.currentIndex().data(ID_ROLE) == keep.id

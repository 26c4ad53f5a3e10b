"""What a change repaints in the reading view: a tag, an edit, a suggestion accepted or
rejected repaint the lines of the passages that changed, not the whole view, and what is on
screen afterwards (the window's backing store, built from those partial repaints) equals a
fresh paint of the whole view, pixel for pixel. Emoji in the text, several coders,
overlapping spans, a suggestion layer with open suggestions, and one without any."""

from __future__ import annotations

import random

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication

from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.settings import Settings
from desk_annotator.project import Project
from desk_annotator.suggest.ops import AddSuggestions

WORDS = ["policy", "chips", "😀", "𝔘nicode", "治理", "café", "data", "risk", "open", "trade"]


class _PaintLog(QObject):
    """The rectangles of the Paint events a widget receives."""

    def __init__(self) -> None:
        super().__init__()
        self.rects: list[QRect] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.rects += [QRect(r) for r in event.region()]  # type: ignore[attr-defined]
        return False


def _settle() -> None:
    for _ in range(3):  # a paint can post one more update (lazy line layout, scroll bars)
        QApplication.processEvents()


def _on_screen(window: MainWindow):
    """The reading view as the window shows it now (the backing store)."""
    viewport = window.view.viewport()
    corner = viewport.mapTo(window, QPoint(0, 0))
    return window.screen().grabWindow(window.winId(), corner.x(), corner.y(),
                                      viewport.width(), viewport.height()).toImage()


def _fresh(window: MainWindow):
    image = window.view.viewport().grab().toImage()  # every pixel painted anew
    return image


def _same_pixels(window: MainWindow) -> bool:
    shown, fresh = _on_screen(window), _fresh(window)
    return shown.convertToFormat(fresh.format()) == fresh


@pytest.fixture
def workbench(qtbot, tmp_path, home):
    rng = random.Random(11)
    text = "\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 70)))
                     for _ in range(120))
    project = Project(tmp_path / "repaint.sqlite")
    stances = [project.add_label("stance", n, color=c, key=k) for n, c, k in
               (("pro", "#1b9e77", "1"), ("con", "#d95f02", "2"))]
    themes = [project.add_label("themes", n, color=c) for n, c in
              (("open", "#E69F00"), ("risk", "#56B4E9"))]
    project.add_documents([type("Article", (), {"title": "long", "text": text,
                                                 "metadata": {}})()])
    doc_id = project.q.document_infos()[0].id
    other = project.ensure_coder("other")
    for k in range(200):  # overlapping spans by another coder, everywhere in the text
        start = rng.randrange(0, len(text) - 100)
        project.add_annotation(doc_id, other.id, start, start + rng.randint(1, 90),
                               stance_id=stances[k % 2].id,
                               theme_ids=[themes[k % 2].id] if k % 3 else [])
    settings = Settings()
    settings.set("show_all_coders", True)
    window = MainWindow(project, coder_name="me", settings=settings)
    qtbot.addWidget(window)
    window.resize(1100, 700)
    window.show()
    qtbot.waitExposed(window)
    window.open_document(doc_id)
    _settle()
    log = _PaintLog()
    window.view.viewport().installEventFilter(log)
    yield window, project, doc_id, text, log
    window.close()
    project.close()


def _select_on_screen(window: MainWindow, text: str, line: int, length: int) -> tuple[int, int]:
    """A passage on a visible line (no scrolling needed, so nothing else moves)."""
    view = window.view
    block = view.firstVisibleBlock()
    for _ in range(line):
        block = block.next()
    start = view.utf16.to_cp(block.position())
    end = min(start + length, start + max(1, len(block.text()) - 1))
    view.select_span(start, end)
    view.verticalScrollBar().setValue(0)  # select_span centres: back to the top
    _settle()
    return start, end


def _repaints_are_partial(window: MainWindow, log: _PaintLog) -> None:
    full = window.view.viewport().rect()
    assert log.rects, "the change was not repainted at all"
    painted = sum(r.width() * r.height() for r in log.rects)
    assert painted < full.width() * full.height() // 3, (log.rects, full)


def test_a_tag_repaints_its_lines_only(qtbot, workbench) -> None:
    window, project, doc_id, text, log = workbench
    assert window.suggestion_layer.rows == []  # a layer with nothing to show
    _select_on_screen(window, text, 1, 25)
    log.rects.clear()
    qtbot.keyClick(window.view, "1", Qt.KeyboardModifier.NoModifier)
    _settle()
    mine = [a for a in project.q.annotations(document_id=doc_id)
            if a.coder_id == window.coder_id()]
    assert len(mine) == 1
    _repaints_are_partial(window, log)
    assert _same_pixels(window)
    # The second stance key on the same passage relabels it: again only its lines.
    log.rects.clear()
    window.view.select_span(mine[0].start, mine[0].end)
    window.view.verticalScrollBar().setValue(0)
    _settle()
    log.rects.clear()
    qtbot.keyClick(window.view, "2", Qt.KeyboardModifier.NoModifier)
    _settle()
    assert project.q.annotation(mine[0].id).stance_id == \
        next(lb.id for lb in project.q.labels() if lb.name == "con")
    _repaints_are_partial(window, log)
    assert _same_pixels(window)


def test_suggestions_coming_and_going_repaint_their_outlines(qtbot, workbench) -> None:
    window, project, doc_id, _text, log = workbench
    layer = window.suggestion_layer
    view = window.view
    pro = next(lb.id for lb in project.q.labels() if lb.name == "pro")
    # Passages on lines well inside the view: an aliased dashed outline cut by the edge of
    # the grabbed image has its dashes in another phase than on screen, repainted or not.
    starts = [view.utf16.to_cp(view.cursorForPosition(QPoint(2, y)).position(), snap="up")
              for y in (12, 60, 108, 156)]

    def suggest(*at: int) -> None:
        project.run(AddSuggestions("tfidf", [
            {"document_id": doc_id, "start": s, "end": s + 12, "stance_id": pro,
             "probability": 0.9} for s in at]))
        _settle()

    suggest(starts[0], starts[1])
    assert len(layer.rows) == 2
    assert _same_pixels(window)  # the new outlines are on screen
    log.rects.clear()
    suggest(starts[0], starts[2])  # a new run: one outline moves, one stays
    assert sorted(r["start"] for r in layer.rows) == [starts[0], starts[2]]
    _repaints_are_partial(window, log)
    assert _same_pixels(window)
    view.place_cursor(starts[2] + 1)
    view.verticalScrollBar().setValue(0)
    _settle()
    assert layer.current() is not None
    accepted = layer.accept()
    _settle()
    assert accepted is not None and len(layer.rows) == 1
    assert _same_pixels(window)  # the outline went, the accepted highlight came
    log.rects.clear()
    window.undo()  # the suggestion is open again
    _settle()
    assert len(layer.rows) == 2
    _repaints_are_partial(window, log)
    assert _same_pixels(window)
    view.place_cursor(starts[0] + 1)
    view.verticalScrollBar().setValue(0)
    _settle()
    layer.reject()
    _settle()
    assert len(layer.rows) == 1
    assert _same_pixels(window)


def test_the_definition_follows_label_keys_and_edits(qtbot, workbench) -> None:
    window, project, _doc_id, text, _log = workbench
    shown = window.codebook.definition.text
    pro = next(lb for lb in project.q.labels() if lb.name == "pro")
    project.update_label(pro.id, description="For the policy.")
    _settle()
    for line in (1, 2):  # the same key twice: the same definition, set once
        _select_on_screen(window, text, line, 10)
        qtbot.keyClick(window.view, "1", Qt.KeyboardModifier.NoModifier)
        _settle()
        assert "For the policy." in shown.toPlainText()
    project.update_label(pro.id, description="Supports the measure.")
    _settle()
    assert "Supports the measure." in shown.toPlainText()
    _select_on_screen(window, text, 3, 10)
    qtbot.keyClick(window.view, "2", Qt.KeyboardModifier.NoModifier)
    _settle()
    assert "con" in shown.toPlainText() and "Supports" not in shown.toPlainText()

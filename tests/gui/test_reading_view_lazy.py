"""The reading view's lazy open (thin rows; coders, stances and themes read for what is
painted or asked about) against the eager path (every Annotation built up front), on a
document with emoji and other astral characters, several coders, stances and themes, and
overlapping spans: the same index answers, the same tooltips' order, the same pixels at the
top, in the middle and at the end of the document."""

from __future__ import annotations

import random

import pytest
from PySide6.QtGui import QTextCursor

from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.settings import Settings
from desk_annotator.models import Annotation, Coder, Document, ProjectSnapshot
from desk_annotator.project import Project
from desk_annotator.text import Utf16Map, sha256_text

WORDS = ["policy", "chips", "😀", "𝔘nicode", "治理", "café", "data", "🇪🇺", "risk", "open"]


@pytest.fixture
def mixed(tmp_path, home):
    rng = random.Random(5)
    text = "\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60)))
                     for _ in range(300))
    project = Project(tmp_path / "mixed.sqlite")
    stances = [project.add_label("stance", n, color=c, key=k) for n, c, k in
               (("pro", "#1b9e77", "1"), ("con", "#d95f02", "2"), ("mixed", "#7570b3", "3"))]
    themes = [project.add_label("themes", n, color=c) for n, c in
              (("open", "#E69F00"), ("risk", "#56B4E9"), ("trade", "#009E73"))]
    coders = [project.ensure_coder(n) for n in ("alice", "bob", "carol")]
    doc = Document(title="mixed", text=text, sha256=sha256_text(text))
    anns = []
    for k in range(1500):
        start = rng.randrange(0, len(text) - 200)
        end = start + rng.randint(1, 180)
        if k % 50 == 1:  # exact duplicates of an extent, by another coder
            start, end = anns[-1].start, anns[-1].end
        anns.append(Annotation(
            document_id=doc.id, coder_id=coders[k % 3].id, start=start, end=end,
            quote=text[start:end], stance_id=None if k % 7 == 0 else stances[(k // 3) % 3].id,
            theme_ids=[t.id for t in themes if rng.random() < 0.4], note=f"n{k}"))
    anns.append(Annotation(document_id=doc.id, coder_id=coders[1].id, start=len(text) - 30,
                           end=len(text), quote=text[-30:], stance_id=stances[2].id,
                           theme_ids=[themes[1].id]))
    project.import_snapshot(ProjectSnapshot(
        codebook=project.q.codebook(), coders=[Coder(id=c.id, name=c.name) for c in coders],
        documents=[doc], annotations=anns), source="test")
    settings = Settings()
    settings.set("show_all_coders", True)
    window = MainWindow(project, coder_name="bob", settings=settings)
    window.resize(1100, 700)
    window.show()
    window.open_document(doc.id)
    yield window, text, anns
    window.close()
    project.close()


def eager_copy(window) -> list[Annotation]:
    """Every shown annotation as the store gives it, built in full."""
    return list(window.project.q.annotations(window.view.document_id))


def test_lazy_index_answers_like_the_eager_one(qtbot, mixed):
    window, text, anns = mixed
    view = window.view
    umap = Utf16Map(text)
    rng = random.Random(2)
    probes = [rng.randrange(0, umap.length_utf16) for _ in range(300)] + [0, umap.length_utf16 - 1]
    windows = [(a, a + rng.randint(1, 3000)) for a in probes[:100]]
    lazy = view._spans
    got_between = [lazy.spans_between(a, b) for a, b in windows]
    got_cover = [sorted(lazy.covering(u)) for u in probes]
    got_at = [[a.id for a in view.annotations_at(u)] for u in probes[:120]]
    got_looks = {a.id: lazy.look_key(a.id) for a in anns}
    got_coders = {a.id: lazy.coder_of(a.id) for a in anns}
    assert len([a for a in anns if isinstance(lazy._items[a.id], Annotation)]) < len(anns)
    full = eager_copy(window)
    view.set_annotations(full)  # the eager path
    eager = view._spans
    assert got_between == [eager.spans_between(a, b) for a, b in windows]
    assert got_cover == [sorted(eager.covering(u)) for u in probes]
    assert got_at == [[a.id for a in view.annotations_at(u)] for u in probes[:120]]
    assert got_looks == {a.id: eager.look_key(a.id) for a in anns}
    assert got_coders == {a.id: a.coder_id for a in anns}
    by_id = {a.id: a for a in anns}
    for a in full:  # and what the store holds is what was written
        assert (a.start, a.end, a.stance_id, a.coder_id) == \
            (by_id[a.id].start, by_id[a.id].end, by_id[a.id].stance_id, by_id[a.id].coder_id)
        assert sorted(a.theme_ids) == sorted(by_id[a.id].theme_ids)


def test_lazy_built_annotations_equal_the_stored_ones(qtbot, mixed):
    window, _text, anns = mixed
    view = window.view
    full = {a.id: a for a in eager_copy(window)}
    for a in anns[::17]:
        built = view.annotation(a.id)
        assert built is not None and built.model_dump() == full[a.id].model_dump()
    rows = window.annotations.model
    assert rows.rowCount() == len(anns)
    listed = [rows.annotation_at(r).model_dump() for r in range(rows.rowCount())]
    assert listed == [full[i].model_dump() for _s, _e, i in
                      sorted((a.start, a.end, a.id) for a in full.values())]


def test_list_filters_on_lazy_rows(qtbot, mixed):
    """Coder, stance and theme filters read every row's details (once) and match a filter
    over the built annotations."""
    window, _text, anns = mixed
    panel = window.annotations
    carol = next(c for c in window.project.q.coders() if c.name == "carol")
    stance = next(lb for lb in window.project.q.labels() if lb.name == "con")
    theme = next(lb for lb in window.project.q.labels() if lb.name == "trade")
    panel.coder_filter.setCurrentIndex(panel.coder_filter.findData(carol.id))
    panel.stance_filter.setCurrentIndex(panel.stance_filter.findData(stance.id))
    panel.theme_filter.setCurrentIndex(panel.theme_filter.findData(theme.id))
    expected = {a.id for a in anns if a.coder_id == carol.id and a.stance_id == stance.id
                and theme.id in a.theme_ids}
    assert expected
    proxy = panel.proxy
    shown = {panel.model.annotation_at(proxy.mapToSource(proxy.index(r, 0)).row()).id
             for r in range(proxy.rowCount())}
    assert shown == expected


@pytest.mark.parametrize("where", ["top", "middle", "end"])
def test_lazy_paint_equals_eager_paint(qtbot, mixed, where):
    window, _text, _anns = mixed
    view = window.view
    bar = view.verticalScrollBar()
    if where == "end":
        view.moveCursor(QTextCursor.MoveOperation.End)
        view.ensureCursorVisible()
    elif where == "middle":
        bar.setValue(bar.maximum() // 2)
    view.place_cursor(0) if where == "top" else None
    view.set_current_annotation(None)
    view.viewport().repaint()
    painted = list(view.painted)
    lazy = view.viewport().grab().toImage()
    value = bar.value()
    view.set_annotations(eager_copy(window))
    bar.setValue(value)
    view.viewport().repaint()
    assert view.painted == painted and len(painted) > 3
    assert view.viewport().grab().toImage() == lazy


def test_text_handed_to_qt_as_utf16_units_is_the_text(qtbot, mixed):
    """The astral text goes to Qt as UTF-16 code units: Qt holds exactly the document's text,
    and a selection over emoji maps back to the same code points."""
    from desk_annotator.gui.reading_view import _as_utf16_units

    window, text, anns = mixed
    view = window.view
    assert view.toPlainText() == text
    assert view.document().characterCount() == view.utf16.length_utf16 + 1
    units = _as_utf16_units(text)
    assert len(units) == view.utf16.length_utf16 and units != text
    assert _as_utf16_units("plain café") == "plain café"
    for a in anns[::97]:
        view.select_span(a.start, a.end)
        assert view.textCursor().selectedText() == text[a.start:a.end].replace("\n", "\u2029")
        assert view.selection_span() == (a.start, a.end)

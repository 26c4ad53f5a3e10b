"""User data is shown as plain text on every GUI surface, never rendered as HTML.

Every title, outlet, author, note, quote, label name, label definition and coder name below
is an HTML payload. For each surface the test works out what Qt itself would display (the
label's text format, or ``Qt.mightBeRichText`` for a tooltip, exactly as QToolTip decides) and
checks that the user sees the payload's literal characters, so no ``<img>`` ever loads a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox

from desk_annotator.gui import plain
from desk_annotator.gui.bridge import ProjectBridge
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.project import Project

IMG = '<img src="/tmp/x.png">'
BOLD = "<b>bold</b>"
TITLE = f"{IMG} title"
OUTLET = f"{BOLD} outlet"
AUTHOR = f"{IMG} author"
NOTE = f"{BOLD} note &lt;b&gt;"
STANCE = f"{IMG} stance"
THEME = f"{BOLD} theme"
DESCRIPTION = f"{IMG} definition"
CODER_A = f"{BOLD} coder"
CODER_B = f"{IMG} coder"
BAD_COLOUR = 'red;"><img src="/tmp/x.png">'
TEXT = f"Opening words {IMG} and a {BOLD} passage in the text. Second sentence here."


@dataclass
class Article:
    title: str
    text: str
    metadata: dict[str, str | None] = field(default_factory=dict)


def rendered(text: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """What Qt shows for ``text`` in a widget with ``text_format`` (tooltips: AutoText)."""
    rich = (text_format == Qt.TextFormat.RichText
            or (text_format == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)))
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    assert "<img" not in doc.toHtml(), "rich text would draw an image"
    return doc.toPlainText()


def shown(label: QLabel) -> str:
    return rendered(label.text(), label.textFormat())


def assert_tooltip_shows(tip: str, *payloads: str) -> None:
    assert tip, "no tooltip"
    assert "&lt;" in tip  # escaped inside a deliberately rich tooltip
    seen = rendered(tip)
    for payload in payloads:
        assert payload in seen, (payload, seen)


@pytest.fixture
def project(tmp_path, home):
    proj = Project(tmp_path / "p.sqlite")
    stance = proj.add_label("stance", STANCE, color=BAD_COLOUR, key="1", description=DESCRIPTION)
    theme = proj.add_label("themes", THEME, color="#56B4E9", key="t", description=DESCRIPTION)
    proj.add_documents([Article(TITLE, TEXT, {"outlet": OUTLET, "author": AUTHOR,
                                              "date": "2025-01-02"})])
    doc = proj.q.document_infos()[0].id
    a, b = proj.ensure_coder(CODER_A), proj.ensure_coder(CODER_B)
    start = TEXT.index(IMG)
    proj.add_annotation(doc, a.id, start, start + len(IMG) + 6, stance_id=stance.id,
                        theme_ids=[theme.id], note=NOTE)
    proj.add_annotation(doc, b.id, start, start + len(IMG), theme_ids=[theme.id], note=NOTE)
    yield proj
    proj.close()


@pytest.fixture
def window(qtbot, project):
    win = MainWindow(project, coder_name=CODER_A)
    qtbot.addWidget(win)
    win.set_show_all_coders(True)
    win.show()
    win.open_document(project.q.document_infos()[0].id)
    return win


def test_helpers():
    assert plain.tooltip_text("") == "" and plain.tooltip_text(None) == ""
    assert plain.tooltip_text("no markup at all\n  here") == "no markup at all\n  here"
    assert not QtGui.Qt.mightBeRichText(plain.tooltip_text("no markup"))
    assert rendered(plain.tooltip_text("x & y")) == "x & y"
    assert rendered(plain.tooltip_text("a  b\n<i>c</i> &lt;")) == "a  b\n<i>c</i> &lt;"
    assert plain.safe_color(BAD_COLOUR) == plain.FALLBACK_COLOR
    assert plain.safe_color("#1B9E77") == "#1b9e77"
    assert plain.menu_text("R&D") == "R&&D"
    assert len(rendered(plain.tooltip_text("x" * 10_000))) < 2100


def test_document_header_and_status_bar(window):
    assert window.title_label.textFormat() == Qt.TextFormat.PlainText
    assert shown(window.title_label) == TITLE
    assert window.meta_label.textFormat() == Qt.TextFormat.PlainText
    assert OUTLET in shown(window.meta_label) and AUTHOR in shown(window.meta_label)
    assert CODER_A in shown(window.coder_status)
    assert window.coder_status.textFormat() == Qt.TextFormat.PlainText


def test_document_list_tooltip(window):
    model = window.corpus.model
    tip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert_tooltip_shows(tip, TITLE, OUTLET, AUTHOR)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole) == TITLE


def test_annotation_lists_tooltips(window):
    model = window.annotations.model
    columns = model.columns
    quote_tip = model.data(model.index(0, columns.index("Quote")), Qt.ItemDataRole.ToolTipRole)
    assert_tooltip_shows(quote_tip, IMG)
    note_tip = model.data(model.index(0, columns.index("Note")), Qt.ItemDataRole.ToolTipRole)
    assert_tooltip_shows(note_tip, NOTE)
    # The corpus-wide list is a subclass of the same model: the same tooltips.
    window.annotations.scope.setCurrentIndex(1)
    corpus = window.annotations.corpus_model
    corpus.fetch_all()
    assert corpus.rowCount() == 2
    tip = corpus.data(corpus.index(0, corpus.columns.index("Note")),
                      Qt.ItemDataRole.ToolTipRole)
    assert_tooltip_shows(tip, NOTE)


def test_reading_view_tooltip(window):
    view = window.view
    start = TEXT.index(IMG) + 2
    cursor = view.textCursor()
    cursor.setPosition(start)
    rect = view.cursorRect(cursor)
    tip = view.tooltip_at(QPoint(rect.center().x() + 1, rect.center().y()))
    assert_tooltip_shows(tip, STANCE, THEME, CODER_A, CODER_B, NOTE)
    assert "/tmp/x.png\">" not in tip.split("&lt;img")[0]  # the bad colour never got in


def test_codebook_panel(window, project):
    stance = next(lb for lb in project.q.labels() if lb.scheme == "stance")
    button = window.codebook.buttons[stance.id]
    assert_tooltip_shows(button.toolTip(), STANCE, DESCRIPTION)
    labels = button.findChildren(QLabel)
    names = [lb for lb in labels if lb.text() == STANCE]
    assert names and all(lb.textFormat() == Qt.TextFormat.PlainText for lb in names)
    assert "img" not in next(lb for lb in labels if not lb.text()).styleSheet()  # the swatch
    window.codebook.pin_definition(stance.id)
    definition = window.codebook.definition.text
    assert STANCE in definition.toPlainText() and DESCRIPTION in definition.toPlainText()
    assert "<img" not in definition.toHtml()


def test_codebook_editor(qtbot, project):
    from desk_annotator.gui.codebook_editor import CodebookEditorDialog

    editor = CodebookEditorDialog(project)
    qtbot.addWidget(editor)
    item = editor.lists["stance"].item(0)
    assert item.text().startswith(STANCE)
    assert_tooltip_shows(item.toolTip(), DESCRIPTION)
    assert editor.name_edit.text() == STANCE  # a line edit: always plain
    assert editor.add_label("stance", STANCE) is None  # refused: the name exists
    assert editor.error_label.textFormat() == Qt.TextFormat.PlainText
    assert STANCE in shown(editor.error_label)
    assert editor.colour_button.text() == BAD_COLOUR  # a button shows its text as it is


def test_compare_view(qtbot, project):
    from desk_annotator.gui.compare_view import CompareWindow

    bridge = ProjectBridge(project)
    window = CompareWindow(project, bridge, project.q.document_infos()[0].id, CODER_A, CODER_B)
    qtbot.addWidget(window)
    for heading, name in ((window.heading_a, CODER_A), (window.heading_b, CODER_B)):
        assert heading.textFormat() == Qt.TextFormat.PlainText and name in shown(heading)
    tips = [sel.format.toolTip() for sel in window.pane_a.extraSelections()]
    assert tips
    for tip in tips:
        assert_tooltip_shows(tip, STANCE, NOTE)
    assert window.passage_list.count() >= 1
    passage = rendered(window.passage_list.item(0).text(), Qt.TextFormat.RichText)
    assert STANCE in passage and THEME in passage
    window.close()
    bridge.detach()


def test_agreement_window(qtbot, project):
    from desk_annotator.gui.agreement_window import AgreementWindow

    bridge = ProjectBridge(project)
    window = AgreementWindow(project, bridge, lambda *_: None)
    qtbot.addWidget(window)
    summary = shown(window.summary_label)
    assert CODER_A in summary and CODER_B in summary
    window.tabs.setCurrentIndex(1)
    window.detail_tabs.setCurrentIndex(1)
    title = window.documents.item(0, 0)
    assert title is not None and title.text() == TITLE
    window.error_label.setText(IMG)
    assert shown(window.error_label) == IMG
    window.close()
    bridge.detach()


def test_corpus_search(qtbot, project, window):
    from desk_annotator.gui.search_dialog import CorpusSearchDialog

    dialog = CorpusSearchDialog(project, window.show_passage, window.coder_id(), window)
    qtbot.addWidget(dialog)
    assert dialog.search("passage") == 1
    assert_tooltip_shows(dialog.results.item(0, 0).toolTip(), TITLE)
    context = rendered(dialog.results.item(0, 1).text(), Qt.TextFormat.RichText)
    assert BOLD in context
    dialog.start_coding()
    suggestion = shown(dialog.suggestion_label)
    assert TITLE in suggestion and BOLD in suggestion
    themes = [dialog.theme_list.item(r).text() for r in range(dialog.theme_list.count())]
    assert themes == [THEME]


def test_message_boxes_and_menus(window):
    box = window.inform("Import finished", f"{TITLE}: refused")
    assert isinstance(box, QMessageBox)
    assert box.textFormat() == Qt.TextFormat.PlainText and box.text() == f"{TITLE}: refused"
    box.close()
    tag_texts = [a.text() for a in window.tag_menu.actions() if a.text()]
    assert any(t.startswith(STANCE) for t in tag_texts)
    coder_texts = [a.text() for a in window.coder_menu.actions()]
    assert CODER_A in coder_texts and CODER_B in coder_texts
    # The program's own help stays rich.
    help_box = window.inform("Keyboard shortcuts", "<b>Keys</b>", rich=True)
    assert help_box.textFormat() == Qt.TextFormat.RichText
    help_box.close()

"""Compare two coders on one document: side by side (or overlaid), disagreements outlined.

The passages come from :func:`desk_annotator.compare.disagreements` (core, no Qt); this module
only converts their code point offsets to Qt's UTF-16 with one Utf16Map per document and draws.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QColor,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..blind import may_see_others
from ..compare import KIND_TEXT, Disagreement, disagreement_at, disagreements
from ..models import Annotation, is_model_coder
from ..project import Changed, Project
from ..text import Utf16Map
from .adjudication_panel import AdjudicationBar
from .bridge import ProjectBridge
from .plain import plain_label, tooltip_text
from .search_dialog import HtmlDelegate
from .theme import UNLABELLED, highlight_alpha, tint

OUTLINE = QColor("#d1242f")
KIND_COLOURS = {"stance": "#d1242f", "themes": "#bf8700", "only_a": "#0969da",
                "only_b": "#8250df", "boundary": "#6e7781"}
ROW_ROLE = Qt.ItemDataRole.UserRole


class ComparePane(QPlainTextEdit):
    """A read-only copy of the text that outlines the disagreement passages in red."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.outlines: list[tuple[int, int]] = []  # UTF-16 ranges
        self.current: tuple[int, int] | None = None
        self.document().setDocumentMargin(14)
        # A pale selection so the current passage's stance tint still shows through the outline.
        pal = self.palette()
        pal.setColor(pal.ColorRole.Highlight, QColor("#fff3b0"))
        pal.setColor(pal.ColorRole.HighlightedText, pal.color(pal.ColorRole.Text))
        self.setPalette(pal)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.outlines:
            return
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        visible = QRectF(self.viewport().rect())
        for start, end in self.outlines:
            pen = QPen(OUTLINE, 2.2 if (start, end) == self.current else 1.2)
            if (start, end) != self.current:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            for rect in self._range_rects(start, end):
                if rect.intersects(visible):
                    painter.drawRoundedRect(rect.adjusted(-1.5, -0.5, 1.5, 0.5), 3, 3)
        painter.end()

    def _range_rects(self, start: int, end: int) -> list[QRectF]:
        """One rectangle per laid-out line the UTF-16 range [start, end) touches."""
        rects: list[QRectF] = []
        block = self.document().findBlock(start)
        offset = self.contentOffset()
        while block.isValid() and block.position() < end:
            layout = block.layout()
            top = self.blockBoundingGeometry(block).translated(offset).top()
            for i in range(layout.lineCount()):
                line = layout.lineAt(i)
                line_start = block.position() + line.textStart()
                line_end = line_start + line.textLength()
                lo, hi = max(start, line_start), min(end, line_end)
                if lo >= hi:
                    continue
                x1, _ = line.cursorToX(lo - block.position())
                x2, _ = line.cursorToX(hi - block.position())
                rects.append(QRectF(x1 + offset.x(), top + line.y(), max(x2 - x1, 3.0),
                                    line.height()))
            block = block.next()
        return rects


class CompareWindow(QWidget):
    """Two coders' annotations on one document, with their disagreements to step through."""

    def __init__(self, project: Project, bridge: ProjectBridge, document_id: str | None = None,
                 coder_a: str | None = None, coder_b: str | None = None,
                 parent: QWidget | None = None, viewer_id: str | None = None) -> None:
        super().__init__(parent)
        self.viewer_id = viewer_id  # who looks: a locked blind mode hides others' work
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowTitle("Compare coders")
        self.resize(1200, 760)
        self.project = project
        self.bridge = bridge
        self.text = ""
        self.u16 = Utf16Map("")
        self.passages: list[Disagreement] = []
        self.current_index: int | None = None
        self._syncing = False

        self.document_combo = QComboBox()
        self.document_combo.setMinimumContentsLength(28)
        self.coder_a_combo, self.coder_b_combo = QComboBox(), QComboBox()
        self.overlay_check = QCheckBox("Overlay")
        self.overlay_check.setToolTip("Show both coders in one pane: A as highlight, B as underline")
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next disagreement ▶")
        self.previous_button.setToolTip("Previous disagreement (Shift+F8)")
        self.next_button.setToolTip("Next disagreement (F8)")
        self.count_label = QLabel()
        bar = QHBoxLayout()
        for text, widget in (("Document", self.document_combo), ("Coder A", self.coder_a_combo),
                             ("Coder B", self.coder_b_combo)):
            bar.addWidget(QLabel(text))
            bar.addWidget(widget, 2 if widget is self.document_combo else 1)
        bar.addWidget(self.overlay_check)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.previous_button)
        bar.addWidget(self.next_button)

        self.pane_a, self.pane_b = ComparePane("A"), ComparePane("B")
        self.heading_a, self.heading_b = plain_label(), plain_label()  # coder names
        panes = QSplitter(Qt.Orientation.Horizontal)
        for heading, pane in ((self.heading_a, self.pane_a), (self.heading_b, self.pane_b)):
            box = QWidget()
            col = QVBoxLayout(box)
            col.setContentsMargins(0, 0, 0, 0)
            heading.setStyleSheet("font-weight: 600; padding: 2px 4px;")
            col.addWidget(heading)
            col.addWidget(pane, 1)
            panes.addWidget(box)
        self.box_b = panes.widget(1)
        self.passage_list = QListWidget()
        self.passage_list.setWordWrap(True)
        self.passage_list.setAlternatingRowColors(True)
        self.passage_list.setItemDelegate(HtmlDelegate(self.passage_list))
        self.passage_list.setSpacing(1)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        side = QWidget()
        side_col = QVBoxLayout(side)
        side_col.setContentsMargins(0, 0, 0, 0)
        side_col.addWidget(QLabel("<b>Disagreements</b>"))
        side_col.addWidget(self.passage_list, 1)
        side_col.addWidget(self.legend)
        outer = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(panes)
        outer.addWidget(side)
        outer.setStretchFactor(0, 4)
        outer.setStretchFactor(1, 1)
        outer.setSizes([880, 300])

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(outer, 1)
        self.adjudication = AdjudicationBar(self)  # decisions into the gold layer
        layout.addWidget(self.adjudication)

        for seq, step in (("F8", 1), ("Shift+F8", -1)):
            action = QAction(self)
            action.setShortcut(QKeySequence(seq))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _=False, s=step: self.step(s))
            self.addAction(action)
        self.next_button.clicked.connect(lambda: self.step(1))
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.passage_list.currentRowChanged.connect(self._row_chosen)
        self.overlay_check.toggled.connect(self._overlay_toggled)
        self.pane_a.verticalScrollBar().valueChanged.connect(
            lambda v: self._sync_scroll(self.pane_b, v))
        self.pane_b.verticalScrollBar().valueChanged.connect(
            lambda v: self._sync_scroll(self.pane_a, v))
        bridge.changed.connect(self._on_changed)

        self._fill_choices(document_id, coder_a, coder_b)
        for combo in (self.document_combo, self.coder_a_combo, self.coder_b_combo):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.reload()

    # -- choices -------------------------------------------------------------------------
    def _fill_choices(self, document_id: str | None, coder_a: str | None,
                      coder_b: str | None) -> None:
        for info in self.project.q.document_infos():
            self.document_combo.addItem(info.title, info.id)
        if document_id is not None:
            self.document_combo.setCurrentIndex(max(0, self.document_combo.findData(document_id)))
        coders = [c for c in self.project.q.coders() if not is_model_coder(c.name)]
        for combo in (self.coder_a_combo, self.coder_b_combo):
            for coder in coders:
                combo.addItem(coder.name, coder.id)
        wanted = [self._coder_id(c) for c in (coder_a, coder_b)]
        # Unnamed sides default to the coders who annotated this document, then to any coder.
        defaults = self._coders_on_document() + [c.id for c in coders]
        chosen: list[str] = []
        for combo, want in zip((self.coder_a_combo, self.coder_b_combo), wanted):
            choice = want or next((c for c in defaults if c not in chosen and c not in wanted),
                                  None)
            if choice is not None:
                combo.setCurrentIndex(max(0, combo.findData(choice)))
                chosen.append(choice)

    def _coder_id(self, id_or_name: str | None) -> str | None:
        if not id_or_name:
            return None
        if self.project.q.coder(id_or_name):
            return id_or_name
        coder = self.project.q.coder_by_name(id_or_name)
        return coder.id if coder else None

    def _coders_on_document(self) -> list[str]:
        doc_id = self.document_combo.currentData()
        seen: list[str] = []
        for ann in self.project.q.annotations(doc_id) if doc_id else []:
            if ann.coder_id not in seen:
                seen.append(ann.coder_id)
        return seen

    @property
    def document_id(self) -> str | None:
        return self.document_combo.currentData()

    @property
    def coder_ids(self) -> tuple[str | None, str | None]:
        return self.coder_a_combo.currentData(), self.coder_b_combo.currentData()

    # -- loading and drawing ---------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the document and both coders' spans, recompute passages, repaint."""
        doc = self.project.q.document(self.document_id) if self.document_id else None
        previous = self.passages[self.current_index] if self.current_index is not None else None
        if doc is None or doc.text != self.text:
            self.text = doc.text if doc else ""
            self.u16 = Utf16Map(self.text)  # once per document
            for pane in (self.pane_a, self.pane_b):
                pane.setPlainText(self.text)
        coder_a, coder_b = self.coder_ids
        labels = {lb.id: lb for lb in self.project.q.labels()}
        spans_a = self.project.q.annotations(doc.id, [coder_a]) if doc and coder_a else []
        spans_b = self.project.q.annotations(doc.id, [coder_b]) if doc and coder_b else []
        hidden = doc is not None and not may_see_others(self.project.q, self.viewer_id, doc.id)
        if hidden:  # locked blind mode: the others' work only after you marked it done
            spans_a, spans_b = ([] if coder_a != self.viewer_id else spans_a,
                                [] if coder_b != self.viewer_id else spans_b)
        self.passages = disagreements(len(self.text), spans_a, spans_b)
        self._spans = {a.id: a for a in spans_a + spans_b}
        self._labels = labels
        self._paint(spans_a, spans_b)
        self._fill_passage_list()
        names = self.coder_a_combo.currentText(), self.coder_b_combo.currentText()
        self.heading_a.setText(f"A · {names[0]}   ({len(spans_a)} spans)")
        self.heading_b.setText(f"B · {names[1]}   ({len(spans_b)} spans)")
        for heading, coder in ((self.heading_a, coder_a), (self.heading_b, coder_b)):
            if hidden and coder != self.viewer_id:
                heading.setText(heading.text() + "   hidden: blind mode is locked by the "
                                "lead until you mark this document done")
        if coder_a and coder_a == coder_b:
            self.count_label.setText("Choose two different coders")
        self.current_index = None
        if previous is not None:
            again = disagreement_at(self.passages, previous.start)
            if again is not None:
                self._select(again, scroll=False)
        self._update_count()

    def _paint(self, spans_a: list[Annotation], spans_b: list[Annotation]) -> None:
        overlay = self.overlay_check.isChecked()
        selections_a = [self._highlight(self.pane_a, s) for s in spans_a]
        if overlay:
            selections_a += [self._highlight(self.pane_a, s, underline=True) for s in spans_b]
        self.pane_a.setExtraSelections(selections_a)
        self.pane_b.setExtraSelections([self._highlight(self.pane_b, s) for s in spans_b])
        ranges = [(self.u16.to_utf16(d.start), self.u16.to_utf16(d.end)) for d in self.passages]
        for pane in (self.pane_a, self.pane_b):
            pane.outlines = ranges
            pane.current = None
            pane.viewport().update()

    def _highlight(self, pane: ComparePane, span: Annotation,
                   underline: bool = False) -> QTextEdit.ExtraSelection:
        label = self._labels.get(span.stance_id or "")
        colour = label.color if label else UNLABELLED
        fmt = QTextCharFormat()
        if underline:
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(QColor(colour))
            fmt.setFontUnderline(True)
        else:
            fmt.setBackground(tint(colour, highlight_alpha() + 15))
        fmt.setToolTip(tooltip_text(self._describe(span)))
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(pane.document())
        cursor.setPosition(self.u16.to_utf16(span.start))
        cursor.setPosition(self.u16.to_utf16(span.end), QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        selection.format = fmt
        return selection

    def _label_names(self, span: Annotation) -> str:
        names = [self._labels[i].name for i in [span.stance_id, *span.theme_ids]
                 if i and i in self._labels]
        return ", ".join(names) or "no label"

    def _describe(self, span: Annotation) -> str:
        return self._label_names(span) + (f" — {span.note}" if span.note else "")

    def _side_text(self, ids: tuple[str, ...]) -> str:
        return "; ".join(self._label_names(self._spans[i]) for i in ids) or "—"

    def _fill_passage_list(self) -> None:
        self.passage_list.blockSignals(True)
        self.passage_list.clear()
        for row, d in enumerate(self.passages):
            quote = " ".join(self.text[d.start:d.end].split())
            quote = quote if len(quote) <= 70 else quote[:67] + "…"
            item = QListWidgetItem(
                f"<span style='color:{KIND_COLOURS[d.kind]}'>■</span> "
                f"<b>{row + 1}. {KIND_TEXT[d.kind][:1].upper() + KIND_TEXT[d.kind][1:]}</b><br>"
                f"<i>“{html.escape(quote)}”</i><br>"
                f"<span style='color:#57606a'>A:</span> {html.escape(self._side_text(d.a_ids))}<br>"
                f"<span style='color:#57606a'>B:</span> {html.escape(self._side_text(d.b_ids))}")
            item.setData(ROW_ROLE, row)
            self.passage_list.addItem(item)
        self.passage_list.blockSignals(False)
        self.legend.setText(
            "<small>Highlight colour = stance (grey: themes only). Red outline = the coders "
            "differ; solid = current. Overlay: A highlighted, B underlined.</small>")

    def _update_count(self) -> None:
        self.adjudication.refresh()
        n = len(self.passages)
        coder_a, coder_b = self.coder_ids
        if coder_a and coder_a == coder_b:
            return
        if n == 0:
            self.count_label.setText("No disagreements")
        elif self.current_index is None:
            self.count_label.setText(f"{n} disagreement{'s' if n != 1 else ''}")
        else:
            self.count_label.setText(f"{self.current_index + 1} of {n}")
        self.next_button.setEnabled(n > 0)
        self.previous_button.setEnabled(n > 0)

    # -- navigation ----------------------------------------------------------------------
    def step(self, direction: int) -> Disagreement | None:
        """Go to the next (1) or previous (-1) disagreement, wrapping around at the ends."""
        if not self.passages:
            return None
        if self.current_index is None:
            position = self.u16.to_cp(self.pane_a.textCursor().position())
            if direction > 0:
                target = next((i for i, d in enumerate(self.passages) if d.start >= position), 0)
            else:
                target = next((i for i in range(len(self.passages) - 1, -1, -1)
                               if self.passages[i].end <= position), len(self.passages) - 1)
        else:
            target = (self.current_index + direction) % len(self.passages)
        self._select(target)
        return self.passages[target]

    def _row_chosen(self, row: int) -> None:
        if 0 <= row < len(self.passages) and row != self.current_index:
            self._select(row)

    def _select(self, index: int, scroll: bool = True) -> None:
        self.current_index = index
        d = self.passages[index]
        lo, hi = self.u16.to_utf16(d.start), self.u16.to_utf16(d.end)
        for pane in (self.pane_a, self.pane_b):
            cursor = QTextCursor(pane.document())
            cursor.setPosition(lo)
            cursor.setPosition(hi, QTextCursor.MoveMode.KeepAnchor)
            pane.setTextCursor(cursor)
            pane.current = (lo, hi)
            if scroll:
                pane.centerCursor()
            pane.viewport().update()
        self.passage_list.blockSignals(True)
        self.passage_list.setCurrentRow(index)
        self.passage_list.blockSignals(False)
        self._update_count()

    def selected_range(self) -> tuple[int, int]:
        """The selection in pane A, in code points (what tests and callers compare)."""
        cursor = self.pane_a.textCursor()
        return self.u16.to_cp(cursor.selectionStart()), self.u16.to_cp(cursor.selectionEnd(),
                                                                        snap="up")

    def show_passage(self, document_id: str, start: int, end: int) -> None:
        """Open ``document_id`` and select [start, end) (code points) in both panes."""
        index = self.document_combo.findData(document_id)
        if index < 0:
            return
        self.document_combo.setCurrentIndex(index)  # reloads when it changes
        found = disagreement_at(self.passages, start) if end > start else None
        if found is not None:
            self._select(found)
            return
        lo = self.u16.to_utf16(min(start, self.u16.length))
        hi = self.u16.to_utf16(min(max(end, start), self.u16.length))
        for pane in (self.pane_a, self.pane_b):
            cursor = QTextCursor(pane.document())
            cursor.setPosition(lo)
            cursor.setPosition(hi, QTextCursor.MoveMode.KeepAnchor)
            pane.setTextCursor(cursor)
            pane.centerCursor()
        self.raise_()
        self.activateWindow()

    # -- modes, scrolling, refresh -------------------------------------------------------
    def _overlay_toggled(self, overlay: bool) -> None:
        self.box_b.setVisible(not overlay)
        self.reload()

    def _sync_scroll(self, other: ComparePane, value: int) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            other.verticalScrollBar().setValue(value)
        finally:
            self._syncing = False

    def _on_changed(self, changed: Changed) -> None:
        touches_doc = self.document_id in changed.document_ids
        if touches_doc or changed.tables & {"labels", "coders", "documents", "meta"}:
            if "coders" in changed.tables or "documents" in changed.tables:
                QTimer.singleShot(0, self._refill_choices)
            else:
                self.reload()

    def _refill_choices(self) -> None:
        doc, (a, b) = self.document_id, self.coder_ids
        for combo in (self.document_combo, self.coder_a_combo, self.coder_b_combo):
            combo.blockSignals(True)
            combo.clear()
        self._fill_choices(doc, a, b)
        for combo in (self.document_combo, self.coder_a_combo, self.coder_b_combo):
            combo.blockSignals(False)
        self.reload()

    def closeEvent(self, event) -> None:
        self.bridge.disconnect_view(self._on_changed)
        super().closeEvent(event)


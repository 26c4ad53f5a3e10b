"""The document view: read-only, selectable text with annotation highlights painted on top.

Highlights are painted by hand in ``paintEvent`` for the visible blocks only (not with
ExtraSelections or a syntax highlighter), so a 1 MB document with thousands of annotations
paints in milliseconds, and a change repaints only the rectangle of the affected span.
Stance = translucent tint in the stance colour (layers add up, so overlaps look darker);
themes = an underline in the theme colours, each theme in its own underline style (solid,
dashed, dotted, wavy, ...; ``underline_styles``) so themes differ without colour too (with the
styles off: one dashed line cycling through the colours); the current annotation gets an outline.
All offsets given to or returned by this class are code points; UTF-16 (Qt's unit) is
converted with the document's one :class:`~desk_annotator.text.Utf16Map`.
"""

from __future__ import annotations

import bisect
import ctypes
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QKeyEvent,
    QPainter,
    QPalette,
    QPen,
    QTextCursor,
)
from PySide6.QtWidgets import QMenu, QPlainTextEdit, QToolTip, QWidget

from ..models import Annotation, Document, Label
from ..text import Utf16Map
from .plain import escape, rich_tooltip, safe_color
from .span_index import (
    Fetch,
    FetchDetails,
    FetchThemes,
    LazyAnnotations,
    RowSource,
    SpanIndex,
    Thin,
)
from .theme import ACCENT, UNLABELLED, highlight_alpha, tint, underline_style
from .underlines import paint_styled_themes

EMPTY_HINT = "Pick a document on the left, or File → Import… to bring in articles."
MAX_COLUMNS = 80
UNDERLINE_HEIGHT = 2.5
DASH = 7.0


def _as_utf16_units(text: str, data: bytes | None = None) -> str:
    """The same text as a str of UTF-16 code units (each astral character as its two
    surrogates), which Qt takes in as it is; ``data``: the text already encoded as UTF-16
    in the machine's byte order (Utf16Map.with_utf16), so it is not encoded twice.

    PySide copies a str of BMP characters into a QString at memory speed but converts one
    holding astral characters character by character: half of setPlainText on a 5 MB text
    with 90,000 emoji. Qt's text is the same either way; without the C call, the text itself."""
    try:
        if data is None:
            data = text.encode("utf-16-le" if sys.byteorder == "little" else "utf-16-be",
                               "surrogatepass")
        return _from_kind_and_data(2, data, len(data) // 2)  # 2: two bytes per character
    except (AttributeError, OSError, TypeError, ValueError):
        return text


try:
    _from_kind_and_data = ctypes.pythonapi.PyUnicode_FromKindAndData
    _from_kind_and_data.restype = ctypes.py_object
    _from_kind_and_data.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_ssize_t]
except AttributeError:  # not CPython: plain conversion
    _from_kind_and_data = None


@dataclass
class _Look:
    """How one (stance, themes) combination is drawn; shared by every span that has it."""
    fill: QColor
    themes: list[QColor] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)  # underline style per theme


class ReadingView(QPlainTextEdit):
    labelKeyPressed = Signal(str)  # a codebook shortcut key typed while the view has focus
    currentAnnotationChanged = Signal(object)  # annotation id or None
    documentLoaded = Signal()  # set_document() replaced the text (search matches are gone)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readingView")
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setPlaceholderText(EMPTY_HINT)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setMouseTracking(True)
        font = QFont(self.font())
        font.setPointSizeF(12)
        self.setFont(font)
        self.document().setUndoRedoEnabled(False)
        self.document().setDocumentMargin(12)
        self.own_coder_id: str | None = None
        self.underline_styles = True  # a preference: each theme its own underline style
        self._theme_styles: dict[str, str] = {}
        self.context_menu_hook: Callable[[QMenu], None] | None = None
        self._document: Document | None = None
        self._map = Utf16Map("")
        self._labels: dict[str, Label] = {}
        self._coder_names: dict[str, str] = {}
        self._label_keys: set[str] = set()
        self._spans = SpanIndex()  # UTF-16 interval index over the shown annotations
        self._looks: dict[tuple, _Look] = {}  # (alpha, stance, themes) -> colours, built once
        self._current: str | None = None
        self._search: list[tuple[int, int]] = []  # find-bar matches, UTF-16, sorted
        self._search_starts: list[int] = []
        self._search_max = 0
        # Extra layers painted after the highlights (gui/suggestion_layer.py): (painter, clip).
        self.overlays: list[Callable[[QPainter, QRect], None]] = []
        self.painted: list[str] = []  # ids of the highlights the last paint drew (tests)
        self.cursorPositionChanged.connect(self._follow_cursor)

    # -- content ------------------------------------------------------------------------------
    @property
    def document_id(self) -> str | None:
        return self._document.id if self._document else None

    @property
    def text(self) -> str:
        return self._document.text if self._document else ""

    @property
    def utf16(self) -> Utf16Map:
        return self._map

    def set_document(self, document: Document | None) -> None:
        self._document = document
        text = document.text if document else ""
        self._map, units = Utf16Map.with_utf16(text)  # one encoding pass for both
        self._spans.clear(self._map)
        self._current = None
        self._search, self._search_starts, self._search_max = [], [], 0
        astral = self._map.length_utf16 != self._map.length and _from_kind_and_data is not None
        self.setPlainText(_as_utf16_units(text, units) if astral else text)
        self.verticalScrollBar().setValue(0)
        self.documentLoaded.emit()

    def set_labels(self, labels: list[Label]) -> None:
        self._labels = {lb.id: lb for lb in labels}
        self._label_keys = {lb.key for lb in labels if lb.key}
        themes = sorted((lb for lb in labels if lb.scheme == "themes"), key=lambda lb: lb.order)
        self._theme_styles = {lb.id: underline_style(rank) for rank, lb in enumerate(themes)}
        self._looks.clear()  # colours and styles are read again at the next paint
        self.viewport().update()

    def set_coder_names(self, names: dict[str, str]) -> None:
        self._coder_names = dict(names)

    def set_annotations(self, annotations: list[Annotation]) -> None:
        """Replace every highlight (opening a document, switching coders)."""
        self._spans.load_annotations(list(annotations), self._map)
        self._after_reload()

    def set_annotation_rows(self, rows: list[tuple], themes: dict[str, str], fetch: Fetch,
                            fetch_themes: FetchThemes | None = None) -> None:
        """Replace every highlight by slim rows of store/reading_rows.py; an annotation is
        built (its full row read by ``fetch``) only when something asks for it, and themes
        not in ``themes`` are read by ``fetch_themes`` for the spans a paint draws."""
        positions = {lb.id: lb.order for lb in self._labels.values()}
        source = RowSource(themes, fetch, self.document_id or "", positions, fetch_themes)
        self._spans.load_rows(rows, source, self._map)
        self._after_reload()

    def set_annotation_spans(self, spans: list[Thin], fetch: Fetch, fetch_themes: FetchThemes,
                             fetch_details: FetchDetails) -> None:
        """Replace every highlight by (start, end, id) rows (store/reading_rows.py, the list
        is taken over); a span's coder and stance (``fetch_details``) and themes
        (``fetch_themes``) are read for the spans a paint draws or a lookup ranks, its full
        row (``fetch``) when an annotation is asked for."""
        positions = {lb.id: lb.order for lb in self._labels.values()}
        source = RowSource(None, fetch, self.document_id or "", positions, fetch_themes,
                           fetch_details=fetch_details)
        self._spans.load_spans(spans, source, self._map)
        self._after_reload()

    def _after_reload(self) -> None:
        if self._current not in self._spans:
            self._set_current(None)
        self.viewport().update()

    def upsert_annotations(self, annotations: list[Annotation]) -> None:
        """Add or replace some highlights, repainting only their old and new rectangles."""
        dirty = QRect()
        for ann in annotations:
            old = self._spans.put(ann)
            if old is not None:
                dirty = dirty.united(self._span_rect(*old))
            dirty = dirty.united(self._span_rect(*self._spans.extent(ann.id)))  # type: ignore[misc]
        self._repaint(dirty)

    def remove_annotations(self, ids: list[str]) -> None:
        dirty = QRect()
        for ann_id in ids:
            old = self._spans.pop(ann_id)
            if old is not None:
                dirty = dirty.united(self._span_rect(*old))
        if self._current is not None and self._current not in self._spans:
            self._set_current(None)
        self._repaint(dirty)

    def set_search_matches(self, spans: list[tuple[int, int]]) -> None:
        """Show find results ([start, end) code points) with a neutral highlight; [] clears."""
        self._search = sorted((self._map.to_utf16(s), self._map.to_utf16(e)) for s, e in spans)
        self._search_starts = [s for s, _ in self._search]
        self._search_max = max((e - s for s, e in self._search), default=0)
        self.viewport().update()

    def search_matches(self) -> list[tuple[int, int]]:
        """The shown find results, as code points."""
        return [(self._map.to_cp(s), self._map.to_cp(e)) for s, e in self._search]

    def annotation(self, ann_id: str) -> Annotation | None:
        return self._spans.annotation(ann_id)

    def visible_annotations(self) -> LazyAnnotations:
        """Every shown annotation in start order (a list-like that builds members lazily)."""
        return self._spans.in_order()

    def annotation_count(self) -> int:
        return len(self._spans)

    def annotations_with_span(self, start: int, end: int) -> list[Annotation]:
        """Highlights whose extent is exactly [start, end) (code points)."""
        ids = self._spans.with_extent(start, end)
        return [self._spans.annotation(i) for i in ids]  # type: ignore[misc]

    def _look(self, ann_id: str, alpha: int) -> _Look:
        stance_id, theme_ids = self._spans.look_key(ann_id)
        key = (alpha, stance_id, theme_ids)
        look = self._looks.get(key)
        if look is None:
            stance = self._labels.get(stance_id or "")
            ids = [t for t in theme_ids if t in self._labels]
            look = self._looks[key] = _Look(
                tint(stance.color if stance else UNLABELLED, alpha),
                [QColor(self._labels[t].color) for t in ids],
                [self._theme_styles.get(t, "solid") for t in ids])
        return look

    def set_underline_styles(self, on: bool) -> None:
        """Themes in distinct underline styles (True) or in colour alone (False)."""
        self.underline_styles = bool(on)
        self.viewport().update()

    def theme_style(self, label_id: str) -> str | None:
        """The underline style the theme label is drawn in, None when styles are off."""
        return self._theme_styles.get(label_id) if self.underline_styles else None

    # -- selection and the current annotation --------------------------------------------------
    def selection_span(self) -> tuple[int, int] | None:
        """The selected text as code points, or None when nothing is selected."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start = self._map.to_cp(cursor.selectionStart(), snap="down")
        end = self._map.to_cp(cursor.selectionEnd(), snap="up")
        return (start, end) if end > start else None

    def select_span(self, start: int, end: int) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._map.to_utf16(start))
        cursor.setPosition(self._map.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.centerCursor()

    def place_cursor(self, position: int) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._map.to_utf16(position))
        self.setTextCursor(cursor)

    @property
    def current_annotation_id(self) -> str | None:
        return self._current

    def set_current_annotation(self, ann_id: str | None) -> None:
        self._set_current(ann_id if ann_id in self._spans else None)

    def annotations_at(self, u16: int) -> list[Annotation]:
        """Highlights covering a UTF-16 position, own first, then innermost first."""
        spans = self._spans
        ids = spans.covering(u16)
        spans.prepare_looks(ids)  # their coders in one read, not one per id

        def rank(ann_id: str) -> tuple[bool, int]:
            s, e = spans.extent(ann_id)  # type: ignore[misc]
            return spans.coder_of(ann_id) != self.own_coder_id, e - s

        return [spans.annotation(i) for i in sorted(ids, key=rank)]  # type: ignore[misc]

    def _follow_cursor(self) -> None:
        cursor = self.textCursor()
        if cursor.hasSelection():
            return  # keep the annotation that was current when the selection began
        hits = self.annotations_at(cursor.position())
        if not hits and cursor.position() > 0:
            hits = self.annotations_at(cursor.position() - 1)  # cursor just after a span
        own = [a for a in hits if a.coder_id == self.own_coder_id]
        self._set_current((own or hits)[0].id if hits else None)

    def _set_current(self, ann_id: str | None) -> None:
        if ann_id == self._current:
            return
        dirty = QRect()
        for old_or_new in (self._current, ann_id):
            extent = self._spans.extent(old_or_new or "")
            if extent is not None:
                dirty = dirty.united(self._span_rect(*extent))
        self._current = ann_id
        self._repaint(dirty)
        self.currentAnnotationChanged.emit(ann_id)

    # -- geometry and painting ----------------------------------------------------------------
    def _visible_blocks(self, clip: QRect) -> list[tuple[int, int, QRectF, object]]:
        blocks = []
        block = self.firstVisibleBlock()
        offset = self.contentOffset()
        while block.isValid():
            geo = self.blockBoundingGeometry(block).translated(offset)
            if geo.top() > clip.bottom():
                break
            if block.isVisible() and geo.bottom() >= clip.top():
                blocks.append((block.position(), block.position() + block.length(), geo, block))
            block = block.next()
        return blocks

    def _span_line_rects(self, start: int, end: int, blocks: list) -> list[QRectF]:
        rects = []
        for b_start, b_end, geo, block in blocks:
            if b_end <= start or b_start >= end:
                continue
            layout = block.layout()
            # From the span's first line on, up to its last: not every line of the paragraph.
            first = layout.lineForTextPosition(max(start, b_start) - b_start).lineNumber()
            for i in range(max(0, first), layout.lineCount()):
                line = layout.lineAt(i)
                l_start = b_start + line.textStart()
                if l_start >= end:
                    break
                a, b = max(start, l_start), min(end, l_start + line.textLength())
                if a >= b:
                    continue
                x1 = line.cursorToX(a - b_start)[0]
                x2 = line.cursorToX(b - b_start)[0]
                left, right = min(x1, x2), max(x1, x2)
                rects.append(QRectF(geo.left() + left, geo.top() + line.y(),
                                    max(2.0, right - left), line.height()))
        return rects

    def _span_rect(self, start: int, end: int) -> QRect:
        rect = QRectF()
        for r in self._span_line_rects(start, end, self._visible_blocks(self.viewport().rect())):
            rect = rect.united(r)
        return rect.toAlignedRect().adjusted(-3, -3, 3, 3) if not rect.isNull() else QRect()

    def _repaint(self, rect: QRect) -> None:
        if not rect.isNull():
            self.viewport().update(rect)

    def paintEvent(self, event) -> None:
        if len(self._spans) or self._search or self.overlays:
            painter = QPainter(self.viewport())
            try:
                self._paint_search(painter, event.rect())
                self._paint_spans(painter, event.rect())
                for overlay in self.overlays:
                    overlay(painter, event.rect())
            finally:
                painter.end()
        super().paintEvent(event)

    def _paint_search(self, painter: QPainter, clip: QRect) -> None:
        """Find matches: a faint neutral box with a grey outline, unlike any stance tint."""
        blocks = self._visible_blocks(clip) if self._search else []
        if not blocks:
            return
        first, last = blocks[0][0], blocks[-1][1]
        lo = bisect.bisect_left(self._search_starts, first - self._search_max)
        hi = bisect.bisect_left(self._search_starts, last)
        ink = QColor(self.palette().color(QPalette.ColorRole.Text))
        fill, edge = QColor(ink), QColor(ink)
        fill.setAlpha(30)
        edge.setAlpha(120)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(edge, 1.0))
        painter.setBrush(fill)
        for s, e in self._search[lo:hi]:
            if e <= first:
                continue
            for r in self._span_line_rects(s, e, blocks):
                painter.drawRoundedRect(r.adjusted(-1, 1, 1, -1), 2, 2)
        painter.restore()

    def _paint_spans(self, painter: QPainter, clip: QRect) -> None:
        self.painted = []
        if not len(self._spans):
            return
        blocks = self._visible_blocks(clip)
        if not blocks:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        current_rects: list[QRectF] = []
        alpha = highlight_alpha()
        # Only the spans touching the painted blocks: the cost does not grow with the rest.
        shown = self._spans.spans_between(blocks[0][0], blocks[-1][1])
        self._spans.prepare_looks([i for _, _, i in shown])
        for s, e, ann_id in shown:
            span = self._look(ann_id, alpha)
            rects = self._span_line_rects(s, e, blocks)
            if rects:
                self.painted.append(ann_id)
            for r in rects:
                painter.fillRect(r, span.fill)
                if span.themes and self.underline_styles:
                    paint_styled_themes(painter, r, list(zip(span.themes, span.styles,
                                                             strict=True)))
                elif span.themes:
                    self._paint_theme_marks(painter, r, span.themes)
            if ann_id == self._current:
                current_rects = rects
        if current_rects:
            painter.setPen(QPen(QColor(ACCENT), 1.6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for r in current_rects:
                painter.drawRoundedRect(r.adjusted(-1, 0, 1, 0), 3, 3)

    @staticmethod
    def _paint_theme_marks(painter: QPainter, rect: QRectF, colours: list[QColor]) -> None:
        """A dashed underline cycling through the theme colours (one solid line for one theme)."""
        y = rect.bottom() - UNDERLINE_HEIGHT
        if len(colours) == 1:
            painter.fillRect(QRectF(rect.left(), y, rect.width(), UNDERLINE_HEIGHT), colours[0])
            return
        x, k = rect.left(), 0
        while x < rect.right():
            w = min(DASH, rect.right() - x)
            painter.fillRect(QRectF(x, y, w, UNDERLINE_HEIGHT), colours[k % len(colours)])
            x += DASH
            k += 1

    # -- layout: a readable measure (~80 characters) centred in wide windows -------------------
    def resizeEvent(self, event) -> None:
        # Margins first: QPlainTextEdit re-wraps in its own resizeEvent using the viewport
        # width, which must already be the narrowed one.
        self._center_measure(self.width())
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # a new font size: a new measure
            self._center_measure(self.width())

    def _center_measure(self, width: int) -> None:
        measure = self.fontMetrics().averageCharWidth() * MAX_COLUMNS + 24
        spare = width - self.verticalScrollBar().sizeHint().width() - measure
        side = max(0, spare // 2)
        if self.viewportMargins().left() != side:
            self.setViewportMargins(side, 0, side, 0)

    # -- interaction --------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        text = event.text()
        if (len(text) == 1 and mods in (Qt.KeyboardModifier.NoModifier,
                                         Qt.KeyboardModifier.ShiftModifier)):
            key = text if text in self._label_keys else text.lower()
            if key in self._label_keys and self._document is not None:
                self.labelKeyPressed.emit(key)
                event.accept()
                return
        super().keyPressEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            tip = self.tooltip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def tooltip_at(self, point: QPoint) -> str:
        """Stance, themes, coder and note of every highlight under a viewport point (HTML)."""
        cursor = self.cursorForPosition(point)
        caret = self.cursorRect(cursor)
        if abs(caret.center().y() - point.y()) > caret.height():
            return ""  # below the last line: nothing is under the mouse
        parts = []
        for ann in self.annotations_at(cursor.position())[:6]:
            parts.append(self._describe(ann))
        return rich_tooltip("<hr>".join(parts))

    def _describe(self, ann: Annotation) -> str:
        stance = self._labels.get(ann.stance_id or "")
        themes = [self._labels[t] for t in ann.theme_ids if t in self._labels]
        dot = '<span style="color:{};">&#9679;</span> {}'
        lines = [f"<b>{dot.format(safe_color(stance.color), escape(stance.name))}</b>" if stance
                 else "<i>no stance</i>"]
        if themes:
            lines.append(" · ".join(
                dot.format(safe_color(t.color), escape(t.name))
                + (f" <span style='color:gray;'>({self.theme_style(t.id)})</span>"
                   if self.theme_style(t.id) else "") for t in themes))
        lines.append(f"<span style='color:gray;'>coder:</span> "
                     f"{escape(self._coder_names.get(ann.coder_id, '?'))}")
        if ann.note:
            lines.append(f"<span style='color:gray;'>note:</span> "
                         f"<span style='white-space:pre-wrap'>{escape(ann.note)}</span>")
        return "<br>".join(lines)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if not self.textCursor().hasSelection():
            self.setTextCursor(self.cursorForPosition(event.pos()))
        menu = QMenu(self)
        if self.context_menu_hook is not None:
            self.context_menu_hook(menu)
            menu.addSeparator()
        standard = self.createStandardContextMenu()
        for action in standard.actions():
            menu.addAction(action)
        menu.exec(event.globalPos())

"""Suggested codings in the reading view: the model coders' open suggestions of the open
document drawn as dashed outlines in a layer of their own (View → Show suggestions), one of
them current (a stronger outline, its probability and labels in the status bar), and the keys
that resolve them — accept (the current coder's annotation, "accepted from model:…"), reject,
next, previous. Accept and reject are undoable ops (Ctrl+Z).

Only the open document's suggestions are held (``sq.suggestions(q, document_id=…)``), and
only those crossing the repainted rectangle are drawn, so the layer costs little to paint.
Model coders never show up as ordinary coders: :func:`human_coder_ids` is what the
workbench's "all coders" means once a model coder exists.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QAction, QColor, QPainter, QPalette, QPen, QRegion
from PySide6.QtWidgets import QMenuBar, QToolTip

from ..errors import DeskAnnotatorError
from ..models import is_model_coder
from ..project import Changed, Project
from ..store import suggestion_queries as sq
from ..suggest.ops import AcceptSuggestion, RejectSuggestion
from . import blind_lock
from . import overlay_geometry as geometry
from .plain import escape, plain_label, rich_tooltip
from .theme import ACCENT, UNLABELLED, tint

if TYPE_CHECKING:
    from .main_window import MainWindow

SETTING = "show_suggestions"
PARTIAL_LIMIT = 200  # past this many changed annotations the document's rows are read anew
DASH_PATTERN = [5.0, 3.0]  # pen dash pattern, in pen widths (1 px pens: the fast path)


def human_coder_ids(project: Project) -> list[str] | None:
    """Every coder but the model coders; None (= every coder) while there is no model coder."""
    models = sq.model_coder_ids(project.q)
    if not models:
        return None
    return [c.id for c in project.coders() if c.id not in models]


def person_names(project: Project) -> dict[str, str]:
    """id -> name of every coder but the model coders (the coder filters and menus)."""
    return {c.id: c.name for c in project.coders() if not is_model_coder(c.name)}


def describe(row: dict[str, Any], names: dict[str, str]) -> str:
    """'model:tfidf 0.82 — critical; export, open' for the status bar."""
    labels = [names.get(row["stance_id"] or "", "")] if row["stance_id"] else ["no stance"]
    themes = [names.get(t, "?") for t in row["theme_ids"]]
    what = labels[0] + (f"; {', '.join(themes)}" if themes else "")
    p = row["probability"]
    chance = f" p={p:.2f}" if p is not None else ""
    return f"Suggestion of model:{row['engine']}{chance} — {what}"


class SuggestionLayer(QObject):
    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.view = win.view
        self.project = win.project
        self.shown = bool(win.settings.get(SETTING, True))
        self.rows: list[dict[str, Any]] = []  # the open document's open suggestions, by start
        self._starts: list[int] = []
        self._longest = 0
        self.current_id: str | None = None
        self._names: dict[str, str] = {}
        self._colours: dict[str, str] = {}
        self.status = plain_label()
        self.status.setContentsMargins(8, 0, 8, 0)
        win.statusBar().addWidget(self.status, 1)
        self.view.overlays.append(self.paint)
        self.view.documentLoaded.connect(self.reload)
        self.view.cursorPositionChanged.connect(self._caret_moved)
        self.view.currentAnnotationChanged.connect(lambda _id: self._show_status())
        self.view.viewport().installEventFilter(self)
        win.bridge.changed.connect(self._on_changed)

    # -- what is shown -------------------------------------------------------------------------
    def reload(self) -> None:
        doc_id = self.view.document_id
        labels = self.project.q.labels()
        self._names = {lb.id: lb.name for lb in labels}
        self._colours = {lb.id: lb.color for lb in labels}
        self.rows = sq.suggestions(self.project.q, document_id=doc_id) \
            if self.shown and doc_id and not self.hidden_by_lock() else []
        self._rows_changed()

    def _rows_changed(self, dirty: list[dict[str, Any]] | None = None) -> None:
        """``dirty``: the rows that came or went, when only their outlines need repainting
        (None: the whole view)."""
        self._starts = [r["start"] for r in self.rows]
        self._longest = max((r["end"] - r["start"] for r in self.rows), default=0)
        if self.current_id not in {r["annotation_id"] for r in self.rows}:
            self.current_id = None
        self._show_status()
        if dirty is None:
            self.view.viewport().update()
        else:
            self._repaint_rows(dirty)

    def _repaint_rows(self, rows: list[dict[str, Any]]) -> None:
        """Repaint the on-screen outlines of ``rows`` only: repainting the whole view on
        every tag cost more than the tag's own highlight."""
        viewport = self.view.viewport()
        clip = viewport.rect()
        blocks = geometry.visible_blocks(self.view, clip)
        to16 = self.view.utf16.to_utf16
        area = QRegion()
        for row in rows:
            for r in geometry.line_rects(blocks, to16(row["start"]), to16(row["end"]), clip):
                # The outline is drawn 1.5 px outside its line and 2 px wide.
                area = area.united(r.toAlignedRect().adjusted(-4, -4, 4, 4))
        if not area.isEmpty():
            viewport.update(area)

    def _on_changed(self, changed: Changed) -> None:
        tables = changed.tables
        if changed.everything or tables & {"labels", "meta"} or \
                len(changed.annotation_ids) > PARTIAL_LIMIT:
            self.reload()
        elif tables & {"suggestions", "annotations", "annotation_themes"}:
            self._update(changed.annotation_ids)

    def _update(self, ann_ids: set[str]) -> None:
        """A few suggestions resolved, restored or relabelled: only those are read again
        (a document can hold thousands)."""
        doc_id = self.view.document_id
        if not self.shown or doc_id is None or self.hidden_by_lock():
            return
        gone = [r for r in self.rows if r["annotation_id"] in ann_ids]
        keep = [r for r in self.rows if r["annotation_id"] not in ann_ids]
        came = []
        for ann_id in ann_ids:
            row = sq.suggestion(self.project.q, ann_id)
            if row is not None and row["document_id"] == doc_id and \
                    row["status"] == "suggested":
                came.append(row)
        if gone or came:
            keep.extend(came)
            keep.sort(key=lambda r: (r["start"], r["end"], r["annotation_id"]))
            self.rows = keep
        self._rows_changed(gone + came)  # none (an ordinary tag): nothing to repaint

    def hidden_by_lock(self) -> bool:
        """Under the lead's blind-mode lock a model taught by another coder would show that
        coder's work: the layer stays empty."""
        return hasattr(self.win, "coder") and blind_lock.locked_for(self.win)

    def set_shown(self, on: bool) -> None:
        self.shown = bool(on)
        self.win.settings.set(SETTING, self.shown)
        action = self.win.actions_by_name.get("show_suggestions") \
            if hasattr(self.win, "actions_by_name") else None
        if action is not None and action.isChecked() != self.shown:
            action.setChecked(self.shown)
        self.reload()

    def current(self) -> dict[str, Any] | None:
        return next((r for r in self.rows if r["annotation_id"] == self.current_id), None)

    def _caret_moved(self) -> None:
        """The suggestion the caret is in becomes current (the one keys act on); the caret
        inside the current one keeps it."""
        if self.view.textCursor().hasSelection():
            return
        pos = self._caret()
        row = self.current()
        if row is not None and row["start"] <= pos <= row["end"]:
            return
        found = self.under_cursor()
        new = found["annotation_id"] if found else None
        if new != self.current_id:
            self.current_id = new
            self._show_status()
            self.view.viewport().update()

    def _caret(self) -> int:
        return self.view.utf16.to_cp(self.view.textCursor().selectionStart(), snap="down")

    def _show_status(self) -> None:
        row = self.current()
        if row is None:  # an accepted one says where it came from
            ann_id = self.view.current_annotation_id
            origin = sq.provenance(self.project.q, [ann_id]).get(ann_id) if ann_id else None
            self.status.setText(f"This annotation was {origin}." if origin else "")
            return
        keys = [self._key("suggestion_accept"), self._key("suggestion_reject")]
        hint = f"   ({keys[0]} accept, {keys[1]} reject)" if all(keys) else ""
        self.status.setText(describe(row, self._names) + hint)

    def _key(self, name: str) -> str:
        actions = getattr(self.win, "actions_by_name", {})
        return actions[name].shortcut().toString() if name in actions else ""

    # -- painting ------------------------------------------------------------------------------
    def paint(self, painter: QPainter, clip: QRect) -> None:
        if not self.rows:
            return
        to16, to_cp = self.view.utf16.to_utf16, self.view.utf16.to_cp
        blocks = geometry.visible_blocks(self.view, clip)
        first16, last16 = geometry.visible_range(blocks, clip)
        last16 = min(last16, self.view.utf16.length_utf16)
        first, last = to_cp(first16, snap="down"), to_cp(last16, snap="up")
        lo = bisect.bisect_left(self._starts, first - self._longest)
        hi = bisect.bisect_right(self._starts, last)
        rows = [r for r in self.rows[lo:hi] if r["end"] > first]
        if not rows:
            return
        painter.save()
        # Square, aliased dashes: crisp at any scale, and a fraction of the cost of
        # antialiased rounded ones (measured: most of the layer's paint time).
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        light = self.view.palette().color(QPalette.ColorRole.Base).lightness() > 128
        for row in rows:
            rects = geometry.line_rects(blocks, to16(row["start"]), to16(row["end"]), clip)
            current = row["annotation_id"] == self.current_id
            colour = QColor(self._colours.get(row["stance_id"] or "", "")
                            or (self._colours.get(row["theme_ids"][0], UNLABELLED)
                                if row["theme_ids"] else UNLABELLED))
            # Thin dashes need more contrast than a tint: darker on light paper, lighter on dark.
            ink = colour.darker(135) if light else colour.lighter(135)
            pen = QPen(QColor(ACCENT) if current else ink, 2 if current else 1)
            pen.setDashPattern(DASH_PATTERN)
            painter.setPen(pen)
            for r in rects:
                if current:
                    painter.fillRect(r, tint(colour.name(), 40))
                painter.drawRect(r.adjusted(-1.5, 1.0, 1.5, -1.0))
        painter.restore()

    # -- moving and resolving ------------------------------------------------------------------
    def under_cursor(self, pos: int | None = None) -> dict[str, Any] | None:
        """The suggestion at ``pos`` (default: the caret), the innermost, or None."""
        hits = self.rows_at(self._caret() if pos is None else pos)
        return min(hits, key=lambda r: r["end"] - r["start"]) if hits else None

    def rows_at(self, pos: int) -> list[dict[str, Any]]:
        hi = bisect.bisect_right(self._starts, pos)
        lo = bisect.bisect_left(self._starts, pos - self._longest)
        return [r for r in self.rows[lo:hi] if r["start"] <= pos < r["end"]]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Hovering a suggestion: what it proposes, above the usual annotation tooltip."""
        if event.type() == QEvent.Type.ToolTip and self.rows:
            point = event.pos()  # type: ignore[attr-defined]
            cursor = self.view.cursorForPosition(point)
            rows = self.rows_at(self.view.utf16.to_cp(cursor.position(), snap="down"))
            if rows:
                parts = [f"<i>{escape(describe(r, self._names))}</i>" for r in rows[:4]]
                usual = self.view.tooltip_at(point)
                tip = rich_tooltip("<br>".join(parts)) if not usual else \
                    rich_tooltip("<br>".join(parts) + "<hr>"
                                 + usual.removeprefix("<qt>").removesuffix("</qt>"))
                QToolTip.showText(event.globalPos(), tip, self.view.viewport())  # type: ignore[attr-defined]
                return True
        return super().eventFilter(watched, event)

    def step(self, forward: bool = True) -> dict[str, Any] | None:
        """Make the next (previous) open suggestion current, across documents (wraps)."""
        row = None
        if self.hidden_by_lock():
            self.win.flash("Suggestions are hidden while the lead keeps blind mode locked.")
            return None
        if self.current_id is None and self.rows:  # start from the text cursor
            pos = self._caret()
            ahead = [r for r in self.rows if (r["start"] >= pos if forward else r["start"] < pos)]
            row = (ahead[0] if forward else ahead[-1]) if ahead else None
        if row is None:
            row = self._following(self.current_id, forward)
        if row is None:
            self.win.flash("No open suggestions.")
            return None
        self.go_to(row)
        return row

    def _following(self, ann_id: str | None, forward: bool) -> dict[str, Any] | None:
        """The next (previous) open suggestion: in this document when there is one, else
        across the corpus (the query reads every open suggestion, so only then)."""
        ids = [r["annotation_id"] for r in self.rows]
        if ann_id in ids:
            k = ids.index(ann_id) + (1 if forward else -1)
            if 0 <= k < len(ids):
                return self.rows[k]
        return sq.neighbour(self.project.q, ann_id, forward=forward)

    def go_to(self, row: dict[str, Any]) -> None:
        if not self.shown:
            self.set_shown(True)
        if self.view.document_id != row["document_id"]:
            self.win.open_document(row["document_id"])
        if self.view.document_id == row["document_id"]:
            # The caret at its start, no selection: a label key then codes nothing by mistake,
            # and the outline stays visible (a selection would cover it).
            self.view.place_cursor(row["start"])
            self.view.centerCursor()
            self.view.setFocus()
            self.current_id = row["annotation_id"]
            self._show_status()
            self.view.viewport().update()

    def _target(self) -> dict[str, Any] | None:
        row = self.current() or self.under_cursor()
        if row is None:
            self.win.flash("No suggestion here: F8 goes to the next one.")
        return row

    def _resolve(self, accept: bool) -> str | None:
        row = self._target()
        coder_id = self.win.coder_id()
        if row is None:
            return None
        if self.project.read_only:
            self.win.flash("Read-only project: suggestions cannot be resolved here.")
            return None
        if coder_id is None:
            self.win.flash("Choose a coder first: accepting makes the passage yours.")
            return None
        following = self._following(row["annotation_id"], forward=True)
        op = (AcceptSuggestion(row["annotation_id"], coder_id) if accept
              else RejectSuggestion(row["annotation_id"], coder_id))
        try:
            result = self.project.run(op, coder_id)
        except DeskAnnotatorError as exc:
            self.win.flash(str(exc))
            return None
        self.win.flash(("Accepted: now your annotation (accepted from model:"
                        f"{row['engine']})") if accept else "Rejected the suggestion.")
        self.current_id = None
        if following is not None and following["annotation_id"] != row["annotation_id"]:
            self.go_to(following)
        else:
            self.reload()
        return result.id if accept else row["annotation_id"]

    def accept(self) -> str | None:
        """The current suggestion becomes the coder's annotation; returns its new id."""
        return self._resolve(True)

    def reject(self) -> str | None:
        return self._resolve(False)


def build_suggestions_menu(win: MainWindow, bar: QMenuBar, actions: dict[str, QAction]) -> None:
    """The Suggestions menu (keys from keymap.py); installs the layer on the window."""
    from .menus import _action

    def window(endpoint: bool = False) -> None:
        # Imported when asked: the engines load scikit-learn.
        from . import suggestions_window

        (suggestions_window.open_endpoint_settings if endpoint
         else suggestions_window.open_suggestions_window)(win)

    layer = SuggestionLayer(win)
    win.suggestion_layer = layer  # type: ignore[attr-defined]
    menu = bar.addMenu("S&uggestions")
    actions["show_suggestions"] = _action(
        win, menu, "&Show suggestions", layer.set_shown, checkable=True,
        tip="The models' suggested codings as dashed outlines")
    actions["show_suggestions"].setChecked(layer.shown)
    view = next((m.menu() for m in bar.actions() if m.text() == "&View"), None)
    if view is not None:  # beside the other View toggles too
        view.insertAction(view.actions()[2] if len(view.actions()) > 2 else None,
                          actions["show_suggestions"])
    menu.addSeparator()
    actions["suggestion_next"] = _action(win, menu, "&Next suggestion", lambda: layer.step(True))
    actions["suggestion_prev"] = _action(win, menu, "&Previous suggestion",
                                         lambda: layer.step(False))
    actions["suggestion_accept"] = _action(win, menu, "&Accept suggestion", layer.accept,
                                           tip="It becomes your annotation")
    actions["suggestion_reject"] = _action(win, menu, "&Reject suggestion", layer.reject)
    menu.addSeparator()
    actions["suggestions_window"] = _action(
        win, menu, "Suggestions &window…", window,
        tip="Train, run, code next, more like this, bulk accept")
    actions["model_endpoint"] = _action(
        win, menu, "Model &endpoint settings…", lambda: window(endpoint=True),
        tip="An OpenAI-compatible server for zero-shot suggestions (off by default)")

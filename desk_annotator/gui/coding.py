"""Coding actions of the workbench: tag a selection, toggle labels, move boundaries, delete,
notes and document status. Each user action is exactly one Project operation (one undo step);
views update from the change notification, not from here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from ..errors import DeskAnnotatorError
from ..models import Annotation, Label
from ..project import Project
from ..text import snap_to_words
from .reading_view import ReadingView


READ_ONLY_MESSAGE = "Read-only project: changes are off (browse, search, export and agreement work)."


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_'’-" or unicodedata.combining(ch) != 0


def word_step(text: str, pos: int, direction: int) -> int:
    """The next word boundary from ``pos`` to the right (+1) or left (-1)."""
    n = len(text)
    i = pos
    if direction > 0:
        while i < n and not _is_word_char(text[i]):
            i += 1
        while i < n and _is_word_char(text[i]):
            i += 1
    else:
        while i > 0 and not _is_word_char(text[i - 1]):
            i -= 1
        while i > 0 and _is_word_char(text[i - 1]):
            i -= 1
    return i


class CodingController:
    def __init__(self, project: Project, view: ReadingView,
                 coder_id: Callable[[], str | None], message: Callable[[str], None]) -> None:
        self.project = project
        self.view = view
        self.coder_id = coder_id
        self.message = message
        self.snap_to_words = True
        self.read_only = project.read_only
        self.labels: dict[str, Label] = {}

    def set_labels(self, labels: list[Label]) -> None:
        self.labels = {lb.id: lb for lb in labels}

    def label_for_key(self, key: str) -> Label | None:
        return next((lb for lb in self.labels.values() if lb.key == key), None)

    # -- helpers ------------------------------------------------------------------------------
    def _run(self, action: Callable[[], object]) -> object | None:
        """Run one operation; a refused one becomes a status message, never a traceback."""
        if self.read_only:
            self.message(READ_ONLY_MESSAGE)
            return None
        try:
            return action()
        except DeskAnnotatorError as exc:
            self.message(str(exc))
            return None

    def _ready(self) -> str | None:
        if self.read_only:
            self.message(READ_ONLY_MESSAGE)
            return None
        coder = self.coder_id()
        if coder is None:
            self.message("Choose a coder first (Coder → Switch coder…).")
        elif self.view.document_id is None:
            self.message("Open a document first.")
            return None
        return coder

    def selected_span(self) -> tuple[int, int] | None:
        span = self.view.selection_span()
        if span and self.snap_to_words:
            span = snap_to_words(self.view.text, *span)
        return span if span and span[1] > span[0] else None

    def current_own(self) -> Annotation | None:
        ann = self.view.annotation(self.view.current_annotation_id or "")
        return ann if ann is not None and ann.coder_id == self.coder_id() else None

    # -- tagging ------------------------------------------------------------------------------
    def key_pressed(self, key: str) -> Annotation | None:
        label = self.label_for_key(key)
        return self.apply_label(label.id) if label else None

    def apply_label(self, label_id: str) -> Annotation | None:
        """Selection -> new annotation with this label (or toggle it on the annotation that
        spans exactly the selection); no selection -> toggle it on the current annotation."""
        label = self.labels.get(label_id)
        coder = self._ready()
        if label is None or coder is None:
            return None
        span = self.selected_span()
        if span is None:
            current = self.current_own()
            if current is None:
                self.message("Select some text first, or click inside one of your annotations.")
                return None
            return self.toggle_label(current, label)
        same = [a for a in self.view.annotations_with_span(*span) if a.coder_id == coder]
        if same:
            return self.toggle_label(same[0], label)
        stance = label.id if label.scheme == "stance" else None
        themes = [label.id] if label.scheme == "themes" else []
        doc_id = self.view.document_id
        assert doc_id is not None
        ann = self._run(lambda: self.project.add_annotation(
            doc_id, coder, span[0], span[1], stance_id=stance, theme_ids=themes))
        if isinstance(ann, Annotation):
            # Leave the caret at the end and the new annotation current, so the next key
            # adds a theme or changes the stance of what was just tagged.
            self.view.place_cursor(ann.end)
            self.view.set_current_annotation(ann.id)
            return ann
        return None

    def toggle_label(self, ann: Annotation, label: Label) -> Annotation | None:
        if label.scheme == "stance":
            new_stance = None if ann.stance_id == label.id else label.id
            result = self._run(lambda: self.project.update_annotation(
                ann.id, self.coder_id(), stance_id=new_stance))
        else:
            themes = [t for t in ann.theme_ids if t != label.id]
            if label.id not in ann.theme_ids:
                themes.append(label.id)
            result = self._run(lambda: self.project.update_annotation(
                ann.id, self.coder_id(), theme_ids=themes))
        return result if isinstance(result, Annotation) else None

    def set_themes(self, ann_id: str, theme_ids: list[str]) -> Annotation | None:
        result = self._run(lambda: self.project.update_annotation(
            ann_id, self.coder_id(), theme_ids=list(theme_ids)))
        return result if isinstance(result, Annotation) else None

    def set_note(self, ann_id: str, note: str) -> Annotation | None:
        ann = self.project.q.annotation(ann_id)
        if ann is not None and ann.coder_id != self.coder_id():
            self.message("That annotation belongs to another coder; notes are per coder.")
            return None
        result = self._run(lambda: self.project.update_annotation(
            ann_id, self.coder_id(), note=note.strip() or None))
        return result if isinstance(result, Annotation) else None

    def delete_current(self) -> bool:
        ann = self.current_own()
        if ann is None:
            self.message("Click inside one of your annotations to delete it.")
            return False
        return self._run(lambda: self.project.delete_annotations([ann.id], self.coder_id())) is not None

    # -- boundaries ---------------------------------------------------------------------------
    def move_boundary(self, edge: str, direction: int) -> Annotation | None:
        """Move the current annotation's ``edge`` ("start"/"end") one word (or one character
        when snapping is off) left (-1) or right (+1)."""
        ann = self.current_own()
        if ann is None:
            self.message("Click inside one of your annotations to adjust its boundaries.")
            return None
        text = self.view.text
        start, end = ann.start, ann.end
        pos = start if edge == "start" else end
        if self.snap_to_words:
            pos = word_step(text, pos, direction)
            if edge == "start":
                while pos < len(text) and text[pos].isspace():
                    pos += 1
            else:
                while pos > 0 and text[pos - 1].isspace():
                    pos -= 1
        else:
            pos = max(0, min(len(text), pos + direction))
        start, end = (pos, end) if edge == "start" else (start, pos)
        if not 0 <= start < end <= len(text) or (start, end) == (ann.start, ann.end):
            self.message("The annotation cannot shrink further." if start >= end else "")
            return None
        return self.set_boundaries(ann.id, start, end)

    def set_boundaries(self, ann_id: str, start: int, end: int) -> Annotation | None:
        result = self._run(lambda: self.project.update_annotation(
            ann_id, self.coder_id(), start=start, end=end))
        if isinstance(result, Annotation):
            self.view.set_current_annotation(result.id)
            return result
        return None

    def boundaries_to_selection(self) -> Annotation | None:
        ann, span = self.current_own(), self.selected_span()
        if ann is None or span is None:
            self.message("Click into one of your annotations, then select the new extent.")
            return None
        return self.set_boundaries(ann.id, *span)

    # -- document status ----------------------------------------------------------------------
    def set_status(self, status: str) -> bool:
        coder = self._ready()
        doc_id = self.view.document_id
        if coder is None or doc_id is None:
            return False
        try:
            self.project.set_status(doc_id, coder, status)
        except DeskAnnotatorError as exc:
            self.message(str(exc))
            return False
        return True

"""The Suggestions window's tabs: "Code next" (where one more human decision teaches the model
most), "More like this" (passages like the current annotation), and "Model endpoint" (the
optional OpenAI-compatible server: its settings with the one-sentence privacy statement, and
a run over the chosen documents on a worker thread, stored document by document).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..errors import DeskAnnotatorError
from ..suggest import llm_settings
from ..suggest.queue import MODES, code_next
from ..suggest.similar import similar
from .plain import plain_label, tooltip_text
from .background_job import reading_job

if TYPE_CHECKING:
    from .suggestions_window import SuggestionsWindow

PASSAGE_CHARS = 160
TITLE_WIDTH = 220
MODE_TEXT = {"uncertain": "Where the model is least sure", "disagreement":
             "Where the coders disagree most"}


def passage_table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    for column in range(2, len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    table.setColumnWidth(0, TITLE_WIDTH)
    table.setWordWrap(False)
    return table


def fill_passages(table: QTableWidget, rows: list[list[str]], places: list[tuple]) -> None:
    """Rows of plain text; each row keeps its (document_id, start, end) for a double-click."""
    table.setRowCount(0)
    for r, (cells, place) in enumerate(zip(rows, places, strict=True)):
        table.insertRow(r)
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, place)
            item.setToolTip(tooltip_text(text))  # escaped: a tooltip would take tags as rich text
            table.setItem(r, c, item)


def short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PASSAGE_CHARS else flat[:PASSAGE_CHARS - 1] + "…"


class _PassageList(QWidget):
    def __init__(self, window: SuggestionsWindow, headers: list[str]) -> None:
        super().__init__()
        self.window = window
        self.table = passage_table(headers)
        self.table.cellDoubleClicked.connect(self.jump)
        self.note = plain_label(word_wrap=True)

    def jump(self, row: int, _column: int = 0) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            doc_id, start, end = item.data(Qt.ItemDataRole.UserRole)
            self.window.win.show_passage(doc_id, start, end)


class CodeNextPanel(_PassageList):
    def __init__(self, window: SuggestionsWindow) -> None:
        super().__init__(window, ["Document", "Passage", "Score", "Why"])
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.mode = QComboBox()
        for mode in MODES:
            self.mode.addItem(MODE_TEXT.get(mode, mode), mode)
        self.refresh_button = QPushButton("&Show queue")
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.mode, 1)
        row.addWidget(self.refresh_button)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self.note.setText("Double-click a passage to open it in the reading view.")

    def refresh(self) -> None:
        """Compute the queue on a worker thread; the table fills when it is back."""
        mode = self.mode.currentData()
        w = self.window
        if w.job is not None:
            return
        if mode == "uncertain" and w.model is None:
            self.note.setText("Train the model first (above): the queue is where it is least "
                              "sure.")
            return
        model, coder = w.model, w.win.coder.name if w.win.coder else None
        self.note.setText("Looking for the passages to code next…")
        w.start_job(reading_job(w.project, lambda reader, _p, _c: code_next(
            reader, model, coder, mode=mode), w, name="suggest-queue"), self._show)

    def _show(self, items: list[Any]) -> None:
        self.window.job_over()
        fill_passages(self.table, [[i.title, short(i.text), f"{i.score:.2f}", i.reason]
                                   for i in items],
                      [(i.document_id, i.start, i.end) for i in items])
        self.note.setText(f"{len(items)} passage{'s' if len(items) != 1 else ''} to code next.")


class SimilarPanel(_PassageList):
    def __init__(self, window: SuggestionsWindow) -> None:
        super().__init__(window, ["Document", "Passage", "Similarity"])
        layout = QVBoxLayout(self)
        self.find_button = QPushButton("&Passages like the current annotation")
        self.find_button.clicked.connect(self.refresh)
        layout.addWidget(self.find_button)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self.note.setText("Click inside an annotation (or go to a suggestion), then ask for "
                          "the passages most like it across the corpus.")

    def refresh(self) -> None:
        """Search on a worker thread (the first search indexes every sentence)."""
        w = self.window
        win = w.win
        layer = getattr(win, "suggestion_layer", None)
        ann_id = win.view.current_annotation_id or (layer.current_id if layer else None)
        if w.job is not None:
            return
        if ann_id is None:
            self.note.setText("No current annotation: click inside one first.")
            return
        self.note.setText("Looking for similar passages…")
        w.start_job(reading_job(w.project, lambda reader, _p, _c: similar(
            reader, ann_id, limit=20), w, name="suggest-similar"), self._show)

    def _show(self, hits: list[Any]) -> None:
        self.window.job_over()
        fill_passages(self.table, [[h.title, short(h.text), f"{h.score:.2f}"] for h in hits],
                      [(h.document_id, h.start, h.end) for h in hits])
        self.note.setText(f"{len(hits)} similar passage{'s' if len(hits) != 1 else ''}.")


class LLMJob(QObject):
    """Asks the endpoint about one document after another on a worker thread (no database
    there); each answer comes back here and is stored at once, in its own op, so a cancel
    keeps the documents done and the audit of every request sent."""

    answered = Signal(object)
    over = Signal()

    def __init__(self, run: Any, documents: list[Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.run, self.documents = run, documents
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._work, name="suggest-llm", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _work(self) -> None:
        for doc in self.documents:
            if self._cancel.is_set():
                break
            try:
                answered: Any = self.run.ask(doc, self._cancel.is_set)
            except Exception as exc:  # noqa: BLE001 - reported, never a silent dead thread
                answered = exc
            if not self._emit(self.answered, answered):
                return  # the window was closed meanwhile: nobody to report to
            if isinstance(answered, Exception) or answered.stopped or answered.cancelled:
                break
        self._emit(self.over)

    @staticmethod
    def _emit(signal: Any, *values: Any) -> bool:
        try:
            signal.emit(*values)
        except RuntimeError:  # the receiving object is gone
            return False
        return True


class EndpointPanel(QWidget):
    def __init__(self, window: SuggestionsWindow) -> None:
        super().__init__()
        self.window = window
        self.job: LLMJob | None = None
        self.llm_run: Any = None
        self._done = 0
        form = QFormLayout(self)
        privacy = plain_label(llm_settings.PRIVACY_SENTENCE, word_wrap=True)
        privacy.setObjectName("privacySentence")
        form.addRow(privacy)
        current = llm_settings.load_settings()
        self.endpoint = QLineEdit(current.endpoint)
        self.endpoint.setPlaceholderText("empty = off; e.g. http://127.0.0.1:11434/v1")
        self.model = QLineEdit(current.model)
        self.key_env = QLineEdit(current.api_key_env)
        self.key_env.setPlaceholderText("name of an environment variable (not the key)")
        form.addRow("Endpoint:", self.endpoint)
        form.addRow("Model:", self.model)
        form.addRow("API key variable:", self.key_env)
        row = QHBoxLayout()
        self.save_button = QPushButton("&Save settings")
        self.run_button = QPushButton("Run on the chosen &documents")
        self.save_button.clicked.connect(self.save)
        self.run_button.clicked.connect(self.start_run)
        row.addWidget(self.save_button)
        row.addWidget(self.run_button)
        row.addStretch(1)
        form.addRow(row)
        self.note = plain_label(word_wrap=True)
        form.addRow(self.note)
        self.note.setText("Examples for the prompt come from the teacher chosen above; "
                          "temperature 0 and a fixed seed; every request is kept in the "
                          "project's audit trail.")

    def set_busy(self, on: bool) -> None:
        self.run_button.setEnabled(not on and self.job is None)

    def save(self) -> bool:
        try:
            settings = llm_settings.updated_settings(
                llm_settings.load_settings(), endpoint=self.endpoint.text(),
                model=self.model.text(), api_key_env=self.key_env.text())
            path = llm_settings.save_settings(settings)
        except DeskAnnotatorError as exc:
            self.note.setText(str(exc))
            return False
        self.note.setText(f"Saved to {path}." if settings.endpoint else
                          f"Saved to {path}: no endpoint, so nothing is sent anywhere.")
        return True

    def start_run(self) -> None:
        from ..suggest.engine import scoring_input
        from ..suggest.llm import LLMRun

        w = self.window
        if self.job is not None or w.job is not None:
            return
        win = w.win
        teacher = win.project.coder_by_name(w.teacher()) if w.teacher() else None
        try:
            self.llm_run = LLMRun(win.project, llm_settings.load_settings(),
                                  examples_coder_id=teacher.id if teacher else None,
                                  acting_coder_id=win.coder_id())
            docs = scoring_input(win.project, w.document_ids(), skip_coder=w.teacher() or None)
        except DeskAnnotatorError as exc:
            self.note.setText(str(exc))
            return
        if not docs:
            self.note.setText("No documents to run on.")
            return
        self._done, self._total = 0, len(docs)
        self._added = 0
        self.job = LLMJob(self.llm_run, docs, self)
        self.job.answered.connect(self._answered)
        self.job.over.connect(self._over)
        w._busy(True)
        w.progress.setRange(0, max(1, len(docs)))
        w.progress.setValue(0)
        self.note.setText(f"Asking {self.llm_run.endpoint} about {len(docs)} document(s)…")
        self.job.start()

    def _answered(self, answered: Any) -> None:
        if isinstance(answered, BaseException):
            self.note.setText(f"{type(answered).__name__}: {answered}")
            return
        self.window.storing = True
        try:
            result = self.llm_run.store(answered)
        except DeskAnnotatorError as exc:
            self.note.setText(str(exc))
            return
        finally:
            self.window.storing = False
        self._done += 1
        self._added += result.added
        self.window.progress.setValue(self._done)
        if answered.stopped:
            self.note.setText(f"Stopped: {answered.stopped}")
        elif result.failed:
            self.note.setText(f"{answered.title}: {result.failed}")

    def _over(self) -> None:
        self.job = None
        w = self.window
        w.job_over()
        w.say(f"Model endpoint: {self._added} suggestion(s) from {self._done} of "
              f"{self._total} document(s).")

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

"""Suggestions → Suggestions window…: train the built-in engine on a teacher (a coder or
gold), run it on some documents with a threshold, watch the progress and cancel; the "code
next" queue, "more like this passage", the counts by status, and bulk acceptance above a
probability once a dry run on held-out coded documents has shown its precision.

Training and scoring run on a worker thread (gui/background_job.py): the engine reads the
project here (``training_data``, ``scoring_input``), computes there (``train``, ``score``),
and the proposals are stored here in one undoable op (``AddSuggestions``). The statistics
are the engine's (desk_annotator.suggest); this window only shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..document_sets import set_members, set_names
from ..errors import DeskAnnotatorError
from ..models import is_model_coder
from ..project import Changed
from ..store import suggestion_queries as sq
from ..suggest import engine
from ..suggest.ops import AcceptAbove, AddSuggestions, RecordDryRun
from .plain import plain_label
from .background_job import BackgroundJob, reading_job
from .suggestions_panels import CodeNextPanel, EndpointPanel, SimilarPanel

if TYPE_CHECKING:
    from .main_window import MainWindow

SCOPES = (("open", "The open document"), ("uncoded", "Documents the teacher has not coded"),
          ("all", "All documents"))
SET_PREFIX = "set:"


class SuggestionsWindow(QWidget):
    def __init__(self, win: MainWindow) -> None:
        super().__init__(win, Qt.WindowType.Window)
        self.win = win
        self.project = win.project
        self.setWindowTitle("Suggestions")
        self.setObjectName("suggestionsWindow")
        self.model: Any = None  # the trained TfidfModel
        self.model_stale = False  # annotations changed after it was trained
        self.storing = False  # storing the engines' own suggestions (they teach nothing)
        self.model_teacher: str | None = None
        self.job: BackgroundJob | None = None
        self._then_score = False
        self._scored_ids: list[str] = []
        layout = QVBoxLayout(self)
        self.counts_label = plain_label()
        layout.addWidget(self.counts_label)
        layout.addWidget(self._train_box())
        tabs = QTabWidget()
        self.tabs = tabs
        self.code_next = CodeNextPanel(self)
        self.similar = SimilarPanel(self)
        self.endpoint = EndpointPanel(self)
        tabs.addTab(self.code_next, "Code next")
        tabs.addTab(self.similar, "More like this")
        tabs.addTab(self._bulk_box(), "Bulk accept")
        tabs.addTab(self.endpoint, "Model endpoint")
        layout.addWidget(tabs, 1)
        self.message = plain_label(word_wrap=True)
        layout.addWidget(self.message)
        self.resize(720, 620)
        self.fill_choices()
        self.refresh_counts()
        win.bridge.changed.connect(self._on_changed)

    # -- building ------------------------------------------------------------------------------
    def _train_box(self) -> QGroupBox:
        box = QGroupBox("Built-in engine (model:tfidf): learns from a teacher, runs offline")
        form = QFormLayout(box)
        self.teacher_box = QComboBox()
        self.scope_box = QComboBox()
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(engine.DEFAULT_THRESHOLD)
        self.threshold.setToolTip("Propose a passage when the model's probability of a label "
                                  "is at least this")
        form.addRow("Teacher:", self.teacher_box)
        form.addRow("Documents:", self.scope_box)
        form.addRow("Threshold:", self.threshold)
        row = QHBoxLayout()
        self.train_button = QPushButton("&Train")
        self.run_button = QPushButton("&Run")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.train_button.clicked.connect(self.train)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        for w in (self.train_button, self.run_button, self.progress, self.cancel_button):
            row.addWidget(w, 1 if w is self.progress else 0)
        form.addRow(row)
        self.model_label = plain_label("No model trained in this window yet.", word_wrap=True)
        form.addRow(self.model_label)
        return box

    def _bulk_box(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(plain_label(
            "Accept every open model:tfidf suggestion at or above a probability at once, as "
            "your annotations. First a dry run measures, on the teacher's held-out coded "
            "documents (cross-validation), how many of those proposals the teacher agrees "
            "with.", word_wrap=True))
        self.bulk_threshold = QDoubleSpinBox()
        self.bulk_threshold.setRange(0.0, 1.0)
        self.bulk_threshold.setSingleStep(0.05)
        self.bulk_threshold.setDecimals(2)
        self.bulk_threshold.setValue(0.8)
        self.bulk_threshold.valueChanged.connect(lambda _v: self._show_dry_run())
        form.addRow("Probability at least:", self.bulk_threshold)
        row = QHBoxLayout()
        self.dry_run_button = QPushButton("&Dry run")
        self.accept_button = QPushButton("&Accept above…")
        self.dry_run_button.clicked.connect(self.dry_run)
        self.accept_button.clicked.connect(self.accept_above)
        row.addWidget(self.dry_run_button)
        row.addWidget(self.accept_button)
        row.addStretch(1)
        form.addRow(row)
        self.dry_run_label = plain_label(word_wrap=True)
        form.addRow(self.dry_run_label)
        return page

    # -- choices and counts --------------------------------------------------------------------
    def fill_choices(self) -> None:
        teacher = self.teacher_box.currentText() or sq.teacher(self.project.q, engine.ENGINE) \
            or (self.win.coder.name if self.win.coder else "")
        self.teacher_box.clear()
        names = [c.name for c in self.project.coders() if not is_model_coder(c.name)]
        self.teacher_box.addItems(names)
        if teacher in names:
            self.teacher_box.setCurrentText(teacher)
        scope = self.scope_box.currentData()
        self.scope_box.clear()
        for key, text in SCOPES:
            self.scope_box.addItem(text, key)
        for name in set_names(self.project):
            self.scope_box.addItem(f"Document set: {name}", SET_PREFIX + name)
        at = self.scope_box.findData(scope) if scope else self.scope_box.findData("uncoded")
        self.scope_box.setCurrentIndex(max(0, at))
        self._show_dry_run()

    def refresh_counts(self) -> None:
        parts = []
        for name in sq.engines(self.project.q) or [engine.ENGINE]:
            c = sq.counts(self.project.q, name)
            parts.append(f"model:{name}: {c['suggested']} open, {c['accepted']} accepted, "
                         f"{c['rejected']} rejected")
        self.counts_label.setText("   ·   ".join(parts))

    def _on_changed(self, changed: Changed) -> None:
        if changed.everything or changed.tables & {"coders", "document_sets",
                                                    "document_set_members"}:
            self.fill_choices()
        if changed.everything or changed.tables & {"suggestions", "meta"}:
            self.refresh_counts()
            self._show_dry_run()
        if self.model is not None and not self.model_stale and not self.storing and (
                changed.everything or changed.tables & {"annotations", "annotation_themes"}):
            # Accepting, rejecting or coding by hand teaches something new: the next Run
            # retrains first (training takes seconds at most).
            self.model_stale = True
            self.model_label.setText(self.model_label.text()
                                     + " The coding changed since: Run retrains first.")

    def say(self, text: str) -> None:
        self.message.setText(text)

    def teacher(self) -> str:
        return self.teacher_box.currentText()

    def document_ids(self) -> list[str] | None:
        """The chosen documents; None = those the teacher has not coded."""
        scope = self.scope_box.currentData() or "uncoded"
        if scope == "open":
            return [self.win.view.document_id] if self.win.view.document_id else []
        if scope == "all":
            return [d.id for d in self.project.q.document_infos()]
        if scope.startswith(SET_PREFIX):
            return set_members(self.project, scope[len(SET_PREFIX):])
        return None

    # -- train and run on the worker -----------------------------------------------------------
    def _busy(self, on: bool) -> None:
        """One computation at a time: its Cancel button on, the buttons that start one off."""
        for button in (self.train_button, self.run_button, self.dry_run_button,
                       self.code_next.refresh_button, self.similar.find_button):
            button.setEnabled(not on)
        self.cancel_button.setEnabled(on)
        self.progress.setTextVisible(on)  # no "0%" while idle
        self.endpoint.set_busy(on)
        if not on:
            self._show_dry_run()
        else:
            self.accept_button.setEnabled(False)

    def start_job(self, job: BackgroundJob, done: Any) -> None:
        self.job = job
        job.progressed.connect(self._progressed)
        job.finished.connect(done)
        job.failed.connect(self._failed)
        job.cancelled.connect(self._cancelled)
        self._busy(True)
        self.progress.setRange(0, 0)  # busy until the first progress report
        job.start()

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def job_over(self) -> None:
        self._busy(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.job = None

    def _failed(self, line: str) -> None:
        self.job_over()
        self._then_score = False
        self.say(line)

    def _cancelled(self) -> None:
        self.job_over()
        self._then_score = False
        self.say("Cancelled: nothing was stored.")

    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
        self.endpoint.cancel()

    def train(self, *, then_score: bool = False) -> None:
        if self.job is not None:
            return
        teacher = self.teacher()
        try:
            data = engine.training_data(self.project, teacher)
        except DeskAnnotatorError as exc:
            self.say(str(exc))
            return
        self._then_score = then_score
        self.say(f"Training on {len(data.sentences):,} sentences coded by {teacher}…")
        job = BackgroundJob(lambda _progress, _cancel: engine.train(data), self,
                            name="suggest-train")
        self.start_job(job, lambda model: self._trained(model, teacher, len(data.sentences)))

    def _trained(self, model: Any, teacher: str, sentences: int) -> None:
        self.job_over()
        self.model, self.model_teacher, self.model_stale = model, teacher, False
        self.model_label.setText(f"Model trained on {sentences:,} sentences of the documents "
                                 f"{teacher} coded.")
        self.say("Trained.")
        if self._then_score:
            self._then_score = False
            self.run()

    def run(self) -> None:
        """Score the chosen documents (training first when the teacher changed)."""
        if self.job is not None:
            return
        if self.model is None or self.model_stale or self.model_teacher != self.teacher():
            self.train(then_score=True)
            return
        teacher, threshold, model = self.teacher(), float(self.threshold.value()), self.model
        try:
            docs = engine.scoring_input(self.project, self.document_ids(), skip_coder=teacher)
        except DeskAnnotatorError as exc:
            self.say(str(exc))
            return
        if not docs:
            self.say("No documents to run on.")
            return
        self._scored_ids = [d.id for d in docs]
        self.say(f"Scoring {len(docs):,} document{'s' if len(docs) != 1 else ''}…")
        job = BackgroundJob(lambda progress, cancel: engine.score(
            model, docs, threshold=threshold, progress=progress, should_cancel=cancel),
            self, name="suggest-score")
        self.start_job(job, self._scored)

    def _scored(self, rows: list[Any]) -> None:
        self.job_over()
        self.storing = True
        try:
            result = self.project.run(AddSuggestions(engine.ENGINE, rows,
                                                     document_ids=self._scored_ids),
                                      self.win.coder_id())
        except DeskAnnotatorError as exc:
            self.say(str(exc))
            return
        finally:
            self.storing = False
        self.say(f"{len(result.added)} suggestion{'s' if len(result.added) != 1 else ''} "
                 f"stored ({result.replaced} earlier open ones replaced, "
                 f"{result.skipped_rejected} left out as rejected before). "
                 "F8 in the reading view goes to the next.")

    # -- bulk acceptance -----------------------------------------------------------------------
    def _show_dry_run(self) -> None:
        recorded = sq.dry_run(self.project.q, engine.ENGINE)
        wanted = float(self.bulk_threshold.value())
        ok = recorded is not None and recorded["threshold"] <= wanted + 1e-9
        if recorded is None:
            self.dry_run_label.setText("No dry run yet: bulk acceptance is refused until one "
                                       "shows its precision.")
        else:
            self.dry_run_label.setText(dry_run_text(recorded))
        self.accept_button.setEnabled(ok)

    def dry_run(self) -> None:
        """Cross-validate on the teacher's coded documents (worker thread), then record the
        precision here (RecordDryRun), which bulk acceptance requires."""
        from ..suggest.evaluate import dry_run

        if self.job is not None:
            return
        threshold, teacher = float(self.bulk_threshold.value()), self.teacher()
        self.say(f"Dry run: cross-validating on the documents {teacher} coded…")
        self.start_job(reading_job(self.project, lambda reader, _p, _c: dry_run(
            reader, teacher, threshold, record=False), self, name="suggest-dry-run"),
            lambda measured: self._dry_run_done(threshold, measured))

    def _dry_run_done(self, threshold: float, measured: tuple[Any, int, str]) -> None:
        precision, support, basis = measured
        try:
            self.project.run(RecordDryRun(engine.ENGINE, threshold, precision, support, basis),
                             self.win.coder_id())
        except DeskAnnotatorError as exc:
            self.job_over()
            self.say(str(exc))
            return
        self.job_over()
        self.say("Dry run recorded.")

    def accept_above(self, *, confirm: bool | None = None) -> int:
        """Accept every open suggestion at or above the threshold as the coder's, after the
        user confirms the dry run's figure. Returns how many were accepted."""
        threshold = float(self.bulk_threshold.value())
        coder_id = self.win.coder_id()
        recorded = sq.dry_run(self.project.q, engine.ENGINE)
        if recorded is None or recorded["threshold"] > threshold + 1e-9:
            self.say(f"Refused: run a dry run at {threshold:g} (or lower) first, to see the "
                     "precision of what would be accepted.")
            return 0
        if coder_id is None:
            self.say("Choose a coder first: accepted suggestions become that coder's.")
            return 0
        n = len(sq.suggestions(self.project.q, engine=engine.ENGINE,
                               min_probability=threshold))
        question = (f"Accept {n} open suggestion{'s' if n != 1 else ''} with probability "
                    f"≥ {threshold:g} as yours?\n\n{dry_run_text(recorded)}\n\n"
                    "One undo step (Ctrl+Z) takes them all back.")
        if confirm is None:
            confirm = QMessageBox.question(self, "Bulk accept", question) \
                == QMessageBox.StandardButton.Yes
        if not confirm:
            self.say("Nothing accepted.")
            return 0
        try:
            accepted = self.project.run(AcceptAbove(engine.ENGINE, threshold, coder_id),
                                        coder_id)
        except DeskAnnotatorError as exc:
            self.say(str(exc))
            return 0
        self.say(f"Accepted {len(accepted)} suggestion{'s' if len(accepted) != 1 else ''}.")
        return len(accepted)

    def closeEvent(self, event: Any) -> None:
        self.cancel()
        super().closeEvent(event)


def dry_run_text(recorded: dict[str, Any]) -> str:
    precision = recorded.get("precision")
    shown = f"{precision:.1%}" if precision is not None else "—"
    return (f"Dry run at ≥ {recorded['threshold']:g}: precision {shown} over "
            f"{recorded['support']} proposal{'s' if recorded['support'] != 1 else ''} "
            f"({recorded.get('basis', '')}).")


def open_suggestions_window(win: MainWindow) -> SuggestionsWindow:
    existing = getattr(win, "suggestions_window", None)
    if isinstance(existing, SuggestionsWindow):
        existing.fill_choices()
        existing.show()
        existing.raise_()
        return existing
    window = SuggestionsWindow(win)
    win.suggestions_window = window  # type: ignore[attr-defined]
    win.keep_window(window)
    return window


def open_endpoint_settings(win: MainWindow) -> None:
    window = open_suggestions_window(win)
    window.tabs.setCurrentWidget(window.endpoint)

"""The annotation workbench: corpus list, reading view, codebook panel, annotation list.

The window owns one ProjectBridge; every view refreshes from its ``changed`` signal and only
for what the change names (the touched annotations, documents, labels or coders).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ..errors import DeskAnnotatorError
from ..models import Annotation, Coder, is_model_coder
from ..project import Changed, Project
from ..store.reading_rows import (
    annotation_rows,
    document_spans,
    span_details,
    span_themes,
)
from . import article_coding_bar, blind_lock, file_actions, layout_state, menus
from .annotation_list import AnnotationPanel
from .bridge import ProjectBridge
from .codebook_panel import CodebookPanel
from .coding import CodingController
from .corpus_list import CorpusPanel
from .document_dialog import DocumentActions
from .external_changes import (
    ExternalChangeWatcher,
    coder_still_exists,
    forget_deleted_coder,
    refresh_everything,
)
from .find_bar import FindBar
from .history_dialog import step_own, update_undo_actions
from .import_worker import ImportJob
from .integrity_check import IntegrityCheck
from .plain import message_box, plain_label
from .read_only import add_banners, apply_read_only
from .reading_view import EMPTY_HINT, ReadingView
from .settings import Settings
from .suggestion_layer import human_coder_ids, person_names
from .theme import apply_theme, current_theme

EMPTY_PROJECT_HINT = ("This project has no documents yet.\n\nFile → Import… (Ctrl+I) brings in "
                      "articles (txt, md, html, docx, pdf) or datasets (jsonl, qdpx); you can "
                      "also drop files on this window.")
# Past this many touched annotations a full reload of the open document is cheaper.
PARTIAL_REFRESH_LIMIT = 300


class MainWindow(QMainWindow):
    def __init__(self, project: Project, coder_name: str | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__()
        self.project = project
        self.bridge = ProjectBridge(project, self)
        self.settings = settings or Settings()
        self.project_key = str(project.path) if project.in_memory \
            else str(Path(project.path).resolve())
        self.show_all_coders = bool(self.settings.get("show_all_coders", False))
        self.last_message: tuple[str, str] | None = None
        self.last_box: QMessageBox | None = None
        self._child_windows: list[QWidget] = []
        self._asked_coder = False
        self.integrity_check: IntegrityCheck | None = None
        self.import_job: ImportJob | None = None
        self.setWindowTitle(f"desk-annotator — {Path(str(project.path)).name}")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)

        # The docks and the centre first, each panel built inside its own: a finished panel
        # moved into a dock afterwards re-styles (a StyleChange event) every widget it holds.
        self._make_containers()
        self.view = ReadingView(self._centre)
        self.coding = CodingController(project, self.view, self.coder_id, self.flash)
        self.coding.snap_to_words = bool(self.settings.get("snap_to_words", True))
        self.view.context_menu_hook = lambda menu: menus.fill_context_menu(self, menu)
        self.corpus = CorpusPanel(self.docks["corpus"])
        self.codebook = CodebookPanel(self.docks["codebook"])
        self.annotations = AnnotationPanel(self.docks["annotations"])
        self._build_layout()
        self.actions_by_name = menus.build_menus(self)
        self._build_status_bar()
        self.article_bar = article_coding_bar.install(self)  # document stance/themes, header

        self.coder: Coder | None = self._initial_coder(coder_name)
        apply_read_only(self)
        self.banners = add_banners(self)
        for n, banner in enumerate(self.banners):
            self._centre_column.insertWidget(n, banner)
        self._connect()
        self.document_actions = DocumentActions(self)  # rename / details / delete (the list)
        self._reload_labels()
        self._reload_coders()
        self._reload_corpus()
        self._restore_state()
        # The lock before the last document: its apply() reloads annotations, which with the
        # document already open read a long one twice.
        blind_lock.install(self)  # the lead's lock on blind mode
        last = self.settings.project_value(self.project_key, "last_document")
        if last and self.corpus.model.row_of(last) is not None:
            self.open_document(last)
        else:
            self.open_document(None)
        self._update_undo_actions()
        theme_action = self.actions_by_name[f"theme_{current_theme()}"]
        theme_action.blockSignals(True)
        theme_action.setChecked(True)
        theme_action.blockSignals(False)
        self.external = ExternalChangeWatcher(project, self.flash, self)
        self.external.start()  # other programs' commits show up here

    # -- layout -------------------------------------------------------------------------------
    def _make_containers(self) -> None:
        self._centre = QWidget(self)
        self.docks: dict[str, QDockWidget] = {}
        for name, title in (("corpus", "Documents"), ("codebook", "Codebook"),
                            ("annotations", "Annotations")):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{name}")
            self.docks[name] = dock

    def _build_layout(self) -> None:
        self.header = QWidget(self._centre)
        self.header.setObjectName("docHeader")
        self.title_label = plain_label("", self.header, word_wrap=True)  # never rich text
        self.title_label.setObjectName("docTitle")
        # Wraps: one long outlet · date · author line must not widen the centre and squeeze
        # the document and codebook panels (seen under Xvfb at 1440 px).
        self.meta_label = plain_label("", self.header, word_wrap=True)
        self.meta_label.setObjectName("docMeta")
        head = QVBoxLayout(self.header)
        head.setContentsMargins(20, 12, 20, 10)
        head.addWidget(self.title_label)
        head.addWidget(self.meta_label)
        centre = self._centre
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self._centre_column = column  # banners (read-only, storage warning) go on top
        column.addWidget(self.header)
        column.addWidget(self.view, 1)
        self.find_bar = FindBar(self.view, centre, settings=self.settings)  # Ctrl+F; hidden
        column.addWidget(self.find_bar)
        self.setCentralWidget(centre)
        for name, widget, area in (
                ("corpus", self.corpus, Qt.DockWidgetArea.LeftDockWidgetArea),
                ("codebook", self.codebook, Qt.DockWidgetArea.RightDockWidgetArea),
                ("annotations", self.annotations, Qt.DockWidgetArea.BottomDockWidgetArea)):
            dock = self.docks[name]
            dock.setWidget(widget)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            self.addDockWidget(area, dock)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks([self.docks["corpus"], self.docks["codebook"]], [470, 280],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["annotations"]], [210], Qt.Orientation.Vertical)
        self.setTabOrder(self.corpus.search, self.corpus.table)
        self.setTabOrder(self.corpus.table, self.view)
        self.setTabOrder(self.view, self.annotations.table)

    def _build_status_bar(self) -> None:
        self.project_status = plain_label()
        self.coder_status = plain_label()
        self.progress_status = plain_label()
        self.mode_status = plain_label()
        for widget in (self.mode_status, self.progress_status, self.coder_status,
                       self.project_status):
            widget.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(widget)
        self.project_status.setText(f"Project: {Path(str(self.project.path)).name}")

    def _connect(self) -> None:
        self.bridge.changed.connect(self._on_changed)
        self.corpus.documentActivated.connect(self.open_document)
        self.view.labelKeyPressed.connect(self.coding.key_pressed)
        self.view.labelKeyPressed.connect(self.codebook.show_definition_for_key)
        self.codebook.set_definition_expanded(bool(self.settings.get("definition_open", True)))
        self.codebook.definitionToggled.connect(
            lambda shown: self.settings.set("definition_open", bool(shown)))
        self.view.currentAnnotationChanged.connect(self._current_changed)
        self.codebook.labelClicked.connect(self.coding.apply_label)
        self.codebook.editRequested.connect(self.open_codebook_editor)
        self.annotations.annotationActivated.connect(self._annotation_activated)
        self.annotations.scopeChanged.connect(
            lambda _corpus: self._reload_annotation_list(force=True))
        self.annotations.model.noteEdited.connect(self.coding.set_note)
        self.annotations.corpus_model.noteEdited.connect(self.coding.set_note)
        self.annotations.corpus_model.title_of = self._document_title

    # -- coder --------------------------------------------------------------------------------
    def coder_id(self) -> str | None:
        return self.coder.id if self.coder else None

    def _initial_coder(self, coder_name: str | None) -> Coder | None:
        if coder_name:
            try:  # a read-only project cannot take a new coder: then view without one
                coder = (self.project.coder_by_name(coder_name) if self.project.read_only
                         else self.project.ensure_coder(coder_name))
            except DeskAnnotatorError as exc:
                self.flash(str(exc))
                return None
            if coder is None:
                self.flash(f"No coder “{coder_name}” in this read-only project: viewing only.")
                return None
            self.settings.set_project_value(self.project_key, "coder", coder.name)
            return coder
        remembered = self.settings.project_value(self.project_key, "coder")
        return self.project.coder_by_name(remembered) if remembered else None

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.coder is None and not self._asked_coder and not self.project.read_only:
            self._asked_coder = True
            QTimer.singleShot(0, self.ask_coder)
        if self.project.integrity_pending and self.integrity_check is None:
            self.integrity_check = IntegrityCheck(self.project, self)
            self.integrity_check.finished.connect(self._integrity_checked)
            QTimer.singleShot(0, self.integrity_check.start)

    def _integrity_checked(self, problems: list[str]) -> None:
        if problems:
            self.inform("Project check", "Some annotations no longer match their text:\n"
                        + "\n".join(problems), warning=True)

    def ask_coder(self) -> None:
        from .coder_dialog import ask_coder

        name = ask_coder([c.name for c in self.project.coders() if not is_model_coder(c.name)],
                         self.coder.name if self.coder else None, self)
        if name:
            self.switch_coder(name)

    def switch_coder(self, name: str) -> None:
        try:
            coder = (self.project.coder_by_name(name) if self.project.read_only
                     else self.project.ensure_coder(name))
        except DeskAnnotatorError as exc:
            self.inform("Coder not added", str(exc), warning=True)
            return
        if coder is None:
            self.inform("Coder not added", f"“{name}” is not a coder of this project, and a "
                        "read-only project cannot take a new one.", warning=True)
            return
        self.coder = coder
        self.settings.set_project_value(self.project_key, "coder", self.coder.name)
        self.view.own_coder_id = self.coder.id
        blind_lock.apply(self)
        self._reload_coders()
        self._reload_corpus()
        self._load_annotations()
        self.flash(f"Coding as {self.coder.name}")

    # -- documents ----------------------------------------------------------------------------
    def open_document(self, doc_id: str | None) -> None:
        doc = self.project.q.document(doc_id) if doc_id else None
        self.view.own_coder_id = self.coder_id()
        self.view.set_document(doc)
        self.header.setVisible(doc is not None)
        self._refresh_header()
        self._load_annotations()
        self.corpus.select_document(doc.id if doc else None)
        if doc is not None and doc.id != self.settings.project_value(self.project_key,
                                                                     "last_document"):
            # Only when it changed: reopening the last document writes no settings file.
            self.settings.set_project_value(self.project_key, "last_document", doc.id)

    def _refresh_header(self) -> None:
        doc_id = self.view.document_id
        self.article_bar.follow(doc_id, self.coder_id())
        if doc_id is None:
            self.view.setPlaceholderText(
                EMPTY_HINT if self.corpus.model.rowCount() else EMPTY_PROJECT_HINT)
            return
        row = self.corpus.model.row_of(doc_id)
        data = self.corpus.model.row_data(row) if row is not None else {}
        self.title_label.setText(data.get("title", ""))
        meta = [str(data[k]) for k in ("outlet", "date", "author") if data.get(k)]
        meta.append(f"{data.get('length', 0):,} characters")
        shown = self.view.annotation_count()
        meta.append(f"{shown} annotation{'s' if shown != 1 else ''} shown"
                    + ("" if self.show_all_coders else " (yours)"))
        meta.append(f"status: {data.get('status', 'todo')}")
        self.meta_label.setText("  ·  ".join(meta))

    def visible_coder_ids(self) -> list[str] | None:
        """None = every coder; blind mode shows only the current coder's work."""
        if self.show_all_coders and not blind_lock.locked_for(self):
            return human_coder_ids(self.project)  # model coders: the suggestion layer
        return [self.coder.id] if self.coder else []

    def _load_annotations(self, *, force_list: bool = False) -> None:
        doc_id = self.view.document_id
        coder_ids = self.visible_coder_ids()
        # Thin rows (start, end, id), no model per annotation: a 50,000-annotation document
        # opens in one sort (gui/span_index.py); coders, stances and themes are read for
        # what is painted or asked about.
        q = self.project.q
        spans = [] if doc_id is None else document_spans(q, doc_id, coder_ids)
        self.view.set_annotation_spans(
            spans, lambda ids: annotation_rows(q, ids),
            lambda ids: span_themes(q, doc_id or "", coder_ids, ids),
            lambda ids: span_details(q, doc_id or "", coder_ids, ids))
        self._reload_annotation_list(force=force_list)
        self._refresh_header()
        self._update_mode_status()

    def _reload_annotation_list(self, *, force: bool = False) -> None:
        """The document list always follows the open document; the corpus-wide list is lazy
        and reloads (its first page) only when its coders change or ``force``."""
        if self.annotations.corpus_mode:
            self.annotations.show_corpus(self.project.q, self.visible_coder_ids(), force=force)
        else:
            self.annotations.model.reload(self.view.visible_annotations())

    def _document_title(self, doc_id: str) -> str:
        row = self.corpus.model.row_of(doc_id)
        return self.corpus.model.row_data(row)["title"] if row is not None else "?"

    def show_passage(self, document_id: str, start: int, end: int) -> None:
        """Open a document (if needed) and select a passage: used by the search dialog,
        the annotation list and the agreement window."""
        if self.view.document_id != document_id:
            self.open_document(document_id)
        if self.view.document_id == document_id:
            self.view.select_span(start, end)
            self.view.setFocus()

    def _annotation_activated(self, ann: Annotation) -> None:
        self.show_passage(ann.document_id, ann.start, ann.end)
        self.view.set_current_annotation(ann.id)

    def _current_changed(self, ann_id: str | None) -> None:
        ann = self.view.annotation(ann_id) if ann_id else None
        self.codebook.show_annotation(ann if ann and ann.coder_id == self.coder_id() else None)
        self.annotations.select_annotation(ann_id)

    # -- refresh from the one notification ----------------------------------------------------
    def _on_changed(self, changed: Changed) -> None:
        if changed.everything:  # another program committed: what changed is not known
            refresh_everything(self)
            return
        tables = changed.tables
        if "labels" in tables:
            self._reload_labels()
        if "coders" in tables:
            gone = not coder_still_exists(self)
            if gone:  # e.g. "add coder" undone from the history by another session
                forget_deleted_coder(self)
            self._reload_coders()
            if gone:
                self._reload_corpus()
                self._load_annotations(force_list=True)
        if "documents" in tables:
            self._reload_corpus()
            if self.view.document_id and self.corpus.model.row_of(self.view.document_id) is None:
                self.open_document(self.corpus.replacement_for(self.view.document_id))
        if tables & {"annotations", "annotation_themes"}:
            self._refresh_annotations(changed)
        if tables & {"annotations", "doc_status"} and "documents" not in tables:
            rows = self.project.q.corpus_rows_for(self.coder_id(), sorted(changed.document_ids))
            self.corpus.model.update_rows(rows)
            self._update_progress()
        self._refresh_header()
        self._update_undo_actions()
        if changed.source in ("undo", "redo"):
            self.flash(f"{'Undone' if changed.source == 'undo' else 'Redone'}: "
                       f"{changed.description}")

    def _refresh_annotations(self, changed: Changed) -> None:
        ids = changed.annotation_ids
        doc_id = self.view.document_id
        if changed.source in ("undo", "redo") and doc_id not in changed.document_ids \
                and len(changed.document_ids) == 1:
            # Undoing work in another document: show that document, so the user sees it.
            self.open_document(next(iter(changed.document_ids)))
            return
        if len(ids) > PARTIAL_REFRESH_LIMIT:
            self._load_annotations(force_list=True)
            return
        coder_ids = self.visible_coder_ids()
        shown, gone = [], []
        for ann_id in ids:
            ann = self.project.q.annotation(ann_id)
            visible = ann is not None and ann.document_id == doc_id and (
                coder_ids is None or ann.coder_id in coder_ids)
            (shown if visible else gone).append(ann if visible else ann_id)
        if gone:
            self.view.remove_annotations(gone)
        if shown:
            self.view.upsert_annotations(shown)
        if self.annotations.corpus_mode:
            self.annotations.corpus_model.refresh(ids)
        else:
            self.annotations.model.remove(gone)
            self.annotations.model.upsert(shown)
        current = self.view.annotation(self.view.current_annotation_id or "")
        self._current_changed(current.id if current else None)

    def _reload_labels(self) -> None:
        labels = self.project.q.labels()
        self.view.set_labels(labels)
        self.coding.set_labels(labels)
        self.codebook.set_labels(labels)
        self.annotations.set_choices(labels, person_names(self.project))
        menus.fill_tag_menu(self, labels)

    def _reload_coders(self) -> None:
        names = person_names(self.project)  # model coders are not coders to filter by
        self.view.set_coder_names(names)
        self.annotations.set_choices(self.project.q.labels(), names)
        menus.fill_coder_menu(self)
        self.coder_status.setText(f"Coder: {self.coder.name}" if self.coder else "No coder")

    def _reload_corpus(self) -> None:
        self.corpus.show_documents(self.project.q, self.coder_id())  # rows read lazily
        self.corpus.select_document(self.view.document_id)
        self._update_progress()

    def _update_progress(self) -> None:
        from ..assignments import progress

        assigned = progress(self.project, self.coder_id())  # None: no assignments
        if assigned:
            self.progress_status.setText(f"{assigned[0]}/{assigned[1]} assigned done")
            return
        done = self.project.q.done_count(self.coder_id())  # counted in SQL: no row is read
        self.progress_status.setText(f"{done}/{self.corpus.model.rowCount()} done")

    def _update_mode_status(self) -> None:
        self.mode_status.setText(blind_lock.mode_text(self))

    def _update_undo_actions(self) -> None:
        update_undo_actions(self)

    # -- actions the menus call ---------------------------------------------------------------
    def undo(self) -> None:
        """Ctrl+Z: the current coder's own latest action only."""
        step_own(self, redo=False)

    def redo(self) -> None:
        step_own(self, redo=True)

    def open_history(self) -> None:
        from .history_dialog import HistoryDialog

        self.keep_window(HistoryDialog(self))

    def set_show_all_coders(self, show_all: bool) -> None:
        self.show_all_coders = bool(show_all)
        self.settings.set("show_all_coders", self.show_all_coders)
        if not hasattr(self, "actions_by_name"):
            return  # the menus being built check the saved choice: the window loads later
        self.actions_by_name["show_all"].setChecked(self.show_all_coders)
        self._load_annotations()

    def set_snap_to_words(self, snap: bool) -> None:
        self.coding.snap_to_words = bool(snap)
        self.settings.set("snap_to_words", bool(snap))

    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.settings.set("theme", apply_theme(app, name))
        self.view.set_labels(self.project.q.labels())  # tint strength depends on the theme
        for key in ("theme_light", "theme_dark"):
            self.actions_by_name[key].setChecked(key == f"theme_{current_theme()}")

    def step_document(self, step: int) -> None:
        ids = self.corpus.visible_document_ids()
        if not ids:
            return
        current = self.view.document_id
        i = ids.index(current) + step if current in ids else 0
        self.open_document(ids[max(0, min(len(ids) - 1, i))])

    def edit_note_dialog(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        ann = self.coding.current_own()
        if ann is None:
            self.flash("Click inside one of your annotations to edit its note.")
            return
        text, ok = QInputDialog.getMultiLineText(self, "Note", "Note for this passage:",
                                                 ann.note or "")
        if ok:
            self.coding.set_note(ann.id, text)

    def flash(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text, 5000)

    def inform(self, title: str, text: str, *, warning: bool = False,
               rich: bool = False) -> QMessageBox:
        """A non-blocking message box (so scripted use and tests never hang on it). The text
        is shown as plain text (it names files, titles, labels); rich=True only for the
        program's own HTML."""
        self.last_message = (title, text)
        box = message_box(self, title, text, warning=warning, rich=rich)
        self.last_box = box
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def keep_window(self, window: QWidget) -> None:
        self._child_windows = [w for w in self._child_windows if w.isVisible()] + [window]
        window.show()

    # -- the other helper's windows (imported lazily: they may not exist yet) -----------------
    def open_codebook_editor(self) -> None:
        try:
            from .codebook_editor import CodebookEditorDialog
        except ImportError:
            self.flash("The codebook editor is not available in this build.")
            return
        CodebookEditorDialog(self.project, self).exec()

    def open_compare(self, document_id: str | None = None, start: int | None = None,
                     end: int | None = None) -> None:
        try:
            from .compare_view import CompareWindow
        except ImportError:
            self.flash("The compare view is not available in this build.")
            return
        window = CompareWindow(self.project, self.bridge,
                               document_id=document_id or self.view.document_id,
                               coder_a=self.coder.name if self.coder else None, parent=self,
                               viewer_id=self.coder_id())
        self.keep_window(window)
        if document_id is not None and start is not None and end is not None:
            window.show_passage(document_id, start, end)

    def open_search(self) -> None:
        try:
            from .search_dialog import CorpusSearchDialog
        except ImportError:
            self.flash("Corpus search is not available in this build.")
            return
        self.keep_window(CorpusSearchDialog(self.project, self.show_passage, self.coder_id(),
                                            self))

    def open_agreement(self) -> None:
        try:
            from .agreement_window import AgreementWindow
        except ImportError:
            self.flash("The agreement window is not available in this build.")
            return
        self.keep_window(AgreementWindow(self.project, self.bridge, self.open_compare, self))

    # -- drag and drop, state -----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: file_actions.start_import(self, paths))

    def _restore_state(self) -> None:
        layout_state.restore_layout(self)  # per screen scale; side panels never too narrow

    def save_state(self) -> None:
        layout_state.save_layout(self)
        self.settings.add_recent(self.project_key)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.external.stop()
        if self.import_job is not None:
            self.import_job.cancel()  # nothing more is written once the window goes
        self.save_state()
        self.bridge.detach()
        super().closeEvent(event)

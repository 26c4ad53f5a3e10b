"""The codebook editor: stance and theme labels, each edit one undoable project operation.

Every button maps to one Project method (add_label, update_label, reorder_labels,
merge_labels, delete_label) or op (SetStanceOrdered: the "ordered scale" box), applied at once. Questions to the user (a name, a colour, a
merge target, a confirmation) go through replaceable callables (``ask_text``, ``choose_color``,
``choose_target``, ``confirm``) so tests can answer them without a modal dialog.

Typed name, key and definition are never lost: whatever differs from the stored label is
applied (one undoable step per field) when focus leaves the field, another label or tab is
selected, or the dialog closes. A new label takes the most distinct colour of the chosen
palette that its scheme does not use yet (desk_annotator.palettes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..errors import DeskAnnotatorError
from ..models import SCHEMES, Label, Scheme
from ..ops import SetStanceOrdered
from ..palettes import DEFAULT_PALETTE, pick_color
from ..project import Changed, Project
from .background_job import BackgroundJob, write_in_background
from .plain import ask_yes_no, menu_text, plain_label, safe_color, tooltip_text

LABEL_ID_ROLE = Qt.ItemDataRole.UserRole
SCHEME_TITLES = {"stance": "Stance (one per passage)", "themes": "Themes (any number)"}


def colour_icon(color: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(safe_color(color)))
    return QIcon(pixmap)


# Annotations using a label from which merging or deleting it is written in a worker thread.
BACKGROUND_USES = 5_000


class CodebookEditorDialog(QDialog):
    """Edit the project's codebook. Non-modal friendly: changes land in the project at once."""

    edited = Signal()

    def __init__(self, project: Project, parent: QWidget | None = None,
                 palette: str | None = None) -> None:
        super().__init__(parent)
        self.project = project
        settings = getattr(parent, "settings", None)  # the main window's preferences
        self.palette_name: str = palette or (settings.get("palette", DEFAULT_PALETTE)
                                             if settings is not None else DEFAULT_PALETTE)
        self._shown_id: str | None = None  # the label whose fields the form shows
        self._committing = False
        self.setWindowTitle("Codebook")
        self.resize(760, 520)
        # Replaceable questions (tests set these to plain functions).
        self.confirm: Callable[[str, str], bool] = self._confirm_box
        self.ask_text: Callable[[str, str, str], str | None] = self._ask_text_box
        self.choose_color: Callable[[QColor], QColor | None] = self._colour_box
        self.choose_target: Callable[[list[Label]], Label | None] = self._target_box
        self.last_error = ""
        self._filling = False
        self.job: BackgroundJob | None = None  # see _run_on_uses

        self.tabs = QTabWidget()
        self.lists: dict[str, QListWidget] = {}
        for scheme in SCHEMES:
            lst = QListWidget()
            lst.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
            lst.setDefaultDropAction(Qt.DropAction.MoveAction)
            lst.setAlternatingRowColors(True)
            lst.setSpacing(2)
            lst.currentItemChanged.connect(self._selection_changed)
            lst.model().rowsMoved.connect(lambda *_, s=scheme: self._order_from_list(s))
            self.lists[scheme] = lst
            self.tabs.addTab(lst, SCHEME_TITLES[scheme])
        self.tabs.currentChanged.connect(lambda _i: self._selection_changed())

        left = QVBoxLayout()
        left.addWidget(self.tabs, 1)
        row = QHBoxLayout()
        self.add_button = self._button("Add…", self._add_clicked, row)
        self.up_button = self._button("Move up", lambda: self.move_selected(-1), row)
        self.down_button = self._button("Move down", lambda: self.move_selected(1), row)
        left.addLayout(row)
        row2 = QHBoxLayout()
        self.merge_button = self._button("Merge into…", self._merge_clicked, row2)
        self.delete_button = self._button("Delete…", self.delete_selected, row2)
        left.addLayout(row2)
        self.ordered_check = QCheckBox("Stance labels form an ordered scale (list order)")
        self.ordered_check.setToolTip(
            "The stance labels, top to bottom, are the steps of one scale (move them to "
            "set the order); agreement then adds ordinal and interval measures.")
        self.ordered_check.clicked.connect(self.set_stance_ordered)
        left.addWidget(self.ordered_check)

        self.details = QGroupBox("Label")
        form = QFormLayout(self.details)
        self.name_edit = QLineEdit()
        self.name_edit.editingFinished.connect(self.commit_pending)
        self.colour_button = QPushButton()
        self.colour_button.clicked.connect(self._colour_clicked)
        self.key_edit = QLineEdit()
        self.key_edit.setMaxLength(1)
        self.key_edit.setPlaceholderText("none")
        self.key_edit.setFixedWidth(60)
        self.key_edit.editingFinished.connect(self.commit_pending)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText("Definition: when to use this label, and when not")
        self.description_edit.installEventFilter(self)  # focus out applies the definition
        self.save_description_button = QPushButton("Save definition")
        self.save_description_button.setToolTip("Also saved when you leave the field or pick "
                                                "another label")
        self.save_description_button.clicked.connect(self.commit_pending)
        self.usage_label = plain_label()
        self.usage_label.setStyleSheet("color: #57606a;")
        form.addRow("Name", self.name_edit)
        form.addRow("Colour", self.colour_button)
        form.addRow("Shortcut key", self.key_edit)
        form.addRow("Definition", self.description_edit)
        form.addRow("", self.save_description_button)
        form.addRow("", self.usage_label)
        self.memo_button = QPushButton("Label memo…")  # coding rules beyond the definition
        self.memo_button.clicked.connect(self._memo_clicked)
        form.addRow("", self.memo_button)

        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self.details, 1)

        self.error_label = plain_label(word_wrap=True)  # names labels and files
        self.error_label.setStyleSheet("color: #b00020;")
        bottom = QHBoxLayout()
        self.import_button = self._button("Import codebook…", self._import_clicked, bottom)
        self._button("Export codebook…", self._export_clicked, bottom)
        bottom.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(bottom)

        self.read_only = project.read_only
        if self.read_only:
            self.setWindowTitle("Codebook (read-only)")
            for lst in self.lists.values():
                lst.setDragDropMode(QAbstractItemView.DragDropMode.NoDragDrop)
            for edit in (self.name_edit, self.key_edit, self.description_edit):
                edit.setReadOnly(True)
        project.subscribe(self._on_changed)
        self.refresh()

    # -- plumbing ------------------------------------------------------------------------
    @staticmethod
    def _button(text: str, slot: Callable[[], object], layout: QHBoxLayout) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda _checked=False: slot())
        layout.addWidget(button)
        return button

    def done(self, result: int) -> None:  # close/reject/accept all end here
        self.commit_pending()
        self.project.unsubscribe(self._on_changed)
        super().done(result)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.description_edit and event.type() == QEvent.Type.FocusOut:
            self.commit_pending()
        return super().eventFilter(watched, event)

    def _selection_changed(self, *_args: object) -> None:
        if self._filling:
            return
        self.commit_pending()  # the fields still show the label that was selected
        self._show_selected()

    def commit_pending(self) -> int:
        """Apply the form's name, key and definition where they differ from the shown label:
        one project operation per changed field. Returns how many were applied."""
        label = self.project.q.label(self._shown_id) if self._shown_id else None
        if label is None or self.read_only or self._committing:
            return 0
        name = self.name_edit.text()
        key = self.key_edit.text().strip() or None
        description = self.description_edit.toPlainText()
        fields = []
        if name.strip() and name.strip() != label.name:
            fields.append({"name": name})
        if key != label.key:
            fields.append({"key": key})
        if description != label.description:
            fields.append({"description": description})
        applied = 0
        self._committing = True
        try:
            for change in fields:
                applied += self._run(lambda c=change: self.project.update_label(label.id, **c))
        finally:
            self._committing = False
        return applied

    def _on_changed(self, changed: Changed) -> None:
        if {"labels", "annotations", "meta"} & set(changed.tables):
            self.refresh()

    @property
    def working(self) -> bool:
        """A merge or deletion of a much-used label is being written in the background."""
        return self.job is not None and self.job.running

    def _run_on_uses(self, label_id: str, action: Callable[[Project], object], doing: str, *,
                     then: Callable[[], object] = lambda: None) -> bool:
        """Merge or delete a label (``action``, which takes it away). On the label of very
        many annotations (a million-annotation project: 100,000 uses take 3-9 s) the write
        runs in a worker thread behind a busy dialog with Cancel (True: started); else at
        once, as every other edit."""
        uses = self.project.q.label_usage(label_id)
        if uses < BACKGROUND_USES or self.project.in_memory or self.read_only:
            if not self._run(lambda: action(self.project)):
                return False
            then()
            return True
        if self.working:
            return False

        def over(state: str, value: object) -> None:
            self.refresh()
            gone = self.project.q.label(label_id) is None
            if state == "failed":
                self._show_error(str(value))
                return
            if state == "cancelled" and not gone:
                self._show_error("Cancelled: the codebook was not changed.")
                return
            self.last_error = ""  # done (or done just before Cancel took effect)
            self.error_label.clear()
            then()
            self.edited.emit()

        self.error_label.clear()
        self.job = write_in_background(self, self.project, action, title="Codebook",
                                       label=doing, over=over)
        return True

    def _show_error(self, line: str) -> None:
        self.last_error = line
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setText(line)

    def _run(self, action: Callable[[], object], *, writes: bool = True) -> bool:
        """Run one project operation; a refusal shows as a one-line message, never a crash."""
        try:
            if self.read_only and writes:
                raise DeskAnnotatorError("Read-only project: the codebook cannot be changed.")
            action()
        except DeskAnnotatorError as exc:
            self._show_error(str(exc))
            return False
        self.last_error = ""
        self.error_label.clear()
        self.refresh()
        self.edited.emit()
        return True

    # -- reading the current state -------------------------------------------------------
    @property
    def current_scheme(self) -> Scheme:
        return SCHEMES[max(0, self.tabs.currentIndex())]

    def labels(self, scheme: Scheme) -> list[Label]:
        return self.project.q.codebook().scheme(scheme)

    def selected_label(self) -> Label | None:
        item = self.lists[self.current_scheme].currentItem()
        return self.project.q.label(item.data(LABEL_ID_ROLE)) if item else None

    def select_label(self, label_id: str) -> None:
        for scheme, lst in self.lists.items():
            for row in range(lst.count()):
                if lst.item(row).data(LABEL_ID_ROLE) == label_id:
                    self.tabs.setCurrentIndex(SCHEMES.index(scheme))
                    lst.setCurrentRow(row)
                    return

    def refresh(self) -> None:
        keep = {s: (lst.currentItem().data(LABEL_ID_ROLE) if lst.currentItem() else None)
                for s, lst in self.lists.items()}
        self._filling = True
        try:
            for scheme, lst in self.lists.items():
                lst.clear()
                for label in self.labels(scheme):
                    text = label.name + (f"    [{label.key}]" if label.key else "")
                    item = QListWidgetItem(colour_icon(label.color), text)
                    item.setData(LABEL_ID_ROLE, label.id)
                    item.setToolTip(tooltip_text(label.description or "no definition yet"))
                    lst.addItem(item)
                    if label.id == keep[scheme]:
                        lst.setCurrentItem(item)
                if lst.currentItem() is None and lst.count():
                    lst.setCurrentRow(0)
        finally:
            self._filling = False
        self.ordered_check.blockSignals(True)
        self.ordered_check.setChecked(self.project.q.codebook().ordered_stance)
        self.ordered_check.blockSignals(False)
        self._show_selected()

    def _show_selected(self, *_args: object) -> None:
        if self._filling:
            return
        label = self.selected_label()
        self.details.setEnabled(label is not None)
        for button in (self.up_button, self.down_button, self.merge_button, self.delete_button):
            button.setEnabled(label is not None)
        self._shown_id = label.id if label is not None else None
        if label is None:
            self.name_edit.clear()
            self.key_edit.clear()
            self.description_edit.clear()
            self.usage_label.clear()
            self._switch_off_writes()
            return
        self.name_edit.setText(label.name)
        self.key_edit.setText(label.key or "")
        self.description_edit.setPlainText(label.description)
        self.colour_button.setIcon(colour_icon(label.color, 18))
        self.colour_button.setText(menu_text(label.color))
        used = self.project.q.label_usage(label.id)
        self.usage_label.setText(f"Used by {used} annotation{'s' if used != 1 else ''}")
        self._switch_off_writes()

    def _switch_off_writes(self) -> None:
        """A read-only project: the codebook can be read and exported, not changed."""
        if not self.read_only:
            return
        for button in (self.add_button, self.up_button, self.down_button, self.merge_button,
                       self.delete_button, self.import_button, self.colour_button,
                       self.save_description_button, self.ordered_check):
            button.setEnabled(False)

    # -- edits (each one project operation) ----------------------------------------------
    def add_label(self, scheme: Scheme, name: str, color: str | None = None) -> Label | None:
        created: list[Label] = []
        colour = color or pick_color(self.palette_name, [lb.color for lb in self.labels(scheme)])
        if self._run(lambda: created.append(self.project.add_label(scheme, name, color=colour))):
            self.select_label(created[0].id)
            return created[0]
        return None

    def rename_selected(self, name: str) -> bool:
        label = self.selected_label()
        if label is None or name.strip() == label.name:
            return False
        return self._run(lambda: self.project.update_label(label.id, name=name))

    def set_selected_color(self, color: QColor | str) -> bool:
        label = self.selected_label()
        value = QColor(color).name()  # "#rrggbb", lower case, the form the codebook stores
        if label is None or not QColor(color).isValid() or value == label.color:
            return False
        return self._run(lambda: self.project.update_label(label.id, color=value))

    def set_selected_description(self, text: str) -> bool:
        label = self.selected_label()
        if label is None or text == label.description:
            return False
        return self._run(lambda: self.project.update_label(label.id, description=text))

    def set_selected_key(self, key: str) -> bool:
        label = self.selected_label()
        key = key.strip() or None
        if label is None or key == label.key:
            return False
        return self._run(lambda: self.project.update_label(label.id, key=key))

    def set_stance_ordered(self, ordered: bool) -> bool:
        """The "ordered scale" box: one undoable project-wide action (SetStanceOrdered)."""
        if bool(ordered) == self.project.q.codebook().ordered_stance:
            return False
        ok = self._run(lambda: self.project.run(SetStanceOrdered(bool(ordered))))
        if not ok:
            self.refresh()  # the box shows the project's state again after a refusal
        return ok

    def move_selected(self, delta: int) -> bool:
        label = self.selected_label()
        if label is None:
            return False
        ids = [lb.id for lb in self.labels(label.scheme)]
        i = ids.index(label.id)
        j = i + delta
        if not 0 <= j < len(ids):
            return False
        ids[i], ids[j] = ids[j], ids[i]
        return self._run(lambda: self.project.reorder_labels(label.scheme, ids))

    def _order_from_list(self, scheme: Scheme) -> None:
        """After a drag in the list: store the order the user dropped into."""
        if self._filling:
            return
        lst = self.lists[scheme]
        ids = [lst.item(r).data(LABEL_ID_ROLE) for r in range(lst.count())]
        if ids != [lb.id for lb in self.labels(scheme)]:
            self._run(lambda: self.project.reorder_labels(scheme, ids))

    def merge_selected_into(self, target_id: str) -> bool:
        label = self.selected_label()
        if label is None:
            return False
        source_id = label.id
        target = self.project.q.label(target_id)
        return self._run_on_uses(
            source_id, lambda project: project.merge_labels(source_id, target_id),
            f"Merging “{label.name}” into “{target.name if target else '?'}”…",
            then=lambda: self.select_label(target_id))

    def delete_selected(self) -> bool:
        """Delete the selected label; when annotations use it, ask before removing it from them."""
        label = self.selected_label()
        if label is None:
            return False
        from ..document_coding import label_usage as article_usage

        used = self.project.q.label_usage(label.id)
        articles = article_usage(self.project, label.id)
        if used or articles:
            also = f" and {articles} article coding{'s' if articles != 1 else ''}" if articles else ""
            question = (f"“{label.name}” is used by {used} annotation{'s' if used != 1 else ''}"
                        f"{also} — remove it from them?")
            if not self.confirm("Delete label", question):
                self.error_label.setText(f"Kept “{label.name}”: it is still in use.")
                return False
        label_id, force = label.id, bool(used or articles)
        return self._run_on_uses(label_id,
                                 lambda project: project.delete_label(label_id, force=force),
                                 f"Removing “{label.name}” from {used} annotations…")

    def import_from(self, path: str | Path) -> bool:
        from ..project_io import import_codebook_file
        return self._run(lambda: import_codebook_file(self.project, Path(path)))

    def export_to(self, path: str | Path) -> bool:
        from ..project_io import export_codebook_file
        ok = self._run(lambda: export_codebook_file(self.project, Path(path)), writes=False)
        if ok:
            self.error_label.setStyleSheet("color: palette(text);")
            self.error_label.setText(f"Codebook written to {path}")
        return ok

    # -- slots that ask the user first ---------------------------------------------------
    def _add_clicked(self) -> None:
        scheme = self.current_scheme
        name = self.ask_text("Add label", f"Name of the new {scheme} label:", "")
        if name:
            self.add_label(scheme, name)

    def _memo_clicked(self) -> None:
        from .memos_window import open_label_memo
        open_label_memo(self)

    def _colour_clicked(self) -> None:
        label = self.selected_label()
        if label is not None:
            chosen = self.choose_color(QColor(label.color))
            if chosen is not None:
                self.set_selected_color(chosen)

    def _merge_clicked(self) -> None:
        label = self.selected_label()
        if label is None:
            return
        others = [lb for lb in self.labels(label.scheme) if lb.id != label.id]
        target = self.choose_target(others) if others else None
        if target is not None:
            self.merge_selected_into(target.id)

    def _import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import codebook", "",
                                              "Codebook (*.json);;All files (*)")
        if path:
            self.import_from(path)

    def _export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export codebook", "codebook.json",
                                              "Codebook (*.json)")
        if path:
            self.export_to(path)

    # -- default (modal) answers ---------------------------------------------------------
    def _confirm_box(self, title: str, question: str) -> bool:
        return ask_yes_no(self, title, question)

    def _ask_text_box(self, title: str, prompt: str, value: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, prompt, text=value)
        return text if ok else None

    def _colour_box(self, initial: QColor) -> QColor | None:
        chosen = QColorDialog.getColor(initial, self, "Label colour")
        return chosen if chosen.isValid() else None

    def _target_box(self, choices: list[Label]) -> Label | None:
        names = [lb.name for lb in choices]
        name, ok = QInputDialog.getItem(self, "Merge label", "Merge into:", names, 0, False)
        return choices[names.index(name)] if ok and name in names else None


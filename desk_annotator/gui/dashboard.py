"""The lead's dashboard (Team → Dashboard…): documents × coders, with assignments and progress.

Each cell shows a coder's status on a document, their annotation count and the time of their
last change; assigned cells are bold on a tinted background (∗ marks the overlap documents
every coder has). The first row totals each coder. A filter keeps the documents with a given
status. Double-click a cell to open that document for that coder: your own column opens it in
the workbench, another coder's in a read-only viewer. The bar above assigns documents (coders,
overlap, seed) and, for the lead, locks blind mode. Everything is read from and written
through the headless modules (assignments, blind); the window refreshes from the change
notification, including other programs' commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import blind
from ..assignments import Cell, Dashboard, assign, dashboard
from ..errors import DeskAnnotatorError
from ..models import GOLD_CODER
from ..project import Changed, Project
from .bridge import ProjectBridge
from .plain import plain_label
from .reading_view import ReadingView

if TYPE_CHECKING:
    from .main_window import MainWindow

SYMBOLS = {"todo": "○", "doing": "◐", "done": "●"}
FILTERS = [("All documents", None), ("Some coder: to do", "todo"),
           ("Some coder: doing", "doing"), ("Some coder: done", "done"),
           ("Not done by an assigned coder", "not done")]
ASSIGNED_TINT = QColor(0, 114, 178, 38)  # Okabe-Ito blue, faint
ID_ROLE = Qt.ItemDataRole.UserRole


def cell_text(cell: Cell | None) -> str:
    if cell is None or not cell.shown_status:
        return "—"
    parts = [f"{SYMBOLS[cell.shown_status]} {cell.shown_status}", f"{cell.annotations}"]
    if cell.last_change:
        parts.append(cell.last_change[:16].replace("T", " "))
    return ("∗ " if cell.overlap else "") + "  ·  ".join(parts)


class DocumentViewer(QWidget):
    """One coder's annotations on one document, read-only (the dashboard's double-click)."""

    def __init__(self, project: Project, bridge: ProjectBridge, document_id: str,
                 coder_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.project, self.bridge = project, bridge
        self.document_id, self.coder_id = document_id, coder_id
        self.heading = plain_label(word_wrap=True)
        self.view = ReadingView()  # read-only text; no key reaches a coding controller
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 1)
        self.resize(900, 700)
        bridge.changed.connect(self._on_changed)
        self.reload()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.bridge.disconnect_view(self._on_changed)
        super().closeEvent(event)

    def reload(self) -> None:
        q = self.project.q
        doc, coder = q.document(self.document_id), q.coder(self.coder_id)
        if self.view.document_id != (doc.id if doc else None):
            self.view.set_document(doc)
        self.view.set_labels(q.labels())
        self.view.set_coder_names({c.id: c.name for c in q.coders()})
        anns = q.annotations(doc.id, [self.coder_id]) if doc else []
        self.view.set_annotations(anns)
        name = coder.name if coder else "?"
        title = doc.title if doc else "(document deleted)"
        self.setWindowTitle(f"{title} — {name} (read-only)")
        self.heading.setText(f"{title}\n{name}: {len(anns)} annotation(s), status "
                             f"{q.status(self.document_id, self.coder_id) or 'todo'} — read-only")

    def _on_changed(self, changed: Changed) -> None:
        if changed.everything or self.document_id in changed.document_ids \
                or changed.tables & {"labels", "coders"}:
            self.reload()


class DashboardWindow(QWidget):
    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowTitle("Team dashboard")
        self.resize(1100, 640)
        self.win, self.project, self.bridge = win, win.project, win.bridge
        self.data: Dashboard | None = None
        self.viewers: list[DocumentViewer] = []

        self.filter_combo = QComboBox()
        for text, status in FILTERS:
            self.filter_combo.addItem(text, status)
        self.lead_label = plain_label()
        self.lock_check = QCheckBox("Lock blind mode")
        self.coders_edit = QLineEdit()
        self.coders_edit.setPlaceholderText("coders, comma-separated")
        self.overlap_spin = QDoubleSpinBox()
        self.overlap_spin.setRange(0.0, 1.0)
        self.overlap_spin.setSingleStep(0.05)
        self.overlap_spin.setValue(0.2)
        self.overlap_spin.setToolTip("Share of the documents every coder gets (for agreement)")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(1)
        self.seed_spin.setToolTip("The same seed gives the same assignment")
        self.assign_button = QPushButton("Assign")
        self.summary = plain_label()

        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        top.addWidget(self.filter_combo)
        top.addStretch(1)
        top.addWidget(self.lead_label)
        top.addWidget(self.lock_check)
        assign_bar = QHBoxLayout()
        for text, widget in (("Assign to", self.coders_edit), ("overlap", self.overlap_spin),
                             ("seed", self.seed_spin)):
            assign_bar.addWidget(QLabel(text))
            assign_bar.addWidget(widget, 2 if widget is self.coders_edit else 0)
        assign_bar.addWidget(self.assign_button)

        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(assign_bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

        self._timer = QTimer(self)  # many changes in a row (a merge, a burst) refresh once
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh)
        self.filter_combo.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.table.cellDoubleClicked.connect(self._double_clicked)
        self.assign_button.clicked.connect(self.assign_clicked)
        self.lock_check.toggled.connect(self._lock_toggled)
        self.bridge.changed.connect(self._on_changed)
        self.refresh()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._timer.stop()
        self.bridge.disconnect_view(self._on_changed)
        super().closeEvent(event)

    # -- reading ---------------------------------------------------------------------------
    def _on_changed(self, changed: Changed) -> None:
        self._timer.start()

    def refresh(self) -> None:
        self._timer.stop()
        self.data = data = dashboard(self.project)
        coders = data.coders
        self.table.clear()
        self.table.setColumnCount(1 + len(coders))
        self.table.setHorizontalHeaderLabels(["Document"] + [name for _, name in coders])
        self.table.setRowCount(1 + len(data.documents))
        bold = QFont(self.table.font())
        bold.setBold(True)
        total = QTableWidgetItem("Total")
        total.setFont(bold)
        self.table.setItem(0, 0, total)
        for col, (coder_id, _name) in enumerate(coders, start=1):
            t = data.totals(coder_id)
            item = QTableWidgetItem(f"{t['done']}/{t['assigned']} done · {t['doing']} doing · "
                                    f"{t['annotations']} annotations" if t["assigned"] else
                                    f"{t['done']} done · {t['annotations']} annotations")
            item.setFont(bold)
            self.table.setItem(0, col, item)
        for row, (doc_id, title) in enumerate(data.documents, start=1):
            head = QTableWidgetItem(title)
            head.setData(ID_ROLE, doc_id)
            self.table.setItem(row, 0, head)
            for col, (coder_id, name) in enumerate(coders, start=1):
                cell = data.cell(doc_id, coder_id)
                item = QTableWidgetItem(cell_text(cell))
                item.setData(ID_ROLE, (doc_id, coder_id))
                tip = f"{title}\n{name}: "
                if cell is not None and cell.assigned:
                    item.setFont(bold)
                    item.setBackground(QBrush(ASSIGNED_TINT))
                    tip += "assigned" + (" (overlap: every coder)" if cell.overlap else "")
                else:
                    tip += "not assigned"
                    item.setForeground(QBrush(QColor("#6e7781")))
                item.setToolTip(tip + "\nDouble-click to open")
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self._refresh_lead()
        self._apply_filter()

    def _refresh_lead(self) -> None:
        q = self.project.q
        lead = blind.lead(q)
        me = self.win.coder.name if self.win.coder else None
        self.lead_label.setText(f"Lead: {lead}" if lead else "No lead (desk-annotator lead set NAME)")
        self.lock_check.blockSignals(True)
        self.lock_check.setChecked(blind.is_locked(q))
        self.lock_check.blockSignals(False)
        self.lock_check.setEnabled(blind.is_lead(q, me) and not self.project.read_only)
        self.lock_check.setToolTip("Only the lead may lock or unlock blind mode" if
                                   not blind.is_lead(q, me) else
                                   "Coders then see only their own work; others' in the compare "
                                   "view once they mark a document done")
        self.assign_button.setEnabled(not self.project.read_only
                                      and (lead is None or blind.is_lead(q, me)))
        self.assign_button.setToolTip("" if self.assign_button.isEnabled() else
                                      f"Only the lead ({lead}) assigns documents")
        if not self.coders_edit.text():
            names = [name for _, name in self.data.coders if name != GOLD_CODER] \
                if self.data else []
            self.coders_edit.setText(", ".join(n for n in names if n != lead))

    def visible_document_ids(self) -> list[str]:
        return [self.table.item(r, 0).data(ID_ROLE) for r in range(1, self.table.rowCount())
                if not self.table.isRowHidden(r)]

    def _apply_filter(self) -> None:
        if self.data is None:
            return
        wanted = set(self.data.document_ids_with_status(self.filter_combo.currentData()))
        for r in range(1, self.table.rowCount()):
            self.table.setRowHidden(r, self.table.item(r, 0).data(ID_ROLE) not in wanted)
        shown = len(wanted)
        self.summary.setText(f"{shown} of {len(self.data.documents)} documents shown · "
                             "bold, tinted: assigned · ∗ overlap (every coder)")

    # -- acting ----------------------------------------------------------------------------
    def _double_clicked(self, row: int, col: int) -> None:
        if row == 0 or col == 0:
            return
        doc_id, coder_id = self.table.item(row, col).data(ID_ROLE)
        self.open_for_coder(doc_id, coder_id)

    def open_for_coder(self, document_id: str, coder_id: str) -> QWidget | None:
        """The coder's own column opens the document in the workbench; another coder's work
        opens read-only (refused when the lead locked blind mode and you have not marked the
        document done)."""
        me = self.win.coder_id()
        if coder_id == me:
            self.win.open_document(document_id)
            self.win.raise_()
            return self.win
        if not blind.may_see_others(self.project.q, me, document_id):
            self.win.inform("Blind mode is locked", "The lead locked blind mode: other coders' "
                            "work shows once you mark this document done.", warning=True)
            return None
        viewer = DocumentViewer(self.project, self.bridge, document_id, coder_id, self)
        self.viewers = [v for v in self.viewers if v.isVisible()] + [viewer]
        viewer.show()
        return viewer

    def assign_clicked(self) -> None:
        names = [n.strip() for n in self.coders_edit.text().split(",") if n.strip()]
        try:
            plan = assign(self.project, names, round(self.overlap_spin.value(), 4),
                          self.seed_spin.value())
        except DeskAnnotatorError as exc:
            self.win.inform("Not assigned", str(exc), warning=True)
            return
        self.refresh()
        self.win.flash(f"{len(plan.by_coder)} coders assigned, {len(plan.overlap)} overlap "
                       "documents")

    def _lock_toggled(self, locked: bool) -> None:
        me = self.win.coder.name if self.win.coder else None
        try:
            blind.set_locked(self.project, locked, me)
        except DeskAnnotatorError as exc:
            self.win.inform("Blind mode", str(exc), warning=True)
        self._refresh_lead()


def open_dashboard(win: MainWindow) -> DashboardWindow:
    window = DashboardWindow(win)
    win.keep_window(window)
    return window

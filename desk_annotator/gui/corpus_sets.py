"""Document sets in the document list: a set filter beside the status filter, and a new set
made of the documents the list's filter shows now (search, status and set together).

The list's proxy only hides rows; the members come from document_sets.py, and a new set is
one undoable CreateSet. The filter's choices follow the change notification (a set made,
renamed or deleted anywhere: the CLI, the history, another window).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog

from ..document_sets import document_sets, set_members
from ..errors import DeskAnnotatorError
from ..ops_sets import CreateSet
from ..project import Changed

WATCHED = {"document_sets", "document_set_members", "documents"}
ALL_DOCUMENTS = "All documents"


def install(win: Any) -> None:
    """Fill the document list's set filter and keep it current."""
    combo = win.corpus.set_filter
    combo.currentIndexChanged.connect(lambda _i: apply_filter(win))

    def on_changed(changed: Changed) -> None:
        if changed.everything or changed.tables & WATCHED:
            reload_choices(win)

    win.bridge.changed.connect(on_changed)
    reload_choices(win)


def reload_choices(win: Any) -> None:
    combo = win.corpus.set_filter
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(ALL_DOCUMENTS, None)
    for s in document_sets(win.project):
        combo.addItem(f"Set: {s.name} ({s.size})", s.name)
    index = combo.findData(current) if current is not None else 0
    combo.setCurrentIndex(max(0, index))
    combo.blockSignals(False)
    combo.setVisible(combo.count() > 1)
    apply_filter(win)


def choose_set(win: Any, name: str | None) -> None:
    combo = win.corpus.set_filter
    combo.setCurrentIndex(max(0, combo.findData(name)) if name else 0)


def apply_filter(win: Any) -> None:
    name = win.corpus.set_filter.currentData()
    try:
        members = set_members(win.project, name) if name else None
    except DeskAnnotatorError:  # deleted meanwhile: show every document
        members = None
    win.corpus.proxy.set_members(members)


def make_set_from_filter(win: Any, name: str | None = None) -> str | None:
    """A new document set of the documents the list shows now; returns its name."""
    ids = win.corpus.visible_document_ids()
    if not ids:
        win.inform("New document set", "The document list's filter shows no document.",
                   warning=True)
        return None
    if name is None:
        name, ok = QInputDialog.getText(win, "New document set",
                                        f"Name of the set of the {len(ids)} documents shown:")
        if not ok or not name.strip():
            return None
    parts = [f"search “{win.corpus.search.text()}”" if win.corpus.search.text() else "",
             f"status {win.corpus.status_filter.currentText()}"
             if win.corpus.status_filter.currentData() else "",
             win.corpus.set_filter.currentText() if win.corpus.set_filter.currentData() else ""]
    description = "From the document list's filter: " + (", ".join(p for p in parts if p)
                                                         or "every document")
    try:
        made = win.project.run(CreateSet(name, ids, description), win.coder_id())
    except DeskAnnotatorError as exc:
        win.inform("New document set", str(exc), warning=True)
        return None
    win.flash(f"Document set {made.name} made of {len(ids)} documents")
    return made.name

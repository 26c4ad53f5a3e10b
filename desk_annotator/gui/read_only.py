"""A project this program cannot write opens read-only: browse, search, export and agreement
work; every action that would write is switched off, and a banner says why.

The store refuses every write of a read-only project anyway (one line, nothing attempted);
switching the actions off keeps the user from running into that refusal at each key press.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractItemView

from .banner import Banner, read_only_text, storage_text

if TYPE_CHECKING:
    from .main_window import MainWindow

# Menu actions that change the project (their keys in MainWindow.actions_by_name).
WRITE_ACTIONS = ("import", "import_options", "import_codebook", "merge_projects", "undo", "redo", "delete", "note",
                 "bounds", "end_right", "end_left", "start_left", "start_right", "done", "doing",
                 "todo", "suggestion_accept", "suggestion_reject")


def apply_read_only(win: MainWindow) -> None:
    """Switch off every write of a read-only window (call once the menus exist)."""
    if not win.project.read_only:
        return
    for key in WRITE_ACTIONS:
        action = win.actions_by_name.get(key)
        if action is not None:
            action.setEnabled(False)
    win.tag_menu.setEnabled(False)
    win.annotations.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    win.codebook.set_read_only(True)
    win.setAcceptDrops(False)


def add_banners(win: MainWindow) -> list[Banner]:
    """The read-only banner (stays) and the storage warning (once, dismissible)."""
    banners = []
    if win.project.read_only:
        banners.append(Banner(read_only_text(win.project.read_only_reason), "read_only",
                              closable=False))
    warning = getattr(win.project, "storage_warning", None)
    if warning:
        banners.append(Banner(storage_text(warning), "warning"))
        win.flash(storage_text(warning))
    return banners

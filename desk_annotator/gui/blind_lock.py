"""Blind mode locked by the lead, in the workbench.

When the project's lead locked blind mode (desk_annotator.blind), a coder other than the lead
sees only their own work: View → Show all coders (Ctrl+Shift+A) is switched off and disabled,
its tooltip saying who locked it. The state follows the one change notification (a lock made
from the terminal shows at once) and every coder switch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import blind
from ..project import Changed

if TYPE_CHECKING:
    from .main_window import MainWindow

SHOW_ALL_TIP = "Off = blind mode: only your own annotations are shown"


def locked_for(win: MainWindow) -> bool:
    """Whether blind mode is forced on for the window's coder."""
    return blind.locked_for(win.project.q, win.coder.name if win.coder else None)


def lock_tip(win: MainWindow) -> str:
    return (f"Blind mode is locked by the lead ({blind.lead(win.project.q)}): other coders' "
            "work shows in the compare view once you mark a document done")


def mode_text(win: MainWindow) -> str:
    if locked_for(win):
        return "Blind mode (locked by the lead)"
    return "All coders" if win.show_all_coders else "Blind mode"


def apply(win: MainWindow) -> None:
    """Enable or disable the Show-all-coders action to match the lock."""
    action = win.actions_by_name["show_all"]
    locked = locked_for(win)
    action.setEnabled(not locked)
    tip = lock_tip(win) if locked else SHOW_ALL_TIP
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.blockSignals(True)  # shows the effective state; the setting itself is kept
    action.setChecked(win.show_all_coders and not locked)
    action.blockSignals(False)
    win._load_annotations()  # what is visible may have changed either way


def install(win: MainWindow) -> None:
    """Apply the lock now and whenever project settings (meta) change."""
    def on_changed(changed: Changed) -> None:
        if "meta" in changed.tables or "coders" in changed.tables:
            apply(win)
        if "assignments" in changed.tables:
            win._update_progress()

    win.bridge.changed.connect(on_changed)
    apply(win)

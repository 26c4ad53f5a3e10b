"""The one bridge from the project's "what changed" notification to a Qt signal.

Every view connects to :attr:`ProjectBridge.changed` and refreshes only what the
:class:`~desk_annotator.project.Changed` object names, instead of re-reading everything.
"""

from __future__ import annotations

import warnings

from PySide6.QtCore import QObject, Signal

from ..project import Changed, Project


class ProjectBridge(QObject):
    """Subscribes to ``project`` once and re-emits each change as ``changed(Changed)``."""

    changed = Signal(object)

    def __init__(self, project: Project, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        project.subscribe(self._on_changed)

    def _on_changed(self, changed: Changed) -> None:
        # Emitted synchronously: the op has committed, so views read the new state at once.
        self.changed.emit(changed)

    def disconnect_view(self, slot) -> None:  # type: ignore[no-untyped-def]
        """Stop delivering changes to ``slot`` (a window that closes); safe to call twice
        (Qt closes a child window once itself and once with its parent)."""
        with warnings.catch_warnings():  # PySide warns (not raises) on the second time
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                self.changed.disconnect(slot)
            except (RuntimeError, TypeError):
                pass

    def detach(self) -> None:
        """Stop listening (before the project is closed or the window replaced)."""
        self.project.unsubscribe(self._on_changed)

"""A start that checks itself and ends: with DESK_ANNOTATOR_SMOKE_TEST set, the window quits
as soon as it has painted once, after printing one line naming its title and project.

The bundle's smoke test (and anyone checking an installation on a machine without a person
at it) needs the real program to start, open its project, draw, and exit on its own; a timer
would either cut a slow start short or wait needlessly on a fast one, while the first paint
is exactly the moment the user would see the window.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

ENV_VAR = "DESK_ANNOTATOR_SMOKE_TEST"
# A window that has not painted after this long has failed the check.
_TIMEOUT_MS = 120_000


def requested() -> bool:
    return os.environ.get(ENV_VAR, "") not in ("", "0")


class _QuitAfterFirstPaint(QObject):
    def __init__(self, window: QWidget, project_path: str) -> None:
        super().__init__(window)
        self._window = window
        self._project_path = project_path
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            # After this paint has finished, not inside it.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(f"smoke test: window {self._window.windowTitle()!r} painted, "
              f"project {self._project_path}", flush=True)
        QApplication.quit()


def arm(window: QWidget, project_path: str) -> None:
    """Quit the application (exit code 0) after ``window`` first paints; exit code 3 and a
    line on stderr when it has not painted within the timeout."""
    window.installEventFilter(_QuitAfterFirstPaint(window, project_path))

    def give_up() -> None:
        print("smoke test: the window did not paint in time", file=sys.stderr, flush=True)
        QApplication.exit(3)

    QTimer.singleShot(_TIMEOUT_MS, give_up)

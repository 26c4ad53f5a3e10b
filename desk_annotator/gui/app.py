"""Start the workbench: ``run_gui(project_path, coder)`` is what the CLI calls."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from ..errors import DeskAnnotatorError
from .plain import message_box
from .settings import Settings
from .theme import apply_theme


def make_app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Fractional HiDPI scales (1.25, 1.5) render crisply instead of being rounded.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("desk-annotator")
    app.setOrganizationName("desk-annotator")
    return app


def run_gui(project_path: str | None, coder: str | None = None) -> int:
    """Open ``project_path`` (None = the default project, filled from the sample corpus on
    first start) in the main window; returns the application's exit code."""
    from ..paths import default_project_path
    from ..project import Project
    from ..sample import open_project
    from .main_window import MainWindow

    app = make_app()
    settings = Settings()
    apply_theme(app, settings.get("theme", "light"))
    try:
        existing = project_path if project_path is not None else default_project_path()
        # An existing project opens at once; the window checks its integrity once it shows.
        project = Project(existing, check_integrity="deferred") if Path(existing).exists() \
            else open_project(project_path)
    except DeskAnnotatorError as exc:
        box = message_box(None, "desk-annotator", f"Cannot open the project:\n{exc}",
                          warning=True)
        box.setIcon(QMessageBox.Icon.Critical)
        box.exec()
        return 1
    window = MainWindow(project, coder, settings)
    settings.add_recent(window.project_key)
    window.show()
    if project.integrity_problems:
        window.inform("Project check", "Some annotations no longer match their text:\n"
                      + "\n".join(project.integrity_problems), warning=True)
    code = app.exec()
    try:
        project.close()
    except Exception as exc:  # noqa: BLE001 - already closed when another project replaced it
        logging.getLogger(__name__).debug("project already closed: %s", exc)
    return code

"""Start the workbench: ``run_gui(project_path, coder)`` is what the CLI calls.

Importing this module loads no Qt: :func:`run_gui` first asks :mod:`..platform_check` whether
a window can open here (a display, the X11 libraries Qt's xcb plugin links against) and prints
one line instead of Qt's abort when not. Qt is imported only after that.

The Qt-free core (models with pydantic, the store with sqlite-utils, the ops) is imported
before Qt: once PySide is loaded it reads the source file of every module imported after it
(its ``__feature__`` support looks for the word PySide6 in each), about 200 files that a
start would otherwise read twice, the bytecode and the source.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DeskAnnotatorError
from ..platform_check import missing_libraries, missing_message, platform_problem

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ..project import Project
    from .main_window import MainWindow
    from .settings import Settings

log = logging.getLogger(__name__)


def import_window() -> type[MainWindow]:
    """The main window's class, with the Qt-free core imported first (see above)."""
    from .. import project  # noqa: F401 - before Qt
    from ..store import reading_rows  # noqa: F401 - before Qt
    from .main_window import MainWindow

    return MainWindow


def make_app() -> QApplication:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

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


def startup_project(given: str | None, settings: Settings) -> tuple[str | None, str | None]:
    """Which project a start opens, and a note for the user: the one given on the command line
    wins; else the last project (settings ``last_project``) when it still exists; else None,
    the default project, with a note when a remembered last project has gone."""
    if given is not None:
        return given, None
    last = settings.get("last_project")
    if not isinstance(last, str) or not last or last == ":memory:":
        return None, None
    if Path(last).is_file():
        return last, None
    settings.forget_project(last)
    return None, f"The last project, {last}, no longer exists; the default project is open."


def _open(path: str | None) -> Project:
    from ..paths import default_project_path
    from ..project import Project
    from ..sample import open_project

    existing = path if path is not None else default_project_path()
    # An existing project opens at once; the window checks its integrity once it shows.
    return Project(existing, check_integrity="deferred") if Path(existing).exists() \
        else open_project(path)


def open_window(project_path: str | None, coder: str | None = None,
                settings: Settings | None = None) -> MainWindow | None:
    """Create the application (if needed), open the project a start should open and show the
    main window; None (after telling the user) when the project cannot be opened."""
    main_window_class = import_window()
    from PySide6.QtWidgets import QMessageBox

    from .plain import message_box
    from .settings import Settings
    from .theme import apply_theme

    app = make_app()
    settings = settings or Settings()
    apply_theme(app, settings.get("theme", "light"))
    chosen, note = startup_project(project_path, settings)
    try:
        try:
            project = _open(chosen)
        except DeskAnnotatorError as exc:
            if project_path is not None or chosen is None:
                raise
            # The remembered project is broken: never let it stop every later start.
            note = f"The last project, {chosen}, could not be opened ({exc}); " \
                   "the default project is open."
            settings.forget_project(chosen)
            project = _open(None)
    except DeskAnnotatorError as exc:
        box = message_box(None, "desk-annotator", f"Cannot open the project:\n{exc}",
                          warning=True)
        box.setIcon(QMessageBox.Icon.Critical)
        box.exec()
        return None
    window = main_window_class(project, coder, settings)
    settings.add_recent(window.project_key)
    window.show()
    if note:
        window.flash(note)
        window.inform("Last project", note)
    if project.integrity_problems:
        window.inform("Project check", "Some annotations no longer match their text:\n"
                      + "\n".join(project.integrity_problems), warning=True)
    return window


def run_gui(project_path: str | None, coder: str | None = None) -> int:
    """Open ``project_path`` (None = the last project, else the default project, filled from
    the sample corpus on first start) in the main window; returns the application's exit
    code, 1 with one line on stderr when no window can open here."""
    problem = platform_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from .. import project  # noqa: F401 - the Qt-free core before Qt (see above)

    try:
        import PySide6.QtWidgets  # noqa: F401 - loads Qt's own libraries (libEGL, libGL, ...)
    except ImportError as exc:
        missing = missing_libraries()
        if not missing:
            raise
        log.debug("Qt failed to load: %s", exc)
        print(missing_message(missing), file=sys.stderr)
        return 1
    window = open_window(project_path, coder)
    if window is None:
        return 1
    from PySide6.QtWidgets import QApplication

    from . import smoke
    if smoke.requested():  # the installation check: quit after the first paint
        smoke.arm(window, str(window.project.path))
    code = QApplication.instance().exec()  # type: ignore[union-attr]
    try:
        window.project.close()
    except Exception as exc:  # noqa: BLE001 - already closed when another project replaced it
        log.debug("project already closed: %s", exc)
    return code

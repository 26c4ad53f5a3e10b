"""Screenshot of suggested codings in the reading view (docs/suggestions.md).

Run:  .venv/bin/python scripts/make_screenshots_suggest.py
Under an X server of its own (xvfb-run with the openbox window manager, when both are
installed) the window gets real decorations and fonts; otherwise Qt's offscreen platform is
used. Writes docs/screenshots/suggestions.png (and suggestions-window.png) from a temporary project filled with the
bundled sample corpus: the built-in engine learns from coder-1 and suggests on the documents
coder-1 has not coded; a new coder, "reviewer", has accepted one and looks at the next.
Nothing in the user's home is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots" / "suggestions.png"
UNDER_X = "--under-x"


def _relaunch_under_xvfb() -> int | None:
    """Run this script again inside xvfb-run with openbox; None when they are missing."""
    if UNDER_X in sys.argv or not (shutil.which("xvfb-run") and shutil.which("openbox")):
        return None
    inner = (f"openbox & sleep 0.5; QT_QPA_PLATFORM=xcb {sys.executable} {__file__} {UNDER_X}; "
             "status=$?; kill %1 2>/dev/null; exit $status")
    return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", "sh", "-c",
                            inner])


def _settle(app, rounds: int = 8) -> None:
    for _ in range(rounds):
        app.processEvents()


def _wait(app, window) -> None:
    while window.job is not None or window.endpoint.job is not None:
        app.processEvents()
        time.sleep(0.02)


def _shot_window(app, win) -> None:
    """The Suggestions window after a run, a dry run and the code-next queue."""
    from desk_annotator.gui.suggestions_window import open_suggestions_window

    window = open_suggestions_window(win)
    window.teacher_box.setCurrentText("coder-1")
    window.run()  # trains first, then scores the documents coder-1 has not coded
    _wait(app, window)
    window.bulk_threshold.setValue(0.8)
    window.dry_run()
    _wait(app, window)
    window.code_next.refresh()
    _wait(app, window)
    window.tabs.setCurrentWidget(window.code_next)
    window.resize(900, 640)
    _settle(app)
    path = OUT.with_name("suggestions-window.png")
    window.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT)}")
    window.close()


def main() -> int:
    relaunched = _relaunch_under_xvfb()
    if relaunched is not None:
        return relaunched
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="desk-shots-"))
    os.environ["DESK_ANNOTATOR_HOME"] = str(tmp / "home")

    from PySide6.QtWidgets import QApplication

    from desk_annotator.gui.main_window import MainWindow
    from desk_annotator.gui.theme import apply_theme
    from desk_annotator.project import Project
    from desk_annotator.sample import fill_from_sample
    from desk_annotator.store import suggestion_queries as sq
    from desk_annotator.suggest import engine

    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app, "light")
    project = Project(tmp / "sample.sqlite")
    fill_from_sample(project)
    engine.suggest(project, "coder-1")  # the CLI's path: train, score, store
    win = MainWindow(project, coder_name="reviewer")
    win.resize(1500, 920)
    win.show()
    _settle(app)
    rows = sq.suggestions(project.q)
    busiest = max({r["document_id"] for r in rows},
                  key=lambda d: sum(r["document_id"] == d for r in rows))
    win.open_document(busiest)
    win.view.place_cursor(0)
    layer = win.suggestion_layer
    layer.step(True)
    layer.accept()  # the first becomes reviewer's annotation; the next one is current
    _settle(app)
    win.view.centerCursor()  # the current suggestion mid-view, its neighbours around it
    win.statusBar().clearMessage()  # the "Accepted" line, so the current one's shows
    win.view.setFocus()
    _settle(app)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(OUT))
    print(f"wrote {OUT.relative_to(ROOT)} ({os.environ['QT_QPA_PLATFORM']})")
    _shot_window(app, win)
    win.close()
    project.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

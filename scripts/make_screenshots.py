"""Screenshots for the README: the workbench on the sample corpus, in docs/screenshots/.

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_screenshots.py
Each shot is a function in SHOTS taking (project, out_dir); other windows (compare view,
codebook editor) add their own functions to the list.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "docs" / "screenshots"


def _settle(app, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()


def _sample_project(folder: Path):
    """A project filled from the bundled codebook and sample corpus (as on first start)."""
    from desk_annotator.project import Project
    from desk_annotator.sample import fill_from_sample

    project = Project(folder / "sample.sqlite")
    fill_from_sample(project)
    return project


def shot_main_window(project, out_dir: Path, name: str = "main-window.png") -> Path:
    from PySide6.QtWidgets import QApplication

    from desk_annotator.gui.main_window import MainWindow

    app = QApplication.instance()
    coder = project.q.coders()[0].name if project.q.coders() else "coder-1"
    window = MainWindow(project, coder_name=coder)
    window.resize(1500, 920)
    rows = window.corpus.model.all_rows()
    busiest = max(rows, key=lambda r: r["annotations"]) if rows else None
    if busiest:
        window.open_document(busiest["id"])
        anns = window.view.visible_annotations()
        if anns:
            window.view.place_cursor(anns[0].start + 1)
    window.show()
    _settle(app)
    path = out_dir / name
    window.grab().save(str(path))
    window.close()
    return path


def shot_main_window_dark(project, out_dir: Path) -> Path:
    from PySide6.QtWidgets import QApplication

    from desk_annotator.gui.theme import apply_theme

    app = QApplication.instance()
    apply_theme(app, "dark")
    try:
        return shot_main_window(project, out_dir, "main-window-dark.png")
    finally:
        apply_theme(app, "light")


SHOTS: list[Callable[[object, Path], Path]] = [shot_main_window, shot_main_window_dark]


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="desk-shots-")
    os.environ["DESK_ANNOTATOR_HOME"] = home  # never touch the user's settings
    from desk_annotator.gui.app import make_app
    from desk_annotator.gui.theme import apply_theme

    app = make_app()
    apply_theme(app, os.environ.get("DESK_THEME", "light"))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    project = _sample_project(Path(home))
    for shot in SHOTS:
        print(shot(project, OUT_DIR))
    project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

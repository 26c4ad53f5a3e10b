"""Screenshot of Analysis → Retrieve coded segments (docs/retrieve-and-export.md).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_screenshots_retrieve.py
Writes docs/screenshots/retrieve-window.png from a temporary project filled with the bundled
sample corpus, gold built from coder-1 and coder-2 as the guide does (nothing in the user's
home is touched).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="desk-shots-"))
    os.environ["DESK_ANNOTATOR_HOME"] = str(tmp / "home")

    from PySide6.QtWidgets import QApplication

    from desk_annotator.adjudication import AcceptAgreed
    from desk_annotator.gui.main_window import MainWindow
    from desk_annotator.gui.retrieve_window import RetrieveWindow
    from desk_annotator.gui.theme import apply_theme
    from desk_annotator.ops_gold import TakeCoder
    from desk_annotator.project import Project
    from desk_annotator.sample import fill_from_sample

    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app, "light")
    project = Project(tmp / "sample.sqlite")
    fill_from_sample(project)
    one, two = project.require_coder("coder-1"), project.require_coder("coder-2")
    project.run(AcceptAgreed(one.id, two.id))
    project.run(TakeCoder(one.id))
    win = MainWindow(project, coder_name="coder-1")
    if not win.show_all_coders:
        win.actions_by_name["show_all"].trigger()
    window = RetrieveWindow(win)
    window.check(window.label_list, ["export controls and chips"])
    window.check(window.coder_list, ["gold"])
    window.resize(1280, 640)
    window.show()
    for _ in range(5):
        app.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "retrieve-window.png"
    window.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT)}")
    window.close()
    win.close()
    project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

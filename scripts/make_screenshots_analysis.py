"""Screenshot of Analysis → Tables and charts… for docs/tables-and-findings.md.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_screenshots_analysis.py

Builds the sample project in a temporary folder, opens the Tables window on "stance by
outlet" and saves QWidget.grab() of it to docs/screenshots/tables-window.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from desk_annotator.gui.bridge import ProjectBridge
    from desk_annotator.gui.tables_window import TablesWindow
    from desk_annotator.project import Project
    from desk_annotator.sample import fill_from_sample

    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DESK_ANNOTATOR_HOME"] = str(Path(tmp) / "home")
        project = Project(Path(tmp) / "sample.sqlite")
        fill_from_sample(project)
        window = TablesWindow(project, ProjectBridge(project))
        window.resize(1280, 760)
        window.choose(kind="crosstab", labels="stance", by="outlet")
        window.show()
        if not window.wait():
            print("the table did not finish", file=sys.stderr)
            return 1
        for _ in range(5):
            app.processEvents()
        window.canvas.draw()
        OUT.mkdir(parents=True, exist_ok=True)
        target = OUT / "tables-window.png"
        window.grab().save(str(target))
        print(f"wrote {target}")
        window.close()
        project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Screenshots of the secondary windows (compare view, codebook editor, agreement window).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_screenshots_secondary.py
Writes docs/screenshots/{compare-view,codebook-editor,agreement-window}.png from a temporary
project filled with the bundled sample corpus (nothing in the user's home is touched).
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

    from desk_annotator.gui.agreement_window import AgreementWindow
    from desk_annotator.gui.bridge import ProjectBridge
    from desk_annotator.gui.codebook_editor import CodebookEditorDialog
    from desk_annotator.gui.compare_view import CompareWindow
    from desk_annotator.gui.theme import apply_theme
    from desk_annotator.project import Project
    from desk_annotator.sample import fill_from_sample

    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app, "light")
    project = Project(tmp / "sample.sqlite")
    fill_from_sample(project)
    bridge = ProjectBridge(project)
    OUT.mkdir(parents=True, exist_ok=True)

    def shoot(widget, name: str) -> None:
        widget.show()
        for _ in range(5):
            app.processEvents()
        path = OUT / name
        widget.grab().save(str(path))
        print(f"wrote {path.relative_to(ROOT)}")

    # The article whose coders used the most different stances makes the most telling picture.
    def stance_variety(doc_id: str) -> int:
        return len({a.stance_id for a in project.q.annotations(doc_id) if a.stance_id})

    doc_id = max((d.id for d in project.q.document_infos()), key=stance_variety)
    compare = CompareWindow(project, bridge, doc_id, "coder-1", "coder-2")
    compare.resize(1400, 820)
    compare.show()
    app.processEvents()
    compare.step(1)
    compare.step(1)
    shoot(compare, "compare-view.png")

    editor = CodebookEditorDialog(project)
    editor.resize(860, 560)
    editor.tabs.setCurrentIndex(1)
    editor.lists["themes"].setCurrentRow(1)
    shoot(editor, "codebook-editor.png")

    agreement = AgreementWindow(project, bridge, lambda *args: None)
    agreement.resize(1100, 820)
    shoot(agreement, "agreement-window.png")
    project.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Screenshots of the windows added for the team workflow (issue 11).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_screenshots_team.py
Writes docs/screenshots/{dashboard,preferences-shortcuts,preferences-appearance,export-dialog,
document-details,import-preview,corpus-search}.png from a temporary project filled with the
bundled sample corpus (DESK_ANNOTATOR_HOME is a temporary folder: nothing in the user's home is
touched). The dashboard shows an assignment to the three sample coders with 20% overlap; the
import preview reads a small dataset written to the temporary folder whose labels the codebook
lacks.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"

NEW_TEXT = ("Farmers in the delta asked the ministry for water rights before the new data "
            "centres draw on the river; officials promised a review of the cooling permits.")


def write_import_dataset(folder: Path, present_title: str, present_text: str) -> Path:
    """A dataset JSONL with one article the project has and one it lacks, coded by a new
    coder with a stance and themes the sample codebook does not have."""

    def ann(text: str, word: str, coder: str, stance: str | None, themes: list[str]) -> dict:
        start = text.index(word)
        return {"start": start, "end": start + len(word), "quote": word, "coder": coder,
                "stance": stance, "themes": themes, "note": None}

    first_words = present_text.split()[0]
    records = [
        {"title": present_title, "text": present_text, "metadata": {},
         "status": {"coder-4": "done"},
         "annotations": [ann(present_text, first_words, "coder-4", "critical", [])]},
        {"title": "Delta farmers and the data centres", "text": NEW_TEXT,
         "metadata": {"outlet": "River Post", "date": "2025-08-02"},
         "status": {"coder-4": "doing"},
         "annotations": [ann(NEW_TEXT, "water rights", "coder-4", "alarmed",
                             ["water and climate", "rural livelihoods"]),
                         ann(NEW_TEXT, "cooling permits", "coder-4", "neutral",
                             ["energy and infrastructure"])]},
    ]
    path = folder / "coder-4-batch.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n",
                    "utf-8")
    return path


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="desk-shots-"))
    os.environ["DESK_ANNOTATOR_HOME"] = str(tmp / "home")

    from PySide6.QtWidgets import QApplication

    from desk_annotator.assignments import assign
    from desk_annotator.gui.dashboard import DashboardWindow
    from desk_annotator.gui.document_dialog import DocumentDialog
    from desk_annotator.gui.export_dialog import ExportDialog
    from desk_annotator.gui.import_options import ImportPreviewDialog
    from desk_annotator.gui.main_window import MainWindow
    from desk_annotator.gui.preferences import PreferencesDialog
    from desk_annotator.gui.search_dialog import CorpusSearchDialog
    from desk_annotator.gui.theme import apply_theme
    from desk_annotator.import_files import read_inputs
    from desk_annotator.project import Project
    from desk_annotator.sample import fill_from_sample
    from desk_annotator.text_match import MatchOptions

    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app, "light")
    project = Project(tmp / "sample.sqlite")
    fill_from_sample(project)
    coders = [c.name for c in project.q.coders()]
    assign(project, coders, 0.2, 1)
    win = MainWindow(project, coder_name=coders[0])
    win.resize(1400, 900)
    OUT.mkdir(parents=True, exist_ok=True)

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    def shoot(widget, name: str) -> None:
        widget.show()
        settle()
        path = OUT / name
        widget.grab().save(str(path))
        print(f"wrote {path.relative_to(ROOT)}")

    dash = DashboardWindow(win)
    table = dash.table
    columns = sum(table.columnWidth(c) for c in range(table.columnCount()))
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    # Wide and tall enough that every column and row shows without scroll bars.
    dash.resize(columns + 2 * table.frameWidth() + 40,
                rows + table.horizontalHeader().height() + 110)
    shoot(dash, "dashboard.png")
    dash.close()

    prefs = PreferencesDialog(win)
    prefs.resize(660, 600)
    shoot(prefs, "preferences-shortcuts.png")
    prefs.tabs.setCurrentIndex(1)
    prefs.resize(prefs.width(), 260)  # four rows: the shortcuts tab's height leaves it empty
    shoot(prefs, "preferences-appearance.png")
    prefs.close()

    infos = project.q.document_infos()
    export = ExportDialog(win, coder_names=coders, selected_ids=[infos[0].id],
                          filtered_ids=[i.id for i in infos], total_documents=len(infos),
                          folder="/home/analyst/study", base_name="sample-export")
    shoot(export, "export-dialog.png")
    export.close()

    details = DocumentDialog(infos[0], win)
    details.resize(720, details.height())  # the whole title shows
    shoot(details, "document-details.png")
    details.close()

    present = project.q.document(infos[0].id)
    dataset = write_import_dataset(tmp, present.title, present.text)
    read = read_inputs([dataset])
    preview = ImportPreviewDialog(project, read, True, win)
    preview.resize(640, 330)
    shoot(preview, "import-preview.png")
    preview.close()

    search = CorpusSearchDialog(project, lambda *args: None, win.coder_id(), win)
    search.resize(1000, 420)
    search.show()  # rows fit their wrapped text at the shown width, as when a user searches
    settle()
    search.search("China’s", options=MatchOptions(fold_quotes=True))
    shoot(search, "corpus-search.png")
    search.close()

    win.close()
    project.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

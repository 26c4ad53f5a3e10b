"""Team workflow in the File menu: merge coders' projects back, export one coder's package.

Both go through desk_annotator.project_io (the CLI's code path). The ``ask_*`` functions show
native dialogs; ``merge_files`` and ``export_package`` take plain paths so tests call them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog

from ..errors import DeskAnnotatorError
from ..models import GOLD_CODER, ImportReport, is_model_coder
from .file_actions import PROJECT_FILTER, pick_open_paths, pick_save_path, summarise

if TYPE_CHECKING:
    from .main_window import MainWindow



def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def merge_files(win: MainWindow, paths: list[str]) -> ImportReport | None:
    """Merge coders' project files into the open project and summarise what came in.

    Each file is one undoable operation; a file whose codebook conflicts is refused whole
    (the message names the conflicting labels) and nothing after it is merged."""
    from ..project_io import merge_projects

    if any(_same_file(p, win.project.path) for p in paths):
        win.inform("Merge refused", "This is the open project itself; choose the coders' "
                   "project files.", warning=True)
        return None
    merged = ImportReport()
    for n, path in enumerate(paths):
        try:
            merged = merged.merge(merge_projects(win.project, [path]))
        except (DeskAnnotatorError, OSError) as exc:
            done = ("" if n == 0 else
                    f"\n\nMerged before this file ({n}):\n" + summarise(merged))
            win.inform("Merge refused", str(exc) + done, warning=True)
            return None
    win.inform("Merge finished", f"{len(paths)} project file(s) merged.\n\n" + summarise(merged))
    return merged


def export_package(win: MainWindow, path: str, coder_name: str) -> ImportReport | None:
    """Write a new project file with the corpus, the codebook and ``coder_name``'s work."""
    from ..project_io import export_coder_package

    if not path.endswith(".sqlite"):
        path += ".sqlite"
    try:
        report = export_coder_package(win.project, path, coder_name)
    except (DeskAnnotatorError, OSError) as exc:
        win.inform("Coder package not written", str(exc), warning=True)
        return None
    win.inform("Coder package written",
               f"{path}\n\nFor {coder_name}: {report.documents_added} document(s), "
               f"{report.annotations_added} annotation(s). Send the file to the coder; merge it "
               "back with File → Merge coders' projects….")
    return report


# -- the native dialogs ------------------------------------------------------------------------

def ask_merge(win: MainWindow) -> None:
    paths = pick_open_paths(win, "Merge coders' projects", PROJECT_FILTER, many=True)
    if paths:
        merge_files(win, paths)


def ask_export_package(win: MainWindow) -> None:
    names = [c.name for c in win.project.coders()
             if c.name != GOLD_CODER and not is_model_coder(c.name)]
    if not names:
        win.inform("No coders", "Add a coder first (Coder → Switch coder…).", warning=True)
        return
    current = names.index(win.coder.name) if win.coder and win.coder.name in names else 0
    name, ok = QInputDialog.getItem(win, "Export coder package", "Package for coder:", names,
                                    current, False)
    if not ok or not name:
        return
    path = pick_save_path(win, f"Coder package for {name}", PROJECT_FILTER, f"{name}.sqlite")
    if path:
        export_package(win, path, name)

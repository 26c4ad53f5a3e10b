"""The Analysis menu: from coded passages to findings (tables, retrieval, reports).

Each entry opens a window of its own module; the statistics behind it live in
``desk_annotator.analysis`` (headless, shared with the CLI). Entries are added here, one line
each, so the main window does not grow with every analysis window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenuBar

if TYPE_CHECKING:
    from .main_window import MainWindow


# Each window's module is imported when it is first opened, not with the menu: they load
# matplotlib and numpy, seconds of a cold start-up that the first screen does not need. (Plain
# import statements, so the bundle's analysis still finds them.)
def _open_retrieve(win: MainWindow) -> None:
    from . import retrieve_window
    retrieve_window.open_retrieve_window(win)


def _open_concordance(win: MainWindow) -> None:
    from . import concordance_window
    concordance_window.open_concordance_window(win)


def _open_tables(win: MainWindow) -> None:
    from . import tables_window
    tables_window.open_tables_window(win)


def _open_findings(win: MainWindow) -> None:
    from . import findings_dialog
    findings_dialog.open_findings_report(win)


def build_analysis_menu(win: MainWindow, bar: QMenuBar, actions: dict[str, QAction]) -> None:
    from .menus import _action

    menu = bar.addMenu("&Analysis")
    win.analysis_menu = menu
    # Entries: actions["key"] = _action(win, menu, "Text…", lambda: module.open_x(win), tip=...)
    actions["retrieve"] = _action(win, menu, "&Retrieve coded segments…",
                                  lambda: _open_retrieve(win),
                                  tip="Coded passages with context; export DOCX/XLSX/CSV")
    actions["concordance"] = _action(win, menu, "&Concordance and word frequencies…",
                                     lambda: _open_concordance(win),
                                     tip="Keyword in context; word frequencies per set")
    from . import corpus_sets

    corpus_sets.install(win)  # the document list's set filter
    from . import corpus_variables

    corpus_variables.install(win)  # the document list's variable columns and filter terms
    actions["set_from_filter"] = _action(win, menu, "New document &set from the list's filter…",
                                         lambda: corpus_sets.make_set_from_filter(win),
                                         tip="A document set of the documents the list shows")
    actions["tables"] = _action(win, menu, "&Tables and charts…",
                                lambda: _open_tables(win),
                                tip="Frequencies, crosstabs, co-occurrence, timeline; charts")
    actions["findings"] = _action(win, menu, "&Findings report…",
                                  lambda: _open_findings(win),
                                  tip="One HTML file of the tables, charts and agreement")

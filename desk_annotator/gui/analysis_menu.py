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


def build_analysis_menu(win: MainWindow, bar: QMenuBar, actions: dict[str, QAction]) -> None:
    from .menus import _action

    menu = bar.addMenu("&Analysis")
    win.analysis_menu = menu
    # Entries: actions["key"] = _action(win, menu, "Text…", lambda: module.open_x(win), tip=...)
    from . import concordance_window, retrieve_window

    actions["retrieve"] = _action(win, menu, "&Retrieve coded segments…",
                                  lambda: retrieve_window.open_retrieve_window(win),
                                  tip="Coded passages with context; export DOCX/XLSX/CSV")
    actions["concordance"] = _action(win, menu, "&Concordance and word frequencies…",
                                     lambda: concordance_window.open_concordance_window(win),
                                     tip="Keyword in context; word frequencies per set")
    from . import corpus_sets

    corpus_sets.install(win)  # the document list's set filter
    actions["set_from_filter"] = _action(win, menu, "New document &set from the list's filter…",
                                         lambda: corpus_sets.make_set_from_filter(win),
                                         tip="A document set of the documents the list shows")
    def open_tables() -> None:
        # Imported when first opened: it loads matplotlib, seconds of a cold start-up.
        from . import tables_window

        tables_window.open_tables_window(win)

    actions["tables"] = _action(win, menu, "&Tables and charts…", open_tables,
                                tip="Frequencies, crosstabs, co-occurrence, timeline; charts")
    from . import findings_dialog

    actions["findings"] = _action(win, menu, "&Findings report…",
                                  lambda: findings_dialog.open_findings_report(win),
                                  tip="One HTML file of the tables, charts and agreement")

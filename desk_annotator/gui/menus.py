"""Menus of the workbench. Every action lives in a menu with its shortcut shown, so the
keyboard workflow can be discovered from the menu bar. Default keys come from
desk_annotator.keymap (user overrides from Edit → Preferences are applied on top)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from ..models import Label, is_model_coder
from . import article_coding_bar, file_actions, preferences
from .analysis_menu import build_analysis_menu
from .plain import menu_text
from .suggestion_layer import build_suggestions_menu

if TYPE_CHECKING:
    from .main_window import MainWindow


def _later(module: str, function: str, *args: object) -> Callable[[], object]:
    """A menu's command in a window module imported when first used, not at start-up (the
    windows behind the menus are most of the GUI's modules)."""
    def run() -> object:
        from importlib import import_module

        return getattr(import_module(f"{__package__}.{module}"), function)(*args)
    return run

HELP_ROWS = (  # (action names, what they do); the keys shown are the current ones
    (("delete",), "delete the current annotation"),
    (("note",), "edit the note of the current annotation"),
    (("bounds",), "set the current annotation's boundaries to the selection"),
    (("start_left", "start_right"), "move the START of the current annotation one word"),
    (("end_left", "end_right"), "move the END of the current annotation one word"),
    (("done",), "mark the document done"),
    (("next_doc", "prev_doc"), "next / previous document"),
    (("undo", "redo"), "undo / redo your own latest action (also across restarts)"),
    (("history",), "history: undo or redo any action by name (imports, codebook edits, merges)"),
    (("find",), ("find in the document (Enter / Shift+Enter: next / previous, Esc: back to "
                 "the text with the match selected, ready for a label key)")),
    (("find_next", "find_previous"), "next / previous match"),
    (("find_doc",), "filter the document list"),
    (("search",), "search the whole corpus"),
    (("preferences",), "preferences: shortcuts, palette, underline styles, font size"),
    (("suggestion_accept", "suggestion_reject", "suggestion_next", "suggestion_prev"),
     "suggestions (dashed outlines): accept as yours / reject / next / previous"),
)


def shortcut_help(actions: dict[str, QAction]) -> str:
    """The Help → Keyboard shortcuts table, with the keys as they are now."""
    def keys(names: tuple[str, ...]) -> str:
        shown = [actions[n].shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                 for n in names if n in actions]
        return " / ".join(k or "(none)" for k in shown)

    rows = [("<tr><td><b>digits</b></td><td>stance of the selection / current annotation "
             "(see Codebook)</td></tr>"),
            ("<tr><td><b>letters</b></td><td>toggle a theme on the selection / current "
             "annotation</td></tr>")]
    rows += [f"<tr><td><b>{keys(names)}</b></td><td>{what}</td></tr>"
             for names, what in HELP_ROWS]
    rows += article_coding_bar.help_rows(actions)  # one per label with a key
    return ("<h3>Keyboard</h3><table cellspacing=4>" + "".join(rows) + "</table>"
            "<p>A click inside a highlight makes it the current annotation (outlined). "
            "Edit → Preferences… changes any key.</p>")


def _action(win: MainWindow, menu: QMenu, text: str, slot: Callable[[], object],
            shortcut: str | QKeySequence | None = None, *, checkable: bool = False,
            tip: str = "") -> QAction:
    action = QAction(text, win)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setCheckable(checkable)
    if tip:
        action.setStatusTip(tip)
    if checkable:
        action.toggled.connect(slot)
    else:
        action.triggered.connect(lambda _checked=False: slot())
    menu.addAction(action)
    return action


def build_menus(win: MainWindow) -> dict[str, QAction]:
    bar = win.menuBar()
    a: dict[str, QAction] = {}

    file_menu = bar.addMenu("&File")
    a["import"] = _action(win, file_menu, "&Import files…", lambda: file_actions.ask_import(win),
                          tip="Articles (txt, md, html, docx, pdf) or datasets")
    a["import_options"] = _action(win, file_menu, "Import with &options…",
                                  lambda: file_actions.ask_import_with_options(win),
                                  tip="Stance labels, offset unit and encoding of other tools' "
                                      "files")
    a["export"] = _action(win, file_menu, "&Export…", lambda: file_actions.ask_export(win),
                          tip="jsonl, csv, qdpx, spaCy, or a folder for brat")
    a["export_qdpx_utf16"] = _action(
        win, file_menu, "Export for &QualCoder / NVivo…",
        lambda: file_actions.ask_export_qdpx_utf16(win),
        tip="REFI-QDA .qdpx with positions in UTF-16 units, as QualCoder and NVivo count them")
    a["print_document"] = _action(win, file_menu, "&Print coded document…",
                                  _later("print_document", "ask_print", win),
                                  tip="The open document with highlights, legend and notes")
    a["export_document_pdf"] = _action(win, file_menu, "Export coded document as P&DF…",
                                       _later("print_document", "ask_export_pdf", win),
                                       tip="The open document with highlights, legend and "
                                           "notes as footnotes, as a PDF")
    file_menu.addSeparator()
    a["import_codebook"] = _action(win, file_menu, "Import &codebook…",
                                   lambda: file_actions.ask_import_codebook(win))
    a["export_codebook"] = _action(win, file_menu, "Export c&odebook…",
                                   lambda: file_actions.ask_export_codebook(win))
    file_menu.addSeparator()
    a["merge_projects"] = _action(win, file_menu, "&Merge coders' projects…",
                                  _later("team_actions", "ask_merge", win),
                                  tip="Bring coders' project files back into this project")
    a["export_package"] = _action(win, file_menu, "Export coder &package…",
                                  _later("team_actions", "ask_export_package", win),
                                  tip="A project file with the corpus, codebook and one coder")
    file_menu.addSeparator()
    a["new_project"] = _action(win, file_menu, "&New project…",
                               lambda: file_actions.ask_new_project(win))
    a["open_project"] = _action(win, file_menu, "&Open project…",
                                lambda: file_actions.ask_open_project(win))
    win.recent_menu = file_menu.addMenu("Open &recent")
    win.recent_menu.aboutToShow.connect(lambda: fill_recent_menu(win))
    file_menu.addSeparator()
    a["quit"] = _action(win, file_menu, "&Quit", win.close)

    edit = bar.addMenu("&Edit")
    a["undo"] = _action(win, edit, "Undo", win.undo)
    a["redo"] = _action(win, edit, "Redo", win.redo)
    a["history"] = _action(win, edit, "&History…", win.open_history,
                           tip="Every action, by whom; undo or redo one by name")
    a["variables"] = _action(win, edit, "Document &variables…",
                             _later("variables_window", "open_variables_window", win),
                             tip="Every document's variables as a table: edit, import, export")
    a["memos"] = _action(win, edit, "&Memos…", _later("memos_window", "open_memos_window", win),
                         tip="Project, document and label memos: read, write, search")
    edit.addSeparator()
    a["search"] = _action(win, edit, "&Find in corpus…", win.open_search)
    a["find_doc"] = _action(win, edit, "Filter &document list", win.corpus.search.setFocus)
    edit.addSeparator()
    a["find"] = _action(win, edit, "&Find in document…", win.find_bar.open_bar)
    a["find_next"] = _action(win, edit, "Find &next", lambda: win.find_bar.find_again(1))
    a["find_previous"] = _action(win, edit, "Find pre&vious",
                                 lambda: win.find_bar.find_again(-1))
    edit.addSeparator()
    a["preferences"] = _action(win, edit, "&Preferences…",
                               lambda: preferences.open_preferences(win),
                               tip="Shortcuts, label palette, underline styles, font size")

    code = bar.addMenu("&Code")
    win.tag_menu = code.addMenu("&Tag selection as")
    a["delete"] = _action(win, code, "&Delete annotation", win.coding.delete_current)
    a["note"] = _action(win, code, "Edit &note…", win.edit_note_dialog)
    code.addSeparator()
    a["bounds"] = _action(win, code, "Set &boundaries to selection",
                          win.coding.boundaries_to_selection)
    a["end_right"] = _action(win, code, "Extend end →",
                             lambda: win.coding.move_boundary("end", 1))
    a["end_left"] = _action(win, code, "Shrink end ←",
                            lambda: win.coding.move_boundary("end", -1))
    a["start_left"] = _action(win, code, "Extend start ←",
                              lambda: win.coding.move_boundary("start", -1))
    a["start_right"] = _action(win, code, "Shrink start →",
                               lambda: win.coding.move_boundary("start", 1))

    doc = bar.addMenu("&Document")
    a["done"] = _action(win, doc, "Mark &done", lambda: win.coding.set_status("done"))
    a["doing"] = _action(win, doc, "Mark d&oing", lambda: win.coding.set_status("doing"))
    a["todo"] = _action(win, doc, "Mark &to do", lambda: win.coding.set_status("todo"))
    doc.addSeparator()
    a["next_doc"] = _action(win, doc, "&Next document", lambda: win.step_document(1))
    a["prev_doc"] = _action(win, doc, "&Previous document", lambda: win.step_document(-1))
    doc.addSeparator()
    a["document_memo"] = _action(win, doc, "Document &memo…",
                                 _later("memos_window", "open_document_memo", win),
                                 tip="Your memo on the open document")
    win.corpus.memoRequested.connect(
        lambda doc_id: _later("memos_window", "open_document_memo", win, doc_id)())

    view = bar.addMenu("&View")
    a["show_all"] = _action(win, view, "Show &all coders", win.set_show_all_coders,
                            checkable=True,
                            tip="Off = blind mode: only your own annotations are shown")
    a["show_all"].setChecked(win.show_all_coders)
    a["snap"] = _action(win, view, "&Snap selection to words", win.set_snap_to_words,
                        checkable=True)
    a["snap"].setChecked(win.coding.snap_to_words)
    view.addSeparator()
    themes = QActionGroup(win)
    a["theme_light"] = _action(win, view, "&Light theme", lambda on: on and win.set_theme("light"),
                               checkable=True)
    a["theme_dark"] = _action(win, view, "Dar&k theme", lambda on: on and win.set_theme("dark"),
                              checkable=True)
    for key in ("theme_light", "theme_dark"):
        themes.addAction(a[key])
    view.addSeparator()
    for dock in win.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    a["compare"] = _action(win, view, "&Compare coders…", win.open_compare)
    a["agreement"] = _action(win, view, "A&greement…", win.open_agreement)
    a["codebook_editor"] = _action(win, view, "Edit code&book…", win.open_codebook_editor)

    build_analysis_menu(win, bar, a)
    build_suggestions_menu(win, bar, a)
    team = bar.addMenu("&Team")
    a["dashboard"] = _action(win, team, "&Dashboard…", _later("dashboard", "open_dashboard", win),
                             tip="Documents × coders: assignments, status, progress")
    win.coder_menu = bar.addMenu("Code&r")
    help_menu = bar.addMenu("&Help")
    a["shortcuts"] = _action(win, help_menu, "&Keyboard shortcuts",
                             lambda: win.inform("Keyboard shortcuts", shortcut_help(a), rich=True))
    preferences.apply_at_start(win, a)  # the user's keys, font size and underline styles
    return a


def fill_tag_menu(win: MainWindow, labels: list[Label]) -> None:
    """One entry per label, its key shown in the shortcut column (handled by the reading
    view, so single keys never fire while typing in a search box)."""
    win.tag_menu.clear()
    for scheme in ("stance", "themes"):
        for label in sorted((lb for lb in labels if lb.scheme == scheme), key=lambda lb: lb.order):
            text = menu_text(label.name) + (f"\t{label.key}" if label.key else "")
            action = win.tag_menu.addAction(text)
            action.triggered.connect(lambda _c=False, lid=label.id: win.coding.apply_label(lid))
        if scheme == "stance":
            win.tag_menu.addSeparator()


def fill_coder_menu(win: MainWindow) -> None:
    menu = win.coder_menu
    menu.clear()
    menu.addAction("&Switch coder…", win.ask_coder)
    menu.addSeparator()
    group = QActionGroup(menu)
    for coder in win.project.coders():
        if is_model_coder(coder.name):
            continue  # a model's suggestions are resolved, never coded as that coder
        action = menu.addAction(menu_text(coder.name))
        action.setCheckable(True)
        action.setChecked(win.coder is not None and coder.id == win.coder.id)
        action.triggered.connect(lambda _c=False, name=coder.name: win.switch_coder(name))
        group.addAction(action)


def fill_recent_menu(win: MainWindow) -> None:
    win.recent_menu.clear()
    recent = win.settings.recent_projects()
    if not recent:
        win.recent_menu.addAction("(none yet)").setEnabled(False)
    for path in recent:
        win.recent_menu.addAction(menu_text(path), lambda p=path: file_actions.open_project_path(win, p))


def fill_context_menu(win: MainWindow, menu: QMenu) -> None:
    """Right-click in the text: tag, edit or delete right where the user is."""
    tag = menu.addMenu("Tag as")
    for action in win.tag_menu.actions():
        tag.addAction(action)
    if win.coding.current_own() is not None:
        menu.addAction(win.actions_by_name["note"])
        menu.addAction(win.actions_by_name["bounds"])
        menu.addAction(win.actions_by_name["delete"])

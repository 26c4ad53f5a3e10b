"""Custom document variables in the document list: optional columns and filter terms.

A right-click on the list's header offers the project's custom variables, each checkable; a
checked one becomes a column with each document's value. The choice is remembered per project
(by name, in settings.json). Values are read only for the columns shown, one query per
variable (variables.values_by_document), so a project showing none reads nothing extra at
start-up. The search box's ``name:value`` terms (gui/corpus_list.py, variable_filter.py) get
their variables and values from here too. Both follow the change notification: a value set,
a variable renamed or deleted, anywhere (the variables table, the CLI, undo).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from ..project import Changed
from ..variables import Variable, all_variables, custom_variables, values_by_document

WATCHED = {"variables", "document_variables", "documents"}
SETTINGS_KEY = "list_variable_columns"


class VariableColumns:
    """The variable columns of one window's document list."""

    def __init__(self, win: Any) -> None:
        self.win = win
        self.shown: list[Variable] = []  # in column order; followed by id through renames
        proxy = win.corpus.proxy
        proxy.variables_source = lambda: all_variables(win.project)
        proxy.values_source = lambda var: values_by_document(win.project, var)
        header = win.corpus.table.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_menu)
        win.bridge.changed.connect(self._on_changed)
        remembered = win.settings.project_value(win.project_key, SETTINGS_KEY) or []
        if remembered:  # nothing is read when no column was chosen
            by_name = {v.name: v for v in custom_variables(win.project)}
            self._show([by_name[n] for n in remembered if isinstance(n, str) and n in by_name],
                       remember=False)

    def shown_names(self) -> list[str]:
        return [v.name for v in self.shown]

    def menu(self) -> QMenu:
        """The header's menu: every custom variable, checked when shown."""
        menu = QMenu(self.win.corpus)
        variables = custom_variables(self.win.project)
        if not variables:
            none = menu.addAction("No custom variables (Analysis → Variables…)")
            none.setEnabled(False)
        shown_ids = {v.id for v in self.shown}
        for var in variables:
            action = menu.addAction(f"{var.name} ({var.type})")
            action.setCheckable(True)
            action.setChecked(var.id in shown_ids)
            action.toggled.connect(lambda on, v=var: self.toggle(v.name, on))
        if self.shown:
            menu.addSeparator()
            menu.addAction("Hide the variable columns").triggered.connect(
                lambda: self._show([]))
        return menu

    def _show_menu(self, pos: Any) -> None:
        menu = self.menu()
        menu.exec(self.win.corpus.table.horizontalHeader().mapToGlobal(pos))
        menu.deleteLater()

    def toggle(self, name: str, on: bool) -> None:
        """Show (on) or hide the column of the custom variable called ``name``."""
        variables = custom_variables(self.win.project)
        wanted = {v.name for v in self.shown} - {name} | ({name} if on else set())
        self._show([v for v in variables if v.name in wanted])

    def _show(self, variables: list[Variable], remember: bool = True) -> None:
        self.shown = list(variables)
        corpus = self.win.corpus
        corpus.model.set_variable_columns(
            self.shown_names(), [values_by_document(self.win.project, v) for v in self.shown])
        corpus.select_document(self.win.view.document_id)
        if remember:
            self.win.settings.set_project_value(self.win.project_key, SETTINGS_KEY,
                                                self.shown_names())

    def _on_changed(self, changed: Changed) -> None:
        if not (changed.everything or changed.tables & WATCHED):
            return
        if self.shown:
            by_id = {v.id: v for v in custom_variables(self.win.project)}
            now = [by_id[v.id] for v in self.shown if v.id in by_id]
            if now != self.shown:  # renamed, redefined or deleted: the columns change
                self._show(now)
            else:
                self.win.corpus.model.update_variable_values(
                    [values_by_document(self.win.project, v) for v in self.shown])
        self.win.corpus.search_again()


def install(win: Any) -> VariableColumns:
    win.corpus_variables = VariableColumns(win)
    return win.corpus_variables

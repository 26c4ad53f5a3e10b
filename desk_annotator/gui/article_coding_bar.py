"""The article coding bar: the current coder's stance and themes for the open document as a
whole, as a compact row of chips in the reading view's header.

A stance chip is one of a group (a click on the chosen one takes the stance away); the
article's themes show as chips (a click takes the theme off) beside a "+ Theme" menu of every
theme. "Note…" edits the article note. Each click is one undoable op of
:mod:`ops_document_coding`, run as the current coder (Ctrl+Z undoes it).

Keyboard: every label with a shortcut key gets a window action "Article: <label>" on
Alt + its key, or Alt+Shift + its key where Alt + key is already taken (a menu's letter such as
Alt+D for Document, another action's key, or one the desktop keeps). They sit in Code → Code
the article, in Help → Keyboard shortcuts and in Edit → Preferences (named ``article_<label
id>``, so a changed key survives renaming the label).

The bar refreshes from the one change notification (gui/bridge.py) when article codings,
labels or coders change, and follows the window's open document and coder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from .. import keymap
from ..document_coding import DocumentCoding, document_coding
from ..errors import DeskAnnotatorError
from ..models import GOLD_CODER, Label
from ..ops import Op
from ..ops_document_coding import (
    SetDocumentNote,
    SetDocumentStance,
    ToggleDocumentTheme,
)
from ..project import Changed
from . import preferences
from .plain import escape, menu_text, plain_label, safe_color, tooltip_text

if TYPE_CHECKING:
    from .main_window import MainWindow

TABLES = {"document_codings", "document_coding_themes", "labels", "coders", "documents"}
ACTION_PREFIX = "article_"
CHIP_CHARS = 32  # a longer label name is cut on its chip (the tooltip has it whole)
_MNEMONIC = re.compile(r"&([^&])")


def _chip_style(color: str) -> str:
    c = safe_color(color)
    return (f"QToolButton {{ border: 1px solid {c}; border-radius: 9px; padding: 1px 8px; }}"
            f"QToolButton:checked {{ background: {c}; color: white; }}")


class ArticleCodingBar(QWidget):
    def __init__(self, win: MainWindow) -> None:
        super().__init__(win.header)
        self.setObjectName("articleCodingBar")
        # Many or long labels must never widen the centre and squeeze the side panels.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.win = win
        self.document_id: str | None = None
        self.coder_id: str | None = None
        self.labels: list[Label] = []
        self.coding: DocumentCoding | None = None
        self.stance_buttons: dict[str, QToolButton] = {}
        self.theme_buttons: dict[str, QToolButton] = {}
        self.key_actions: dict[str, QAction] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 6, 0, 0)
        row.setSpacing(4)
        # Children made with their parent: one moved under it once built is styled again.
        self.caption = plain_label("", self)
        self.caption.setText("Article:")
        row.addWidget(self.caption)
        self.stance_row = QHBoxLayout()
        self.stance_row.setSpacing(3)
        row.addLayout(self.stance_row)
        row.addSpacing(10)
        self.theme_row = QHBoxLayout()
        self.theme_row.setSpacing(3)
        row.addLayout(self.theme_row)
        self.add_theme = QToolButton(self)
        self.add_theme.setText("+ Theme")
        self.add_theme.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.theme_menu = QMenu(self.add_theme)
        self.add_theme.setMenu(self.theme_menu)
        row.addWidget(self.add_theme)
        self.note_button = QToolButton(self)
        self.note_button.setText("Note…")
        self.note_button.clicked.connect(self.edit_note)
        row.addWidget(self.note_button)
        row.addStretch(1)

    # -- following the window ------------------------------------------------------------
    def follow(self, document_id: str | None, coder_id: str | None) -> None:
        """The window's open document and coder; reloads only when one of them changed."""
        if (document_id, coder_id) != (self.document_id, self.coder_id):
            self.document_id, self.coder_id = document_id, coder_id
            self.refresh()

    def on_changed(self, changed: Changed) -> None:
        if not (changed.everything or changed.tables & TABLES):
            return
        if changed.everything or "labels" in changed.tables:
            self.set_labels(self.win.project.q.labels())
        else:
            self.refresh()

    def set_labels(self, labels: list[Label]) -> None:
        self.labels = sorted(labels, key=lambda lb: (lb.scheme != "stance", lb.order, lb.name))
        install_key_actions(self.win, self)  # first: the chips' tooltips name the keys
        for button in self.stance_buttons.values():
            button.deleteLater()
        self.stance_buttons = {}
        for label in (lb for lb in self.labels if lb.scheme == "stance"):
            button = self._chip(label)
            button.clicked.connect(lambda _c=False, lid=label.id: self.choose_stance(lid))
            self.stance_row.addWidget(button)
            self.stance_buttons[label.id] = button
        self.theme_menu.clear()
        for label in (lb for lb in self.labels if lb.scheme == "themes"):
            action = self.theme_menu.addAction(menu_text(label.name))
            action.setCheckable(True)
            action.setData(label.id)
            action.triggered.connect(lambda _c=False, lid=label.id: self.toggle_theme(lid))
        self.refresh()

    def refresh(self) -> None:
        usable = (self.document_id is not None and self.coder_id is not None
                  and not self.win.project.read_only)
        self.coding = (document_coding(self.win.project, self.document_id, self.coder_id)
                       if self.document_id and self.coder_id else None)
        stance = self.coding.stance_id if self.coding else None
        themes = list(self.coding.theme_ids) if self.coding else []
        for label_id, button in self.stance_buttons.items():
            button.setChecked(label_id == stance)
            button.setEnabled(usable)
        for button in self.theme_buttons.values():
            button.deleteLater()
        self.theme_buttons = {}
        by_id = {lb.id: lb for lb in self.labels}
        for label_id in themes:
            if label_id in by_id:
                button = self._chip(by_id[label_id], removable=True)
                button.setChecked(True)
                button.setEnabled(usable)
                button.clicked.connect(lambda _c=False, lid=label_id: self.toggle_theme(lid))
                self.theme_row.addWidget(button)
                self.theme_buttons[label_id] = button
        for action in self.theme_menu.actions():
            action.setChecked(action.data() in themes)
        self.add_theme.setEnabled(usable)
        self.note_button.setEnabled(usable)
        note = self.coding.note if self.coding else None
        self.note_button.setText("Note ✎" if note else "Note…")
        self.note_button.setToolTip(tooltip_text(note) or "A note on the article coding")
        self.caption.setToolTip("" if self.coder_id else "Choose a coder to code the article")
        for action in self.key_actions.values():
            action.setEnabled(usable)

    def _chip(self, label: Label, *, removable: bool = False) -> QToolButton:
        button = QToolButton(self)
        name = label.name if len(label.name) <= CHIP_CHARS else label.name[:CHIP_CHARS - 1] + "…"
        button.setText(menu_text(name) + (" ×" if removable else ""))
        button.setCheckable(True)
        button.setStyleSheet(_chip_style(label.color))
        action = self.key_actions.get(ACTION_PREFIX + label.id)
        key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText) if action else ""
        what = ("Remove this theme from the article" if removable else
                f"Article {'stance' if label.scheme == 'stance' else 'theme'}: {label.name}")
        button.setToolTip(tooltip_text(f"{what}{f' ({key})' if key else ''}"))
        return button

    # -- coding ----------------------------------------------------------------------------
    def _run(self, op: Op) -> Any:
        try:
            return self.win.project.run(op, self.coder_id)
        except DeskAnnotatorError as exc:
            self.win.flash(f"Not coded: {exc}")
            return None

    def _ready(self) -> bool:
        if self.coder_id is None:
            self.win.flash("Choose a coder (Coder menu) to code the article.")
        elif self.document_id is None:
            self.win.flash("Open a document to code the article.")
        return self.document_id is not None and self.coder_id is not None

    def choose_stance(self, label_id: str) -> None:
        """The article's stance; choosing the stance it has already takes it away."""
        if not self._ready():
            return
        current = self.coding.stance_id if self.coding else None
        self._run(SetDocumentStance(self.document_id, self.coder_id,  # type: ignore[arg-type]
                                    None if current == label_id else label_id))
        self.refresh()

    def toggle_theme(self, label_id: str) -> None:
        if self._ready():
            self._run(ToggleDocumentTheme(self.document_id, self.coder_id,  # type: ignore[arg-type]
                                          label_id))
            self.refresh()

    def set_note(self, text: str) -> None:
        if self._ready():
            self._run(SetDocumentNote(self.document_id, self.coder_id,  # type: ignore[arg-type]
                                      text))
            self.refresh()

    def edit_note(self) -> None:
        if not self._ready():
            return
        text, ok = QInputDialog.getMultiLineText(self, "Article note", "Note on the article "
                                                 "as a whole:", (self.coding.note if self.coding
                                                                 else None) or "")
        if ok:
            self.set_note(text)

    def code_by_label(self, label_id: str) -> None:
        label = next((lb for lb in self.labels if lb.id == label_id), None)
        if label is not None:
            (self.choose_stance if label.scheme == "stance" else self.toggle_theme)(label_id)


# -- keyboard actions ------------------------------------------------------------------------

def _taken_keys(win: MainWindow, mine: Mapping[str, QAction]) -> set[str]:
    """Keys in use elsewhere in the window: other actions' keys and the menus' Alt letters."""
    taken = {keymap.normalise(a.shortcut().toString(preferences.PORTABLE))
             for name, a in win.actions_by_name.items() if name not in mine}
    for menu_action in win.menuBar().actions():
        found = _MNEMONIC.search(menu_action.text())
        if found:
            taken.add(keymap.normalise(f"Alt+{found.group(1)}"))
    return taken - {""}


def default_key(label_key: str | None, taken: set[str]) -> str:
    """Alt + the label's key, else Alt+Shift + it, else none ("")."""
    if not label_key:
        return ""
    for mods in ("Alt", "Alt+Shift"):
        try:
            key = keymap.normalise(f"{mods}+{label_key}")
        except ValueError:
            return ""
        if key not in taken and keymap.reserved_reason(key) is None:
            return key
    return ""


def install_key_actions(win: MainWindow, bar: ArticleCodingBar) -> None:
    """(Re)build the "Article: <label>" actions for the current labels."""
    for name, action in bar.key_actions.items():
        win.actions_by_name.pop(name, None)
        keymap.RUNTIME_TITLES.pop(name, None)
        win.removeAction(action)
        action.deleteLater()
    bar.key_actions = {}
    menu = article_menu(win)
    menu.clear()
    taken = _taken_keys(win, {})
    for label in bar.labels:
        name = ACTION_PREFIX + label.id
        kind = "stance" if label.scheme == "stance" else "theme"
        action = QAction(menu_text(f"Article {kind}: {label.name}"), win)
        key = default_key(label.key, taken)
        taken.add(key)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _c=False, lid=label.id: bar.code_by_label(lid))
        win.addAction(action)
        menu.addAction(action)
        bar.key_actions[name] = action
        keymap.RUNTIME_TITLES[name] = f"Article: {label.name}"
    win.actions_by_name.update(bar.key_actions)
    keys = preferences.current_keys(win.actions_by_name, win.settings)  # the user's overrides
    for name, action in bar.key_actions.items():
        action.setShortcut(QKeySequence(keys.get(name, "")))


def article_menu(win: MainWindow) -> QMenu:
    """Code → Code the article (made on first use)."""
    existing = getattr(win, "article_menu", None)
    if isinstance(existing, QMenu):
        return existing
    code = next((a.menu() for a in win.menuBar().actions() if a.text() == "&Code"), None)
    menu = (code.addMenu("Code the &article") if isinstance(code, QMenu)
            else win.menuBar().addMenu("&Article"))
    win.article_menu = menu  # type: ignore[attr-defined]
    return menu


def help_rows(actions: Mapping[str, QAction]) -> list[str]:
    """Rows of Help → Keyboard shortcuts for the article actions that have a key."""
    rows = []
    for name, action in actions.items():
        key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if name.startswith(ACTION_PREFIX) and key:
            rows.append(f"<tr><td><b>{escape(key)}</b></td><td>{escape(keymap.title_of(name))} "
                        "(the open document as a whole)</td></tr>")
    return rows


def install(win: MainWindow) -> ArticleCodingBar:
    """Put the bar in the reading view's header and keep it in step with the project."""
    bar = ArticleCodingBar(win)
    win.header.layout().addWidget(bar)
    win.bridge.changed.connect(bar.on_changed)
    bar.set_labels(win.project.q.labels())
    return bar


# -- adjudication: the compare view's Gold bar -------------------------------------------------

def add_to_gold_bar(gold_bar: Any, row: QHBoxLayout) -> None:
    """"Article from A / B" buttons: gold's article coding of the document becomes that
    coder's (one gold decision, undone by "Undo gold")."""
    gold_bar.article_buttons = {}
    for side, index in (("A", 0), ("B", 1)):
        button = QToolButton()
        button.setText(f"Article from {side}")
        button.setToolTip(f"Gold's stance, themes and note for the document as a whole become "
                          f"coder {side}'s")
        button.clicked.connect(lambda _c=False, i=index: _accept_article(gold_bar, i))
        row.insertWidget(row.count() - 2, button)  # before the message and progress labels
        gold_bar.article_buttons[index] = button


def refresh_gold_bar(gold_bar: Any) -> None:
    w = gold_bar.window_
    for index, button in getattr(gold_bar, "article_buttons", {}).items():
        coder_id = w.coder_ids[index]
        button.setEnabled(bool(w.document_id and coder_id and not w.project.read_only
                               and document_coding(w.project, w.document_id, coder_id)))


def _accept_article(gold_bar: Any, index: int) -> None:
    from ..ops_document_coding import AcceptDocumentCoding

    w = gold_bar.window_
    coder_id = w.coder_ids[index]
    if w.document_id is None or coder_id is None:
        return
    try:
        gold = w.project.ensure_coder(GOLD_CODER)
        w.project.run(AcceptDocumentCoding(w.document_id, coder_id), gold.id)
    except DeskAnnotatorError as exc:
        gold_bar.message_label.setText(f"Not done: {exc}")
        return
    gold_bar.message_label.setText(f"Gold's article coding taken from {'AB'[index]}")

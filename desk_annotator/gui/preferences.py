"""Edit → Preferences (Ctrl+,): shortcuts of every main-window action, the label palette,
underline styles for themes and the reading view's font size.

Everything is kept in the settings file (gui/settings.py) under these keys and applied at
start-up by :func:`apply_at_start`:

- ``shortcuts``: ``{action name: key}`` overrides of desk_annotator.keymap's defaults
  ("" = no key); a key another action has, a plain typing key or one the desktop takes is
  refused with a message naming the reason (the other action, or what the desktop does);
- ``palette``: a name in desk_annotator.palettes.PALETTES, used for new labels; choosing one
  offers to recolour the existing labels (one undoable RecolorLabels step);
- ``underline_styles``: themes drawn in distinct underline styles (default on);
- ``reading_font_size``: point size of the reading view's text.

Changes apply at once (no OK button); questions go through ``confirm`` so tests answer them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .. import keymap
from ..errors import DeskAnnotatorError
from ..ops import RecolorLabels
from ..palettes import DEFAULT_PALETTE, PALETTES, recolor
from .plain import ask_yes_no, plain_label

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .settings import Settings

DEFAULT_FONT_SIZE = 12
FONT_SIZES = (8, 32)
_DEFAULT_KEY = "desk_default_key"  # action property: the key an action was built with
PORTABLE = QKeySequence.SequenceFormat.PortableText


# -- settings, without the dialog ------------------------------------------------------------

def default_keys(actions: Mapping[str, QAction]) -> dict[str, str]:
    """The keymap's defaults; an action the keymap does not list keeps the key it was built
    with (so an action added to the menus is still shown and can be changed)."""
    found = {}
    for name, action in actions.items():
        if name in keymap.DEFAULTS:
            found[name] = keymap.DEFAULTS[name]
            continue
        built = action.property(_DEFAULT_KEY)
        if not isinstance(built, str):
            built = action.shortcut().toString(PORTABLE)
            action.setProperty(_DEFAULT_KEY, built)
        found[name] = built
    return found


def key_problem(name: str, key: str, keys: Mapping[str, str]) -> str | None:
    """Why ``key`` cannot be given to action ``name`` (None = it can)."""
    try:
        key = keymap.normalise(key)
    except ValueError:
        return f"“{key}” is not a key this program understands."
    if not key:
        return None
    if keymap.typing_key(key):
        return (f"{key} alone is for typing and for the codebook's label keys; "
                "use it with Ctrl or Alt.")
    reason = keymap.reserved_reason(key)
    if reason:
        return f"{key} is taken by the desktop ({reason}); choose another key."
    owner = keymap.owner_of(key, keys, besides=name)
    if owner:
        return (f"{key} is already the shortcut of “{keymap.title_of(owner)}”; "
                "clear that one first.")
    return None


def current_keys(actions: Mapping[str, QAction], settings: Settings) -> dict[str, str]:
    """Defaults with the user's overrides; an override that the dialog would refuse (a
    hand-edited settings file) is skipped."""
    keys = keymap.effective(None, default_keys(actions))
    overrides = settings.get("shortcuts", {})
    for name, value in (overrides.items() if isinstance(overrides, dict) else ()):
        if name in keys and isinstance(value, str) and key_problem(name, value, keys) is None:
            keys[name] = keymap.normalise(value)
    return keys


def apply_shortcuts(actions: Mapping[str, QAction], settings: Settings) -> dict[str, str]:
    keys = current_keys(actions, settings)
    for name, action in actions.items():
        action.setShortcut(QKeySequence(keys.get(name, "")))
    return keys


def font_size(settings: Settings) -> int:
    value = settings.get("reading_font_size", DEFAULT_FONT_SIZE)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return DEFAULT_FONT_SIZE
    return int(min(FONT_SIZES[1], max(FONT_SIZES[0], value)))


def set_font_size(view: QWidget, size: int) -> None:
    font = QFont(view.font())
    font.setPointSizeF(float(size))
    view.setFont(font)


def palette_name(settings: Settings) -> str:
    name = settings.get("palette", DEFAULT_PALETTE)
    return name if name in PALETTES else DEFAULT_PALETTE


def apply_at_start(win: MainWindow, actions: Mapping[str, QAction]) -> None:
    """Called once the menus exist: the user's keys, underline styles and font size."""
    apply_shortcuts(actions, win.settings)
    win.view.set_underline_styles(bool(win.settings.get("underline_styles", True)))
    set_font_size(win.view, font_size(win.settings))


def open_preferences(win: MainWindow) -> PreferencesDialog:
    for existing in win.findChildren(PreferencesDialog):
        if existing.isVisible():
            existing.raise_()
            existing.activateWindow()
            return existing
    dialog = PreferencesDialog(win)
    win.keep_window(dialog)
    return dialog


# -- the dialog ------------------------------------------------------------------------------

class PreferencesDialog(QDialog):
    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.settings = win.settings
        self.actions = win.actions_by_name
        self.setWindowTitle("Preferences")
        self.resize(640, 560)
        self.confirm: Callable[[str, str], bool] = lambda t, q: ask_yes_no(self, t, q)
        self.last_error = ""
        tabs = QTabWidget()
        tabs.addTab(self._shortcuts_tab(), "Shortcuts")
        tabs.addTab(self._appearance_tab(), "Appearance")
        self.tabs = tabs
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(close)
        self.fill_table()

    # -- shortcuts ---------------------------------------------------------------------------
    def _names(self) -> list[str]:
        known = [a.name for a in keymap.ACTIONS if a.name in self.actions]
        return known + [n for n in self.actions if n not in keymap.BY_NAME]

    def _shortcuts_tab(self) -> QWidget:
        page = QWidget()
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut", "Default"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda *_: self._row_chosen())
        self.key_edit = QKeySequenceEdit()
        self.key_edit.setMaximumSequenceLength(1)
        self.key_edit.setClearButtonEnabled(True)
        self.key_edit.editingFinished.connect(self.assign_from_edit)
        row = QHBoxLayout()
        row.addWidget(QLabel("Key:"))
        row.addWidget(self.key_edit, 1)
        self.assign_button = self._button("Assign", self.assign_from_edit, row)
        self.clear_button = self._button("No key", lambda: self.assign(self.current_name(), ""),
                                         row)
        self.default_button = self._button("Default", self.reset_current, row)
        self.reset_all_button = self._button("Reset all to defaults", self.reset_all, row)
        self.message = plain_label(word_wrap=True)  # names keys and actions
        note = QLabel("Keys the desktop keeps for itself (Ctrl+Alt+arrows, Super+…, "
                      "Alt+Shift+arrows, Ctrl+Alt+T/L/D/Del, Alt+Tab, Alt+F1–F4/F7/F8/F10) "
                      "are refused: the window manager would take them first.")
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(page)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(note)
        return page

    @staticmethod
    def _button(text: str, slot: Callable[[], object], layout: QHBoxLayout) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda _checked=False: slot())
        layout.addWidget(button)
        return button

    def keys(self) -> dict[str, str]:
        return current_keys(self.actions, self.settings)

    def fill_table(self) -> None:
        keys, defaults = self.keys(), default_keys(self.actions)
        names = self._names()
        current = self.current_name()
        self.table.blockSignals(True)
        self.table.setRowCount(len(names))
        for r, name in enumerate(names):
            cells = (keymap.title_of(name), keys.get(name, ""), defaults.get(name, ""))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, name)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        self.table.resizeColumnToContents(1)
        self.table.resizeColumnToContents(2)
        self.select_action(current or names[0])

    def row_of(self, name: str) -> int:
        return self._names().index(name)

    def select_action(self, name: str) -> None:
        self.table.setCurrentCell(self.row_of(name), 0)
        self._row_chosen()

    def current_name(self) -> str | None:
        item = self.table.item(self.table.currentRow(), 0) if self.table.rowCount() else None
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _row_chosen(self) -> None:
        name = self.current_name()
        self.key_edit.blockSignals(True)
        self.key_edit.setKeySequence(QKeySequence(self.keys().get(name, "") if name else ""))
        self.key_edit.blockSignals(False)

    def assign_from_edit(self) -> bool:
        name = self.current_name()
        if name is None:
            return False
        return self.assign(name, self.key_edit.keySequence().toString(PORTABLE))

    def _say(self, text: str, *, error: bool) -> None:
        self.last_error = text if error else ""
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def assign(self, name: str | None, key: str) -> bool:
        """Give action ``name`` the key (""= none); refused keys leave everything as it was."""
        if name is None:
            return False
        keys = self.keys()
        problem = key_problem(name, key, keys)
        if problem:
            self._say(problem, error=True)
            self._row_chosen()
            return False
        key = keymap.normalise(key)
        overrides = dict(self.settings.get("shortcuts", {}) or {})
        if key == default_keys(self.actions).get(name, ""):
            overrides.pop(name, None)
        else:
            overrides[name] = key
        self.settings.set("shortcuts", overrides)
        apply_shortcuts(self.actions, self.settings)
        self.fill_table()
        self._say(f"“{keymap.title_of(name)}”: {key or 'no key'}", error=False)
        return True

    def reset_current(self) -> bool:
        name = self.current_name()
        return self.assign(name, default_keys(self.actions).get(name or "", ""))

    def reset_all(self) -> None:
        self.settings.set("shortcuts", {})
        apply_shortcuts(self.actions, self.settings)
        self.fill_table()
        self._say("Every shortcut is back to its default.", error=False)

    # -- appearance --------------------------------------------------------------------------
    def _appearance_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.palette_combo = QComboBox()
        for palette in PALETTES.values():
            self.palette_combo.addItem(palette.title, palette.name)
        self.palette_combo.setCurrentIndex(list(PALETTES).index(palette_name(self.settings)))
        self.palette_combo.currentIndexChanged.connect(
            lambda _i: self.choose_palette(self.palette_combo.currentData()))
        self.swatches = QLabel()
        self._show_swatches()
        self.underline_check = QCheckBox("Draw each theme in its own underline style "
                                         "(solid, dashed, dotted, wavy, double, dash-dot)")
        self.underline_check.setChecked(bool(self.settings.get("underline_styles", True)))
        self.underline_check.toggled.connect(self.set_underline_styles)
        self.font_spin = QSpinBox()
        self.font_spin.setRange(*FONT_SIZES)
        self.font_spin.setSuffix(" pt")
        self.font_spin.setValue(font_size(self.settings))
        self.font_spin.valueChanged.connect(self.set_font_size)
        form.addRow("Label palette", self.palette_combo)
        form.addRow("", self.swatches)
        form.addRow("Themes", self.underline_check)
        form.addRow("Reading font size", self.font_spin)
        self.appearance_message = plain_label(word_wrap=True)
        self.appearance_message.setStyleSheet("color: #b00020;")
        form.addRow("", self.appearance_message)
        return page

    def _show_swatches(self) -> None:
        colours = PALETTES[palette_name(self.settings)].colors
        self.swatches.setText("".join(f'<span style="color:{c}; font-size:16pt;">■</span>'
                                      for c in colours))  # the program's own constants

    def choose_palette(self, name: Any) -> bool:
        """Remember the palette for new labels; offer to recolour the existing ones."""
        if name not in PALETTES or name == palette_name(self.settings):
            return False
        self.settings.set("palette", name)
        self._show_swatches()
        labels = self.win.project.q.labels()
        if labels and self.confirm(
                "Recolour labels",
                f"Give the {len(labels)} existing labels the colours of "
                f"“{PALETTES[name].title}”? (One step you can undo.)"):
            return self.recolour_labels(name)
        return True

    def recolour_labels(self, name: str) -> bool:
        colours: dict[str, str] = {}
        for scheme in ("stance", "themes"):
            labels = sorted((lb for lb in self.win.project.q.labels() if lb.scheme == scheme),
                            key=lambda lb: lb.order)
            colours.update(zip([lb.id for lb in labels], recolor(name, len(labels)),
                               strict=True))
        try:
            self.win.project.run(RecolorLabels(colours), self.win.coder_id())
        except DeskAnnotatorError as exc:
            self.last_error = str(exc)
            self.appearance_message.setText(self.last_error)
            return False
        return True

    def set_underline_styles(self, on: bool) -> None:
        self.settings.set("underline_styles", bool(on))
        self.win.view.set_underline_styles(bool(on))

    def set_font_size(self, size: int) -> None:
        self.settings.set("reading_font_size", int(size))
        set_font_size(self.win.view, int(size))

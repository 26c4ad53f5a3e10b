"""Keyboard shortcuts of the workbench, without Qt: every main-window action with its default
key, the keys desktop environments keep for themselves, and checks on a key map.

Keys are written in Qt's portable text ("Ctrl+Shift+Z", "Alt+,", "Del"); :func:`normalise`
gives one spelling per key so two spellings of the same key compare equal. A user's overrides
(``{"action": "key"}``, "" = no key) live in the GUI settings file; :func:`effective` lays them
over the defaults.

The defaults avoid what GNOME, KDE, Xfce, Cinnamon and Windows window managers take before an
application sees the key (workspace switching, window moves, terminals, screen lock): the
span-edge moves, once Ctrl+Alt+←/→ and Alt+Shift+←/→, are now Alt+, / Alt+. (start) and
Alt+Shift+, / Alt+Shift+. (end).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ActionKey:
    name: str  # key of MainWindow.actions_by_name
    title: str  # what the Preferences table shows
    default: str  # portable key text; "" = no shortcut


ACTIONS: tuple[ActionKey, ...] = (
    ActionKey("import", "File: Import files", "Ctrl+I"),
    ActionKey("import_options", "File: Import with options", ""),
    ActionKey("export", "File: Export", "Ctrl+E"),
    ActionKey("export_qdpx_utf16", "File: Export for QualCoder / NVivo", ""),
    ActionKey("import_codebook", "File: Import codebook", ""),
    ActionKey("export_codebook", "File: Export codebook", ""),
    ActionKey("merge_projects", "File: Merge coders' projects", ""),
    ActionKey("export_package", "File: Export coder package", ""),
    ActionKey("new_project", "File: New project", "Ctrl+N"),
    ActionKey("open_project", "File: Open project", "Ctrl+O"),
    ActionKey("quit", "File: Quit", "Ctrl+Q"),
    ActionKey("undo", "Edit: Undo", "Ctrl+Z"),
    ActionKey("redo", "Edit: Redo", "Ctrl+Shift+Z"),
    ActionKey("history", "Edit: History", "Ctrl+Shift+H"),
    ActionKey("search", "Edit: Find in corpus", "Ctrl+Shift+F"),
    ActionKey("find_doc", "Edit: Filter document list", "Ctrl+L"),
    ActionKey("find", "Edit: Find in document", "Ctrl+F"),
    ActionKey("find_next", "Edit: Find next", "F3"),
    ActionKey("find_previous", "Edit: Find previous", "Shift+F3"),
    ActionKey("preferences", "Edit: Preferences", "Ctrl+,"),
    ActionKey("delete", "Code: Delete annotation", "Del"),
    ActionKey("note", "Code: Edit note", "F2"),
    ActionKey("bounds", "Code: Set boundaries to selection", "Ctrl+B"),
    ActionKey("start_left", "Code: Extend start one word left", "Alt+,"),
    ActionKey("start_right", "Code: Shrink start one word right", "Alt+."),
    ActionKey("end_left", "Code: Shrink end one word left", "Alt+Shift+,"),
    ActionKey("end_right", "Code: Extend end one word right", "Alt+Shift+."),
    ActionKey("done", "Document: Mark done", "Ctrl+Return"),
    ActionKey("doing", "Document: Mark doing", "Ctrl+Shift+Return"),
    ActionKey("todo", "Document: Mark to do", ""),
    ActionKey("next_doc", "Document: Next document", "Ctrl+PgDown"),
    ActionKey("prev_doc", "Document: Previous document", "Ctrl+PgUp"),
    ActionKey("show_all", "View: Show all coders", "Ctrl+Shift+A"),
    ActionKey("snap", "View: Snap selection to words", ""),
    ActionKey("theme_light", "View: Light theme", ""),
    ActionKey("theme_dark", "View: Dark theme", ""),
    ActionKey("compare", "View: Compare coders", "Ctrl+Shift+C"),
    ActionKey("agreement", "View: Agreement", "Ctrl+Shift+G"),
    ActionKey("codebook_editor", "View: Edit codebook", "Ctrl+Shift+K"),
    ActionKey("show_suggestions", "Suggestions: Show suggestions", ""),
    ActionKey("suggestion_next", "Suggestions: Next suggestion", "F8"),
    ActionKey("suggestion_prev", "Suggestions: Previous suggestion", "Shift+F8"),
    ActionKey("suggestion_accept", "Suggestions: Accept suggestion", "F9"),
    ActionKey("suggestion_reject", "Suggestions: Reject suggestion", "F7"),
    ActionKey("suggestions_window", "Suggestions: Suggestions window", ""),
    ActionKey("model_endpoint", "Suggestions: Model endpoint settings", ""),
    ActionKey("shortcuts", "Help: Keyboard shortcuts", "F1"),
)
BY_NAME: dict[str, ActionKey] = {a.name: a for a in ACTIONS}
DEFAULTS: dict[str, str] = {a.name: a.default for a in ACTIONS}

_MODIFIERS = ("Meta", "Ctrl", "Alt", "Shift")  # Qt's order in portable text
_MODIFIER_ALIASES = {"meta": "Meta", "super": "Meta", "win": "Meta", "ctrl": "Ctrl",
                     "control": "Ctrl", "alt": "Alt", "shift": "Shift"}
_KEY_ALIASES = {"delete": "Del", "del": "Del", "escape": "Esc", "esc": "Esc",
                "pagedown": "PgDown", "pgdown": "PgDown", "pageup": "PgUp", "pgup": "PgUp",
                "return": "Return", "enter": "Enter", "left": "Left", "right": "Right",
                "up": "Up", "down": "Down", "tab": "Tab", "backspace": "Backspace",
                "space": "Space", "home": "Home", "end": "End", "ins": "Ins", "insert": "Ins",
                "print": "Print"}
ARROWS = ("Left", "Right", "Up", "Down")


def split_key(key: str) -> tuple[frozenset[str], str]:
    """("Ctrl+Shift+z") -> ({"Ctrl", "Shift"}, "Z"). A trailing "+" is the plus key."""
    text = key.strip()
    if not text:
        return frozenset(), ""
    if text.endswith("++") or text == "+":
        head, last = text[:-1].rstrip("+"), "+"
        parts = [p for p in head.split("+") if p]
    else:
        parts = [p.strip() for p in text.split("+")]
        last = parts.pop()
    mods = set()
    for part in parts:
        mod = _MODIFIER_ALIASES.get(part.lower())
        if mod is None:
            raise ValueError(f"not a key: {key!r} ({part!r} is no modifier)")
        mods.add(mod)
    name = _KEY_ALIASES.get(last.lower(), last)
    if len(name) == 1:
        name = name.upper()
    elif name[0] in "fF" and name[1:].isdigit():
        name = "F" + name[1:]
    return frozenset(mods), name


def normalise(key: str) -> str:
    """One spelling per key: modifiers in Qt's order, key names as Qt writes them."""
    mods, name = split_key(key)
    if not name:
        return ""
    return "+".join([m for m in _MODIFIERS if m in mods] + [name])


def _combos(mods: Iterable[str], keys: Iterable[str], why: str) -> dict[str, str]:
    return {normalise("+".join([*mods, k])): why for k in keys}


# Keys window managers and desktops take for themselves (GNOME, KDE Plasma, Xfce, Cinnamon,
# MATE, Windows): pressing one switches workspace, moves the window or starts a program.
RESERVED: dict[str, str] = {
    **_combos(("Ctrl", "Alt"), ARROWS, "switches workspace"),
    **_combos(("Ctrl", "Alt", "Shift"), ARROWS, "moves the window to another workspace"),
    **_combos(("Alt", "Shift"), ARROWS, "moves the window or switches workspace"),
    **_combos(("Ctrl", "Alt"), ("T",), "opens a terminal"),
    **_combos(("Ctrl", "Alt"), ("L",), "locks the screen"),
    **_combos(("Ctrl", "Alt"), ("D",), "shows the desktop"),
    **_combos(("Ctrl", "Alt"), ("Del", "Backspace"), "logs out or restarts the session"),
    **_combos(("Ctrl", "Alt"), ("Tab",), "switches between system panels"),
    **_combos(("Ctrl", "Alt"), [f"F{n}" for n in range(1, 13)], "switches to a text console"),
    **_combos(("Alt",), ("Tab", "Esc", "Space", "`"), "switches or controls windows"),
    **_combos(("Alt", "Shift"), ("Tab", "Esc", "`"), "switches windows"),
    **_combos(("Ctrl",), ("Esc",), "opens the desktop's menu"),
    **_combos(("Alt",), ("F1", "F2", "F3", "F4", "F7", "F8", "F9", "F10"),
              "opens a desktop menu or moves, resizes, minimises or closes the window"),
    **_combos((), ("Print",), "takes a screenshot"),
    **_combos(("Alt",), ("Print",), "takes a screenshot"),
    **_combos(("Shift",), ("Print",), "takes a screenshot"),
}


def reserved_reason(key: str) -> str | None:
    """Why the desktop would take ``key`` before the program, or None when it is free.
    Every Super (Meta) combination counts as the desktop's."""
    text = normalise(key)
    if not text:
        return None
    mods, name = split_key(text)
    if "Meta" in mods or name == "Meta":
        return "Super combinations belong to the desktop"
    return RESERVED.get(text)


def typing_key(key: str) -> bool:
    """A plain character (or Shift+character): those are the codebook's label keys and the
    text fields' typing, never a window-wide shortcut."""
    mods, name = split_key(key)
    return len(name) == 1 and mods <= {"Shift"}


def effective(overrides: Mapping[str, object] | None = None,
              defaults: Mapping[str, str] | None = None) -> dict[str, str]:
    """Defaults with the user's overrides laid over them (unreadable values are ignored)."""
    keys = dict(DEFAULTS if defaults is None else defaults)
    for name, value in (overrides or {}).items():
        if isinstance(name, str) and isinstance(value, str):
            try:
                keys[name] = normalise(value)
            except ValueError:
                continue
    return {name: normalise(key) for name, key in keys.items()}


def owner_of(key: str, keys: Mapping[str, str], *, besides: str | None = None) -> str | None:
    """The action (other than ``besides``) that already has ``key`` in ``keys``."""
    wanted = normalise(key)
    if not wanted:
        return None
    return next((name for name, k in keys.items()
                 if name != besides and k and normalise(k) == wanted), None)


def collisions(keys: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(key, action, action) for every key given to two actions."""
    seen: dict[str, str] = {}
    found = []
    for name, key in keys.items():
        k = normalise(key)
        if not k:
            continue
        if k in seen:
            found.append((k, seen[k], name))
        else:
            seen[k] = name
    return found


# Titles of actions made at run time, e.g. one per codebook label (gui/article_coding_bar.py).
RUNTIME_TITLES: dict[str, str] = {}


def title_of(name: str) -> str:
    spec = BY_NAME.get(name)
    if spec is None and name in RUNTIME_TITLES:
        return RUNTIME_TITLES[name]
    return spec.title if spec else name.replace("_", " ").capitalize()

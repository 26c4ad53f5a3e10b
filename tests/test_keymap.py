"""The headless key map: defaults free of desktop keys and of each other, overrides, checks."""

from __future__ import annotations

import pytest

from desk_annotator import keymap


def test_no_default_is_taken_by_the_desktop():
    taken = {a.name: (a.default, keymap.reserved_reason(a.default))
             for a in keymap.ACTIONS if keymap.reserved_reason(a.default)}
    assert taken == {}


def test_no_two_defaults_collide():
    assert keymap.collisions(keymap.DEFAULTS) == []
    assert len(keymap.BY_NAME) == len(keymap.ACTIONS)


def test_no_default_is_a_typing_key():
    assert [a.name for a in keymap.ACTIONS if a.default and keymap.typing_key(a.default)] == []


@pytest.mark.parametrize("key", [
    "Ctrl+Alt+Left", "Ctrl+Alt+Right", "alt+ctrl+up", "Alt+Shift+Left", "Shift+Alt+Down",
    "Ctrl+Alt+T", "Ctrl+Alt+l", "Ctrl+Alt+D", "Ctrl+Alt+Delete", "Ctrl+Alt+Del", "Alt+Tab",
    "Alt+F1", "Alt+F2", "Alt+F3", "Alt+F4", "Alt+F7", "Alt+F8", "Alt+F10", "Meta+E", "Super+1",
    "Meta+Shift+Left", "Ctrl+Alt+Shift+Right", "Ctrl+Alt+F2"])
def test_desktop_keys_are_recognised_in_any_spelling(key):
    assert keymap.reserved_reason(key)


@pytest.mark.parametrize("key", ["Alt+,", "Alt+.", "Alt+Shift+,", "Alt+Shift+.", "Ctrl+Left",
                                 "Alt+Left", "F1", "Ctrl+T", "Alt+F5", "Shift+Left", ""])
def test_ordinary_keys_are_free(key):
    assert keymap.reserved_reason(key) is None


def test_span_edges_moved_off_the_window_manager_keys():
    keys = keymap.DEFAULTS
    assert (keys["start_left"], keys["start_right"]) == ("Alt+,", "Alt+.")
    assert (keys["end_left"], keys["end_right"]) == ("Alt+Shift+,", "Alt+Shift+.")


def test_normalise_gives_one_spelling():
    assert keymap.normalise("shift+ctrl+z") == "Ctrl+Shift+Z"
    assert keymap.normalise("Ctrl+Delete") == "Ctrl+Del"
    assert keymap.normalise("ctrl+pagedown") == "Ctrl+PgDown"
    assert keymap.normalise("Ctrl++") == "Ctrl++"
    assert keymap.normalise("alt+shift+.") == "Alt+Shift+."
    assert keymap.normalise("super+shift+a") == "Meta+Shift+A"
    with pytest.raises(ValueError):
        keymap.normalise("Hyper+A")


def test_overrides_laid_over_defaults_and_conflicts_named():
    keys = keymap.effective({"note": "Ctrl+Shift+N", "find_next": "", "bogus": 3,
                             "broken": "Nope+X"})
    assert keys["note"] == "Ctrl+Shift+N"
    assert keys["find_next"] == ""
    assert "broken" not in keys and "bogus" not in keys
    assert keys["undo"] == "Ctrl+Z"
    assert keymap.owner_of("ctrl+z", keys) == "undo"
    assert keymap.owner_of("Ctrl+Z", keys, besides="undo") is None
    assert keymap.collisions({**keys, "redo": "Ctrl+Z"}) == [("Ctrl+Z", "undo", "redo")]


def test_typing_keys():
    assert keymap.typing_key("o") and keymap.typing_key("Shift+1")
    assert not keymap.typing_key("Ctrl+O") and not keymap.typing_key("F2")

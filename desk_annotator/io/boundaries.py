"""Whether a position in a text is a plausible selection boundary (a word or punctuation
edge, never inside a grapheme), and whether a selection's text matches what a file states. Used
by position-unit detection (position_units.py) to score each reading of the offsets."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_ELLIPSIS = ("…", "...")

# --- what a plausible boundary looks like -------------------------------------------------------

def _spaceless(ch: str) -> bool:
    """Scripts written without spaces between words: any character boundary may be a word's."""
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF
            or 0x0E00 <= o <= 0x0EFF or 0x1000 <= o <= 0x109F or 0x1780 <= o <= 0x17FF
            or 0xFF66 <= o <= 0xFF9F)


def _wordish(ch: str) -> bool:
    return ch.isalnum() and not _spaceless(ch)


def _extends(ch: str) -> bool:
    """Characters that belong to the character before them (one grapheme)."""
    o = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Me", "Mc") or o == 0x200D
            or 0xFE00 <= o <= 0xFE0F or 0x1F3FB <= o <= 0x1F3FF or 0xE0020 <= o <= 0xE007F
            or 0xE0100 <= o <= 0xE01EF)


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def on_edge(text: str, p: int) -> bool:
    """True when offset ``p`` is a plausible selection boundary: not inside a word, a grapheme
    (letter + accent, emoji + modifier, ZWJ sequence, flag) or a CR LF pair."""
    if p <= 0 or p >= len(text):
        return True
    before, after = text[p - 1], text[p]
    if before == "\r" and after == "\n":
        return False
    if before.isascii() and after.isascii():  # most boundaries: no grapheme rule applies
        return not (before.isalnum() and after.isalnum())
    if _extends(after) or before == "\u200d":
        return False
    if _regional(before) and _regional(after):
        run, k = 0, p - 1
        while k >= 0 and _regional(text[k]) and run < 64:
            run, k = run + 1, k - 1
        return run % 2 == 0
    return not (_wordish(before) and _wordish(after))


def _canon(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFC", text))


def matches_stated_text(selected: str, stated: str) -> bool:
    """The stated selection text (white space runs equal, as XML attributes flatten line
    breaks; a name cut with an ellipsis compares as a prefix of at least 10 characters)."""
    got, want = _canon(selected), _canon(stated)
    if got == want:
        return True
    for mark in _ELLIPSIS:
        if want.endswith(mark):
            head = want[: -len(mark)].rstrip()
            return len(head) >= 10 and got.startswith(head)
    return False



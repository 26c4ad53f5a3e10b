"""A simple, predictable sentence boundary rule for the context of retrieved segments.

No language model and no dependency: the rule is meant to be explainable in one paragraph.

A sentence ends
- after a run of ``. ! ? …`` (with any closing quotes or brackets right after it) that is
  followed by whitespace or the end of the text, unless the run is a single ``.`` and
  * the word before it is a known abbreviation (``Dr.``, ``Mr.``, ``e.g.``, ``z.B.``, ``etc.``,
    month names… see :data:`ABBREVIATIONS`; compared case-insensitively), or
  * the word before it is a single letter or dotted single letters (``J.``, ``U.S.``, ``U.K.``),
    or
  * the next non-space character is a lower-case letter or a digit ("approx. 5 people");
- after a CJK full stop, exclamation or question mark (``。 ！ ？ ．``), whitespace or not;
- at a line break (a headline or a paragraph is never glued to the next one).

So "in the U.S. The plan" stays one sentence: a dotted abbreviation is never taken as an end.
Offsets are code points, like every offset in a project.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

ABBREVIATIONS = frozenset("""
dr mr mrs ms mx prof sr jr st mt ft gen gov sen rep rev sgt capt col lt cmdr adm pres hon
vs etc al eg ie cf ca approx dept univ inc ltd co corp plc llc bros est fig figs no nos vol vols
pp ed eds op art sec ch para min max jan feb mar apr jun jul aug sep sept oct nov dec
e.g i.e a.m p.m et al z.b d.h u.a bzw usw vgl evtl ggf nr str hr fr abs mio mrd
mme mlle env av ex p.ex sra sr srta ud uds dra núm
""".split())

_TERMINAL = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019\u00bb\u203a)\]]*(?=\s|$)"
                       r"|[\u3002\uff01\uff1f\uff0e]+[\u201d\u2019\u300d\u300f\uff09]*"
                       r"|\n")
_LEADING_PUNCT = "\"'“‘«‹([{"
_DOTTED_LETTERS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")  # letters, not digits


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the single ``.`` at ``dot`` belongs to an abbreviation (see module doc)."""
    start = dot
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:dot].lstrip(_LEADING_PUNCT)
    if not word:
        return False
    if word.lower() in ABBREVIATIONS:
        return True
    if _DOTTED_LETTERS.fullmatch(word) and all(len(p) == 1 for p in word.split(".")):
        return True
    after = dot + 1
    while after < len(text) and text[after] in " \t":
        after += 1
    return after < len(text) and (text[after].islower() or text[after].isdigit())


def sentence_ends(text: str) -> list[int]:
    """The offsets where sentences end (exclusive), ascending; the text's length is last."""
    ends: list[int] = []
    for m in _TERMINAL.finditer(text):
        if m.group() == "." and _is_abbreviation(text, m.start()):
            continue
        ends.append(m.end())
    if not ends or ends[-1] != len(text):
        ends.append(len(text))
    return ends


class Sentences:
    """A text's sentence boundaries, computed once, for many look-ups."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ends = sentence_ends(text)

    def around(self, start: int, end: int) -> tuple[int, int]:
        """The span of the sentence(s) a segment ``[start, end)`` lies in: from the start of the
        sentence holding ``start`` to the end of the one holding ``end - 1``, without the
        whitespace around."""
        i = bisect_right(self.ends, start)
        s = self.ends[i - 1] if i > 0 else 0
        j = bisect_left(self.ends, max(end, start + 1))
        e = self.ends[min(j, len(self.ends) - 1)]
        text = self.text
        while s < start and text[s].isspace():
            s += 1
        while e > end and text[e - 1].isspace():
            e -= 1
        return s, e


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The enclosing sentence span of ``[start, end)`` in ``text`` (one-off look-up)."""
    return Sentences(text).around(start, end)

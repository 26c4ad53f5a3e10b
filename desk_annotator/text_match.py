"""The one text matcher behind find-in-document (Ctrl+F), corpus search and ``desk-annotator
search``: no Qt, no SQL.

Matching runs on a *folded* copy of the text: Unicode case folding (``str.casefold``, so "küme"
finds "KÜME" and "strasse" finds "STRAßE"), optionally straight/curly quotes and apostrophes and
the dashes made one character each, optionally diacritics stripped. Folding changes lengths (ß
becomes "ss", the ligature ﬁ "fi", İ "i" + combining dot; a lone combining mark may vanish), so
the folded copy keeps, for every folded character, the code point of the original text it came
from; matches are reported as ORIGINAL code point offsets ``(start, end)``, end exclusive.

Rules, identical for plain and regex patterns:
- A match must begin where an original character's folding begins and end where one's ends:
  "s" does not match half of "ß" (its slice would be "ß", which does not fold to "s").
- Characters that fold to nothing (a combining mark under diacritics folding) that directly
  follow a match belong to it, so a highlight never splits a letter from its accent.
- Matches do not overlap; each is the leftmost one after the previous match. Empty regex
  matches are ignored.
- Whole word: the characters just before and after the match (in the original text) are not
  word characters (letters, digits, marks, connector punctuation such as "_"). A regex gets
  the condition as look-arounds too, so its engine backtracks to an alternative that fits.
- A regex engine commits to the first alternative that matches at a position: if that one
  ends inside a character's folding ("f|fi" against the ligature ﬁ), the position is skipped
  even when a longer alternative would fit. Likewise an alternative that folds to nothing (a
  lone combining mark with accents ignored) matches empty first, and the position is skipped.
- A regex is the ``regex`` package's (``re``'s syntax, VERSION0; MULTILINE) run on the folded
  text; its literal characters are folded
  the same way (outside a character class a character that folds to several becomes a group, so
  ``ß+`` means ``(?:ss)+``; inside a class only one-to-one foldings apply). An invalid regex
  raises :class:`PatternError` with one line for the user, and so does one that backtracks
  for more than REGEX_SECONDS_PER_TEXT on one text (``(a|aa)+$`` against "aaaa…b"): ``re``
  cannot be interrupted, and such a pattern froze the concordance and the find bar for hours.

So every reported slice ``text[start:end]``, folded, equals the folded pattern (plain) or is
matched in full by the folded regex (barring look-around and anchors, which see the context).
"""

from __future__ import annotations

import re
import time
import unicodedata
from bisect import bisect_right
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from typing import Any

from .errors import DeskAnnotatorError

# Straight, curly and modifier quotes/apostrophes/primes fold to the ASCII ones.
SINGLE_QUOTES = "'\u2019\u2018\u02bc\u2032\u201a\u201b"  # ' ’ ‘ ʼ ′ ‚ ‛
DOUBLE_QUOTES = '"\u201c\u201d\u201e\u201f\u2033'  # " “ ” „ ‟ ″
DASHES = "-\u2013\u2014\u2012\u2212\u2010\u2011"  # - – — ‒ − ‐ and the non-breaking hyphen
QUOTE_TABLE = str.maketrans({c: "'" for c in SINGLE_QUOTES} | {c: '"' for c in DOUBLE_QUOTES})
DASH_TABLE = str.maketrans({c: "-" for c in DASHES})


_PUNCT_FOLDS = ([(c, "'") for c in SINGLE_QUOTES[1:]] + [(c, '"') for c in DOUBLE_QUOTES[1:]],
                [(c, "-") for c in DASHES[1:]])
CHUNK = 4096  # texts are folded a chunk at a time: most chunks take the fast path


def _fold_punctuation(s: str, quotes: bool, dashes: bool) -> str:
    """The quote and dash tables on a long string (str.replace is ~30x faster than translate)."""
    for wanted, pairs in zip((quotes, dashes), _PUNCT_FOLDS, strict=True):
        if wanted:
            for old, new in pairs:
                if old in s:
                    s = s.replace(old, new)
    return s


class PatternError(DeskAnnotatorError):
    """A search pattern that cannot be used (an invalid or runaway regular expression)."""


# The regex time one text may take, all its searches together: far beyond any sane pattern on
# a 5 MB text, short enough that a runaway one is reported instead of freezing the program.
REGEX_SECONDS_PER_TEXT = 2.0


@dataclass(frozen=True)
class MatchOptions:
    case_sensitive: bool = False
    fold_quotes: bool = True  # ' ’ ‘ ʼ ′ are one character, and " “ ” „
    fold_dashes: bool = True  # - – — ‒ − ‐ are one character
    fold_diacritics: bool = False  # é matches e
    whole_word: bool = False
    regex: bool = False

    def to_dict(self) -> dict[str, bool]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> MatchOptions:
        """Options from a settings value; unknown keys and non-booleans are ignored."""
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known and isinstance(v, bool)})

    @property
    def folding(self) -> tuple[bool, bool, bool, bool]:
        return (self.case_sensitive, self.fold_quotes, self.fold_dashes, self.fold_diacritics)


# -- folding ---------------------------------------------------------------------------------

def _strip_diacritics(s: str) -> str:
    decomposed = unicodedata.normalize("NFD", s)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Characters without marks stay as they were (a Hangul syllable is not split into jamo).
    return s if len(kept) == len(decomposed) else unicodedata.normalize("NFC", kept)


@lru_cache(maxsize=65536)
def _fold_char(ch: str, folding: tuple[bool, bool, bool, bool]) -> str:
    case_sensitive, quotes, dashes, diacritics = folding
    out = ch if case_sensitive else ch.casefold()
    if diacritics:
        out = _strip_diacritics(out)
    if quotes:
        out = out.translate(QUOTE_TABLE)  # after casefold: ŉ folds to ʼn
    if dashes:
        out = out.translate(DASH_TABLE)
    return out


def fold(s: str, options: MatchOptions = MatchOptions()) -> str:
    """``s`` folded as the matcher folds text: the concatenation of each character's folding."""
    return "".join(_fold_char(c, options.folding) for c in s)


@dataclass(frozen=True)
class Folded:
    """A folded text and where each folded character came from in the original.

    ``pieces`` is None when folding was one to one (folded index = original index); else one
    ``(folded_start, original_start, owner)`` per chunk, in order, where ``owner`` lists the
    original code point of each folded character of the chunk, or is None for a one-to-one
    chunk. Chunks split the original text between characters.
    """

    original_length: int
    text: str
    pieces: list[tuple[int, int, list[int] | None]] | None = None
    starts: list[int] = field(default_factory=list)  # folded_start of each piece, for bisect

    def owner(self, j: int) -> int:
        """The original code point that folded character ``j`` came from."""
        if self.pieces is None:
            return j
        fstart, ostart, owner = self.pieces[bisect_right(self.starts, j) - 1]
        return ostart + (j - fstart) if owner is None else owner[j - fstart]

    def span(self, fs: int, fe: int) -> tuple[int, int] | None:
        """The original span of folded ``[fs, fe)``, or None when it cuts a character's folding."""
        if self.pieces is None:
            return fs, fe
        n = len(self.text)
        start = self.owner(fs)
        if fs > 0 and self.owner(fs - 1) == start:
            return None
        if fe < n:
            end = self.owner(fe)
            if self.owner(fe - 1) == end:
                return None
        else:
            end = self.original_length
        return start, end


@lru_cache(maxsize=8)  # the find bar re-searches one document per keystroke
def fold_text(text: str, folding: tuple[bool, bool, bool, bool]) -> Folded:
    case_sensitive, quotes, dashes, diacritics = folding

    def quick(piece: str) -> str | None:
        # Casefold never maps a character to nothing and the quote/dash tables map one to one,
        # so an unchanged length means every character folded to exactly one.
        out = _fold_punctuation(piece if case_sensitive else piece.casefold(), quotes, dashes)
        if len(out) != len(piece) or (diacritics and not out.isascii()):
            return None
        return out

    whole = quick(text)
    if whole is not None:
        return Folded(len(text), whole)
    parts: list[str] = []
    pieces: list[tuple[int, int, list[int] | None]] = []
    size = 0
    for base in range(0, len(text), CHUNK):
        chunk = text[base:base + CHUNK]
        folded = quick(chunk)
        if folded is None:
            folded, owner = _fold_slowly(chunk, base, folding)
        else:
            owner = None
        if folded:  # a chunk of lone marks may fold to nothing
            pieces.append((size, base, owner))
            parts.append(folded)
            size += len(folded)
    return Folded(len(text), "".join(parts), pieces, [p[0] for p in pieces])


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_slowly(chunk: str, base: int, folding: tuple[bool, bool, bool, bool]
                 ) -> tuple[str, list[int]]:
    """Fold character by character, except runs of ASCII (which always fold one to one)."""
    parts: list[str] = []
    owner: list[int] = []
    pos = 0
    for m in _NON_ASCII.finditer(chunk):
        if m.start() > pos:
            run = chunk[pos:m.start()]
            parts.append(run if folding[0] else run.lower())
            owner += range(base + pos, base + m.start())
        for i, ch in enumerate(m.group(), base + m.start()):
            f = _fold_char(ch, folding)
            parts.append(f)
            owner += [i] * len(f)
        pos = m.end()
    if pos < len(chunk):
        run = chunk[pos:]
        parts.append(run if folding[0] else run.lower())
        owner += range(base + pos, base + len(chunk))
    return "".join(parts), owner


def is_word_char(ch: str) -> bool:
    """Letters, digits, marks and connector punctuation ("_"): what a whole word is made of."""
    return unicodedata.category(ch)[0] in "LNM" or unicodedata.category(ch) == "Pc"


def _whole_word(text: str, start: int, end: int) -> bool:
    return ((start == 0 or not is_word_char(text[start - 1]))
            and (end == len(text) or not is_word_char(text[end])))


# -- regex patterns --------------------------------------------------------------------------

_FLAG_CHARS = set("aiLmsux-")
# Whole word inside the regex, so the engine backtracks to an alternative that is a whole word
# ("b+|ba" in "ba" finds "ba"): re's \w plus the combining-mark blocks. The exact rule
# (is_word_char on the original text) is checked again on every match.
_WORD = r"[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"


def fold_regex(pattern: str, options: MatchOptions = MatchOptions()) -> str:
    """Fold the literal characters of a regex, leaving its syntax alone (see module doc)."""
    folding = options.folding
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class, class_body = False, 0
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if pattern.startswith("\\N{", i) and "}" in pattern[i:]:
                j = pattern.index("}", i) + 1
                out.append(pattern[i:j])
                i = j
            else:
                out.append(pattern[i:i + 2])
                i += 2
            continue
        if in_class:
            if ch == "]" and i > class_body:
                in_class = False
                out.append(ch)
            else:
                f = _fold_char(ch, folding)
                out.append(ch if len(f) != 1 else (re.escape(f) if f != ch else ch))
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            class_body = i  # a "]" right here is a literal
            continue
        if pattern.startswith("(?", i):
            j = i + 2
            if pattern.startswith(("(?P<", "(?P="), i):
                close = ">" if pattern[i + 3] == "<" else ")"
                j = pattern.find(close, i) + 1 or n
            elif pattern.startswith("(?#", i):
                j = pattern.find(")", i) + 1 or n
            else:
                while j < n and pattern[j] in _FLAG_CHARS:
                    j += 1
            out.append(pattern[i:j])
            i = j
            continue
        f = _fold_char(ch, folding)
        if f == ch:
            out.append(ch)
        elif len(f) == 1:
            out.append(re.escape(f))
        else:
            out.append(f"(?:{re.escape(f)})")
        i += 1
    return "".join(out)


# -- matching --------------------------------------------------------------------------------

class Matcher:
    """A compiled pattern: ``Matcher(pattern, options).find_all(text)`` → original spans."""

    def __init__(self, pattern: str, options: MatchOptions = MatchOptions()) -> None:
        self.pattern = pattern
        self.options = options
        pattern = unicodedata.normalize("NFC", pattern)  # stored texts are NFC
        self.regex: Any = None  # a compiled regex_engine pattern
        self.needle = ""
        self._deadline = 0.0
        if options.regex:
            import regex as regex_engine  # only for regex searches: not on every start-up

            folded = fold_regex(pattern, options)
            compile_ = regex_engine.compile
            flags_ = regex_engine.MULTILINE | regex_engine.VERSION0
            try:
                compile_(folded, regex_engine.VERSION0)  # errors at positions as typed
                if options.whole_word:
                    flags = re.match(r"(?:\(\?[aiLmsux]+\))*", folded).group(0)  # stay first
                    body = folded[len(flags):]
                    self.regex = compile_(f"{flags}(?<!{_WORD})(?:{body})(?!{_WORD})", flags_)
                else:
                    self.regex = compile_(folded, flags_)
            except (regex_engine.error, OverflowError, RecursionError) as exc:
                # A position in the folded pattern would mislead when folding changed it.
                raise PatternError(_regex_message(exc, folded == pattern)) from None
        else:
            self.needle = fold(pattern, options)

    @property
    def empty(self) -> bool:
        return not self.pattern or (self.regex is None and not self.needle)

    def _candidates(self, folded: str, pos: int) -> tuple[int, int] | None:
        if self.regex is not None:
            try:
                m = self.regex.search(folded, pos,
                                      timeout=max(0.001, self._deadline - time.monotonic()))
            except TimeoutError:
                raise PatternError(
                    f"The regular expression takes too long: over {REGEX_SECONDS_PER_TEXT:g} s "
                    "on one text (nested repetition such as (a|aa)+ makes it try every way "
                    "to split a long run); simplify it") from None
            return m.span() if m else None
        i = folded.find(self.needle, pos)
        return (i, i + len(self.needle)) if i != -1 else None

    def find_all(self, text: str, limit: int | None = None) -> list[tuple[int, int]]:
        if self.empty or not text:
            return []
        folded = fold_text(text, self.options.folding)
        self._deadline = time.monotonic() + REGEX_SECONDS_PER_TEXT
        found: list[tuple[int, int]] = []
        pos, n = 0, len(folded.text)
        while pos <= n:
            hit = self._candidates(folded.text, pos)
            if hit is None:
                break
            fs, fe = hit
            span = folded.span(fs, fe) if fe > fs else None
            if span is None or (self.options.whole_word and not _whole_word(text, *span)):
                pos = fs + 1  # misaligned, empty or inside a word: look further on
                continue
            found.append(span)
            if limit is not None and len(found) >= limit:
                break
            pos = fe
        return found


def _regex_message(exc: Exception, with_position: bool) -> str:
    if not isinstance(exc, (OverflowError, RecursionError)):  # the regex package's error
        where = f" at position {exc.pos + 1}" if with_position and exc.pos is not None else ""
        return f"Invalid regular expression: {exc.msg}{where}"
    return "Invalid regular expression: too large or too deeply nested"


def find_matches(text: str, pattern: str, options: MatchOptions = MatchOptions(),
                 limit: int | None = None) -> list[tuple[int, int]]:
    """Every match of ``pattern`` in ``text`` as original code point spans (see module doc)."""
    return Matcher(pattern, options).find_all(text, limit)

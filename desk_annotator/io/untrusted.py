"""Guards for exchange files that come from anyone: bounded lines, bounded nesting, clean strings.

Every JSON-based reader (dataset JSONL, doccano, codebook JSON) goes through these helpers, so a
hostile or damaged file ends in one :class:`~desk_annotator.errors.FormatError` line instead of a
traceback, a process that eats all memory, or text that breaks later in SQLite or orjson.

* Lines are read with a bounded ``readline``: a huge line is refused after reading at most
  :data:`MAX_LINE_BYTES` of it, and each line is decoded on its own, so a bad byte is reported
  with its line number.
* Parsed JSON may nest at most :data:`MAX_NESTING` levels; deeper input (and the
  ``RecursionError`` Python's json raises at about a thousand levels) is refused.
* NUL (U+0000) and lone surrogates (U+D800..U+DFFF, which only a JSON ``\\u`` escape can bring)
  are replaced by U+FFFD. That is one code point for one, so offsets into a cleaned text stay
  valid; each replacement is reported as a warning naming the field.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from desk_annotator.errors import FormatError

# Our own records nest four levels (record > annotations > annotation > themes) and real
# metadata is flat or nearly so. 64 leaves room for any honest file while staying far below
# Python's recursion limit (1000), which json, pydantic and the serialisers on the way to
# SQLite all share; a value this deep can therefore never crash a later step.
MAX_NESTING = 64

# The longest text we accept as an article is 5,000,000 characters (articles.MAX_TEXT_CHARS):
# at most 20 MB of UTF-8, which is how our exporter writes it. 64 MiB leaves room for that text
# plus its annotations' quotes and notes, yet bounds the memory one line can take (json.loads
# needs a few times the line's size) well below what a desktop machine has.
MAX_LINE_BYTES = 64 * 1024 * 1024

# A whole JSONL file (2 GiB).
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024

REPLACEMENT = "\ufffd"
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
# Only these escapes can put a NUL or a lone surrogate into a string parsed from strict JSON
# (raw control characters are invalid in JSON strings; strict UTF-8 decoding refuses encoded
# surrogates). A text without them needs no cleaning walk; a paired escape (an emoji written
# by an ASCII-only exporter) is not lone and does not trigger it.
_HIGH = r"\\u[dD][89abAB][0-9a-fA-F]{2}"
_LOW = r"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_BAD_ESCAPE = re.compile(rf"\\u0000|{_HIGH}(?!{_LOW})|(?<!{_HIGH}){_LOW}")


def refusal(where: str, reason: str) -> FormatError:
    """The one-line refusal every guard here raises."""
    return FormatError(f"{where}: {reason}; nothing was imported")


def too_deep(where: str) -> FormatError:
    return refusal(where, f"nested more than {MAX_NESTING} levels deep")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of a UTF-8 JSONL file; split on ``\\n`` only (a stray U+2028 must not
    cut a record in two). A leading UTF-8 BOM is dropped. Raises FormatError for an unreadable
    file, a file or line over the caps, or a line that is not UTF-8."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except IsADirectoryError:
        raise FormatError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        total = 0
        lineno = 0
        while True:
            try:
                # limit + 1: a line of exactly the limit plus its newline still fits.
                raw = handle.readline(MAX_LINE_BYTES + 1)
            except OSError as exc:
                raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
            if not raw:
                return
            lineno += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise refusal(f"{path}", f"line {lineno} is longer than "
                                         f"{_megabytes(MAX_LINE_BYTES)}")
            total += len(raw)
            if total > MAX_FILE_BYTES:
                raise refusal(f"{path}", f"the file is larger than {_megabytes(MAX_FILE_BYTES)}")
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise refusal(f"{path}: line {lineno}",
                              f"not UTF-8 text (byte {exc.start + 1} of the line)") from None
            yield lineno, line


def load_json(text: str, where: str, *, shallow: Collection[str] = ()) -> Any:
    """``json.loads`` with the nesting cap. JSONDecodeError passes through (callers list it
    with their other problems); too deep a value raises the one-line FormatError.

    ``shallow`` names top-level keys whose values the caller's schema checks without looking
    deeper than a few levels (a record's annotations: ints and strings in fixed places), so
    they need no walk; that keeps the check cheap on lines with many thousands of spans."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep(where) from None
    # Cheap pre-check: fewer opening brackets than the cap cannot nest deeper than it.
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return value
    if isinstance(value, dict) and shallow:
        deep = any(nesting_exceeds(item, MAX_NESTING - 1) for key, item in value.items()
                   if key not in shallow)
    else:
        deep = nesting_exceeds(value, MAX_NESTING)
    if deep:
        raise too_deep(where)
    return value


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether lists/dicts in ``value`` nest more than ``limit`` levels (iterative)."""
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def describe_bad_chars(text: str) -> str | None:
    """What :func:`clean_text` would replace in ``text``, in words, or None."""
    if _BAD_CHARS.search(text) is None:
        return None
    parts = []
    nuls = text.count("\x00")
    if nuls:
        parts.append("a NUL character" if nuls == 1 else f"{nuls:,} NUL characters")
    lone = len(_SURROGATES.findall(text))
    if lone:
        parts.append("a lone surrogate" if lone == 1 else f"{lone:,} lone surrogates")
    return " and ".join(parts)


def clean_text(text: str) -> tuple[str, str | None]:
    """``text`` with NUL and lone surrogates replaced by U+FFFD (same length), and what was
    replaced in words (None when nothing was)."""
    what = describe_bad_chars(text)
    if what is None:
        return text, None
    return _BAD_CHARS.sub(REPLACEMENT, text), what


def clean_json_strings(value: Any, source_text: str | None = None
                       ) -> tuple[Any, list[tuple[str, str]]]:
    """Clean every string in a parsed JSON value, keys included (iteratively, in place where
    possible). Returns the cleaned value and one (field path, what was replaced) per changed
    string. With ``source_text`` (the JSON it was parsed from) the walk is skipped when the
    source holds no escape that could have produced such a character."""
    if source_text is not None and _BAD_ESCAPE.search(source_text) is None:
        return value, []
    changes: list[tuple[str, str]] = []

    def clean(item: str, where: str) -> str:
        cleaned, what = clean_text(item)
        if what is not None:
            changes.append((where or "top level", what))
        return cleaned

    if isinstance(value, str):
        return clean(value, ""), changes
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        container, where = stack.pop()
        nested: list[tuple[Any, str]] = []  # pushed in reverse: reported in document order
        if isinstance(container, dict):
            items = list(container.items())
            if any(isinstance(k, str) and _BAD_CHARS.search(k) for k, _ in items):
                container.clear()
                for key, item in items:
                    container[clean(key, _join(where, key)) if isinstance(key, str) else key] = item
                items = list(container.items())
            for key, item in items:
                here = _join(where, key)
                if isinstance(item, str):
                    container[key] = clean(item, here)
                elif isinstance(item, (dict, list)):
                    nested.append((item, here))
        elif isinstance(container, list):
            for index, item in enumerate(container):
                here = _join(where, index)
                if isinstance(item, str):
                    container[index] = clean(item, here)
                elif isinstance(item, (dict, list)):
                    nested.append((item, here))
        stack.extend(reversed(nested))
    return value, changes


def _join(where: str, key: object) -> str:
    shown = key if isinstance(key, int) else repr(key)[1:-1] if isinstance(key, str) else key
    return f"{where}.{shown}" if where else str(shown)


def cleaning_warnings(where: str, changes: list[tuple[str, str]]) -> list[str]:
    """One warning line per cleaned field."""
    return [f"{where}, {field}: {what} replaced by U+FFFD" for field, what in changes]

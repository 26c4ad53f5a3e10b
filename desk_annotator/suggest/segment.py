"""Candidate units for suggestions: the sentences of a document, segmented once per text.

Sentence boundaries come from sentencex (Wikimedia's rule-based segmenter in Rust: abbreviation
lists for ~250 languages, quote-aware, CJK terminators; offsets in code points). Each of its
sentences is also cut at line breaks (a headline is never glued to the paragraph below) and
trimmed of surrounding whitespace, so a unit is always ``text[start:end]`` with visible text at
both ends.

Results are kept in memory, keyed by the document's sha256 and language, in an LRU bounded by
the characters segmented (recomputing is ~5 s per 40 M characters, cheaper than reading an
on-disk cache back; benchmarks/bench_suggest.py measures it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import sentencex

DEFAULT_LANGUAGE = "en"
CACHE_CHARACTERS = 60_000_000  # about one large corpus; offsets take ~1 byte per character


def _trimmed(text: str, start: int, end: int, out: list[int]) -> None:
    """Append (start, end) of each line of text[start:end], without surrounding whitespace."""
    while start < end:
        newline = text.find("\n", start, end)
        stop = end if newline < 0 else newline
        a, b = start, stop
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out += (a, b)
        start = stop + 1


def sentence_spans(text: str, language: str | None = None) -> np.ndarray:
    """(n, 2) int array of [start, end) code-point offsets of the sentences of ``text``."""
    flat: list[int] = []
    lang = (language or DEFAULT_LANGUAGE).split("-")[0].lower() or DEFAULT_LANGUAGE
    for b in sentencex.get_sentence_boundaries(lang, text):
        if not b["is_paragraph_break"]:
            _trimmed(text, b["start_index"], b["end_index"], flat)
    return np.asarray(flat, dtype=np.int64).reshape(-1, 2)


class SentenceCache:
    """sha256 (+ language) -> sentence spans; thread-safe (the GUI segments on a worker)."""

    def __init__(self, max_characters: int = CACHE_CHARACTERS) -> None:
        self.max_characters = max_characters
        self._items: OrderedDict[tuple[str, str], tuple[np.ndarray, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def spans(self, sha256: str, text: str, language: str | None = None) -> np.ndarray:
        key = (sha256, language or DEFAULT_LANGUAGE)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit[0]
        spans = sentence_spans(text, language)
        with self._lock:
            if key not in self._items:
                self._items[key] = (spans, len(text))
                self._size += len(text)
                while self._size > self.max_characters and len(self._items) > 1:
                    _, (_, size) = self._items.popitem(last=False)
                    self._size -= size
        return spans

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


SENTENCES = SentenceCache()

"""Keyword in context (concordance) and word frequencies across a corpus. Headless.

Concordance: every match of a word, phrase or regex, found by the one matcher
(:mod:`desk_annotator.text_match`, with its options: case, quote/dash/diacritic folding, whole
word, regex), as a line of left context, match and right context of ``width`` code points.
``start``/``end`` are code point offsets into the document's text (exact for any script); in
``left`` and ``right`` each whitespace character (line breaks included) is shown as one
space, so their lengths still match the text. Sort ``left`` orders by the context read
backwards from the match (the word just before it first, as concordancers do), ``right`` by
the context after it; ``document`` keeps corpus order.

Word frequencies: words are runs of letters, digits and marks (an apostrophe or hyphen between
letters stays inside: "don't", "state-of-the-art"), case-folded. Runs of Chinese/Japanese
ideographs are counted as overlapping character bigrams ("人工智能" gives 人工, 工智, 智能;
a lone ideograph counts itself), since such text has no spaces between words. Stop words: the
list of ``language`` (see :mod:`~desk_annotator.analysis.stopwords`), or, when it is None, of
each document's own ``language`` metadata; ``"none"`` keeps every word.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..text_match import Matcher, MatchOptions
from .stopwords import stop_words

CONCORDANCE_COLUMNS = ("document_id", "title", "start", "end", "left", "match", "right")
WORD_COLUMNS = ("word", "count", "documents")
CONCORDANCE_SORTS = ("document", "left", "right")
_SPACE = re.compile(r"\s")


@dataclass
class KwicLine:
    document_id: str
    title: str
    start: int
    end: int
    left: str
    match: str
    right: str
    document_order: int = 0

    def row(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in CONCORDANCE_COLUMNS}


def _shown(text: str) -> str:
    return _SPACE.sub(" ", text)


def concordance(q: Any, pattern: str, options: MatchOptions | None = None, *, width: int = 40,
                sort: str = "document", documents: list[str] | None = None,
                limit: int | None = None) -> list[KwicLine]:
    """KWIC lines of ``pattern`` (module doc). Raises PatternError for an invalid regex."""
    if sort not in CONCORDANCE_SORTS:
        raise ValueError(f"sort by one of {', '.join(CONCORDANCE_SORTS)}")
    width = max(0, int(width))
    matcher = Matcher(pattern, options or MatchOptions())
    lines: list[KwicLine] = []
    if matcher.empty:
        return lines
    for order, doc in enumerate(q.iter_documents(documents)):
        text = doc.text
        for start, end in matcher.find_all(text):
            lines.append(KwicLine(doc.id, doc.title, start, end,
                                  _shown(text[max(0, start - width):start]),
                                  text[start:end], _shown(text[end:end + width]), order))
            if limit is not None and len(lines) >= limit:
                break
        if limit is not None and len(lines) >= limit:
            break
    if sort == "left":
        lines.sort(key=lambda ln: (ln.left.rstrip().casefold()[::-1], ln.document_order, ln.start))
    elif sort == "right":
        lines.sort(key=lambda ln: (ln.right.lstrip().casefold(), ln.document_order, ln.start))
    return lines


# -- word frequencies ------------------------------------------------------------------------

_IDEOGRAPH = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_TOKEN = re.compile(rf"[{_IDEOGRAPH}]+|(?:(?![{_IDEOGRAPH}])[\w\u0300-\u036f])+"
                    rf"(?:['\u2019\-](?:(?![{_IDEOGRAPH}])[\w\u0300-\u036f])+)*")
_IS_IDEOGRAPH = re.compile(rf"[{_IDEOGRAPH}]")


def words(text: str) -> list[str]:
    """The counted tokens of ``text``, in order (module doc); digits-only tokens are skipped."""
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        token = m.group()
        if _IS_IDEOGRAPH.match(token):
            out += [token] if len(token) == 1 else [token[i:i + 2] for i in range(len(token) - 1)]
        elif not token.replace("_", "").isdigit():
            out.append(token.replace("\u2019", "'").casefold())
    return out


def _is_stop(token: str, stops: frozenset[str], zh: frozenset[str]) -> bool:
    if token in stops:
        return True
    return bool(_IS_IDEOGRAPH.match(token)) and any(ch in zh for ch in token)


def word_frequencies(q: Any, *, documents: list[str] | None = None,
                     language: str | None = None, top: int | None = 50) -> list[dict[str, Any]]:
    """``{"word", "count", "documents"}`` rows, most frequent first (ties alphabetical);
    ``documents`` counts the documents the word occurs in."""
    counts: Counter[str] = Counter()
    doc_counts: Counter[str] = Counter()
    zh = stop_words("zh")
    for doc in q.iter_documents(documents):
        lang = doc.metadata.get("language") if language is None else language
        stops = frozenset() if lang == "none" else stop_words(lang)
        chinese = zh if lang != "none" else frozenset()
        found = [w for w in words(doc.text) if not _is_stop(w, stops, chinese)]
        counts.update(found)
        doc_counts.update(set(found))
    rows = [{"word": w, "count": n, "documents": doc_counts[w]}
            for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return rows if top is None else rows[:top]

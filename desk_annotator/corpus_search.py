"""Search every document of a project with the one matcher (:mod:`desk_annotator.text_match`).

Used by ``Project.find_in_corpus`` (the corpus search window and its "Code all matches") and
by ``desk-annotator search``. Every document is scanned: SQLite's ``lower()``/``instr`` fold
ASCII only, so no SQL pre-filter can be trusted with case folding (ß, İ, ﬁ, the Kelvin sign)
and quote or dash folding.
"""

from __future__ import annotations

from typing import Any

from .text_match import Matcher, MatchOptions

CONTEXT = 60  # code points either side of a hit
DEFAULT_LIMIT = 2000


def search_corpus(queries: Any, pattern: str, options: MatchOptions | None = None, *,
                  limit: int = DEFAULT_LIMIT) -> list[dict[str, Any]]:
    """Hits in corpus order: document_id, title, start, end (code points), context.

    ``queries`` is a project's ``q``. Raises :class:`~desk_annotator.text_match.PatternError`
    for an invalid regex before any document is read.
    """
    matcher = Matcher(pattern, options or MatchOptions())
    if matcher.empty:
        return []
    hits: list[dict[str, Any]] = []
    for doc in queries.iter_documents():
        for start, end in matcher.find_all(doc.text, limit - len(hits)):
            hits.append({"document_id": doc.id, "title": doc.title, "start": start, "end": end,
                         "context": doc.text[max(0, start - CONTEXT):end + CONTEXT]})
        if len(hits) >= limit:
            break
    return hits

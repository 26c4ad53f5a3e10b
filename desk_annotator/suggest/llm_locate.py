"""From a model's proposed passages to spans of the document: the exact-substring rule.

A proposal becomes a suggestion only if its quote is, character for character, a substring of
the text the model was shown (leading and trailing whitespace of the quote aside), and every
label it names is a label of the codebook. Where it occurs:

1. every occurrence of the quote in the chunk is a candidate;
2. if the proposal gives ``before`` (the words right before the quote) and some candidates are
   preceded by exactly those words (whitespace between them and the quote aside), only those
   stay; if none is, ``before`` is ignored (the quote itself is still exact);
3. the first candidate not already taken by an earlier proposal of the same document is used;
   when all are taken, the proposal is a duplicate and is discarded.

Offsets are code points of the document (the chunk's start added), like every offset in a
project. Everything discarded is counted by reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..models import Codebook
from .llm_prompt import Chunk, ProposedPassage

NOT_IN_TEXT = "not in the text"
UNKNOWN_LABEL = "unknown label"
NO_LABEL = "no label"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class LocatedPassage:
    start: int
    end: int
    quote: str
    stance_id: str | None
    theme_ids: tuple[str, ...]
    probability: float | None


@dataclass
class Located:
    passages: list[LocatedPassage] = field(default_factory=list)
    discarded: Counter[str] = field(default_factory=Counter)


def _occurrences(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def locate(proposals: list[ProposedPassage], chunk: Chunk, codebook: Codebook,
           taken: set[tuple[int, int]], result: Located) -> None:
    """Add the proposals that pass the rule to ``result`` (spans also to ``taken``, shared by
    the chunks of one document); count the others in ``result.discarded``."""
    stance_ids = {lb.name: lb.id for lb in codebook.stance}
    theme_ids = {lb.name: lb.id for lb in codebook.themes}
    for p in proposals:
        quote = p.quote.strip()
        candidates = _occurrences(chunk.text, quote) if quote else []
        if not candidates:
            result.discarded[NOT_IN_TEXT] += 1
            continue
        stance = p.stance.strip() if p.stance else None
        if (stance and stance not in stance_ids) or any(t not in theme_ids for t in p.themes):
            result.discarded[UNKNOWN_LABEL] += 1
            continue
        themes = tuple(dict.fromkeys(theme_ids[t] for t in p.themes))
        if not stance and not themes:
            result.discarded[NO_LABEL] += 1
            continue
        before = p.before.strip()
        if before:
            preceded = [c for c in candidates if chunk.text[:c].rstrip().endswith(before)]
            candidates = preceded or candidates
        spans = [(chunk.start + c, chunk.start + c + len(quote)) for c in candidates]
        free = next((s for s in spans if s not in taken), None)
        if free is None:
            result.discarded[DUPLICATE] += 1
            continue
        taken.add(free)
        result.passages.append(LocatedPassage(free[0], free[1], quote,
                                              stance_ids[stance] if stance else None, themes,
                                              p.confidence))


def describe_discards(discarded: Counter[str]) -> str:
    """"2 not in the text, 1 unknown label" (empty when nothing was discarded)."""
    order = [NOT_IN_TEXT, UNKNOWN_LABEL, NO_LABEL, DUPLICATE]
    return ", ".join(f"{discarded[k]} {k}" for k in order if discarded.get(k))

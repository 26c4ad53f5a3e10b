"""Where two coders part on one document: the passages the compare view steps through.

The rule (per character, the same reading of spans as the agreement measures, DESIGN §5):

* a coder *covers* a character when any of its spans covers it; its stance there is the stance of
  the shortest covering span that has one (tie: the most recently created), its themes the union
  of the themes of all covering spans;
* a character neither coder covers, or both cover with the same stance and themes, agrees;
* both cover it but the stances differ (a stance against none counts) -> ``"stance"``;
  same stance, different themes -> ``"themes"``;
* only one coder covers it -> ``"only_a"`` / ``"only_b"``, unless the covering span of that
  coder also overlaps a span of the other coder: then they marked the same passage with
  different edges -> ``"boundary"``.

Touching runs of disagreeing characters are merged into one passage, which takes the most
serious kind among its runs (stance > themes > only_a > only_b > boundary) and lists every
annotation of each coder that overlaps it. No Qt here: the GUI only draws what this returns.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .errors import OperationError
from .models import Annotation

Kind = Literal["only_a", "only_b", "stance", "themes", "boundary"]
KIND_RANK: dict[str, int] = {"stance": 0, "themes": 1, "only_a": 2, "only_b": 3, "boundary": 4}
KIND_TEXT: dict[str, str] = {
    "stance": "different stance",
    "themes": "different themes",
    "only_a": "coded only by A",
    "only_b": "coded only by B",
    "boundary": "different boundaries",
}


@dataclass(frozen=True)
class Disagreement:
    start: int  # code points, end exclusive
    end: int
    kind: Kind
    a_ids: tuple[str, ...] = field(default=())
    b_ids: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _CoderState:
    covered: bool
    stance: str | None
    themes: frozenset[str]
    ids: tuple[str, ...]


def _state(active: Sequence[Annotation]) -> _CoderState:
    if not active:
        return _CoderState(False, None, frozenset(), ())
    with_stance = [a for a in active if a.stance_id]
    # Shortest span wins; among equals the most recently created (larger timestamp sorts first).
    best = min(with_stance, key=lambda a: (a.end - a.start, _neg(a.created)), default=None)
    themes = frozenset(t for a in active for t in a.theme_ids)
    return _CoderState(True, best.stance_id if best else None, themes, tuple(a.id for a in active))


def _neg(timestamp: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in timestamp)


def _checked(text_length: int, spans: Sequence[Annotation], who: str) -> list[Annotation]:
    for ann in spans:
        if not 0 <= ann.start < ann.end <= text_length:
            raise OperationError(f"coder {who}'s span {ann.start}..{ann.end} is outside the text "
                                 f"(0..{text_length})")
    return list(spans)


def disagreements(text_length: int, spans_a: list[Annotation],
                  spans_b: list[Annotation]) -> list[Disagreement]:
    """Passages where coder A's and coder B's labels differ, in text order (see module doc)."""
    spans_a = _checked(text_length, spans_a, "A")
    spans_b = _checked(text_length, spans_b, "B")
    overlapping = _overlapping_ids(spans_a, spans_b) | _overlapping_ids(spans_b, spans_a)
    starts: dict[int, list[Annotation]] = {}
    for ann in spans_a + spans_b:
        starts.setdefault(ann.start, []).append(ann)
    a_set = {a.id for a in spans_a}
    cuts = sorted({0, text_length, *(p for a in spans_a + spans_b for p in (a.start, a.end))})
    active: dict[str, Annotation] = {}
    runs: list[tuple[int, int, str, set[str], set[str]]] = []
    # Sweep the elementary segments between span edges, keeping the spans covering each.
    for lo, hi in itertools.pairwise(cuts):
        for ann in starts.get(lo, ()):
            active[ann.id] = ann
        for ann_id in [i for i, ann in active.items() if ann.end <= lo]:
            del active[ann_id]
        active_a = [ann for ann in active.values() if ann.id in a_set]
        active_b = [ann for ann in active.values() if ann.id not in a_set]
        kind = _kind(_state(active_a), _state(active_b), active_a, active_b, overlapping)
        if kind is None:
            continue
        a_ids, b_ids = {a.id for a in active_a}, {b.id for b in active_b}
        if runs and runs[-1][1] == lo:  # touching the previous disagreement: one passage
            start, _end, prev_kind, prev_a, prev_b = runs[-1]
            best = min(prev_kind, kind, key=KIND_RANK.__getitem__)
            runs[-1] = (start, hi, best, prev_a | a_ids, prev_b | b_ids)
        else:
            runs.append((lo, hi, kind, a_ids, b_ids))
    return [Disagreement(s, e, k, _in_order(a_ids, spans_a), _in_order(b_ids, spans_b))  # type: ignore[arg-type]
            for s, e, k, a_ids, b_ids in runs]


def _overlapping_ids(mine: list[Annotation], theirs: list[Annotation]) -> set[str]:
    """Ids of ``mine`` that overlap at least one span of ``theirs`` (sorted sweep, O(n log n))."""
    ordered = sorted(theirs, key=lambda t: t.start)
    their_starts = [t.start for t in ordered]
    max_end, running = [], -1
    for t in ordered:
        running = max(running, t.end)
        max_end.append(running)
    found = set()
    for m in mine:
        k = bisect.bisect_left(their_starts, m.end)  # spans of theirs starting before m ends
        if k and max_end[k - 1] > m.start:
            found.add(m.id)
    return found


def _in_order(ids: set[str], spans: list[Annotation]) -> tuple[str, ...]:
    return tuple(a.id for a in spans if a.id in ids)


def _kind(a: _CoderState, b: _CoderState, active_a: list[Annotation],
          active_b: list[Annotation], overlapping: set[str]) -> str | None:
    if a.covered and b.covered:
        if a.stance != b.stance:
            return "stance"
        return "themes" if a.themes != b.themes else None
    if a.covered or b.covered:
        mine = active_a or active_b
        if any(m.id in overlapping for m in mine):
            return "boundary"
        return "only_a" if a.covered else "only_b"
    return None


def disagreement_at(passages: list[Disagreement], position: int) -> int | None:
    """Index of the passage containing ``position`` (code points), if any."""
    return next((i for i, d in enumerate(passages) if d.start <= position < d.end), None)

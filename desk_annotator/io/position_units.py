"""Which unit another tool's character positions count, decided from the positions themselves.

The REFI-QDA standard and desk-annotator count Unicode code points. Programs built on .NET or
Qt count UTF-16 code units, in which every character outside the Basic Multilingual Plane (most
emoji, flags, rare CJK) is two; NVivo for Windows also counts each line break as two (CR LF).
The same question arises for UIMA CAS and WebAnno TSV (Java strings). A file does not say which
unit it used, so each *reading* is tried on the raw source text (before any normalisation) and
scored:

(a) where the file carries the selected text (QualCoder writes it in ``name``), how many
    selections read exactly that text;
(b) how many boundaries fall on word or punctuation edges (coders select words, a shifted
    boundary usually cuts one);
(c) how many selections stay inside the text.

A non-standard reading is used only when it is clearly better than the standard one; when the
readings agree (no astral character or line break before any position) nothing is reported.
Evidence is pooled over the sources of one file first (one tool wrote them all), then each
source may still go its own way when its own evidence says so clearly. Readings:

============== ============================================================================
key            unit
============== ============================================================================
codepoints     code points, every character of the text as stored counts one (the standard)
utf16          UTF-16 code units, line breaks as stored (NVivo for Mac, QualCoder; NVivo
               for Windows when its text file has CR LF)
utf16-crlf     UTF-16 code units, every line break counts two (NVivo for Windows style)
utf16-lf       UTF-16 code units, a CR LF pair counts one
codepoints-crlf  code points, every line break counts two
codepoints-lf  code points, a CR LF pair counts one
============== ============================================================================

Use :func:`decide_positions` with the raw text and positions of every source, then
:func:`report_lines` for what to tell the user (after noting odd selections on the decisions).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .boundaries import matches_stated_text, on_edge

__all__ = [
    "EXPORT_POSITIONS",
    "POSITION_CHOICES",
    "READINGS",
    "RawSpan",
    "Reading",
    "Selection",
    "UnitDecision",
    "UnitMap",
    "check_positions",
    "decide_positions",
    "report_lines",
]


@dataclass(frozen=True)
class Reading:
    key: str
    utf16: bool
    line_breaks: str  # "file": as stored; "two": every line break counts two; "one": CR LF is one


# In order of preference when two readings fit equally well.
READINGS: dict[str, Reading] = {r.key: r for r in (
    Reading("codepoints", False, "file"),
    Reading("utf16", True, "file"),
    Reading("utf16-crlf", True, "two"),
    Reading("utf16-lf", True, "one"),
    Reading("codepoints-crlf", False, "two"),
    Reading("codepoints-lf", False, "one"),
)}
STANDARD = "codepoints"
POSITION_CHOICES = ("auto", *READINGS)
EXPORT_POSITIONS = ("codepoints", "utf16")

MIN_GAIN = 3  # a non-standard reading must do at least this much better ...
MIN_GAIN_SHARE = 0.2  # ... and by this share of the boundaries the two readings disagree on
MAX_LINES = 20  # per-source lines reported before the rest are summarised

_ASTRAL = "[\U00010000-\U0010FFFF]"


def check_positions(positions: str, allowed: Sequence[str] = POSITION_CHOICES) -> str:
    if positions not in allowed:
        raise ValueError(f"positions must be one of {', '.join(allowed)} (not {positions!r})")
    return positions


class Selection(NamedTuple):
    """One selection as the file states it: positions in the file's unit, and the selected text
    when the file carries it. (Named tuples, as RawSpan: a file has a hundred thousand of
    them, made and compared under several readings; tuples do both in C.)"""

    start: int
    end: int
    text: str | None = None


class RawSpan(NamedTuple):
    """A selection in code points of the raw text. ``problem``: None, "outside" (not inside the
    text under this reading) or "split" (a boundary fell inside one character, e.g. between the
    two UTF-16 halves of an emoji, and was widened to the whole character)."""

    start: int
    end: int
    problem: str | None = None


class UnitMap:
    """Positions in one reading -> code point offsets of ``text`` (and back), in O(log n).

    Only characters whose width in the reading differs from their length in code points are
    remembered: astral characters (two UTF-16 units), and line breaks counted otherwise than
    stored.
    """

    def __init__(self, text: str, reading: Reading) -> None:
        self.text = text
        self.reading = reading
        cps: list[int] = []
        lens: list[int] = []
        widths: list[int] = []
        pattern = _token_pattern(reading)
        if pattern is not None and not (reading.line_breaks == "file" and text.isascii()):
            for match in pattern.finditer(text):
                token = match.group()
                width = _width(token, reading)
                if width != len(token):
                    cps.append(match.start())
                    lens.append(len(token))
                    widths.append(width)
        self._cp, self._len, self._w = cps, lens, widths
        units, shift = [], 0
        for cp, n, w in zip(cps, lens, widths, strict=True):
            units.append(cp + shift)
            shift += w - n
        self._u = units
        self.length = len(text) + shift
        self.signature = (tuple(cps), tuple(lens), tuple(widths))

    def to_cp(self, unit: int, side: str = "start") -> tuple[int, bool]:
        """Code point offset of ``unit``; False when it fell inside a character (then the offset
        is that character's start for ``side="start"``, its end for ``side="end"``)."""
        k = bisect.bisect_right(self._u, unit) - 1
        if k < 0:
            return unit, True
        first, width, cp, n = self._u[k], self._w[k], self._cp[k], self._len[k]
        if unit == first:
            return cp, True
        if unit < first + width:
            return (cp if side == "start" else cp + n), False
        return cp + n + (unit - first - width), True

    def to_unit(self, cp: int) -> int:
        """Position in this reading of code point offset ``cp``."""
        k = bisect.bisect_right(self._cp, cp) - 1
        if k < 0:
            return cp
        first, width, start, n = self._u[k], self._w[k], self._cp[k], self._len[k]
        if cp == start:
            return first
        if cp < start + n:  # between CR and LF when the pair counts one
            return first + width
        return first + width + (cp - start - n)

    def span(self, sel: Selection) -> RawSpan:
        # The spans are made by tuple.__new__: a named tuple's own __new__ is a Python
        # function, a sixth of placing a file's hundred thousand selections.
        start, end = sel[0], sel[1]
        if not 0 <= start < end <= self.length:
            return _new_tuple(RawSpan, (start, end, "outside"))
        if not self._u:  # every character counts one in this reading: positions as stated
            return _new_tuple(RawSpan, (start, end, None))
        start, ok_start = self.to_cp(start, "start")
        end, ok_end = self.to_cp(end, "end")
        return _new_tuple(RawSpan, (start, end, None if ok_start and ok_end else "split"))


_new_tuple = tuple.__new__


def _token_pattern(reading: Reading) -> re.Pattern | None:
    parts = []
    if reading.line_breaks == "one":
        parts.append("\r\n")
    elif reading.line_breaks == "two":
        parts += ["\r\n", "[\r\n]"]
    if reading.utf16:
        parts.append(_ASTRAL)
    return re.compile("|".join(parts)) if parts else None


def _width(token: str, reading: Reading) -> int:
    if token == "\r\n":
        return 1 if reading.line_breaks == "one" else 2
    if token in "\r\n":
        return 2 if reading.line_breaks == "two" else 1
    return 2 if reading.utf16 else 1


# --- scores -----------------------------------------------------------------------------------

@dataclass
class Score:
    edges: int = 0  # boundaries on word edges
    boundaries: int = 0
    inside: int = 0  # selections inside the text with both boundaries on characters
    selections: int = 0
    matches: int = 0  # selections reading the text the file states
    named: int = 0  # selections whose text the file states

    def add(self, other: Score) -> None:
        for name in ("edges", "boundaries", "inside", "selections", "matches", "named"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def quality(self) -> int:
        return self.edges + self.inside


@dataclass
class _Evidence:
    """One source under every reading: spans, per-boundary edge flags and text matches."""

    name: str
    text: str
    selections: list[Selection]
    spans: dict[str, list[RawSpan]] = field(default_factory=dict)
    edges: dict[str, list[tuple[bool, bool]]] = field(default_factory=dict)
    matched: dict[str, list[bool | None]] = field(default_factory=dict)
    scores: dict[str, Score] = field(default_factory=dict)
    lengths: dict[str, int] = field(default_factory=dict)
    has_crlf: bool = False
    has_lf: bool = False
    _disagreements: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    def build(self) -> None:
        text = self.text
        self.has_crlf = "\r\n" in text
        self.has_lf = "\n" in text.replace("\r\n", "")
        if not self.selections:  # nothing to place: no need to scan the text
            for key in READINGS:
                self.spans[key], self.edges[key], self.matched[key] = [], [], []
                self.scores[key], self.lengths[key] = Score(), len(text)
            return
        done: dict[tuple, str] = {}
        edge_at: dict[int, bool] = {}  # code point offset -> on_edge(text, offset)
        breaks = "\r" in text or "\n" in text
        for key, reading in READINGS.items():
            if not breaks and reading.line_breaks != "file":
                # No line break to count otherwise: maps exactly like the reading that keeps
                # them as stored (same unit), which READINGS lists first.
                same = "utf16" if reading.utf16 else "codepoints"
                self.lengths[key] = self.lengths[same]
                for part in (self.spans, self.edges, self.matched, self.scores):
                    part[key] = part[same]
                continue
            umap = UnitMap(text, reading)
            self.lengths[key] = umap.length
            same = done.get(umap.signature)
            if same is not None:  # maps exactly like an earlier reading on this text
                for part in (self.spans, self.edges, self.matched, self.scores):
                    part[key] = part[same]
                continue
            done[umap.signature] = key
            spans, edges, matched, score = [], [], [], Score()
            no_flags = (False, False)
            for sel in self.selections:
                span = umap.span(sel)
                spans.append(span)
                valid = span.problem is None
                if valid:  # a boundary's edge test is the same under every reading
                    start_edge = edge_at.get(span.start)
                    if start_edge is None:
                        start_edge = edge_at[span.start] = on_edge(text, span.start)
                    end_edge = edge_at.get(span.end)
                    if end_edge is None:
                        end_edge = edge_at[span.end] = on_edge(text, span.end)
                    edges.append((start_edge, end_edge))
                    score.edges += start_edge + end_edge
                    score.inside += 1
                else:
                    edges.append(no_flags)
                hit = None
                if sel.text:
                    score.named += 1
                    hit = valid and matches_stated_text(text[span.start:span.end], sel.text)
                    score.matches += bool(hit)
                matched.append(hit)
            score.boundaries += 2 * len(self.selections)
            score.selections += len(self.selections)
            self.spans[key], self.edges[key], self.matched[key] = spans, edges, matched
            self.scores[key] = score

    def distinct(self) -> bool:
        first = self.spans[STANDARD]
        return any(self.spans[key] is not first and self.spans[key] != first for key in READINGS)

    def same(self, a: str, b: str) -> bool:
        return self.spans[a] is self.spans[b] or self.spans[a] == self.spans[b]

    def disagreement(self, a: str, b: str) -> tuple[int, int]:
        """(boundaries mapped differently by a and b, named selections read differently)."""
        if self.same(a, b):
            return 0, 0
        # Readings that map alike share one list of spans: count each pair of lists once
        # (the verdicts ask again for every reading and for the file's pooled evidence).
        pair = (id(self.spans[a]), id(self.spans[b]))
        found = self._disagreements.get(pair)
        if found is None:
            found = self._disagreements[pair] = self._count_disagreement(a, b)
        return found

    def _count_disagreement(self, a: str, b: str) -> tuple[int, int]:
        bounds = named = 0
        for sel, sa, sb in zip(self.selections, self.spans[a], self.spans[b], strict=True):
            differs_start = (sa.start, sa.problem) != (sb.start, sb.problem)
            differs_end = (sa.end, sa.problem) != (sb.end, sb.problem)
            bounds += differs_start + differs_end
            named += bool(sel.text) and (differs_start or differs_end)
        return bounds, named


@dataclass
class _Verdict:
    key: str
    strength: str  # "agree" | "clear" | "kept" | "weak"
    by_text: bool = False
    rival: str | None = None  # the best other reading (for weak / kept reports)


def _verdict(scores: dict[str, Score], disagreement, baseline: str,
             candidates: list[str]) -> _Verdict:
    """Keep ``baseline`` unless another reading is clearly better."""
    others = [k for k in candidates if disagreement(k, baseline) != (0, 0)]
    if not others:
        return _Verdict(baseline, "agree")
    order = list(READINGS)
    best = max(others, key=lambda k: (scores[k].matches, scores[k].quality, -order.index(k)))
    base, alt = scores[baseline], scores[best]
    bounds, named = disagreement(best, baseline)
    if named and alt.matches != base.matches:
        gain = alt.matches - base.matches
        if gain >= max(1, named / 2):
            return _Verdict(best, "clear", by_text=True, rival=baseline)
        if gain < 0:
            return _Verdict(baseline, "clear", by_text=True, rival=best)
    gain = alt.quality - base.quality
    if gain >= max(MIN_GAIN, math.ceil(MIN_GAIN_SHARE * bounds)):
        return _Verdict(best, "clear", rival=baseline)
    if gain > 0:
        return _Verdict(baseline, "weak", rival=best)
    return _Verdict(baseline, "kept", rival=best)


# --- decisions ----------------------------------------------------------------------------------

@dataclass
class UnitDecision:
    """The reading used for one source, its spans (code points of the raw text, one per
    selection given) and what to report."""

    source: str
    reading: Reading
    spans: list[RawSpan]
    # "agree": all readings map alike; "clear": chosen on clear evidence; "kept": the baseline
    # fits best; "weak": the baseline kept though another fits a little better; "contradicted":
    # forced although another reading fits clearly better.
    strength: str
    forced: bool = False
    pooled: bool = False  # this source alone was weak evidence, read like the others
    quiet: bool = False  # nothing to say unless something is odd (our own files)
    rival: str | None = None
    by_text: bool = False
    length: int = 0  # the text's length in the reading's unit
    _evidence: _Evidence | None = None
    _odd: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.reading.key

    def fits_elsewhere(self, index: int) -> str | None:
        """A reading under which selection ``index`` sits inside the text with both boundaries
        on word edges, when the reading used does not do that; else None."""
        ev = self._evidence
        if ev is None or self.strength == "agree":
            return None
        if ev.spans[self.key][index].problem is None and all(ev.edges[self.key][index]):
            return None
        for key in READINGS:
            if key != self.key and ev.spans[key][index].problem is None \
                    and all(ev.edges[key][index]):
                return key
        return None

    def note(self, what: str, example: str) -> None:
        """Record an odd selection that another unit would explain (reported on this line)."""
        self._odd.append((what, example))

    def line(self) -> str | None:
        ev = self._evidence
        if ev is None or self.strength == "agree" or (self.quiet and not self._odd):
            return None
        label = _label(self.key if self.forced else _simplest(ev, self.key), ev)
        score = ev.scores[self.key]
        head = f"source '{self.source}': positions read as {label}"
        if self.forced:
            head += ", forced"
        body = _score_text(score)
        rival = _simplest(ev, self.rival) if self.rival is not None else None
        if self.strength == "weak" and rival is not None:
            bounds, _ = ev.disagreement(rival, self.key)
            text = (f"{head}, but the evidence is weak: {_label(rival, ev)} would put "
                    f"{_edges_where_differ(ev, rival, self.key)}/{bounds} of the boundaries "
                    f"where the two disagree on word edges, {_label_short(self.key)} "
                    f"{_edges_where_differ(ev, self.key, rival)}/{bounds}; check this source's "
                    f"passages (positions={rival} forces the other reading)")
        else:
            text = f"{head}: {body}"
            if rival is not None and not ev.same(rival, self.key):
                text += f" ({_label_short(rival)}: {_score_text(ev.scores[rival], short=True)})"
            if self.pooled:
                text += "; this source alone is weak evidence, read like the file's other sources"
            if self.strength == "contradicted" and rival is not None:
                text += f"; {_label(rival, ev)} fits clearly better (positions={rival})"
        if self._odd:
            kinds: dict[str, list[str]] = {}
            for what, example in self._odd:
                kinds.setdefault(what, []).append(example)
            parts = [f"{len(v)} {k} ({'; '.join(v[:3])}{'; ...' if len(v) > 3 else ''})"
                     for k, v in kinds.items()]
            text += "; selections that fit another unit better: " + ", ".join(parts)
        return text


def _simplest(ev: _Evidence, key: str) -> str:
    """The plainest reading that maps this source exactly like ``key`` (code points rather
    than UTF-16 when no astral character is involved, line breaks as stored when none is)."""
    for simple in ("codepoints", "codepoints-crlf", "codepoints-lf", "utf16", "utf16-crlf"):
        if ev.same(simple, key):
            return simple
    return key


def _edges_where_differ(ev: _Evidence, a: str, b: str) -> int:
    count = 0
    for ea, sa, sb in zip(ev.edges[a], ev.spans[a], ev.spans[b], strict=True):
        if (sa.start, sa.problem) != (sb.start, sb.problem):
            count += ea[0]
        if (sa.end, sa.problem) != (sb.end, sb.problem):
            count += ea[1]
    return count


def _score_text(score: Score, *, short: bool = False) -> str:
    parts = []
    if score.named:
        parts.append(f"{score.matches}/{score.named} selected texts match")
    parts.append(f"{score.edges}/{score.boundaries}" + ("" if short else
                                                       " boundaries on word edges"))
    outside = score.selections - score.inside
    if outside:
        parts.append(f"{outside} selection{'s' if outside > 1 else ''} outside the text or "
                     f"cutting a character")
    return ", ".join(parts)


def _label(key: str, ev: _Evidence) -> str:
    reading = READINGS[key]
    if key == "codepoints":
        return "code points (the standard)"
    if reading.utf16 and reading.line_breaks == "file":
        if ev.has_crlf:
            return "UTF-16 units, CRLF = 2 (NVivo for Windows style)"
        if ev.has_lf:
            return "UTF-16 units (NVivo for Mac / QualCoder style)"
        return "UTF-16 units"
    unit = "UTF-16 units" if reading.utf16 else "code points"
    if reading.line_breaks == "two":
        return f"{unit}, every line break = 2" + (" (NVivo for Windows style)"
                                                   if reading.utf16 else "")
    return f"{unit}, CRLF = 1"


def _label_short(key: str) -> str:
    return {"codepoints": "code points", "utf16": "UTF-16 units",
            "utf16-crlf": "UTF-16 units, line break = 2", "utf16-lf": "UTF-16 units, CRLF = 1",
            "codepoints-crlf": "code points, line break = 2",
            "codepoints-lf": "code points, CRLF = 1"}[key]


def decide_positions(sources: Sequence[tuple[str, str, Sequence[Selection]]], *,
                     positions: str = "auto", prior: str = STANDARD,
                     quiet: bool = False) -> list[UnitDecision]:
    """One decision per source, in order. ``sources``: (name, raw text, selections) with the
    raw text exactly as the positions count it (before NFC/CRLF normalisation).

    ``positions``: "auto" to detect, or a reading key to force. ``prior``: the reading assumed
    when the evidence does not clearly say otherwise (the standard; a file that records its unit
    gives it here). ``quiet``: say nothing for sources read with the prior unless something is
    odd (files that record their unit).
    """
    check_positions(positions)
    check_positions(prior, tuple(READINGS))
    evidence = []
    for name, text, selections in sources:
        ev = _Evidence(name, text, [s for s in selections])
        ev.build()
        evidence.append(ev)
    if positions != "auto":
        return [_forced(ev, positions) for ev in evidence]

    ambiguous = [ev for ev in evidence if ev.distinct()]
    pooled_key = prior
    if ambiguous:
        totals = {key: Score() for key in READINGS}
        for ev in ambiguous:
            for key in READINGS:
                totals[key].add(ev.scores[key])

        def pooled_disagreement(a: str, b: str) -> tuple[int, int]:
            pairs = [ev.disagreement(a, b) for ev in ambiguous]
            return sum(p[0] for p in pairs), sum(p[1] for p in pairs)

        project = _verdict(totals, pooled_disagreement, prior, list(READINGS))
        pooled_key = project.key
    decisions = []
    ambiguous_ids = {id(ev) for ev in ambiguous}  # not `in ambiguous`: compares every field
    for ev in evidence:
        if id(ev) not in ambiguous_ids:
            decisions.append(UnitDecision(ev.name, READINGS[pooled_key], ev.spans[pooled_key],
                                          "agree", length=ev.lengths[pooled_key], _evidence=ev))
            continue
        own = _verdict(ev.scores, ev.disagreement, pooled_key, list(READINGS))
        pooled = False
        if own.key == pooled_key and pooled_key != prior:
            # Read like the file's other sources; say so when this source alone would not.
            alone = _verdict(ev.scores, ev.disagreement, prior, list(READINGS))
            pooled = alone.key != pooled_key
            own = _Verdict(pooled_key, "clear", alone.by_text or own.by_text,
                           rival=prior if not ev.same(prior, pooled_key) else own.rival)
        decisions.append(UnitDecision(
            ev.name, READINGS[own.key], ev.spans[own.key], own.strength, pooled=pooled,
            quiet=quiet and own.key == prior, rival=own.rival, by_text=own.by_text,
            length=ev.lengths[own.key], _evidence=ev))
    return decisions


def _forced(ev: _Evidence, key: str) -> UnitDecision:
    if not ev.distinct():
        return UnitDecision(ev.name, READINGS[key], ev.spans[key], "agree",
                            forced=True, length=ev.lengths[key], _evidence=ev)
    verdict = _verdict(ev.scores, ev.disagreement, key, list(READINGS))
    # A forced reading is used even when another fits better; the line then names that one.
    strength = "contradicted" if verdict.key != key else "kept"
    return UnitDecision(ev.name, READINGS[key], ev.spans[key], strength, forced=True,
                        rival=verdict.key if verdict.key != key else verdict.rival,
                        length=ev.lengths[key], _evidence=ev)


def report_lines(decisions: Sequence[UnitDecision], max_lines: int = MAX_LINES) -> list[str]:
    """One line per source whose readings differ (at most ``max_lines``, then one summary)."""
    lines, rest = [], {}
    for decision in decisions:
        line = decision.line()
        if line is None:
            continue
        if len(lines) < max_lines:
            lines.append(line)
        else:
            ev = decision._evidence
            label = _label(decision.key, ev) if ev is not None else decision.key
            rest[label] = rest.get(label, 0) + 1
    if rest:
        lines.append("positions of " + ", ".join(
            f"{n} more source{'s' if n > 1 else ''} read as {label}" for label, n in rest.items()))
    return lines

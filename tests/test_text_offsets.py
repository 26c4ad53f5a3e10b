"""Code point <-> UTF-16 offsets and offset mapping through text normalisation (text.py)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_annotator.text import (
    NormalizationMap,
    Utf16Map,
    cp_to_utf16,
    normalize_text,
    snap_to_words,
    utf16_to_cp,
)

# Pieces that exercise every tricky case: astral emoji, flags (two regional indicators), a ZWJ
# sequence, skin-tone modifiers, CJK (BMP and astral), combining marks, CRLF, BOM.
PIECES = ["a", "Z", " ", "\n", "\r\n", "\r", "é", "e\u0301", "n\u0303", "\u0301", "😀", "🇺🇸",
          "👩\u200d💻", "👍🏽", "中", "文", "𠀀", "\ufeff", "Å", "A\u030a", "ﬁ", "—", "x"]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
any_text = st.one_of(texts, st.text(max_size=60))


def utf16_len(s: str) -> int:
    """Ground truth: the number of UTF-16 code units."""
    return len(s.encode("utf-16-le")) // 2


@settings(max_examples=200, deadline=None)
@given(any_text, st.data())
def test_cp_to_utf16_matches_encoding_ground_truth(text: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(text)))
    assert cp_to_utf16(text, i) == utf16_len(text[:i])
    m = Utf16Map(text)
    assert m.to_utf16(i) == utf16_len(text[:i])
    assert m.length_utf16 == utf16_len(text)
    # Round trip is exact on code point boundaries.
    assert utf16_to_cp(text, cp_to_utf16(text, i)) == i
    assert m.to_cp(m.to_utf16(i), snap="up") == i


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_every_utf16_offset_maps_to_a_code_point_boundary(text: str) -> None:
    m = Utf16Map(text)
    bounds = {utf16_len(text[:i]): i for i in range(len(text) + 1)}
    for u in range(m.length_utf16 + 1):
        down, up = m.to_cp(u), m.to_cp(u, snap="up")
        if u in bounds:
            assert down == up == bounds[u]
        else:
            # Inside a surrogate pair: down is the astral character, up is just after it.
            assert up == down + 1
            assert ord(text[down]) > 0xFFFF
            assert utf16_len(text[:down]) == u - 1


def test_surrogate_pair_snapping_concrete() -> None:
    text = "a😀b"  # UTF-16: a, hi, lo, b
    assert [cp_to_utf16(text, i) for i in range(4)] == [0, 1, 3, 4]
    assert utf16_to_cp(text, 2) == 1
    assert utf16_to_cp(text, 2, snap="up") == 2
    flag = "🇺🇸!"  # two astral regional indicators
    assert cp_to_utf16(flag, 2) == 4
    assert utf16_to_cp(flag, 3) == 1 and utf16_to_cp(flag, 3, snap="up") == 2


@pytest.mark.parametrize("bad", [-1, 5])
def test_offsets_outside_text_are_refused(bad: int) -> None:
    with pytest.raises(ValueError):
        cp_to_utf16("a😀b", bad + (1 if bad > 0 else 0))
    with pytest.raises(ValueError):
        utf16_to_cp("abcd", bad + (1 if bad > 0 else 0))


# -- normalisation map --------------------------------------------------------------------

def segment_bounds(raw: str) -> list[int]:
    """Offsets a NormalizationMap must map exactly: before each character that does not join
    the previous one (a starter that is not combining), never between CR and LF."""
    bounds = [0]
    for i in range(1, len(raw)):
        ch, prev = raw[i], raw[i - 1]
        if prev == "\r" and ch == "\n":
            continue
        if ch not in "\r\n" and (unicodedata.combining(ch) or 0x1160 <= ord(ch) <= 0x11FF):
            continue
        bounds.append(i)
    bounds.append(len(raw))
    return bounds


@settings(max_examples=300, deadline=None)
@given(texts, st.data())
def test_normalization_map_slices_equal_normalised_raw_slices(raw: str, data: st.DataObject) -> None:
    nmap = NormalizationMap(raw)
    assert nmap.text == normalize_text(raw)
    bounds = segment_bounds(raw)
    a = data.draw(st.sampled_from(bounds))
    b = data.draw(st.sampled_from(bounds))
    a, b = min(a, b), max(a, b)
    span = nmap.map_span(a, b)
    assert not span.snapped
    piece = raw[a:b]
    if a == 0 and piece.startswith("\ufeff"):
        piece = piece[1:]  # the BOM is dropped at the start only
    expected = unicodedata.normalize("NFC", piece.replace("\r\n", "\n").replace("\r", "\n"))
    assert nmap.text[span.start:span.end] == expected


@settings(max_examples=200, deadline=None)
@given(texts, st.data())
def test_normalization_map_is_monotone_and_in_range(raw: str, data: st.DataObject) -> None:
    nmap = NormalizationMap(raw)
    offsets = sorted(data.draw(st.lists(st.integers(0, len(raw)), min_size=2, max_size=6)))
    starts = [nmap.map_offset(o, side="start")[0] for o in offsets]
    ends = [nmap.map_offset(o, side="end")[0] for o in offsets]
    assert starts == sorted(starts) and ends == sorted(ends)
    assert all(0 <= s <= e <= len(nmap.text) for s, e in zip(starts, ends))


def test_crlf_offsets_shift_and_inside_crlf_snaps_outward() -> None:
    raw = "ab\r\ncd\r\nef"
    nmap = NormalizationMap(raw)
    assert nmap.text == "ab\ncd\nef"
    span = nmap.map_span(4, 6)  # "cd"
    assert (span.start, span.end, span.snapped) == (3, 5, False)
    assert nmap.text[span.start:span.end] == "cd"
    # Between CR and LF: the start snaps left to the line break, the end snaps right past it.
    s = nmap.map_span(3, 7)  # both boundaries between a CR and its LF
    assert s.snapped and (s.start, s.end) == (2, 6)
    assert nmap.text[s.start:s.end] == "\ncd\n"
    e = nmap.map_span(0, 3)
    assert e.snapped and nmap.text[e.start:e.end] == "ab\n"


def test_bom_and_decomposed_text() -> None:
    raw = "\ufeffCafe\u0301 na\u0131\u0308ve"  # BOM, e + combining acute, dotless i + diaeresis
    nmap = NormalizationMap(raw)
    assert not nmap.text.startswith("\ufeff")
    assert nmap.text == unicodedata.normalize("NFC", raw[1:])
    span = nmap.map_span(1, 6)  # "Cafe\u0301"
    assert not span.snapped and nmap.text[span.start:span.end] == "Café"
    # An end inside "e + combining acute" snaps right to include the whole composed letter.
    inside = nmap.map_span(1, 5)
    assert inside.snapped and nmap.text[inside.start:inside.end] == "Café"
    # A start inside it snaps left.
    left = nmap.map_span(5, 6)
    assert left.snapped and nmap.text[left.start:left.end] == "é"


def test_unchanged_text_maps_identically() -> None:
    raw = "already NFC 😀 中文 é"
    nmap = NormalizationMap(raw)
    for i in range(len(raw) + 1):
        assert nmap.map_offset(i, side="start") == (i, False)
        assert nmap.map_offset(i, side="end") == (i, False)


def test_map_offset_outside_text_is_refused() -> None:
    with pytest.raises(ValueError):
        NormalizationMap("abc").map_offset(4, side="start")


# -- snapping to words --------------------------------------------------------------------

@pytest.mark.parametrize(("start", "end", "expected"), [
    (1, 3, "Export"),            # inside one word
    (0, 6, "Export"),            # exact word
    (6, 8, "on"),                # leading space trimmed
    (2, 10, "Export on"),        # widened both sides
    (6, 7, ""),                  # only space: empty
])
def test_snap_to_words(start: int, end: int, expected: str) -> None:
    text = "Export on open-weight models"
    s, e = snap_to_words(text, start, end)
    assert text[s:e] == expected


def test_snap_to_words_keeps_combining_marks_and_hyphens() -> None:
    text = "the nai\u0308ve open-weight plan"
    s, e = snap_to_words(text, 5, 6)
    assert text[s:e] == "nai\u0308ve"
    s, e = snap_to_words(text, 13, 14)
    assert text[s:e] == "open-weight"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.data())
def test_snap_to_words_never_shrinks_words_and_stays_in_range(text: str, data: st.DataObject) -> None:
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    s, e = snap_to_words(text, a, b)
    assert 0 <= s <= e <= len(text)
    if s < e:
        assert not text[s].isspace() and not text[e - 1].isspace()
        # Every non-space character of the selection is still inside.
        inner = [i for i in range(a, b) if not text[i].isspace()]
        assert all(s <= i < e for i in inner)


class _TinyChunks(Utf16Map):
    """The same map cut into chunks of 3 code points: every chunk edge case in short texts."""

    __slots__ = ()
    CHUNK = 3


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_chunked_map_matches_ground_truth_at_every_offset(text: str) -> None:
    """Chunk edges inside, before and after astral characters, texts of whole chunks, the
    empty text: every code point and UTF-16 offset as counted by encoding."""
    for m in (_TinyChunks(text), Utf16Map(text)):
        assert m.length_utf16 == utf16_len(text)
        bounds = {utf16_len(text[:i]): i for i in range(len(text) + 1)}
        for i in range(len(text) + 1):
            assert m.to_utf16(i) == utf16_len(text[:i])
        for u in range(m.length_utf16 + 1):
            down, up = m.to_cp(u), m.to_cp(u, snap="up")
            if u in bounds:
                assert down == up == bounds[u]
            else:
                assert up == down + 1 and ord(text[down]) > 0xFFFF
                assert utf16_len(text[:down]) == u - 1


def test_long_text_map_matches_ground_truth():
    """A text of many default-size chunks with emoji, astral CJK and lone BMP text between,
    probed in every chunk and at every chunk edge (and after converting in any order)."""
    import random

    rng = random.Random(3)
    pieces = ["word ", "中文", "😀", "𠀀", "\n", "é", "🇺🇸", "x" * 50]
    text = "".join(rng.choice(pieces) for _ in range(60_000))
    m = Utf16Map(text)
    assert len(text) > 4 * Utf16Map.CHUNK and m.length_utf16 == utf16_len(text)
    edges = [k * Utf16Map.CHUNK + d for k in range(len(text) // Utf16Map.CHUNK + 1)
             for d in (-2, -1, 0, 1)]
    probes = [p for p in edges + [rng.randrange(len(text) + 1) for _ in range(400)]
              if 0 <= p <= len(text)]
    rng.shuffle(probes)
    encoded = text.encode("utf-16-le")
    for cp in probes:
        u = len(text[:cp].encode("utf-16-le")) // 2
        assert m.to_utf16(cp) == u
        assert m.to_cp(u) == cp
        if cp < len(text) and ord(text[cp]) > 0xFFFF:  # inside its surrogate pair
            assert m.to_cp(u + 1) == cp and m.to_cp(u + 1, snap="up") == cp + 1
    assert len(encoded) // 2 == m.length_utf16

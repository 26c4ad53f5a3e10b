"""Utf16Map.with_utf16: the map built in the pass that also encodes the text for Qt answers
exactly like Utf16Map(text) at every offset, and its bytes are the text's UTF-16 in the
machine's byte order: emoji, flags, astral CJK, CRLF, lone BMP text, the empty text, ASCII,
and texts of several chunks with astral characters at the chunk edges."""

from __future__ import annotations

import random
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from desk_annotator.text import Utf16Map

PIECES = ["a", " ", "\n", "\r\n", "é", "😀", "🇺🇸", "👩\u200d💻", "中", "𠀀", "\ufeff", "x"]
texts = st.one_of(st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
                  st.text(max_size=60))
NATIVE = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"


class _TinyChunks(Utf16Map):
    __slots__ = ()
    CHUNK = 3  # every few characters a chunk edge


def _same_answers(text: str, made: Utf16Map, plain: Utf16Map) -> None:
    assert (made.length, made.length_utf16) == (plain.length, plain.length_utf16)
    for i in range(len(text) + 1):
        assert made.to_utf16(i) == plain.to_utf16(i)
    for u in range(plain.length_utf16 + 1):
        for snap in ("down", "up"):
            assert made.to_cp(u, snap=snap) == plain.to_cp(u, snap=snap)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_with_utf16_equals_the_plain_map_and_the_encoding(text: str) -> None:
    for cls in (_TinyChunks, Utf16Map):
        made, data = cls.with_utf16(text)
        _same_answers(text, made, cls(text))
        assert data == (b"" if text.isascii() else text.encode(NATIVE, "surrogatepass"))


def test_with_utf16_on_a_text_of_many_chunks() -> None:
    rng = random.Random(7)
    pieces = ["word ", "中文", "😀", "𠀀", "\n", "é", "🇺🇸", "x" * 50]
    text = "".join(rng.choice(pieces) for _ in range(40_000))
    made, data = Utf16Map.with_utf16(text)
    plain = Utf16Map(text)
    assert len(text) > 3 * Utf16Map.CHUNK
    assert data == text.encode(NATIVE, "surrogatepass")
    probes = [k * Utf16Map.CHUNK + d for k in range(len(text) // Utf16Map.CHUNK + 1)
              for d in (-2, -1, 0, 1)] + [rng.randrange(len(text) + 1) for _ in range(300)]
    for p in (p for p in probes if 0 <= p <= len(text)):
        assert made.to_utf16(p) == plain.to_utf16(p)
        u = plain.to_utf16(p)
        assert made.to_cp(u) == plain.to_cp(u) == p

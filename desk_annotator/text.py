"""Text normalisation, hashing and the code point <-> UTF-16 offset conversion.

Offsets everywhere in desk-annotator are Unicode code points (Python ``str`` indexes). Qt counts
UTF-16 code units, so the GUI converts at its boundary with :func:`cp_to_utf16` /
:func:`utf16_to_cp` (or a reusable :class:`Utf16Map` for many conversions on one text).
"""

from __future__ import annotations

import bisect
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass

BOM = "\ufeff"
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def normalize_text(raw: str) -> str:
    """The one canonical form text is stored in: no BOM, ``\\n`` line endings, NFC."""
    if raw.startswith(BOM):
        raw = raw[1:]
    return unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))


def is_normalized(text: str) -> bool:
    return (
        not text.startswith(BOM)
        and "\r" not in text
        and unicodedata.is_normalized("NFC", text)
    )


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Utf16Map:
    """Converts offsets on one text in O(log n) by remembering where the astral characters are.

    An astral character (outside the BMP: emoji, rare CJK) is one code point but two UTF-16 units.
    The text is cut into chunks of CHUNK code points; building the map only counts each chunk's
    astral characters (from its UTF-16 length, at C speed), and a chunk's astral positions are
    found the first time an offset in it is converted. So a 5 MB text with 90,000 emoji opens
    in one encoding pass, not 90,000 regex matches, and the reading view's first screen touches
    one or two chunks.
    """

    __slots__ = ("_before", "_chunks", "_text", "_u16_starts", "length", "length_utf16")
    CHUNK = 1 << 16

    def __init__(self, text: str) -> None:
        self._setup(text, None)

    @classmethod
    def with_utf16(cls, text: str) -> tuple[Utf16Map, bytes]:
        """The map and the text as UTF-16 in the machine's byte order, from the one encoding
        pass that builds the map (a view handing an astral text to Qt needs both); the bytes
        are empty for an ASCII text, which needs no map."""
        pieces: list[bytes] = []
        made = cls.__new__(cls)
        made._setup(text, pieces)
        return made, b"".join(pieces)

    def _setup(self, text: str, pieces: list[bytes] | None) -> None:
        n, size = len(text), self.CHUNK
        self._text = text
        self.length = n
        # Astral characters before each chunk (one entry more than there are chunks).
        before = [0]
        if not text.isascii():
            codec = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
            for i in range(0, n, size):
                chunk = text[i:i + size]
                data = chunk.encode(codec, "surrogatepass")
                before.append(before[-1] + len(data) // 2 - len(chunk))
                if pieces is not None:
                    pieces.append(data)
        else:
            before.extend([0] * ((n + size - 1) // size))
        self._before = before
        self._u16_starts = [k * size + c for k, c in enumerate(before)]  # UTF-16 chunk starts
        # Chunk number -> (astral code point indexes, their UTF-16 indexes), when first needed.
        self._chunks: dict[int, tuple[list[int], list[int]]] = {}
        self.length_utf16 = n + before[-1]

    def _astral_in(self, k: int) -> tuple[list[int], list[int]]:
        found = self._chunks.get(k)
        if found is None:
            base = k * self.CHUNK
            cps = [m.start() for m in _ASTRAL.finditer(self._text, base, base + self.CHUNK)]
            # UTF-16 index of each: its code point index plus the astrals before it.
            first = self._before[k]
            found = self._chunks[k] = (cps, [cp + first + j for j, cp in enumerate(cps)])
        return found

    def to_utf16(self, cp: int) -> int:
        if not 0 <= cp <= self.length:
            raise ValueError(f"offset {cp} is outside the text (0..{self.length})")
        k = cp // self.CHUNK
        if k >= len(self._before) - 1:  # the very end of a text of whole chunks
            return self.length_utf16
        if self._before[k + 1] == self._before[k]:  # no astral character in this chunk
            return cp + self._before[k]
        return cp + self._before[k] + bisect.bisect_left(self._astral_in(k)[0], cp)

    def to_cp(self, u16: int, *, snap: str = "down") -> int:
        """UTF-16 index -> code point index. An index inside a surrogate pair snaps down (or up)."""
        if not 0 <= u16 <= self.length_utf16:
            raise ValueError(f"UTF-16 offset {u16} is outside the text (0..{self.length_utf16})")
        chunks = len(self._before) - 1
        k = min(bisect.bisect_right(self._u16_starts, u16) - 1, max(chunks - 1, 0))
        if chunks == 0 or self._before[k + 1] == self._before[k]:
            return u16 - self._before[k]
        cps, u16s = self._astral_in(k)
        j = bisect.bisect_left(u16s, u16)
        if j > 0 and u16s[j - 1] + 1 == u16:
            # Between the two halves of astral character j-1.
            return cps[j - 1] + (1 if snap == "up" else 0)
        return u16 - self._before[k] - j


def cp_to_utf16(text: str, cp: int) -> int:
    """Code point offset -> UTF-16 code unit offset (what Qt's QTextCursor uses)."""
    return Utf16Map(text).to_utf16(cp)


def utf16_to_cp(text: str, u16: int, *, snap: str = "down") -> int:
    """UTF-16 code unit offset -> code point offset; inside a surrogate pair it snaps down/up."""
    return Utf16Map(text).to_cp(u16, snap=snap)


@dataclass(frozen=True)
class MappedSpan:
    start: int
    end: int
    snapped: bool  # True when a boundary fell inside a sequence normalisation changed


class NormalizationMap:
    """Normalises a text and maps code point offsets on the original onto the normalised text.

    Texts from other tools may carry CRLF, a BOM or decomposed characters, and their offsets
    count those. The text is cut into segments (a starter plus its combining marks, or CR LF)
    that normalise independently; an offset on a segment boundary maps exactly, one inside a
    segment that changed is snapped outward.
    """

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.text = normalize_text(raw)
        self._orig_bounds: list[int] = []
        self._new_bounds: list[int] = []
        self._changed: list[bool] = []
        self._build()

    def _segments(self) -> list[tuple[int, int]]:
        raw = self.raw
        segs: list[tuple[int, int]] = []
        i, n = 0, len(raw)
        if raw.startswith(BOM):
            # The leading BOM is dropped, so it must not absorb a following combining mark.
            segs.append((0, 1))
            i = 1
        while i < n:
            j = i + 1
            if raw[i] == "\r" and j < n and raw[j] == "\n":
                j += 1
            else:
                while j < n and raw[j] not in "\r\n" and _joins_previous(raw[j]):
                    j += 1
            segs.append((i, j))
            i = j
        return segs

    def _build(self) -> None:
        raw = self.raw
        segs = self._segments()
        pieces = []
        pos = 0
        for k, (a, b) in enumerate(segs):
            piece = raw[a:b]
            norm = "" if (k == 0 and piece == BOM) else _normalize_piece(piece)
            pieces.append(norm)
            self._orig_bounds.append(a)
            self._new_bounds.append(pos)
            self._changed.append(norm != piece)
            pos += len(norm)
        self._orig_bounds.append(len(raw))
        self._new_bounds.append(pos)
        if "".join(pieces) != self.text:
            # Composition across segments (rare: Hangul jamo, some scripts): one coarse segment.
            self._orig_bounds = [0, len(raw)]
            self._new_bounds = [0, len(self.text)]
            self._changed = [raw != self.text]

    def map_offset(self, offset: int, *, side: str) -> tuple[int, bool]:
        """Map one offset; ``side`` is "start" (snap left) or "end" (snap right)."""
        if not 0 <= offset <= len(self.raw):
            raise ValueError(f"offset {offset} is outside the text (0..{len(self.raw)})")
        k = bisect.bisect_right(self._orig_bounds, offset) - 1
        if self._orig_bounds[k] == offset:
            return self._new_bounds[k], False
        if not self._changed[k]:
            return self._new_bounds[k] + (offset - self._orig_bounds[k]), False
        if side == "start":
            return self._new_bounds[k], True
        return self._new_bounds[k + 1], True

    def map_span(self, start: int, end: int) -> MappedSpan:
        s, s_snap = self.map_offset(start, side="start")
        e, e_snap = self.map_offset(end, side="end")
        return MappedSpan(s, e, s_snap or e_snap)


def _normalize_piece(piece: str) -> str:
    return unicodedata.normalize("NFC", piece.replace("\r\n", "\n").replace("\r", "\n"))


def _joins_previous(ch: str) -> bool:
    """True for characters NFC may fold into the character before them."""
    return unicodedata.combining(ch) != 0 or 0x1160 <= ord(ch) <= 0x11FF


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to whole words and trim surrounding white space."""
    n = len(text)
    start, end = max(0, min(start, n)), max(0, min(end, n))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return start, end
    while start > 0 and _is_word_char(text[start - 1]) and _is_word_char(text[start]):
        start -= 1
    while end < n and _is_word_char(text[end]) and _is_word_char(text[end - 1]):
        end += 1
    return start, end


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_'’-" or unicodedata.combining(ch) != 0

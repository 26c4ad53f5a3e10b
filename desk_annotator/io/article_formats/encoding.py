"""Decode the bytes of a text file, and say which encoding was used and how sure we are.

Order: a forced encoding; a byte-order mark (UTF-8/16/32); UTF-16/32 without a BOM when the
NUL-byte pattern is unmistakable; ISO-2022-JP by its escapes; strict UTF-8; an encoding the
file declares (HTML ``<meta charset>``, read the way browsers read it); then detection among
the legacy encodings articles arrive in (plus charset-normalizer's own suggestions).

Detection never takes a statistical detector's word alone: every candidate that decodes is
scored by how plausible its text is to a reader — letters that belong together in one
language (``Déjà … naïve café`` is French, ``Déją … naļve`` is no language), no C1 control or
private-use characters, no symbols wedged inside words, one script per word, Han characters
that are common in the candidate's own character set, kana in Japanese, spaces between Korean
words — plus a prior per encoding (cp1252 is the most common legacy page; a reading that is
equally clean in cp1250 does not beat it) and a bonus for the encodings of the language the
text's frequent ASCII words point to ("je v za": Central European). Candidates that give the
same text count as one. The winner is *confident* when it scores clearly above the best
candidate that reads differently, otherwise a *low confidence* guess, and the caller reports
it so (with the alternative) instead of importing mojibake silently. Bytes that no candidate
reads as text are refused as binary.

Most articles are UTF-8, so the common case costs one strict decode.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from desk_annotator.errors import FormatError

from .encoding_scores import GROUP_ENCODINGS, HINT_BONUS, language_group, plausibility

# Longest BOM first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls other than tab, LF, VT, FF, CR; their presence marks decoded binary data.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_HIGH_BYTE_RE = re.compile(rb"[\x80-\xff]")
_HTML_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)

BINARY_REASON = "binary content (not a text file)"

# Confidence words, as reported.
CERTAIN = "certain"          # a byte-order mark, or valid UTF-8
CONFIDENT = "confident"      # clear evidence (NUL pattern, a declaration, a clear winner)
LOW = "low confidence"       # a guess among readings that differ
FORCED = "forced"            # the caller named the encoding

# Legacy candidates in order of preference (identical readings go to the first), with the
# family that decides how their Han characters are judged, a prior and a description for the
# report. The prior is how much more often articles arrive in that encoding than in the
# others, in plausibility points: it decides between readings that are equally clean (a
# French sentence reads cleanly in cp1252 and, with ŕ and ď, in cp1250) and counts towards
# the margin. Variants that usually decode to the same text follow their base.
_CANDIDATES: tuple[tuple[str, str, float, str], ...] = (
    ("cp1252", "latin", 2.0, "Western European"),
    ("iso8859-1", "latin", 1.5, "Western European, ISO-8859-1"),
    ("iso8859-15", "latin", -0.5, "Western European, ISO-8859-15"),
    ("cp1250", "latin", 0.0, "Central European"),
    ("iso8859-2", "latin", -0.5, "Central European, ISO-8859-2"),
    ("cp1251", "cyrillic", 0.0, "Cyrillic"),
    ("koi8-r", "cyrillic", -0.5, "Cyrillic, KOI8-R"),
    ("gb18030", "zh-hans", 0.5, "Chinese, simplified"),
    ("big5", "zh-hant", 0.0, "Chinese, traditional"),
    ("cp950", "zh-hant", -0.1, "Chinese, traditional (Windows)"),
    ("shift_jis", "ja", 0.0, "Japanese, Shift-JIS"),
    ("cp932", "ja", -0.1, "Japanese, Shift-JIS (Windows)"),
    ("euc_jp", "ja", -0.5, "Japanese, EUC-JP"),
    ("euc_kr", "ko", 0.0, "Korean"),
    ("cp949", "ko", -0.1, "Korean (Windows)"),
    ("cp1253", "greek", 0.0, "Greek"),
    ("iso8859-7", "greek", -0.5, "Greek, ISO-8859-7"),
    ("cp1254", "latin", -0.3, "Turkish"),
    ("cp1257", "latin", -1.0, "Baltic"),
    ("cp1255", "other", -0.5, "Hebrew"),
    ("cp1256", "other", -0.5, "Arabic"),
    ("cp874", "other", -0.5, "Thai"),
    ("mac-roman", "latin", -1.5, "Western European, Mac OS Roman"),
)
_UNLISTED_PRIOR = -2.5  # an encoding only charset-normalizer suggested: must clearly win
_KNOWN = {name: (family, prior, about) for name, family, prior, about in _CANDIDATES}
_DESCRIPTIONS = {
    "utf-8": "Unicode", "utf-16-le": "Unicode", "utf-16-be": "Unicode", "utf-16": "Unicode",
    "utf-32-le": "Unicode", "utf-32-be": "Unicode", "utf-32": "Unicode",
    "iso2022_jp": "Japanese, ISO-2022-JP", "ascii": "ASCII",
    **{name: about for name, (_, _, about) in _KNOWN.items()},
}

# What browsers read for a declared charset (WHATWG Encoding): a page that says ISO-8859-1 or
# ASCII is read as windows-1252, GB2312 as GB18030, and so on.
_DECLARED_AS = {
    "iso8859-1": "cp1252", "ascii": "cp1252", "latin-1": "cp1252", "iso8859-9": "cp1254",
    "gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932", "euc_kr": "cp949",
    "big5": "cp950", "tis-620": "cp874", "iso8859-11": "cp874",
}

# A sample this long (bytes, cut at a line end) is scored; the winner decodes the whole file.
_SAMPLE_BYTES = 32 * 1024
# The winner must beat the best reading that differs by this much to be called confident.
_MARGIN = 2.0
# Below this score per non-ASCII byte even the best reading is gibberish: not a text file.
_GARBLED_PER_BYTE = -0.5


@dataclass(frozen=True)
class Decoded:
    """Text decoded from a file, with the encoding used and how it was chosen."""

    text: str
    encoding: str  # a Python codec name (``codecs.lookup(name).name``): "utf-8", "cp1252", ...
    confidence: str  # CERTAIN, CONFIDENT, LOW or FORCED
    how: str = ""  # why: "byte-order mark", "declared in the file", ... ("" for detection)
    alternative: str | None = None  # for LOW: the best candidate that reads differently

    @property
    def confident(self) -> bool:
        return self.confidence != LOW

    def describe(self) -> str:
        """``read as cp1252 (Western European), confident`` — what the import summary says."""
        about = [_DESCRIPTIONS.get(self.encoding, "")]
        if self.how:
            about.append(self.how)
        inner = "; ".join(a for a in about if a)
        head = f"read as {self.encoding}" + (f" ({inner})" if inner else "")
        if self.confidence == LOW:
            other = (f"; {self.alternative} ({_DESCRIPTIONS.get(self.alternative, 'another')}) "
                     "reads differently") if self.alternative else ""
            return f"{head}, guessed, low confidence{other} — use --encoding to force"
        return f"{head}, {self.confidence}"


def resolve_encoding(name: str) -> str:
    """The codec name for a user-given encoding name; FormatError with one line if unknown.

    Use it once for a command-line ``--encoding NAME`` before reading any file."""
    cleaned = (name or "").strip()
    try:
        info = codecs.lookup(cleaned)
    except (LookupError, ValueError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise FormatError(f"unknown text encoding {cleaned!r} (for example utf-8, cp1252, "
                          "cp1250, cp1251, latin-1, shift_jis, gb18030, big5, euc_kr, utf-16)")
    return info.name


def decode_bytes(data: bytes, *, declared_encoding: str | None = None,
                 encoding: str | None = None) -> str:
    """Decode a text file's bytes; raise FormatError when they are not text.

    Same as :func:`decode_text` but returns only the text."""
    return decode_text(data, declared_encoding=declared_encoding, encoding=encoding).text


def decode_text(data: bytes, *, declared_encoding: str | None = None,
                encoding: str | None = None) -> Decoded:
    """Decode a text file's bytes and say how; raise FormatError when they are not text.

    ``encoding`` forces a codec (an unknown name or bytes that are not valid in it are
    refused). ``declared_encoding`` (e.g. an HTML ``<meta charset>``) is tried after BOMs and
    strict UTF-8, before detection. The text keeps its BOM-free content as is (no
    normalisation)."""
    if encoding is not None:
        return _forced(data, resolve_encoding(encoding))
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(name)
            except UnicodeDecodeError:
                raise FormatError(f"starts with a {name} byte-order mark but is not "
                                  f"valid {name}") from None
            return Decoded(_checked(text), name, CERTAIN, "byte-order mark")
    bomless = _bomless_utf16_32(data)
    if bomless is not None:
        text, name = bomless
        return Decoded(_checked(text), name, CONFIDENT, "no byte-order mark, NUL-byte pattern")
    if b"\x00" in data:
        raise FormatError(BINARY_REASON)
    if (b"\x1b$B" in data or b"\x1b$@" in data) and data.isascii():
        try:  # ISO-2022-JP: 7-bit Japanese (mail, old news feeds), told by its escapes
            return Decoded(_checked(data.decode("iso2022_jp")), "iso2022_jp", CONFIDENT,
                           "escape sequences")
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        how = "plain ASCII" if data.isascii() else ""
        return Decoded(_checked(text), "utf-8", CERTAIN, how)
    if declared_encoding:
        declared = _declared(data, declared_encoding)
        if declared is not None:
            return declared
    return _detect(data)


def html_declared_encoding(data: bytes) -> str | None:
    """The charset an HTML file declares in a ``<meta>`` tag near its start, if any."""
    match = _HTML_CHARSET_RE.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def _forced(data: bytes, name: str) -> Decoded:
    try:
        text = data.decode(name)
    except UnicodeDecodeError as error:
        raise FormatError(f"is not valid {name}: byte 0x{data[error.start]:02x} at offset "
                          f"{error.start} cannot be decoded (choose another encoding)") from None
    return Decoded(_checked(text.removeprefix("\ufeff")), name, FORCED)


def _declared(data: bytes, declared: str) -> Decoded | None:
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        return None  # an unknown declaration: fall back to detection
    name = _DECLARED_AS.get(name, name)
    if name.startswith(("utf-16", "utf-32", "utf-8")):
        return None  # not UTF-8 (tried above) and no UTF-16 NULs: the declaration is wrong
    try:
        text = data.decode(name)
    except UnicodeDecodeError:
        return None
    return Decoded(_checked(text), name, CONFIDENT, f"declared {declared} in the file")


# --- detection -------------------------------------------------------------------------------

def _detect(data: bytes) -> Decoded:
    sample = _sample(data)
    # Identical readings are one candidate, named by its first (preferred) codec.
    groups: dict[str, list[str]] = {}
    for name in _candidate_names(sample):
        try:
            groups.setdefault(sample.decode(name), []).append(name)
        except UnicodeDecodeError:
            continue
    group = language_group(sample)
    hinted = GROUP_ENCODINGS.get(group or "", frozenset())
    scored: list[tuple[float, list[str]]] = []
    for text, names in groups.items():
        family = _KNOWN[names[0]][0] if names[0] in _KNOWN else "other"
        prior = max(_KNOWN[n][1] if n in _KNOWN else _UNLISTED_PRIOR for n in names)
        if hinted.intersection(names):
            prior += HINT_BONUS
        scored.append((plausibility(text, family, group) + prior, names))
    scored.sort(key=lambda item: item[0], reverse=True)
    high = sum(1 for byte in sample if byte >= 0x80)
    if scored and high >= 16 and scored[0][0] < _GARBLED_PER_BYTE * high:
        raise FormatError(f"{BINARY_REASON}: no known encoding reads it as text "
                          "(use --encoding to force one)")
    for index, (score, names) in enumerate(scored):
        for name in names:
            try:
                text = _checked(data.decode(name))
            except UnicodeDecodeError:
                continue  # fine on the sample, not on the whole file
            except FormatError:
                break  # control characters in this reading: try the next candidate
            runner_up = next((item for k, item in enumerate(scored) if k != index), None)
            if runner_up is None:
                confident = score > 0
            else:
                confident = score > 0 and score - runner_up[0] >= _MARGIN
            if confident:
                return Decoded(text, name, CONFIDENT)
            return Decoded(text, name, LOW, alternative=runner_up[1][0] if runner_up else None)
    raise FormatError(BINARY_REASON)


def _sample(data: bytes) -> bytes:
    """The bytes to score: from the line holding the first non-ASCII byte, about 64 KiB,
    cut at a line end (no legacy encoding uses 0x0A inside a character)."""
    found = _HIGH_BYTE_RE.search(data)
    first = found.start() if found else 0
    start = data.rfind(b"\n", 0, first) + 1
    if len(data) - start <= _SAMPLE_BYTES:
        return data[start:]
    end = data.rfind(b"\n", start, start + _SAMPLE_BYTES)
    if end <= start:
        end = data.find(b"\n", start + _SAMPLE_BYTES)
        end = len(data) if end < 0 else end
    return data[start:end]


def _candidate_names(sample: bytes) -> list[str]:
    """Our candidates, then the top suggestions of charset-normalizer (for what we do not
    list: it knows more code pages; UTF-16/32 readings are excluded, see _bomless_utf16_32)."""
    names = [name for name, *_ in _CANDIDATES]
    try:
        from charset_normalizer import (
            from_bytes,  # slow to import: only for legacy files
        )
    except ImportError:  # pragma: no cover - a declared dependency
        return names
    for match in list(from_bytes(sample))[:3]:
        try:
            name = codecs.lookup(match.encoding).name
        except LookupError:
            continue
        if name not in names and not name.startswith(("utf", "cp0", "cp1140", "cp500")):
            names.append(name)
    return names




# --- UTF-16/32 without a BOM, and binary refusal ---------------------------------------------

def _bomless_utf16_32(data: bytes) -> tuple[str, str] | None:
    """Decode UTF-16 or UTF-32 without a BOM when it is clearly so: mostly-ASCII text leaves
    NULs in a fixed pattern. CJK-only UTF-16 without a BOM is not detected (it is rare and
    ambiguous)."""
    n = len(data)
    if n < 4 or b"\x00" not in data:
        return None
    sample = data[:4096 - 4096 % 4]
    if n % 4 == 0:
        # Code points stop at U+10FFFF: the top byte of every unit is 0, the next nearly so.
        quarters = [sample[k::4].count(0) for k in range(4)]
        units = len(sample) // 4
        if units and quarters[3] == units and quarters[2] >= 0.9 * units \
                and quarters[0] <= 0.3 * units:
            found = _try(data, "utf-32-le")
            if found:
                return found
        if units and quarters[0] == units and quarters[1] >= 0.9 * units \
                and quarters[3] <= 0.3 * units:
            found = _try(data, "utf-32-be")
            if found:
                return found
    if n % 2:
        return None
    sample = data[:4096]
    half = len(sample) // 2
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls >= 0.6 * half and even_nuls <= 0.05 * half:
        return _try(data, "utf-16-le")
    if even_nuls >= 0.6 * half and odd_nuls <= 0.05 * half:
        return _try(data, "utf-16-be")
    return None


def _try(data: bytes, name: str) -> tuple[str, str] | None:
    try:
        return data.decode(name), name
    except UnicodeDecodeError:
        return None


def _checked(text: str) -> str:
    """Refuse decoded text that still carries control characters: it was binary data.

    A stray control or two is tolerated (a DOS end-of-file mark, an escape in old text).
    """
    if _CONTROL_RE.search(text) is None:
        return text
    if len(_CONTROL_RE.findall(text)) > 2 + len(text) // 1000:
        raise FormatError(BINARY_REASON)
    return text

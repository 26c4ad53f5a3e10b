"""Decode the bytes of a text file: BOMs first, then strict UTF-8, then charset-normalizer.

Most articles are UTF-8, so the common case costs one strict decode; the statistical detector
only runs for the rest.
"""

from __future__ import annotations

import codecs
import re

from desk_annotator.errors import FormatError

# Longest BOM first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# When the detector finds several encodings equally plausible (short texts), these win in this
# order: they are the legacy encodings articles most often arrive in.
_PREFERRED_LEGACY = ("cp1252", "gb18030")

# C0 controls other than tab, LF, VT, FF, CR; their presence marks decoded binary data.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_HTML_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)

BINARY_REASON = "binary content (not a text file)"


def decode_bytes(data: bytes, *, declared_encoding: str | None = None) -> str:
    """Decode a text file's bytes; raise FormatError when they are not text.

    ``declared_encoding`` (e.g. an HTML ``<meta charset>``) is tried after BOMs and strict UTF-8,
    before statistical detection. The result keeps its BOM-free content as is (no normalisation).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom):].decode(encoding))
            except UnicodeDecodeError:
                raise FormatError(f"starts with a {encoding} byte-order mark but is not "
                                  f"valid {encoding}") from None
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return _checked(utf16)
    if b"\x00" in data:
        raise FormatError(BINARY_REASON)
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    if declared_encoding:
        try:
            return _checked(data.decode(declared_encoding))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: fall back to detection
    return _checked(_detect(data))


def html_declared_encoding(data: bytes) -> str | None:
    """The charset an HTML file declares in a ``<meta>`` tag near its start, if any."""
    match = _HTML_CHARSET_RE.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def _detect(data: bytes) -> str:
    from charset_normalizer import (
        from_bytes,  # only needed for non-UTF files; slow to import
    )

    results = from_bytes(data)
    best = results.best()
    if best is None:
        raise FormatError(BINARY_REASON)
    tied = [m for m in results
            if m.chaos <= best.chaos + 1e-9 and m.coherence >= best.coherence - 1e-9]
    for preferred in _PREFERRED_LEGACY:
        if any(preferred in m.could_be_from_charset for m in tied):
            try:
                return data.decode(preferred)
            except UnicodeDecodeError:
                break
    # BOM-less UTF-16/32 is only trusted when _bomless_utf16 saw its NUL pattern; otherwise
    # take the most plausible legacy encoding instead.
    for match in results:
        if not match.encoding.startswith(("utf_16", "utf_32")):
            return str(match)
    raise FormatError(BINARY_REASON)


def _bomless_utf16(data: bytes) -> str | None:
    """Decode UTF-16 without a BOM when it is clearly so: mostly-ASCII text leaves a NUL in
    every other byte. CJK-only UTF-16 without a BOM is not detected (it is rare and ambiguous)."""
    n = len(data)
    if n < 4 or n % 2 or b"\x00" not in data:
        return None
    sample = data[:4096]
    half = len(sample) // 2
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls >= 0.6 * half and even_nuls <= 0.05 * half:
        encoding = "utf-16-le"
    elif even_nuls >= 0.6 * half and odd_nuls <= 0.05 * half:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data.decode(encoding)
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

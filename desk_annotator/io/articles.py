"""Read article files (.txt, .md, .html, .docx, .pdf) into a title, normalised text and metadata.

No database work here: the project layer stores what :func:`read_article` returns. Every file
that cannot be imported raises :class:`~desk_annotator.errors.ImportRefused` with one reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from desk_annotator.errors import FormatError, ImportRefused
from desk_annotator.io.article_formats import ArticleContent
from desk_annotator.io.article_formats.encoding import (
    LOW,
    Decoded,
    decode_bytes,
    decode_text,
    html_declared_encoding,
    resolve_encoding,
)
from desk_annotator.io.article_formats.plain_text import (
    MAX_TITLE_CHARS,
    read_plain_text,
)
from desk_annotator.io.untrusted import clean_text
from desk_annotator.models import METADATA_KEYS
from desk_annotator.text import normalize_text

__all__ = [
    "MAX_FILE_BYTES", "MAX_TEXT_CHARS", "SUPPORTED_ARTICLE_EXTENSIONS", "ArticleImport",
    "decode_bytes", "iter_input_files", "read_article", "resolve_encoding",
]

SUPPORTED_ARTICLE_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TEXT_CHARS = 5_000_000

_TEXT_EXTENSIONS = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})
# Office lock files ("~$report.docx") sit next to open documents and are never articles.
_LOCK_FILE_PREFIX = "~$"


@dataclass(frozen=True)
class ArticleImport:
    title: str
    text: str  # normalize_text()'d: NFC, \n line endings, no BOM
    metadata: dict[str, str | None]  # every key of models.METADATA_KEYS; None when unknown
    # What was repaired on the way in (NUL characters, lone surrogates), one line each, and a
    # low-confidence encoding guess (the same line as encoding_note).
    warnings: tuple[str, ...] = ()
    # How a text file (.txt, .md, .html) was decoded; None for .docx and .pdf. ``encoding`` is
    # a Python codec name ("utf-8", "cp1252", "shift_jis"), ``encoding_confidence`` one of
    # "certain" (BOM, valid UTF-8), "confident", "low confidence", "forced".
    encoding: str | None = None
    encoding_confidence: str | None = None
    # One line for the import summary: "article.txt: read as cp1252 (Western European),
    # confident" or "...: read as cp1252 (Western European), guessed, low confidence; cp1250
    # (Central European) reads differently — use --encoding to force".
    encoding_note: str | None = None


def read_article(path: Path, encoding: str | None = None) -> ArticleImport:
    """Read one article file; raise ImportRefused(path, reason) when it cannot be imported.

    ``encoding`` forces the codec of a text file (.txt, .md, .html; .docx and .pdf carry their
    own); an unknown name is refused (check it once up front with :func:`resolve_encoding`)."""
    path = Path(path)
    extension = path.suffix.lower()
    if extension not in SUPPORTED_ARTICLE_EXTENSIONS:
        shown = f"'{path.suffix}'" if path.suffix else "without an extension"
        raise ImportRefused(path, f"unsupported file type {shown} "
                                  f"(supported: {', '.join(SUPPORTED_ARTICLE_EXTENSIONS)})")
    if encoding is not None:
        try:
            encoding = resolve_encoding(encoding)
        except FormatError as error:
            raise ImportRefused(path, str(error)) from None
    data = _read_bytes(path)
    decoded: list[Decoded] = []
    try:
        content = _convert(extension, data, encoding, decoded)
    except FormatError as error:
        raise ImportRefused(path, str(error)) from None
    except RecursionError:
        raise ImportRefused(path, "document structure is nested too deeply to read") from None
    except Exception as error:  # noqa: BLE001 - a parser's surprise must not abort a batch import
        raise ImportRefused(path, f"could not be read ({type(error).__name__}: "
                                  f"{' '.join(str(error).split())[:200]})") from None
    return _finish(path, content, decoded[0] if decoded else None)


def iter_input_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand folders (recursively, sorted by name, hidden files/folders skipped) to supported
    article files. Files named explicitly are always yielded, so that an unsupported or missing
    one is refused with a reason instead of being skipped silently. Each file is yielded once."""
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        candidates = _walk_folder(given) if given.is_dir() else iter((given,))
        for path in candidates:
            key = _identity(path)
            if key not in seen:
                seen.add(key)
                yield path


def _walk_folder(folder: Path) -> Iterator[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: (e.name.casefold(), e.name))
    except OSError:
        return  # an unreadable sub-folder cannot hold files we could read
    for entry in entries:
        if entry.name.startswith((".", _LOCK_FILE_PREFIX)):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            # Symlinked folders are not followed: they can loop or leave the chosen tree.
            if not entry.is_symlink():
                yield from _walk_folder(path)
        elif path.suffix.lower() in SUPPORTED_ARTICLE_EXTENSIONS:
            yield path


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ImportRefused(path, "is a folder, not a file")
        if size > MAX_FILE_BYTES:
            raise ImportRefused(path, f"file too large ({size / 2**20:.1f} MB; "
                                      f"limit {MAX_FILE_BYTES // 2**20} MB)")
        with path.open("rb") as handle:
            # Read one byte past the limit: the file may have grown since stat().
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ImportRefused(path, "file not found") from None
    except PermissionError:
        raise ImportRefused(path, "cannot read file: permission denied") from None
    except OSError as error:
        raise ImportRefused(path, f"cannot read file: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(path, f"file too large (limit {MAX_FILE_BYTES // 2**20} MB)")
    if not data:
        raise ImportRefused(path, "empty file")
    return data


def _convert(extension: str, data: bytes, encoding: str | None = None,
             decoded_out: list[Decoded] | None = None) -> ArticleContent:
    """Turn a file's bytes into content; for text files, append how they were decoded to
    ``decoded_out``."""
    if extension in _TEXT_EXTENSIONS:
        declared = html_declared_encoding(data) if extension in (".html", ".htm") else None
        result = decode_text(data, declared_encoding=declared, encoding=encoding)
        if decoded_out is not None:
            decoded_out.append(result)
        if extension in (".html", ".htm"):
            from desk_annotator.io.article_formats.html_text import read_html

            return read_html(normalize_text(result.text))
        decoded = normalize_text(result.text)
        if len(decoded) > MAX_TEXT_CHARS:
            raise FormatError(f"text longer than {MAX_TEXT_CHARS:,} characters")
        if extension == ".txt":
            return read_plain_text(decoded)
        from desk_annotator.io.article_formats.markdown_text import read_markdown

        return read_markdown(decoded)
    from desk_annotator.io.article_formats.office import read_docx, read_pdf

    if extension == ".docx":
        return read_docx(data)
    return read_pdf(data, max_chars=MAX_TEXT_CHARS)


def _finish(path: Path, content: ArticleContent,
            decoded: Decoded | None = None) -> ArticleImport:
    """Normalise, apply the limits every format shares, and fill title and metadata.

    NUL characters and lone surrogates (a UTF-16 file may hold U+0000, a PDF's text layer
    either) become U+FFFD, one code point for one, with a warning: SQLite's substr stops at a
    NUL and a lone surrogate cannot be encoded as UTF-8, so either would break quotes later."""
    warnings: list[str] = []

    def clean(value: str, field: str) -> str:
        cleaned, what = clean_text(value)
        if what is not None:
            warnings.append(f"{path.name}: {field}: {what} replaced by U+FFFD")
        return cleaned

    text = clean(normalize_text(content.text), "text")
    if not text.strip():
        raise ImportRefused(path, "no text (the file is empty or only white space)")
    if len(text) > MAX_TEXT_CHARS:
        raise ImportRefused(path, f"text longer than {MAX_TEXT_CHARS:,} characters "
                                  f"({len(text):,})")
    title = " ".join(normalize_text(content.title or "").split())[:MAX_TITLE_CHARS * 2]
    title = clean(title, "title")
    metadata: dict[str, str | None] = dict.fromkeys(METADATA_KEYS)
    for key, value in content.metadata.items():
        if key in metadata and value and value.strip():
            metadata[key] = clean(" ".join(normalize_text(value).split()), key)
    metadata["source_file"] = clean(path.name, "file name")
    title = title or clean(path.stem, "title")  # a non-UTF-8 file name decodes to surrogates
    note = None
    if decoded is not None:
        note = f"{metadata['source_file']}: {decoded.describe()}"
        if decoded.confidence == LOW:
            warnings.append(note)
    return ArticleImport(title=title, text=text, metadata=metadata, warnings=tuple(warnings),
                         encoding=decoded.encoding if decoded else None,
                         encoding_confidence=decoded.confidence if decoded else None,
                         encoding_note=note)

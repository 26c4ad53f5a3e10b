"""Word (.docx) and PDF articles: python-docx and pypdf, reading from bytes already in memory."""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone

from desk_annotator.errors import FormatError
from desk_annotator.io.article_formats import ArticleContent, join_blocks

# A .docx is a zip; refuse archives that would inflate past this (zip bombs).
MAX_DOCX_UNZIPPED_BYTES = 500 * 1024 * 1024
# python-docx's blank template carries these; they describe the tool, not the article.
_DOCX_TEMPLATE_AUTHOR = "python-docx"
_DOCX_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15, tzinfo=timezone.utc)

NO_TEXT_LAYER = "no text layer (scanned PDF?) — run OCR first"


def read_docx(data: bytes) -> ArticleContent:
    import docx  # imported on first use: keeps plain-text imports fast to start
    from docx.table import Table

    _check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[tuple[str, int | None]] = []
        heading: str | None = None
        groups = itertools.count()
        list_group: int | None = None
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                list_group = None
                blocks.extend((row, group) for row, group in _docx_table_rows(item, next(groups)))
                continue
            text = item.text.strip()
            style = (item.style.name if item.style is not None else "") or ""
            if style.startswith("List"):
                list_group = next(groups) if list_group is None else list_group
                text = f"• {text}" if text and "Bullet" in style else text
            else:
                list_group = None
            if heading is None and text and style.startswith(("Title", "Heading")):
                heading = " ".join(text.split())
            blocks.append((text, list_group))
        properties = document.core_properties
        metadata = _docx_metadata(properties)
        title = (properties.title or "").strip() or heading
    except FormatError:
        raise
    except Exception:  # python-docx raises many types (KeyError, lxml, zip...) on bad input
        raise FormatError("not a valid .docx file (corrupt, password-protected, or an old "
                          ".doc renamed)") from None
    return ArticleContent(text=join_blocks(blocks), title=title, metadata=metadata)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FormatError("not a valid .docx file (corrupt, password-protected, or an old "
                          ".doc renamed)") from None
    if "word/document.xml" not in names:
        raise FormatError("not a Word document (the .docx archive has no word/document.xml)")
    if unzipped > MAX_DOCX_UNZIPPED_BYTES:
        raise FormatError(f"the .docx would unpack to {unzipped / 2**20:.0f} MB "
                          f"(limit {MAX_DOCX_UNZIPPED_BYTES // 2**20} MB)")


def _docx_table_rows(table, group: int) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    rows = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # a merged cell is repeated once per grid column
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        line = "\t".join(cells).strip("\t")
        if line:
            rows.append((line, group))
    return rows


def _docx_metadata(properties) -> dict[str, str]:  # type: ignore[no-untyped-def]
    metadata: dict[str, str] = {}
    author = (properties.author or "").strip()
    if author and author != _DOCX_TEMPLATE_AUTHOR:
        metadata["author"] = author
    created = properties.created
    if isinstance(created, datetime) and created != _DOCX_TEMPLATE_CREATED:
        metadata["date"] = created.isoformat()
    return metadata


def read_pdf(data: bytes, *, max_chars: int) -> ArticleContent:
    with _quiet_logger("pypdf"):
        return _read_pdf(data, max_chars=max_chars)


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """pypdf logs every oddity of a damaged file; the user gets our one-line reason instead."""
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _read_pdf(data: bytes, *, max_chars: int) -> ArticleContent:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                # Many PDFs are encrypted only against editing, with an empty open password.
                decrypted = reader.decrypt("")
            except (DependencyError, NotImplementedError):
                raise FormatError("encrypted PDF that cannot be decrypted here — "
                                  "save an unencrypted copy first") from None
            if not decrypted:
                raise FormatError("encrypted PDF (password-protected) — "
                                  "save an unencrypted copy first")
        pages: list[str] = []
        total = 0
        for page in reader.pages:
            lines = (line.rstrip() for line in (page.extract_text() or "").splitlines())
            text = "\n".join(lines).strip("\n")
            if text.strip():
                pages.append(text)
                total += len(text)
                if total > max_chars:
                    raise FormatError(f"text longer than {max_chars:,} characters")
        metadata, title = _pdf_metadata(reader)
    except FormatError:
        raise
    except FileNotDecryptedError:
        raise FormatError("encrypted PDF (password-protected) — "
                          "save an unencrypted copy first") from None
    except Exception:  # pypdf raises many types on damaged files
        raise FormatError("not a valid PDF (corrupt or damaged file)") from None
    if not pages:
        raise FormatError(NO_TEXT_LAYER)
    return ArticleContent(text="\n\n".join(pages), title=title, metadata=metadata)


def _pdf_metadata(reader) -> tuple[dict[str, str], str | None]:  # type: ignore[no-untyped-def]
    info = reader.metadata
    if info is None:
        return {}, None
    metadata: dict[str, str] = {}
    author = " ".join(str(info.author or "").split())
    if author:
        metadata["author"] = author
    try:
        created = info.creation_date
    except Exception:  # a malformed /CreationDate string: keep it as written
        created = None
        raw = str(info.get("/CreationDate") or "").strip()
        if raw:
            metadata["date"] = raw
    if created is not None:
        metadata["date"] = created.isoformat()
    title = " ".join(str(info.title or "").split()) or None
    return metadata, title

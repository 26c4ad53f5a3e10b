"""Word (.docx) and PDF articles: python-docx and pypdf, reading from bytes already in memory."""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import time
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone

from desk_annotator.errors import FormatError
from desk_annotator.io.article_formats import ArticleContent, join_blocks

# A .docx is a zip; refuse archives that would inflate past this (zip bombs).
MAX_DOCX_UNZIPPED_BYTES = 500 * 1024 * 1024
# Paragraphs of a .docx (table cells' included), and body blocks. A 5,000,000-character
# article (the text limit) in paragraphs of a sentence or two is well under 100,000 of them;
# 200,000 plain paragraphs still read in seconds (table cells in about 20 s), while a small
# hostile file can declare millions of empty ones.
MAX_DOCX_BLOCKS = 200_000
# Pages of a PDF. A book-length article is a few hundred pages; 5,000 takes about five seconds
# to read, while a 600 KB file can list one page 100,000 times.
MAX_PDF_PAGES = 5_000
# Wall-clock budget for one .docx or PDF, checked between paragraphs and pages: whatever a
# file does that the caps above miss, its import ends with one line instead of hanging.
MAX_READ_SECONDS = 60
# python-docx's blank template carries these; they describe the tool, not the article.
_DOCX_TEMPLATE_AUTHOR = "python-docx"
_DOCX_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15, tzinfo=timezone.utc)

NO_TEXT_LAYER = "no text layer (scanned PDF?) — run OCR first"


def read_docx(data: bytes) -> ArticleContent:
    import docx  # imported on first use: keeps plain-text imports fast to start
    from docx.table import Table

    _check_zip(data)
    deadline = time.monotonic() + MAX_READ_SECONDS
    try:
        document = docx.Document(io.BytesIO(data))
        style_names, default_style = _paragraph_style_names(document)
        blocks: list[tuple[str, int | None]] = []
        heading: str | None = None
        groups = itertools.count()
        list_group: int | None = None
        for count, item in enumerate(document.iter_inner_content(), start=1):
            if count > MAX_DOCX_BLOCKS:
                raise FormatError(f"has more than {MAX_DOCX_BLOCKS:,} paragraphs and tables; "
                                  f"the limit is {MAX_DOCX_BLOCKS:,}")
            if count % 1000 == 0:
                _check_deadline(deadline)
            if isinstance(item, Table):
                list_group = None
                blocks.extend(_docx_table_rows(item, next(groups), deadline))
                continue
            text = item.text.strip()
            # Not item.style: python-docx looks the default style up by scanning every style
            # of the document for each paragraph (a few ms each: minutes for 40,000 empty
            # paragraphs). The style id is read from the paragraph's XML and named from a
            # table built once.
            style = style_names.get(item._p.style, default_style)  # type: ignore[arg-type]
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


def _paragraph_style_names(document) -> tuple[dict[str, str], str]:  # type: ignore[no-untyped-def]
    """Paragraph style id -> name, and the name of the default paragraph style (python-docx
    falls back to it for a missing or unknown style id, and so do we)."""
    from docx.enum.style import WD_STYLE_TYPE

    styles = document.styles
    names = {style.style_id: style.name or "" for style in styles
             if style.type == WD_STYLE_TYPE.PARAGRAPH and style.style_id}
    default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
    return names, (default.name or "") if default is not None else ""


def _check_deadline(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise FormatError(f"took longer than {MAX_READ_SECONDS} s to read; the file is "
                          "unusually complex (or hostile)")


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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = archive.read("word/document.xml")
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error):
        raise FormatError("not a valid .docx file (its document part is damaged)") from None
    # A cheap count before python-docx builds an object per paragraph (several seconds for
    # 200,000). Word and every common writer use the "w" prefix; a file that does not is still
    # capped by the count in read_docx's loop.
    paragraphs = body.count(b"<w:p>") + body.count(b"<w:p ") + body.count(b"<w:p/>")
    if paragraphs > MAX_DOCX_BLOCKS:
        raise FormatError(f"has {paragraphs:,} paragraphs; the limit is {MAX_DOCX_BLOCKS:,}")


def _docx_table_rows(table, group: int,  # type: ignore[no-untyped-def]
                     deadline: float) -> list[tuple[str, int]]:
    rows = []
    for number, row in enumerate(table.rows):
        if number % 100 == 0:  # one table can be the whole document: keep to the budget
            _check_deadline(deadline)
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
        _check_page_tree(reader)
        deadline = time.monotonic() + MAX_READ_SECONDS
        pages: list[str] = []
        total = 0
        for page in reader.pages:
            _check_deadline(deadline)
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


def _check_page_tree(reader) -> None:  # type: ignore[no-untyped-def]
    """Refuse a PDF with more than MAX_PDF_PAGES pages, or whose page tree reaches one of its
    nodes twice (a loop, or a shared subtree that multiplies pages), before pypdf builds a page
    object for every entry. Counts leaves with an explicit stack and stops past the cap, so
    a /Count that lies costs no more than an honest one."""
    from pypdf.generic import DictionaryObject, IndirectObject

    root = reader.trailer["/Root"].get_object()
    top = root.get("/Pages") if isinstance(root, DictionaryObject) else None
    declared = top.get_object().get("/Count") if top is not None else None
    if isinstance(declared, int) and declared > MAX_PDF_PAGES:
        raise FormatError(f"has {declared:,} pages; the limit is {MAX_PDF_PAGES:,}")
    stack = [top] if top is not None else []
    seen: set[object] = set()
    leaves = 0
    while stack:
        entry = stack.pop()
        node = entry.get_object() if entry is not None else None
        if not isinstance(node, DictionaryObject):
            continue  # pypdf reports (or skips) what is not a page
        kids = node.get("/Kids")
        if node.get("/Type") == "/Pages" or ("/Type" not in node and kids is not None):
            key = ((entry.idnum, entry.generation) if isinstance(entry, IndirectObject)
                   else id(node))
            if key in seen:
                raise FormatError("its page tree refers to the same pages twice (a loop: "
                                  "a damaged or hostile file)")
            seen.add(key)
            kids = kids.get_object() if kids is not None else None
            if isinstance(kids, list):
                stack.extend(reversed(kids))
        else:
            leaves += 1
            if leaves > MAX_PDF_PAGES:
                raise FormatError(f"has more than {MAX_PDF_PAGES:,} pages; "
                                  f"the limit is {MAX_PDF_PAGES:,}")


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

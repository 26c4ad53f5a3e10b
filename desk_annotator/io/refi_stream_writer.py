"""REFI-QDA export written as a stream: the annotations are never ElementTree elements.

A project is mostly its ``PlainTextSelection``s (a 100,000-annotation project is half a million
elements), and building, indenting and serialising them as ElementTree elements took most of
an export's time. Here :func:`refi_export.build_project_xml` builds everything else as before,
with one empty slot element where a source's selections go; the small skeleton is serialised
by ElementTree, and the selections are formatted as text (escaped as ElementTree escapes) and
written between the skeleton's pieces straight into the zip member. The bytes are the same as
the element-built export's (a test compares the two), so exports stay byte-identical and valid
against Project.xsd. Deflate runs in a second thread (:class:`_ArchiveWriter`) while the XML is
formatted, and the coding GUIDs continue one SHA-1 state of their common prefix.
"""

from __future__ import annotations

import hashlib
import operator
import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Self
from xml.etree import ElementTree as ET

from desk_annotator.io.refi_export import (
    _DATETIME,
    _ZIP_TIME,
    GUID_NAMESPACE,
    PROJECT_NS,
    GuidMap,
    build_project_xml,
    normalize_guid,
    write_bytes_atomically,
    xml_safe,
)
from desk_annotator.models import Annotation, ProjectSnapshot
from desk_annotator.text import Utf16Map

SLOT_TAG = "desk-annotator-selections"  # never in a written file: replaced by the selections
_SLOT = re.compile(r'<desk-annotator-selections n="(\d+)" />')
_INDENT = "  "
_LEVEL = 3  # Project > Sources > TextSource > PlainTextSelection
_NS_BYTES = GUID_NAMESPACE.bytes
_VARIANT = "89AB"
_CHUNK = 1 << 20  # characters gathered before a write into the zip member
COMPRESS_LEVEL = 1  # deflate level of every entry


def fast_stable_guid(*parts: str) -> str:
    """:func:`refi_export.stable_guid` without building ``uuid.UUID`` objects (the same value:
    a version-5 UUID is the SHA-1 of namespace + name, with the version nibble set to 5 and the
    variant's top bits to 10)."""
    return _guid_text(hashlib.sha1(_NS_BYTES + "\x1f".join(parts).encode()).hexdigest())


def _guid_text(h: str) -> str:
    h = h.upper()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


# The SHA-1 states after namespace + kind + separator: every annotation's and every coding's
# GUID continues one of them instead of hashing the common prefix again.
_ANNOTATION_SHA = hashlib.sha1(_NS_BYTES + b"annotation\x1f")
_CODING_SHA = hashlib.sha1(_NS_BYTES + b"coding\x1f")
_ANNOTATION_PREFIX = _NS_BYTES + b"annotation\x1f"
_CODING_PREFIX = _NS_BYTES + b"coding\x1f"
# Byte maps setting a version-5 UUID's version nibble and its variant's top bits.
_VERSION_5 = bytes((b & 0x0F) | 0x50 for b in range(256))
_VARIANT_10 = bytes((b & 0x3F) | 0x80 for b in range(256))
_DIGEST = operator.methodcaller("digest")


def _continued_guid(state, tail: str) -> str:  # type: ignore[no-untyped-def]
    h = state.copy()
    h.update(tail.encode())
    return _guid_text(h.hexdigest())


def _coding_guid(ann_guid: str, label_guid: str) -> str:
    """fast_stable_guid("coding", ann_guid, label_guid)."""
    return _continued_guid(_CODING_SHA, f"{ann_guid}\x1f{label_guid}")


def uuid5_batch(prefix: bytes, tails: list[str]) -> list[str]:
    """``fast_stable_guid`` of many names at once (``prefix``: namespace + kind + separator).

    Per name, Python does one hash; the rest runs over all of them at once: the digests are
    joined, their version and variant bits set by two byte translations, their hex laid out
    as GUID text by one strided copy per character position, and the text split."""
    n = len(tails)
    if not n:
        return []
    digests = bytearray(b"".join(map(_DIGEST, map(hashlib.sha1,
                                                  [prefix + t.encode() for t in tails]))))
    digests[6::20] = digests[6::20].translate(_VERSION_5)
    digests[8::20] = digests[8::20].translate(_VARIANT_10)
    hexes = digests.hex().upper().encode("ascii")  # 40 characters per name
    text = bytearray(b"-" * (_GUID_WIDTH * n))  # 36 characters and a line break per name
    at = 0
    for group_start, group_end in _GUID_GROUPS:
        for i in range(group_start, group_end):
            text[at::_GUID_WIDTH] = hexes[i::40]
            at += 1
        at += 1  # the dash after the group
    text[_GUID_WIDTH - 1::_GUID_WIDTH] = b"\n" * n
    return text[:-1].decode("ascii").split("\n")


_GUID_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))  # hex digits of each group
_GUID_WIDTH = 37


def _attr(text: str) -> str:
    """An attribute value escaped exactly as ElementTree escapes it."""
    text = xml_safe(text)
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                        ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;")):
        if raw in text:
            text = text.replace(raw, entity)
    return text


def _cdata(text: str) -> str:
    text = xml_safe(text)
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        if raw in text:
            text = text.replace(raw, entity)
    return text


# What the export writes of one annotation, in this order: (id, coder id, start, end, stance
# id or None, note or None, created, updated, theme ids). Plain tuples: the project's thin
# read path (desk_annotator/qdpx_export.py) gives these without building a model per row.
SelectionRow = tuple[str, str, int, int, "str | None", "str | None", str, str, Sequence[str]]


def selection_rows(annotations: Iterable[Annotation]) -> dict[str, list[SelectionRow]]:
    """A snapshot's annotations as selection rows by document, in their order."""
    by_doc: dict[str, list[SelectionRow]] = {}
    for a in annotations:
        row = (a.id, a.coder_id, a.start, a.end, a.stance_id, a.note, a.created, a.updated,
               a.theme_ids)
        found = by_doc.get(a.document_id)
        if found is None:
            by_doc[a.document_id] = [row]
        else:
            found.append(row)
    return by_doc


class _Selections:
    """The slot callback of build_project_xml: records each source's selection rows (and gives
    them their GUIDs now, so remapped ids reach the settings Set written at the end)."""

    def __init__(self) -> None:
        self.slots: list[tuple[list[SelectionRow], list[str], Utf16Map | None]] = []
        self.created_attrs: dict[str, str] = {}  # timestamp -> its attribute text (or "")
        self.updated_attrs: dict[str, str] = {}

    def __call__(self, src: ET.Element, rows: list[SelectionRow], guids: GuidMap,
                 units: Utf16Map | None) -> None:
        if not rows:
            return
        originals = guids.originals
        # GuidMap's rule: the id when it is a GUID, else a stable one (recorded). The stable
        # ones are hashed together, one batch per source.
        given = [normalize_guid(row[0]) for row in rows]
        derived = iter(uuid5_batch(_ANNOTATION_PREFIX,
                                   [row[0] for row, g in zip(rows, given) if g is None]))
        ann_guids = []
        for row, guid in zip(rows, given, strict=True):
            if guid is None:
                guid = next(derived)
            if guid != row[0]:
                originals[guid] = row[0]
            ann_guids.append(guid)
        ET.SubElement(src, SLOT_TAG, {"n": str(len(self.slots))})
        self.slots.append((rows, ann_guids, units))

    def text(self, n: int, guids: GuidMap) -> Iterator[str]:
        """Slot ``n`` as the text ElementTree would have written (indented at level 3)."""
        rows, ann_guids, units = self.slots[n]
        pad = "\n" + _INDENT * _LEVEL
        pad1, pad2 = pad + _INDENT, pad + _INDENT * 2
        coder_guid: dict[str, str] = {}
        label_guid: dict[str, str] = {}
        created_attrs, updated_attrs = self.created_attrs, self.updated_attrs
        # Every label GUID of every row, then all their coding GUIDs in one batch.
        row_labels: list[list[str]] = []
        tails: list[str] = []
        for row, ann_guid in zip(rows, ann_guids, strict=True):
            stance_id, theme_ids = row[4], row[8]
            labels = []
            for label_id in ([stance_id, *theme_ids] if stance_id else theme_ids):
                label = label_guid.get(label_id)
                if label is None:
                    label = label_guid[label_id] = guids("label", label_id)  # hex: no escape
                labels.append(label)
                tails.append(f"{ann_guid}\x1f{label}")
            row_labels.append(labels)
        codings = iter(uuid5_batch(_CODING_PREFIX, tails))
        for i, (row, ann_guid, labels) in enumerate(zip(rows, ann_guids, row_labels,
                                                        strict=True)):
            _ann_id, coder_id, start, end, _stance, note, created, updated, _themes = row
            coder = coder_guid.get(coder_id)
            if coder is None:
                coder = coder_guid[coder_id] = guids("coder", coder_id)  # hex
            if units is not None:
                start, end = units.to_utf16(start), units.to_utf16(end)
            created_attr = created_attrs.get(created)
            if created_attr is None:  # stamps repeat: checked and escaped once each
                created_attr = created_attrs[created] = (
                    f' creationDateTime="{_attr(created)}"' if _DATETIME.match(created) else "")
            updated_attr = updated_attrs.get(updated)
            if updated_attr is None:
                updated_attr = updated_attrs[updated] = (
                    f' modifiedDateTime="{_attr(updated)}"' if _DATETIME.match(updated) else "")
            head = (f'{pad if i else ""}<PlainTextSelection guid="{ann_guid}" startPosition='
                    f'"{start}" endPosition="{end}" creatingUser="{coder}"{created_attr} '
                    f'modifyingUser="{coder}"{updated_attr}')
            if note is None and not labels:
                yield head + " />"
                continue
            parts = [head, ">"]
            if note is not None:
                note = _cdata(note)
                parts.append(f"{pad1}<Description>{note}</Description>" if note
                             else f"{pad1}<Description />")
            for label in labels:
                parts.append(f'{pad1}<Coding guid="{next(codings)}" creatingUser="{coder}"'
                             f'{created_attr}>{pad2}<CodeRef targetGUID="{label}" />'
                             f"{pad1}</Coding>")
            parts.append(f"{pad}</PlainTextSelection>")
            yield "".join(parts)


def _skeleton_text(root: ET.Element) -> str:
    ET.indent(root, space=_INDENT)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def project_xml_pieces(snapshot: ProjectSnapshot, project_name: str, origin: str,
                       positions: str = "codepoints", *,
                       rows: dict[str, list[SelectionRow]] | None = None
                       ) -> tuple[Iterator[str], list[tuple[str, str]]]:
    """The text of ``project.qde`` as pieces (to stream), and the source files.

    ``rows``: the selection rows by document id, given instead of ``snapshot.annotations``
    (then empty) by the project's thin read path, which has checked them as
    build_project_xml checks a snapshot's annotations."""
    selections = _Selections()
    guids = GuidMap()
    root, files = build_project_xml(
        snapshot, project_name, origin, positions, selections=selections, guids=guids,
        annotations_by_doc=rows if rows is not None else selection_rows(snapshot.annotations))
    skeleton = _skeleton_text(root)

    def pieces() -> Iterator[str]:
        at = 0
        for slot in _SLOT.finditer(skeleton):
            yield skeleton[at:slot.start()]
            yield from selections.text(int(slot.group(1)), guids)
            at = slot.end()
        yield skeleton[at:]

    return pieces(), files


def write_qdpx(path: Path, snapshot: ProjectSnapshot, *,
               project_name: str = "desk-annotator project",
               origin: str = "desk-annotator", positions: str = "codepoints",
               rows: dict[str, list[SelectionRow]] | None = None) -> None:
    """Write ``snapshot`` as a REFI-QDA 1.0 project archive (valid against Project.xsd).

    ``positions``: "codepoints" (the standard, default) or "utf16" (UTF-16 code units, what
    NVivo and QualCoder count; line breaks are written as LF and count one). ``rows``: see
    project_xml_pieces.
    """
    pieces, files = project_xml_pieces(snapshot, project_name, origin, positions, rows=rows)

    def write(handle) -> None:  # type: ignore[no-untyped-def]
        # Level 1 (set on each entry, see _entry): a third of the time of the default
        # level, the archive ~20% larger.
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED,
                             compresslevel=COMPRESS_LEVEL) as archive, _ArchiveWriter(archive, files) as out:
            buffer: list[str] = []
            size = 0
            for piece in pieces:
                buffer.append(piece)
                size += len(piece)
                if size >= _CHUNK:
                    out.put("".join(buffer).encode("utf-8"))
                    buffer, size = [], 0
            out.put("".join(buffer).encode("utf-8"))

    write_bytes_atomically(Path(path), write)


class _ArchiveWriter:
    """Compresses and writes the archive in a second thread while the caller formats the XML:
    zlib and file writes release the GIL, so on two cores deflate (a third of an export's time)
    overlaps the formatting. ``put`` takes project.qde's bytes in order; on leaving, the source
    files follow it. The archive is the one a single thread writes (same entries, same order,
    one deflate stream each); an error in either thread stops both and is raised here."""

    _END = b""

    def __init__(self, archive: zipfile.ZipFile, files: list[tuple[str, str]]) -> None:
        self._archive = archive
        self._files = files
        self._chunks: queue.Queue[bytes] = queue.Queue(maxsize=4)  # bounded: ~4 MB waiting
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qdpx-deflate", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def put(self, chunk: bytes) -> None:
        if not chunk:
            return
        while True:
            if self._error is not None or not self._thread.is_alive():
                self._raise()
            try:
                self._chunks.put(chunk, timeout=0.1)
                return
            except queue.Full:
                continue

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if exc is not None:  # formatting failed: the worker stops without the sources
            self._stop.set()
        while self._thread.is_alive():
            try:
                self._chunks.put(self._END, timeout=0.1)
                break
            except queue.Full:
                continue
        self._thread.join()
        if exc is None and self._error is not None:
            self._raise()

    def _raise(self) -> None:
        error = self._error or RuntimeError("the archive writer stopped")
        raise error

    def _run(self) -> None:
        try:
            with self._archive.open(_entry("project.qde"), "w") as member:
                while (chunk := self._chunks.get()) != self._END:
                    member.write(chunk)
            if self._stop.is_set():
                return
            for name, text in self._files:
                if self._stop.is_set():
                    return
                self._archive.writestr(_entry(name), text.encode("utf-8"))
        except Exception as exc:  # noqa: BLE001 - raised again in the caller's thread
            self._error = exc
            while True:  # unblock a caller waiting on a full queue
                try:
                    self._chunks.get_nowait()
                except queue.Empty:
                    break


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # The archive's compresslevel reaches only entries it names itself: a ZipInfo passed in
    # keeps its own level, None (zlib's default, 6) unless set here. Python 3.13 renamed the
    # attribute; 3.11 and 3.12 have only the underscored one (a slot).
    try:
        info.compress_level = COMPRESS_LEVEL  # type: ignore[attr-defined]
    except AttributeError:
        info._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]
    return info


__all__ = ["PROJECT_NS", "SelectionRow", "fast_stable_guid", "project_xml_pieces",
           "selection_rows", "uuid5_batch", "write_qdpx"]

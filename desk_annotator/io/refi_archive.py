"""Reading untrusted REFI-QDA files safely: a checked zip archive and entity-free XML.

A ``.qdpx`` comes from anyone's machine, so before anything is read every entry of the archive is
checked (no path traversal, no absolute paths, no symlinks, no encrypted entries, bounded entry
count, total size and compression ratio), and XML with a document type declaration is refused
outright before any parser sees it (so no entity is ever declared, expanded or fetched). The
XML is then parsed by lxml (libxml2, C-level tree building: a 100,000-annotation project.qde is
~90 MB and half a million elements, which the pure-Python handlers of defusedxml took seconds
over) with entities unresolved, no network, comments and processing instructions dropped; the
elements answer the ElementTree API the readers use (tag, get, text, iteration).
Every refusal is a :class:`FormatError` with one line.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as safe_etree
from lxml import etree

from desk_annotator.errors import FormatError

MAX_TOTAL_UNCOMPRESSED = 500 * 1024 * 1024  # all entries together, as declared and as read
MAX_ENTRIES = 20_000
MAX_RATIO = 200  # uncompressed / compressed; text and XML compress 3-30x, bombs 1000x
RATIO_CHECK_FROM = 1024 * 1024  # small entries may compress oddly without harm
MAX_XML_FILE = 200 * 1024 * 1024  # a stand-alone .qdc / .qde read from disk

_DRIVE = re.compile(r"^[A-Za-z]:")


def _unsafe_name_reason(name: str) -> str | None:
    """Why an archive member name could escape an extraction folder, or None if it is safe."""
    if "\x00" in name:
        return "contains a NUL character"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(posix):
        return "is an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return "climbs out of the archive (..)"
    return None


class SafeZip:
    """A zip archive whose entries were all checked; read members by case-insensitive name."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        label = self.path.name
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError as exc:
            raise FormatError(f"{label}: file not found") from exc
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
            raise FormatError(
                f"{label}: not a REFI-QDA project (a .qdpx is a zip archive; this file is not "
                "one, or it is truncated or damaged)") from exc
        except OSError as exc:
            raise FormatError(f"{label}: cannot read ({exc.strerror or exc})") from exc
        try:
            self._members = self._check_members(label)
        except BaseException:
            self._zip.close()
            raise
        self._read_total = 0

    def _check_members(self, label: str) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise FormatError(f"{label}: refused, {len(infos)} entries (more than {MAX_ENTRIES})")
        members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            reason = _unsafe_name_reason(info.filename)
            if reason:
                raise FormatError(f"{label}: refused, entry {info.filename!r} {reason}")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise FormatError(f"{label}: refused, entry {info.filename!r} is a symbolic link")
            if info.flag_bits & 0x1:
                raise FormatError(f"{label}: refused, entry {info.filename!r} is encrypted")
            total += info.file_size
            if total > MAX_TOTAL_UNCOMPRESSED:
                raise FormatError(
                    f"{label}: refused, unpacks to more than {MAX_TOTAL_UNCOMPRESSED // 2**20} MB"
                )
            if info.file_size >= RATIO_CHECK_FROM and (
                info.compress_size == 0 or info.file_size / info.compress_size > MAX_RATIO
            ):
                raise FormatError(
                    f"{label}: refused, entry {info.filename!r} is compressed more than "
                    f"{MAX_RATIO}:1 (a zip bomb?)"
                )
            if info.is_dir():
                continue
            key = info.filename.replace("\\", "/").casefold()
            if key in members:
                raise FormatError(f"{label}: refused, entry {info.filename!r} appears twice")
            members[key] = info
        return members

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    def names(self) -> list[str]:
        return [info.filename for info in self._members.values()]

    def find(self, name: str) -> str | None:
        """The stored member name matching ``name`` (case-insensitive, either slash), if any."""
        info = self._members.get(name.replace("\\", "/").lstrip("/").casefold())
        return info.filename if info else None

    def read(self, name: str) -> bytes:
        info = self._members[name.replace("\\", "/").casefold()]
        label = self.path.name
        try:
            with self._zip.open(info) as handle:
                # Never trust the declared size alone: read at most one byte past it.
                data = handle.read(info.file_size + 1)
        except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError: a corrupt stream
            raise FormatError(f"{label}: entry {info.filename!r} is damaged ({exc})") from exc
        if len(data) > info.file_size:
            raise FormatError(f"{label}: refused, entry {info.filename!r} is larger than declared")
        self._read_total += len(data)
        if self._read_total > MAX_TOTAL_UNCOMPRESSED:
            raise FormatError(f"{label}: refused, unpacks to more than the size limit")
        return data


# -- safe XML ---------------------------------------------------------------------------------

_HEAD = 1024 * 1024
_MISC = re.compile(r"\s+|<!--.*?-->|<\?.*?\?>", re.DOTALL)


def _prolog_problem(data: bytes) -> str | None:
    """What is wrong with the prolog of ``data`` (before its first element): "utf32",
    "doctype", "long" (more than 1 MB of prolog), "no element"; None when it is plain."""
    head = data[:_HEAD]
    if head.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")) or head[:4] in (
            b"\x00\x00\x00<", b"<\x00\x00\x00"):
        return "utf32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        le = head.startswith(b"\xff\xfe") or head[:2] == b"<\x00"
        text = head[: len(head) // 2 * 2].decode("utf-16-le" if le else "utf-16-be", "replace")
    else:
        text = head.decode("latin-1")
    text = text.lstrip("\ufeff\xef\xbb\xbf")
    pos = 0
    while True:
        match = _MISC.match(text, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
    rest = text[pos:]
    if rest.startswith("<!"):
        return "doctype"
    if not rest.startswith("<"):
        return "long" if pos >= len(text) and len(data) > _HEAD else "no element"
    return None


def refuse_doctype(data: bytes, where: str) -> None:
    """Refuse XML whose prolog declares a document type (the only place entities can be
    declared), before any parser sees it. Only the prolog is looked at: a DOCTYPE anywhere else
    is not well-formed and the parser refuses it."""
    problem = _prolog_problem(data)
    if problem == "no element":
        raise FormatError(f"{where}: not XML (no element at the start)")
    _refuse_prolog(problem, where)


def _refuse_prolog(problem: str | None, where: str) -> None:
    if problem == "utf32":
        raise FormatError(f"{where}: refused, UTF-32 XML is not accepted")
    if problem == "doctype":
        raise FormatError(f"{where}: refused, XML with a DOCTYPE/entity declarations is not "
                          "accepted")
    if problem == "long":
        raise FormatError(f"{where}: refused, more than {_HEAD // 1024} KB before the first "
                          "element")


def _parser() -> etree.XMLParser:
    # huge_tree: a long source text in PlainTextContent may exceed libxml2's 10 MB text node
    # limit; its entity amplification limits do not matter, as no DTD gets this far.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           remove_comments=True, remove_pis=True, huge_tree=True,
                           collect_ids=False)


def parse_xml(data: bytes, what: str) -> Element:
    """Parse untrusted XML: no DTD, so no entity expansion and no external entities at all.

    The result is an lxml element, used through the ElementTree API (typed as such)."""
    _refuse_prolog(_prolog_problem(data), what)  # "no element": the parser says what is wrong
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if "Excessive depth" in str(exc):
            # libxml2 stops at 2,048 levels; the readers refuse deep nesting themselves, with
            # a line naming the code, so such a file goes through the stdlib's parser instead.
            return _parse_deep(data, what)
        raise FormatError(f"{what}: not well-formed XML ({_first_line(exc)})") from exc
    except (ValueError, LookupError) as exc:  # e.g. an encoding declaration libxml2 lacks
        raise FormatError(f"{what}: not well-formed XML ({exc})") from exc
    return root  # type: ignore[return-value]


def _parse_deep(data: bytes, what: str) -> Element:
    """The stdlib's expat parser (through defusedxml, which refuses any DTD once more), for
    nesting deeper than libxml2 takes."""
    try:
        return safe_etree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise FormatError(f"{what}: refused, XML with a DOCTYPE/entity declarations is not "
                          "accepted") from exc
    except ParseError as exc:
        raise FormatError(f"{what}: not well-formed XML ({exc})") from exc


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def read_xml_file(path: Path) -> Element:
    """Read and parse a stand-alone XML file (.qdc) with a size cap."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_XML_FILE:
            raise FormatError(f"{path.name}: refused, larger than {MAX_XML_FILE // 2**20} MB")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise FormatError(f"{path.name}: file not found") from exc
    except IsADirectoryError as exc:
        raise FormatError(f"{path.name}: is a folder, not a file") from exc
    except OSError as exc:
        raise FormatError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc
    return parse_xml(data, path.name)

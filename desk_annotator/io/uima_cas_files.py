"""UIMA CAS XMI files: finding them (a folder, INCEpTION's export zips) and parsing them safely.

Archives go through :class:`~desk_annotator.io.refi_archive.SafeZip` (nested archives too, within
one budget), XML with a DOCTYPE is refused before any parser sees it (so no entity is ever
declared, expanded or fetched; cassis parses with lxml, which loads nothing from the network and
keeps libxml2's size limits), and every cassis failure becomes one FormatError line. Offsets are
kept as the file states them (the unit is decided later, see :mod:`position_units`).
"""

from __future__ import annotations

import io
import warnings as py_warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from desk_annotator.errors import FormatError
from desk_annotator.io.foreign_spans import Counted
from desk_annotator.io.refi_archive import (  # refuse_doctype: one prolog check for all XML
    MAX_TOTAL_UNCOMPRESSED,
    MAX_XML_FILE,
    SafeZip,
    refuse_doctype,
)
from desk_annotator.io.untrusted import load_json, nesting_exceeds
from desk_annotator.models import Status

TYPESYSTEM_FILE = "TypeSystem.xml"
OUR_LAYER = "webanno.custom.Passage"
OUR_COLLECTION = "desk-annotator"
ANNOTATION = "uima.tcas.Annotation"
DOCUMENT_ANNOTATION = "uima.tcas.DocumentAnnotation"
DOCUMENT_METADATA = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"
TOKEN = "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token"
LAYER_DEFINITION = "de.tudarmstadt.ukp.clarin.webanno.api.type.LayerDefinition"
STRING = "uima.cas.String"
STRING_ARRAY = "uima.cas.StringArray"
INITIAL_VIEW = "_InitialView"
INITIAL_CAS = "INITIAL_CAS"  # INCEpTION's name for the document before anyone annotated it
MAX_EVIDENCE_TOKENS = 20_000
MAX_PROJECT_JSON = 50 * 1024 * 1024
# INCEpTION's annotation document states -> ours (NEW and IGNORE set nothing).
INCEPTION_STATES: dict[str, Status] = {"FINISHED": "done", "IN_PROGRESS": "doing"}


# --------------------------------------------------------------------------- safe XML


def _load_typesystem(data: bytes, where: str) -> Any:
    from cassis import load_typesystem

    refuse_doctype(data, where)
    try:
        return load_typesystem(io.BytesIO(data))
    except Exception as exc:  # lxml, toposort, KeyError for a missing supertype, ...
        raise FormatError(f"{where}: not a usable UIMA type system ({_describe(exc)})") from exc


def _raw_offset_deserializer() -> Any:
    """cassis's XMI reader, except that annotation offsets stay as the file states them.

    cassis converts begin/end from UTF-16 units to code points while reading, silently keeping
    an offset that falls inside a character, and builds two dictionaries the size of the text to
    do it. Our readers decide the unit themselves (:mod:`position_units`), so the sofa is created
    without its offset mapping (which makes cassis's conversion the identity) and its text is
    set afterwards."""
    from cassis.xmi import CasXmiDeserializer

    class RawOffsets(CasXmiDeserializer):  # type: ignore[misc]
        sofas_seen = 0

        def _parse_sofa(self, typesystem: Any, elem: Any) -> Any:
            text = elem.attrib.pop("sofaString", None)
            sofa = super()._parse_sofa(typesystem, elem)
            if text is not None:
                sofa._sofaString = text
            self.sofas_seen += 1
            return sofa

    return RawOffsets()


def _load_xmi(data: bytes, typesystem: Any, where: str, warn: Counted) -> Any:
    refuse_doctype(data, where)
    deserializer = _raw_offset_deserializer()
    with py_warnings.catch_warnings(record=True) as caught:
        py_warnings.simplefilter("always")
        try:
            cas = deserializer.deserialize(
                io.BytesIO(data), typesystem=typesystem, lenient=True, trusted=False)
        except Exception as exc:  # lxml syntax errors, KeyError for dangling ids, ...
            raise FormatError(f"{where}: not a readable UIMA CAS XMI file "
                              f"({_describe(exc)})") from exc
    if deserializer.sofas_seen == 0 and any(sofa.sofaString for sofa in cas.sofas):
        # This cassis parses sofas some other way: its offsets would be converted twice.
        raise FormatError(f"{where}: this version of dkpro-cassis is not supported (offsets "
                          "could not be read as the file states them); install 0.12")
    unknown = sum(1 for w in caught if "not found" in str(w.message).lower()
                  or "unknown" in str(w.message).lower())
    warn("unknown_types", where, n=unknown)
    return cas


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --------------------------------------------------------------------------- finding the files


@dataclass
class _XmiFile:
    where: str
    read: Callable[[], bytes]
    typesystem: Callable[[], bytes] | None
    ts_where: str
    coder: str | None = None  # from an export layout
    doc_name: str | None = None
    stem: str = ""


@dataclass
class _TsvFile:
    where: str
    read: Callable[[], bytes]
    coder: str | None
    doc_name: str | None
    stem: str


@dataclass
class _Found:
    xmi: list[_XmiFile] = field(default_factory=list)
    tsv: list[_TsvFile] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)


def _is_typesystem(name: str) -> bool:
    return PurePosixPath(name).name.casefold() == "typesystem.xml"


def _read_capped(path: Path, cap: int = MAX_XML_FILE) -> bytes:
    try:
        if path.stat().st_size > cap:
            raise FormatError(f"{path}: refused, larger than {cap // 2**20} MB")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise FormatError(f"{path}: file not found") from exc
    except IsADirectoryError as exc:
        raise FormatError(f"{path}: is a folder, not a file") from exc
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def _xmi_file_sources(path: Path) -> _Found:
    try:
        siblings = [p for p in path.parent.iterdir() if p.is_file() and _is_typesystem(p.name)]
    except OSError:
        siblings = []
    if not siblings:
        raise FormatError(f"{path}: no {TYPESYSTEM_FILE} beside it (UIMA tools write the type "
                          "system next to the XMI files; INCEpTION puts both in its export zip, "
                          "which can be imported as it is)")
    ts_path = min(siblings)
    return _Found(xmi=[_XmiFile(
        where=path.name, read=lambda: _read_capped(path),
        typesystem=lambda: _read_capped(ts_path), ts_where=ts_path.name, stem=path.stem)])


def _layout(parts: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(user, document) of INCEpTION's project export layout
    ``annotation|curation/<document>/<user>.<ext>``, else (None, None)."""
    if len(parts) == 3 and parts[0].casefold() in ("annotation", "curation"):
        return PurePosixPath(parts[2]).stem, parts[1]
    return None, None


class _Budget:
    """Bytes read from nested archives, on top of each archive's own limit."""

    def __init__(self) -> None:
        self.total = 0

    def take(self, n: int, where: str) -> None:
        self.total += n
        if self.total > MAX_TOTAL_UNCOMPRESSED:
            raise FormatError(f"{where}: refused, the archives unpack to more than "
                              f"{MAX_TOTAL_UNCOMPRESSED // 2**20} MB")


def _folder_key(folder: PurePosixPath) -> str:
    return "" if str(folder) in (".", "", "/") else str(folder).casefold()


def _nearest_typesystem(name: str, typesystems: dict[str, str]) -> str | None:
    """The type system in the member's folder or the closest folder above it."""
    folder = PurePosixPath(name).parent
    while True:
        key = _folder_key(folder)
        if key in typesystems:
            return typesystems[key]
        if key == "":
            return None
        folder = folder.parent


def _open_nested(nested: Path, where: str) -> SafeZip:
    """A zip inside the export (INCEpTION puts each annotator's XMI and type system in one)."""
    if not zipfile.is_zipfile(nested):
        raise FormatError(f"{where}: not a zip archive (or a damaged one)")
    try:
        return SafeZip(nested)
    except FormatError as exc:
        raise FormatError(f"{where}: {str(exc).removeprefix(nested.name + ': ')}") from exc


def _zip_sources(path: Path, archive: SafeZip, warn: Counted, budget: _Budget,
                 tmpdir: Path, prefix: str = "", outer: tuple[str | None, str | None] = (None, None),
                 depth: int = 0, reopen: Callable[[], SafeZip] | None = None) -> _Found:
    """What an archive holds. Members are read later, one at a time, while ``archive`` (the
    outer export) is still open; a nested archive (``reopen``) is opened again for each read."""
    found = _Found()
    names = archive.names()
    typesystems: dict[str, str] = {}
    for n in sorted(names):
        if _is_typesystem(n):
            typesystems.setdefault(_folder_key(PurePosixPath(n.replace("\\", "/")).parent), n)

    def reader(member: str) -> Callable[[], bytes]:
        def read() -> bytes:
            if reopen is None:
                data = archive.read(member)
            else:
                with reopen() as again:
                    data = again.read(member)
            budget.take(len(data), f"{path}")
            return data
        return read

    for name in sorted(names):
        posix = name.replace("\\", "/")
        parts = tuple(p for p in posix.split("/") if p)
        low = posix.casefold()
        where = f"{prefix}{posix}"
        user, doc = _layout(parts) if depth == 0 else outer
        if low.endswith(".ser"):
            warn("ser", where)
            continue
        if low.endswith(".zip") and depth == 0:
            nested = tmpdir / f"{len(list(tmpdir.iterdir()))}-{PurePosixPath(posix).name}"
            nested.write_bytes(reader(name)())

            def open_inner(nested: Path = nested, where: str = where) -> SafeZip:
                return _open_nested(nested, where)

            with open_inner() as inner:
                part = _zip_sources(path, inner, warn, budget, tmpdir, prefix=f"{where}/",
                                    outer=(user, doc), depth=1, reopen=open_inner)
            found.xmi += part.xmi
            found.tsv += part.tsv
        elif low.endswith(".xmi"):
            ts = _nearest_typesystem(posix, typesystems)
            found.xmi.append(_XmiFile(
                where=where, read=reader(name),
                typesystem=None if ts is None else reader(ts),
                ts_where=f"{prefix}{ts}" if ts else "", coder=user, doc_name=doc,
                stem=PurePosixPath(posix).stem))
        elif low.endswith(".tsv"):
            found.tsv.append(_TsvFile(where=where, read=reader(name), coder=user, doc_name=doc,
                                      stem=PurePosixPath(posix).stem))
        elif depth == 0 and len(parts) == 1 and low.startswith("exportedproject") \
                and low.endswith(".json"):
            found.states += _project_states(reader(name)(), where)
        elif user is not None and not _is_typesystem(posix):
            warn("other_format", where)
    return found


def _project_states(data: bytes, where: str) -> list[dict[str, Any]]:
    if len(data) > MAX_PROJECT_JSON:
        return []
    try:
        project = load_json(data.decode("utf-8", "replace"), where)
    except (ValueError, FormatError):
        return []
    docs = project.get("annotation_documents") if isinstance(project, dict) else None
    if not isinstance(docs, list) or nesting_exceeds(docs, 8):
        return []
    return [d for d in docs if isinstance(d, dict) and isinstance(d.get("name"), str)
            and isinstance(d.get("user"), str) and isinstance(d.get("state"), str)]

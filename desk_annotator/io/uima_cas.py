"""UIMA CAS XMI (INCEpTION, WebAnno, DKPro Core): read other tools' span layers, write our coding.

Reading (:func:`read_cas`) accepts

* one ``.xmi`` file with its ``TypeSystem.xml`` in the same folder;
* a ``.zip`` holding XMI files and a type system: INCEpTION's document export in the "UIMA CAS
  XMI" format (``<user>.xmi`` + ``TypeSystem.xml``), a whole INCEpTION/WebAnno *project* export
  (``annotation/<document>/<user>.zip`` for XMI, ``annotation/<document>/<user>.tsv`` for WebAnno
  TSV, ``curation/<document>/CURATION_USER.*``; document states from ``exportedproject*.json``),
  or our own export (:func:`write_cas_zip`).

Span annotations of the initial view become passages: every string feature value (and every
element of a string-array feature) is a label, a span without any value is labelled with its
layer's name. Relations, chain links, slot links, numeric features, linguistic layers (POS,
lemma, syntax) and bookkeeping types are counted, not read. Our own layer
(``webanno.custom.Passage`` with ``stance``, ``themes``, ``note``) is read exactly.

The annotator is the user of INCEpTION's export layout, else the ``documentId`` INCEpTION writes
(the data owner), else the file name. CAS offsets count UTF-16 code units (Java strings): the unit
is checked per document by :mod:`desk_annotator.io.position_units` (tokens on word edges, the
document annotation ending at the text's end) with UTF-16 as the standard reading.

Untrusted input: archives go through :class:`~desk_annotator.io.refi_archive.SafeZip` (nested
archives too), XML with a DOCTYPE is refused before the parser sees it (so no entity is ever
declared, expanded or fetched; cassis parses with lxml, which loads nothing from the network and
keeps libxml2's size limits), and every cassis failure becomes one FormatError line.
"""

from __future__ import annotations

import io
import re
import tempfile
import warnings as py_warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from desk_annotator.errors import FormatError
from desk_annotator.io.exchange_common import SnapshotIndex, atomic_binary_writer
from desk_annotator.io.exchange_common import raise_if_problems
from desk_annotator.io.foreign_spans import (
    PRIOR_JAVA,
    Counted,
    ForeignSnapshot,
    Span,
    UnitSource,
    layer_kind,
    place_sources,
    short_type_name,
)
from desk_annotator.io.refi_archive import MAX_TOTAL_UNCOMPRESSED, MAX_XML_FILE, SafeZip
from desk_annotator.io.untrusted import load_json, nesting_exceeds
from desk_annotator.models import ProjectSnapshot, Status

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

MESSAGES = {
    "relations": "relations (arcs between two spans) were not carried",
    "chains": "coreference chain links were not carried",
    "slots": "slot links (roles pointing at other annotations) were not carried",
    "other_values": "numeric, boolean or reference feature values were not carried",
    "linguistic": "annotations of linguistic layers (part of speech, lemma, morphology, syntax) "
                  "were not read",
    "views": "annotations in views other than the initial view were not read",
    "unknown_types": "feature structures of types missing from the type system were skipped",
    "ser": "binary CAS files (.ser) cannot be read; export the project in the UIMA CAS XMI or "
           "WebAnno TSV format",
    "initial_cas": "annotations of INITIAL_CAS copies (the document before anyone coded it: "
                   "pre-annotations) were not read (the documents were)",
    "other_format": "annotation files in formats not read (only UIMA CAS XMI and WebAnno TSV "
                    "are) were skipped",
    "status_dropped": "document states of the project export naming no document read were "
                      "dropped",
    "xml_replaced": "characters XML 1.0 cannot hold were replaced by U+FFFD",
}


# --------------------------------------------------------------------------- safe XML


_HEAD = 1024 * 1024
_MISC = re.compile(r"\s+|<!--.*?-->|<\?.*?\?>", re.S)


def refuse_doctype(data: bytes, where: str) -> None:
    """Refuse XML whose prolog declares a document type (the only place entities can be
    declared), before any parser sees it. Only the prolog is looked at: a DOCTYPE anywhere else
    is not well-formed and the parser refuses it."""
    head = data[:_HEAD]
    if head.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")) or head[:4] in (
            b"\x00\x00\x00<", b"<\x00\x00\x00"):
        raise FormatError(f"{where}: refused, UTF-32 XML is not accepted")
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
        raise FormatError(f"{where}: refused, XML with a DOCTYPE/entity declarations is not "
                          "accepted")
    if not rest.startswith("<"):
        if pos >= len(text) and len(data) > _HEAD:
            raise FormatError(f"{where}: refused, more than {_HEAD // 1024} KB before the first "
                              "element")
        raise FormatError(f"{where}: not XML (no element at the start)")


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
    ts_path = sorted(siblings)[0]
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


def _zip_sources(path: Path, archive: SafeZip, warn: Counted, budget: _Budget,
                 tmpdir: Path, prefix: str = "", outer: tuple[str | None, str | None] = (None, None),
                 depth: int = 0) -> _Found:
    found = _Found()
    names = archive.names()
    typesystems: dict[str, str] = {}
    for n in sorted(names):
        if _is_typesystem(n):
            typesystems.setdefault(_folder_key(PurePosixPath(n.replace("\\", "/")).parent), n)

    def reader(member: str) -> Callable[[], bytes]:
        def read() -> bytes:
            data = archive.read(member)
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
            data = reader(name)()
            nested = tmpdir / f"{len(list(tmpdir.iterdir()))}-{PurePosixPath(posix).name}"
            nested.write_bytes(data)
            with SafeZip(nested) as inner:
                part = _zip_sources(path, inner, warn, budget, tmpdir, prefix=f"{where}/",
                                    outer=(user, doc), depth=1)
                # Read now: the inner archive closes with this block.
                for x in part.xmi:
                    data_x, data_t = x.read(), x.typesystem() if x.typesystem else None
                    x.read = (lambda d=data_x: d)
                    x.typesystem = None if data_t is None else (lambda d=data_t: d)
                for t in part.tsv:
                    data_t2 = t.read()
                    t.read = (lambda d=data_t2: d)
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


# --------------------------------------------------------------------------- reading a CAS


class _Layers:
    """How each type of a type system is read (cached per type name)."""

    def __init__(self, typesystem: Any, layer_names: dict[str, str]) -> None:
        self.ts = typesystem
        self.layer_names = layer_names
        self._cache: dict[str, tuple[str, list[tuple[Any, bool]]]] = {}

    def kind(self, type_: Any) -> tuple[str, list[tuple[Any, bool]]]:
        """("infrastructure" | "linguistic" | "relation" | "chain" | "ours" | "span",
        the type's own features)."""
        name = type_.name
        hit = self._cache.get(name)
        if hit is not None:
            return hit
        features = [(f, _is_string_feature(self.ts, f)) for f in type_.all_features
                    if f.name not in ("begin", "end", "sofa")]
        names = {f.name for f, _ in features}
        base = layer_kind(name)
        if base != "coding" or self.ts.is_instance_of(name, DOCUMENT_ANNOTATION):
            kind = "infrastructure" if base != "linguistic" else "linguistic"
        elif {"Governor", "Dependent"} <= names:
            kind = "relation"
        elif any(f.name == "next" and f.rangeType.name == name for f, _ in features):
            kind = "chain"
        elif name == OUR_LAYER and {"stance", "themes"} <= names:
            kind = "ours"
        else:
            kind = "span"
        self._cache[name] = (kind, features)
        return kind, features

    def label_name(self, type_name: str) -> str:
        return self.layer_names.get(type_name) or short_type_name(type_name)


def _value(fs: Any, feature: Any) -> Any:
    name = feature.name + ("_" if getattr(feature, "_has_reserved_name", False) else "")
    return getattr(fs, name, None)


def _strings(value: Any) -> list[str] | None:
    """The strings of a string or string-array value; None for any other kind of value."""
    if isinstance(value, str):
        return [value]
    elements = getattr(value, "elements", None)
    if elements is not None and all(isinstance(e, str) or e is None for e in elements):
        return [e for e in elements if e]
    return None


def _is_string_feature(ts: Any, feature: Any) -> bool:
    rng = feature.rangeType.name
    if rng == STRING_ARRAY:
        return True
    return ts.is_instance_of(rng, STRING)


def _cas_source(x: _XmiFile, typesystems: dict[bytes, Any], warn: Counted) -> UnitSource:
    if x.typesystem is None:
        raise FormatError(f"{x.where}: no {TYPESYSTEM_FILE} in the same folder of the archive")
    xmi = x.read()
    if len(xmi) > MAX_XML_FILE:
        raise FormatError(f"{x.where}: refused, larger than {MAX_XML_FILE // 2**20} MB")
    ts_bytes = x.typesystem()
    ts = typesystems.get(ts_bytes)
    if ts is None:
        ts = typesystems[ts_bytes] = _load_typesystem(ts_bytes, x.ts_where)
    cas = _load_xmi(xmi, ts, x.where, warn)
    try:
        view = cas.get_view(INITIAL_VIEW)
    except KeyError as exc:
        raise FormatError(f"{x.where}: the CAS has no initial view") from exc
    text = view.sofa_string
    if not isinstance(text, str):
        raise FormatError(f"{x.where}: the CAS holds no text (a sofa URI or binary data is not "
                          "supported)")
    for other in cas.views:
        if other.sofa.sofaID != INITIAL_VIEW:
            warn("views", f"{x.where} view '{other.sofa.sofaID}'",
                 n=sum(1 for fs in other.get_all_fs() if hasattr(fs, "begin")))

    all_fs = view.select_all_fs()
    layer_names = {}
    for fs in all_fs:
        if fs.type.name == LAYER_DEFINITION:
            name, ui = getattr(fs, "name", None), getattr(fs, "uiName", None)
            if isinstance(name, str) and isinstance(ui, str) and ui.strip():
                layer_names[name] = ui.strip()
    layers = _Layers(ts, layer_names)
    meta: Any = None
    spans: list[Span] = []
    evidence: list[tuple[int, int]] = []
    tokens = 0
    # Per type name: (is an annotation, is a document annotation, is DocumentMetaData).
    kinds: dict[str, tuple[bool, bool, bool]] = {}
    for fs in all_fs:
        tname = fs.type.name
        flags = kinds.get(tname)
        if flags is None:
            flags = kinds[tname] = (ts.is_instance_of(tname, ANNOTATION),
                                    ts.is_instance_of(tname, DOCUMENT_ANNOTATION),
                                    ts.is_instance_of(tname, DOCUMENT_METADATA))
        if not flags[0] or not hasattr(fs, "begin"):
            continue
        begin, end = fs.begin, fs.end
        if tname == TOKEN:
            if tokens < MAX_EVIDENCE_TOKENS and begin < end:
                evidence.append((begin, end))
                tokens += 1
            continue
        if flags[1]:
            if flags[2] or meta is None:
                meta = fs
            if begin == 0 and end > 0:
                evidence.append((begin, end))
            continue
        kind, features = layers.kind(fs.type)
        if kind == "infrastructure":
            continue
        where = f"{x.where} {short_type_name(tname)} {begin}-{end}"
        if kind == "linguistic":
            warn("linguistic", short_type_name(tname))
            continue
        if kind in ("relation", "chain"):
            warn("relations" if kind == "relation" else "chains", where)
            continue
        labels: list[tuple[Any, str]] = []
        note = None
        own = kind == "ours"
        for feature, is_string in features:
            value = _value(fs, feature)
            if value is None:
                continue
            if own and feature.name in ("stance", "themes", "note"):
                strings = _strings(value) or []
                if feature.name == "note":
                    note = strings[0] if strings else None
                else:
                    labels += [(feature.name, s) for s in strings]
                continue
            strings = _strings(value) if is_string else None
            if strings is not None:
                labels += [(None, s) for s in strings if s.strip()]
            elif getattr(value, "elements", None) is not None or hasattr(value, "type"):
                links = getattr(value, "elements", None)
                n = len([e for e in links if e is not None]) if links is not None else 1
                warn("slots" if links is not None else "other_values", where, n=n)
            else:
                warn("other_values", where)
        if not labels and not own:
            labels = [(None, layers.label_name(tname))]
            if begin < end:
                warn("layer_name", short_type_name(tname))
        spans.append(Span(begin, end, labels, note=note, own=own, where=where))

    title, coder, metadata = _identity(x, meta)
    # Our export writes a coder's file without passages only for a coder who marked the document
    # done (and an INITIAL_CAS file, like INCEpTION, for a document nobody coded).
    ours = getattr(meta, "collectionId", None) == OUR_COLLECTION
    return UnitSource(where=x.where, title=title, coder=coder, raw_text=text, spans=spans,
                      evidence=evidence, metadata=metadata,
                      status="done" if ours and not spans else None,
                      document_only=coder == INITIAL_CAS)


def _identity(x: _XmiFile, meta: Any) -> tuple[str, str, dict[str, object]]:
    """(title, coder, metadata) of one XMI file."""
    title = getattr(meta, "documentTitle", None) if meta is not None else None
    doc_id = getattr(meta, "documentId", None) if meta is not None else None
    collection = getattr(meta, "collectionId", None) if meta is not None else None
    title = title.strip() if isinstance(title, str) and title.strip() else None
    doc_id = doc_id.strip() if isinstance(doc_id, str) and doc_id.strip() else None
    if x.coder:
        coder = x.coder
    elif doc_id and (collection == OUR_COLLECTION or (
            title and doc_id != title and doc_id != PurePosixPath(title).stem)):
        # INCEpTION sets documentId to the annotator ("data owner") and the title to the
        # document's name; so do we.
        coder = doc_id
    else:
        coder = x.stem or "imported"
    title = title or x.doc_name or x.stem
    return title, coder, {"source_file": x.where}


# --------------------------------------------------------------------------- the reader


def read_cas(path: Path, *, positions: str = "auto", stance_names: set[str] | None = None
             ) -> tuple[ProjectSnapshot, list[str]]:
    """Read an XMI file (with its TypeSystem.xml beside it) or a zip of them (INCEpTION's
    exports included); returns the snapshot and one line per kind of thing not carried.
    Refuses the whole file with one FormatError listing every problem."""
    path = Path(path)
    warn = Counted(MESSAGES)
    if path.suffix.casefold() == ".zip":
        return _read_zip(path, positions, stance_names, warn)
    found = _xmi_file_sources(path)
    return _finish(path, found, positions, stance_names, warn)


def _read_zip(path: Path, positions: str, stance_names: set[str] | None, warn: Counted
              ) -> tuple[ProjectSnapshot, list[str]]:
    try:
        is_zip = zipfile.is_zipfile(path)
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not is_zip:
        raise FormatError(f"{path}: not a zip archive (or a damaged one)")
    with SafeZip(path) as archive, tempfile.TemporaryDirectory(prefix="desk-cas-") as tmp:
        found = _zip_sources(path, archive, warn, _Budget(), Path(tmp))
        # Read every member while the archive is open.
        for x in found.xmi:
            data_x = x.read()
            data_t = x.typesystem() if x.typesystem else None
            x.read = (lambda d=data_x: d)
            x.typesystem = None if data_t is None else (lambda d=data_t: d)
        for t in found.tsv:
            data = t.read()
            t.read = (lambda d=data: d)
    if not found.xmi and not found.tsv:
        what = "binary .ser files only" if warn.count("ser") else "no .xmi or WebAnno .tsv files"
        raise FormatError(f"{path}: not an INCEpTION/UIMA export ({what})")
    return _finish(path, found, positions, stance_names, warn)


def _finish(path: Path, found: _Found, positions: str, stance_names: set[str] | None,
            warn: Counted) -> tuple[ProjectSnapshot, list[str]]:
    problems: list[str] = []
    sources: list[UnitSource] = []
    typesystems: dict[bytes, Any] = {}
    for x in found.xmi:
        try:
            sources.append(_cas_source(x, typesystems, warn))
        except FormatError as exc:
            problems.append(str(exc))
    if found.tsv:
        from desk_annotator.io.webanno_tsv import tsv_source

        for t in found.tsv:
            try:
                source = tsv_source(t.read(), t.where, coder=t.coder or t.stem,
                                    title=t.doc_name or t.stem, warn=warn, positions=positions)
                source.document_only = source.coder == INITIAL_CAS
                sources.append(source)
            except FormatError as exc:
                problems.append(str(exc))
    raise_if_problems(path, [p.removeprefix(f"{path}: ") for p in problems])
    builder = ForeignSnapshot("uima-cas", stance_names, warn, codebook_name="INCEpTION")
    unit_lines, handles = place_sources(builder, sources, positions=positions, prior=PRIOR_JAVA)
    _states(builder, found.states, sources, handles, warn)
    return builder.build(), unit_lines + warn.lines()


def _states(builder: ForeignSnapshot, states: list[dict[str, Any]], sources: list[UnitSource],
            handles: list[Any], warn: Counted) -> None:
    by_name: dict[str, Any] = {}
    for source, handle in zip(sources, handles, strict=True):
        if handle is not None and source.title:
            by_name.setdefault(source.title, handle)
    coders = {s.coder for s in sources}
    for state in states:
        status = INCEPTION_STATES.get(state["state"].upper())
        if status is None:
            continue
        handle = by_name.get(state["name"])
        if handle is None or state["user"] not in coders:
            warn("status_dropped", f"{state['name']} / {state['user']}")
            continue
        builder.set_status(handle, state["user"], status)


# --------------------------------------------------------------------------- writing


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def cas_typesystem() -> Any:
    """The type system of our export: DKPro's DocumentMetaData (title, annotator) and one span
    layer ``webanno.custom.Passage`` with features ``stance`` (string), ``themes`` (multi-value
    string, INCEpTION's "Multi-value: String") and ``note`` (string)."""
    from cassis import TypeSystem

    ts = TypeSystem()
    meta = ts.create_type(DOCUMENT_METADATA, supertypeName=DOCUMENT_ANNOTATION)
    for name in ("documentTitle", "documentId", "documentUri", "collectionId",
                 "documentBaseUri"):
        ts.create_feature(meta, name, STRING)
    ts.create_feature(meta, "isLastSegment", "uima.cas.Boolean")
    passage = ts.create_type(OUR_LAYER, supertypeName=ANNOTATION,
                             description="A coded passage (desk-annotator)")
    ts.create_feature(passage, "stance", STRING, description="Stance label (single choice)")
    ts.create_feature(passage, "themes", STRING_ARRAY, elementType=STRING,
                      multipleReferencesAllowed=False, description="Theme labels")
    ts.create_feature(passage, "note", STRING, description="The coder's note")
    return ts


def _safe_name(name: str, limit: int = 80) -> str:
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .") or "untitled"
    return cleaned[:limit].rstrip(" .") or "untitled"


def iter_cas_files(snapshot: ProjectSnapshot) -> Iterator[tuple[str, str, str, bytes, int]]:
    """(document folder, coder, file name, XMI bytes, characters replaced) per (document, coder)
    who coded it (an annotation there or a status ``done``); a document nobody coded gets one
    file named ``INITIAL_CAS`` without passages, as in INCEpTION's exports."""
    from cassis import Cas

    ts = cas_typesystem()
    meta_type = ts.get_type(DOCUMENT_METADATA)
    passage_type = ts.get_type(OUR_LAYER)
    array_type = ts.get_type(STRING_ARRAY)
    index = SnapshotIndex(snapshot)
    done = {(s.document_id, s.coder_id) for s in snapshot.statuses if s.status == "done"}
    folders: set[str] = set()
    for doc in snapshot.documents:
        anns = index.by_document[doc.id]
        folder = _safe_name(doc.title)
        if folder.casefold() in folders:
            folder = f"{folder} ({doc.id[:8]})"
        folders.add(folder.casefold())
        text, replaced = _XML_ILLEGAL.subn("\ufffd", doc.text)
        files: set[str] = set()
        owners = [(c.name, [a for a in anns if a.coder_id == c.id]) for c in snapshot.coders]
        owners = [(name, mine) for (name, mine), c in zip(owners, snapshot.coders, strict=True)
                  if mine or (doc.id, c.id) in done]
        if not owners:
            owners = [(INITIAL_CAS, [])]  # nobody coded it: the document alone, as INCEpTION
        for coder_name, mine in owners:
            cas = Cas(typesystem=ts)
            cas.sofa_string = text
            cas.sofa_mime = "text/plain"
            cas.add(meta_type(begin=0, end=len(text), documentTitle=_xml_safe(doc.title),
                              documentId=_xml_safe(coder_name), collectionId=OUR_COLLECTION,
                              documentUri=f"{OUR_COLLECTION}:{doc.id}"))
            for ann in mine:
                stance = index.stance_name(ann)
                themes = index.theme_names(ann)
                cas.add(passage_type(
                    begin=ann.start, end=ann.end,
                    stance=None if stance is None else _xml_safe(stance),
                    themes=array_type(elements=[_xml_safe(t) for t in themes]) if themes else None,
                    note=None if ann.note is None else _xml_safe(ann.note)))
            name = _safe_name(coder_name)
            while name.casefold() in files:
                name = f"{name}_"
            files.add(name.casefold())
            xmi = cas.to_xmi()
            assert xmi is not None
            yield folder, coder_name, f"{name}.xmi", xmi.encode("utf-8"), replaced


def _xml_safe(value: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", value)


def write_cas_zip(path: Path, snapshot: ProjectSnapshot) -> dict[str, int]:
    """Write ``TypeSystem.xml`` and ``<document>/<coder>.xmi`` (offsets in UTF-16 units, as Java
    and INCEpTION count them) into a zip at ``path``; returns counts of documents, files and
    characters XML could not hold (replaced by U+FFFD)."""
    path = Path(path)
    docs: set[str] = set()
    counts = {"documents": 0, "files": 0, "replaced": 0}
    with atomic_binary_writer(path) as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(TYPESYSTEM_FILE, cas_typesystem().to_xml())
            for folder, _coder, name, data, replaced in iter_cas_files(snapshot):
                archive.writestr(f"{folder}/{name}", data)
                counts["files"] += 1
                if folder not in docs:
                    docs.add(folder)
                    counts["replaced"] += replaced
    counts["documents"] = len(docs)
    return counts

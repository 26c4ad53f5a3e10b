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

Untrusted input is handled in :mod:`desk_annotator.io.uima_cas_files` (checked archives, no
DOCTYPE, one FormatError line per failure); writing is :mod:`desk_annotator.io.uima_cas_writer`.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from desk_annotator.errors import FormatError
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
from desk_annotator.io.refi_archive import MAX_XML_FILE, SafeZip
from desk_annotator.io.uima_cas_files import (  # noqa: F401 (re-exported)
    ANNOTATION,
    DOCUMENT_ANNOTATION,
    DOCUMENT_METADATA,
    INCEPTION_STATES,
    INITIAL_CAS,
    INITIAL_VIEW,
    LAYER_DEFINITION,
    MAX_EVIDENCE_TOKENS,
    OUR_COLLECTION,
    OUR_LAYER,
    STRING,
    STRING_ARRAY,
    TOKEN,
    TYPESYSTEM_FILE,
    _Budget,
    _Found,
    _load_typesystem,
    _load_xmi,
    _xmi_file_sources,
    _XmiFile,
    _zip_sources,
    refuse_doctype,
)
from desk_annotator.io.uima_cas_writer import cas_typesystem, write_cas_zip  # noqa: F401
from desk_annotator.models import ProjectSnapshot

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
        if not found.xmi and not found.tsv:
            what = ("binary .ser files only" if warn.count("ser")
                    else "no .xmi or WebAnno .tsv files")
            raise FormatError(f"{path}: not an INCEpTION/UIMA export ({what})")
        # Members are read (and parsed, one at a time) while the archive is open.
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

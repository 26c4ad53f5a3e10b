"""UIMA CAS XMI export for INCEpTION users: our coding as one XMI per (document, coder).

The zip holds ``TypeSystem.xml`` and ``<document>/<coder>.xmi``. Each XMI carries DKPro's
``DocumentMetaData`` (``documentTitle`` = the document, ``documentId`` = the coder, as INCEpTION
writes it) and one ``webanno.custom.Passage`` annotation per passage with ``stance`` (string),
``themes`` (multi-value string) and ``note`` (string); offsets are UTF-16 code units, as Java and
INCEpTION count them (cassis converts). A document nobody coded is written once as
``INITIAL_CAS.xmi``. Characters XML 1.0 cannot hold (control characters) become U+FFFD and are
counted.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desk_annotator.io.exchange_common import SnapshotIndex, atomic_binary_writer
from desk_annotator.io.uima_cas_files import (
    ANNOTATION,
    DOCUMENT_ANNOTATION,
    DOCUMENT_METADATA,
    INITIAL_CAS,
    OUR_COLLECTION,
    OUR_LAYER,
    STRING,
    STRING_ARRAY,
    TYPESYSTEM_FILE,
)
from desk_annotator.models import ProjectSnapshot

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
    with atomic_binary_writer(path) as handle, \
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(TYPESYSTEM_FILE, cas_typesystem().to_xml())
        for folder, _coder, name, data, replaced in iter_cas_files(snapshot):
            archive.writestr(f"{folder}/{name}", data)
            counts["files"] += 1
            if folder not in docs:
                docs.add(folder)
                counts["replaced"] += replaced
    counts["documents"] = len(docs)
    return counts

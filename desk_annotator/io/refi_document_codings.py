"""Article-level codings in REFI-QDA ``.qdpx`` (see docs/article-coding.md).

Project.xsd lets a ``TextSource`` carry ``Coding`` elements of its own, beside its
``PlainTextSelection`` s: a code given to the source as a whole. That is what an article coding
is, so each label of a coder's article coding (its stance, each theme) is written as one
``<Coding creatingUser="coder"><CodeRef targetGUID="label"/></Coding>`` directly under the
source. What REFI has no place for — the note and the time of the coding — travels in one
``Set`` "desk-annotator article codings" whose members are the coded documents and whose
Description ends in our machine-readable line. Reading a file from another tool, source-level
codings become article codings too (by their creatingUser, else the coder "imported").
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from desk_annotator.io.refi_codes import kid, kids, marker_payload, text_of
from desk_annotator.io.refi_export import (
    _DATETIME,
    marker_line,
    normalize_guid,
    stable_guid,
)
from desk_annotator.models import DocumentCodingRecord, Label, ProjectSnapshot, now_iso

SET_NAME = "desk-annotator article codings"
PAYLOAD_KIND = "document-codings"
PAYLOAD_VERSION = 1


SourceCodings = dict[str, list[tuple[dict[str, str], str]]]


def source_codings(snapshot: ProjectSnapshot, guids: Any) -> SourceCodings:
    """document id -> (Coding attributes, label GUID) of every label of its article codings."""
    out: SourceCodings = {}
    for r in snapshot.document_codings:
        doc_guid, coder_guid = guids("document", r.document_id), guids("coder", r.coder_id)
        for label_id in ([r.stance_id] if r.stance_id else []) + list(r.theme_ids):
            label_guid = guids("label", label_id)
            attrs = {"guid": stable_guid("document-coding", doc_guid, coder_guid, label_guid),
                     "creatingUser": coder_guid}
            if _DATETIME.match(r.updated):
                attrs["creationDateTime"] = r.updated
            out.setdefault(r.document_id, []).append((attrs, label_guid))
    return out


def codings_set(snapshot: ProjectSnapshot, guids: Any
                ) -> tuple[dict[str, str], str, list[str]] | None:
    """(Set attributes, Description, member source GUIDs) carrying notes and times, or None
    when the snapshot has no article coding."""
    if not snapshot.document_codings:
        return None
    entries, members = [], []
    for r in snapshot.document_codings:
        doc_guid = guids("document", r.document_id)
        entries.append({"source": doc_guid, "coder": guids("coder", r.coder_id),
                        "note": r.note, "updated": r.updated})
        if doc_guid not in members:
            members.append(doc_guid)
    payload = {"kind": PAYLOAD_KIND, "version": PAYLOAD_VERSION, "codings": entries}
    text = ("Documents coded as a whole (stance and themes of the article) in desk-annotator; "
            "the codes are the Codings of each source.\n" + marker_line(payload))
    return {"guid": stable_guid("document-codings-set"), "name": SET_NAME}, text, members


def is_codings_set(set_el: Element) -> bool:
    payload = marker_payload(text_of(kid(set_el, "Description")))
    return bool(payload) and payload.get("kind") == PAYLOAD_KIND  # type: ignore[union-attr]


def read_source_codings(reader: Any, labels_by_code: dict[str, Label],
                        sets: Element | None) -> list[DocumentCodingRecord]:
    """The article codings of the sources ``reader`` collected (``reader.source_codings``:
    (document, its source-level Coding elements)), with notes and times from our Set."""
    extra = _set_entries(reader, sets)
    grouped: dict[tuple[str, str], list[Label]] = {}
    times: dict[tuple[str, str], str] = {}
    for doc, codings in reader.source_codings:
        for coding in codings:
            ref = kid(coding, "CodeRef")
            code_guid = normalize_guid(ref.get("targetGUID")) if ref is not None else None
            label = labels_by_code.get(code_guid or "")
            if label is None:
                reader.warn("coding_unknown", f"'{doc.title}' (whole document) code {code_guid}")
                continue
            coder = reader.user(coding.get("creatingUser"))
            if coder is None:
                coder = reader.imported_coder()
                reader.warn("coding_user_imported", f"'{doc.title}' (whole document)")
            grouped.setdefault((doc.id, coder), []).append(label)
            stamp = coding.get("creationDateTime")
            if stamp:
                times.setdefault((doc.id, coder), stamp)
    out = []
    for key in list(grouped) + [k for k in extra if k not in grouped]:
        labels = grouped.get(key, [])
        stances = list(dict.fromkeys(lb.id for lb in labels if lb.scheme == "stance"))
        if len(stances) > 1:
            reader.warn("extra_stance", f"whole document {key[0]} kept the first stance")
        note, updated = extra.get(key, (None, None))
        out.append(DocumentCodingRecord(
            document_id=key[0], coder_id=key[1], stance_id=stances[0] if stances else None,
            theme_ids=list(dict.fromkeys(lb.id for lb in labels if lb.scheme == "themes")),
            note=note, updated=updated or times.get(key) or now_iso()))
    return out


def _set_entries(reader: Any, sets: Element | None) -> dict[tuple[str, str], tuple[Any, Any]]:
    """(document id, coder id) -> (note, updated) from our Set's payload."""
    found: dict[tuple[str, str], tuple[Any, Any]] = {}
    for set_el in kids(sets, "Set"):
        if not is_codings_set(set_el):
            continue
        payload = marker_payload(text_of(kid(set_el, "Description"))) or {}
        entries = payload.get("codings")
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            doc = reader.doc_by_guid.get(normalize_guid(entry.get("source")) or "")
            coder = reader.coders.get(normalize_guid(entry.get("coder")) or "")
            if doc is None or coder is None:
                continue
            note = entry.get("note") if isinstance(entry.get("note"), str) else None
            stamp = entry.get("updated")
            found[doc.id, coder.id] = (note, stamp if isinstance(stamp, str)
                                       and _DATETIME.match(stamp) else None)
    return found

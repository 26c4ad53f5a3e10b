"""Document sets in REFI-QDA: ``<Sets><Set guid name><Description/><MemberSource
targetGUID/></Set></Sets>`` (Project.xsd: Description, then MemberCode*, MemberSource*).

Writing: one Set per document set, its GUID a uuid5 of the set's name (stable exports), its
Description the set's description followed by a marker line ``{"kind": "document-set"}`` so
our own import knows it from the status and settings sets. Reading: our marked sets, and any
other tool's Set that has MemberSource elements (MAXQDA document sets carry only name, guid
and members; QualCoder adds a Description) become document sets; MemberCode elements (code
groups) are not carried and are named in one warning; a member whose GUID names no imported
source is dropped with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

from desk_annotator.io.refi_codes import kid, kids, marker_payload, text_of
from desk_annotator.models import DocumentSetRecord, ProjectSnapshot

KIND = "document-set"
OWN_KINDS = ("settings", "status", "document-codings")  # our other sets, read elsewhere


def write_document_sets(sets: Element, ns: str, snapshot: ProjectSnapshot,
                        document_guid: Callable[[str], str], stable_guid: Callable[..., str],
                        el: Callable[..., Element], marker_line: Callable[[dict], str]) -> None:
    exported = {d.id for d in snapshot.documents}
    for record in snapshot.document_sets:
        members = [d for d in record.document_ids if d in exported]
        if not members:
            continue
        set_el = el(sets, ns, "Set", guid=stable_guid("document-set", record.name),
                    name=record.name)
        text = (record.description.strip() + "\n") if record.description.strip() else ""
        el(set_el, ns, "Description", text + marker_line({"kind": KIND, "version": 1}))
        for doc_id in members:
            el(set_el, ns, "MemberSource", targetGUID=document_guid(doc_id))


def is_document_set(set_el: Element) -> bool:
    """Whether a Set is read as a document set (module doc), not as a status/settings set."""
    payload = marker_payload(text_of(kid(set_el, "Description")))
    kind = payload.get("kind") if payload else None
    if kind == KIND:
        return True
    return kind not in OWN_KINDS and bool(kids(set_el, "MemberSource"))


def _description(set_el: Element) -> str:
    text = text_of(kid(set_el, "Description")) or ""
    if marker_payload(text) is not None:  # our marker line is the last line
        text = text.rsplit("\n", 1)[0] if "\n" in text else ""
    return text.strip()


def read_document_sets(sets: Element | None, doc_by_guid: dict[str, Any],
                       normalize: Callable[[str | None], str | None],
                       warn: Callable[[str, str], None]) -> list[DocumentSetRecord]:
    out: list[DocumentSetRecord] = []
    code_groups: list[str] = []
    for set_el in kids(sets, "Set"):
        if not is_document_set(set_el):
            continue
        name = set_el.get("name") or "?"
        if kids(set_el, "MemberCode"):
            code_groups.append(name)
        members = []
        for member in kids(set_el, "MemberSource"):
            guid = normalize(member.get("targetGUID")) or ""
            doc = doc_by_guid.get(guid)
            if doc is None:
                warn("set_member_dropped", f"set '{name}' member {guid or '?'}")
                continue
            members.append(doc.id)
        out.append(DocumentSetRecord(name=name, description=_description(set_el),
                                     document_ids=list(dict.fromkeys(members))))
    if code_groups:
        warn("not_carried", "codes of sets " + ", ".join(f"'{n}'" for n in code_groups))
    return out

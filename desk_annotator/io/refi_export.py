"""REFI-QDA 1.0 export: a ``.qdpx`` project (zip of ``project.qde`` + ``sources/``) and a ``.qdc``.

Mapping (see docs/readme-parts/refi-qda.md):
- coders -> ``Users/User``; labels -> child codes of two non-codable parents "Stance" and "Themes";
- documents -> ``TextSource`` with ``plainTextPath="internal://<GUID>.txt"`` and metadata as
  ``VariableValue``s of Text variables;
- annotations -> one ``PlainTextSelection`` each (the note is its ``Description``) with one
  ``Coding`` per label, every ``Coding`` carrying ``creatingUser``; positions are code points
  (the standard) or, with ``positions="utf16"``, UTF-16 code units for tools that count those
  (the settings Set then records it, so our own import reads them back exactly);
- per-coder document status -> one ``Set`` of sources per (coder, status);
- what REFI has no place for (label shortcut keys and order, the codebook name, ids that are not
  GUIDs) -> a "desk-annotator settings" ``Set`` whose Description ends in one JSON line.
Every GUID is either the model's id or a uuid5 of fixed strings, so two exports of the same
snapshot are byte-identical.
"""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.etree import ElementTree as ET

from desk_annotator.errors import FormatError
from desk_annotator.io.exchange_common import atomic_binary_writer
from desk_annotator.io.position_units import EXPORT_POSITIONS, check_positions
from desk_annotator.io.refi_notes import NoteRefs, note_refs, write_note_refs, write_notes
from desk_annotator.models import (
    METADATA_KEYS,
    STATUSES,
    Annotation,
    Codebook,
    ProjectSnapshot,
)
from desk_annotator.text import Utf16Map

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
# Fixed namespace for every GUID we derive; never change it or exports stop being stable.
GUID_NAMESPACE = uuid.UUID("6f1c2d7e-3b4a-5c8d-9e0f-a1b2c3d4e5f6")
SCHEME_PARENTS = {"stance": "Stance", "themes": "Themes"}
MARKER = "desk-annotator:"  # prefix of the machine-readable line in our Set descriptions
SETTINGS_SET_NAME = "desk-annotator settings"
EXTRA_VERSION = 1
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times keep exports byte-identical

_GUID = re.compile(
    r"^\s*\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?\s*$"
)
_RGB = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_DATETIME = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$"
)
# Characters XML 1.0 cannot carry at all (C0 controls except tab/LF/CR, surrogates, U+FFFE/F).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def normalize_guid(value: str | None) -> str | None:
    """A GUID in our canonical form (upper case, no braces), or None if ``value`` is not one."""
    if not value or len(value) < 36:  # shorter than any GUID: most ids that are not one
        return None
    if (len(value) == 36 and value[8] == value[13] == value[18] == value[23] == "-"
            and value.count("-") == 4 and not value.strip(_CANONICAL_CHARS)):
        return value  # already canonical (every GUID we write, and most we read)
    match = _GUID.match(value)
    return match.group(1).upper() if match else None


_CANONICAL_CHARS = "0123456789ABCDEF-"


def stable_guid(*parts: str) -> str:
    """A deterministic GUID from fixed strings (uuid5 in our namespace)."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(parts))).upper()


def scheme_parent_guid(scheme: str) -> str:
    return stable_guid("scheme-parent", scheme)


def xml_safe(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def marker_line(payload: dict) -> str:
    return MARKER + " " + _payload_json(payload)


# A payload's "ids" map from this many entries on is written by _string_map_json (a 100,000-
# annotation export remaps every id that is not a GUID: json.dumps took a third of a second).
_BIG_MAP = 1000
# What json.dumps(ensure_ascii=False) writes other than as itself: the quote, the backslash and
# the C0 controls.
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')


def _payload_json(payload: dict) -> str:
    """``json.dumps(payload, ensure_ascii=False, sort_keys=True)``, the same text."""
    ids = payload.get("ids")
    if not isinstance(ids, dict) or len(ids) < _BIG_MAP:
        return json.dumps(payload, ensure_ascii=False, sort_keys=True)
    rest = {**payload, "ids": {}}
    text = json.dumps(rest, ensure_ascii=False, sort_keys=True)
    # The keys sort before "ids" come first: their text, then the empty map to replace.
    head = json.dumps({k: v for k, v in rest.items() if k < "ids"}, ensure_ascii=False,
                      sort_keys=True)[:-1]
    slot = head + (", " if head != "{" else "") + '"ids": {}'
    big = _string_map_json(ids)
    if big is None or not text.startswith(slot):
        return json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return slot[:-2] + big + text[len(slot):]


def _string_map_json(mapping: dict) -> str | None:
    """json.dumps of a str -> str map with sorted keys when no key or value needs an escape
    (one search over all of them), else None."""
    if not all(type(k) is str for k in mapping):
        return None
    keys = sorted(mapping)
    values = [mapping[k] for k in keys]
    if not all(type(v) is str for v in values):
        return None
    if _JSON_ESCAPED.search("".join(keys)) or _JSON_ESCAPED.search("".join(values)):
        return None
    return "{" + ", ".join([f'"{k}": "{v}"' for k, v in zip(keys, values)]) + "}"


class GuidMap:
    """Model id -> REFI GUID; ids that are not canonical GUIDs get a stable one and are recorded
    so our own import can give the original id back."""

    def __init__(self) -> None:
        self.originals: dict[str, str] = {}

    def __call__(self, kind: str, value: str) -> str:
        guid = normalize_guid(value) or stable_guid(kind, value)
        if guid != value:
            self.originals[guid] = value
        return guid


def _el(parent: ET.Element, ns: str, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    # Tags stay unqualified: the root carries xmlns, which ElementTree's default_namespace
    # option cannot do for unqualified attribute names.
    child = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        child.text = xml_safe(text)
    return child


def _code_elements(parent: ET.Element, ns: str, codebook: Codebook, guids: GuidMap,
                   refs: NoteRefs | None = None) -> None:
    codes = _el(parent, ns, "Codes")
    for scheme, parent_name in SCHEME_PARENTS.items():
        group = _el(codes, ns, "Code", guid=scheme_parent_guid(scheme), name=parent_name,
                    isCodable="false")
        kind = "one per annotation" if scheme == "stance" else "any number per annotation"
        _el(group, ns, "Description", f"desk-annotator {scheme} labels ({kind})")
        for label in codebook.scheme(scheme):  # type: ignore[arg-type]
            attrs = {"guid": guids("label", label.id), "name": label.name, "isCodable": "true"}
            if _RGB.match(label.color):
                attrs["color"] = label.color
            code = _el(group, ns, "Code", **attrs)
            if label.description:
                _el(code, ns, "Description", label.description)
            write_note_refs(code, refs or {}, "label", label.id, _note_el)  # label memos


def _settings_payload(codebook: Codebook, guids: GuidMap,
                      positions: str = "codepoints") -> dict:
    labels = {
        guids("label", lb.id): {"key": lb.key, "order": lb.order}
        for lb in codebook.labels
    }
    payload = {"kind": "settings", "version": EXTRA_VERSION, "codebook": codebook.name,
               "labels": labels, "ids": guids.originals}  # marker_line sorts the keys
    if positions != "codepoints":  # absent means the standard: code point exports stay as before
        payload["positions"] = positions
    return payload


_SETTINGS_TEXT = ("Written by desk-annotator: label shortcut keys, label order and the codebook "
                  "name, kept for desk-annotator's own import.")


def _check_snapshot(snapshot: ProjectSnapshot) -> None:
    """Refuse a snapshot whose references do not resolve: the export would not validate."""
    docs = {d.id: d for d in snapshot.documents}
    coders = {c.id for c in snapshot.coders}
    labels = snapshot.codebook.by_id()
    problems: list[str] = []
    for ann in snapshot.annotations:
        doc = docs.get(ann.document_id)
        if doc is None:
            problems.append(f"annotation {ann.id} refers to unknown document {ann.document_id}")
        elif ann.end > len(doc.text):
            problems.append(
                f"annotation {ann.id} ends at {ann.end}, past the text ({len(doc.text)})")
        if ann.coder_id not in coders:
            problems.append(f"annotation {ann.id} refers to unknown coder {ann.coder_id}")
        stance = labels.get(ann.stance_id) if ann.stance_id is not None else None
        if ann.stance_id is not None and getattr(stance, "scheme", "") != "stance":
            problems.append(f"annotation {ann.id} has unknown stance label {ann.stance_id}")
        for theme in ann.theme_ids:
            if getattr(labels.get(theme), "scheme", "") != "themes":
                problems.append(f"annotation {ann.id} has unknown theme label {theme}")
    for st in snapshot.statuses:
        if st.document_id not in docs or st.coder_id not in coders:
            problems.append(f"status of {st.document_id}/{st.coder_id} refers to unknown ids")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise FormatError("cannot export to REFI-QDA: " + "; ".join(problems[:3]) + more)


def _metadata_keys(snapshot: ProjectSnapshot) -> list[str]:
    present = {k for d in snapshot.documents for k in d.metadata}
    return [k for k in METADATA_KEYS if k in present] + sorted(present - set(METADATA_KEYS))


def build_project_xml(snapshot: ProjectSnapshot, project_name: str, origin: str,
                      positions: str = "codepoints", *, selections=None,  # type: ignore[no-untyped-def]
                      guids: GuidMap | None = None,
                      annotations_by_doc: dict[str, list] | None = None,
                      ) -> tuple[ET.Element, list[tuple[str, str]]]:
    """The ``Project`` element and the (archive name, text) of every source file.

    ``selections(source_element, items, guids, units)``, when given, stands in for the
    PlainTextSelection elements (io/refi_stream_writer.py writes them as text); ``items`` are a
    source's entries of ``annotations_by_doc`` when that is given (the stream writer's rows),
    else its annotations."""
    check_positions(positions, EXPORT_POSITIONS)
    _check_snapshot(snapshot)
    ns = PROJECT_NS
    guids = guids if guids is not None else GuidMap()
    root = ET.Element("Project", {"xmlns": ns, "name": xml_safe(project_name),
                                  "origin": xml_safe(origin)})
    if snapshot.coders:
        users = _el(root, ns, "Users")
        for coder in snapshot.coders:
            _el(users, ns, "User", guid=guids("coder", coder.id), name=coder.name)
    refs = note_refs(snapshot.memos, guids)  # memos: Notes, referred to by their targets
    _code_elements(_el(root, ns, "CodeBook"), ns, snapshot.codebook, guids, refs)

    keys = _metadata_keys(snapshot)
    if keys:
        variables = _el(root, ns, "Variables")
        for key in keys:
            _el(variables, ns, "Variable", guid=stable_guid("variable", key), name=key,
                typeOfVariable="Text")

    from desk_annotator.io.refi_document_codings import codings_set, source_codings
    article = source_codings(snapshot, guids)  # article-level codings: Codings of the source
    by_doc: dict[str, list] = {}
    if annotations_by_doc is not None:
        by_doc = annotations_by_doc
    else:
        for ann in snapshot.annotations:
            by_doc.setdefault(ann.document_id, []).append(ann)
    files: list[tuple[str, str]] = []
    if snapshot.documents:
        sources = _el(root, ns, "Sources")
        for doc in snapshot.documents:
            doc_guid = guids("document", doc.id)
            files.append((f"sources/{doc_guid}.txt", doc.text))
            src = _el(sources, ns, "TextSource", guid=doc_guid, name=doc.title,
                      plainTextPath=f"internal://{doc_guid}.txt")
            units = Utf16Map(doc.text) if positions == "utf16" else None
            if selections is not None:
                selections(src, by_doc.get(doc.id, []), guids, units)
            else:
                for ann in by_doc.get(doc.id, []):
                    _selection(src, ns, ann, guids, units)
            for attrs, label_guid in article.get(doc.id, []):
                _el(_el(src, ns, "Coding", **attrs), ns, "CodeRef", targetGUID=label_guid)
            write_note_refs(src, refs, "document", doc.id, _note_el)  # document memos
            for key in keys:
                if key not in doc.metadata:
                    continue
                value = _el(src, ns, "VariableValue")
                _el(value, ns, "VariableRef", targetGUID=stable_guid("variable", key))
                if doc.metadata[key] is not None:  # None: no value element at all
                    _el(value, ns, "TextValue", doc.metadata[key])

    users = {c.id: guids("coder", c.id) for c in snapshot.coders}
    write_notes(root, snapshot.memos, guids, users, _note_el,
                lambda stamp: bool(_DATETIME.match(stamp)))
    sets = _el(root, ns, "Sets")
    status_sets = _status_sets(snapshot, guids)
    settings = _el(sets, ns, "Set", guid=stable_guid("settings-set"), name=SETTINGS_SET_NAME)
    desc = _el(settings, ns, "Description")
    for label in snapshot.codebook.stance + snapshot.codebook.themes:  # the order of the codes
        _el(settings, ns, "MemberCode", targetGUID=guids("label", label.id))
    for (coder_guid, coder_name, status), members in status_sets:
        st_set = _el(sets, ns, "Set", guid=stable_guid("status-set", coder_guid, status),
                     name=f"{status}: {coder_name}")
        payload = {"kind": "status", "version": EXTRA_VERSION, "coder": coder_guid,
                   "status": status, "updated": dict(members)}
        _el(st_set, ns, "Description",
            f"Documents {coder_name} marked '{status}' in desk-annotator.\n" + marker_line(payload))
        for doc_guid, _ in members:
            _el(st_set, ns, "MemberSource", targetGUID=doc_guid)
    from desk_annotator.io.refi_sets import write_document_sets  # the project's document sets
    write_document_sets(sets, ns, snapshot, lambda d: guids("document", d), stable_guid, _el,
                        marker_line)
    if (found := codings_set(snapshot, guids)) is not None:  # notes and times of the above
        set_el = _el(sets, ns, "Set", **found[0])
        _el(set_el, ns, "Description", found[1])
        for doc_guid in found[2]:
            _el(set_el, ns, "MemberSource", targetGUID=doc_guid)
    # Written last so it also records ids remapped while writing users, sources and selections.
    payload = _settings_payload(snapshot.codebook, guids, positions)
    desc.text = xml_safe(_SETTINGS_TEXT + "\n" + marker_line(payload))
    write_note_refs(root, refs, "project", "", _note_el)  # project memos, last (Project.xsd)
    return root, files


def _note_el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    return _el(parent, PROJECT_NS, tag, text, **attrs)


def _selection(src: ET.Element, ns: str, ann: Annotation, guids: GuidMap,
               units: Utf16Map | None = None) -> None:
    ann_guid = guids("annotation", ann.id)
    coder_guid = guids("coder", ann.coder_id)
    start, end = ann.start, ann.end
    if units is not None:  # UTF-16 code units, for tools that count those
        start, end = units.to_utf16(start), units.to_utf16(end)
    attrs = {"guid": ann_guid, "startPosition": str(start), "endPosition": str(end),
             "creatingUser": coder_guid}
    if _DATETIME.match(ann.created):
        attrs["creationDateTime"] = ann.created
    attrs["modifyingUser"] = coder_guid
    if _DATETIME.match(ann.updated):
        attrs["modifiedDateTime"] = ann.updated
    sel = _el(src, ns, "PlainTextSelection", **attrs)
    if ann.note is not None:
        _el(sel, ns, "Description", ann.note)
    label_ids = ([ann.stance_id] if ann.stance_id else []) + list(ann.theme_ids)
    for label_id in label_ids:
        label_guid = guids("label", label_id)
        coding_attrs = {"guid": stable_guid("coding", ann_guid, label_guid),
                        "creatingUser": coder_guid}
        if _DATETIME.match(ann.created):
            coding_attrs["creationDateTime"] = ann.created
        coding = _el(sel, ns, "Coding", **coding_attrs)
        _el(coding, ns, "CodeRef", targetGUID=label_guid)


def _status_sets(snapshot: ProjectSnapshot, guids: GuidMap
                 ) -> list[tuple[tuple[str, str, str], list[tuple[str, str]]]]:
    names = {c.id: c.name for c in snapshot.coders}
    order = {c.id: i for i, c in enumerate(snapshot.coders)}
    grouped: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for st in snapshot.statuses:
        grouped.setdefault((st.coder_id, st.status), []).append(
            (guids("document", st.document_id), st.updated))
    keys = sorted(grouped, key=lambda k: (order[k[0]], STATUSES.index(k[1])))
    return [((guids("coder", c), names[c], s), grouped[(c, s)]) for c, s in keys]


def serialize(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def write_bytes_atomically(path: Path, write) -> None:
    """Run ``write(handle)`` on a temp file beside ``path``; replace ``path`` only on success
    (:func:`desk_annotator.io.exchange_common.atomic_binary_writer`: one naming scheme, stale
    temporaries cleaned, an OSError becomes one line naming ``path``)."""
    with atomic_binary_writer(Path(path)) as handle:
        write(handle)


def _zip_entries(handle, entries: Iterable[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def write_qdpx(path: Path, snapshot: ProjectSnapshot, *,
               project_name: str = "desk-annotator project",
               origin: str = "desk-annotator", positions: str = "codepoints") -> None:
    """Write ``snapshot`` as a REFI-QDA 1.0 project archive (valid against Project.xsd).

    ``positions``: "codepoints" (the standard, default) or "utf16" (UTF-16 code units, what
    NVivo and QualCoder count; line breaks are written as LF and count one).
    """
    root, files = build_project_xml(snapshot, project_name, origin, positions)
    entries = [("project.qde", serialize(root))]
    entries += [(name, text.encode("utf-8")) for name, text in files]
    write_bytes_atomically(Path(path), lambda handle: _zip_entries(handle, entries))


def build_codebook_xml(codebook: Codebook, origin: str = "desk-annotator") -> ET.Element:
    ns = CODEBOOK_NS
    guids = GuidMap()
    root = ET.Element("CodeBook", {"xmlns": ns, "origin": xml_safe(origin)})
    _code_elements(root, ns, codebook, guids)
    sets = _el(root, ns, "Sets")
    settings = _el(sets, ns, "Set", guid=stable_guid("settings-set"), name=SETTINGS_SET_NAME)
    _el(settings, ns, "Description",
        _SETTINGS_TEXT + "\n" + marker_line(_settings_payload(codebook, guids)))
    for label in codebook.stance + codebook.themes:
        _el(settings, ns, "MemberCode", guid=guids("label", label.id))
    return root


def write_qdc(path: Path, codebook: Codebook) -> None:
    """Write ``codebook`` as a REFI-QDA 1.0 codebook (valid against Codebook.xsd)."""
    data = serialize(build_codebook_xml(codebook))
    write_bytes_atomically(Path(path), lambda handle: handle.write(data))


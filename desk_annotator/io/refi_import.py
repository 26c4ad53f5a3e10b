"""REFI-QDA 1.0 import: ``.qdpx`` projects and ``.qdc`` codebooks, as written by real tools.

Tolerant of what other tools do (texts with BOM/CRLF/NFD, PlainTextContent instead of files,
nested codes, missing Users or CodeBook, non-text sources, codings without a user, GUIDs in
braces or lower case, ARGB colours) and explicit about it: everything that cannot be carried
as it was is listed in the returned warnings. Selection positions may count UTF-16 units
(NVivo, QualCoder) rather than code points: the unit of each source is detected on its raw text
(:mod:`desk_annotator.io.position_units`) and reported first, one line per source where the
units disagree; ``positions=`` forces one. Unsafe input raises FormatError and returns
nothing (see refi_archive).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote
from xml.etree.ElementTree import Element

import charset_normalizer
from pydantic import ValidationError

from desk_annotator.errors import FormatError
from desk_annotator.io.position_units import (
    READINGS,
    check_positions,
)
from desk_annotator.io.refi_archive import SafeZip, parse_xml, read_xml_file
from desk_annotator.io.refi_codes import (
    CodeTree,
    children_by_name,
    kid,
    kids,
    local,
    marker_payload,
    payloads_remembered,
    settings_payload,
    text_of,
)
from desk_annotator.io.refi_export import normalize_guid, stable_guid
from desk_annotator.io.refi_memo_reader import read_memos
from desk_annotator.io.refi_selections import place_selections
from desk_annotator.io.refi_sets import is_document_set, read_document_sets
from desk_annotator.io.untrusted import clean_text
from desk_annotator.models import (
    METADATA_KEYS,
    STATUSES,
    Annotation,
    Codebook,
    Coder,
    DocStatus,
    Document,
    Label,
    ProjectSnapshot,
    now_iso,
)
from desk_annotator.text import MappedSpan, NormalizationMap, is_normalized, sha256_text

IMPORTED_CODER_NAME = "imported"
NON_TEXT_SOURCES = ("PDFSource", "PictureSource", "AudioSource", "VideoSource")
_DRIVE = re.compile(r"^[A-Za-z]:")
_SHOWN = 5  # examples listed per warning
_KNOWN_KEYS = {key.casefold(): key for key in METADATA_KEYS}  # "Author" variable -> author

# Warning categories in the order they are reported: (key, sentence before the examples).
_MESSAGES = {
    "code_mapped": "codes not in the Stance/Themes layout were mapped (original path -> label)",
    "code_renamed": "code names repeated within a scheme after flattening were renamed",
    "code_guid": "codes without a valid GUID were given one",
    "code_duplicate": "codes with a GUID used twice were skipped after the first",
    "source_skipped": "non-text sources were skipped with their codings (only text is read)",
    "source_no_text": "text sources without readable text were skipped",
    "source_decoded": "source texts were not UTF-8 and were decoded by guessing",
    "source_duplicate": "sources with a GUID used twice were given a new id",
    "text_cleaned": "texts holding NUL characters or lone surrogates had them replaced by "
                    "U+FFFD (positions unchanged)",
    "source_codings": "codings of whole documents (no text span) were not carried",
    "selection_bad": "selections with unreadable positions were skipped",
    "selection_outside": "selections outside their text were skipped",
    "selection_snapped": "selection boundaries fell inside a sequence changed by normalisation "
                         "(CRLF, BOM, NFD) and were widened",
    "selection_in_character": "selection boundaries fell inside one character in the unit read "
                              "(between the UTF-16 halves of an emoji, or of a line break "
                              "counted as two) and were widened",
    "selection_duplicate": "selections with a GUID used twice were given a new id",
    "selection_split": "selections coded by several users became one annotation per user",
    "coding_unknown": "codings referring to no label (unknown or grouping codes) were dropped",
    "extra_stance": "selections with several stance codes kept only the first",
    "coding_user_from_selection": "codings without creatingUser were attributed to the "
                                  "selection's creatingUser",
    "coding_user_imported": f"codings/selections without any user were attributed to coder "
                            f"'{IMPORTED_CODER_NAME}'",
    "user_unknown": "users referred to but not listed under Users were added",
    "user_renamed": "user names used twice were made unique",
    "status_dropped": "document statuses referring to unknown documents or coders were dropped",
    "not_carried": "parts with no desk-annotator equivalent were not carried",
    "set_member_dropped": "document set members referring to unknown sources were dropped",
}


class Warnings:
    """Collects examples per category and renders one line per category."""

    def __init__(self) -> None:
        self._items: dict[str, list[str]] = {}

    def __call__(self, category: str, example: str) -> None:
        self._items.setdefault(category, []).append(example)

    def lines(self) -> list[str]:
        out = []
        for category, sentence in _MESSAGES.items():
            items = self._items.get(category)
            if not items:
                continue
            shown = "; ".join(items[:_SHOWN])
            more = f"; and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
            out.append(f"{len(items)} {sentence}: {shown}{more}")
        return out


class _IdentityMap:
    """NormalizationMap's interface for a text that is already normalised (the common case,
    and much cheaper than segmenting the text)."""

    def __init__(self, text: str) -> None:
        self.raw = self.text = text

    def map_span(self, start: int, end: int) -> MappedSpan:
        # tuple.__new__: the named tuple's own __new__ is a Python function (one per selection)
        return _new_tuple(_SameSpan, (start, end, False))  # type: ignore[return-value]


class _SameSpan(NamedTuple):
    """MappedSpan's fields as a tuple: one per selection, a frozen dataclass costs more."""

    start: int
    end: int
    snapped: bool


_new_tuple = tuple.__new__


def _offset_map(raw: str) -> NormalizationMap | _IdentityMap:
    return _IdentityMap(raw) if is_normalized(raw) else NormalizationMap(raw)


def _decode(data: bytes, name: str, warn: Warnings) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 BOM is not a character of the text: offsets never count it
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        best = charset_normalizer.from_bytes(data).best()
        if best is None:
            return None
        warn("source_decoded", f"{name} as {best.encoding}")
        return str(best)


class _ProjectReader:
    def __init__(self, archive: SafeZip, root: Element) -> None:
        self.zip = archive
        self.root = root
        self.warn = Warnings()
        sets = kid(root, "Sets")
        self.settings = settings_payload(sets)
        self.ids = _original_ids(self.settings)
        self.coders: dict[str, Coder] = {}  # by GUID
        self.documents: list[Document] = []
        self.doc_by_guid: dict[str, Document] = {}
        self.annotations: list[Annotation] = []
        self._ann_ids: set[str] = set()
        self._coder_names: set[str] = set()
        self._notes: dict[str, str] = {}
        self._notes_used: set[str] = set()
        self.document_note_refs: list[tuple[str, list[str]]] = []
        self.source_codings: list[tuple[Document, list[Element]]] = []  # whole-document codings
        # (document, normalisation map, selection elements) until the units are decided
        self._pending: list[tuple[Document, NormalizationMap | _IdentityMap, list[Element]]] = []
        self.unit_lines: list[str] = []
        self._user_ids: dict[str | None, str | None] = {}  # creatingUser as written -> coder
        # CodeRef targetGUID as written -> (label or None, GUID)
        self._code_refs: dict[str, tuple[Label | None, str | None]] = {}
        self._made: list[dict] = []  # annotations of the source being read, validated together

    def ident(self, guid: str) -> str:
        return self.ids.get(guid, guid)

    # --- users -------------------------------------------------------------------------
    def _add_coder(self, guid: str, name: str) -> Coder:
        base, unique, n = name, name, 2
        while unique in self._coder_names:
            unique, n = f"{base} ({n})", n + 1
        if unique != base:
            self.warn("user_renamed", f"'{base}' -> '{unique}'")
        self._coder_names.add(unique)
        coder = Coder(id=self.ident(guid), name=unique)
        self.coders[guid] = coder
        return coder

    def read_users(self) -> None:
        for user in kids(kid(self.root, "Users"), "User"):
            guid = normalize_guid(user.get("guid"))
            if guid is None or guid in self.coders:
                continue
            name = (user.get("name") or user.get("id") or "").strip() or f"user-{guid[-8:].lower()}"
            self._add_coder(guid, name)

    def user(self, raw: str | None) -> str | None:
        """Coder id for a creatingUser GUID; a user missing from Users is added (and reported)."""
        if raw not in self._user_ids:  # a few users, named on every selection and coding
            self._user_ids[raw] = self._user(raw)
        return self._user_ids[raw]

    def _user(self, raw: str | None) -> str | None:
        guid = normalize_guid(raw)
        if guid is None:
            return None
        if guid not in self.coders:
            coder = self._add_coder(guid, f"user-{guid[-8:].lower()}")
            self.warn("user_unknown", f"{guid} as '{coder.name}'")
        return self.coders[guid].id

    def imported_coder(self) -> str:
        guid = stable_guid("imported-coder")
        if guid not in self.coders:
            self._add_coder(guid, IMPORTED_CODER_NAME)
        return self.coders[guid].id

    # --- texts -------------------------------------------------------------------------
    def _member_for(self, path_attr: str, owner: str) -> str | None:
        path = path_attr.strip().replace("\\", "/")
        if path.casefold().startswith("internal://"):
            rel = path[len("internal://"):]
            candidates = [f"sources/{rel}", rel]
        elif "://" in path or path.startswith("/") or _DRIVE.match(path):
            self.warn("source_no_text", f"{owner} (its text {path_attr!r} is outside the archive)")
            return None
        else:
            candidates = [path, f"sources/{path}"]
        candidates += [unquote(c) for c in candidates]
        for candidate in candidates:
            member = self.zip.find(candidate)
            if member:
                return member
        self.warn("source_no_text", f"{owner} ({path_attr!r} is not in the archive)")
        return None

    def _text_of_source(self, src: Element, owner: str,
                        children: dict[str, list[Element]] | None = None) -> str | None:
        """``children``: src's children by name, when the caller has them (one pass)."""
        if children is not None:
            content = (children.get("PlainTextContent") or [None])[0]
        else:
            content = kid(src, "PlainTextContent")
        if content is not None:
            return content.text or ""  # XML cannot hold NUL or lone surrogates
        path_attr = src.get("plainTextPath")
        if path_attr:
            member = self._member_for(path_attr, owner)
            if member is None:
                return None
            text = _decode(self.zip.read(member), member, self.warn)
            if text is None:
                self.warn("source_no_text", f"{owner} (text encoding not recognised)")
                return None
            # A text file may hold NUL bytes (valid UTF-8): SQLite's substr stops at them, so
            # they become U+FFFD, one code point for one, and selections keep their positions.
            text, what = clean_text(text)
            if what is not None:
                self.warn("text_cleaned", f"{owner} ({what})")
            return text
        detail = "only rich text" if src.get("richTextPath") else "no text"
        self.warn("source_no_text", f"{owner} ({detail})")
        return None

    def read_notes(self) -> None:
        for note in kids(kid(self.root, "Notes"), "Note"):
            guid = normalize_guid(note.get("guid"))
            if guid is None:
                continue
            text = self._text_of_source(note, f"note '{note.get('name') or guid}'")
            if text is not None:
                self._notes[guid] = text

    # --- sources and selections ----------------------------------------------------------
    def read_sources(self, code_labels: dict[str, Label], variables: dict[str, str]) -> None:
        self.code_labels = code_labels
        sources = kid(self.root, "Sources")
        for src in (sources if sources is not None else []):
            kind = local(src.tag)
            name = src.get("name") or src.get("guid") or "?"
            if kind == "TextSource":
                self._text_source(src, variables)
            elif kind in NON_TEXT_SOURCES:
                self.warn("source_skipped", f"{kind} '{name}'")
            else:
                self.warn("not_carried", f"unknown source element {kind} '{name}'")

    def _text_source(self, src: Element, variables: dict[str, str]) -> None:
        guid = normalize_guid(src.get("guid")) or stable_guid("source", src.get("name") or "")
        title = (src.get("name") or "").strip() or guid
        children = children_by_name(src)  # one pass: a source holds thousands of selections
        raw = self._text_of_source(src, f"'{title}'", children)
        if raw is None:
            return
        if guid in self.doc_by_guid:
            self.warn("source_duplicate", f"'{title}'")
            guid = stable_guid("duplicate-source", guid, str(len(self.documents)))
        metadata: dict[str, str | None] = {}
        for value in children.get("VariableValue", ()):
            ref = kid(value, "VariableRef")
            ref_guid = normalize_guid(ref.get("targetGUID")) if ref is not None else None
            var_name = variables.get(ref_guid or "")
            if var_name is None:
                continue
            key = _KNOWN_KEYS.get(var_name.casefold(), var_name)
            data = [child for child in value if local(child.tag) != "VariableRef"]
            metadata[key] = (data[0].text or "") if data else None
        memo = text_of((children.get("Description") or [None])[0])
        if memo:
            metadata.setdefault("description", memo)
        nmap = _offset_map(raw)
        doc = Document(id=self.ident(guid), title=title, text=nmap.text,
                       sha256=sha256_text(nmap.text), metadata=metadata)
        self.documents.append(doc)
        self.doc_by_guid[guid] = doc
        self.source_codings.append((doc, children.get("Coding", [])))  # refi_document_codings
        refs = [g for r in children.get("NoteRef", ())
                if (g := normalize_guid(r.get("targetGUID")))]
        if refs:  # the document's memos (refi_notes)
            self.document_note_refs.append((doc.id, refs))
        self._pending.append((doc, nmap, children.get("PlainTextSelection", [])))

    def place_selections(self, positions: str, prior: str, quiet: bool) -> None:
        """Decide the position unit of every source (on its raw text), then read the
        selections in it (io/refi_selections.py)."""
        place_selections(self, positions, prior, quiet)

    # --- statuses and leftovers ----------------------------------------------------------
    def read_statuses(self) -> list[DocStatus]:
        statuses: dict[tuple[str, str], DocStatus] = {}
        foreign_sets = []
        for set_el in kids(kid(self.root, "Sets"), "Set"):
            payload = marker_payload(text_of(kid(set_el, "Description")))
            kind = payload.get("kind") if payload else None
            if kind in ("settings", "document-codings") or is_document_set(set_el):
                continue  # read elsewhere (document sets: io/refi_sets.py)
            if kind != "status" or payload.get("status") not in STATUSES:
                foreign_sets.append(set_el.get("name") or "?")
                continue
            coder = self.coders.get(normalize_guid(payload.get("coder")) or "")
            updated = payload.get("updated") if isinstance(payload.get("updated"), dict) else {}
            for member in kids(set_el, "MemberSource"):
                doc_guid = normalize_guid(member.get("targetGUID")) or ""
                doc = self.doc_by_guid.get(doc_guid)
                if coder is None or doc is None:
                    self.warn("status_dropped", f"set '{set_el.get('name')}' member {doc_guid}")
                    continue
                stamp = updated.get(doc_guid)
                statuses.setdefault((doc.id, coder.id), DocStatus(
                    document_id=doc.id, coder_id=coder.id, status=payload["status"],
                    updated=stamp if isinstance(stamp, str) else now_iso()))
        if foreign_sets:
            self.warn("not_carried", "sets " + ", ".join(f"'{n}'" for n in foreign_sets))
        return list(statuses.values())

    def report_leftovers(self) -> None:
        for part in ("Cases", "Links", "Graphs"):
            found = kid(self.root, part)
            count = len(found) if found is not None else 0
            if count:
                self.warn("not_carried", f"{count} {part}")
        unused = [g for g in self._notes if g not in self._notes_used]
        if unused:
            self.warn("not_carried", f"{len(unused)} notes not attached to a text selection")


def _original_ids(settings: dict) -> dict[str, str]:
    """GUID -> original id, for ids our exporter had to replace by a GUID."""
    raw = settings.get("ids")
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}


def read_qdpx(path: Path, *, positions: str = "auto") -> tuple[ProjectSnapshot, list[str]]:
    """Read a REFI-QDA project archive; returns the snapshot and the warnings: first one line
    per source whose position unit mattered (which unit was read and why), then what could not
    be carried.

    ``positions``: "auto" detects the unit per source (code points unless another unit is
    clearly better); "codepoints", "utf16", "utf16-crlf" (and "utf16-lf", "codepoints-crlf",
    "codepoints-lf") force one, see :mod:`desk_annotator.io.position_units`.
    """
    path = Path(path)
    check_positions(positions)
    try:
        return _read_qdpx(path, positions)
    except ValidationError as exc:  # a value our models refuse; should not happen, never a trace
        raise FormatError(f"{path.name}: unusable content ({_first_error(exc)})") from exc


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


def _read_qdpx(path: Path, positions: str) -> tuple[ProjectSnapshot, list[str]]:
    with SafeZip(path) as archive, payloads_remembered():
        qde = archive.find("project.qde")
        if qde is None:
            at_root = [n for n in archive.names() if n.casefold().endswith(".qde") and "/" not in n]
            if len(at_root) != 1:
                raise FormatError(f"{path.name}: not a REFI-QDA project (no project.qde inside)")
            qde = at_root[0]
        root = parse_xml(archive.read(qde), f"{path.name}/{qde}")
        if local(root.tag) != "Project":
            raise FormatError(
                f"{path.name}: {qde} is not a REFI-QDA project (root <{local(root.tag)}>)")
        reader = _ProjectReader(archive, root)
        reader.read_users()
        tree = CodeTree(reader.ids, reader.warn, source=f"{path.name}/{qde}")
        tree.read(kid(kid(root, "CodeBook"), "Codes"), reader.settings)
        variables = {
            guid: (var.get("name") or "").strip()
            for var in kids(kid(root, "Variables"), "Variable")
            if (guid := normalize_guid(var.get("guid"))) and (var.get("name") or "").strip()
        }
        reader.read_notes()
        reader.read_sources(tree.labels_by_code, variables)
        # Our own files record the unit they were written in (none: code points); the evidence
        # is still checked, and speaks up only when it contradicts the record.
        own = (root.get("origin") or "").startswith("desk-annotator") and bool(reader.settings)
        recorded = reader.settings.get("positions") if own else None
        reader.place_selections(positions, prior=recorded if recorded in READINGS else
                                "codepoints", quiet=own)
        statuses = reader.read_statuses()
        document_sets = read_document_sets(kid(root, "Sets"), reader.doc_by_guid,
                                           normalize_guid, reader.warn)
        from desk_annotator.io.refi_document_codings import read_source_codings
        article = read_source_codings(reader, tree.labels_by_code, kid(root, "Sets"))
        memos, used = read_memos(
            root, normalize=normalize_guid, ident=reader.ident, user=reader.user,
            note_text=reader._text_of_source, document_refs=reader.document_note_refs,
            labels_by_code=tree.labels_by_code, passage_notes=set(reader._notes_used),
            warn=reader.warn)
        reader._notes_used |= used
        reader.report_leftovers()
    name = reader.settings.get("codebook")
    codebook = Codebook(
        name=name if isinstance(name, str) and name else (root.get("name") or "Codebook"),
        labels=tree.labels,
    )
    snapshot = ProjectSnapshot(
        codebook=codebook, coders=list(reader.coders.values()), documents=reader.documents,
        annotations=reader.annotations, statuses=statuses, memos=memos,
        document_codings=article, document_sets=document_sets,
    )
    return snapshot, reader.unit_lines + reader.warn.lines()


def read_qdc(path: Path) -> tuple[Codebook, list[str]]:
    """Read a REFI-QDA codebook (.qdc); returns the codebook and what could not be carried."""
    path = Path(path)
    try:
        return _read_qdc(path)
    except ValidationError as exc:
        raise FormatError(f"{path.name}: unusable content ({_first_error(exc)})") from exc


def _read_qdc(path: Path) -> tuple[Codebook, list[str]]:
    root = read_xml_file(path)
    if local(root.tag) != "CodeBook":
        raise FormatError(f"{path.name}: not a REFI-QDA codebook (root <{local(root.tag)}>)")
    warn = Warnings()
    sets = kid(root, "Sets")
    settings = settings_payload(sets)
    tree = CodeTree(_original_ids(settings), warn, source=path.name)
    tree.read(kid(root, "Codes"), settings)
    foreign = [s.get("name") or "?" for s in kids(sets, "Set")
               if (marker_payload(text_of(kid(s, "Description"))) or {}).get("kind") != "settings"]
    if foreign:
        warn("not_carried", "sets " + ", ".join(f"'{n}'" for n in foreign))
    name = settings.get("codebook")
    codebook = Codebook(name=name if isinstance(name, str) and name else path.stem,
                        labels=tree.labels)
    return codebook, warn.lines()

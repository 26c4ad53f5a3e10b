"""REFI-QDA ``PlainTextSelection``s -> annotations, for :mod:`desk_annotator.io.refi_import`.

A 100,000-annotation project holds half a million elements under its sources, so each
selection is read in one pass over its children (Description, NoteRefs, Codings) rather than
one search per kind, and everything repeated across selections (users, CodeRef targets) is
resolved once. What is read, and every warning with its example, is what the element-by-element
reading gave: tests compare both on varied files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from desk_annotator.io.position_units import (
    RawSpan,
    Selection,
    UnitDecision,
    decide_positions,
    report_lines,
)
from desk_annotator.io.refi_codes import _LOCAL, local
from desk_annotator.io.refi_export import normalize_guid, stable_guid
from desk_annotator.models import Document, Label, now_iso, validate_annotations

if TYPE_CHECKING:
    from desk_annotator.io.refi_import import _ProjectReader



def place_selections(reader: _ProjectReader, positions: str, prior: str, quiet: bool) -> None:
    """Decide the position unit of every source (on its raw text), then read the selections in
    it into ``reader.annotations`` (the unit lines into ``reader.unit_lines``)."""
    parsed: list[list[tuple[Element, str, Selection | None]]] = []
    new_selection = tuple.__new__
    for doc, _nmap, sels in reader._pending:
        rows = []
        title = doc.title
        for sel in sels:
            get = sel.get
            start, end = get("startPosition"), get("endPosition")
            where = f"'{title}' {start}-{end}"
            try:  # tuple.__new__: the named tuple's own __new__ is a Python function
                stated = new_selection(Selection, (int(start if start is not None else ""),
                                                   int(end if end is not None else ""),
                                                   (get("name") or "").strip() or None))
            except ValueError:
                stated = None
            rows.append((sel, where, stated))
        parsed.append(rows)
    decisions = decide_positions(
        [(doc.title, nmap.raw, [st for _, _, st in rows if st is not None])
         for (doc, nmap, _), rows in zip(reader._pending, parsed, strict=True)],
        positions=positions, prior=prior, quiet=quiet)
    for (doc, nmap, _), rows, decision in zip(reader._pending, parsed, decisions, strict=True):
        made: list[dict] = []
        reader._made = made  # for the running count of duplicate ids
        index = 0
        for sel, where, stated in rows:
            if stated is None:
                reader.warn("selection_bad", where)
                continue
            _selection(reader, sel, doc, nmap, where, decision, index, made)
            index += 1
        reader.annotations += validate_annotations(made)  # a source's in one call
        reader._made = []
    reader._pending = []
    reader.unit_lines = report_lines(decisions)


def _children(sel: Element) -> tuple[Element | None, list[Element], list[Element]]:
    """The first Description, the NoteRefs and the Codings of a selection, in one pass."""
    description = None
    note_refs: list[Element] = []
    codings: list[Element] = []
    names = _LOCAL
    for child in sel:
        tag = child.tag
        name = names.get(tag) or local(tag)  # local(), its cache read inline
        if name == "Coding":
            codings.append(child)
        elif name == "Description":
            if description is None:
                description = child
        elif name == "NoteRef":
            note_refs.append(child)
    return description, note_refs, codings


def _code_ref(coding: Element) -> Element | None:
    names = _LOCAL
    for child in coding:
        tag = child.tag
        if (names.get(tag) or local(tag)) == "CodeRef":
            return child
    return None


def _note(reader: _ProjectReader, description: Element | None,
          note_refs: list[Element]) -> str | None:
    parts = []
    if description is not None:
        parts.append(description.text or "")
    notes = reader._notes
    for ref in note_refs:
        guid = normalize_guid(ref.get("targetGUID"))
        if guid in notes:
            parts.append(notes[guid])  # type: ignore[index]
            reader._notes_used.add(guid)  # type: ignore[arg-type]
    return "\n\n".join(parts) if parts else None


def _selection(reader: _ProjectReader, sel: Element, doc: Document, nmap, where: str,  # type: ignore[no-untyped-def]
               decision: UnitDecision, index: int, made: list[dict]) -> None:
    warn = reader.warn
    raw: RawSpan = decision.spans[index]  # index: among the source's readable selections
    if raw.problem == "outside":
        unit = "UTF-16 units" if decision.reading.utf16 else "characters"
        if decision.fits_elsewhere(index):  # explained by the unit: said on its line
            decision.note("outside the text, skipped", where)
        else:
            warn("selection_outside", f"{where} (text has {decision.length} {unit})")
        return
    span = nmap.map_span(raw.start, raw.end)
    if span.end <= span.start:
        warn("selection_outside", f"{where} (covers no character once normalised)")
        return
    if raw.problem == "split" or span.snapped:
        example = f"{where} -> {span.start}-{span.end}"
        if decision.fits_elsewhere(index):
            decision.note("widened", example)
        elif raw.problem == "split":
            warn("selection_in_character", example)
        else:
            warn("selection_snapped", example)
    get = sel.get
    users = reader._user_ids  # creatingUser as written -> coder id, filled by reader.user
    raw_user = get("creatingUser")
    sel_user = users[raw_user] if raw_user in users else reader.user(raw_user)
    description, note_refs, codings = _children(sel)
    groups: dict[str, list[Label]] = {}
    code_refs = reader._code_refs
    first_coding_time = None
    for coding in codings:
        if first_coding_time is None:
            first_coding_time = coding.get("creationDateTime") or None
        ref = _code_ref(coding)
        target = ref.get("targetGUID") if ref is not None else None
        if target in code_refs:
            label, code_guid = code_refs[target]  # type: ignore[index]
        else:
            code_guid = normalize_guid(target) if ref is not None else None
            label = reader.code_labels.get(code_guid or "")
            if ref is not None and target is not None:
                code_refs[target] = (label, code_guid)
        if label is None:
            warn("coding_unknown", f"{where} code {code_guid}")
            continue
        raw_user = coding.get("creatingUser")
        coder = users[raw_user] if raw_user in users else reader.user(raw_user)
        if coder is None and sel_user is not None:
            coder = sel_user
            warn("coding_user_from_selection", where)
        elif coder is None:
            coder = reader.imported_coder()
            warn("coding_user_imported", where)
        found = groups.get(coder)
        if found is None:
            groups[coder] = [label]
        else:
            found.append(label)
    if not groups:
        if sel_user is None:
            warn("coding_user_imported", where)
        groups[sel_user or reader.imported_coder()] = []
    if len(groups) > 1:
        warn("selection_split", where)
    created = get("creationDateTime") or first_coding_time or now_iso()
    updated = get("modifiedDateTime") or created
    note = _note(reader, description, note_refs)
    sel_guid = normalize_guid(get("guid")) or stable_guid("selection", doc.id, where)
    quote = doc.text[span.start:span.end]
    for nth, (coder_id, labels) in enumerate(groups.items()):
        stances: list[str] = []
        themes: list[str] = []
        for lb in labels:  # each label once, in the order coded
            if lb.scheme == "stance":
                if lb.id not in stances:
                    stances.append(lb.id)
            elif lb.scheme == "themes" and lb.id not in themes:
                themes.append(lb.id)
        if len(stances) > 1:
            warn("extra_stance", f"{where} kept '{_name(labels, stances[0])}', dropped "
                 + ", ".join(f"'{_name(labels, s)}'" for s in stances[1:]))
        guid = sel_guid if nth == 0 else stable_guid("selection-split", sel_guid, coder_id)
        ann_id = reader.ids.get(guid, guid)  # reader.ident
        if ann_id in reader._ann_ids:
            warn("selection_duplicate", where)
            ann_id = stable_guid("duplicate-selection", guid,
                                 str(len(reader.annotations) + len(made)))
        reader._ann_ids.add(ann_id)
        made.append({  # validated per source, in one call (place_selections)
            "id": ann_id, "document_id": doc.id, "coder_id": coder_id, "start": span.start,
            "end": span.end, "quote": quote,
            "stance_id": stances[0] if stances else None, "theme_ids": themes,
            "note": note, "created": created, "updated": updated})


def _name(labels: list[Label], label_id: str) -> str:
    return next(lb.name for lb in labels if lb.id == label_id)

"""Memos out of a REFI-QDA project's Notes (the format is described in :mod:`refi_notes`)."""

from __future__ import annotations

from collections.abc import Callable
from xml.etree.ElementTree import Element

from desk_annotator.models import Memo, now_iso

from .refi_codes import kid, kids, local, text_of


def _code_note_refs(codes: Element | None, normalize: Callable[[str | None], str | None]
                    ) -> dict[str, list[str]]:
    """Code GUID -> Note GUIDs its NoteRefs name, over the whole (nested) code tree."""
    out: dict[str, list[str]] = {}
    stack = list(kids(codes, "Code"))
    while stack:
        code = stack.pop()
        guid = normalize(code.get("guid"))
        refs = [g for r in kids(code, "NoteRef") if (g := normalize(r.get("targetGUID")))]
        if guid and refs:
            out.setdefault(guid, []).extend(refs)
        stack.extend(kids(code, "Code"))
    return out


def read_memos(root: Element, *, normalize: Callable[[str | None], str | None],
               ident: Callable[[str], str], user: Callable[[str | None], str | None],
               note_text: Callable[[Element, str], str | None],
               document_refs: list[tuple[str, list[str]]],
               labels_by_code: dict[str, object], passage_notes: set[str],
               warn: Callable[[str, str], None]) -> tuple[list[Memo], set[str]]:
    """The project's memos from its Notes, and the Note GUIDs they used.

    ``document_refs``: (document id, Note GUIDs its TextSource refers to); ``labels_by_code``:
    code GUID -> label (of the code tree read); ``passage_notes``: Notes that selections
    refer to (those stay passage notes unless something else also refers to them)."""
    notes: dict[str, Element] = {}
    for note in kids(kid(root, "Notes"), "Note"):
        guid = normalize(note.get("guid"))
        if guid and guid not in notes:
            notes[guid] = note
    targets: list[tuple[str, str, str]] = []  # (scope, target id, note guid)
    for doc_id, refs in document_refs:
        targets += [("document", doc_id, g) for g in refs]
    for code_guid, refs in _code_note_refs(kid(kid(root, "CodeBook"), "Codes"), normalize).items():
        label = labels_by_code.get(code_guid)
        if label is None:
            warn("not_carried", f"memo notes of code {code_guid} (not a label here)")
            continue
        targets += [("label", label.id, g) for g in refs]  # type: ignore[attr-defined]
    targets += [("project", "", g) for r in kids(root, "NoteRef")
                if (g := normalize(r.get("targetGUID")))]
    referenced = {g for _, _, g in targets} | passage_notes
    # A Note nothing refers to is a journal entry (QualCoder): a project memo. One holding a
    # selection of its own is an annotation note of another tool: not a memo.
    targets += [("project", "", g) for g, note in notes.items()
                if g not in referenced and not any(local(c.tag) == "PlainTextSelection"
                                                   for c in note)]
    memos: list[Memo] = []
    used: set[str] = set()
    seen: set[tuple[str, str, str]] = set()
    for scope, target, guid in targets:
        note = notes.get(guid)
        if note is None or (scope, target, guid) in seen:
            continue
        seen.add((scope, target, guid))
        title = " ".join((note.get("name") or "").split())
        text = note_text(note, f"note '{title or guid}'")
        description = text_of(kid(note, "Description"))
        if not (text or "").strip():
            text = description
        elif description and not title:
            title = " ".join(description.split())[:300]
        if not (text or "").strip():
            continue
        created = note.get("creationDateTime") or note.get("modifiedDateTime") or now_iso()
        memo_id = ident(guid) if sum(1 for t in targets if t[2] == guid) == 1 else None
        memos.append(Memo(
            **({"id": memo_id} if memo_id else {}), scope=scope, target_id=target,
            coder_id=user(note.get("creatingUser") or note.get("modifyingUser")),
            title=title, text=text.strip(), created=created,
            updated=note.get("modifiedDateTime") or created))
        used.add(guid)
    return memos, used

"""Memos in REFI-QDA projects: ``<Notes><Note>`` elements and the ``NoteRef``s pointing at them.

Export: every memo is one ``Note`` (its text as ``PlainTextContent``, its title as ``name``,
its coder as ``creatingUser``/``modifyingUser``, created/updated as the two date-times). A
project memo is referred to by a ``NoteRef`` of the ``Project``, a document memo by one of its
``TextSource``, a label memo by one of its ``Code`` (Project.xsd 1.0 places them there).

Import (:mod:`refi_memo_reader`) reads Notes written by any tool: the text from ``PlainTextContent``, a
``plainTextPath`` file in the archive (QualCoder's journals) or, failing both, the
``Description`` (some tools put it there). A Note referred to by a ``TextSource`` becomes
that document's memo, by a ``Code`` that label's memo, by the ``Project`` (or by nothing at
all: a journal) a project memo; Notes that selections refer to stay passage notes, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from xml.etree.ElementTree import Element

from desk_annotator.models import Memo

NoteRefs = dict[tuple[str, str], list[str]]  # (scope, target id) -> Note GUIDs


def note_refs(memos: Iterable[Memo], guid_of: Callable[[str, str], str]) -> NoteRefs:
    """Which Note GUIDs each target refers to, computed before the XML is written (the
    NoteRefs come before the Notes in document order)."""
    refs: NoteRefs = {}
    for memo in memos:
        refs.setdefault((memo.scope, memo.target_id), []).append(guid_of("memo", memo.id))
    return refs


def write_note_refs(parent: Element, refs: NoteRefs, scope: str, target_id: str,
                    make: Callable[..., Element]) -> None:
    for guid in refs.get((scope, target_id), ()):
        make(parent, "NoteRef", targetGUID=guid)


def write_notes(root: Element, memos: list[Memo], guid_of: Callable[[str, str], str],
                user_guids: dict[str, str], make: Callable[..., Element],
                is_datetime: Callable[[str], bool]) -> None:
    """The ``Notes`` element (nothing when there are no memos). ``user_guids``: coder id ->
    User GUID of the coders the file lists; ``make(parent, tag, text=None, **attrs)``."""
    if not memos:
        return
    notes = make(root, "Notes")
    for memo in memos:
        attrs = {"guid": guid_of("memo", memo.id)}
        if memo.title:
            attrs["name"] = memo.title
        user = user_guids.get(memo.coder_id or "")
        if user:
            attrs["creatingUser"] = user
        if is_datetime(memo.created):
            attrs["creationDateTime"] = memo.created
        if user:
            attrs["modifyingUser"] = user
        if is_datetime(memo.updated):
            attrs["modifiedDateTime"] = memo.updated
        note = make(notes, "Note", **attrs)
        make(note, "PlainTextContent", memo.text)

"""``desk-annotator document list|rename|set|delete``: document management from the command line.

Each change is one op of ops_documents run by Project.run, recorded as a project-wide action
(``desk-annotator undo`` reverts the latest one). A document is named by its id or by a unique
start of it (ids are long GUIDs; ``document list`` prints them).
"""

from __future__ import annotations

import json
from typing import Any

import click

from .errors import OperationError
from .models import DocumentInfo
from .ops import UNSET
from .ops_documents import (
    EDITABLE_FIELDS,
    LIST_HINT,
    DeleteDocument,
    RenameDocument,
    SetDocumentMetadata,
    annotation_count,
)


def find_document(project: Any, given: str) -> DocumentInfo:
    """The document whose id is ``given``, or the only one whose id starts with it."""
    wanted = given.strip()
    exact = project.q.document_infos([wanted]) if wanted else []
    if exact:
        return exact[0]
    folded = wanted.casefold()
    matches = [d for d in project.q.document_infos() if folded and d.id.casefold().startswith(folded)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise OperationError(f"{len(matches)} documents have ids starting with {given!r}; "
                             f"give more of the id ({LIST_HINT})")
    raise OperationError(f"no document with id {given!r} ({LIST_HINT})")


@click.group("document")
def document_cmd() -> None:
    """List, rename, edit the metadata of, or delete documents."""


@document_cmd.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per document.")
@click.pass_obj
def document_list(obj: Any, as_json: bool) -> None:
    """Every document: id, number of annotations (all coders), title."""
    project = obj.project()
    for info in project.q.document_infos():
        n = annotation_count(project.q, info.id)
        if as_json:
            click.echo(json.dumps({"id": info.id, "title": info.title, "annotations": n,
                                   "length": info.length, "metadata": info.metadata},
                                  ensure_ascii=False))
        else:
            click.echo(f"{info.id}\t{n}\t{info.title}")


@document_cmd.command("rename")
@click.argument("document_id")
@click.argument("title")
@click.pass_obj
def document_rename(obj: Any, document_id: str, title: str) -> None:
    """Give the document DOCUMENT_ID the title TITLE."""
    project = obj.project()
    info = find_document(project, document_id)
    changed = project.run(RenameDocument(info.id, title))
    new = find_document(project, info.id).title
    click.echo(f"renamed: {info.title} -> {new}" if changed else f"unchanged: {new}")


@document_cmd.command("set")
@click.argument("document_id")
@click.option("--author")
@click.option("--outlet")
@click.option("--date")
@click.option("--url")
@click.option("--language")
@click.pass_obj
def document_set(obj: Any, document_id: str, **fields: str | None) -> None:
    """Set metadata of DOCUMENT_ID; an option given as "" clears that field."""
    given = {k: v for k, v in fields.items() if v is not None}
    if not given:
        raise click.UsageError("give at least one of " +
                               ", ".join(f"--{k}" for k in EDITABLE_FIELDS))
    project = obj.project()
    info = find_document(project, document_id)
    values = {k: given.get(k, UNSET) for k in EDITABLE_FIELDS}
    changed = project.run(SetDocumentMetadata(info.id, **values))
    meta = find_document(project, info.id).metadata
    shown = ", ".join(f"{k}={meta.get(k) or ''}" for k in given)
    click.echo(f"{'set' if changed else 'unchanged'}: {shown}")


@document_cmd.command("delete")
@click.argument("document_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def document_delete(obj: Any, document_id: str, yes: bool) -> None:
    """Delete DOCUMENT_ID with every coder's annotations and statuses on it (undoable)."""
    project = obj.project()
    info = find_document(project, document_id)
    n = annotation_count(project.q, info.id)
    if not yes:
        click.confirm(f"Delete “{info.title}” and its {n} annotation{'s' * (n != 1)}?",
                      abort=True, err=True)
    removed = project.run(DeleteDocument(info.id))
    click.echo(f"deleted: {info.title} ({removed} annotation{'s' * (removed != 1)}; "
               "`desk-annotator undo` restores it)")

"""``desk-annotator set list|create|add|remove|rename|delete``: document sets.

Each change is one undoable op of ops_sets (``desk-annotator undo`` reverts it). A document
is named by its id or a unique start of it, as in ``document``.
"""

from __future__ import annotations

from typing import Any

import click

from .cli_documents import find_document
from .document_sets import document_sets, find_set, select_documents, set_members
from .ops_sets import AddToSet, CreateSet, DeleteSet, RemoveFromSet, RenameSet


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()] or None


def _ids(project: Any, given: tuple[str, ...] | list[str]) -> list[str]:
    return [find_document(project, g).id for g in given]


def _docs(n: int) -> str:
    return f"{n} document{'s' * (n != 1)}"


@click.group("set")
def set_cmd() -> None:
    """Named groups of documents (REFI-QDA sets), for agreement --set and retrieve --set."""


@set_cmd.command("list")
@click.option("--members", is_flag=True, help="Also print each set's document ids.")
@click.pass_obj
def set_list(obj: Any, members: bool) -> None:
    """Every set with its number of documents and its description."""
    project = obj.project()
    for s in document_sets(project):
        extra = f"\t{s.description}" if s.description else ""
        click.echo(f"{s.name}\t{_docs(s.size)}{extra}")
        if members:
            for doc_id in set_members(project, s.name):
                click.echo(f"  {doc_id}")


@set_cmd.command("create")
@click.argument("name")
@click.option("--documents", help="Comma-separated document ids.")
@click.option("--outlet", help="Comma-separated outlets: only documents from one of them.")
@click.option("--language", help="Comma-separated language codes.")
@click.option("--status", type=click.Choice(["todo", "doing", "done"]),
              help="Only documents --coder has at this status (none recorded counts as todo).")
@click.option("--coder", help="Whose status --status means.")
@click.option("--description", default="", help="What the set is for.")
@click.pass_obj
def set_create(obj: Any, name: str, documents: str | None, outlet: str | None,
               language: str | None, status: str | None, coder: str | None,
               description: str) -> None:
    """Create the set NAME. With no condition it starts empty; with conditions it holds the
    documents meeting all of them."""
    project = obj.project()
    if status and not coder:
        raise click.BadParameter("--status needs --coder", param_hint="--status")
    if coder and not status:
        raise click.BadParameter("--coder goes with --status", param_hint="--coder")
    ids: list[str] = []
    doc_ids = _ids(project, _split(documents) or []) if documents is not None else None
    if any(x is not None for x in (documents, outlet, language, status)):
        coder_id = project.require_coder(coder).id if coder else None
        ids = select_documents(project, documents=doc_ids, outlets=_split(outlet),
                               languages=_split(language), status=status, coder_id=coder_id)
    made = project.run(CreateSet(name, ids, description))
    click.echo(f"created: {made.name} ({_docs(made.size)})")


@set_cmd.command("add")
@click.argument("name")
@click.argument("documents", nargs=-1, required=True)
@click.pass_obj
def set_add(obj: Any, name: str, documents: tuple[str, ...]) -> None:
    """Add the DOCUMENTS (ids) to the set NAME."""
    project = obj.project()
    found = find_set(project, name)
    n = project.run(AddToSet(found.name, _ids(project, documents)))
    click.echo(f"added: {_docs(n)} to {found.name}")


@set_cmd.command("remove")
@click.argument("name")
@click.argument("documents", nargs=-1, required=True)
@click.pass_obj
def set_remove(obj: Any, name: str, documents: tuple[str, ...]) -> None:
    """Take the DOCUMENTS (ids) out of the set NAME (the documents stay in the project)."""
    project = obj.project()
    found = find_set(project, name)
    n = project.run(RemoveFromSet(found.name, _ids(project, documents)))
    click.echo(f"removed: {_docs(n)} from {found.name}")


@set_cmd.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.pass_obj
def set_rename(obj: Any, name: str, new_name: str) -> None:
    """Rename the set NAME to NEW_NAME."""
    changed = obj.project().run(RenameSet(name, new_name))
    click.echo(f"renamed: {name} -> {new_name}" if changed else f"unchanged: {name}")


@set_cmd.command("delete")
@click.argument("name")
@click.pass_obj
def set_delete(obj: Any, name: str) -> None:
    """Delete the set NAME (its documents stay; undoable)."""
    project = obj.project()
    found = find_set(project, name)
    n = project.run(DeleteSet(found.name))
    click.echo(f"deleted: {found.name} (had {_docs(n)}; `desk-annotator undo` restores it)")

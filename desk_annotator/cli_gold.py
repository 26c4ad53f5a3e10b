"""``desk-annotator gold agreed|take|progress|done``: building the gold layer on the command
line (the adjudication ops; each command is one undoable action, ``desk-annotator undo``
reverts it).

Coders are named by name; documents by id (or a unique start of it) or through ``--set``.
"""

from __future__ import annotations

from typing import Any

import click

from .adjudication import AcceptAgreed, adjudication_progress
from .cli_documents import find_document
from .document_sets import restrict_to_set
from .errors import OperationError
from .models import GOLD_CODER
from .ops_gold import MarkGoldDone, TakeCoder


def _coder_id(project: Any, name: str) -> str:
    if name == GOLD_CODER:
        raise OperationError("name the coders whose work goes into gold, not gold itself")
    return project.require_coder(name).id


def _documents(project: Any, documents: str | None, set_name: str | None) -> list[str] | None:
    ids = None
    if documents is not None:
        ids = [find_document(project, d.strip()).id for d in documents.split(",") if d.strip()]
        if not ids:
            raise click.BadParameter("name at least one document", param_hint="--documents")
    if set_name is not None:
        ids = restrict_to_set(project, set_name, ids)
    return ids


def _passages(n: int) -> str:
    return f"{n} passage{'s' * (n != 1)}"


_documents_option = click.option("--documents", help="Comma-separated document ids "
                                                     "(default: every document).")
_set_option = click.option("--set", "set_name", help="Only the documents of this document set.")


@click.group("gold")
def gold_cmd() -> None:
    """Build the gold standard (the coder 'gold') from the coders' passages."""


@gold_cmd.command("agreed")
@click.argument("coder_a")
@click.argument("coder_b")
@_documents_option
@_set_option
@click.pass_obj
def gold_agreed(obj: Any, coder_a: str, coder_b: str, documents: str | None,
                set_name: str | None) -> None:
    """Copy into gold every passage CODER_A and CODER_B made identically (same offsets,
    stance and themes)."""
    project = obj.project()
    op = AcceptAgreed(_coder_id(project, coder_a), _coder_id(project, coder_b),
                      _documents(project, documents, set_name))
    added = project.run(op)
    click.echo(f"{_passages(added)} both coders agree on copied into gold")


@gold_cmd.command("take")
@click.argument("coder")
@_documents_option
@_set_option
@click.pass_obj
def gold_take(obj: Any, coder: str, documents: str | None, set_name: str | None) -> None:
    """Copy CODER's passages into gold wherever no gold passage overlaps them."""
    project = obj.project()
    added = project.run(TakeCoder(_coder_id(project, coder),
                                  _documents(project, documents, set_name)))
    click.echo(f"{_passages(added)} of {coder} copied into gold")


@gold_cmd.command("progress")
@click.argument("coder_a")
@click.argument("coder_b")
@click.pass_obj
def gold_progress(obj: Any, coder_a: str, coder_b: str) -> None:
    """Documents both coders coded, and how many of them gold marks done."""
    project = obj.project()
    counts = adjudication_progress(project, _coder_id(project, coder_a),
                                   _coder_id(project, coder_b))
    gold = project.q.coder_by_name(GOLD_CODER)
    passages = len(project.q.annotations(coder_ids=[gold.id])) if gold else 0
    click.echo(f"{counts['adjudicated']} of {counts['documents']} documents coded by both "
               f"adjudicated; gold holds {_passages(passages)}")


@gold_cmd.command("done")
@click.argument("documents", nargs=-1, required=True)
@click.option("--status", type=click.Choice(["todo", "doing", "done"]), default="done",
              show_default=True, help="The gold status to record.")
@click.pass_obj
def gold_done(obj: Any, documents: tuple[str, ...], status: str) -> None:
    """Mark DOCUMENTS as adjudicated (gold status done), as one undoable action."""
    project = obj.project()
    ids = [find_document(project, given).id for given in documents]
    project.run(MarkGoldDone(ids, status))
    for doc_id in dict.fromkeys(ids):
        click.echo(f"{doc_id}\t{status}")

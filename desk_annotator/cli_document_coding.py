"""``desk-annotator article set|clear|list|accept``: article-level coding from the command line.

A document is named by its id, a unique start of it, or its exact title. Labels are named
by name (exactly, or the only case-insensitive match). ``set`` and ``clear`` are one action of
the coder's own undo history (``desk-annotator undo --coder NAME`` reverts it); ``accept``
is a project-wide action, as the other gold commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .cli_documents import find_document
from .document_coding import codings_by_name
from .errors import OperationError
from .io.document_coding_io import write_codings_csv
from .io.exchange_common import atomic_text_writer
from .models import GOLD_CODER, DocumentInfo, Label
from .ops import UNSET
from .ops_document_coding import (
    AcceptDocumentCoding,
    ClearDocumentCoding,
    SetDocumentCoding,
)
from .ops_documents import LIST_HINT


def resolve_document(project: Any, given: str) -> DocumentInfo:
    """By id or unique id prefix (as ``document``), else by exact title (unique)."""
    try:
        return find_document(project, given)
    except OperationError as by_id:
        titled = [d for d in project.q.document_infos() if d.title == given.strip()]
        if len(titled) == 1:
            return titled[0]
        if len(titled) > 1:
            raise OperationError(f"{len(titled)} documents are titled {given!r}; name it by "
                                 "id") from by_id
        if "starting with" in str(by_id):
            raise
        raise OperationError(f"no document with id or title {given!r} ({LIST_HINT})") from by_id


def resolve_labels(project: Any, scheme: str, names: list[str]) -> list[Label]:
    """The labels of ``scheme`` with these names; every unknown name in one error."""
    pool = [lb for lb in project.q.labels() if lb.scheme == scheme]
    found, unknown = [], []
    for name in names:
        wanted = " ".join(name.split())
        exact = [lb for lb in pool if lb.name == wanted]
        folded = [lb for lb in pool if lb.name.casefold() == wanted.casefold()]
        match = exact or (folded if len(folded) == 1 else [])
        if match:
            found.append(match[0])
        else:
            unknown.append(name)
    if unknown:
        kind = "stance" if scheme == "stance" else "theme"
        known = ", ".join(lb.name for lb in pool) or "none"
        raise OperationError(f"not a {kind} label: {', '.join(unknown)} (known: {known})")
    return found


@click.group("article")
def article_cmd() -> None:
    """Article-level coding: a stance and themes for a document as a whole, per coder."""


@article_cmd.command("set")
@click.argument("document")
@click.option("--coder", required=True, help="Whose article coding this is.")
@click.option("--stance", help="The stance label of the article as a whole.")
@click.option("--no-stance", is_flag=True, help="Remove the article's stance.")
@click.option("--themes", help="Comma-separated theme labels: the article's whole theme list "
                               "(an empty string removes every theme).")
@click.option("--note", help="A note on the article coding (an empty string removes it).")
@click.pass_obj
def article_set(obj: Any, document: str, coder: str, stance: str | None, no_stance: bool,
                themes: str | None, note: str | None) -> None:
    """Code DOCUMENT (id, id prefix or title) as a whole; what is not given stays."""
    if stance is not None and no_stance:
        raise click.BadParameter("give --stance or --no-stance, not both", param_hint="--stance")
    if stance is None and not no_stance and themes is None and note is None:
        raise click.UsageError("give at least one of --stance, --no-stance, --themes, --note")
    project = obj.project()
    doc = resolve_document(project, document)
    coder_id = project.require_coder(coder).id
    stance_id: Any = UNSET
    if no_stance:
        stance_id = None
    elif stance is not None:
        stance_id = resolve_labels(project, "stance", [stance])[0].id
    theme_ids: Any = UNSET
    if themes is not None:
        names = [t.strip() for t in themes.split(",") if t.strip()]
        theme_ids = [lb.id for lb in resolve_labels(project, "themes", names)]
    coding = project.run(SetDocumentCoding(doc.id, coder_id, stance_id, theme_ids,
                                           UNSET if note is None else note), coder_id)
    summary = _summary(project, doc.id, coder) if coding else "not coded"
    click.echo(f"{doc.title}\t{coder}\t{summary}")


@article_cmd.command("clear")
@click.argument("document")
@click.option("--coder", required=True, help="Whose article coding to remove.")
@click.pass_obj
def article_clear(obj: Any, document: str, coder: str) -> None:
    """Remove the coder's stance, themes and note of DOCUMENT."""
    project = obj.project()
    doc = resolve_document(project, document)
    coder_id = project.require_coder(coder).id
    had = project.run(ClearDocumentCoding(doc.id, coder_id), coder_id)
    click.echo(f"cleared: {doc.title} ({coder})" if had else
               f"nothing to clear: {coder} has not coded {doc.title} as an article")


@article_cmd.command("accept")
@click.argument("document")
@click.option("--from", "from_coder", required=True,
              help="The coder whose article coding gold takes.")
@click.pass_obj
def article_accept(obj: Any, document: str, from_coder: str) -> None:
    """Adjudicate: gold's article coding of DOCUMENT becomes that of --from."""
    project = obj.project()
    doc = resolve_document(project, document)
    project.run(AcceptDocumentCoding(doc.id, project.require_coder(from_coder).id))
    click.echo(f"{doc.title}\t{GOLD_CODER}\t{_summary(project, doc.id, GOLD_CODER)}")


@article_cmd.command("list")
@click.option("--coder", help="Only this coder's article codings.")
@click.option("--document", help="Only this document (id, id prefix or title).")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: document id -> coder -> stance, themes, note.")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write to a file instead: .csv (one row per document and coder) or .json.")
@click.pass_obj
def article_list(obj: Any, coder: str | None, document: str | None, as_json: bool,
                 output: str | None) -> None:
    """Every article coding: document, coder, stance, themes (one line each)."""
    project = obj.project()
    coder_ids = [project.require_coder(coder).id] if coder else None
    doc_ids = [resolve_document(project, document).id] if document else None
    codings = codings_by_name(project, doc_ids, coder_ids)
    titles = {d.id: d.title for d in project.q.document_infos(list(codings))} if codings else {}
    if output:
        click.echo(f"{_write(Path(output), codings, titles)} article coding(s) written to "
                   f"{output}")
        return
    if as_json:
        click.echo(json.dumps(codings, indent=2, ensure_ascii=False))
        return
    for doc_id, per_coder in codings.items():
        for name, coding in per_coder.items():
            click.echo(f"{doc_id}\t{titles.get(doc_id, '')}\t{name}\t{_line(coding)}")


def _write(path: Path, codings: dict[str, dict[str, dict[str, Any]]],
           titles: dict[str, str]) -> int:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return write_codings_csv(path, codings, titles)
    if suffix == ".json":
        with atomic_text_writer(path) as handle:
            handle.write(json.dumps(codings, indent=2, ensure_ascii=False) + "\n")
        return sum(len(per_coder) for per_coder in codings.values())
    raise OperationError(f"{path}: article codings are written as .csv or .json")


def _line(coding: dict[str, Any]) -> str:
    parts = [coding["stance"] or "(no stance)", "; ".join(coding["themes"]) or "(no themes)"]
    if coding.get("note"):
        parts.append(f"note: {' '.join(coding['note'].split())}")
    return "\t".join(parts)


def _summary(project: Any, doc_id: str, coder_name: str) -> str:
    coder = project.q.coder_by_name(coder_name)
    found = codings_by_name(project, [doc_id], [coder.id] if coder else []).get(doc_id, {})
    return _line(found[coder_name]) if coder_name in found else "not coded"

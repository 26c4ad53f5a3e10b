"""``desk-annotator memo list|show|set|delete|search``: project, document and label memos.

``set`` writes the coder's memo on the target (one per project/document/label and coder:
an existing one is edited), ``delete`` removes one; both are the coder's own actions, undone
with ``desk-annotator undo --coder NAME``. A memo is named by its id or a unique start of it; a document likewise; a label by
its name (``stance:NAME`` / ``themes:NAME`` when both schemes have it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .cli_documents import find_document
from .errors import DeskAnnotatorError
from .memos import (
    MAX_MEMO_CHARS,
    MemoView,
    find_label,
    find_memo,
    list_memos,
    memo_dict,
    memo_of,
    search_memos,
)
from .models import MEMO_SCOPES
from .ops_memos import DeleteMemo, SetMemo
from .text_match import MatchOptions


def _one_line(text: str, limit: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _coder_id(project: Any, name: str | None) -> str | None:
    return project.require_coder(name).id if name else None


def document_by_id_or_title(project: Any, given: str) -> Any:
    """A document by id (or a unique start of it), else by title: exact, or the only title
    starting with ``given`` (case-insensitive), so examples can name a sample article."""
    try:
        return find_document(project, given)
    except DeskAnnotatorError:
        folded = " ".join(given.split()).casefold()
        infos = project.q.document_infos()
        for test in (lambda t: t == folded, lambda t: t.startswith(folded)):
            found = [d for d in infos if folded and test(" ".join(d.title.split()).casefold())]
            if len(found) == 1:
                return found[0]
        raise


def _target(project: Any, for_project: bool, document: str | None,
            label: str | None) -> tuple[str, str] | None:
    given = [x for x in (for_project or None, document, label) if x]
    if len(given) > 1:
        raise click.UsageError("give one of --project-memo, --document, --label")
    if for_project:
        return "project", ""
    if document:
        return "document", document_by_id_or_title(project, document).id
    if label:
        return "label", find_label(project, label).id
    return None


def _read_text(text: str | None, file: str | None) -> str:
    if (text is None) == (file is None):
        raise click.UsageError("give the memo as --text TEXT or --file FILE (one of them)")
    if text is not None:
        return text
    path = Path(file)  # type: ignore[arg-type]
    try:
        if path.stat().st_size > 4 * MAX_MEMO_CHARS:
            raise DeskAnnotatorError(f"{path}: too large for a memo")
        data = path.read_bytes()
    except OSError as exc:
        raise DeskAnnotatorError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if b"\x00" in data[:8192]:
        raise DeskAnnotatorError(f"{path}: a binary file, not a memo text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DeskAnnotatorError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def _line(memo: MemoView) -> str:
    title = f"\t{memo.title}" if memo.title else ""
    return (f"{memo.id[:8]}\t{memo.scope}\t{_one_line(memo.target_label, 50)}\t"
            f"{memo.coder_name or '-'}\t{memo.updated[:19]}{title}")


def _target_options(func: Any) -> Any:
    func = click.option("--label", help="The label (name, or stance:NAME / themes:NAME).")(func)
    func = click.option("--document", help="The document: its id (or a unique start), or its title (or a unique "
                      "start of it).")(func)
    func = click.option("--project-memo", "--project", "for_project", is_flag=True,
                        help="The project memo.")(func)
    return func


@click.group("memo")
def memo_cmd() -> None:
    """Memos on the project, a document or a label: list, show, set, delete, search."""


@memo_cmd.command("list")
@click.option("--scope", type=click.Choice(MEMO_SCOPES), help="Only memos of this kind.")
@click.option("--coder", help="Only this coder's memos.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per memo.")
@click.pass_obj
def memo_list(obj: Any, scope: str | None, coder: str | None, as_json: bool) -> None:
    """Every memo: id, scope, what it is about, coder, last change (UTC), title."""
    project = obj.project()
    memos = list_memos(project, scope=scope, coder_id=_coder_id(project, coder))
    for memo in memos:
        if as_json:
            record = memo_dict(memo) | {"target_id": memo.target_id,
                                        "target": memo.target_name}
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(_line(memo))
    click.echo(f"{len(memos)} memo{'s' * (len(memos) != 1)}", err=True)


@memo_cmd.command("show")
@click.argument("memo", required=False)
@_target_options
@click.option("--coder", help="With a target: whose memo (default: every coder's).")
@click.pass_obj
def memo_show(obj: Any, memo: str | None, for_project: bool, document: str | None,
              label: str | None, coder: str | None) -> None:
    """Print the memo MEMO (id), or the memos on a target."""
    project = obj.project()
    target = _target(project, for_project, document, label)
    if memo is not None and target is not None:
        raise click.UsageError("give a memo id or a target, not both")
    if memo is not None:
        shown = [find_memo(project, memo)]
    elif target is not None:
        shown = list_memos(project, scope=target[0], target_id=target[1],
                           coder_id=_coder_id(project, coder))
        if not shown:
            raise DeskAnnotatorError("no memo there yet (write one with: desk-annotator memo "
                                     "set ... --coder NAME --text TEXT)")
    else:
        raise click.UsageError("give a memo id, --project-memo, --document or --label")
    for i, m in enumerate(shown):
        if i:
            click.echo("")
        click.echo(f"# {m.title or m.target_label}")
        click.echo(f"{m.scope}: {m.target_label} · {m.coder_name or 'no coder'} · "
                   f"created {m.created[:19]} · updated {m.updated[:19]} · {m.id}")
        click.echo("")
        click.echo(m.text)


@memo_cmd.command("set")
@_target_options
@click.option("--coder", required=True, help="Who writes the memo.")
@click.option("--text", help="The memo's text.")
@click.option("--file", type=click.Path(dir_okay=False), help="Read the text from a UTF-8 file.")
@click.option("--title", help="A title (kept when omitted).")
@click.pass_obj
def memo_set(obj: Any, for_project: bool, document: str | None, label: str | None,
             coder: str, text: str | None, file: str | None, title: str | None) -> None:
    """Write CODER's memo on the project, a document or a label (replacing their earlier
    text there; undoable)."""
    project = obj.project()
    target = _target(project, for_project, document, label)
    if target is None:
        raise click.UsageError("give --project-memo, --document DOC or --label NAME")
    body = _read_text(text, file)
    coder_id = project.require_coder(coder).id
    before = memo_of(project, target[0], target[1], coder_id)
    from .ops import UNSET
    memo = project.run(SetMemo(target[0], target[1], coder_id, body,
                               UNSET if title is None else title), coder_id)
    verb = "added" if before is None else ("unchanged" if before == memo else "updated")
    click.echo(f"{verb}: {memo.id[:8]} {memo.scope} memo on {memo.target_label} by "
               f"{memo.coder_name}")


@memo_cmd.command("delete")
@click.argument("memo", required=False)
@_target_options
@click.option("--coder", help="With a target: whose memo.")
@click.pass_obj
def memo_delete(obj: Any, memo: str | None, for_project: bool, document: str | None,
                label: str | None, coder: str | None) -> None:
    """Delete the memo MEMO (id), or CODER's memo on a target (undoable)."""
    project = obj.project()
    target = _target(project, for_project, document, label)
    if (memo is None) == (target is None):
        raise click.UsageError("give a memo id, or a target with --coder")
    if memo is None:
        if not coder:
            raise click.UsageError("with a target, --coder says whose memo to delete")
        found = memo_of(project, target[0], target[1], _coder_id(project, coder))  # type: ignore[index]
        if found is None:
            raise DeskAnnotatorError(f"{coder} has no memo there")
        memo = found.id
    found = find_memo(project, memo)
    gone = project.run(DeleteMemo(found.id), found.coder_id)
    undo = f"undo --coder {gone.coder_name}" if gone.coder_name else "undo"
    click.echo(f"deleted: {gone.id[:8]} {gone.scope} memo on {gone.target_label} "
               f"(`desk-annotator {undo}` restores it)")


@memo_cmd.command("search")
@click.argument("pattern")
@click.option("--scope", type=click.Choice(MEMO_SCOPES), help="Only memos of this kind.")
@click.option("--coder", help="Only this coder's memos.")
@click.option("--regex", is_flag=True, help="PATTERN is a Python regular expression.")
@click.option("--whole-word", is_flag=True, help="Only matches that are not part of a word.")
@click.option("--case-sensitive", is_flag=True, help="Match case (default: Unicode folding).")
@click.option("--fold-diacritics", is_flag=True, help="Ignore accents: e matches é.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per match.")
@click.pass_obj
def memo_search(obj: Any, pattern: str, scope: str | None, coder: str | None, regex: bool,
                whole_word: bool, case_sensitive: bool, fold_diacritics: bool,
                as_json: bool) -> None:
    """Find PATTERN in the memos' titles and texts (the matcher of `search`)."""
    project = obj.project()
    options = MatchOptions(case_sensitive=case_sensitive, fold_diacritics=fold_diacritics,
                           whole_word=whole_word, regex=regex)
    hits = search_memos(project, pattern, options, scope=scope,
                        coder_id=_coder_id(project, coder))
    for hit in hits:
        if as_json:
            click.echo(json.dumps({"memo": hit.memo.id, "scope": hit.memo.scope,
                                   "target": hit.memo.target_name, "coder":
                                   hit.memo.coder_name or None, "field": hit.field,
                                   "start": hit.start, "end": hit.end,
                                   "context": hit.context}, ensure_ascii=False))
        else:
            click.echo(f"{hit.memo.id[:8]}\t{hit.memo.scope}\t"
                       f"{_one_line(hit.memo.target_label, 50)}\t{hit.field}\t{hit.start}\t"
                       f"{hit.end}\t{hit.context}")
    memos = len({h.memo.id for h in hits})
    click.echo(f"{len(hits)} match{'es' * (len(hits) != 1)} in {memos} "
               f"memo{'s' * (memos != 1)}", err=True)

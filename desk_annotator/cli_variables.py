"""``desk-annotator variable list|define|rename|set|import|export|delete``: document variables.

Each change is one undoable op of ops_variables (``desk-annotator undo`` reverts it). A
document is named by its id or a unique start of it, as in ``document``.
"""

from __future__ import annotations

import json
from typing import Any

import click

from .cli_documents import find_document
from .ops_variables import (
    DefineVariable,
    DeleteVariable,
    RenameVariable,
    SetVariableValues,
)
from .variables import TYPES, all_variables, find_variable, variable_table
from .variables_io import MATCH_MODES, export_variables, import_variables


@click.group("variable")
def variable_cmd() -> None:
    """Define document variables (text, number, date, category) and set, import or export
    their values."""


@variable_cmd.command("list")
@click.option("--values", is_flag=True, help="Print every document's values (tab-separated).")
@click.option("--json", "as_json", is_flag=True, help="With --values: one JSON object a line.")
@click.pass_obj
def variable_list(obj: Any, values: bool, as_json: bool) -> None:
    """Every variable (built-ins first) with its type and, for a category, its values."""
    project = obj.project()
    if values:
        table = variable_table(project)
        names = [v.name for v in all_variables(project)]
        if not as_json:
            click.echo("\t".join(["id", *names]))
        for doc_id, row in table:
            if as_json:
                click.echo(json.dumps({"id": doc_id, **row}, ensure_ascii=False))
            else:
                click.echo("\t".join([doc_id, *("" if row.get(n) is None else str(row[n])
                                                for n in names)]))
        return
    for var in all_variables(project):
        extra = f"\t{', '.join(var.categories)}" if var.categories else ""
        click.echo(f"{var.name}\t{var.type}{' (built-in)' if var.builtin else ''}{extra}")


@variable_cmd.command("define")
@click.argument("name")
@click.option("--type", "type_", type=click.Choice(TYPES), default="text", show_default=True)
@click.option("--categories", help="A category variable's values in order: a,b,c")
@click.pass_obj
def variable_define(obj: Any, name: str, type_: str, categories: str | None) -> None:
    """Define the custom variable NAME."""
    var = obj.project().run(DefineVariable(name, type_, categories))
    extra = f" ({', '.join(var.categories)})" if var.categories else ""
    click.echo(f"defined: {var.name} ({var.type}){extra}")


@variable_cmd.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.pass_obj
def variable_rename(obj: Any, name: str, new_name: str) -> None:
    """Rename the custom variable NAME to NEW_NAME (its values stay)."""
    changed = obj.project().run(RenameVariable(name, new_name))
    click.echo(f"renamed: {name} -> {new_name}" if changed else f"unchanged: {name}")


@variable_cmd.command("set")
@click.argument("document_id")
@click.argument("name")
@click.argument("value")
@click.pass_obj
def variable_set(obj: Any, document_id: str, name: str, value: str) -> None:
    """Set variable NAME of document DOCUMENT_ID to VALUE ("" clears it)."""
    project = obj.project()
    info = find_document(project, document_id)
    var = find_variable(project, name)
    changed = project.run(SetVariableValues([(info.id, var.name, value)],
                                            f"Set {var.name} of “{info.title[:40]}”"))
    now = dict(variable_table(project, [info.id])[0][1]).get(var.name)
    click.echo(f"{'set' if changed else 'unchanged'}: {var.name}={'' if now is None else now}")


@variable_cmd.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--match", type=click.Choice(MATCH_MODES), default="auto", show_default=True,
              help="How a row finds its document (auto: id, then sha256, title, file name).")
@click.pass_obj
def variable_import(obj: Any, file: str, match: str) -> None:
    """Set variable values from a .csv or .xlsx sheet: one row per document, a key column
    (id, sha256, title or source_file), one column per variable."""
    report = import_variables(obj.project(), file, match)
    for line in report.lines():
        click.echo(line)


@variable_cmd.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
def variable_export(obj: Any, file: str) -> None:
    """Write every document's variables (built-ins included) to a .csv or .xlsx file."""
    n = export_variables(obj.project(), file)
    click.echo(f"{n} documents written to {file}")


@variable_cmd.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def variable_delete(obj: Any, name: str, yes: bool) -> None:
    """Delete the custom variable NAME with its values (undoable)."""
    project = obj.project()
    var = find_variable(project, name, builtin=False)
    if not yes:
        click.confirm(f"Delete variable {var.name} and its values?", abort=True, err=True)
    removed = project.run(DeleteVariable(var.name))
    click.echo(f"deleted: {var.name} ({removed} value{'s' * (removed != 1)}; "
               "`desk-annotator undo` restores it)")

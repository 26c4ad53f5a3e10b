"""Command line: a thin layer over project.py / project_io.py (DESIGN §4).

Expected failures print one line on stderr and exit 1; usage errors exit 2 (click).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import sys
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import DeskAnnotatorError
from .store import SQLiteError, explain_failure

if TYPE_CHECKING:
    from .models import ImportReport

# The commands kept in their own modules, imported only when one of them runs (or when help
# lists them): a one-shot command pays for its own imports, not for every other command's
# (pandas, scikit-learn, the analysis tables...). Name -> (module, attribute).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "document": ("cli_documents", "document_cmd"),
    "search": ("cli_search", "search_cmd"),
    "variable": ("cli_variables", "variable_cmd"),
    "set": ("cli_sets", "set_cmd"),
    "matrix": ("cli_matrix", "matrix_cmd"),
    "table": ("cli_tables", "table_cmd"),
    "report": ("cli_findings", "report_cmd"),
    "gold": ("cli_gold", "gold_cmd"),
    "suggest": ("cli_suggest", "suggest_cmd"),
    "article": ("cli_document_coding", "article_cmd"),
    "memo": ("cli_memos", "memo_cmd"),
    "print-document": ("cli_print", "print_document_cmd"),
    "llm": ("cli_suggest_llm", "llm_cmd"),
    "check": ("cli_check", "check_cmd"),
    "assign": ("cli_team", "assign_cmd"),
    "lead": ("cli_team", "lead_cmd"),
    "blind": ("cli_team", "blind_cmd"),
    "retrieve": ("cli_retrieve", "retrieve_cmd"),
    "concordance": ("cli_retrieve", "concordance_cmd"),
    "words": ("cli_retrieve", "words_cmd"),
}


class _LazyCommands(dict):
    """The top-level group's ``commands``: LAZY_COMMANDS are imported when looked up by name;
    whoever walks them all (help, mkdocs-click's reference page) gets every one loaded."""

    def __init__(self, lazy: dict[str, tuple[str, str]]) -> None:
        super().__init__()
        self._lazy = dict(lazy)

    def _load(self, name: str) -> None:
        module_name, attribute = self._lazy.pop(name)
        module = importlib.import_module(f"{__package__}.{module_name}")
        dict.__setitem__(self, name, getattr(module, attribute))

    def _load_all(self) -> None:
        for name in list(self._lazy):
            self._load(name)

    def get(self, name: Any, default: Any = None) -> Any:
        if name in self._lazy:
            self._load(name)
        return super().get(name, default)

    def __getitem__(self, name: Any) -> Any:
        if name in self._lazy:
            self._load(name)
        return super().__getitem__(name)

    def __contains__(self, name: object) -> bool:
        return name in self._lazy or super().__contains__(name)

    def __iter__(self) -> Any:
        self._load_all()
        return super().__iter__()

    def __len__(self) -> int:
        return super().__len__() + len(self._lazy)

    def keys(self) -> Any:
        self._load_all()
        return super().keys()

    def values(self) -> Any:
        self._load_all()
        return super().values()

    def items(self) -> Any:
        self._load_all()
        return super().items()


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    return items or None


# The project the command opened, so a failure that escapes as a SQLite error can be explained
# in one line naming the file (and, for damaged text, the document).
_LAST_PROJECT: list[Any] = [None]


class _Ctx:
    def __init__(self, project_path: str | None) -> None:
        self.project_path = project_path
        self._project = None

    def project(self) -> Any:
        if self._project is None:
            from .sample import open_project
            self._project = open_project(self.project_path)
            _LAST_PROJECT[0] = self._project.path
            if self._project.storage_warning:
                click.echo(f"warning: {self._project.storage_warning}", err=True)
        return self._project

    def pdf_writer(self) -> Any:
        """Qt's PDF writer of coded documents (print-document), imported only when asked."""
        from .gui.print_document import write_pdf
        return write_pdf

    def close(self) -> None:
        if self._project is not None:
            self._project.close()


def _print_report(report: ImportReport, verb: str = "imported") -> None:
    parts = [f"{report.documents_added} documents {verb}"]
    if report.documents_reused:
        parts.append(f"{report.documents_reused} already present")
    parts.append(f"{report.annotations_added} annotations added")
    if report.annotations_skipped:
        parts.append(f"{report.annotations_skipped} already present")
    if report.coders_added:
        parts.append(f"{report.coders_added} coders added")
    if report.labels_added:
        parts.append(f"{report.labels_added} labels added")
    click.echo(", ".join(parts))
    for line in report.notes:
        click.echo(f"note: {line}", err=True)
    for line in report.warnings:
        click.echo(f"warning: {line}", err=True)
    for line in report.refused:
        click.echo(f"refused: {line}", err=True)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "project_path", type=click.Path(dir_okay=False),
              help="Project file (.sqlite); created if missing. Default: your default project "
                   "(the window: the last project you had open).")
@click.option("--coder", help="Coder name to work as in the GUI.")
@click.version_option(__version__)
@click.pass_context
def cli(ctx: click.Context, project_path: str | None, coder: str | None) -> None:
    """desk-annotator: code articles by stance and theme, and measure agreement.

    Without a command, opens the desktop app.
    """
    ctx.obj = _Ctx(project_path)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        from .gui.app import run_gui
        sys.exit(run_gui(project_path, coder=coder))


@cli.command("gui")
@click.argument("project_file", required=False, type=click.Path(dir_okay=False))
@click.option("--coder", help="Coder name to work as.")
@click.pass_obj
def gui_cmd(obj: _Ctx, project_file: str | None, coder: str | None) -> None:
    """Open the desktop app (same as no command); PROJECT_FILE overrides --project."""
    from .gui.app import run_gui

    sys.exit(run_gui(project_file or obj.project_path, coder=coder))


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--add-missing-labels", is_flag=True,
              help="Add labels a dataset uses that the codebook lacks (default: refuse the file).")
@click.option("--doccano-coder", default="doccano", show_default=True,
              help="Coder name for doccano JSONL files.")
@click.option("--stance-labels",
              help="Comma-separated label names of another tool's tag set that are stances "
                   "(the rest become themes). Default: the project's stance names.")
@click.option("--positions", type=click.Choice(["auto", "codepoints", "utf16", "utf16-crlf",
                                               "utf16-lf", "codepoints-crlf", "codepoints-lf"]),
              default="auto", show_default=True,
              help="Offset unit of REFI-QDA and other files whose producers may count UTF-16 "
                   "units (-crlf: a CR LF counts two; -lf: a CR LF counts one); auto detects "
                   "it per source and reports the choice.")
@click.option("--encoding", help="Force the text encoding of article files (e.g. cp1252); "
                                 "default: detect and report.")
@click.pass_obj
def import_cmd(obj: _Ctx, paths: tuple[str, ...], add_missing_labels: bool,
               doccano_coder: str, stance_labels: str | None, positions: str,
               encoding: str | None) -> None:
    """Import articles (.txt .md .html .docx .pdf) or datasets and other tools' projects
    (.jsonl ours or doccano's, .qdpx, brat .ann, Label Studio .json, CAS .xmi / INCEpTION .zip,
    WebAnno .tsv, spaCy .spacy.jsonl / .spacy); folders recurse."""
    from .cli_progress import import_status
    from .import_files import ReadOptions
    from .project_io import import_paths

    if encoding:
        from .io.articles import resolve_encoding
        resolve_encoding(encoding)  # an unknown codec: one line before any file is read
    stances = set(_split(stance_labels) or []) if stance_labels is not None else None
    options = ReadOptions(doccano_coder=doccano_coder, stance_labels=stances,
                          positions=positions, encoding=encoding)
    project = obj.project()
    with import_status(list(paths)) as status:
        report = import_paths(project, list(paths), add_missing_labels=add_missing_labels,
                              doccano_coder=doccano_coder, options=options, progress=status)
    _print_report(report)
    if report.refused:
        sys.exit(1)


@cli.command("export")
@click.argument("path", type=click.Path())
@click.option("--coders", help="Comma-separated coder names (default: all).")
@click.option("--split", help="For .spacy.jsonl: train,dev,test fractions, e.g. 0.8,0.1,0.1.")
@click.option("--positions", type=click.Choice(["codepoints", "utf16"]), default="codepoints",
              show_default=True,
              help="For .qdpx and Label Studio .json: code points (the standard) or UTF-16 "
                   "units for tools that count those (QualCoder, NVivo).")
@click.option("--documents", help="Comma-separated document ids (default: all).")
@click.option("--status", "statuses",
              help="Comma-separated statuses (todo, doing, done): only documents one of the "
                   "exported coders has at one of them (no status recorded counts as todo).")
@click.pass_obj
def export_cmd(obj: _Ctx, path: str, coders: str | None, split: str | None,
               positions: str, documents: str | None, statuses: str | None) -> None:
    """Export: .jsonl dataset, .spacy.jsonl, .csv, .qdpx, .qdc / codebook .json, Label Studio
    .json, UIMA CAS .xmi.zip (INCEpTION), or a folder (brat)."""
    from .project_io import export_path

    fractions = None
    if split:
        try:
            fractions = tuple(float(x) for x in split.split(","))
        except ValueError:
            raise click.BadParameter("three numbers like 0.8,0.1,0.1", param_hint="--split")
        if len(fractions) != 3:
            raise click.BadParameter("three numbers like 0.8,0.1,0.1", param_hint="--split")
    click.echo(export_path(obj.project(), path, coder_names=_split(coders), split=fractions,
                           positions=positions, document_ids=_split(documents),
                           statuses=_split(statuses)))


@cli.group("codebook")
def codebook_cmd() -> None:
    """Import or export the codebook (.json or REFI-QDA .qdc)."""


@codebook_cmd.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def codebook_import(obj: _Ctx, path: str) -> None:
    """Add the file's labels to the codebook (matched by GUID, then by name)."""
    from .project_io import import_codebook_reporting

    added, warnings = import_codebook_reporting(obj.project(), path)
    click.echo(f"{added} labels added")
    for line in warnings:
        click.echo(f"warning: {line}", err=True)


@codebook_cmd.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.pass_obj
def codebook_export(obj: _Ctx, path: str) -> None:
    """Write the codebook to PATH (.json or .qdc)."""
    from .project_io import export_codebook_file

    export_codebook_file(obj.project(), path)
    click.echo(f"codebook written to {path}")


@codebook_cmd.command("ordered")
@click.argument("state", required=False, type=click.Choice(["on", "off"]))
@click.pass_obj
def codebook_ordered(obj: _Ctx, state: str | None) -> None:
    """Whether the stance labels form an ordered scale (their list order, first = lowest),
    which adds ordinal agreement measures; without STATE, print the current setting."""
    from .ops import SetStanceOrdered

    project = obj.project()
    if state is not None:
        changed = project.run(SetStanceOrdered(state == "on"))
        click.echo(f"stance scale: {'ordered' if state == 'on' else 'unordered'}"
                   + ("" if changed else " (unchanged)"))
        return
    cb = project.q.codebook()
    if cb.ordered_stance:
        click.echo("stance scale: ordered (" + " < ".join(lb.name for lb in cb.stance) + ")")
    else:
        click.echo("stance scale: unordered")


@cli.command("agreement")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Report file: .json .csv .md .html (JSON to stdout if omitted).")
@click.option("--coders", help="Comma-separated coder names (default: all but gold and "
                                "model coders).")
@click.option("--documents", help="Comma-separated document ids (default: all).")
@click.option("--set", "set_name", help="Only the documents of this document set (with "
                                        "--documents: those of them in the set).")
@click.option("--themes", help="Comma-separated theme names (default: all).")
@click.option("--done-only", is_flag=True, help="Only documents marked done by the coders.")
@click.option("--bootstrap", default=1000, show_default=True, type=click.IntRange(0, 100_000),
              help="Bootstrap resamples for the 95% interval of alpha.")
@click.option("--include-models", is_flag=True,
              help="Compare the model coders (suggestions, model:...) too.")
@click.pass_obj
def agreement_cmd(obj: _Ctx, output: str | None, coders: str | None, documents: str | None,
                  themes: str | None, done_only: bool, bootstrap: int,
                  set_name: str | None, include_models: bool = False) -> None:
    """Inter-coder agreement (Krippendorff's alpha, alpha-U, kappas, F1...)."""
    from .document_sets import restrict_to_set
    from .project_io import agreement_report, write_agreement_report

    document_ids = _split(documents)
    if set_name is not None:
        document_ids = restrict_to_set(obj.project(), set_name, document_ids)
    options = dict(coder_names=_split(coders), document_ids=document_ids,
                   themes=_split(themes), done_only=done_only, bootstrap=bootstrap,
                   include_models=include_models)
    if output:
        write_agreement_report(obj.project(), output, **options)
        click.echo(f"agreement report written to {output}")
    else:
        from .io.agreement_report import report_to_json

        report = agreement_report(obj.project(), **options)
        click.echo(report_to_json(report), nl=False)  # the same JSON as a written .json


@cli.command("merge")
@click.argument("others", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.pass_obj
def merge_cmd(obj: _Ctx, others: tuple[str, ...]) -> None:
    """Merge coders' project files into this project (idempotent)."""
    from .project_io import merge_projects

    _print_report(merge_projects(obj.project(), list(others)), verb="added")


@cli.command("coder-package")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--coder", "coder_name", required=True, help="The coder the package is for.")
@click.pass_obj
def coder_package_cmd(obj: _Ctx, path: str, coder_name: str) -> None:
    """Write a project file for one coder: corpus, codebook and only that coder's work."""
    from .project_io import export_coder_package

    export_coder_package(obj.project(), path, coder_name)
    click.echo(f"coder package for {coder_name} written to {path}")


@cli.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stats_cmd(obj: _Ctx, as_json: bool) -> None:
    """Documents, coders, annotations per coder and label, progress per coder."""
    stats = obj.project().stats()
    if as_json:
        click.echo(json.dumps(stats, indent=2, ensure_ascii=False))
        return
    click.echo(f"documents: {stats['documents']} ({stats['characters']:,} characters)")
    click.echo(f"coders: {stats['coders']}   annotations: {stats['annotations']}")
    unknown = "a version that did not record it"
    click.echo(f"file: created by desk-annotator {stats['created_by_version'] or unknown}, "
               f"last written by {stats['last_written_by_version'] or unknown}")
    for row in stats["per_coder"]:
        assigned = (f", {row['assigned_done']}/{row['documents_assigned']} assigned done"
                    if row.get("documents_assigned") is not None else "")
        click.echo(f"  {row['coder']}: {row['annotations']} annotations, "
                   f"{row['documents_annotated']} documents annotated, "
                   f"{row['documents_done']}/{stats['documents']} done{assigned}")
    for row in stats["per_label"]:
        click.echo(f"  {row['scheme']:<7} {row['name']:<36} {row['coder']:<12} {row['n']}")


def _step(obj: _Ctx, redo: bool, coder: str | None, entry: int | None) -> None:
    project = obj.project()
    verb = "redo" if redo else "undo"
    if entry is not None:
        done = (project.redo_entry if redo else project.undo_entry)(entry)
    else:
        coder_id = project.require_coder(coder).id if coder else None
        done = (project.redo if redo else project.undo)(coder_id)
    whose = f" for {coder}" if coder else (" (project-wide actions)" if entry is None else "")
    click.echo(f"{'redone' if redo else 'undone'}: {done}" if done
               else f"nothing to {verb}{whose}")


_STEP_HELP = ("Without options: the latest project-wide action (imports, merges, codebook "
              "imports made here); --coder NAME: that coder's own latest action; --entry N: "
              "history entry N (see `history`).")


@cli.command("undo", help=f"Undo one action. {_STEP_HELP}")
@click.option("--coder", help="Undo this coder's own latest action.")
@click.option("--entry", type=int, help="Undo this history entry (its number in `history`).")
@click.pass_obj
def undo_cmd(obj: _Ctx, coder: str | None, entry: int | None) -> None:
    _step(obj, False, coder, entry)


@cli.command("redo", help=f"Redo one undone action. {_STEP_HELP}")
@click.option("--coder", help="Redo this coder's most recently undone action.")
@click.option("--entry", type=int, help="Redo this undone history entry.")
@click.pass_obj
def redo_cmd(obj: _Ctx, coder: str | None, entry: int | None) -> None:
    _step(obj, True, coder, entry)


@cli.command("history")
@click.option("--limit", default=30, show_default=True)
@click.pass_obj
def history_cmd(obj: _Ctx, limit: int) -> None:
    """Who changed what, newest first (the number undoes it: undo --entry N)."""
    for row in obj.project().history(limit):
        mark = " (undone)" if row["undone"] else ""
        click.echo(f"{row['id']:>6}  {row['time'][:19]}  {row['coder'] or '-':<12} "
                   f"{row['description']}{mark}")


_commands = _LazyCommands(LAZY_COMMANDS)
_commands.update(dict.items(cli.commands))
cli.commands = _commands


def _no_collection_at_exit() -> None:
    """Python's exit collects garbage over every object the imports made (full passes, a
    tenth of a second of a table command); a command has closed its project and files by
    then (click's close callbacks), so those objects are left to the end of the process.
    Not after Qt was loaded (the window, a PDF): its objects are torn down as usual."""
    if not any(name.startswith("desk_annotator.gui") for name in sys.modules):
        gc.freeze()


def main(argv: list[str] | None = None) -> None:
    if argv is None:  # the program itself (the console script, python -m), not a caller's test
        atexit.register(_no_collection_at_exit)
    try:
        cli.main(args=argv, prog_name="desk-annotator", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else 1)
    except DeskAnnotatorError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        from .atomic import describe_os_error
        click.echo(f"error: {describe_os_error(exc, exc.filename or 'a file')}", err=True)
        sys.exit(1)
    except SQLiteError as exc:
        click.echo(f"error: {explain_failure(_LAST_PROJECT[0], exc)}", err=True)
        sys.exit(1)
    except SystemExit:
        raise
    sys.exit(0)


if __name__ == "__main__":
    main()

"""``desk-annotator table frequencies|crosstab|cooccurrence|timeline``: analysis/tables.py on
the command line. Without ``--output`` a text table goes to stdout; with it the format follows
the extension (.csv .xlsx .md .html .json). Warnings also go to stderr.
"""

from __future__ import annotations

import click

from .analysis import tables
from .analysis.tables_output import write, to_text

_CODER = click.option("--coder", "coder",
                      help="Count only this coder's passages (gold: the gold standard). "
                           "Default: every coder (frequencies: one row per coder).")
_OUTPUT = click.option("--output", type=click.Path(dir_okay=False),
                       help="Write .csv .xlsx .md .html or .json instead of a text table.")
_UNIT = click.option("--unit", type=click.Choice(tables.UNITS), default="passages",
                     show_default=True,
                     help="Count labelled passages, or documents with such a passage.")


def _emit(result: tables.Result, output: str | None) -> None:
    if output:
        path = write(result, output)
        click.echo(f"wrote {path}", err=True)
    else:
        click.echo(to_text(result), nl=False)
    if output:
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)


def _coders(coder: str | None) -> list[str] | None:
    return None if coder is None else [coder]


@click.group("table")
def table_cmd() -> None:
    """Frequencies, crosstabs, co-occurrence and timelines of the coding."""


@table_cmd.command("frequencies")
@click.option("--by", type=click.Choice(tables.FREQUENCY_GROUPS),
              help="Also group by document or by a document variable.")
@click.option("--labels", type=click.Choice(tables.SCHEME_NAMES),
              help="Only stance or only theme labels (default: both).")
@_CODER
@_OUTPUT
@click.pass_obj
def frequencies_cmd(obj, by: str | None, labels: str | None, coder: str | None,
                    output: str | None) -> None:
    """Passages, characters and documents per label and coder."""
    schemes = (labels,) if labels else tables.SCHEME_NAMES
    _emit(tables.frequencies(obj.project(), coders=_coders(coder), by=by, schemes=schemes),
          output)


@table_cmd.command("crosstab")
@click.option("--by", type=click.Choice((*tables.VARIABLES, *tables.SCHEME_NAMES)),
              default="outlet", show_default=True,
              help="Document variable for the columns (or themes/stance: stance × themes).")
@click.option("--labels", type=click.Choice(tables.SCHEME_NAMES), default="stance",
              show_default=True, help="Label set for the rows.")
@_CODER
@_UNIT
@_OUTPUT
@click.pass_obj
def crosstab_cmd(obj, by: str, labels: str, coder: str | None, unit: str,
                 output: str | None) -> None:
    """Labels × a variable: counts, row %, column %, chi-square, Cramér's V."""
    _emit(tables.crosstab(obj.project(), labels=labels, by=by, coders=_coders(coder),
                          unit=unit), output)


@table_cmd.command("cooccurrence")
@click.option("--mode", type=click.Choice(tables.COOCCURRENCE_MODES), default="passage",
              show_default=True,
              help="Themes on one passage, on overlapping passages of one coder, or in one "
                   "document.")
@_CODER
@_OUTPUT
@click.pass_obj
def cooccurrence_cmd(obj, mode: str, coder: str | None, output: str | None) -> None:
    """Theme × theme counts and Jaccard index."""
    _emit(tables.cooccurrence(obj.project(), mode=mode, coders=_coders(coder)), output)


@table_cmd.command("timeline")
@_CODER
@_UNIT
@_OUTPUT
@click.pass_obj
def timeline_cmd(obj, coder: str | None, unit: str, output: str | None) -> None:
    """Stance share by month per outlet."""
    _emit(tables.timeline(obj.project(), coders=_coders(coder), unit=unit), output)

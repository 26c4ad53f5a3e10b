"""``desk-annotator table frequencies|crosstab|cooccurrence|timeline``: analysis/tables.py on
the command line. Without ``--output`` a text table goes to stdout; with it the format follows
the extension (.csv .xlsx .md .html .json). Warnings also go to stderr.
"""

from __future__ import annotations

import click

from .analysis import tables
from .analysis.tables_output import to_text, write

_CODER = click.option("--coder", "coder",
                      help="Count only this coder's passages (gold: the gold standard). "
                           "Default: every coder (frequencies: one row per coder).")
_OUTPUT = click.option("--output", type=click.Path(dir_okay=False),
                       help="Write .csv .xlsx .md .html or .json instead of a text table.")
_SET = click.option("--set", "set_name",
                    help="Only the documents of this document set (see: set list).")
_CHART = click.option("--chart", type=click.Path(dir_okay=False),
                      help="Also draw the table as a chart: .png or .svg.")
_UNIT = click.option("--unit", type=click.Choice(tables.UNITS), default="passages",
                     show_default=True,
                     help="Count labelled passages, or documents with such a passage.")


def _emit(result: tables.Result, output: str | None, chart: str | None = None,
          values: str = "counts") -> None:
    if output:
        path = write(result, output)
        click.echo(f"wrote {path}", err=True)
    else:
        click.echo(to_text(result), nl=False)
    if chart:
        from .analysis.charts import (
            save_chart,  # matplotlib only when a chart is asked for
        )

        click.echo(f"wrote {save_chart(result, chart, values=values)}", err=True)
    if output:
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)


def _coders(coder: str | None) -> list[str] | None:
    return None if coder is None else [coder]


@click.group("table")
def table_cmd() -> None:
    """Frequencies, crosstabs, co-occurrence and timelines of the coding."""


@table_cmd.command("frequencies")
@click.option("--by", metavar="VARIABLE",
              help="Also group by: document, set (one block per document set), a built-in "
                   f"variable ({', '.join(tables.VARIABLES)}) or a custom variable.")
@click.option("--labels", type=click.Choice(tables.SCHEME_NAMES),
              help="Only stance or only theme labels (default: both).")
@_CODER
@_SET
@_OUTPUT
@_CHART
@click.pass_obj
def frequencies_cmd(obj, by: str | None, labels: str | None, coder: str | None,
                    set_name: str | None, output: str | None, chart: str | None) -> None:
    """Passages, characters and documents per label and coder."""
    schemes = (labels,) if labels else tables.SCHEME_NAMES
    _emit(tables.frequencies(obj.project(), coders=_coders(coder), by=by, schemes=schemes,
                             set_name=set_name), output, chart)


@table_cmd.command("crosstab")
@click.option("--by", metavar="VARIABLE", default="outlet", show_default=True,
              help="Document variable for the columns: built-in "
                   f"({', '.join(tables.VARIABLES)}) or custom (numbers with many values in "
                   "5 bins, dates by month); set: one column per document set; or themes/stance: "
                   "stance × themes.")
@click.option("--labels", type=click.Choice(tables.SCHEME_NAMES), default="stance",
              show_default=True, help="Label set for the rows.")
@_CODER
@_SET
@_UNIT
@_OUTPUT
@_CHART
@click.pass_obj
def crosstab_cmd(obj, by: str, labels: str, coder: str | None, set_name: str | None,
                 unit: str, output: str | None, chart: str | None) -> None:
    """Labels × a variable: counts, row %, column %, chi-square, Cramér's V."""
    _emit(tables.crosstab(obj.project(), labels=labels, by=by, coders=_coders(coder),
                          unit=unit, set_name=set_name), output, chart)


@table_cmd.command("cooccurrence")
@click.option("--mode", type=click.Choice(tables.COOCCURRENCE_MODES), default="passage",
              show_default=True,
              help="Themes on one passage, on overlapping passages of one coder, or in one "
                   "document.")
@_CODER
@_SET
@_OUTPUT
@_CHART
@click.option("--jaccard", is_flag=True, help="Chart the Jaccard index instead of counts.")
@click.pass_obj
def cooccurrence_cmd(obj, mode: str, coder: str | None, set_name: str | None,
                     output: str | None, chart: str | None, jaccard: bool) -> None:
    """Theme × theme counts and Jaccard index."""
    _emit(tables.cooccurrence(obj.project(), mode=mode, coders=_coders(coder),
                              set_name=set_name), output, chart,
          values="jaccard" if jaccard else "counts")


@table_cmd.command("timeline")
@click.option("--by", metavar="VARIABLE", default="outlet", show_default=True,
              help="One line per value of this document variable.")
@_CODER
@_SET
@_UNIT
@_OUTPUT
@_CHART
@click.pass_obj
def timeline_cmd(obj, by: str, coder: str | None, set_name: str | None, unit: str,
                 output: str | None, chart: str | None) -> None:
    """Stance share by month per outlet."""
    _emit(tables.timeline(obj.project(), coders=_coders(coder), unit=unit, by=by,
                          set_name=set_name), output, chart)

"""``desk-annotator report findings``: the findings report (analysis/findings.py), one
self-contained HTML file of the frequencies, crosstabs, co-occurrence, timeline and a short
agreement summary."""

from __future__ import annotations

import click


@click.group("report")
def report_cmd() -> None:
    """Reports that bring the tables together."""


@report_cmd.command("findings")
@click.option("--output", required=True, type=click.Path(dir_okay=False),
              help="The report file (.html).")
@click.option("--coder", help="Only this coder's passages (gold: the gold standard). "
                              "Default: every coder.")
@click.option("--set", "set_name", help="Only the documents of this document set.")
@click.option("--by", default="outlet", show_default=True, metavar="VARIABLE",
              help="The variable of the stance crosstab (built-in or custom).")
@click.option("--title", help="The report's heading (default: Findings).")
@click.option("--bootstrap", default=1000, show_default=True, type=click.IntRange(0, 100_000),
              help="Bootstrap resamples for the agreement summary's intervals.")
@click.pass_obj
def findings_cmd(obj, output: str, coder: str | None, set_name: str | None, by: str,
                 title: str | None, bootstrap: int) -> None:
    """One HTML file: frequencies, stance by outlet, stance × themes, co-occurrence,
    timeline, agreement."""
    from .analysis.findings import write_findings

    path = write_findings(obj.project(), output, coder=coder, set_name=set_name, by=by,
                          title=title, bootstrap=bootstrap)
    click.echo(f"wrote {path}")

"""``desk-annotator check [--full]``: the project's integrity checks, on demand."""

from __future__ import annotations

import sys
import time
from typing import Any

import click


@click.command("check")
@click.option("--full", is_flag=True,
              help="Also read every page of the file, compare every annotation's quote with "
                   "its text and recount the per-document summaries (seconds on a big "
                   "project); without it, what every open checks.")
@click.pass_obj
def check_cmd(obj: Any, full: bool) -> None:
    """Check the project file: damaged pages, annotations whose quote no longer matches
    their text, summaries another program left wrong. Exit status 1 when something is
    found."""
    started = time.perf_counter()
    project = obj.project()  # the open's own checks run here (see docs/performance.md)
    problems = project.check_integrity(full=True) if full else list(project.integrity_problems)
    what = "full check" if full else "open check"
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{what}: {len(problems)} problem(s) in {project.path}", err=True)
        sys.exit(1)
    click.echo(f"{what}: no problems in {project.path} ({time.perf_counter() - started:.2f} s)")

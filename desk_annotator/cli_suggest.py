"""``desk-annotator suggest train|run|evaluate|accept|reject|list|next|similar``: the built-in
TF-IDF suggestion engine (desk_annotator/suggest).

Everything stays on this machine. ``train`` remembers the teacher (one undoable step);
``run`` retrains (a second or two) and stores the proposals as suggestions of the coder
``model:tfidf`` in one undoable step, so Ctrl-C during a run leaves the project as it was.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from .errors import OperationError
from .store import suggestion_queries as sq


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()] or None


@contextmanager
def _progress(label: str, show: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A click progress bar on stderr, fed (done, total); Ctrl-C ends in one line."""
    bar: list[Any] = []

    def update(done: int, total: int) -> None:
        if not show:
            return
        if not bar:
            bar.append(click.progressbar(length=max(total, 1), label=label, file=sys.stderr))
            bar[0].__enter__()
        bar[0].update(done - bar[0].pos)

    try:
        yield update
    except KeyboardInterrupt:
        raise OperationError("cancelled: nothing was stored") from None
    finally:
        if bar:
            bar[0].__exit__(None, None, None)


def _teacher(project: Any, teacher: str | None) -> str:
    from .suggest.engine import ENGINE

    chosen = teacher or sq.teacher(project.q, ENGINE)
    if not chosen:
        raise OperationError("no teacher yet: run `desk-annotator suggest train --teacher "
                             "NAME` first (a coder's name, or gold)")
    return chosen


def _labels(project: Any, stance_id: str | None, theme_ids: list[str]) -> str:
    names = {lb.id: lb.name for lb in project.q.labels()}
    return ", ".join(([names.get(stance_id, "?")] if stance_id else [])
                     + [names.get(t, "?") for t in theme_ids])


def _coder_id(project: Any, name: str) -> str:
    return project.require_coder(name).id


@click.group("suggest")
def suggest_cmd() -> None:
    """Suggested codings by the built-in TF-IDF engine, measured like a coder."""


@suggest_cmd.command("train")
@click.option("--teacher", required=True, help="The coder to learn from (a name, or gold).")
@click.pass_obj
def suggest_train(obj: Any, teacher: str) -> None:
    """Learn from TEACHER's coding and remember TEACHER for `suggest run`."""
    from .suggest.engine import ENGINE, train, training_data
    from .suggest.ops import SetTeacher

    project = obj.project()
    t0 = time.perf_counter()
    data = training_data(project, teacher)
    model = train(data)
    seconds = time.perf_counter() - t0
    project.run(SetTeacher(ENGINE, teacher))
    click.echo(f"trained on {data.passages} passages of {teacher} in "
               f"{len(set(data.document_ids))} documents ({len(data.sentences)} sentences, "
               f"{model.weights.n_features} features) in {seconds:.1f} s")


@suggest_cmd.command("run")
@click.option("--documents", help="Comma-separated document ids (default: every document the "
                                  "teacher has not coded).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Smallest probability to propose (default 0.3).")
@click.option("--teacher", help="Learn from this coder (default: the one of `suggest train`).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def suggest_run(obj: Any, documents: str | None, threshold: float | None, teacher: str | None,
                quiet: bool) -> None:
    """Propose codings as the coder model:tfidf (replaces its open suggestions there)."""
    from .suggest.engine import DEFAULT_THRESHOLD, suggest

    project = obj.project()
    who = _teacher(project, teacher)
    with _progress("scoring", not quiet) as progress:
        result = suggest(project, who, document_ids=_split(documents),
                         threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
                         progress=progress)
    click.echo(f"{len(result.added)} suggestions stored (model:tfidf, taught by {who})"
               + (f", {result.replaced} earlier open ones replaced" if result.replaced else "")
               + (f", {result.skipped_rejected} left out as rejected before"
                  if result.skipped_rejected else ""))


@suggest_cmd.command("evaluate")
@click.option("--teacher", required=True, help="The coder whose coding is the answer key.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 100))
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Smallest probability counted as a proposal (default 0.3).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_obj
def suggest_evaluate(obj: Any, teacher: str, folds: int, threshold: float | None,
                     as_json: bool) -> None:
    """Document-level cross-validation: per-label precision/recall/F1 and the model's alpha
    with each other coder beside the teacher's."""
    from .suggest.engine import DEFAULT_THRESHOLD
    from .suggest.evaluate import evaluate

    project = obj.project()
    with _progress("folds", not as_json) as progress:
        ev = evaluate(project, teacher, folds=folds, progress=progress,
                      threshold=DEFAULT_THRESHOLD if threshold is None else threshold)
    if as_json:
        click.echo(json.dumps(ev.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(ev.table_lines()))


@suggest_cmd.command("accept")
@click.argument("suggestion_id", required=False)
@click.option("--coder", "coder_name", help="Whose annotation it becomes (required unless "
                                            "--dry-run).")
@click.option("--above", type=click.FloatRange(0, 1),
              help="Accept every open suggestion with at least this probability.")
@click.option("--dry-run", is_flag=True, help="With --above: measure the precision at that "
                                              "probability on held-out coded documents and "
                                              "record it; accept nothing.")
@click.option("--teacher", help="The dry run's answer key (default: the trained teacher; "
                                "gold if you have one).")
@click.pass_obj
def suggest_accept(obj: Any, suggestion_id: str | None, coder_name: str | None,
                   above: float | None, dry_run: bool, teacher: str | None) -> None:
    """Accept suggestion SUGGESTION_ID, or all above a probability (after a dry run)."""
    from .suggest.engine import ENGINE
    from .suggest.ops import AcceptAbove, AcceptSuggestion

    project = obj.project()
    if (suggestion_id is None) == (above is None):
        raise click.UsageError("give a SUGGESTION_ID or --above P")
    if dry_run:
        if above is None:
            raise click.UsageError("--dry-run goes with --above P")
        from .suggest.evaluate import dry_run as measure

        precision, support, basis = measure(project, _teacher(project, teacher), above)
        shown = "undefined (no proposal that sure)" if precision is None else f"{precision:.3f}"
        click.echo(f"dry run: precision {shown} over {support} proposals at or above "
                   f"{above:g} ({basis}); recorded")
        return
    if not coder_name:
        raise click.UsageError("--coder NAME: whose annotation the suggestion becomes")
    coder_id = _coder_id(project, coder_name)
    if above is not None:
        done = project.run(AcceptAbove(ENGINE, above, coder_id), coder_id)
        click.echo(f"{len(done)} suggestions accepted as {coder_name}'s")
        return
    ann = project.run(AcceptSuggestion(suggestion_id, coder_id), coder_id)  # type: ignore[arg-type]
    click.echo(f"accepted as {coder_name}'s annotation {ann.id} "
               f"({_labels(project, ann.stance_id, ann.theme_ids)})")


@suggest_cmd.command("reject")
@click.argument("suggestion_id")
@click.option("--coder", "coder_name", help="Who rejects it (for the record and undo).")
@click.pass_obj
def suggest_reject(obj: Any, suggestion_id: str, coder_name: str | None) -> None:
    """Reject suggestion SUGGESTION_ID (later runs do not propose it again)."""
    from .suggest.ops import RejectSuggestion

    project = obj.project()
    coder_id = _coder_id(project, coder_name) if coder_name else None
    project.run(RejectSuggestion(suggestion_id, coder_id), coder_id)
    click.echo("rejected")


@suggest_cmd.command("list")
@click.option("--status", type=click.Choice(["suggested", "accepted", "rejected", "all"]),
              default="suggested", show_default=True)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1))
@click.pass_obj
def suggest_list(obj: Any, status: str, limit: int) -> None:
    """Suggestions: id, probability, labels, quote."""
    project = obj.project()
    rows = sq.suggestions(project.q, status=None if status == "all" else status)
    for r in rows[:limit]:
        p = "    " if r["probability"] is None else f"{r['probability']:.2f}"
        quote = r["quote"].replace("\n", " ")
        click.echo(f"{r['annotation_id']}  {p}  {r['status']:9}  "
                   f"{_labels(project, r['stance_id'], r['theme_ids'])}  “{quote[:80]}”")
    counts = sq.counts(project.q)
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items()), err=True)


@suggest_cmd.command("next")
@click.option("--coder", "coder_name", help="Whose uncoded documents (default: the teacher's).")
@click.option("--disagreement", is_flag=True, help="Where the human coders disagree most, "
                                                   "instead of where the model is unsure.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1))
@click.pass_obj
def suggest_next(obj: Any, coder_name: str | None, disagreement: bool, limit: int) -> None:
    """The passages to code next: most informative for the model first."""
    from .suggest.engine import train, training_data
    from .suggest.queue import code_next

    project = obj.project()
    model = None
    if not disagreement:
        model = train(training_data(project, _teacher(project, None)))
    items = code_next(project, model, coder_name, limit=limit,
                      mode="disagreement" if disagreement else "uncertain")
    for it in items:
        text = it.text.replace("\n", " ")
        click.echo(f"{it.score:6.2f}  {it.document_id} {it.start}-{it.end}  “{text[:90]}”  "
                   f"[{it.reason}]")
    if not items:
        click.echo("nothing to propose", err=True)


@suggest_cmd.command("similar")
@click.argument("annotation_id")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1))
@click.pass_obj
def suggest_similar(obj: Any, annotation_id: str, limit: int) -> None:
    """Sentences across the corpus most like ANNOTATION_ID's passage (TF-IDF cosine)."""
    from .suggest.similar import similar

    for hit in similar(obj.project(), annotation_id, limit):
        text = hit.text.replace("\n", " ")
        click.echo(f"{hit.score:.3f}  {hit.document_id} {hit.start}-{hit.end}  “{text[:90]}”")


# The audit trail of the model-endpoint engine (`llm run`) is listed here too: `suggest audit`.
from .cli_suggest_llm import llm_audit

suggest_cmd.add_command(llm_audit, "audit")

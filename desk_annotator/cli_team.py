"""The lead's commands: ``assign``, ``lead set|show`` and ``blind lock|unlock|status``.

Registered in cli.py with ``cli.add_command``; each change is one undoable operation
(ops_team), like every other command's.
"""

from __future__ import annotations

import json
from typing import Any

import click


def _names(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _show(project: Any, as_json: bool) -> None:
    from .assignments import current_plan

    plan = current_plan(project)
    titles = {info.id: info.title for info in project.q.document_infos()}
    if as_json:
        click.echo(json.dumps({"coders": plan.by_coder, "overlap": plan.overlap},
                              indent=2, ensure_ascii=False))
        return
    if not plan.by_coder:
        click.echo("no assignments (every coder may code every document)")
        return
    overlap = set(plan.overlap)
    click.echo(f"{len(overlap)} overlap document(s) assigned to every coder")
    for name, ids in sorted(plan.by_coder.items()):
        click.echo(f"  {name}: {len(ids)} documents ({sum(d in overlap for d in ids)} overlap)")
    unassigned = [d for d in titles if not plan.coders_of(d)]
    if unassigned:
        click.echo(f"  unassigned: {len(unassigned)} documents")
    for doc_id, title in titles.items():
        coders = plan.coders_of(doc_id)
        if coders:
            mark = "*" if doc_id in overlap else " "
            click.echo(f"{doc_id} {mark} {', '.join(coders):<24} {title}")


@click.command("assign")
@click.option("--coders", help="Comma-separated coder names (new ones are added).")
@click.option("--overlap", type=float, default=0.2, show_default=True,
              help="Share of the documents every coder gets (for agreement), 0 to 1.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed gives the same assignment.")
@click.option("--documents", help="Comma-separated document ids (default: every document); "
                                  "only their assignments are replaced.")
@click.option("--show", is_flag=True, help="Print the current assignments.")
@click.option("--clear", is_flag=True, help="Remove every assignment.")
@click.option("--json", "as_json", is_flag=True, help="With --show: print JSON.")
@click.pass_obj
def assign_cmd(obj: Any, coders: str | None, overlap: float, seed: int,
               documents: str | None, show: bool, clear: bool, as_json: bool) -> None:
    """Assign documents to coders: an overlap share to every coder, the rest split evenly
    (documents ordered by id and shuffled with the seed: reproducible)."""
    from .assignments import assign, clear_assignments

    project = obj.project()
    if show:
        _show(project, as_json)
        return
    if clear:
        click.echo(f"{clear_assignments(project)} assignments removed"
                   if project.q.document_count() else "no documents")
        return
    names = _names(coders)
    if not names:
        raise click.UsageError("give --coders a,b,c (or --show / --clear)")
    plan = assign(project, names, overlap, seed, _names(documents) or None)
    n = len({d for ids in plan.by_coder.values() for d in ids})
    click.echo(f"{n} documents assigned to {len(plan.by_coder)} coders, {len(plan.overlap)} "
               f"to every coder (overlap {overlap:g}, seed {seed})")
    for name, ids in sorted(plan.by_coder.items()):
        click.echo(f"  {name}: {len(ids)} documents")


@click.group("lead")
def lead_cmd() -> None:
    """The project's lead: assigns documents and may lock blind mode."""


@lead_cmd.command("set")
@click.argument("name")
@click.option("--coder", "acting", help="Who does it: once a lead is set, only that lead "
                                        "may hand the role on.")
@click.pass_obj
def lead_set(obj: Any, name: str, acting: str | None) -> None:
    """Make NAME (a coder; added if new) the lead."""
    from .blind import set_lead

    changed = set_lead(obj.project(), name.strip(), acting)
    click.echo(f"lead: {name.strip()}" + ("" if changed else " (unchanged)"))


@lead_cmd.command("show")
@click.pass_obj
def lead_show(obj: Any) -> None:
    """Print the lead's name."""
    from .blind import lead

    click.echo(f"lead: {lead(obj.project().q) or '(none)'}")


@click.group("blind")
def blind_cmd() -> None:
    """Blind coding as a protocol: lock or unlock it (the lead only), or show its state."""


def _lock(obj: Any, locked: bool, acting: str | None) -> None:
    from .blind import set_locked

    if not acting:
        raise click.UsageError("say who you are: --coder NAME (must be the lead)")
    changed = set_locked(obj.project(), locked, acting)
    click.echo(f"blind mode {'locked' if locked else 'unlocked'}"
               + ("" if changed else " (unchanged)"))


@blind_cmd.command("lock")
@click.option("--coder", "acting", help="Your coder name; must be the lead.")
@click.pass_obj
def blind_lock(obj: Any, acting: str | None) -> None:
    """Coders can no longer show others' work; it shows in the compare view once they mark
    a document done (the lead sees everything)."""
    _lock(obj, True, acting)


@blind_cmd.command("unlock")
@click.option("--coder", "acting", help="Your coder name; must be the lead.")
@click.pass_obj
def blind_unlock(obj: Any, acting: str | None) -> None:
    """Let every coder switch blind mode off again."""
    _lock(obj, False, acting)


@blind_cmd.command("status")
@click.pass_obj
def blind_status(obj: Any) -> None:
    """Whether blind mode is locked, and who the lead is."""
    from .blind import status_line

    click.echo(status_line(obj.project().q))


COMMANDS = [assign_cmd, lead_cmd, blind_cmd]

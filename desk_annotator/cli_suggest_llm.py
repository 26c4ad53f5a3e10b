"""``desk-annotator llm configure|models|prompt|run|audit``: zero-shot coding by a model endpoint.

The endpoint is an OpenAI-compatible server the user names (a local Ollama, llama.cpp or vLLM
server, or a cloud service); nothing is sent until one is configured. Suggestions are stored
as the coder ``model:llm:<name>`` (see ``suggest``), every request in the audit trail.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from .cli_documents import find_document
from .store.model_request_queries import model_requests
from .suggest.llm_settings import (
    PRIVACY_SENTENCE,
    load_settings,
    save_settings,
    settings_file,
    updated_settings,
)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()] or None


@click.group("llm")
def llm_cmd() -> None:
    """Suggestions from a model endpoint you configure (OpenAI-compatible chat API)."""


@llm_cmd.command("configure")
@click.option("--endpoint", help="Base URL of the API, e.g. http://127.0.0.1:11434/v1 "
                                 "(empty string: none, nothing is sent).")
@click.option("--model", help="Model name as the server knows it.")
@click.option("--api-key-env", help="NAME of the environment variable holding the API key "
                                    "(the key itself is never stored); empty: no key.")
@click.option("--timeout", "timeout_seconds", type=float, help="Seconds to wait per request.")
@click.option("--max-characters", type=int, help="Document text per request; longer "
                                                 "documents are cut at sentence ends.")
@click.option("--max-tokens", type=int, help="Longest answer asked for, in tokens.")
@click.option("--seed", type=int, help="Seed sent with every request.")
@click.option("--max-examples", type=int, help="Coded examples in each prompt.")
@click.option("--answer-format", type=click.Choice(["auto", "json_schema", "instructions"]),
              help="auto: ask for the JSON schema, fall back to instructions when the server "
                   "refuses it.")
@click.option("--show", is_flag=True, help="Only print the settings.")
def llm_configure(show: bool, **changes: Any) -> None:
    """Set (or with --show, print) the endpoint settings; they are yours, not the project's."""
    settings = load_settings()
    if not show and any(v is not None for v in changes.values()):
        settings = updated_settings(settings, **changes)
        save_settings(settings)
        click.echo(f"saved {settings_file()}")
    for key, value in settings.model_dump().items():
        click.echo(f"{key}: {value}")
    click.echo(PRIVACY_SENTENCE)


@llm_cmd.command("models")
def llm_models() -> None:
    """The models the configured endpoint offers (a connection check)."""
    from .suggest.llm_client import list_models

    settings = load_settings()
    settings.require_configured()
    for name in list_models(settings):
        click.echo(name)


@llm_cmd.command("prompt")
@click.argument("document")
@click.option("--examples-from", help="Coder (or gold) whose coded passages serve as examples.")
@click.option("--json", "as_json", is_flag=True,
              help="Each request's messages as one JSON line, exactly as they would be sent.")
@click.pass_obj
def llm_prompt(obj: Any, document: str, examples_from: str | None, as_json: bool) -> None:
    """Show what `llm run` would send for DOCUMENT (id or unique start), sending nothing:
    each request's messages and the SHA-256 the audit trail would record."""
    import json

    from .suggest.llm_prompt import document_prompts

    settings = load_settings()
    project = obj.project()
    doc = project.q.document(find_document(project, document).id)
    pool = (project.q.annotations(coder_ids=[project.require_coder(examples_from).id])
            if examples_from else [])
    pieces = document_prompts(project.q.codebook(), pool, doc.id, doc.text,
                              max_characters=settings.max_characters,
                              max_examples=settings.max_examples)
    for n, piece in enumerate(pieces, 1):
        if as_json:
            click.echo(json.dumps({"chunk": [piece.chunk.start, piece.chunk.end],
                                   "prompt_sha256": piece.sha256,
                                   "messages": piece.messages}, ensure_ascii=False))
            continue
        click.echo(f"=== request {n} of {len(pieces)}: characters {piece.chunk.start}.."
                   f"{piece.chunk.end} of “{doc.title}”, {piece.examples} example(s), "
                   f"prompt sha256 {piece.sha256}")
        for message in piece.messages:
            click.echo(f"--- {message['role']}")
            click.echo(message["content"])


def _progress(done: int, total: int, result: Any) -> None:
    if result.failed:
        what = f"failed: {result.failed}"
    else:
        what = f"{result.added} suggestion{'s' * (result.added != 1)}"
        if sum(result.discarded.values()):
            what += f", {sum(result.discarded.values())} discarded"
    click.echo(f"[{done}/{total}] {result.title}: {what}", err=True)


@llm_cmd.command("run")
@click.option("--documents", help="Comma-separated document ids (default: all).")
@click.option("--set", "set_name", help="Only the documents of this document set.")
@click.option("--examples-from", help="Coder (or gold) whose coded passages serve as examples "
                                      "(from other documents than the one being coded).")
@click.option("--name", help="Engine name; the suggestions' coder is model:llm:NAME "
                             "(default: the model's name).")
@click.option("--coder", help="Whose action the run is in the history (default: none).")
@click.pass_obj
def llm_run(obj: Any, documents: str | None, set_name: str | None, examples_from: str | None,
            name: str | None, coder: str | None) -> None:
    """Send each document to the endpoint and store the exact-quote answers as suggestions."""
    from .document_sets import restrict_to_set
    from .suggest.llm import LLMRun
    from .suggest.llm_locate import describe_discards

    settings = load_settings()
    settings.require_configured()  # before the project is even opened: nothing to send
    project = obj.project()
    doc_ids = [find_document(project, d).id for d in _split(documents) or []] or None
    if set_name is not None:
        doc_ids = restrict_to_set(project, set_name, doc_ids)
    if doc_ids is None:
        doc_ids = [d.id for d in project.q.document_infos()]
    examples_id = project.require_coder(examples_from).id if examples_from else None
    acting = project.require_coder(coder).id if coder else None
    run = LLMRun(project, settings, examples_coder_id=examples_id, name=name,
                 acting_coder_id=acting)
    click.echo(f"sending {len(doc_ids)} document(s) to {run.endpoint} ({settings.model}); "
               "Ctrl-C stops after the current request", err=True)
    # Ctrl-C must reach the run as KeyboardInterrupt even if a library changed the handler.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        report = run.run(doc_ids, progress=_progress)
    finally:
        signal.signal(signal.SIGINT, previous)
    discarded = describe_discards(report.discarded)
    click.echo(f"{report.suggestions} suggestions ({report.engine}) in "
               f"{len(report.documents) - len(report.failed)} document(s), "
               f"{len(report.failed)} failed, {report.requests} request(s)"
               + (f"; discarded: {discarded}" if discarded else ""))
    for failed in report.failed:
        click.echo(f"failed: {failed.title}: {failed.failed}", err=True)
    if report.stopped:
        click.echo(f"error: stopped: {report.stopped}", err=True)
        sys.exit(1)
    if report.cancelled:
        click.echo("cancelled: the documents finished so far are kept", err=True)
        sys.exit(130)


@llm_cmd.command("audit")
@click.option("--last", type=click.IntRange(1), help="Only the newest N requests.")
@click.option("--document", help="Only requests about this document (id or unique start).")
@click.option("--engine", help="Only this engine (e.g. llm:NAME).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def llm_audit(obj: Any, last: int | None, document: str | None, engine: str | None,
              as_json: bool) -> None:
    """Every request sent to a model endpoint: when, which model where, the prompt's SHA-256,
    the parameters, and what came back (proposed / discarded passages, outcome)."""
    import json

    project = obj.project()
    doc_id = find_document(project, document).id if document else None
    rows = model_requests(project.q, engine=engine, document_id=doc_id, last=last)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False, sort_keys=True))
        return
    if not rows:
        click.echo("no model requests recorded")
        return
    for r in rows:
        p = r["parameters"]
        seconds = "-" if r["seconds"] is None else f"{r['seconds']:.2f}s"
        click.echo(f"{r['id']:>5}  {r['time'][:19]}  {r['model']} @ {r['endpoint']}  "
                   f"{r['title'] or r['document_id'] or '-'}  prompt {r['prompt_sha256'][:12]}  "
                   f"temperature {p.get('temperature')} seed {p.get('seed')}  {seconds}  "
                   f"proposed {r['proposed']} discarded {r['discarded']}  {r['outcome']}")

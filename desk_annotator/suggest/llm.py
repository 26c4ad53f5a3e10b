"""Zero-shot coding by a user-configured OpenAI-compatible endpoint (issue 13, engine (b)).

For each document: the prompt (codebook definitions, a few coded examples, the text cut at
sentence ends into chunks of at most ``max_characters``) is sent chunk by chunk with
temperature 0 and a seed; each answer is validated against the schema (llm_prompt), and every
proposed quote goes through the exact-substring rule (llm_locate). Then one op stores the
document's suggestions (AddSuggestions, as the coder ``model:llm:<name>``) together with the
audit rows of its requests. A document whose requests failed gets its audit rows only: its
earlier suggestions stay as they were, nothing half-written.

A malformed answer is asked again once; a second malformed answer, an HTTP error or a timeout
fails the document (one line) and the run goes on; an endpoint that cannot be reached or
refuses the key stops the run. Cancelling (Ctrl-C, or ``should_cancel`` between requests)
keeps every document finished so far.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from ..errors import DeskAnnotatorError, OperationError
from ..models import Annotation, Codebook, Document, now_iso
from ..ops import Op
from ..store import ChangeRecorder
from ..store.model_request_queries import record_requests
from ..store.queries import Queries
from .llm_client import EndpointError, chat, chat_request_body
from .llm_locate import Located, describe_discards, locate
from .llm_prompt import (
    MalformedAnswer,
    PromptPiece,
    answer_schema,
    document_prompts,
    parse_answer,
)
from .llm_settings import EndpointSettings
from .ops import AddResult, AddSuggestions, SuggestionRow

ENGINE_PREFIX = "llm:"
MALFORMED_ATTEMPTS = 2  # the first answer and one retry


def engine_name(settings: EndpointSettings, name: str | None = None) -> str:
    """"llm:<name>" (default: the model's name); its coder is "model:llm:<name>"."""
    name = (name or settings.model).strip()
    if not name:
        raise OperationError("the model engine needs a name")
    return name if name.startswith(ENGINE_PREFIX) else ENGINE_PREFIX + name


def public_endpoint(url: str) -> str:
    """The endpoint as stored in the audit trail: without any user:password@ part."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


# -- ops ---------------------------------------------------------------------------------

@dataclass
class AddModelSuggestions(Op):
    """One document's model suggestions and the audit rows of the requests behind them, in one
    transaction. Undo removes the suggestions; the audit rows stay (store/model_request_queries)."""

    engine: str
    rows: list[SuggestionRow]
    document_id: str
    requests: list[dict[str, Any]]
    kind: ClassVar[str] = "add-model-suggestions"

    def describe(self, q: Queries) -> str:
        return AddSuggestions(self.engine, list(self.rows), [self.document_id]).describe(q)

    def apply(self, rec: ChangeRecorder, q: Queries) -> AddResult:
        result = AddSuggestions(self.engine, list(self.rows), [self.document_id]).apply(rec, q)
        record_requests(rec, self.requests)
        return result


@dataclass
class RecordModelRequests(Op):
    """Audit rows alone: the requests of a document that failed or was cancelled."""

    requests: list[dict[str, Any]]
    kind: ClassVar[str] = "record-model-requests"

    def describe(self, q: Queries) -> str:
        return f"Record {len(self.requests)} model request(s)"

    def apply(self, rec: ChangeRecorder, q: Queries) -> list[int]:
        return record_requests(rec, self.requests)


# -- a run -------------------------------------------------------------------------------

class RunStopped(DeskAnnotatorError):
    """The endpoint cannot serve any request (unreachable, key refused): the run stops."""


@dataclass
class DocumentResult:
    document_id: str
    title: str
    added: int = 0
    proposed: int = 0
    discarded: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    failed: str | None = None  # one line when the document failed


@dataclass
class RunReport:
    engine: str
    documents: list[DocumentResult] = field(default_factory=list)
    cancelled: bool = False
    stopped: str | None = None  # why the run stopped early (RunStopped)

    @property
    def suggestions(self) -> int:
        return sum(d.added for d in self.documents)

    @property
    def discarded(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for d in self.documents:
            total.update(d.discarded)
        return total

    @property
    def failed(self) -> list[DocumentResult]:
        return [d for d in self.documents if d.failed]

    @property
    def requests(self) -> int:
        return sum(d.requests for d in self.documents)


@dataclass
class Answered:
    """What the endpoint said about one document, checked, not yet stored."""

    document_id: str
    title: str
    located: Located = field(default_factory=Located)
    audit: list[dict[str, Any]] = field(default_factory=list)  # one row per request
    failed: str | None = None
    stopped: str | None = None  # the run must stop (RunStopped)
    cancelled: bool = False


class _DocumentFailed(Exception):
    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


Progress = Callable[[int, int, DocumentResult], None]


class LLMRun:
    """One run over some documents; ``run`` returns the report."""

    def __init__(self, project: Any, settings: EndpointSettings, *,
                 examples_coder_id: str | None = None, name: str | None = None,
                 acting_coder_id: str | None = None) -> None:
        settings.require_configured()
        settings.api_key()  # a missing key variable fails here, before anything is sent
        self.project = project
        self.settings = settings
        self.engine = engine_name(settings, name)
        self.acting_coder_id = acting_coder_id
        self.codebook: Codebook = project.q.codebook()
        if not self.codebook.stance and not self.codebook.themes:
            raise OperationError("the codebook has no labels: there is nothing to code with")
        self.schema = answer_schema(self.codebook)
        self.examples_from = None
        self.example_pool: list[Annotation] = []
        if examples_coder_id is not None:
            coder = project.q.coder(examples_coder_id)
            if coder is None:
                raise OperationError(f"coder {examples_coder_id} does not exist")
            self.examples_from = coder.name
            self.example_pool = project.q.annotations(coder_ids=[examples_coder_id])
        # "auto": once the server refuses response_format, later requests go without it.
        self.use_schema = settings.answer_format != "instructions"
        self.endpoint = public_endpoint(settings.endpoint)

    def run(self, document_ids: list[str], *, progress: Progress | None = None,
            should_cancel: Callable[[], bool] | None = None) -> RunReport:
        report = RunReport(self.engine)
        for n, doc_id in enumerate(document_ids, 1):
            if should_cancel is not None and should_cancel():
                report.cancelled = True
                break
            doc = self.project.q.document(doc_id)
            if doc is None:
                raise OperationError(f"document {doc_id} does not exist")
            try:
                answered = self.ask(doc, should_cancel)
            except KeyboardInterrupt:  # ask() never lets one escape; belt and braces
                report.cancelled = True
                break
            result = self.store(answered)
            if answered.stopped:
                report.stopped = answered.stopped
                break
            report.documents.append(result)
            if progress is not None:
                progress(n, len(document_ids), result)
            if answered.cancelled:
                report.cancelled = True
                break
        return report

    # -- one document, in two steps: ask (network only), store (one op) ----------------
    def ask(self, doc: Document,
            should_cancel: Callable[[], bool] | None = None) -> Answered:
        """Send the document's chunks and check the answers; touches no database, so a GUI
        can run it in a worker thread and hand the result to :meth:`store` in its own."""
        pieces = document_prompts(self.codebook, self.example_pool, doc.id, doc.text,
                                  max_characters=self.settings.max_characters,
                                  max_examples=self.settings.max_examples)
        answered = Answered(doc.id, doc.title)
        taken: set[tuple[int, int]] = set()
        try:
            for piece in pieces:
                if should_cancel is not None and should_cancel() and answered.audit:
                    raise _DocumentFailed("cancelled")
                before = Counter(answered.located.discarded)
                proposals = self._ask(doc, piece, answered.audit)
                locate(proposals, piece.chunk, self.codebook, taken, answered.located)
                this_chunk = answered.located.discarded - before
                last = answered.audit[-1]
                last["proposed"] = len(proposals)
                last["discarded"] = sum(this_chunk.values())
                details = describe_discards(this_chunk)
                last["outcome"] = f"ok: {details}" if details else "ok"
        except _DocumentFailed as exc:
            answered.failed = exc.line
        except RunStopped as exc:
            answered.failed = answered.stopped = str(exc)
        except KeyboardInterrupt:  # Ctrl-C: the requests sent so far are still recorded
            answered.failed = "cancelled"
        answered.cancelled = answered.failed == "cancelled"
        return answered

    def store(self, answered: Answered) -> DocumentResult:
        """One op: the suggestions with the audit rows, or (failed) the audit rows alone."""
        audit = answered.audit
        result = DocumentResult(answered.document_id, answered.title, requests=len(audit),
                                failed=answered.failed)
        if answered.failed or not audit:
            if audit:
                self.project.run(RecordModelRequests(audit), self.acting_coder_id)
            return result
        rows = [SuggestionRow(answered.document_id, p.start, p.end, p.stance_id,
                              list(p.theme_ids), p.probability, p.quote)
                for p in answered.located.passages]
        added = self.project.run(
            AddModelSuggestions(self.engine, rows, answered.document_id, audit),
            self.acting_coder_id)
        result.added = len(added.added)
        result.proposed = sum(r["proposed"] for r in audit)
        result.discarded = Counter(answered.located.discarded)
        for reason in added.discarded:  # AddSuggestions' own checks (should never trigger)
            result.discarded[f"refused: {reason}"] += 1
        return result

    def _ask(self, doc: Document, piece: PromptPiece, audit: list[dict[str, Any]]) -> list:
        """The chunk's passages, asking again once after a malformed answer; each request
        appends its audit row. Raises _DocumentFailed or RunStopped."""
        messages = piece.messages
        malformed = 0
        attempt = 0
        dropped_schema = False  # this chunk's request was the one the schema was dropped for
        while True:
            attempt += 1
            response_format = ({"type": "json_schema",
                                "json_schema": {"name": "coding", "strict": True,
                                                "schema": self.schema}}
                               if self.use_schema else None)
            body = chat_request_body(self.settings, messages, response_format)
            row = self._audit_row(doc, body, piece, attempt)
            audit.append(row)
            try:
                reply = chat(self.settings, body)
            except EndpointError as exc:
                row["seconds"], row["outcome"] = round(exc.seconds, 3), exc.outcome
                if (response_format is not None and self.settings.answer_format == "auto"
                        and exc.status in (400, 422)):
                    row["outcome"] = f"{exc.outcome}: response_format refused"
                    self.use_schema, dropped_schema = False, True
                    continue
                if dropped_schema and exc.status in (400, 422):
                    # refused without the schema too: it was not the schema (a prompt too
                    # long for the model...), so later documents ask with it again
                    self.use_schema = True
                if exc.fatal:
                    raise RunStopped(str(exc)) from None
                raise _DocumentFailed(str(exc)) from None
            except KeyboardInterrupt:
                row["outcome"] = "cancelled"
                raise
            row["seconds"] = round(reply.seconds, 3)
            try:
                return parse_answer(reply.content)
            except MalformedAnswer as exc:
                malformed += 1
                cut = " (the answer was cut at max_tokens)" if reply.finish_reason == "length" else ""
                row["outcome"] = f"malformed: {exc}{cut}"
                if malformed >= MALFORMED_ATTEMPTS:
                    raise _DocumentFailed(f"malformed answer twice: {exc}{cut}") from None

    def _audit_row(self, doc: Document, body: dict[str, Any], piece: PromptPiece,
                   attempt: int) -> dict[str, Any]:
        parameters = {
            "temperature": body["temperature"], "seed": body["seed"],
            "max_tokens": body["max_tokens"],
            "response_format": "json_schema" if "response_format" in body else "none",
            "timeout_seconds": self.settings.timeout_seconds,
            "chunk": [piece.chunk.start, piece.chunk.end], "attempt": attempt,
            "examples": piece.examples, "examples_from": self.examples_from,
        }
        return {"time": now_iso(), "engine": self.engine, "model": self.settings.model,
                "endpoint": self.endpoint, "prompt_sha256": piece.sha256,
                "parameters": parameters, "document_id": doc.id, "seconds": None,
                "outcome": "sent", "proposed": 0, "discarded": 0}


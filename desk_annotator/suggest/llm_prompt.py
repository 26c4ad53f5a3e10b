"""What is asked of the model, and how its answer is read: prompt, answer schema, chunks.

The prompt is built only from the codebook (label names and definitions), a few coded examples
(exact quotes of a chosen coder) and the document's text. The answer is a JSON object with a
list of passages; each passage names an exact quote, at most one stance and any themes by their
label names. The same schema goes into the request as ``response_format`` (servers that support
it constrain the output to it) and, as plain instructions, into the prompt (servers that do not).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..analysis.sentences import sentence_ends
from ..models import Annotation, Codebook

EXAMPLE_MAX_CHARACTERS = 400  # a longer coded passage is not used as an example


class ProposedPassage(BaseModel):
    """One passage the model proposes (unknown extra fields are ignored)."""

    model_config = ConfigDict(extra="ignore")

    quote: str = Field(min_length=1)
    before: str = ""  # a few words right before the quote, when the quote occurs more than once
    stance: str | None = None
    themes: list[str] = Field(default_factory=list)
    confidence: float | None = Field(default=None, ge=0, le=1)


class ProposedCoding(BaseModel):
    model_config = ConfigDict(extra="ignore")

    passages: list[ProposedPassage]


class MalformedAnswer(ValueError):
    """The model's answer is not JSON following the schema (the reason in one line)."""


def answer_schema(codebook: Codebook) -> dict[str, Any]:
    """JSON schema of the answer; label names as enums so constrained decoders keep to them."""
    stance_names = [lb.name for lb in codebook.stance]
    theme_names = [lb.name for lb in codebook.themes]
    passage = {
        "type": "object",
        "properties": {
            "quote": {"type": "string"},
            "before": {"type": "string"},
            "stance": {"type": ["string", "null"], "enum": [*stance_names, None]},
            "themes": {"type": "array", "items": {"type": "string", "enum": theme_names}},
            "confidence": {"type": "number"},
        },
        # Every field required and no numeric bounds: what strict structured-output modes
        # accept; the bounds (confidence 0..1) are checked when the answer is read.
        "required": ["quote", "before", "stance", "themes", "confidence"],
        "additionalProperties": False,
    }
    return {"type": "object", "properties": {"passages": {"type": "array", "items": passage}},
            "required": ["passages"], "additionalProperties": False}


def _label_lines(codebook: Codebook) -> list[str]:
    lines = ["Stance labels (at most one per passage, or null):"]
    lines += [f"- {lb.name}: {lb.description.strip() or '(no definition)'}"
              for lb in codebook.stance]
    lines.append("Theme labels (any number per passage, possibly none):")
    lines += [f"- {lb.name}: {lb.description.strip() or '(no definition)'}"
              for lb in codebook.themes]
    return lines


def system_prompt(codebook: Codebook, examples: list[dict[str, Any]]) -> str:
    lines = [
        ("You are a careful coder in a content analysis of news and policy texts. Find the "
         "passages of the TEXT that the codebook below applies to and code each one."),
        "",
        f"Codebook: {codebook.name}",
        *_label_lines(codebook),
        "",
        "Rules:",
        ("1. Every quote must be copied from the TEXT exactly, character for character: no "
         "paraphrase, no shortening with '...', no changed spelling, punctuation or quotation "
         "marks. A passage is usually one sentence or a few."),
        "2. Use only the label names listed above, spelled exactly as given.",
        ("3. If the same words occur more than once in the TEXT, put in \"before\" the few "
         "words that come right before the occurrence you mean; otherwise leave \"before\" "
         "empty."),
        "4. \"confidence\" is your probability (0 to 1) that the coding is right.",
        "5. Leave out passages no label applies to. If none does, answer {\"passages\": []}.",
        "",
        "Answer with one JSON object and nothing else, of this form:",
        ('{"passages": [{"quote": "...", "before": "", "stance": "<stance label or null>", '
         '"themes": ["<theme label>", ...], "confidence": 0.8}]}'),
    ]
    if examples:
        lines += ["", "Examples coded by a human coder (from other documents):"]
        lines += [json.dumps(e, ensure_ascii=False) for e in examples]
    return "\n".join(lines)


def messages_for(system: str, chunk_text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system},
            {"role": "user", "content": f"TEXT:\n{chunk_text}"}]


def prompt_sha256(messages: list[dict[str, str]]) -> str:
    """The audit hash: SHA-256 of the messages as canonical JSON (keys sorted, no spaces,
    UTF-8), so anyone holding the request body can recompute it."""
    canonical = json.dumps(messages, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def pick_examples(annotations: list[Annotation], codebook: Codebook, limit: int,
                  exclude_document: str | None = None) -> list[dict[str, Any]]:
    """Up to ``limit`` coded passages as examples, taking stance labels in turn (codebook order,
    then uncoded stance) so each label is shown before any is shown twice; within a label, in
    document and text order. Passages of ``exclude_document`` (the one being coded) and longer
    than EXAMPLE_MAX_CHARACTERS are left out."""
    if limit <= 0:
        return []
    by_id = codebook.by_id()
    groups: dict[str | None, list[Annotation]] = {lb.id: [] for lb in codebook.stance}
    groups[None] = []
    for ann in annotations:
        if ann.document_id == exclude_document or len(ann.quote) > EXAMPLE_MAX_CHARACTERS:
            continue
        if not ann.stance_id and not ann.theme_ids:
            continue
        groups.setdefault(ann.stance_id if ann.stance_id in by_id else None, []).append(ann)
    chosen: list[Annotation] = []
    queues = [list(g) for g in groups.values() if g]
    while queues and len(chosen) < limit:
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
        queues = [q for q in queues if q]
    return [{"quote": a.quote,
             "stance": by_id[a.stance_id].name if a.stance_id in by_id else None,
             "themes": [by_id[t].name for t in a.theme_ids if t in by_id]} for a in chosen]


@dataclass(frozen=True)
class Chunk:
    start: int  # code-point offsets of the chunk in the document
    end: int
    text: str


def chunks(text: str, max_characters: int) -> list[Chunk]:
    """The document cut into pieces of at most ``max_characters``, at sentence ends
    (analysis/sentences.py); a single sentence longer than that is cut at whitespace, else hard.
    Offsets are code points; whitespace-only pieces are dropped."""
    pieces: list[Chunk] = []
    start = 0
    ends = sentence_ends(text)
    i = 0
    while start < len(text):
        end = start
        while i < len(ends) and ends[i] - start <= max_characters:
            end = ends[i]
            i += 1
        if end == start:  # one sentence longer than a chunk
            limit = start + max_characters
            space = text.rfind(" ", start + 1, limit)
            end = space if space > start else limit
            while i < len(ends) and ends[i] <= end:
                i += 1
        if text[start:end].strip():
            pieces.append(Chunk(start, end, text[start:end]))
        start = end
    return pieces


@dataclass(frozen=True)
class PromptPiece:
    """One request's prompt: the chunk of the document it carries and the messages."""

    chunk: Chunk
    messages: list[dict[str, str]]
    examples: int  # how many coded examples the system message holds

    @property
    def sha256(self) -> str:
        return prompt_sha256(self.messages)


def document_prompts(codebook: Codebook, example_pool: list[Annotation], document_id: str,
                     text: str, *, max_characters: int, max_examples: int) -> list[PromptPiece]:
    """Every prompt a document is sent in, in order: the same system message (codebook and
    examples from other documents) with each chunk of the text."""
    examples = pick_examples(example_pool, codebook, max_examples, exclude_document=document_id)
    system = system_prompt(codebook, examples)
    return [PromptPiece(c, messages_for(system, c.text), len(examples))
            for c in chunks(text, max_characters)]


_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)
# Reasoning models served through the chat API often put their thinking first, in this tag.
_THINKING = re.compile(r"^\s*<think>.*?</think>", re.DOTALL)


def _json_body(content: str) -> str:
    """The JSON part of an answer: without a leading <think>...</think> block, without one
    Markdown code fence around it, and, when prose surrounds it, from the first ``{`` to the
    last ``}``."""
    body = _THINKING.sub("", content, count=1).strip()
    fenced = _FENCE.match(body)
    if fenced:
        return fenced.group(1)
    if body[:1] not in ("{", "[") and "{" in body and "}" in body:
        return body[body.index("{"):body.rindex("}") + 1]
    return body


def parse_answer(content: str | None) -> list[ProposedPassage]:
    """The passages of a model's answer: the object of the schema or a bare list of passages,
    found as _json_body says (servers without schema support often add a fence or a sentence).
    Anything else raises MalformedAnswer."""
    if content is None or not content.strip():
        raise MalformedAnswer("the answer is empty")
    try:
        data = json.loads(_json_body(content))
    except ValueError as exc:
        raise MalformedAnswer(f"the answer is not JSON ({exc})") from None
    if isinstance(data, list):
        data = {"passages": data}
    try:
        return ProposedCoding.model_validate(data).passages
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "answer"
        raise MalformedAnswer(f"the answer does not follow the schema ({where}: "
                              f"{first['msg']})") from None

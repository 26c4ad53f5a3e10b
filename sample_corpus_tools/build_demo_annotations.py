"""Build sample_corpus/annotations.jsonl: demo codings of the sample articles by three coders.

Run from anywhere:  .venv/bin/python sample_corpus_tools/build_demo_annotations.py

Each document's text comes from ``desk_annotator.io.articles.read_article`` — exactly what
importing the article gives — so importing both the articles folder and this JSONL matches the
documents by sha256 and adds no duplicates. Passages are given below as quotes and located with
``str.find``; a quote that is missing or ambiguous stops the build with a clear message. Ids and
timestamps derive from file names, coders and positions only, so every run writes the same bytes.

The codings are meant to look like real ones: the coders mostly mark the same passages but with
different boundaries, agree on stance roughly three times out of four, sometimes pick different
themes, and now and then mark a passage the others skip.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from demo_annotation_specs import CODED_BY, DOING, SPECS, Passage, Variant, SKIP

from desk_annotator.io.articles import read_article

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "sample_corpus" / "articles"
OUTPUT = REPO / "sample_corpus" / "annotations.jsonl"
CODEBOOK = REPO / "resources" / "codebooks" / "ai-policy.json"
CODERS = ("coder-1", "coder-2", "coder-3")
# A fixed namespace: ids stay the same across runs and machines.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/desk-annotator/sample-corpus")
STANCE_ABBREVIATIONS = {"S": "supportive", "C": "critical", "N": "neutral", "M": "mixed"}
# End of a sentence: . ! or ? , optional closing quotes/brackets, then white space or the end.
SENTENCE_END = re.compile(r"[.!?][”’\")]*(?=\s|$)")
# Coding sessions start one day after each article's date, each coder at its own hour.
SESSION_HOUR = {"coder-1": 9, "coder-2": 14, "coder-3": 19}


class SpecError(Exception):
    """A passage spec that does not fit its text: reported without a traceback."""


@dataclass
class Span:
    start: int
    end: int
    stance: str
    themes: list[str]
    note: str | None = None
    order: int = field(default=0)


def guid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name)).upper()


def theme_names_by_key() -> dict[str, str]:
    codebook = json.loads(CODEBOOK.read_text(encoding="utf-8"))
    return {label["key"]: label["name"] for label in codebook["themes"]["labels"]}


def locate(text: str, quote: str, occurrence: int | None, where: str) -> int:
    """Start of ``quote`` in ``text``; it must be unique unless an occurrence index is given."""
    positions = []
    found = text.find(quote)
    while found != -1:
        positions.append(found)
        found = text.find(quote, found + 1)
    if not positions:
        raise SpecError(f"{where}: quote not found: {quote[:70]!r}")
    if occurrence is None:
        if len(positions) > 1:
            raise SpecError(f"{where}: quote occurs {len(positions)} times, give occurrence=: "
                            f"{quote[:70]!r}")
        return positions[0]
    if occurrence >= len(positions):
        raise SpecError(f"{where}: occurrence {occurrence} asked, quote occurs "
                        f"{len(positions)} times: {quote[:70]!r}")
    return positions[occurrence]


def grow_forward(text: str, end: int, sentences: int, where: str) -> int:
    """Move ``end`` to the end of the next ``sentences`` sentences (same paragraph)."""
    for _ in range(sentences):
        match = SENTENCE_END.search(text, end + 1)
        paragraph_end = text.find("\n", end)
        if match is None or (paragraph_end != -1 and match.end() > paragraph_end):
            raise SpecError(f"{where}: no further sentence to include in the same paragraph")
        end = match.end()
    return end


def grow_backward(text: str, start: int, sentences: int, where: str) -> int:
    """Move ``start`` to the beginning of the ``sentences`` sentences before it (same paragraph)."""
    paragraph_start = text.rfind("\n", 0, start) + 1
    for _ in range(sentences):
        if start <= paragraph_start:
            raise SpecError(f"{where}: no earlier sentence to include in the same paragraph")
        previous_end = start
        while previous_end > paragraph_start and text[previous_end - 1].isspace():
            previous_end -= 1
        ends = [m.end() for m in SENTENCE_END.finditer(text, paragraph_start, previous_end + 1)
                if m.end() < previous_end]
        start = ends[-1] if ends else paragraph_start
        while text[start].isspace():
            start += 1
    return start


def resolve(text: str, passage: Passage, variant: Variant, themes_by_key: dict[str, str],
            where: str) -> Span:
    """Apply one coder's variant (other boundaries, stance, themes, note) to a passage."""
    quote = variant.q or passage.q
    quote_start = locate(text, quote, variant.occ if variant.q else passage.occ, where)
    start, end = quote_start, quote_start + len(quote)
    if variant.start_at:
        offset = quote.find(variant.start_at)
        if offset <= 0:
            raise SpecError(f"{where}: start_at {variant.start_at[:40]!r} is not inside the quote")
        start = quote_start + offset
    if variant.end_after:
        offset = quote.find(variant.end_after)
        if offset < 0:
            raise SpecError(f"{where}: end_after {variant.end_after[:40]!r} is not in the quote")
        end = quote_start + offset + len(variant.end_after)
    if variant.back:
        start = grow_backward(text, start, variant.back, where)
    if variant.grow:
        end = grow_forward(text, end, variant.grow, where)
    stance_code = variant.stance or passage.stance
    theme_codes = variant.themes if variant.themes is not None else passage.themes
    unknown = [key for key in theme_codes.replace(" ", "") if key not in themes_by_key]
    if stance_code not in STANCE_ABBREVIATIONS or unknown:
        raise SpecError(f"{where}: unknown stance {stance_code!r} or theme keys {unknown}")
    themes = [themes_by_key[key] for key in theme_codes.replace(" ", "")]
    note = variant.note if variant.note is not None else passage.note
    return Span(start, end, STANCE_ABBREVIATIONS[stance_code], themes, note)


def coder_spans(text: str, passages: list[Passage], coder: str,
                themes_by_key: dict[str, str], file_name: str) -> list[Span]:
    spans = []
    for number, passage in enumerate(passages, 1):
        if passage.only and coder not in passage.only:
            continue
        variant = passage.by.get(coder, Variant())
        if variant is SKIP:
            continue
        where = f"{file_name} passage {number} ({coder})"
        spans.append(resolve(text, passage, variant, themes_by_key, where))
    return spans


def stable_int(*parts: str) -> int:
    """A deterministic pseudo-random integer (hash of the parts) for jittering timestamps."""
    return int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:4], "big")


def timestamps(date: str, coder: str, file_name: str, index: int) -> tuple[str, str]:
    """Created/updated times: a coding session the day after the article, minutes apart."""
    day = datetime.fromisoformat(date[:10]).replace(tzinfo=timezone.utc) + timedelta(days=1)
    session = day.replace(hour=SESSION_HOUR[coder]) + timedelta(
        minutes=stable_int(file_name, coder) % 50)
    created = session + timedelta(minutes=3 * index, seconds=stable_int(file_name, coder,
                                                                        str(index)) % 170)
    # About one annotation in five was revisited later the same day.
    revisit = stable_int("revisit", file_name, coder, str(index)) % 5 == 0
    updated = created + timedelta(minutes=40 + stable_int("u", file_name, str(index)) % 90) \
        if revisit else created
    return (created.isoformat(timespec="microseconds"),
            updated.isoformat(timespec="microseconds"))


def build_record(path: Path, themes_by_key: dict[str, str]) -> dict:
    article = read_article(path)
    text = article.text
    record: dict = {"id": guid(path.name), "title": article.title, "text": text,
                    "metadata": article.metadata, "status": {}, "annotations": []}
    passages = SPECS.get(path.name, [])
    for coder in CODERS:
        if path.name not in CODED_BY.get(coder, ()):
            continue
        record["status"][coder] = "doing" if (coder, path.name) in DOING else "done"
        spans = coder_spans(text, passages, coder, themes_by_key, path.name)
        spans.sort(key=lambda s: (s.start, s.end))
        for index, span in enumerate(spans):
            created, updated = timestamps(article.metadata.get("date") or "2025-08-01",
                                          coder, path.name, index)
            record["annotations"].append({
                "id": guid(f"{path.name}/{coder}/{index}"), "start": span.start,
                "end": span.end, "quote": text[span.start:span.end], "coder": coder,
                "stance": span.stance, "themes": span.themes, "note": span.note,
                "created": created, "updated": updated,
            })
    return record


def validate(record: dict) -> None:
    text = record["text"]
    for ann in record["annotations"]:
        if not (0 <= ann["start"] < ann["end"] <= len(text)):
            raise SpecError(f"{record['title']}: offsets {ann['start']}..{ann['end']} out of range")
        if text[ann["start"]:ann["end"]] != ann["quote"] or ann["quote"] != ann["quote"].strip():
            raise SpecError(f"{record['title']}: quote does not match text at {ann['start']}")
    per_coder: dict[str, int] = {}
    for ann in record["annotations"]:
        per_coder[ann["coder"]] = per_coder.get(ann["coder"], 0) + 1
    for coder, count in per_coder.items():
        if record["status"].get(coder) == "done" and not 5 <= count <= 12:
            raise SpecError(f"{record['title']}: {coder} has {count} annotations (want 5-12)")


def main() -> int:
    try:
        themes_by_key = theme_names_by_key()
        unknown_files = set(SPECS) - {p.name for p in ARTICLES.iterdir()}
        if unknown_files:
            raise SpecError(f"specs name missing articles: {sorted(unknown_files)}")
        records = []
        for path in sorted(ARTICLES.iterdir()):
            if path.name.startswith("."):
                continue
            record = build_record(path, themes_by_key)
            validate(record)
            records.append(record)
    except SpecError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    lines = [json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) for r in records]
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    counts: dict[str, int] = {}
    for record in records:
        for ann in record["annotations"]:
            counts[ann["coder"]] = counts.get(ann["coder"], 0) + 1
    print(f"wrote {OUTPUT.relative_to(REPO)}: {len(records)} documents, "
          + ", ".join(f"{c} {n}" for c, n in sorted(counts.items())) + " annotations")
    return 0


if __name__ == "__main__":
    sys.exit(main())

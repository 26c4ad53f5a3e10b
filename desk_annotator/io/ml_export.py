"""Training data for span classifiers: spaCy-style JSONL (and a spaCy DocBin when installed).

One line per (document, coder) the coder has coded (an annotation there, or status ``done``):
``{"text": ..., "spans": {"stance": [[start, end, label], ...], "themes": [[...], ...]},
"meta": {"id": ..., "title": ..., "coder": ...}}``. Offsets are code points (Python ``str``
indexes), so ``doc.char_span(start, end)`` takes them as they are. A train/dev/test split is made
BY DOCUMENT (all coders' lines of one document land in the same split), deterministic for a seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal

from desk_annotator.atomic import WriteFailed, atomic_path, describe_os_error
from desk_annotator.errors import OperationError
from desk_annotator.io.exchange_common import SnapshotIndex, atomic_text_writer
from desk_annotator.models import ProjectSnapshot

SPLIT_NAMES = ("train", "dev", "test")
SpanStyle = Literal["lists", "dicts"]


def spacy_examples(
    snapshot: ProjectSnapshot, *, coder_name: str | None = None, span_style: SpanStyle = "lists"
) -> Iterator[dict[str, Any]]:
    """The JSONL records, in document order; ``coder_name`` limits them to one coder.

    ``span_style="dicts"`` writes ``{"start", "end", "label"}`` objects instead of
    ``[start, end, label]``: Apache Arrow (Hugging Face ``datasets``) cannot load lists that
    mix numbers and strings."""
    if span_style not in ("lists", "dicts"):
        raise OperationError(f"span style {span_style!r} is not 'lists' or 'dicts'")
    index = SnapshotIndex(snapshot)
    if coder_name is not None and coder_name not in index.coder_names.values():
        known = ", ".join(sorted(index.coder_names.values())) or "none"
        raise OperationError(f"no coder named {coder_name!r} (coders: {known})")
    done = {(st.document_id, st.coder_id) for st in snapshot.statuses if st.status == "done"}
    coders = [c for c in snapshot.coders if coder_name is None or c.name == coder_name]
    for doc in snapshot.documents:
        anns = index.by_document[doc.id]
        for coder in coders:
            mine = [a for a in anns if a.coder_id == coder.id]
            if not mine and (doc.id, coder.id) not in done:
                continue  # not coded by this coder: no line, or it would teach "no spans here"
            stance = [[a.start, a.end, index.stance_name(a)] for a in mine if a.stance_id]
            themes = [[a.start, a.end, name] for a in mine for name in index.theme_names(a)]
            stance.sort()
            themes.sort()
            if span_style == "dicts":
                stance = [{"start": s, "end": e, "label": lb} for s, e, lb in stance]
                themes = [{"start": s, "end": e, "label": lb} for s, e, lb in themes]
            yield {
                "text": doc.text,
                "spans": {"stance": stance, "themes": themes},
                "meta": {"id": doc.id, "title": doc.title, "coder": coder.name},
            }


def split_documents(
    document_ids: list[str], split: tuple[float, float, float], seed: int = 13
) -> dict[str, str]:
    """Assign each document id to train/dev/test. Sorted, then shuffled with ``seed``: the same
    documents and seed always give the same split, whatever order they came in."""
    if len(split) != 3 or any(f < 0 for f in split) or abs(sum(split) - 1.0) > 1e-6:
        raise OperationError(f"split {split!r} must be three non-negative fractions adding up to 1")
    ids = sorted(set(document_ids))
    random.Random(seed).shuffle(ids)
    n = len(ids)
    n_train = round(n * split[0])
    n_dev = min(n - n_train, round(n * split[1]))
    return {
        doc_id: ("train" if i < n_train else "dev" if i < n_train + n_dev else "test")
        for i, doc_id in enumerate(ids)
    }


def split_paths(path: Path) -> dict[str, Path]:
    """``data.jsonl`` -> ``data.train.jsonl``, ``data.dev.jsonl``, ``data.test.jsonl``."""
    path = Path(path)
    return {name: path.with_name(f"{path.stem}.{name}{path.suffix}") for name in SPLIT_NAMES}


def write_spacy_jsonl(
    path: Path, snapshot: ProjectSnapshot, *, coder_name: str | None = None,
    split: tuple[float, float, float] | None = None, seed: int = 13,
    span_style: SpanStyle = "lists",
) -> dict[str, int]:
    """Write the JSONL (or three split files); returns lines written per file key
    (``{"all": n}`` without a split, else ``{"train": .., "dev": .., "test": ..}``)."""
    examples = list(spacy_examples(snapshot, coder_name=coder_name, span_style=span_style))
    groups = _grouped(examples, split, seed)
    targets = {"all": Path(path)} if split is None else split_paths(Path(path))
    counts = {}
    # All files of a split are renamed into place together, after every one is complete.
    with ExitStack() as stack:
        for key, target in targets.items():
            handle = stack.enter_context(atomic_text_writer(target))
            for example in groups[key]:
                handle.write(json.dumps(example, ensure_ascii=False))
                handle.write("\n")
            counts[key] = len(groups[key])
    return counts


def _grouped(
    examples: list[dict[str, Any]], split: tuple[float, float, float] | None, seed: int,
) -> dict[str, list[dict[str, Any]]]:
    if split is None:
        return {"all": examples}
    # Split over the documents that have lines, so fractions describe what is written.
    assignment = split_documents([e["meta"]["id"] for e in examples], split, seed)
    groups: dict[str, list[dict[str, Any]]] = {name: [] for name in SPLIT_NAMES}
    for example in examples:
        groups[assignment[example["meta"]["id"]]].append(example)
    return groups


def write_docbin(
    path: Path, snapshot: ProjectSnapshot, *, coder_name: str | None = None,
    split: tuple[float, float, float] | None = None, seed: int = 13, lang: str = "xx",
) -> dict[str, int]:
    """The same examples as a spaCy ``DocBin`` (``.spacy``) with ``doc.spans["stance"]`` and
    ``doc.spans["themes"]``, tokenised by ``spacy.blank(lang)``. Span edges that fall inside a
    token are widened to whole tokens (``alignment_mode="expand"``). Needs spaCy installed."""
    try:
        import spacy
        from spacy.tokens import DocBin
    except ImportError:
        raise OperationError("spaCy is not installed (pip install 'desk-annotator[spacy]')") from None
    nlp = spacy.blank(lang)
    examples = list(spacy_examples(snapshot, coder_name=coder_name))
    groups = _grouped(examples, split, seed)
    targets = {"all": Path(path)} if split is None else split_paths(Path(path))
    counts = {}
    with ExitStack() as stack:
        for key, target in targets.items():
            _add_docbin(stack, nlp, DocBin(store_user_data=True), groups[key], target)
            counts[key] = len(groups[key])
    return counts


def _add_docbin(stack: ExitStack, nlp: Any, docbin: Any, examples: list[dict[str, Any]],
                target: Path) -> None:
    """Fill ``docbin`` and write it to a temporary sibling of ``target`` that ``stack``
    renames into place when every file of the export is complete."""
    for example in examples:
        doc = nlp.make_doc(example["text"])
        for group, spans in example["spans"].items():
            aligned = (
                doc.char_span(s, e, label=label, alignment_mode="expand") for s, e, label in spans
            )
            # None: a span of white space only, which covers no token.
            doc.spans[group] = [span for span in aligned if span is not None]
        doc.user_data["meta"] = example["meta"]
        docbin.add(doc)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteFailed(describe_os_error(exc, target)) from exc
    tmp = stack.enter_context(atomic_path(target))
    docbin.to_disk(tmp)

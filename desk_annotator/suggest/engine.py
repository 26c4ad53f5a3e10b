"""The TF-IDF engine against a project: read the teacher's coding, train, score documents,
store the proposals as suggestions of ``model:tfidf``.

Split in halves so a window can read on the main thread and compute on a worker:
``training_data`` and ``scoring_input`` read the project; ``train`` and ``score`` touch no
project; ``AddSuggestions`` (run by ``Project.run``) writes. ``suggest`` does it all (CLI).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np

from ..errors import OperationError
from ..models import Annotation, Document, is_model_coder
from ..project import Project
from .ops import AddResult, AddSuggestions, SuggestionRow
from .segment import SENTENCES
from .tfidf import TfidfModel, TrainingData, label_sentences, proposals

ENGINE = "tfidf"
DEFAULT_THRESHOLD = 0.3  # a proposal to review, not a coding: bulk acceptance has its own
BATCH_CHARACTERS = 2_000_000  # score this much text at a time: bounded memory

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class RunCancelled(OperationError):
    """should_cancel() said so: the run stopped and nothing was written."""


def language(doc: Document) -> str | None:
    value = doc.metadata.get("language") or doc.metadata.get("lang")
    return str(value) if value else None


def sentences_of(doc: Document) -> list[tuple[int, int]]:
    spans = SENTENCES.spans(doc.sha256, doc.text, language(doc))
    return [(int(a), int(b)) for a, b in spans]


def coded_documents(project: Project, coder_id: str,
                    annotations: Iterable[Annotation] | None = None) -> list[str]:
    """Documents the coder coded (an annotation there, or status done), in corpus order."""
    anns = project.q.annotations(coder_ids=[coder_id]) if annotations is None else annotations
    coded = {a.document_id for a in anns}
    coded |= {s.document_id for s in project.q.statuses()
              if s.coder_id == coder_id and s.status == "done"}
    return [d.id for d in project.q.document_infos() if d.id in coded]


def teacher_id(project: Project, teacher: str) -> str:
    coder = project.require_coder(teacher)
    if is_model_coder(coder.name):
        raise OperationError(f"{teacher} is a model coder: teach the model with a person's "
                             "or gold's coding")
    return coder.id


def training_data(project: Project, teacher: str,
                  document_ids: list[str] | None = None) -> TrainingData:
    """The teacher's coded documents as labelled sentences (reads the project)."""
    tid = teacher_id(project, teacher)
    codebook = project.q.codebook()
    with project.reading():
        anns = project.q.annotations(coder_ids=[tid])
        docs = coded_documents(project, tid, anns)
        if document_ids is not None:
            wanted = set(document_ids)
            docs = [d for d in docs if d in wanted]
        by_doc: dict[str, list[tuple[int, int, str | None, list[str]]]] = defaultdict(list)
        for a in anns:
            by_doc[a.document_id].append((a.start, a.end, a.stance_id, list(a.theme_ids)))
        data = TrainingData(teacher, [lb.id for lb in codebook.stance],
                            [lb.id for lb in codebook.themes])
        for doc in project.q.iter_documents(docs):
            add_document(data, doc, by_doc.get(doc.id, []))
    if not data.sentences:
        raise OperationError(f"{teacher} has coded no documents yet: nothing to learn from")
    return data


def add_document(data: TrainingData, doc: Document,
                 passages: list[tuple[int, int, str | None, list[str]]]) -> None:
    spans = sentences_of(doc)
    stance, themes = label_sentences(np.asarray(spans, dtype=np.int64).reshape(-1, 2), passages)
    data.sentences += [doc.text[a:b] for a, b in spans]
    data.spans += spans
    data.stance += stance
    data.themes += themes
    data.document_ids += [doc.id] * len(spans)
    data.passages += len(passages)


def train(data: TrainingData) -> TfidfModel:
    """Fit the engine (no project needed: safe on a worker thread)."""
    return TfidfModel(data)


def scoring_input(project: Project, document_ids: list[str] | None = None,
                  skip_coder: str | None = None) -> list[Document]:
    """The documents to score: ``document_ids``, else every document ``skip_coder`` (the
    teacher) has not coded."""
    with project.reading():
        if document_ids is None and skip_coder is not None:
            skip = set(coded_documents(project, teacher_id(project, skip_coder)))
            document_ids = [d.id for d in project.q.document_infos() if d.id not in skip]
        return list(project.q.iter_documents(document_ids))


def score(model: TfidfModel, documents: list[Document], *, threshold: float = DEFAULT_THRESHOLD,
          progress: Progress | None = None, should_cancel: Cancelled | None = None
          ) -> list[SuggestionRow]:
    """The model's proposals for every sentence of ``documents`` (no project needed).
    ``progress(done, total)`` after each batch; ``should_cancel()`` True raises
    RunCancelled between batches."""
    rows: list[SuggestionRow] = []
    total = len(documents)
    batch: list[tuple[Document, list[tuple[int, int]]]] = []
    size = 0
    done = 0

    def flush() -> None:
        sentences = [doc.text[a:b] for doc, spans in batch for a, b in spans]
        where = [(doc.id, a, b) for doc, spans in batch for a, b in spans]
        if sentences:
            for p in proposals(model.predict(sentences), threshold):
                doc_id, a, b = where[p.index]
                rows.append(SuggestionRow(doc_id, a, b, p.stance_id, p.theme_ids,
                                          round(p.probability, 6)))

    for doc in documents:
        if should_cancel is not None and should_cancel():
            raise RunCancelled("cancelled: no suggestions were stored")
        batch.append((doc, sentences_of(doc)))
        size += len(doc.text)
        if size >= BATCH_CHARACTERS:
            flush()
            done += len(batch)
            batch, size = [], 0
            if progress:
                progress(done, total)
    flush()
    if progress:
        progress(total, total)
    return rows


def suggest(project: Project, teacher: str, *, document_ids: list[str] | None = None,
            threshold: float = DEFAULT_THRESHOLD, progress: Progress | None = None,
            should_cancel: Cancelled | None = None) -> AddResult:
    """Train on ``teacher`` and store suggestions for ``document_ids`` (default: the documents
    the teacher has not coded) in one undoable step."""
    model = train(training_data(project, teacher))
    docs = scoring_input(project, document_ids, skip_coder=teacher)
    rows = score(model, docs, threshold=threshold, progress=progress,
                 should_cancel=should_cancel)
    if should_cancel is not None and should_cancel():
        raise RunCancelled("cancelled: no suggestions were stored")
    return project.run(AddSuggestions(ENGINE, rows, document_ids=[d.id for d in docs]))

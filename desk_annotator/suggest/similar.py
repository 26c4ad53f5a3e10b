""""More like this passage": the sentences across the corpus most similar to a passage, by
cosine similarity of the same TF-IDF features the engine uses (word and character n-grams,
so it works in Chinese and Turkish too), with IDF weights from the corpus itself.

The index is built once per set of documents (their sha256s) and kept for the next query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from ..errors import OperationError
from ..models import Document
from ..project import Project
from .engine import sentences_of
from .features import Featurizer, TfidfWeights


@dataclass
class Hit:
    document_id: str
    title: str
    start: int
    end: int
    text: str
    score: float  # cosine similarity, 0..1


class SimilarityIndex:
    """Every sentence of ``documents`` as a TF-IDF row; ``query`` is thread-safe."""

    def __init__(self, documents: list[Document]) -> None:
        self.key = tuple(d.sha256 for d in documents)
        self.where = [(d.id, d.title, a, b) for d in documents for a, b in sentences_of(d)]
        texts = {d.id: d.text for d in documents}
        sentences = [texts[doc][a:b] for doc, _, a, b in self.where]
        self.featurizer = Featurizer()
        counts = self.featurizer.counts(sentences)
        self.weights = TfidfWeights(counts)
        self.matrix = self.weights.transform(counts)
        self.texts = texts

    def query(self, text: str, limit: int = 10,
              exclude: tuple[str, int, int] | None = None) -> list[Hit]:
        vector = self.weights.transform(self.featurizer.counts([text]))
        scores = (self.matrix @ vector.T).toarray().ravel()
        out: list[Hit] = []
        for i in np.argsort(-scores, kind="stable").tolist():
            if len(out) >= limit or scores[i] <= 0:
                break
            doc, title, a, b = self.where[i]
            if exclude and doc == exclude[0] and a < exclude[2] and exclude[1] < b:
                continue  # the passage itself
            out.append(Hit(doc, title, a, b, self.texts[doc][a:b], float(scores[i])))
        return out


_LAST: list[SimilarityIndex] = []
_LOCK = threading.Lock()


def index_for(documents: list[Document]) -> SimilarityIndex:
    key = tuple(d.sha256 for d in documents)
    with _LOCK:
        if _LAST and _LAST[0].key == key:
            return _LAST[0]
    index = SimilarityIndex(documents)
    with _LOCK:
        _LAST[:] = [index]
    return index


def similar(project: Project, annotation_id: str, limit: int = 10) -> list[Hit]:
    """Sentences most like the passage of ``annotation_id`` (itself left out)."""
    ann = project.q.annotation(annotation_id)
    if ann is None:
        raise OperationError(f"annotation {annotation_id} does not exist")
    with project.reading():
        docs = list(project.q.iter_documents())
    return index_for(docs).query(ann.quote, limit, (ann.document_id, ann.start, ann.end))

""""Code next": the passages where one more human decision teaches the model most.

Two orders: ``uncertain`` — sentences of documents the coder has not coded yet, where the
model is least sure of some label (the largest normalised entropy over its labels: a stance
split between classes, or a theme near 50%); ``disagreement`` — the passages where the
human coders part most (the agreement report's largest disagreements), which a codebook
discussion or an adjudication settles best.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..agreement import largest_disagreements
from ..errors import OperationError
from ..project import Project
from .engine import coded_documents, sentences_of, teacher_id
from .tfidf import TfidfModel, uncertainty

MODES = ("uncertain", "disagreement")
MAX_DOCUMENTS = 500  # uncertain: the first this many uncoded documents are scored


@dataclass
class QueueItem:
    document_id: str
    title: str
    start: int
    end: int
    text: str
    score: float  # 0..1 for uncertain (entropy); characters x disagreeing share otherwise
    reason: str


def code_next(project: Project, model: TfidfModel | None, coder: str | None = None, *,
              limit: int = 20, mode: str = "uncertain",
              max_documents: int = MAX_DOCUMENTS) -> list[QueueItem]:
    """The ``limit`` passages to code next (see module doc). ``coder``: whose uncoded
    documents (default: the model's teacher's)."""
    if mode not in MODES:
        raise OperationError(f"mode must be one of {', '.join(MODES)}")
    if mode == "disagreement":
        return _disagreements(project, limit)
    if model is None:
        raise OperationError("the uncertain order needs a trained model")
    who = teacher_id(project, coder or model.teacher)
    with project.reading():
        skip = set(coded_documents(project, who))
        ids = [d.id for d in project.q.document_infos() if d.id not in skip][:max_documents]
        docs = list(project.q.iter_documents(ids))
    where = [(doc, a, b) for doc in docs for a, b in sentences_of(doc)]
    if not where:
        return []
    scores = uncertainty(model.predict([doc.text[a:b] for doc, a, b in where]))
    top = np.argsort(-scores, kind="stable")[:limit]
    return [QueueItem(where[i][0].id, where[i][0].title, where[i][1], where[i][2],
                      where[i][0].text[where[i][1]:where[i][2]], float(scores[i]),
                      "the model is unsure here") for i in top.tolist()]


def _disagreements(project: Project, limit: int) -> list[QueueItem]:
    from ..project_io import agreement_data

    data = agreement_data(project)
    out = []
    for item in largest_disagreements(data, limit):
        doc = project.q.document(item["document_id"])
        if doc is None:
            continue
        coders = ", ".join(sorted(c for c, v in item["coders"].items() if v.get("coded")))
        out.append(QueueItem(doc.id, doc.title, item["start"], item["end"],
                             doc.text[item["start"]:item["end"]], float(item["score"]),
                             f"coders disagree ({coders})"))
    return out

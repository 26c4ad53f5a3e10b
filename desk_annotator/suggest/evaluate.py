"""How well the engine codes, measured like a coder: document-level cross-validation.

The teacher's coded documents are split into k folds (whole documents, in corpus order, so no
sentence of a test document was seen in training). For each fold the engine learns from the
others and proposes codings for it; together the folds give a proposal for every sentence
of every document, as if the model were one more coder who coded them all.

Reported per label: sentence-level precision, recall and F1 against the teacher, and the
span F1 (overlap matching, the agreement report's ``f1_overlap``) of the model's passages
against the teacher's. Then the agreement engine compares the model with each other human
coder (Krippendorff's α on the same documents), beside the teacher's own α with that coder:
whether the model agrees with people as well as the teacher does. The model's passages live
only in memory (plain models handed to the agreement engine); nothing is written to the
project, except a dry run's precision when asked for (``record_dry_run``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..agreement import build_agreement_data, compute_agreement
from ..errors import OperationError
from ..models import (
    GOLD_CODER,
    Annotation,
    Coder,
    DocStatus,
    is_model_coder,
    model_coder_name,
)
from ..project import Project
from .engine import DEFAULT_THRESHOLD, ENGINE, RunCancelled, training_data
from .ops import RecordDryRun
from .tfidf import NO_STANCE, SentencePredictions, TfidfModel, TrainingData, proposals

Progress = Callable[[int, int], None]


@dataclass
class LabelScore:
    scheme: str
    name: str
    support: int  # teacher's sentences with the label
    predicted: int
    correct: int
    span_f1: float | None

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.support if self.support else None

    @property
    def f1(self) -> float | None:
        total = self.predicted + self.support
        return 2 * self.correct / total if total else None


@dataclass
class AlphaRow:
    other: str  # the human coder compared with
    documents: int
    model_stance: float | None
    teacher_stance: float | None
    model_themes: float | None  # mean α over the themes where it is defined
    teacher_themes: float | None


@dataclass
class Evaluation:
    teacher: str
    folds: int
    documents: int
    sentences: int
    threshold: float
    labels: list[LabelScore] = field(default_factory=list)
    alphas: list[AlphaRow] = field(default_factory=list)
    proposals: list[tuple[str, int, int, str | None, list[str], float, bool]] = \
        field(default_factory=list)  # doc, start, end, stance, themes, probability, all correct

    def precision_at(self, threshold: float) -> tuple[float | None, int]:
        """Share of proposals at or above ``threshold`` whose labels are all the teacher's."""
        chosen = [ok for *_, p, ok in self.proposals if p >= threshold]
        return (sum(chosen) / len(chosen) if chosen else None), len(chosen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "teacher": self.teacher, "folds": self.folds, "documents": self.documents,
            "sentences": self.sentences, "threshold": self.threshold,
            "labels": [{"scheme": s.scheme, "label": s.name, "support": s.support,
                        "predicted": s.predicted, "precision": s.precision,
                        "recall": s.recall, "f1": s.f1, "span_f1": s.span_f1}
                       for s in self.labels],
            "alpha": [a.__dict__ for a in self.alphas],
        }

    def table_lines(self) -> list[str]:
        def f(v: float | None) -> str:
            return "   —" if v is None else f"{v:.2f}"

        width = max([len(s.name) for s in self.labels] + [12])
        lines = [(f"{self.folds}-fold cross-validation over {self.documents} documents "
                  f"({self.sentences} sentences) coded by {self.teacher}; threshold "
                  f"{self.threshold:g}"),
                 f"{'scheme':7} {'label':{width}}  support  precision  recall    F1  span F1"]
        for s in self.labels:
            lines.append(f"{s.scheme:7} {s.name:{width}}  {s.support:7d}  {f(s.precision):>9}"
                         f"  {f(s.recall):>6}  {f(s.f1):>4}  {f(s.span_f1):>7}")
        if self.alphas:
            lines += ["", (f"Krippendorff's alpha with each other coder (model = "
                           f"{model_coder_name(ENGINE)}, teacher = {self.teacher})"),
                      (f"{'vs coder':12} {'docs':>4}  {'stance: model':>13} {'teacher':>7}"
                       f"  {'themes: model':>13} {'teacher':>7}")]
            for a in self.alphas:
                lines.append(f"{a.other:12} {a.documents:4d}  {f(a.model_stance):>13} "
                             f"{f(a.teacher_stance):>7}  {f(a.model_themes):>13} "
                             f"{f(a.teacher_themes):>7}")
        return lines


def _fold_of(data: TrainingData, folds: int) -> tuple[np.ndarray, int]:
    docs = list(dict.fromkeys(data.document_ids))
    if len(docs) < 2:
        raise OperationError("cross-validation needs at least two documents coded by "
                             f"{data.teacher}")
    folds = max(2, min(folds, len(docs)))
    fold_by_doc = {d: i % folds for i, d in enumerate(docs)}
    return np.fromiter((fold_by_doc[d] for d in data.document_ids), int,
                       len(data.document_ids)), folds


def cross_validate(data: TrainingData, folds: int = 5, progress: Progress | None = None,
                   should_cancel: Callable[[], bool] | None = None
                   ) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """Out-of-fold probabilities: (stance (n, 1 + stances), themes (n, themes), stance
    classes, folds). Pure: no project."""
    fold, folds = _fold_of(data, folds)
    classes = [NO_STANCE, *data.stance_ids]
    stance = np.zeros((len(data.sentences), len(classes)))
    themes = np.zeros((len(data.sentences), len(data.theme_ids)))
    for k in range(folds):
        if should_cancel is not None and should_cancel():
            raise RunCancelled("cancelled: nothing was evaluated")
        test = fold == k
        model = TfidfModel(data.subset(~test))
        pred = model.predict([data.sentences[i] for i in np.flatnonzero(test)])
        for j, c in enumerate(pred.stance_classes):
            stance[test, classes.index(c)] = pred.stance[:, j]
        themes[test] = pred.themes
        if progress:
            progress(k + 1, folds)
    return stance, themes, classes, folds


def evaluate(project: Project, teacher: str, *, folds: int = 5,
             threshold: float = DEFAULT_THRESHOLD, progress: Progress | None = None,
             should_cancel: Callable[[], bool] | None = None) -> Evaluation:
    data = training_data(project, teacher)
    stance_p, theme_p, classes, folds = cross_validate(data, folds, progress, should_cancel)
    pred = SentencePredictions(classes, stance_p, data.theme_ids, theme_p)
    found = proposals(pred, threshold)
    names = {lb.id: lb.name for lb in project.q.labels()}
    ev = Evaluation(teacher, folds, len(set(data.document_ids)), len(data.sentences), threshold)
    for p in found:
        truth_stance, truth_themes = data.stance[p.index], data.themes[p.index]
        ok = (p.stance_id is None or p.stance_id == truth_stance) and \
            all(t in truth_themes for t in p.theme_ids)
        a, b = data.spans[p.index]
        ev.proposals.append((data.document_ids[p.index], a, b, p.stance_id, p.theme_ids,
                             p.probability, ok))
    model_anns = [Annotation(document_id=d, coder_id="model-evaluation", start=a, end=b,
                             quote="", stance_id=s, theme_ids=t)
                  for d, a, b, s, t, _, _ in ev.proposals]
    report, alphas = _agreement(project, data, model_anns)
    stance_span = _pair_f1(report["stance"]) if report else None
    for sid in data.stance_ids:
        support = sum(s == sid for s in data.stance)
        predicted = sum(p.stance_id == sid for p in found)
        correct = sum(p.stance_id == sid and data.stance[p.index] == sid for p in found)
        ev.labels.append(LabelScore("stance", names.get(sid, sid), support, predicted, correct,
                                    stance_span))
    for tid in data.theme_ids:
        support = sum(tid in t for t in data.themes)
        predicted = sum(tid in p.theme_ids for p in found)
        correct = sum(tid in p.theme_ids and tid in data.themes[p.index] for p in found)
        name = names.get(tid, tid)
        span = _pair_f1(report["themes"].get(name, {})) if report else None
        ev.labels.append(LabelScore("theme", name, support, predicted, correct, span))
    ev.alphas = alphas
    return ev


def _pair_f1(block: dict[str, Any]) -> float | None:
    pairs = block.get("pairs") or []
    return pairs[0].get("f1_overlap") if pairs else block.get("f1_overlap")


def _agreement(project: Project, data: TrainingData, model_anns: list[Annotation]
               ) -> tuple[dict[str, Any] | None, list[AlphaRow]]:
    """(report of teacher vs model, α rows vs every other person) on the evaluated documents."""
    q = project.q
    model = Coder(id="model-evaluation", name=model_coder_name(ENGINE) + " (evaluation)")
    docs = sorted(set(data.document_ids))
    with project.reading():
        codebook, coders = q.codebook(), q.coders()
        infos = q.document_infos(docs)
        anns = [a for a in q.annotations() if a.document_id in set(docs)]
        statuses = [s for s in q.statuses() if s.document_id in set(docs)]
    statuses += [DocStatus(document_id=d, coder_id=model.id, status="done") for d in docs]
    everyone = [*coders, model]
    every_ann = [*anns, *model_anns]

    def report(names: list[str]) -> dict[str, Any]:
        built = build_agreement_data(codebook, everyone, infos, every_ann, statuses,
                                     coder_names=names, document_ids=docs)
        return compute_agreement(built, bootstrap=0)

    pair = report([data.teacher, model.name])
    rows = []
    for other in (c.name for c in coders):
        if other in (data.teacher, GOLD_CODER) or is_model_coder(other):
            continue
        with_model, with_teacher = report([model.name, other]), report([data.teacher, other])
        if not with_teacher.get("documents"):
            continue
        rows.append(AlphaRow(other, int(with_teacher["documents"]),
                             with_model["stance"].get("alpha"),
                             with_teacher["stance"].get("alpha"),
                             _mean_theme_alpha(with_model), _mean_theme_alpha(with_teacher)))
    return pair, rows


def _mean_theme_alpha(report: dict[str, Any]) -> float | None:
    values = [v.get("alpha") for v in report.get("themes", {}).values()]
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def dry_run(project: Project, teacher: str, threshold: float, *, folds: int = 5,
            record: bool = True) -> tuple[float | None, int, str]:
    """Precision of bulk acceptance at ``threshold``, measured on held-out documents of the
    teacher (gold or a person): (precision, proposals at or above it, basis). ``record``
    keeps it in the project (RecordDryRun), which AcceptAbove requires."""
    ev = evaluate(project, teacher, folds=folds, threshold=min(threshold, DEFAULT_THRESHOLD))
    precision, support = ev.precision_at(threshold)
    basis = f"{ev.folds}-fold held-out documents coded by {teacher}"
    if record:
        project.run(RecordDryRun(ENGINE, threshold, precision, support, basis))
    return precision, support, basis

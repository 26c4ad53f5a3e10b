"""The built-in suggestion engine: TF-IDF sentence features and one calibrated linear model
per scheme — stance as one multiclass model (its labels plus "no stance"), each theme as a
binary one. Pure computation: no project, no SQLite, so it runs on a worker thread.

Training examples are the sentences of the documents the teacher coded: a sentence is
positive for a label when a teacher passage with that label covers at least half of the
sentence or half of the passage (so a long passage marks all its sentences, and a short
phrase marks its sentence); every other sentence of those documents is a negative.

Probabilities are calibrated by Platt scaling: logistic regression (fitted by stochastic
gradient descent) learns from four in five documents, a sigmoid fitted on the fifth maps its
scores to probabilities (one fit per label, so retraining stays fast). A label with too few
examples for that split is scaled on out-of-fold scores instead (three folds of documents;
small data only, where the extra fits cost little); a label the teacher never (or always)
used gets a constant model.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier

from .features import Featurizer, TfidfWeights

CALIBRATION_SHARE = 5  # every 5th document calibrates the probabilities (Platt scaling)
SGD_EPOCHS = 5
CROSS_FOLDS = 3  # out-of-fold Platt scaling for labels too rare for the set-aside split...
CROSS_FIT_ROWS = 20_000  # ...when the data is this small (it costs three more fits)
CALIBRATION_MINIMUM = 2  # examples of each class needed on both sides of that split
NO_STANCE = ""  # the stance class of a sentence without a stance


@dataclass
class TrainingData:
    """Sentences with the teacher's labels (label ids), and where each came from."""

    teacher: str
    stance_ids: list[str]  # the codebook's stance labels, in order
    theme_ids: list[str]
    sentences: list[str] = field(default_factory=list)
    stance: list[str] = field(default_factory=list)  # a stance id or NO_STANCE per sentence
    themes: list[frozenset[str]] = field(default_factory=list)
    document_ids: list[str] = field(default_factory=list)  # per sentence
    spans: list[tuple[int, int]] = field(default_factory=list)  # per sentence, in its document
    passages: int = 0  # teacher passages in these documents

    def subset(self, keep: np.ndarray) -> TrainingData:
        idx = np.flatnonzero(keep).tolist()
        return TrainingData(self.teacher, self.stance_ids, self.theme_ids,
                            [self.sentences[i] for i in idx], [self.stance[i] for i in idx],
                            [self.themes[i] for i in idx], [self.document_ids[i] for i in idx],
                            [self.spans[i] for i in idx], self.passages)


def label_sentences(spans: np.ndarray, passages: list[tuple[int, int, str | None, list[str]]]
                    ) -> tuple[list[str], list[frozenset[str]]]:
    """Each sentence's stance (the passage covering most of it) and themes (see module doc)."""
    n = len(spans)
    stance = [NO_STANCE] * n
    themes: list[set[str]] = [set() for _ in range(n)]
    best = np.zeros(n)
    if n == 0 or not passages:
        return stance, [frozenset()] * n
    s, e = spans[:, 0], spans[:, 1]
    for a, b, stance_id, theme_ids in passages:
        overlap = np.minimum(e, b) - np.maximum(s, a)
        hit = (overlap > 0) & (overlap * 2 >= np.minimum(e - s, b - a))
        for i in np.flatnonzero(hit).tolist():
            themes[i].update(theme_ids)
            if stance_id and overlap[i] > best[i]:
                best[i] = overlap[i]
                stance[i] = stance_id
    return stance, [frozenset(t) for t in themes]


# Raw feature counts of training documents, by (document id, its sentences' first and last
# offsets, count): a retrain after each accepted or rejected suggestion re-reads the same
# documents, and skips featurising them again. A document's text never changes after import.
_COUNTS: OrderedDict[tuple[Any, ...], sp.csr_matrix] = OrderedDict()
_COUNTS_NNZ = [0]
COUNTS_CACHE_NNZ = 20_000_000  # ~160 MB
_COUNTS_LOCK = threading.Lock()


def training_counts(featurizer: Featurizer, data: TrainingData) -> sp.csr_matrix:
    """Counts of every training sentence, document by document through the cache. The
    documents not cached yet are featurised in ONE call and then cut into their rows: a call
    per document paid a sparse product over the whole hashed space each time (6 of 7 s of a
    first fit on 5,000 passages)."""
    n = len(data.sentences)
    ranges: list[tuple[tuple, int, int]] = []
    start = 0
    while start < n:
        doc = data.document_ids[start]
        end = start
        while end < n and data.document_ids[end] == doc:
            end += 1
        ranges.append(((doc, data.spans[start], data.spans[end - 1], end - start), start, end))
        start = end
    if not ranges:
        return featurizer.counts([])
    found: dict[tuple, sp.csr_matrix] = {}
    with _COUNTS_LOCK:
        for key, _a, _b in ranges:
            block = _COUNTS.get(key)
            if block is not None:
                _COUNTS.move_to_end(key)
                found[key] = block
    missing = [(key, a, b) for key, a, b in ranges if key not in found]
    if missing:
        sentences = [s for _key, a, b in missing for s in data.sentences[a:b]]
        fresh = featurizer.counts(sentences)
        row = 0
        with _COUNTS_LOCK:
            for key, a, b in missing:
                block = fresh[row:row + (b - a)]
                row += b - a
                found[key] = block
                _COUNTS[key] = block
                _COUNTS_NNZ[0] += block.nnz
            while _COUNTS_NNZ[0] > COUNTS_CACHE_NNZ and len(_COUNTS) > 1:
                _COUNTS_NNZ[0] -= _COUNTS.popitem(last=False)[1].nnz
    return sp.vstack([found[key] for key, _a, _b in ranges], format="csr")


class _Constant:
    """A "model" for a label with one class only: that class, with probability 1."""

    def __init__(self, value: object) -> None:
        self.classes_ = np.asarray([value], dtype=object)

    def predict_proba(self, x: sp.spmatrix) -> np.ndarray:
        return np.ones((x.shape[0], 1))


def _fit(x: sp.csr_matrix, y: np.ndarray, calibrate: np.ndarray, groups: np.ndarray,
         split: tuple[sp.csr_matrix, sp.csr_matrix]) -> object:
    """A linear model whose scores are Platt-scaled on text it did not learn from: on the
    documents set aside (``calibrate``) when each class has enough examples on both sides;
    else, for smaller data, on out-of-fold scores (documents split in CROSS_FOLDS by
    ``groups``) with the final model fitted on everything. ``split``: the rows of ``x``
    outside and inside ``calibrate``, sliced once for every label."""
    classes = np.unique(y)
    if len(classes) < 2:
        return _Constant(classes[0] if len(classes) else NO_STANCE)
    fit_rows = ~calibrate
    _, fit_counts = np.unique(y[fit_rows], return_counts=True)
    _, cal_counts = np.unique(y[calibrate], return_counts=True)
    enough = (len(fit_counts) == len(classes) == len(cal_counts)
              and min(fit_counts.min(), cal_counts.min()) >= CALIBRATION_MINIMUM)
    if enough:
        base = _linear().fit(split[0], y[fit_rows])
        return _Platt(base, _scores(base, split[1]), y[calibrate])
    scores = None
    if x.shape[0] <= CROSS_FIT_ROWS:
        scores = np.zeros((x.shape[0], 1 if len(classes) == 2 else len(classes)))
        fold = groups % CROSS_FOLDS
        for k in range(CROSS_FOLDS):
            train, test = fold != k, fold == k
            if test.any() and len(np.unique(y[train])) == len(classes):
                scores[test] = _scores(_linear().fit(x[train], y[train]), x[test])
    base = _linear().fit(x, y)
    return base if scores is None else _Platt(base, scores, y)


def _linear() -> Any:
    # Logistic regression by stochastic gradient descent, a fixed few passes: the fit time
    # grows with the data only linearly (retraining after each decision stays quick); more
    # than two stance classes are fitted one against the rest. Balanced class weights, as
    # the labels are rare; Platt scaling then maps the scores to probabilities.
    return SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=SGD_EPOCHS, tol=None,
                         class_weight="balanced", random_state=0)


def _scores(model: Any, x: sp.csr_matrix) -> np.ndarray:
    d = model.decision_function(x)
    return d.reshape(-1, 1) if d.ndim == 1 else d


class _Platt:
    """Platt scaling of a fitted linear model: one sigmoid per class over its decision value
    (fitted on scores of text the model had not seen), normalised to sum to 1 for several
    classes."""

    def __init__(self, base: Any, scores: np.ndarray, y: np.ndarray) -> None:
        self.base = base
        self.classes_ = base.classes_
        self.sigmoids = []
        for k, c in enumerate(self.classes_ if scores.shape[1] > 1 else self.classes_[1:]):
            target = (y == c).astype(int)
            self.sigmoids.append(LogisticRegression(C=1.0, solver="liblinear")
                                 .fit(scores[:, [k]], target))

    def predict_proba(self, x: sp.csr_matrix) -> np.ndarray:
        scores = _scores(self.base, x)
        p = np.column_stack([s.predict_proba(scores[:, [k]])[:, 1]
                             for k, s in enumerate(self.sigmoids)])
        if len(self.classes_) == 2:
            return np.column_stack([1 - p[:, 0], p[:, 0]])
        total = p.sum(axis=1, keepdims=True)
        return np.divide(p, total, out=np.full_like(p, 1 / p.shape[1]), where=total > 0)


def calibration_rows(document_ids: list[str]) -> np.ndarray:
    """Rows of every CALIBRATION_SHARE-th document (in a fixed order by id): the Platt split."""
    docs = sorted(set(document_ids))
    if len(docs) < CALIBRATION_SHARE:
        return np.zeros(len(document_ids), dtype=bool)
    chosen = set(docs[CALIBRATION_SHARE - 1::CALIBRATION_SHARE])
    return np.fromiter((d in chosen for d in document_ids), bool, len(document_ids))


@dataclass
class SentencePredictions:
    """Per sentence: stance probabilities over ``stance_classes`` and theme probabilities."""

    stance_classes: list[str]  # NO_STANCE or a stance id
    stance: np.ndarray  # (n, len(stance_classes))
    theme_ids: list[str]
    themes: np.ndarray  # (n, len(theme_ids))


class TfidfModel:
    """The fitted engine; ``predict`` is thread-safe."""

    def __init__(self, data: TrainingData, featurizer: Featurizer | None = None) -> None:
        if not data.sentences:
            raise ValueError("no training sentences")
        self.teacher = data.teacher
        self.stance_ids = list(data.stance_ids)
        self.theme_ids = list(data.theme_ids)
        self.featurizer = featurizer or Featurizer()
        counts = training_counts(self.featurizer, data)
        self.weights = TfidfWeights(counts)
        x = self.weights.transform(counts)
        self.training_sentences = len(data.sentences)
        self.passages = data.passages
        calibrate = calibration_rows(data.document_ids)
        order = {d: i for i, d in enumerate(dict.fromkeys(data.document_ids))}
        groups = np.fromiter((order[d] for d in data.document_ids), int, len(data.document_ids))
        targets = [np.asarray(data.stance, dtype=object)] + \
            [np.asarray([t in s for s in data.themes]) for t in self.theme_ids]
        # One fit per label, two at a time: SGD's inner loop releases the GIL.
        with warnings.catch_warnings(), \
                ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed number of passes
            split = (x[~calibrate], x[calibrate])
            fitted = list(pool.map(lambda y: _fit(x, y, calibrate, groups, split), targets))
        self.stance_model = fitted[0]
        self.theme_models = dict(zip(self.theme_ids, fitted[1:]))
        self.positives = {t: sum(t in s for s in data.themes) for t in self.theme_ids}
        self.positives.update({s: data.stance.count(s) for s in self.stance_ids})

    def features(self, sentences: list[str]) -> sp.csr_matrix:
        return self.weights.transform(self.featurizer.counts(sentences))

    def predict(self, sentences: list[str]) -> SentencePredictions:
        x = self.features(sentences)
        classes = [str(c) for c in self.stance_model.classes_]
        stance = self.stance_model.predict_proba(x)
        themes = np.zeros((len(sentences), len(self.theme_ids)))
        for j, t in enumerate(self.theme_ids):
            model = self.theme_models[t]
            proba = model.predict_proba(x)
            positive = [i for i, c in enumerate(model.classes_) if bool(c) is True]
            themes[:, j] = proba[:, positive[0]] if positive else 0.0
        return SentencePredictions(classes, stance, self.theme_ids, themes)


@dataclass
class Proposal:
    """What the model proposes for one sentence: its labels and their joint probability
    (the smallest of the proposed labels' probabilities)."""

    index: int
    stance_id: str | None
    theme_ids: list[str]
    probability: float


def proposals(pred: SentencePredictions, threshold: float = 0.5) -> list[Proposal]:
    """Sentences with at least one label at or above ``threshold``."""
    out = []
    best = pred.stance.argmax(axis=1) if pred.stance.size else np.zeros(0, int)
    for i in range(pred.themes.shape[0] if pred.themes.size else len(best)):
        labels_p = []
        stance_id = None
        if len(best):
            c = pred.stance_classes[int(best[i])]
            p = float(pred.stance[i, best[i]])
            if c != NO_STANCE and p >= threshold:
                stance_id = c
                labels_p.append(p)
        themes = [t for j, t in enumerate(pred.theme_ids) if pred.themes[i, j] >= threshold]
        labels_p += [float(pred.themes[i, pred.theme_ids.index(t)]) for t in themes]
        if labels_p:
            out.append(Proposal(i, stance_id, themes, min(labels_p)))
    return out


def uncertainty(pred: SentencePredictions) -> np.ndarray:
    """Per sentence, the largest normalised entropy over its labels (1 = a coin toss on some
    label): where a human decision teaches the model most."""
    n = pred.stance.shape[0]
    scores = np.zeros(n)
    if pred.stance.shape[1] > 1:
        p = np.clip(pred.stance, 1e-12, 1.0)
        scores = -(p * np.log(p)).sum(axis=1) / np.log(pred.stance.shape[1])
    if pred.themes.size:
        q = np.clip(pred.themes, 1e-12, 1 - 1e-12)
        h = -(q * np.log(q) + (1 - q) * np.log(1 - q)) / np.log(2)
        scores = np.maximum(scores, h.max(axis=1))
    return scores

"""Benchmark of the TF-IDF suggestion engine (issue 13).

Train on 5,000 coded passages and score 10,000 documents (about 40 M characters); prints
train seconds (first fit, and a retrain as after an accepted or rejected suggestion, with the
word cache warm), score seconds, sentences per second and peak memory. Targets: train < 2 s,
score < 60 s, peak < 1.5 GB, on 2 cores.

The corpus is synthetic but word-like: sentences drawn from a Zipf-distributed vocabulary
built from the sample corpus's words with inflections (so the vocabulary keeps growing, as in
real news text), a few labels signalled by cue words. Run: python benchmarks/bench_suggest.py
[--documents N] [--train-passages N]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk_annotator.models import Document
from desk_annotator.suggest.engine import add_document, score
from desk_annotator.suggest.segment import SENTENCES
from desk_annotator.suggest.tfidf import TfidfModel, TrainingData
from desk_annotator.text import sha256_text

SAMPLE = Path(__file__).resolve().parent.parent / "sample_corpus" / "articles"
SUFFIXES = ["", "", "", "s", "ed", "ing", "er", "ly", "ion", "al", "ness", "ity"]
CUES = {"export": ["chips", "semiconductor", "licence"], "open": ["weights", "openly", "source"],
        "safety": ["risk", "evaluation", "misuse"]}


def vocabulary(rng: np.random.Generator, size: int = 60_000) -> list[str]:
    words = sorted({w.strip(".,;:“”\"'()").lower() for p in SAMPLE.glob("*")
                    for w in p.read_text(encoding="utf-8").split() if w.isascii()} - {""})
    stems = rng.choice(words, size)
    return [s + SUFFIXES[i % len(SUFFIXES)] + ("" if i < len(words) else str(i % 97))
            for i, s in enumerate(stems)]


def make_document(rng: np.random.Generator, vocab: list[str], cdf: np.ndarray, n: int,
                  length: int) -> tuple[Document, list[tuple[int, int, str | None, list[str]]]]:
    parts: list[str] = []
    passages: list[tuple[int, int, str | None, list[str]]] = []
    at = 0
    while at < length:
        k = int(rng.integers(8, 30))
        words = [vocab[i] for i in np.searchsorted(cdf, rng.random(k))]
        theme = None
        if rng.random() < 0.25:
            theme = list(CUES)[int(rng.integers(len(CUES)))]
            words[int(rng.integers(k))] = CUES[theme][int(rng.integers(3))]
        sentence = " ".join(words).capitalize() + ". "
        if theme:
            passages.append((at, at + len(sentence) - 1, "S" if theme == "export" else None,
                             [theme]))
        parts.append(sentence)
        at += len(sentence)
    text = "".join(parts).strip()
    return Document(id=f"doc-{n}", title=f"Document {n}", text=text,
                    sha256=sha256_text(text)), passages


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=10_000)
    ap.add_argument("--train-passages", type=int, default=5_000)
    ap.add_argument("--length", type=int, default=4_000, help="characters per document")
    args = ap.parse_args()
    rng = np.random.default_rng(13)
    vocab = vocabulary(rng)
    zipf = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
    cdf = np.cumsum(zipf) / zipf.sum()

    t0 = time.perf_counter()
    docs = [make_document(rng, vocab, cdf, n, args.length) for n in range(args.documents)]
    chars = sum(len(d.text) for d, _ in docs)
    print(f"corpus: {len(docs):,} documents, {chars / 1e6:.1f} M characters "
          f"(generated in {time.perf_counter() - t0:.1f} s)")

    data = TrainingData("bench", ["S"], list(CUES))
    train_docs = 0
    t0 = time.perf_counter()
    for doc, passages in docs:
        if data.passages >= args.train_passages:
            break
        add_document(data, doc, passages)
        train_docs += 1
    prep = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = TfidfModel(data)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = TfidfModel(data, model.featurizer)  # a retrain: the word cache is warm
    retrain = time.perf_counter() - t0
    print(f"train: {data.passages:,} passages, {len(data.sentences):,} sentences in "
          f"{train_docs} documents, {model.weights.n_features:,} features; segmenting "
          f"{prep:.2f} s, first fit {first:.2f} s, retrain {retrain:.2f} s (target < 2 s)")

    SENTENCES.clear()
    documents = [d for d, _ in docs]
    t0 = time.perf_counter()
    rows = score(model, documents, threshold=0.5)
    seconds = time.perf_counter() - t0
    print(f"score: {len(documents):,} documents, {chars / 1e6:.1f} M characters in "
          f"{seconds:.1f} s (target < 60 s), {len(rows):,} proposals")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB (target < 1,536 MB; includes the generated corpus)")


if __name__ == "__main__":
    main()

"""Sentence features: word unigrams and within-word character n-grams, hashed, TF-IDF weighted.

Character n-grams make the engine work where words are not separated by spaces (Chinese,
Japanese: a run of Han characters is one "word", its 1-3-grams are the usual CJK features)
and where one stem takes many endings (Turkish, Finnish, German compounds). They are what
scikit-learn's ``char_wb`` analyzer produces, but computed once per distinct word rather than
once per occurrence: a sentence's n-gram counts are its word counts times a word × n-gram
matrix, one sparse product. On 40 M characters that is several times faster than the
analyzer, which walks every occurrence in Python (benchmarks/bench_suggest.py).

Features are hashed (scikit-learn's FeatureHasher, murmurhash3) into a fixed space, so no
vocabulary has to be fitted or kept in step between training and scoring; the IDF weights
come from the training sentences.
"""

from __future__ import annotations

import re
import threading
from itertools import chain

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction import FeatureHasher
from sklearn.preprocessing import normalize

N_FEATURES = 1 << 20
CHAR_NGRAMS = (3, 4)  # alphabetic words: stems and endings
CJK_NGRAMS = (1, 2, 3)  # a run of Han/kana/hangul characters: its characters and pairs
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
MAX_WORD = 24  # a longer run (a CJK clause, a URL) is cut into pieces of this length
_WORD = re.compile(rf"[^\W_]{{1,{MAX_WORD}}}")  # a longer run comes out in pieces


def _word_features(word: str) -> list[str]:
    padded = f" {word} "
    sizes = CJK_NGRAMS if _CJK.search(word) else CHAR_NGRAMS
    grams = [g for n in sizes for i in range(len(padded) - n + 1)
             if (g := padded[i:i + n]) != " "]
    return ["w" + word, *grams]  # "w" marks the word itself apart from its n-grams


class Featurizer:
    """Turns sentences into hashed count rows; remembers each distinct word's n-grams."""

    def __init__(self) -> None:
        self._hasher = FeatureHasher(N_FEATURES, input_type="string", alternate_sign=False)
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def _learn(self, new_words: list[str]) -> None:
        if not new_words:
            return
        m = self._hasher.transform(_word_features(w) for w in new_words).tocsr()
        m.sum_duplicates()
        for i, w in enumerate(new_words):
            a, b = m.indptr[i], m.indptr[i + 1]
            self._cache[w] = (m.indices[a:b].astype(np.int32), m.data[a:b].astype(np.float32))

    def counts(self, sentences: list[str]) -> sp.csr_matrix:
        """(len(sentences), N_FEATURES) raw feature counts."""
        n = len(sentences)
        per_sentence = [_WORD.findall(s.lower()) for s in sentences]
        flat = list(chain.from_iterable(per_sentence))
        if not flat:
            return sp.csr_matrix((n, N_FEATURES), dtype=np.float32)
        # Word ids by hashing in C (pandas.factorize), not a Python loop per occurrence.
        codes, uniques = pd.factorize(np.asarray(flat, dtype=object))
        sizes = np.fromiter(map(len, per_sentence), np.int64, n)
        indptr = np.concatenate(([0], np.cumsum(sizes)))
        per_word = sp.csr_matrix((np.ones(len(codes), np.float32), codes, indptr),
                                 shape=(n, len(uniques)))
        vocabulary = uniques.tolist()
        with self._lock:
            self._learn([w for w in vocabulary if w not in self._cache])
            rows = [self._cache[w] for w in vocabulary]
        lengths = np.fromiter((len(r[0]) for r in rows), np.int64, len(rows))
        word_grams = sp.csr_matrix(
            (np.concatenate([r[1] for r in rows]), np.concatenate([r[0] for r in rows]),
             np.concatenate(([0], np.cumsum(lengths)))), shape=(len(rows), N_FEATURES))
        return (per_word @ word_grams).tocsr()


class TfidfWeights:
    """Sublinear TF times smoothed IDF (fitted on training rows), L2-normalised rows, over
    only the features seen in training (a compact column space: the linear models then fit
    in a fraction of a second instead of carrying 2^20 coefficients per label)."""

    def __init__(self, counts: sp.csr_matrix) -> None:
        df = np.bincount(counts.indices, minlength=N_FEATURES)
        self.columns = np.flatnonzero(df)
        self.position = np.full(N_FEATURES, -1, dtype=np.int32)
        self.position[self.columns] = np.arange(len(self.columns), dtype=np.int32)
        n = counts.shape[0]
        self.idf = (np.log((1 + n) / (1 + df[self.columns])) + 1.0).astype(np.float32)

    @property
    def n_features(self) -> int:
        return len(self.columns)

    def transform(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        column = self.position[counts.indices]
        keep = column >= 0
        # The same rows with unknown features dropped: a new indptr, no re-sorting.
        kept_before = np.concatenate(([0], np.cumsum(keep)))
        indptr = kept_before[counts.indptr]
        data = np.log1p(counts.data[keep].astype(np.float32)) * self.idf[column[keep]]
        x = sp.csr_matrix((data, column[keep], indptr), shape=(counts.shape[0], self.n_features))
        return normalize(x, copy=False)

"""table_facts.aggregate on both of its paths: small key spaces counted by bincount, large ones
(and large key x document spaces) sorted. Each is compared with a plain dictionary count."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from desk_annotator.analysis.table_facts import _DIRECT, aggregate


@pytest.mark.parametrize("sizes, n_docs", [
    ((7, 5), 30),                 # keys and (key, document) pairs: bincount
    ((7, 5), _DIRECT // 20),      # keys by bincount, distinct documents by sorting pairs
    ((3000, 2000), 50),           # keys sorted (space above _DIRECT), documents by pairs
])
def test_aggregate_counts_like_a_dictionary(sizes: tuple[int, int], n_docs: int) -> None:
    rng = np.random.default_rng(sum(sizes) + n_docs)
    n = 20_000
    codes = [rng.integers(0, size, n) for size in sizes]
    documents = rng.integers(0, n_docs, n)
    weights = rng.random(n)
    groups = aggregate([(c, size) for c, size in zip(codes, sizes)], weights=weights,
                       documents=documents, n_docs=n_docs)

    count: Counter = Counter()
    total: defaultdict = defaultdict(float)
    docs: defaultdict = defaultdict(set)
    for i in range(n):
        key = tuple(int(c[i]) for c in codes)
        count[key] += 1
        total[key] += weights[i]
        docs[key].add(int(documents[i]))
    got_keys = list(zip(*(k.tolist() for k in groups.keys)))
    assert got_keys == sorted(count)
    assert groups.count.tolist() == [count[k] for k in got_keys]
    assert groups.distinct.tolist() == [len(docs[k]) for k in got_keys]
    np.testing.assert_allclose(groups.total, [total[k] for k in got_keys])

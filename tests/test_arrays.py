"""arrays.distinct is np.unique by one sort (numpy >= 2.3 hashes first and was ~30x slower on
the agreement's cut points): the same values, dtype and order for every array it is given."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from desk_annotator.arrays import distinct

_DTYPES = st.sampled_from([np.int8, np.int16, np.int64, np.uint8, np.uint64, np.bool_,
                           np.float64])


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(_DTYPES, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=40)))
def test_distinct_is_np_unique(values: np.ndarray) -> None:
    got, want = distinct(values), np.unique(values)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)  # NaN equal to NaN: np.unique folds them


def test_distinct_of_many_mostly_different_positions() -> None:
    rng = np.random.default_rng(3)
    cuts = rng.integers(0, 5_000_000, 300_000)
    cuts = np.concatenate([cuts, cuts[::7], [0, 5_000_000]])
    got = distinct(cuts)
    np.testing.assert_array_equal(got, np.unique(cuts))
    assert got.base is None or got.base is not cuts  # a new array: callers may write to it


def test_distinct_of_empty_and_single() -> None:
    assert distinct(np.zeros(0, dtype=np.int64)).shape == (0,)
    np.testing.assert_array_equal(distinct(np.array([[7]])), np.array([7]))

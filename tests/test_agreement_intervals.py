"""Document-bootstrap intervals (desk_annotator.agreement.intervals) on constructed data, and a
smoke run of the coverage benchmark."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from desk_annotator.agreement import intervals as iv
from desk_annotator.agreement.coefficients import krippendorff_alpha_batch

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_ci_coverage.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_ci_coverage", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class builds
    spec.loader.exec_module(module)
    return module


def _mean_stat(x: np.ndarray):
    """The weighted mean of per-document values: a linear statistic with known jackknife."""
    def stat(w: np.ndarray) -> np.ndarray:
        return (w @ x) / w.sum(axis=1)
    return stat


def _alpha_stat(per_doc: np.ndarray, k: int):
    def stat(w: np.ndarray) -> np.ndarray:
        return krippendorff_alpha_batch((w @ per_doc).reshape(-1, k, k))
    return stat


def _random_docs(n: int, k: int = 3, seed: int = 0) -> np.ndarray:
    """Per-document coincidence matrices of two coders agreeing mostly."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        t = rng.integers(0, k, 300)
        a = np.where(rng.random(300) < 0.8, t, rng.integers(0, k, 300))
        b = np.where(rng.random(300) < 0.8, t, rng.integers(0, k, 300))
        table = np.zeros((k, k))
        np.add.at(table, (a, b), 1.0)
        out.append((table + table.T).ravel())
    return np.array(out)


# ---------------------------------------------------------------- resamples
def test_document_resamples_are_seeded_multinomial_counts() -> None:
    w = iv.document_resamples(7, 200, seed=3)
    assert w.shape == (200, 7)
    assert np.all(w.sum(axis=1) == 7) and np.all(w >= 0) and np.all(w == np.round(w))
    np.testing.assert_array_equal(w, iv.document_resamples(7, 200, seed=3))
    assert not np.array_equal(w, iv.document_resamples(7, 200, seed=4))
    assert np.all(iv.document_resamples(7, 50, seed=3, draws=6).sum(axis=1) == 6)
    np.testing.assert_array_equal(iv.jackknife_weights(3), [[0, 1, 1], [1, 0, 1], [1, 1, 0]])


def test_student_t_quantiles_match_tables() -> None:
    # Two-sided 95% critical values from any t table.
    for df, t in [(1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (39, 2.0227),
                  (5000, 1.9604)]:
        assert iv.t_ppf(0.975, df) == pytest.approx(t, abs=1e-4)
    assert iv.t_ppf(0.025, 4) == pytest.approx(-2.7764, abs=1e-4)
    assert iv.expanded_z(5) == pytest.approx(math.sqrt(5 / 4) * 2.7764, abs=1e-3)
    assert iv.expanded_z(10_000) == pytest.approx(1.96, abs=1e-3)


# ---------------------------------------------------------------- the methods
def test_percentile_is_numpy_percentile_of_the_finite_values() -> None:
    docs = _random_docs(8)
    w = iv.document_resamples(8, 500, seed=1)
    base = _alpha_stat(docs, 3)

    def stat(weights: np.ndarray) -> np.ndarray:
        vals = base(weights)
        if weights.shape[0] > 1:  # not the point estimate
            vals[::7] = np.nan  # some resamples have no value
        return vals

    res = iv.interval(stat, 8, w, method="percentile")
    finite = base(w)
    finite = np.delete(finite, np.arange(0, 500, 7))
    assert res.bounds == pytest.approx(tuple(np.percentile(finite, [2.5, 97.5])))
    np.testing.assert_array_equal(res.boot, finite)
    assert res.resamples_undefined == len(range(0, 500, 7))
    assert res.method == "percentile" and res.reason is None
    assert res.point == pytest.approx(base(np.ones((1, 8)))[0])


def test_bca_reduces_to_percentile_when_symmetric_centred_and_unaccelerated() -> None:
    # Symmetric per-document values and mirrored resamples: the bootstrap distribution is
    # exactly symmetric about the point (z0 = 0) and the jackknife has no skew (a = 0).
    # Eight documents and half-integer values keep every mean exact in binary floating point,
    # so mirrored resamples tie with each other exactly.
    x = np.array([-3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0]) + 0.5
    w = iv.document_resamples(8, 400, seed=5)
    w = np.vstack([w, w[:, ::-1]])
    stat = _mean_stat(x)
    jack = stat(iv.jackknife_weights(8))
    assert iv.acceleration(jack) == pytest.approx(0.0, abs=1e-12)
    assert iv.bias_correction(stat(w), 0.5) == pytest.approx(0.0, abs=1e-12)
    res = iv.intervals(stat, 8, w, ("percentile", "bca"))
    assert res["bca"].bounds == pytest.approx(res["percentile"].bounds, abs=1e-12)


def test_acceleration_and_bias_correction_by_hand() -> None:
    jack = np.array([1.0, 2.0, 4.0, np.nan])  # a NaN leave-one-out value is ignored
    d = jack[:3].mean() - jack[:3]
    assert iv.acceleration(jack) == pytest.approx((d**3).sum() / (6 * (d**2).sum() ** 1.5))
    assert iv.acceleration(np.array([1.0, np.nan, np.nan])) == 0.0
    assert iv.acceleration(np.full(5, 0.7)) == 0.0
    boot = np.array([0.1, 0.2, 0.3, 0.3, 0.5])
    # two below 0.3, two ties counted half -> 3/5
    assert iv.bias_correction(boot, 0.3) == pytest.approx(iv.normal_ppf(0.6))


def test_bca_is_finite_when_every_resample_lies_above_the_point() -> None:
    boot = np.linspace(0.5, 0.9, 200)
    lo, hi = iv.bca_bounds(boot, 0.4, np.array([0.3, 0.4, 0.5, 0.45]), 1.96)
    assert math.isfinite(lo) and math.isfinite(hi) and 0.5 <= lo <= hi <= 0.9
    # Past the pole of the acceleration formula the level goes to the edge, not around it.
    assert iv.bca_levels(0.0, 0.9, 1.96) == (pytest.approx(iv.normal_cdf(-1.96 / (1 + 0.9 * 1.96))),
                                             1.0)


def test_q_counts_the_share_of_resamples_below_the_thresholds() -> None:
    values = np.array([0.5, 0.6, 0.7, 0.75, 0.79, 0.81, 0.9, np.nan, 0.95, 0.99, 0.99, 0.6])

    def stat(w: np.ndarray) -> np.ndarray:
        return np.full(1, 0.8) if w.shape[0] == 1 else values[: w.shape[0]]

    res = iv.interval(stat, 4, np.ones((values.size, 4)), method="percentile")
    finite = values[np.isfinite(values)]
    assert res.resamples_undefined == 1
    assert res.q == {"0.667": pytest.approx((finite < 0.667).mean()),
                     "0.8": pytest.approx((finite < 0.8).mean())}
    assert res.q["0.667"] == pytest.approx(3 / 11)


def test_undefined_point_or_mostly_undefined_resamples_give_no_bounds() -> None:
    w = iv.document_resamples(5, 100, seed=0)
    res = iv.interval(lambda w: np.full(w.shape[0], np.nan), 5, w)
    assert res.bounds is None and "undefined" in res.reason and res.resamples_undefined == 100
    assert res.q is None

    def mostly_nan(weights: np.ndarray) -> np.ndarray:
        out = np.full(weights.shape[0], np.nan)
        out[: max(1, weights.shape[0] // 3)] = 0.5
        return out

    res = iv.interval(mostly_nan, 5, w, method="bca")
    assert res.bounds is None and "most bootstrap resamples" in res.reason
    assert iv.interval(_mean_stat(np.ones(1)), 1, np.ones((10, 1))).bounds is None
    with pytest.raises(ValueError):
        iv.interval(_mean_stat(np.ones(5)), 5, w, method="nope")


def test_every_method_brackets_the_point_and_is_deterministic() -> None:
    docs = _random_docs(12, seed=2)
    stat = _alpha_stat(docs, 3)
    w = iv.document_resamples(12, 600, seed=9)
    a = iv.intervals(stat, 12, w, iv.METHODS)
    b = iv.intervals(stat, 12, iv.document_resamples(12, 600, seed=9), iv.METHODS)
    point = a["percentile"].point
    for m in iv.METHODS:
        lo, hi = a[m].bounds
        assert lo < point < hi <= 1.0, m
        assert a[m].bounds == b[m].bounds
    # The widened methods are wider than the ones they widen.
    width = {m: a[m].bounds[1] - a[m].bounds[0] for m in iv.METHODS}
    assert width["expanded"] > width["percentile"] and width["bca_expanded"] > width["bca"]


def test_nested_jackknife_matches_a_brute_force_jackknife_of_each_resample() -> None:
    docs = _random_docs(6, seed=4)
    stat = _alpha_stat(docs, 3)
    w = iv.document_resamples(6, 30, seed=2)
    se = iv.nested_jackknife_se(stat, w)
    for row, got in zip(w, se):
        items = np.repeat(np.arange(6), row.astype(int))
        vals = np.array([stat(np.bincount(np.delete(items, j), minlength=6)[None].astype(float))[0]
                         for j in range(items.size)])
        n = vals.size
        want = math.sqrt((n - 1) / n * ((vals - vals.mean()) ** 2).sum())
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------- the benchmark
def test_benchmark_true_alpha_agrees_with_a_large_sample() -> None:
    bench = _bench()
    for s in bench.SCENARIOS:
        sample, se = bench.large_sample_alpha(s, n_docs=20_000, chunks=10)
        assert abs(sample - bench.true_alpha(s)) < max(5 * se, 0.005)
    _pats, coef, coinc = bench._patterns(3, 3)
    assert coef.sum() == 27 and np.allclose(coinc.sum(axis=1), 3.0)


def test_coverage_smoke_run() -> None:
    bench = _bench()
    s = bench.SCENARIOS[1]
    out = bench.coverage_run(s, 5, replications=6, resamples=120, seed=1)
    assert out["replications"] == 6 and out["truth"] == pytest.approx(bench.true_alpha(s))
    assert set(out["methods"]) == set(bench.ALL_METHODS)
    for v in out["methods"].values():
        assert 0.0 <= v["undefined"] <= 1.0
        if v["undefined"] < 1.0:
            assert 0.0 <= v["coverage"] <= 1.0 and v["width"] > 0
            assert v["coverage"] + v["miss_low"] + v["miss_high"] == pytest.approx(1.0)
    again = bench.coverage_run(s, 5, replications=6, resamples=120, seed=1)
    assert again == out


def test_expanded_percentile_reads_the_widened_levels() -> None:
    docs = _random_docs(10, seed=6)
    stat = _alpha_stat(docs, 3)
    w = iv.document_resamples(10, 800, seed=3)
    res = iv.interval(stat, 10, w)
    assert res.method == iv.DEFAULT_METHOD == "expanded"
    z = iv.expanded_z(10)
    assert res.bounds == pytest.approx(tuple(np.quantile(stat(w), [iv.normal_cdf(-z),
                                                                   iv.normal_cdf(z)])))


def test_resamples_drawn_in_a_thread_are_the_seeded_draws() -> None:
    """The report draws its resample weights in a thread while it builds the segments: the
    same generator and seed give the same weights as drawing them in line, and the thread is
    gone once they are handed over (a second process may only fork a single thread)."""
    from desk_annotator.agreement.engine import _DrawnMeanwhile

    for n_docs, resamples, seed in ((2, 5, 1), (37, 200, 20250726), (500, 50, 3)):
        drawing = _DrawnMeanwhile(n_docs, resamples, seed)
        got = drawing.result(n_docs)
        assert np.array_equal(got, iv.document_resamples(n_docs, resamples, seed))
        assert not drawing.thread.is_alive()

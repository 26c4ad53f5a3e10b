"""Coverage of document-bootstrap 95% intervals for Krippendorff's α, with the TRUE α known.

Data-generating process (one scenario = one population of documents):

- a document has S ~ round(lognormal) segments (passages coded as one unit, so characters
  inside a segment are perfectly dependent) of Gamma-distributed length in characters;
- its own category prevalence p_d ~ Dirichlet(c·p) (articles lean to one stance) and its own
  difficulty e_d ~ Beta(a, b);
- each segment has a true category t ~ p_d; each of m coders reports t with probability
  1 - e_d, otherwise a category drawn uniformly from all K (possibly t again).

Per-document coincidence matrices are built directly: a segment's m values form one of the
C(m+K-1, K-1) count patterns, so a document is a multinomial over patterns (weighted by the
Gamma sum of the segment lengths) — exactly the distribution of coding segment by segment.

TRUE α, analytically: a pair of coders on one character has joint distribution
    P = E(1-e)²·diag(p) + E[e(1-e)]/K·(p1ᵀ + 1pᵀ) + E[e²]/K²·11ᵀ
(the per-document p_d enters linearly, so only E p_d = p matters, and length is independent
of e and p_d). The population coincidence matrix is proportional to P, and α of an infinite
pooled sample is 1 - (1 - tr P)/(1 - Σ_c π_c²), π = P's margins. The script checks this
against α pooled over 200,000 simulated documents.

Run: .venv/bin/python benchmarks/bench_ci_coverage.py [--quick] [--reps 1000] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# One BLAS thread per worker: the products are small and the workers already fill the cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk_annotator.agreement.coefficients import krippendorff_alpha_batch
from desk_annotator.agreement.intervals import (
    METHODS,
    document_resamples,
    intervals,
)

SIZES = (5, 10, 20, 40)
# `percentile_n-1`: the percentile interval over resamples of n-1 documents, a small-sample
# correction of the resampling itself (variance inflated by n/(n-1)); it needs its own W.
ALL_METHODS = METHODS + ("percentile_n-1",)


@dataclass(frozen=True)
class Scenario:
    name: str
    coders: int
    prevalence: tuple[float, ...]
    error_beta: tuple[float, float]  # e_d ~ Beta(a, b)
    concentration: float = 5.0  # p_d ~ Dirichlet(concentration · prevalence)
    segments_median: float = 25.0  # S ~ round(lognormal(log median, sigma)), at least 1
    segments_sigma: float = 0.9
    segment_gamma: tuple[float, float] = (2.0, 50.0)  # length ~ Gamma(shape, scale) characters

    @property
    def k(self) -> int:
        return len(self.prevalence)


SCENARIOS = (
    Scenario("2 coders, K=4", 2, (0.50, 0.25, 0.15, 0.10), (2.0, 10.0)),
    Scenario("3 coders, K=3", 3, (0.60, 0.30, 0.10), (1.5, 8.0)),
    # A harder population: α near the .800 threshold, documents strongly about one category
    # and document sizes with a heavier tail (a few documents carry most of the characters).
    Scenario("2 coders, K=3, skewed", 2, (0.70, 0.20, 0.10), (1.0, 12.0), concentration=2.0,
             segments_sigma=1.2),
)


# ---------------------------------------------------------------- the population
def true_alpha(s: Scenario) -> float:
    """α of the population's expected pooled coincidence matrix (analytic, see module doc)."""
    a, b = s.error_beta
    e1 = a / (a + b)
    e2 = a * (a + 1) / ((a + b) * (a + b + 1))
    p = np.asarray(s.prevalence, dtype=float)
    k = s.k
    ones = np.ones(k)
    pair = ((1 - 2 * e1 + e2) * np.diag(p) + (e1 - e2) / k * (np.outer(p, ones) + np.outer(ones, p))
            + e2 / k**2 * np.outer(ones, ones))
    margins = pair.sum(axis=1)
    return float(1.0 - (1.0 - np.trace(pair)) / (1.0 - (margins**2).sum()))


def _patterns(m: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count patterns (J, K) of m values, their multinomial coefficients and coincidences."""
    pats = np.array([c for c in itertools.product(range(m + 1), repeat=k) if sum(c) == m], float)
    coef = np.array([math.factorial(m) / math.prod(math.factorial(int(x)) for x in row)
                     for row in pats])
    coinc = np.stack([(np.outer(r, r) - np.diag(r)) / (m - 1.0) for r in pats]).reshape(len(pats), -1)
    return pats, coef, coinc


def simulate_documents(s: Scenario, n: int, rng: np.random.Generator) -> np.ndarray:
    """Per-document coincidence matrices, flattened: (n, K²)."""
    k, m = s.k, s.coders
    pats, coef, coinc = _patterns(m, k)
    e = rng.beta(*s.error_beta, size=n)
    p_d = rng.dirichlet(s.concentration * np.asarray(s.prevalence), size=n)
    segments = np.maximum(1, np.rint(rng.lognormal(math.log(s.segments_median),
                                                   s.segments_sigma, size=n))).astype(np.int64)
    # a[d, t, c]: probability a coder reports c on a segment of true category t in document d.
    a = (1.0 - e)[:, None, None] * np.eye(k)[None] + (e / k)[:, None, None]
    pmf = coef * np.prod(a[:, :, None, :] ** pats[None, None], axis=3)  # (n, t, J)
    probs = np.einsum("dt,dtj->dj", p_d, pmf)
    probs /= probs.sum(axis=1, keepdims=True)
    counts = rng.multinomial(segments, probs)
    shape, scale = s.segment_gamma
    lengths = rng.gamma(shape * counts, scale)  # sum of `count` Gamma lengths; 0 where none
    return lengths @ coinc


def large_sample_alpha(s: Scenario, n_docs: int = 200_000, seed: int = 7,
                       chunks: int = 20) -> tuple[float, float]:
    """α pooled over many simulated documents, and a Monte Carlo SE from the chunk spread."""
    rng = np.random.default_rng(seed)
    per = [simulate_documents(s, n_docs // chunks, rng).sum(axis=0) for _ in range(chunks)]
    k = s.k
    pooled = krippendorff_alpha_batch(np.sum(per, axis=0).reshape(1, k, k))[0]
    each = krippendorff_alpha_batch(np.stack(per).reshape(-1, k, k))
    return float(pooled), float(each.std(ddof=1) / math.sqrt(chunks))


# ---------------------------------------------------------------- coverage
def _alpha_stat(per_doc: np.ndarray, k: int):
    def stat(w: np.ndarray) -> np.ndarray:
        return krippendorff_alpha_batch((w @ per_doc).reshape(-1, k, k))
    return stat


def _replications(s: Scenario, n_docs: int, first: int, last: int, resamples: int, seed: int,
                  methods: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Replications first..last-1 of one cell. Each replication seeds its own generator from
    (seed, scenario, n, r), so results do not depend on how replications are split over
    processes."""
    k = s.k
    core = tuple(m for m in methods if m in METHODS)
    count = last - first
    out = {f"{m}:{side}": np.full(count, np.nan) for m in methods for side in ("lo", "hi")}
    out["point"] = np.full(count, np.nan)
    out["boot_median"] = np.full(count, np.nan)
    tag = zlib.crc32(s.name.encode())
    for i, r in enumerate(range(first, last)):
        rng = np.random.default_rng([seed, tag, n_docs, r])
        per_doc = simulate_documents(s, n_docs, rng)
        stat = _alpha_stat(per_doc, k)
        w_seed = int(rng.integers(2**62))
        res = intervals(stat, n_docs, document_resamples(n_docs, resamples, w_seed), core)
        if "percentile_n-1" in methods:
            w1 = document_resamples(n_docs, resamples, w_seed + 1, draws=n_docs - 1)
            res["percentile_n-1"] = intervals(stat, n_docs, w1, ("percentile",))["percentile"]
        first_res = next(iter(res.values()))
        if first_res.point is not None:
            out["point"][i] = first_res.point
            if first_res.boot.size:
                out["boot_median"][i] = np.median(first_res.boot)
        for m, v in res.items():
            if v.bounds is not None:
                out[f"{m}:lo"][i], out[f"{m}:hi"][i] = v.bounds
    return out


def _summarise(s: Scenario, n_docs: int, parts: list[dict[str, np.ndarray]],
               methods: tuple[str, ...]) -> dict:
    got = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    truth = true_alpha(s)
    points = got["point"]
    reps = points.size
    out = {"scenario": s.name, "n_docs": n_docs, "truth": truth, "replications": reps,
           "bias_mean": float(np.nanmean(points) - truth),
           "bias_median": float(np.nanmedian(points) - truth),
           "boot_shift": float(np.nanmedian(got["boot_median"] - points)),
           "methods": {}}
    for m in methods:
        lo, hi = got[f"{m}:lo"], got[f"{m}:hi"]
        ok = np.isfinite(lo)
        n_ok = int(ok.sum())
        lo, hi = lo[ok], hi[ok]
        nan = math.nan
        out["methods"][m] = {
            "coverage": float(((lo <= truth) & (truth <= hi)).mean()) if n_ok else nan,
            "miss_low": float((truth < lo).mean()) if n_ok else nan,  # interval wholly above
            "miss_high": float((truth > hi).mean()) if n_ok else nan,  # interval wholly below
            "width": float(np.median(hi - lo)) if n_ok else nan,
            "undefined": 1.0 - n_ok / reps,
        }
    return out


def coverage_runs(cells: list[tuple[Scenario, int]], replications: int, resamples: int,
                  seed: int, methods: tuple[str, ...] = ALL_METHODS, jobs: int = 1,
                  chunk: int = 50) -> list[dict]:
    """Coverage, one-sided misses, median width and undefined share per method, per cell
    (scenario, number of documents); coverage counts defined intervals only."""
    tasks = [(ci, s, n, a, min(a + chunk, replications))
             for ci, (s, n) in enumerate(cells) for a in range(0, replications, chunk)]
    # Big cells first, so two workers finish together.
    tasks.sort(key=lambda t: -t[2])
    results: dict[int, list] = {ci: [] for ci in range(len(cells))}
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            futures = [(t, pool.submit(_replications, t[1], t[2], t[3], t[4], resamples, seed,
                                       methods)) for t in tasks]
            done = [(t, f.result()) for t, f in futures]
    else:
        done = [(t, _replications(t[1], t[2], t[3], t[4], resamples, seed, methods))
                for t in tasks]
    for t, part in sorted(done, key=lambda x: (x[0][0], x[0][3])):
        results[t[0]].append(part)
    return [_summarise(s, n, results[ci], methods) for ci, (s, n) in enumerate(cells)]


def coverage_run(s: Scenario, n_docs: int, replications: int, resamples: int, seed: int,
                 methods: tuple[str, ...] = ALL_METHODS) -> dict:
    """One cell, in this process (what the tests call)."""
    return coverage_runs([(s, n_docs)], replications, resamples, seed, methods)[0]


# ---------------------------------------------------------------- report
def _table(runs: list[dict], methods: tuple[str, ...]) -> str:
    lines = []
    for name in dict.fromkeys(r["scenario"] for r in runs):
        rs = [r for r in runs if r["scenario"] == name]
        lines.append(f"\n{name}: true alpha = {rs[0]['truth']:.4f}, "
                     f"{rs[0]['replications']} replications per size")
        lines.append("  n docs  mean(a^)-a  median(a^)-a  median(boot)-a^")
        for r in rs:
            lines.append(f"  {r['n_docs']:6d}  {r['bias_mean']:+10.4f}  {r['bias_median']:+12.4f}"
                         f"  {r['boot_shift']:+15.4f}")
        lines.append(f"  {'method':15s} {'n':>3s}  {'cover':>6s}  {'miss<lo':>7s}  {'miss>hi':>7s}"
                     f"  {'width':>6s}  {'undef':>6s}")
        for m in methods:
            for r in rs:
                v = r["methods"][m]
                lines.append(f"  {m:15s} {r['n_docs']:3d}  {v['coverage']:6.3f}  {v['miss_low']:7.3f}"
                             f"  {v['miss_high']:7.3f}  {v['width']:6.3f}  {v['undefined']:6.3f}")
    return "\n".join(lines)


def recommend(runs: list[dict], methods: tuple[str, ...],
              nominal: float = 0.95) -> tuple[str, list[tuple], float]:
    """The method to use, the ranking and the tie tolerance.

    Ranked by the mean shortfall below nominal over all cells (an interval that covers 80%
    while claiming 95% is the failure this benchmark exists for; over-coverage is not
    rewarded, it only costs width). Methods whose mean shortfall is within Monte Carlo noise of
    the best — 1.96·√2 standard errors of a mean of the cells' coverages — are ties, and the
    tie goes to the narrowest median interval averaged over all cells, the one that tells the
    reader most. Rows: (method, mean shortfall, worst coverage, width at the smallest n,
    mean width)."""
    small = min(r["n_docs"] for r in runs)
    rows = []
    for m in methods:
        cov = np.array([r["methods"][m]["coverage"] for r in runs])
        width = float(np.median([r["methods"][m]["width"] for r in runs if r["n_docs"] == small]))
        mean_width = float(np.mean([r["methods"][m]["width"] for r in runs]))
        rows.append((m, float(np.maximum(nominal - cov, 0.0).mean()), float(cov.min()), width,
                     mean_width))
    rows.sort(key=lambda t: (t[1], t[4]))
    reps = min(r["replications"] for r in runs)
    tol = 1.96 * math.sqrt(2.0) * math.sqrt(nominal * (1 - nominal) / reps) / math.sqrt(len(runs))
    tied = [t for t in rows if t[1] <= rows[0][1] + tol]
    return min(tied, key=lambda t: t[4])[0], rows, tol


def _bias_note(runs: list[dict]) -> str:
    small = min(r["n_docs"] for r in runs)
    at = [r for r in runs if r["n_docs"] == small]
    figures = "; ".join(f"{r['scenario']}: mean {r['bias_mean']:+.4f}, median "
                        f"{r['bias_median']:+.4f}, bootstrap median - point {r['boot_shift']:+.4f}"
                        for r in at)
    return (f"Bias of the ratio estimator at n={small} ({figures}). alpha-hat runs below the "
            "true alpha at small n and the shift fades with n (table above); the bootstrap "
            "median reproduces only a small part of it, so a percentile-type interval is not "
            "bias-corrected by the bootstrap. The sampling distribution is left-skewed (alpha "
            "<= 1): 'basic', which reflects the bootstrap distribution about the point, puts "
            "that skew the wrong way round and misses most (see its miss<lo).")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few replications and resamples (< 30 s)")
    ap.add_argument("--reps", type=int, default=None, help="replications per size (default 1000)")
    ap.add_argument("--resamples", type=int, default=None, help="bootstrap resamples (default 1000)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="worker processes (default: up to 2)")
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = ap.parse_args(argv)
    reps = args.reps or (150 if args.quick else 1000)
    resamples = args.resamples or (400 if args.quick else 1000)
    large = 50_000 if args.quick else 200_000
    t0 = time.perf_counter()

    print("True alpha: analytic (module doc) vs pooled over", f"{large:,} simulated documents")
    for s in SCENARIOS:
        exact = true_alpha(s)
        sample, se = large_sample_alpha(s, large)
        agree = abs(sample - exact) <= max(4 * se, 1e-3)
        print(f"  {s.name}: analytic {exact:.5f}  simulated {sample:.5f} (MC se {se:.5f})"
              f"  -> {'agree' if agree else 'DISAGREE'}")
        if not agree:
            return 1

    cells = [(s, n) for s in SCENARIOS for n in args.sizes]
    runs = coverage_runs(cells, reps, resamples, args.seed, jobs=args.jobs)
    print(_table(runs, ALL_METHODS))
    mc = 1.96 * math.sqrt(0.95 * 0.05 / reps)
    print(f"\nMonte Carlo margin of a coverage near 0.95 with {reps} replications: ±{mc:.3f}")
    print(_bias_note(runs))
    best, ranked, tol = recommend(runs, ALL_METHODS)
    print(f"\nRanking by mean shortfall below 0.95 over all cells (ties within {tol:.4f}):")
    for m, short, worst, width, mean_width in ranked:
        print(f"  {m:15s} mean shortfall {short:.4f}  worst coverage {worst:.3f}"
              f"  median width at n={min(args.sizes)} {width:.3f}, mean over cells {mean_width:.3f}")
    per = {(r["scenario"], r["n_docs"]): r["methods"][best]["coverage"] for r in runs}
    print(f"\nRecommendation: '{best}' (lowest shortfall up to Monte Carlo noise, then the "
          "narrowest on average). Its coverage: " + "; ".join(f"{sc} n={n}: {c:.3f}"
                                                   for (sc, n), c in per.items()))
    print(f"\n({time.perf_counter() - t0:.1f} s, {reps} replications, {resamples} resamples)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

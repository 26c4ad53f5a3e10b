"""agreement/ordinal.py against independent implementations and Krippendorff's own example.

- Krippendorff's α (ordinal, interval; nominal as a control) against the `krippendorff`
  package on 120 random reliability tables with missing values (fixed seeds);
- weighted κ against scikit-learn's cohen_kappa_score(weights='linear'|'quadratic');
- Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 observers × 12
  units example with missing values: nominal .743, ordinal .815, interval .849;
- ordinal_weights against irrCAC's weight matrices (the lead's AC2 uses them).
"""

from __future__ import annotations

import numpy as np
import pytest

from desk_annotator.agreement import coefficients as co
from desk_annotator.agreement.ordinal import (
    krippendorff_alpha_interval,
    krippendorff_alpha_interval_batch,
    krippendorff_alpha_metric,
    krippendorff_alpha_metric_batch,
    krippendorff_alpha_ordinal,
    krippendorff_alpha_ordinal_batch,
    metric_distances,
    ordinal_weights,
    weighted_cohen_kappa,
    weighted_cohen_kappa_batch,
)

# Krippendorff (2011: 3, 5), observers A-D (rows) × units 1-12, NaN where an observer gave
# no value.
N = np.nan
K2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
])
# His published values (to three decimals).
K2011_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849}


def coincidence(data: np.ndarray, k: int) -> np.ndarray:
    """Coincidence matrix of a coders × units table of values 1..k (NaN missing): every
    ordered pair of values within a unit, weighted 1/(m_u - 1); units with < 2 values drop."""
    o = np.zeros((k, k))
    for column in data.T:
        values = column[~np.isnan(column)].astype(int) - 1
        m = len(values)
        if m < 2:
            continue
        counts = np.bincount(values, minlength=k).astype(float)
        o += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    return o


def random_table(rng: np.random.Generator) -> tuple[np.ndarray, int]:
    coders = int(rng.integers(2, 6))
    units = int(rng.integers(4, 40))
    k = int(rng.integers(2, 7))
    # A latent ordinal value per unit plus coder noise, so α ranges widely (not all ~0).
    truth = rng.integers(1, k + 1, size=units)
    noise = rng.integers(-1, 2, size=(coders, units)) * (rng.random((coders, units)) < 0.4)
    data = np.clip(truth + noise, 1, k).astype(float)
    if rng.random() < 0.3:  # some tables fully random
        data = rng.integers(1, k + 1, size=(coders, units)).astype(float)
    missing = rng.random((coders, units)) < rng.uniform(0.0, 0.45)
    data[missing] = np.nan
    return data, k


CASES = [random_table(np.random.default_rng(seed)) for seed in range(120)]


# -- Krippendorff's α -----------------------------------------------------------------------

@pytest.mark.parametrize("metric", ["nominal", "ordinal", "interval"])
def test_published_example(metric: str) -> None:
    o = coincidence(K2011, 5)
    assert o.sum() == pytest.approx(40.0)  # 40 pairable values (Krippendorff 2011)
    value = krippendorff_alpha_metric(o, metric).value
    assert value == pytest.approx(K2011_ALPHA[metric], abs=5e-4)


def test_published_example_shortcuts_and_nominal_control() -> None:
    o = coincidence(K2011, 5)
    assert krippendorff_alpha_ordinal(o).value == pytest.approx(0.8153875, abs=1e-7)
    assert krippendorff_alpha_interval(o).value == pytest.approx(0.8491071, abs=1e-7)
    assert krippendorff_alpha_metric(o, "nominal").value == pytest.approx(
        co.krippendorff_alpha(o).value, abs=1e-12)


@pytest.mark.parametrize("metric", ["nominal", "ordinal", "interval"])
def test_alpha_matches_the_krippendorff_package(metric: str) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    compared = 0
    for data, k in CASES:
        o = coincidence(data, k)
        ours = krippendorff_alpha_metric(o, metric)
        used = np.unique(data[~np.isnan(data)])
        pairable = (np.sum(~np.isnan(data), axis=0) >= 2).any()
        if not pairable or len(np.unique(np.nonzero(o.sum(axis=1))[0])) < 2:
            assert ours.value is None and ours.reason
            continue
        theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=metric,
                                    value_domain=np.arange(1, k + 1, dtype=float))
        assert ours.value == pytest.approx(theirs, abs=1e-9), (metric, data.tolist(), used)
        compared += 1
    assert compared >= 100


def test_batch_equals_single_and_marks_undefined_nan() -> None:
    stack = np.stack([coincidence(data, 6) for data, k in CASES if k == 6] + [
        np.zeros((6, 6)),                       # nothing pairable
        np.diag([0, 0, 7.0, 0, 0, 0]),          # one value only: no variation
    ])
    for metric, batch in (("ordinal", krippendorff_alpha_ordinal_batch),
                          ("interval", krippendorff_alpha_interval_batch)):
        got = batch(stack)
        assert got.shape == (len(stack),)
        assert np.isnan(got[-2:]).all()
        for o, value in zip(stack[:-2], got[:-2]):
            single = krippendorff_alpha_metric(o, metric).value
            assert (single is None and np.isnan(value)) or value == pytest.approx(single)
    # Nominal batch agrees with coefficients.krippendorff_alpha_batch.
    np.testing.assert_allclose(krippendorff_alpha_metric_batch(stack, "nominal"),
                               co.krippendorff_alpha_batch(stack), equal_nan=True)


def test_undefined_reasons() -> None:
    assert krippendorff_alpha_ordinal(np.zeros((3, 3))).reason == co.NO_PAIRS
    assert "no variation" in krippendorff_alpha_ordinal(np.diag([0, 4.0, 0])).reason
    assert "at least two" in krippendorff_alpha_interval(np.array([[4.0]])).reason


def test_character_weighted_counts_keep_full_scale() -> None:
    # Large counts (characters), one disagreement pair among many agreements: defined and
    # just below 1, not swallowed by the no-variation floor.
    o = np.array([[2e6, 1.0, 0.0], [1.0, 3e6, 0.0], [0.0, 0.0, 5e5]])
    for metric in ("ordinal", "interval"):
        value = krippendorff_alpha_metric(o, metric).value
        assert value is not None and 0.999 < value < 1.0


def test_ordinal_metric_is_krippendorffs_sum_formula() -> None:
    rng = np.random.default_rng(7)
    n = rng.integers(0, 9, size=6).astype(float)
    delta = metric_distances(n, "ordinal")
    for c in range(6):
        for k in range(6):
            lo, hi = min(c, k), max(c, k)
            expected = (n[lo:hi + 1].sum() - (n[c] + n[k]) / 2.0) ** 2
            assert delta[c, k] == pytest.approx(expected)
    assert metric_distances(n, "interval")[0, 5] == 25.0


def test_two_coders_from_a_pair_table() -> None:
    # The engine's route: a two-coder table → coincidences → ordinal α.
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(3)
    a = rng.integers(1, 5, size=30)
    b = np.clip(a + rng.integers(-1, 2, size=30), 1, 4)
    table = np.zeros((4, 4))
    np.add.at(table, (a - 1, b - 1), 1)
    o = co.coincidence_from_pair_table(table)
    theirs = krippendorff.alpha(reliability_data=np.vstack([a, b]).astype(float),
                                level_of_measurement="ordinal", value_domain=[1, 2, 3, 4])
    assert krippendorff_alpha_ordinal(o).value == pytest.approx(theirs, abs=1e-12)


# -- weighted κ -----------------------------------------------------------------------------

def pair_table(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    k = int(rng.integers(2, 7))
    n = int(rng.integers(5, 60))
    a = rng.integers(0, k, size=n)
    b = np.where(rng.random(n) < 0.5, a, rng.integers(0, k, size=n))
    b = np.clip(b + rng.integers(-1, 2, size=n) * (rng.random(n) < 0.3), 0, k - 1)
    return a, b, k


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_weighted_kappa_matches_sklearn(weights: str) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    compared = 0
    for seed in range(100):
        a, b, k = pair_table(np.random.default_rng(1000 + seed))
        table = np.zeros((k, k))
        np.add.at(table, (a, b), 1)
        ours = weighted_cohen_kappa(table, weights)
        if ours.value is None:
            assert len(set(a.tolist()) | set(b.tolist())) == 1
            continue
        theirs = metrics.cohen_kappa_score(a, b, labels=list(range(k)), weights=weights)
        assert ours.value == pytest.approx(theirs, abs=1e-9)
        compared += 1
    assert compared >= 95


def test_identity_weights_give_cohens_kappa_and_batch_matches() -> None:
    tables = []
    for seed in range(40):
        a, b, _ = pair_table(np.random.default_rng(2000 + seed))
        table = np.zeros((6, 6))
        np.add.at(table, (a, b), 1)
        tables.append(table)
    stack = np.stack(tables + [np.zeros((6, 6)), np.diag([0, 0, 5.0, 0, 0, 0])])
    for t in tables:
        assert weighted_cohen_kappa(t, "identity").value == pytest.approx(
            co.cohen_kappa(t).value)
    for weights in ("linear", "quadratic"):
        got = weighted_cohen_kappa_batch(stack, weights)
        assert np.isnan(got[-2:]).all()
        np.testing.assert_allclose(got[:-2], [weighted_cohen_kappa(t, weights).value
                                               for t in tables])
    # A custom agreement-weight matrix is accepted as such.
    w = ordinal_weights(6, "quadratic")
    assert weighted_cohen_kappa(tables[0], w).value == pytest.approx(
        weighted_cohen_kappa(tables[0], "quadratic").value)
    assert weighted_cohen_kappa(np.zeros((3, 3))).reason == co.NO_PAIRS
    assert "no variation" in weighted_cohen_kappa(np.diag([0, 5.0, 0])).reason


def test_weighted_kappa_cohen_1968_hand_example() -> None:
    # 3 ordered values, 10 pairs, linear weights 1, .5, 0. By hand: p_o = (6 + .5·4)/10 = .8;
    # marginals (.5, .4, .1) both ways, p_e = .66; κ_w = (.8 - .66)/(1 - .66) = 7/17.
    table = np.array([[4, 1, 0], [1, 2, 1], [0, 1, 0]], dtype=float)
    assert weighted_cohen_kappa(table, "linear").value == pytest.approx(7 / 17)


# -- weights --------------------------------------------------------------------------------

def test_ordinal_weights() -> None:
    np.testing.assert_allclose(ordinal_weights(3, "linear"),
                               [[1, .5, 0], [.5, 1, .5], [0, .5, 1]])
    np.testing.assert_allclose(ordinal_weights(3, "quadratic"),
                               [[1, .75, 0], [.75, 1, .75], [0, .75, 1]])
    np.testing.assert_array_equal(ordinal_weights(4, "identity"), np.eye(4))
    np.testing.assert_array_equal(ordinal_weights(1, "quadratic"), [[1.0]])
    with pytest.raises(ValueError):
        ordinal_weights(3, "ordinal")
    with pytest.raises(ValueError):
        ordinal_weights(0, "linear")


@pytest.mark.parametrize("kind", ["identity", "linear", "quadratic"])
def test_ordinal_weights_match_irrcac(kind: str) -> None:
    weights = pytest.importorskip("irrCAC.weights")
    for k in range(2, 8):
        theirs = weights.Weights(list(range(1, k + 1)))[kind]
        np.testing.assert_allclose(ordinal_weights(k, kind), theirs, atol=1e-12)


def test_irrcac_ac2_on_the_published_table_uses_these_weights() -> None:
    # Documents for the lead how irrCAC is called for AC2 with missing values and weights;
    # passing our weight matrix gives the same coefficient as the weight name.
    pd = pytest.importorskip("pandas")
    raw = pytest.importorskip("irrCAC.raw")
    ratings = pd.DataFrame(K2011.T)  # units × raters, NaN missing
    cats = [1.0, 2.0, 3.0, 4.0, 5.0]
    for kind in ("linear", "quadratic"):
        by_name = raw.CAC(ratings, weights=kind, categories=cats, digits=12).gwet()["est"]
        by_matrix = raw.CAC(ratings, weights=ordinal_weights(5, kind), categories=cats,
                            digits=12).gwet()["est"]
        assert by_name["coefficient_name"] == "AC2"
        assert by_matrix["coefficient_value"] == pytest.approx(by_name["coefficient_value"])
    ac1 = raw.CAC(ratings, categories=cats, digits=12).gwet()["est"]["coefficient_value"]
    assert ac1 == pytest.approx(0.77544, abs=5e-6)  # irrCAC's documented AC1 for this table

"""Agreement coefficients reproduce published worked examples (to 3-4 decimals as printed)."""

from __future__ import annotations

import numpy as np
import pytest

from desk_annotator.agreement import (
    AgreementData,
    DocUnits,
    SpanUnit,
    compute_agreement,
)
from desk_annotator.agreement import coefficients as co
from desk_annotator.agreement.unitizing import unitizing_alpha


def one_char_documents(rows: list[list[object]], coders: list[str]) -> AgreementData:
    """Each unit becomes a one-character document; None = the coder did not code that unit."""
    labels = sorted({str(v) for row in rows for v in row if v is not None})
    docs = []
    for u, row in enumerate(rows):
        spans = {c: [SpanUnit(0, 1, str(v), (), "t")] for c, v in zip(coders, row) if v is not None}
        docs.append(DocUnits(f"u{u}", f"unit {u}", 1, set(spans), set(), spans))
    return AgreementData(coders, labels, [], docs)


def table_rows(table: list[list[int]], names: list[str]) -> list[list[object]]:
    return [[names[i], names[j]] for i, r in enumerate(table) for j, n in enumerate(r)
            for _ in range(n)]


def test_krippendorff_2011_nominal_with_missing_values():
    # Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
    # 12 units, nominal data with missing values: alpha = 0.743.
    _ = None
    data = [
        [1, 1, _, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [_, 5, 5, 5], [_, _, 1, 1], [_, 3, _, _],
    ]
    report = compute_agreement(one_char_documents(data, ["A", "B", "C", "D"]), bootstrap=0)
    assert report["stance"]["alpha"] == pytest.approx(0.743, abs=5e-4)
    assert report["documents"] == 11  # unit 12 has a single value: not pairable


FLEISS_1971 = [  # Fleiss (1971: 379), 30 patients × 6 psychiatrists, 5 diagnoses
    (4, 4, 4, 4, 4, 4), (2, 2, 2, 5, 5, 5), (2, 3, 3, 3, 3, 5), (5, 5, 5, 5, 5, 5),
    (2, 2, 2, 4, 4, 4), (1, 1, 3, 3, 3, 3), (3, 3, 3, 3, 5, 5), (1, 1, 3, 3, 3, 4),
    (1, 1, 4, 4, 4, 4), (5, 5, 5, 5, 5, 5), (1, 4, 4, 4, 4, 4), (1, 2, 4, 4, 4, 4),
    (2, 2, 2, 3, 3, 3), (1, 4, 4, 4, 4, 4), (2, 2, 4, 4, 4, 5), (3, 3, 3, 3, 3, 5),
    (1, 1, 1, 4, 5, 5), (1, 1, 1, 1, 1, 2), (2, 2, 4, 4, 4, 4), (1, 3, 3, 5, 5, 5),
    (5, 5, 5, 5, 5, 5), (2, 4, 4, 4, 4, 4), (2, 2, 4, 5, 5, 5), (1, 1, 4, 4, 4, 4),
    (1, 4, 4, 4, 4, 5), (2, 2, 2, 2, 2, 4), (1, 1, 1, 1, 5, 5), (2, 2, 4, 4, 4, 4),
    (1, 3, 3, 3, 3, 3), (5, 5, 5, 5, 5, 5),
]


def test_fleiss_1971_table():
    # Fleiss (1971) Psych. Bull. 76(5): P̄ = .5556, P̄e = .2201, kappa = .430.
    table = np.array([[row.count(k) for k in range(1, 6)] for row in FLEISS_1971])
    assert co.fleiss_kappa(co.multi_rater_counts(table)).value == pytest.approx(0.4302, abs=5e-4)
    report = compute_agreement(one_char_documents([list(r) for r in FLEISS_1971],
                                                  [f"r{i}" for i in range(6)]), bootstrap=0)
    assert report["stance"]["fleiss_kappa"] == pytest.approx(0.430, abs=5e-4)


COHEN_1960_P45 = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]  # Cohen (1960: 45), N = 200


def test_cohen_1960_example():
    # Cohen (1960) EPM 20(1): p_o = .70, p_c = .41, kappa = .492.
    assert co.cohen_kappa(np.array(COHEN_1960_P45)).value == pytest.approx(0.4915, abs=1e-4)
    report = compute_agreement(one_char_documents(table_rows(COHEN_1960_P45, ["1", "2", "3"]),
                                                  ["A", "B"]), bootstrap=0)
    assert report["stance"]["pairs"][0]["cohen_kappa"] == pytest.approx(0.492, abs=5e-4)
    assert report["stance"]["pairs"][0]["percent_agreement"] == pytest.approx(0.70)


def test_artstein_poesio_2008_two_coder_tables():
    # Artstein & Poesio (2008) CL 34(4): p. 558 table (STAT/IReq): Ao=.7, S=.4, pi=.341, kappa=.348
    t1 = np.array([[20, 10], [20, 50]])
    assert co.percent_agreement(t1).value == pytest.approx(0.7)
    assert co.brennan_prediger(t1, 2).value == pytest.approx(0.4, abs=1e-4)
    assert co.scott_pi(t1).value == pytest.approx(0.341, abs=5e-4)
    assert co.cohen_kappa(t1).value == pytest.approx(0.348, abs=5e-4)
    # p. 568 table (STAT/IReq/Chck): Ao=.88, S=.82, pi=.7995, kappa=.8013, alpha=.800
    t2 = np.array([[46, 0, 0], [6, 32, 6], [0, 0, 10]])
    assert co.brennan_prediger(t2, 3).value == pytest.approx(0.82, abs=1e-4)
    assert co.scott_pi(t2).value == pytest.approx(0.7995, abs=1e-4)
    assert co.cohen_kappa(t2).value == pytest.approx(0.8013, abs=1e-4)
    # alpha: D_o = .120, D_e = .601 as printed; .800 there is 1 - .120/.601 from the rounded D_e,
    # the unrounded value is .8005.
    alpha = co.krippendorff_alpha(co.coincidence_from_pair_table(t2))
    assert alpha.value == pytest.approx(1 - 0.12 / 0.60161, abs=1e-4)
    assert alpha.value == pytest.approx(0.800, abs=1e-3)


def test_gwet_ac1_two_raters():
    # Gwet (2008) BJMSP 61(1) definition; values as in DKPro Statistics' Gwet2008Test:
    # hand example (q=2) AC1 = .8658, Cohen (1960: 45) table (q=3) AC1 = .5760.
    hand = np.array([[8, 1], [0, 1]])
    assert co.gwet_ac1(hand, 2).value == pytest.approx(0.8658, abs=1e-4)
    assert co.gwet_ac1(np.array(COHEN_1960_P45), 3).value == pytest.approx(0.5760, abs=1e-4)
    # With two raters the multi-rater form must agree with the two-rater one.
    counts = co.multi_rater_counts(np.array([[2, 0]] * 8 + [[0, 2]] + [[1, 1]]))
    assert co.gwet_ac1_multi(counts, 2).value == pytest.approx(0.8658, abs=1e-4)


def test_unitizing_alpha_krippendorff_2004_p254():
    # Krippendorff (2004) Content Analysis, 2nd ed., p. 254 (continuum 150-450, two observers):
    # category c: D_O = .0144, D_E = .0532, alpha_c = .7286; category k: D_O = 0, alpha_k = 1.
    # (Numbers as reproduced in DKPro Statistics' Krippendorff2004Test.)
    units = {"c": [[(225, 295), (370, 400)], [(220, 300), (355, 375), (400, 420)]],
             "k": [[(180, 240), (300, 350)], [(180, 240), (300, 350)]]}
    result = unitizing_alpha(units, 300, begin=150)
    c, k = result["per_label"]["c"], result["per_label"]["k"]
    assert c["observed"] == pytest.approx(0.0144, abs=5e-5)
    assert c["expected"] == pytest.approx(0.0532, abs=5e-5)
    assert c["alpha_u"] == pytest.approx(0.7286, abs=5e-5)
    assert k["observed"] == 0.0 and k["alpha_u"] == pytest.approx(1.0)
    assert k["expected"] == pytest.approx(0.0490, abs=5e-5)
    # The book's overall .8591 is 1 - .0144/(.0532+.0490) from the rounded disagreements.
    assert 1 - round(c["observed"], 4) / (round(c["expected"], 4) + round(k["expected"], 4)) \
        == pytest.approx(0.8591, abs=5e-5)
    assert result["alpha_u"] == pytest.approx(0.8591, abs=5e-4)


def _krippendorff_1995(stretch: float) -> tuple[dict[str, list[list[tuple[int, int]]]], int]:
    def units(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return [(int(a * stretch), int(a * stretch) + int(n * stretch)) for a, n in pairs]
    return {
        "A": [units([(2, 8), (14, 6)]), units([(4, 4), (15, 2)])],
        "B": [units([(0, 18)]), units([(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)])],
        "C": [units([(2, 6), (10, 2), (14, 4), (20, 2)]),
              units([(0, 2), (4, 4), (10, 4), (16, 2), (20, 2)])],
        "D": [units([(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)]),
              units([(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)])],
    }, int(24 * stretch)


def test_unitizing_alpha_krippendorff_1995_p57():
    # Krippendorff (1995) Sociological Methodology 25: 47-76, example p. 57 (pairs A-D).
    # Observed disagreements as published; expected/alpha with DKPro's tolerances, which note a
    # small error in the paper's D_E (a '+' that should be '-', cf. Krippendorff 2004).
    result = unitizing_alpha(*_krippendorff_1995(1))["per_label"]
    for name, d_o in {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}.items():
        assert result[name]["observed"] == pytest.approx(d_o, abs=1e-5)
    large = unitizing_alpha(*_krippendorff_1995(50000))["per_label"]
    for name, d_e, alpha in [("A", 0.06990, 0.553), ("B", 1.17731, -0.926),
                             ("C", 0.08642, 0.679), ("D", 0.41445, 0.066)]:
        assert large[name]["expected"] == pytest.approx(d_e, abs=5e-3)
        assert large[name]["alpha_u"] == pytest.approx(alpha, abs=0.02)
    half = unitizing_alpha(*_krippendorff_1995(0.5))["per_label"]["C"]
    assert half["expected"] == pytest.approx(0.05494, abs=1e-5)
    assert half["alpha_u"] == pytest.approx(0.494, abs=0.02)

"""The engine against reference packages on random data, and its edge cases.

References are computed from a naive per-character matrix built here, independently of the
engine's run-length segments.
"""

from __future__ import annotations

import itertools
import random

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from desk_annotator.agreement import (
    AgreementData,
    DocUnits,
    SpanUnit,
    build_agreement_data,
    compute_agreement,
    largest_disagreements,
)
from desk_annotator.errors import OperationError
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    DocStatus,
    DocumentInfo,
    Label,
)

STANCES = ["pro", "con", "neutral"]
THEMES = ["x", "y"]


def random_data(seed: int, n_docs: int = 14, coders: tuple[str, ...] = ("a", "b", "c")) -> AgreementData:
    rng = random.Random(seed)
    docs = []
    for d in range(n_docs):
        length = rng.choice([0, 1, 30, 80, 150])
        coded = {c for c in coders if rng.random() < 0.8}
        spans: dict[str, list[SpanUnit]] = {}
        for c in coded:
            spans[c] = []
            for k in range(rng.randint(0, 6) if length else 0):
                s = rng.randrange(length)
                e = min(length, s + rng.randint(1, 40))
                stance = rng.choice(STANCES + [None])
                themes = tuple(t for t in THEMES if rng.random() < 0.4)
                spans[c].append(SpanUnit(s, e, stance, themes, f"2025-01-{rng.randint(1, 9):02d}"))
        docs.append(DocUnits(f"d{d}", f"Doc {d}", length, coded, set(), spans))
    return AgreementData(list(coders), STANCES, THEMES, docs)


def naive_matrix(data: AgreementData, theme: str | None = None) -> np.ndarray:
    """Characters × coders, NaN where the coder did not code; per-character loops on purpose."""
    cols = []
    for doc in data.documents:
        if len(doc.coded_by & set(data.coders)) < 2:
            continue
        for i in range(doc.length):
            row = []
            for c in data.coders:
                if c not in doc.coded_by:
                    row.append(np.nan)
                    continue
                covering = [s for s in doc.spans.get(c, []) if s.start <= i < s.end]
                if theme is not None:
                    row.append(float(any(theme in s.themes for s in covering)))
                    continue
                with_stance = [s for s in covering if s.stance]
                if not with_stance:
                    row.append(0.0)
                    continue
                best = min(with_stance, key=lambda s: (s.end - s.start, [-ord(ch) for ch in s.created]))
                # Same length: the most recently created wins; equal created: the later one.
                same = [s for s in with_stance if s.end - s.start == best.end - best.start]
                latest = max(s.created for s in same)
                row.append(float(STANCES.index([s for s in same if s.created == latest][-1].stance) + 1))
            cols.append(row)
    return np.array(cols, dtype=float).T.reshape(len(data.coders), -1)


def naive_gwet(data: AgreementData, theme: str | None, q: int) -> dict[str, float]:
    """Gwet (2014) with missing ratings, one character at a time: p_a over characters with two
    or more ratings, prevalence over characters with at least one (single-coder documents too)."""
    matrix = naive_matrix(data, theme)
    columns = [matrix[:, i] for i in range(matrix.shape[1])]
    for doc in data.documents:
        real = sorted(doc.coded_by & set(data.coders))
        if len(real) != 1:
            continue
        # naive_matrix needs two coders: add a phantom one and keep only the real coder's row.
        twin = DocUnits(doc.id, doc.title, doc.length, {real[0], "phantom"}, set(),
                        {real[0]: doc.spans.get(real[0], [])})
        rows = naive_matrix(AgreementData([real[0], "phantom"], data.stance_labels,
                                          data.theme_labels, [twin]), theme)
        columns += [rows[:1, i] for i in range(rows.shape[1])]
    n_values = 2 if theme is not None else len(STANCES) + 1
    pa_sum = n2 = n1 = 0.0
    pi = np.zeros(n_values)
    for col in columns:
        ratings = [int(v) for v in col if not np.isnan(v)]
        r = len(ratings)
        if r >= 1:
            n1 += 1
            for v in ratings:
                pi[v] += 1.0 / r
        if r >= 2:
            n2 += 1
            pa_sum += sum(ratings.count(k) * (ratings.count(k) - 1) for k in set(ratings)) / (r * (r - 1))
    if n2 == 0:
        return {}
    pa, pi = pa_sum / n2, pi / n1
    pe_f = float((pi * pi).sum())
    pe_g = float((pi * (1 - pi)).sum() / (q - 1))
    out = {"percent_agreement": pa, "brennan_prediger": (pa - 1 / q) / (1 - 1 / q)}
    if pe_f < 1 - 1e-12:
        out["fleiss_kappa"] = (pa - pe_f) / (1 - pe_f)
    if pe_g < 1 - 1e-12:
        out["gwet_ac1"] = (pa - pe_g) / (1 - pe_g)
    return out


def reference_alpha(matrix: np.ndarray) -> float:
    return krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")


@pytest.mark.parametrize("seed", range(6))
def test_matches_reference_packages(seed):
    data = random_data(seed)
    report = compute_agreement(data, bootstrap=50)
    for theme in [None] + THEMES:
        block = report["stance"] if theme is None else report["themes"][theme]
        matrix = naive_matrix(data, theme)
        assert block["alpha"] == pytest.approx(reference_alpha(matrix), abs=1e-5)
        full = matrix[:, ~np.isnan(matrix).any(axis=0)].T.astype(int)
        if full.size:
            expected = fleiss_kappa(aggregate_raters(full, n_cat=len(STANCES) + 1)[0])
            assert block["fleiss_kappa_complete"] == pytest.approx(expected, abs=1e-5)
        gwet = naive_gwet(data, theme, block["categories_q"])
        for key, value in gwet.items():
            assert block[key] == pytest.approx(value, abs=1e-9), key
        agree = total = 0
        for pair, (a, b) in zip(block["pairs"], itertools.combinations(range(3), 2)):
            both = ~np.isnan(matrix[a]) & ~np.isnan(matrix[b])
            ka = cohen_kappa_score(matrix[a, both], matrix[b, both]) if both.any() else None
            if pair["cohen_kappa"] is not None:
                assert pair["cohen_kappa"] == pytest.approx(ka, abs=1e-5)
            agree += (matrix[a, both] == matrix[b, both]).sum()
            total += both.sum()
        if total:
            assert block["percent_agreement_pairs"] == pytest.approx(agree / total, abs=1e-6)
    coded_only = naive_matrix(data)
    coded_only[coded_only == 0] = np.nan
    pairable = (~np.isnan(coded_only)).sum(axis=0) >= 2
    if len(np.unique(coded_only[:, pairable][~np.isnan(coded_only[:, pairable])])) > 1:
        assert report["stance"]["alpha_coded"] == pytest.approx(
            reference_alpha(coded_only[:, pairable]), abs=1e-5)


def brute_f1(a: list[SpanUnit], b: list[SpanUnit]) -> tuple[float, float]:
    la = [(s.start, s.end, s.stance) for s in a if s.stance]
    lb = [(s.start, s.end, s.stance) for s in b if s.stance]
    exact = sum(min(la.count(k), lb.count(k)) for k in set(la))
    cands = sorted(((min(x[1], y[1]) - max(x[0], y[0]), i, j) for i, x in enumerate(la)
                    for j, y in enumerate(lb) if x[2] == y[2] and min(x[1], y[1]) > max(x[0], y[0])),
                   key=lambda t: (-t[0], t[1], t[2]))
    used_a, used_b, tp = set(), set(), 0
    for _, i, j in cands:
        if i not in used_a and j not in used_b:
            used_a.add(i), used_b.add(j)
            tp += 1
    n = len(la) + len(lb)
    return 2 * exact / n, 2 * tp / n


def test_f1_exact_and_overlap_match_brute_force():
    spans_a = [SpanUnit(0, 10, "pro", (), "1"), SpanUnit(5, 20, "pro", (), "1"),
               SpanUnit(30, 40, "con", (), "1"), SpanUnit(30, 40, "con", (), "2")]
    spans_b = [SpanUnit(0, 10, "pro", (), "1"), SpanUnit(8, 25, "pro", (), "1"),
               SpanUnit(32, 38, "pro", (), "1"), SpanUnit(30, 40, "con", (), "1")]
    doc = DocUnits("d", "D", 50, {"a", "b"}, set(), {"a": spans_a, "b": spans_b})
    pair = compute_agreement(AgreementData(["a", "b"], STANCES, [], [doc]),
                             bootstrap=0)["stance"]["pairs"][0]
    exact, overlap = brute_f1(spans_a, spans_b)
    assert (pair["f1_exact"], pair["f1_overlap"]) == pytest.approx((exact, overlap))
    assert pair["f1_exact"] == pytest.approx(2 * 2 / 8)
    assert pair["f1_overlap"] == pytest.approx(2 * 3 / 8)


def test_shortest_span_wins_and_ties_go_to_the_most_recent():
    spans = [SpanUnit(0, 10, "pro", (), "2025-01-01"), SpanUnit(2, 4, "con", (), "2025-01-01"),
             SpanUnit(6, 8, "neutral", (), "2025-01-01"), SpanUnit(6, 8, "con", (), "2025-01-02")]
    other = [SpanUnit(0, 10, "pro", (), "2025-01-01")]
    data = AgreementData(["a", "b"], STANCES, [], [
        DocUnits("d", "D", 10, {"a", "b"}, set(), {"a": spans, "b": other})])
    matrix = compute_agreement(data, bootstrap=0)["stance"]["pairs"][0]["confusion"]["matrix"]
    # a: pro on 0-2, 4-6, 8-10 (6 chars), con on 2-4 and 6-8 (4 chars); b: pro everywhere.
    assert matrix[1][1] == 6 and matrix[2][1] == 4 and matrix[3][1] == 0


def test_one_coder_gives_nulls_with_reasons():
    data = random_data(1, coders=("a",))
    report = compute_agreement(data)
    assert report["documents"] == 0 and report["stance"]["pairs"] == []
    for key in ("alpha", "ci95", "alpha_u", "fleiss_kappa", "percent_agreement"):
        assert report["stance"][key] is None
        assert "two coders" in report["stance"]["reasons"][key] or key == "ci95"


def test_no_variation_is_null_with_reason():
    same = [SpanUnit(0, 5, "pro", ("x",), "1")]
    data = AgreementData(["a", "b"], STANCES, THEMES, [
        DocUnits("d", "D", 5, {"a", "b"}, set(), {"a": same, "b": same})])
    report = compute_agreement(data)
    stance = report["stance"]
    assert stance["alpha"] is None and "variation" in stance["reasons"]["alpha"]
    assert stance["percent_agreement"] == 1.0
    assert stance["pairs"][0]["cohen_kappa"] is None
    assert stance["pairs"][0]["f1_exact"] == 1.0
    assert report["themes"]["y"]["pairs"][0]["f1_exact"] is None


def test_skipped_documents_are_missing_not_none():
    spans = [SpanUnit(0, 4, "pro", (), "1")]
    docs = [DocUnits("d1", "1", 4, {"a", "b"}, set(), {"a": spans, "b": spans}),
            DocUnits("d2", "2", 4, {"a", "c"}, set(), {"a": spans, "c": spans}),
            DocUnits("d3", "3", 6, {"a", "b", "c"}, set(), {"a": spans, "b": spans}),
            DocUnits("d0", "empty", 0, {"a", "b"}, set(), {})]
    report = compute_agreement(AgreementData(["a", "b", "c"], STANCES, [], docs), bootstrap=0)
    # c skipped d1: treating it as 'none' would lower agreement; missing keeps d1 perfect.
    by_id = {d["id"]: d for d in report["stance"]["documents"]}
    assert by_id["d1"]["percent_agreement"] == 1.0
    assert by_id["d0"]["alpha"] is None and by_id["d0"]["reasons"]["alpha"]
    # Complete cases (v1 Fleiss) keep only d3; Gwet's missing-data form rates every character
    # two or more coders rated (d1, d2, d3 = 14) and keeps d1's and d2's perfect agreement.
    assert report["stance"]["n_units"]["complete_characters"] == 6
    assert report["stance"]["n_units"]["rated_characters"] == 14
    assert report["stance"]["percent_agreement_complete"] < 1.0
    # d3: characters 0-3 a,b say pro, c none -> 1/3 of pairs agree; 4-5 all none -> 1.
    expected = (4 * 1.0 + 4 * 1.0 + 4 * (1 / 3) + 2 * 1.0) / 14
    assert report["stance"]["percent_agreement"] == pytest.approx(expected)


def test_bootstrap_is_seeded_and_brackets_alpha():
    data = random_data(3, n_docs=30)
    one = compute_agreement(data, bootstrap=1000, seed=7)["stance"]
    two = compute_agreement(data, bootstrap=1000, seed=7)["stance"]
    assert one["ci95"] == two["ci95"]
    assert one["ci95"][0] <= one["alpha"] <= one["ci95"][1]
    assert compute_agreement(data, bootstrap=1000, seed=8)["stance"]["ci95"] != one["ci95"]
    with pytest.raises(OperationError):
        compute_agreement(data, bootstrap=-1)


def test_largest_disagreements_names_passages_and_labels():
    a = [SpanUnit(0, 10, "pro", ("x",), "1")]
    b = [SpanUnit(0, 10, "con", (), "1"), SpanUnit(20, 22, "pro", (), "1")]
    data = AgreementData(["a", "b"], STANCES, THEMES, [
        DocUnits("d", "D", 30, {"a", "b"}, set(), {"a": a, "b": b})])
    top = largest_disagreements(data, limit=5)
    assert [(p["start"], p["end"]) for p in top] == [(0, 10), (20, 22)]
    assert top[0]["coders"]["a"] == {"coded": True, "stance": ["pro"], "themes": ["x"]}
    assert top[0]["coders"]["b"]["stance"] == ["con"]


def test_build_agreement_data_from_models():
    stance = [Label(scheme="stance", name=n) for n in STANCES]
    themes = [Label(scheme="themes", name=n) for n in THEMES]
    book = Codebook(labels=stance + themes)
    coders = [Coder(name="ann"), Coder(name="bob"), Coder(name="gold")]
    docs = [DocumentInfo(title="T", sha256="0", length=20),
            DocumentInfo(title="U", sha256="1", length=5)]
    anns = [Annotation(document_id=docs[0].id, coder_id=coders[0].id, start=0, end=30, quote="",
                       stance_id=stance[1].id, theme_ids=[themes[0].id, themes[1].id]),
            Annotation(document_id=docs[0].id, coder_id=coders[2].id, start=0, end=3, quote="")]
    statuses = [DocStatus(document_id=docs[0].id, coder_id=coders[1].id, status="done")]
    data = build_agreement_data(book, coders, docs, anns, statuses, themes=["y"])
    assert data.coders == ["ann", "bob"] and data.theme_labels == ["y"]
    first = data.documents[0]
    assert first.coded_by == {"ann", "bob"} and first.done_by == {"bob"}
    assert first.spans["ann"] == [SpanUnit(0, 20, "con", ("y",), anns[0].created)]
    done = build_agreement_data(book, coders, docs, anns, statuses, done_only=True)
    assert done.documents[0].coded_by == {"bob"}
    with pytest.raises(OperationError, match="unknown coder"):
        build_agreement_data(book, coders, docs, anns, statuses, coder_names=["zed"])

"""Agreement at scale (issue 14): the columnar read of a project and the faster engine paths
must give exactly the figures of the model-by-model path they replace."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from desk_annotator.agreement import compute_agreement
from desk_annotator.agreement import spans as spans_module
from desk_annotator.agreement.data import (
    AgreementData,
    DocUnits,
    SpanUnit,
    build_agreement_data,
)
from desk_annotator.agreement.from_rows import agreement_data_from_rows
from desk_annotator.agreement.spans import LabelledSpans, _overlap_matches
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.project import Project
from desk_annotator.store.agreement_queries import span_rows
from desk_annotator.text import sha256_text

STANCES = ["pro", "contra", "neutral"]
THEMES = ["chips", "safety", "labour", "privacy"]


def _project(path: Path) -> Project:
    """Five coders (one of them gold, one a model) on 12 documents: overlapping spans, ties
    in length and creation time, several themes per span, stance-less spans, statuses."""
    rng = random.Random(7)
    stance = [Label(scheme="stance", name=n, order=i) for i, n in enumerate(STANCES)]
    themes = [Label(scheme="themes", name=n, order=i) for i, n in enumerate(THEMES)]
    coders = [Coder(name=n) for n in ("ann", "bob", "cy", "gold", "model:tfidf")]
    docs, anns = [], []
    for d in range(12):
        text = " ".join(rng.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(80))
        doc = Document(title=f"Doc {d}", text=text, sha256=sha256_text(text))
        docs.append(doc)
        for coder in coders:
            if rng.random() < 0.2:
                continue  # this coder skipped the document
            for _ in range(rng.randrange(1, 9)):
                start = rng.randrange(0, len(text) - 40)
                end = start + rng.choice([10, 10, 25, 40])
                anns.append(Annotation.model_construct(
                    id=f"a{len(anns)}", document_id=doc.id, coder_id=coder.id, start=start,
                    end=end, quote=text[start:end],
                    stance_id=rng.choice([None] + [lb.id for lb in stance]),
                    theme_ids=[lb.id for lb in themes if rng.random() < 0.3], note=None,
                    created=f"2025-08-0{rng.randrange(1, 3)}T10:00:00+00:00",
                    updated="2025-08-01T00:00:00+00:00"))
    project = Project(path)
    project.import_codebook(Codebook(name="t", labels=stance + themes))
    project.import_snapshot(ProjectSnapshot.model_construct(
        codebook=Codebook(labels=stance + themes), coders=coders, documents=docs,
        annotations=anns, statuses=[]), source="test", labels="strict")
    q = project.q
    ids = {c.name: c.id for c in q.coders()}
    infos = q.document_infos()
    for info in infos[::3]:
        project.set_status(info.id, ids["ann"], "done")
        project.set_status(info.id, ids["bob"], "done")
    project.set_status(infos[1].id, ids["cy"], "done")
    return project


SELECTIONS = [
    {},
    {"coder_names": ["bob", "ann", "gold"]},
    {"include_models": True},
    {"themes": ["privacy", "chips"]},
    {"done_only": True},
    {"document_ids": "odd"},
]


@pytest.mark.parametrize("selection", SELECTIONS)
def test_columns_read_gives_the_model_path_figures(tmp_path: Path, selection: dict) -> None:
    project = _project(tmp_path / "p.sqlite")
    q = project.q
    options = dict(selection)
    if options.get("document_ids") == "odd":
        options["document_ids"] = [d.id for d in q.document_infos()][1::2]
    ids = options.get("document_ids")
    by_models = build_agreement_data(q.codebook(), q.coders(), q.document_infos(ids),
                                     q.annotations(), q.statuses(), **options)
    by_columns = agreement_data_from_rows(q.codebook(), q.coders(), span_rows(q, ids), **options)
    assert by_columns.coders == by_models.coders
    assert [(d.id, d.length, d.coded_by, d.done_by) for d in by_columns.documents] == \
        [(d.id, d.length, d.coded_by, d.done_by) for d in by_models.documents]
    expected = json.dumps(compute_agreement(by_models, bootstrap=50), sort_keys=True)
    assert json.dumps(compute_agreement(by_columns, bootstrap=50), sort_keys=True) == expected
    project.close()


def test_unknown_document_id_is_one_clear_error(tmp_path: Path) -> None:
    project = _project(tmp_path / "p.sqlite")
    q = project.q
    from desk_annotator.errors import OperationError

    with pytest.raises(OperationError, match="unknown document id"):
        agreement_data_from_rows(q.codebook(), q.coders(), span_rows(q, ["nope"]),
                                 document_ids=["nope"])
    project.close()


def _greedy(a: LabelledSpans, b: LabelledSpans) -> list[int]:
    """The definition, written out: all same-label overlapping pairs by largest overlap (ties:
    earlier span of a, then of b), each span used at most once."""
    candidates = []
    for i in range(a.label.size):
        for j in range(b.label.size):
            if a.label[i] != b.label[j]:
                continue
            overlap = min(a.end[i], b.end[j]) - max(a.start[i], b.start[j])
            if overlap > 0:
                candidates.append((-overlap, i, j))
    used_a, used_b, matched = set(), set(), []
    for _, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            matched.append(i)
    return sorted(matched)


@pytest.mark.parametrize("rounds", [1, spans_module.GREEDY_ROUNDS])
@pytest.mark.parametrize("seed", range(4))
def test_overlap_matching_is_the_greedy_rule(seed: int, rounds: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Vectorised rounds, and (rounds=1) the loop that finishes what they leave."""
    monkeypatch.setattr(spans_module, "GREEDY_ROUNDS", rounds)
    rng = np.random.default_rng(seed)

    def spans(n: int) -> LabelledSpans:
        start = rng.integers(0, 200, n)
        end = start + rng.integers(1, 40, n)
        return LabelledSpans(rng.integers(0, 2, n), start, end, np.zeros(n, np.int64))

    a, b = spans(60), spans(50)
    assert sorted(_overlap_matches(a, b, 1000).tolist()) == _greedy(a, b)


def test_many_coders_pairs_and_coincidences_by_hand() -> None:
    """Four coders, one 10-character document: coder pairs' tables and α's coincidences."""
    def doc(spans: dict[str, list[tuple[int, int, str]]]) -> DocUnits:
        return DocUnits("d", "d", 10, set(spans), set(), {
            c: [SpanUnit(s, e, st, (), "2025-01-01T00:00:00") for s, e, st in v]
            for c, v in spans.items()})

    data = AgreementData(["A", "B", "C", "D"], ["x", "y"], [], [doc({
        "A": [(0, 10, "x")], "B": [(0, 10, "x")], "C": [(0, 5, "x"), (5, 10, "y")],
        "D": [(0, 10, "y")]})])
    report = compute_agreement(data, bootstrap=0)
    # Characters 0-4: x x x y; 5-9: x x y y. Pair A-C agrees on 5 of 10, A-B on all 10.
    pairs = {tuple(p["coders"]): p for p in report["stance"]["pairs"]}
    assert pairs["A", "B"]["percent_agreement"] == 1.0
    assert pairs["A", "C"]["percent_agreement"] == 0.5
    assert pairs["A", "C"]["confusion"]["matrix"] == [[0, 0, 0], [0, 5, 5], [0, 0, 0]]
    # Coincidences (values x, y): per character n_x(n_x-1)/(m-1) etc. with m = 4:
    # 0-4: o_xx = 3·2/3 = 2, o_xy = o_yx = 3·1/3 = 1; 5-9: o_xx = 2/3, o_yy = 2/3, o_xy = 4/3.
    # Sums over 10 characters: o_xx = 13.33, o_yy = 3.33, o_xy = 11.67; n_x = 25, n_y = 15.
    n = 40.0
    d_o = 2 * (5 * 1 + 5 * 4 / 3) / n
    d_e = 2 * 25 * 15 / (n * (n - 1))
    assert report["stance"]["alpha"] == pytest.approx(1 - d_o / d_e, abs=1e-12)


def test_bootstrap_alpha_u_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sparse product, the gathering loop and the dense tables compute the same bilinear
    unit × gap term of αU for every resample."""
    from desk_annotator.agreement import intervals as iv
    from desk_annotator.agreement import unitizing as un

    rng = np.random.default_rng(3)
    n_docs, n = 40, 600
    doc_length = rng.integers(200, 400, n_docs)
    doc = rng.integers(0, n_docs, n)
    start = rng.integers(0, 150, n)
    end = start + rng.integers(1, 60, n)
    coded = rng.random((n_docs, 3)) < 0.9
    args = ("stance", ["a", "b"], doc_length, coded, doc, rng.integers(0, 3, n),
            rng.integers(0, 2, n), start, end)
    w = iv.document_resamples(n_docs, 100, 11)
    results = {}
    for path in ("sparse", "gather", "dense"):
        monkeypatch.setattr(un, "DENSE_CELLS", 10**9 if path == "dense" else 0)
        monkeypatch.setattr(un, "DENSE_FACTOR", 10**9)
        if path == "gather":
            monkeypatch.setattr(un, "sparse_cross_table", lambda *a: None)
        scheme = un.UnitizingScheme(*args)
        scheme._prepare()
        assert {t[0] for t in scheme._cross_tables} == {path}
        results[path] = scheme.alpha_u(w)[1]
    assert np.array_equal(results["sparse"], results["gather"])
    assert np.allclose(results["dense"], results["gather"], rtol=1e-12, atol=0)


def test_sparse_fit_runs_equal_the_literal_suffix_sums() -> None:
    """The αU bootstrap's fit term summed over runs of gap rows equals, for every unit length
    q and resample, Σ over gap lengths g ≥ q of count·(g − q + 1), times the unit mass, on
    random tables: unit lengths sharing a first fitting gap, unit lengths longer than every
    gap, a single gap length, no gap long enough at all."""
    from desk_annotator.agreement import unitizing_products as up

    rng = np.random.default_rng(14)
    for case in range(300):
        n_q, n_g, b = int(rng.integers(1, 12)), int(rng.integers(0, 15)), int(rng.integers(1, 6))
        q = np.unique(rng.integers(1, 40, n_q)).astype(float)
        lengths = np.unique(rng.integers(1, 60 if case % 3 else 20, n_g)).astype(float)
        lengths = lengths[lengths >= q[0]] if case % 5 else lengths[:0]
        both = rng.integers(0, 50, (q.size + lengths.size, b)).astype(float)
        first_fit = np.searchsorted(lengths, q, side="left")
        got = up._sparse_fit(both, q, lengths, *up._fit_runs(first_fit, lengths.size))
        units, counts = both[:q.size], both[q.size:]
        want = np.zeros(b)
        for k, l in enumerate(q):
            for i, g in enumerate(lengths):
                if g >= l:
                    want += units[k] * counts[i] * (g - l + 1)
        assert np.array_equal(got, want), case


@pytest.mark.parametrize("share,kept,block", [(0.0, 10**9, 10**9), (0.2, 10**9, 50),
                                              (0.1, 300, 1), (2.0, 10**9, 10**9)])
@pytest.mark.parametrize("weights", ["resamples", "large", "fractions"])
def test_bootstrap_alpha_u_row_products_equal_the_float64_sparse_product(
        monkeypatch: pytest.MonkeyPatch, share: float, kept: int, block: int,
        weights: str) -> None:
    """Rows of αU's stacked tables multiplied dense by BLAS (every row, the fuller ones in
    blocks of one or a few rows, only the fullest under an output cap, none) and rows
    multiplied in float32 give the very floats of the float64 sparse product alone, on varied
    random schemes with three categories: resample weights, whole weights above the float32
    plan in some resamples, fractional weights (float32 must then be refused), and units
    long enough that some rows' sums do not fit float32."""
    from desk_annotator.agreement import intervals as iv
    from desk_annotator.agreement import unitizing as un
    from desk_annotator.agreement import unitizing_products as up

    monkeypatch.setattr(un, "DENSE_CELLS", 0)  # the sparse tables, even on small data
    rng = np.random.default_rng(int(share * 10) + block + len(weights))
    for case in range(6):
        n_docs, n = int(rng.integers(5, 60)), int(rng.integers(50, 900))
        doc_length = rng.integers(50 if case % 2 else 5, 4500 if case % 3 == 2 else 400,
                                  n_docs)
        doc = rng.integers(0, n_docs, n)
        start = rng.integers(0, 150, n)
        end = start + rng.integers(1, 60 if case % 3 else 3, n)
        if case % 3 == 2:  # odd unit lengths near 4,001: l² near 2**24, sums beyond float32
            end[::3] = start[::3] + 4001 - 2 * rng.integers(0, 3, end[::3].size)
        coders = int(rng.integers(2, 6))
        coded = rng.random((n_docs, coders)) < 0.85
        args = ("stance", ["a", "b", "c"], doc_length, coded, doc,
                rng.integers(0, coders, n), rng.integers(0, 3, n), start, end)
        w = iv.document_resamples(n_docs, 150, case)
        if weights == "large":
            w[rng.integers(0, 150, 3), rng.integers(0, n_docs, 3)] = 40.0
        elif weights == "fractions":
            w = w * rng.choice([1.0, 0.5, 1.25], size=w.shape)
        monkeypatch.setattr(up, "DENSE_ROW_SHARE", 2.0)  # no dense row,
        monkeypatch.setattr(up, "FLOAT32_WHOLE", 0.0)  # no float32 row
        reference = un.UnitizingScheme(*args).alpha_u(w)
        monkeypatch.setattr(up, "FLOAT32_WHOLE", 2.0**24)
        monkeypatch.setattr(up, "DENSE_ROW_SHARE", share)
        monkeypatch.setattr(up, "DENSE_ROW_OUTPUT", kept)
        monkeypatch.setattr(up, "DENSE_BLOCK_CELLS", block)
        got = un.UnitizingScheme(*args).alpha_u(w)
        assert np.array_equal(got[0], reference[0], equal_nan=True)
        assert np.array_equal(got[1], reference[1], equal_nan=True)


def test_float32_rows_are_those_whose_sums_fit() -> None:
    """A row is multiplied in float32 only when its entries are whole and Σ|entry| times the
    largest planned weight stays below 2**24."""
    from scipy import sparse

    from desk_annotator.agreement import unitizing_products as up

    table = sparse.csr_matrix(np.array([[1.0, 2.0, 0.0], [2.0**20, 0.0, 0.0],
                                        [0.0, 0.0, 0.0], [0.5, 0.0, 1.0], [2.0**19, 2.0**19, 1.0]]))
    assert up._single_rows(table, 16.0).tolist() == [True, False, True, False, False]
    assert up._single_rows(table, 8.0).tolist() == [True, True, True, False, True]
    assert up._single_rows(table, 1.0).tolist() == [True, True, True, False, True]
    assert up._whole_up_to(np.array([[0.0, 3.0], [16.0, 1.0]]), 16.0)
    assert not up._whole_up_to(np.array([[0.0, 17.0]]), 16.0)
    assert not up._whole_up_to(np.array([[0.5, 1.0]]), 16.0)
    assert not up._whole_up_to(np.array([[np.nan, 1.0]]), 16.0)


def test_planned_weights_checked_once_only_for_a_fixed_matrix() -> None:
    """The float32 plan's check of a whole weight matrix: remembered only for a read-only
    matrix owning its data (which cannot change), never confused between two matrices, and
    a writable matrix checked again after it changed."""
    from desk_annotator.agreement import unitizing_products as up

    whole = np.ones((300, 7))
    assert up._planned_weights(whole)
    whole[5, 3] = 0.5  # writable: checked again
    assert not up._planned_weights(whole)
    fixed = np.full((300, 7), 3.0)
    fixed.flags.writeable = False
    assert up._planned_weights(fixed) and up._planned_weights(fixed)
    large = np.full((300, 7), 3.0)
    large[299, 6] = 17.0
    large.flags.writeable = False
    assert not up._planned_weights(large)
    assert up._planned_weights(fixed)
    view = fixed[:, :3]  # a view does not own its data: never remembered
    assert up._planned_weights(view)

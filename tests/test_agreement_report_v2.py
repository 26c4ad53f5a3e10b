"""The v2 report as a whole: intervals from the shared document resamples, order invariance of
every figure, the 2016 family beside αU, and the warning for few documents."""

from __future__ import annotations

import random

import numpy as np
import pytest

from desk_annotator.agreement import AgreementData, DocUnits, SpanUnit, compute_agreement
from desk_annotator.agreement import intervals as iv
from desk_annotator.agreement import unitizing as un
from desk_annotator.agreement.segments import build_segments

STANCES = ["pro", "con", "neutral"]


def corpus(seed: int, n_docs: int = 12) -> AgreementData:
    rng = random.Random(seed)
    docs = []
    for d in range(n_docs):
        length = rng.choice([60, 120, 200])
        spans: dict[str, list[SpanUnit]] = {}
        truth = [(s, min(length, s + rng.randint(5, 40)), rng.choice(STANCES))
                 for s in sorted(rng.sample(range(length - 5), 4))]
        for coder in ("a", "b", "c"):
            spans[coder] = [SpanUnit(max(0, s + rng.randint(-3, 3)), min(length, e + rng.randint(-3, 3)),
                                     st if rng.random() < 0.8 else rng.choice(STANCES),
                                     ("x",) if rng.random() < 0.5 else (), "2025-01-01")
                            for s, e, st in truth if rng.random() < 0.9]
        docs.append(DocUnits(f"d{d}", f"Doc {d}", length, set(spans), set(), spans))
    return AgreementData(["a", "b", "c"], STANCES, ["x"], docs)


def figures(block: dict) -> dict:
    return {k: v for k, v in block.items() if isinstance(v, (float, int)) or
            (isinstance(v, list) and len(v) == 2 and all(isinstance(b, float) for b in v))}


def test_every_figure_is_independent_of_document_order() -> None:
    data = corpus(1)
    one = compute_agreement(data, bootstrap=0)
    data.documents.reverse()
    two = compute_agreement(data, bootstrap=0)
    for block_a, block_b in [(one["stance"], two["stance"]), (one["themes"]["x"], two["themes"]["x"])]:
        a, b = figures(block_a), figures(block_b)
        assert a.keys() == b.keys()
        for key in a:
            assert a[key] == pytest.approx(b[key], abs=1e-12), key


def test_engine_intervals_equal_the_interval_api_on_the_same_resamples() -> None:
    data = corpus(2)
    report = compute_agreement(data, bootstrap=400, seed=11)
    seg = build_segments(data)
    W = iv.document_resamples(len(seg.docs), 400, 11)
    scheme = un.stance_unitizing(seg)
    expected = iv.interval(lambda w: scheme.alpha_u(w)[0], len(seg.docs), W, "expanded")
    assert report["stance"]["ci95_alpha_u"] == pytest.approx(list(expected.bounds), abs=1e-12)
    family = iv.interval(lambda w: scheme.family_2016(w)["cu_alpha"], len(seg.docs), W, "expanded")
    assert report["stance"]["ci95_cu_alpha"] == pytest.approx(list(family.bounds), abs=1e-12)
    assert report["bootstrap"]["interval"].startswith("expanded percentile")


def test_report_carries_where_what_and_both_readings() -> None:
    report = compute_agreement(corpus(3), bootstrap=300)
    stance = report["stance"]
    for key in ("u_alpha", "binary_u_alpha", "cu_alpha", "alpha_u", "fleiss_kappa", "gwet_ac1",
                "f1_overlap"):
        assert stance[key] is not None, key
        low, high = stance[f"ci95_{key}"]
        assert low <= stance[key] + 1e-9 and stance[key] <= high + 1e-9, key
    assert set(stance["q"]) == {"0.667", "0.8"}
    assert stance["interpretation_basis"] == "ci95 lower bound"
    assert stance["interpretation_point"] in {"reliable", "tentative", "unreliable"}
    for name, entry in stance["per_label"].items():
        assert "u_alpha" in entry and "alpha_u" in entry, name
    theme = report["themes"]["x"]
    assert 0.0 <= theme["positive_agreement"] <= 1.0 and "pabak" in theme
    assert theme["pairs"][0]["confusion"]["labels"] == ["absent", "x"]
    assert "bias_index" in theme["pairs"][0]


def test_few_documents_warn_with_the_measured_coverage() -> None:
    report = compute_agreement(corpus(4, n_docs=5), bootstrap=200)
    warning = " ".join(report["stance"]["warnings"])
    assert "5 document(s)" in warning and "90-93%" in warning
    assert "warnings" not in compute_agreement(corpus(4, n_docs=12), bootstrap=200)["stance"]


def test_a_coder_who_skipped_a_document_keeps_the_others_figures() -> None:
    data = corpus(5)
    base = compute_agreement(data, bootstrap=0)["stance"]["documents"][0]
    doc = data.documents[0]
    doc.coded_by.discard("c")  # c now has not coded d0: missing there, not "no stance"
    skipped = compute_agreement(data, bootstrap=0)["stance"]["documents"][0]
    assert skipped["coders"] == ["a", "b"]
    pairs_only = AgreementData(["a", "b"], STANCES, ["x"], [doc])
    alone = compute_agreement(pairs_only, bootstrap=0)["stance"]["documents"][0]
    for key in ("alpha", "alpha_u", "percent_agreement"):
        assert skipped[key] == pytest.approx(alone[key], abs=1e-12), key
    assert base["coders"] == ["a", "b", "c"]
    assert np.isfinite(skipped["alpha"])


def test_document_rows_equal_the_report_of_that_document_alone() -> None:
    """Per-document values come from the same functions of summed features as the bootstrap;
    the totals come from the point formulas. Both must agree on a one-document corpus."""
    data = corpus(6)
    report = compute_agreement(data, bootstrap=0)
    for doc, row in zip(data.documents[:4], report["stance"]["documents"][:4]):
        alone = compute_agreement(AgreementData(data.coders, STANCES, ["x"], [doc]), bootstrap=0)
        for key in ("alpha", "alpha_coded", "alpha_u", "percent_agreement", "fleiss_kappa",
                    "gwet_ac1", "f1_exact", "f1_overlap"):
            assert row[key] == pytest.approx(alone["stance"][key], abs=1e-12), key


def test_a_project_without_stance_labels_gives_a_report(tmp_path, run_cli) -> None:
    """Articles imported and coded with themes only (no stance labels at all): the stance block
    is undefined with reasons, not a crash (found by running the CLI on the sample corpus)."""
    data = AgreementData(["a", "b"], [], ["x"], [DocUnits("d", "D", 10, {"a", "b"}, set(), {
        "a": [SpanUnit(0, 5, None, ("x",), "1")], "b": [SpanUnit(2, 7, None, ("x",), "1")]})])
    report = compute_agreement(data, bootstrap=50)
    assert report["stance"]["alpha"] is None and report["stance"]["reasons"]["alpha"]
    assert report["themes"]["x"]["alpha"] is not None

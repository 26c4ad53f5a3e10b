"""αU over units as coded and the 2016 unitizing family, against a literal reference.

The reference below is deliberately naive: sections are built character by character, every
pair of sections of two coders is visited, and the formulas are evaluated term by term exactly
as written in the module docstrings (DKPro's sweep semantics for αU; Krippendorff et al. 2016
for the family). The vectorised code must agree with it to 1e-9.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_agreement_published import _krippendorff_1995

from desk_annotator.agreement import unitizing
from desk_annotator.agreement.data import AgreementData, DocUnits, SpanUnit
from desk_annotator.agreement.segments import build_segments
from desk_annotator.agreement.unitizing import (
    UnitizingScheme,
    stance_unitizing,
    theme_unitizing,
    unitizing_alpha,
)

NAN = float("nan")


# ---------------------------------------------------------------- reference implementation
def ref_merge(units):
    """Union of overlapping (not abutting) (start, end) units, literally."""
    out = []
    for s, e in sorted(units):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def ref_gaps(units, length):
    """Maximal stretches of [0, length) that no unit covers, found character by character."""
    covered = [False] * length
    for s, e in units:
        for x in range(s, e):
            covered[x] = True
    gaps, x = [], 0
    while x < length:
        if covered[x]:
            x += 1
            continue
        y = x
        while y < length and not covered[y]:
            y += 1
        gaps.append((x, y))
        x = y
    return gaps


def ref_alpha_u(lengths, coded, rows, n_cats, weights=None):
    """Pooled weighted αU: returns (overall, [per category]) following the formulas literally.

    rows: (doc, coder, cat, start, end) as coded; coded[d][m] bool; weights per document."""
    n_docs = len(lengths)
    w = [1.0] * n_docs if weights is None else list(weights)
    docs = [d for d in range(n_docs) if sum(coded[d]) >= 2]
    p = sum(w[d] * sum(coded[d]) * (sum(coded[d]) - 1) * lengths[d] for d in docs)
    t = sum(w[d] * sum(coded[d]) * lengths[d] for d in docs)
    big_l = sum(w[d] * lengths[d] for d in docs)
    d_os, d_es, used = [], [], []
    for c in range(n_cats):
        units, gaps = {}, []  # units[(d, m)] merged; gaps: (d, length)
        for d in docs:
            for m in range(len(coded[d])):
                if not coded[d][m]:
                    continue
                mine = [(r[3], min(r[4], lengths[d])) for r in rows
                        if r[0] == d and r[1] == m and r[2] == c and min(r[4], lengths[d]) > r[3]]
                units[d, m] = ref_merge(mine)
                gaps += [(d, b - a) for a, b in ref_gaps(units[d, m], lengths[d])]
        observed = 0.0
        for d in docs:
            coders = [m for m in range(len(coded[d])) if coded[d][m]]
            for i in coders:
                for j in coders:
                    if i == j:
                        continue
                    si = [(a, b, "u") for a, b in units[d, i]] + \
                        [(a, b, "g") for a, b in ref_gaps(units[d, i], lengths[d])]
                    sj = [(a, b, "u") for a, b in units[d, j]] + \
                        [(a, b, "g") for a, b in ref_gaps(units[d, j], lengths[d])]
                    for a1, b1, k1 in si:
                        for a2, b2, k2 in sj:
                            if not (a1 < b2 and a2 < b1):
                                continue
                            if k1 == "u" and k2 == "u":
                                observed += w[d] * ((a1 - a2) ** 2 + (b1 - b2) ** 2)
                            elif k1 == "u" and a2 <= a1 and b1 <= b2:
                                observed += w[d] * (b1 - a1) ** 2
                            elif k2 == "u" and a1 <= a2 and b2 <= b1:
                                observed += w[d] * (b2 - a2) ** 2
        all_units = [(d, b - a) for (d, _), us in units.items() for a, b in us]
        n_c = sum(w[d] for d, _ in all_units)
        s_sum, sq = 0.0, 0.0
        for d, ell in all_units:
            inner = sum(w[dg] * (g - ell + 1) for dg, g in gaps if g >= ell)
            s_sum += w[d] * ((n_c - 1) * (2 * ell**3 - 3 * ell**2 + ell) / 3 + ell**2 * inner)
            sq += w[d] * ell * (ell - 1)
        if p <= 0 or n_c <= 0:
            d_os.append(NAN), d_es.append(NAN), used.append(False)
            continue
        d_os.append(observed / (p * big_l))
        d_es.append(2 / big_l * s_sum / (t * (t - 1) - sq))
        used.append(True)
    per = [1 - o / e if u and e > 1e-15 else NAN for o, e, u in zip(d_os, d_es, used)]
    num = sum(o for o, u in zip(d_os, used) if u)
    den = sum(e for e, u in zip(d_es, used) if u)
    overall = 1 - num / den if any(used) and den > 1e-15 else NAN
    return overall, per


def ref_2016(lengths, coded, rows, n_cats, weights=None):
    """uo, ue and the four coefficients of Krippendorff et al. (2016), literally."""
    n_docs = len(lengths)
    w = [1.0] * n_docs if weights is None else list(weights)
    v = n_cats + 1
    uo = [[0.0] * v for _ in range(v)]
    wsum = [0.0] * v
    for d in range(n_docs):
        coders = [m for m in range(len(coded[d])) if coded[d][m]]
        if len(coders) < 2:
            continue
        sections = {}
        for m in coders:
            units = [(r[3], min(r[4], lengths[d]), r[2] + 1) for r in rows
                     if r[0] == d and r[1] == m and min(r[4], lengths[d]) > r[3]]
            gaps = [(a, b, 0) for a, b in ref_gaps([(a, b) for a, b, _ in units], lengths[d])]
            sections[m] = units + gaps
            for a, b, val in sections[m]:
                wsum[val] += w[d] * ((b - a) ** 2 if val else (b - a))
        for i in coders:
            for j in coders:
                if i == j:
                    continue
                for a1, b1, v1 in sections[i]:
                    for a2, b2, v2 in sections[j]:
                        inter = max(0, min(b1, b2) - max(a1, a2))
                        uo[v1][v2] += w[d] * inter / (len(coders) - 1)
    return ref_coefficients_2016(uo, wsum)


def ref_coefficients_2016(uo, wsum):
    v = len(uo)
    margins = [sum(row) for row in uo]
    total = sum(margins)
    denom = total**2 - sum(wsum)
    ue = [[total * (margins[c] * margins[k] - (wsum[c] if c == k else 0)) / denom
           if denom > 1e-12 else 0.0 for k in range(v)] for c in range(v)]

    def ratio(obs, exp):
        return 1 - obs / exp if exp > 1e-12 else NAN

    off = [(c, k) for c in range(v) for k in range(v) if c != k]
    has_units = sum(wsum[1:]) > 0
    out = {"u_alpha": ratio(sum(uo[c][k] for c, k in off), sum(ue[c][k] for c, k in off))
           if has_units else NAN}
    # binary: every category becomes "unit"
    bo = [[uo[0][0], sum(uo[0][1:])], [sum(uo[c][0] for c in range(1, v)),
                                        sum(uo[c][k] for c in range(1, v) for k in range(1, v))]]
    bw = [wsum[0], sum(wsum[1:])]
    bm = [sum(r) for r in bo]
    bt = sum(bm)
    bd = bt**2 - sum(bw)
    b_exp = 2 * bt * bm[0] * bm[1] / bd if bd > 1e-12 else 0.0
    out["binary_u_alpha"] = ratio(bo[0][1] + bo[1][0], b_exp) if has_units else NAN
    o = [row[1:] for row in uo[1:]]
    n_c = [sum(r) for r in o]
    n = sum(n_c)
    cu_obs = (n - 1) * sum(o[c][k] for c in range(v - 1) for k in range(v - 1) if c != k)
    cu_exp = sum(n_c[c] * n_c[k] for c in range(v - 1) for k in range(v - 1) if c != k)
    out["cu_alpha"] = ratio(cu_obs, cu_exp) if n > 1 + 1e-12 else NAN
    out["per_category"] = [
        ratio(sum(uo[k][c] for c in range(v) if c != k), sum(ue[k][c] for c in range(v) if c != k))
        if wsum[k] > 0 else NAN for k in range(1, v)]
    return out


# ---------------------------------------------------------------- helpers
def close(a, b, tol=1e-9):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    assert np.array_equal(np.isnan(a), np.isnan(b)), (a, b)
    ok = ~np.isnan(a)
    assert np.allclose(a[ok], b[ok], rtol=tol, atol=tol), (a, b)


def scheme_of(lengths, coded, rows, n_cats):
    arr = np.asarray(rows, dtype=np.int64).reshape(-1, 5)
    return UnitizingScheme("s", [f"c{i}" for i in range(n_cats)], np.asarray(lengths),
                           np.asarray(coded, dtype=bool), *arr.T)


def random_case(rng):
    n_docs, n_coders, n_cats = rng.integers(1, 4), rng.integers(2, 5), rng.integers(1, 4)
    lengths = [int(x) for x in rng.integers(0, 26, n_docs)]
    coded = (rng.random((n_docs, n_coders)) < 0.8).tolist()
    rows = []
    for d in range(n_docs):
        for m in range(n_coders):
            pos = 0
            for _ in range(rng.integers(0, 5)):
                if rng.random() < 0.3:  # abut the previous unit; else anywhere (overlaps too)
                    s = pos
                else:
                    s = int(rng.integers(0, max(lengths[d], 1)))
                e = s + int(rng.integers(1, 8))
                pos = e
                rows.append((d, m, int(rng.integers(0, n_cats)), s, e))
    return lengths, coded, rows, int(n_cats)


def check_case(lengths, coded, rows, n_cats, weights=None):
    scheme = scheme_of(lengths, coded, rows, n_cats)
    w = None if weights is None else np.asarray([weights], dtype=float)
    overall, per = scheme.alpha_u(w)
    ref_overall, ref_per = ref_alpha_u(lengths, coded, rows, n_cats, weights)
    close(overall[0], ref_overall)
    close(per[0], ref_per)
    fam = scheme.family_2016(w)
    ref = ref_2016(lengths, coded, rows, n_cats, weights)
    for key in ("u_alpha", "binary_u_alpha", "cu_alpha"):
        close(fam[key][0], ref[key])
    close(fam["per_category"][0], ref["per_category"])
    return scheme


# ---------------------------------------------------------------- αU
def test_touching_overlapping_and_nested_spans_match_reference():
    cases = [
        # abutting units of one coder and category stay two units
        ([20], [[True, True]], [(0, 0, 0, 2, 5), (0, 0, 0, 5, 9), (0, 1, 0, 2, 9)], 1),
        # overlapping units of different categories of one coder
        ([20], [[True, True]], [(0, 0, 0, 2, 10), (0, 0, 1, 6, 14), (0, 1, 0, 3, 9),
                                (0, 1, 1, 6, 15)], 2),
        # nested units of one category are merged; of different categories they are not
        ([30], [[True, True, True]], [(0, 0, 0, 2, 20), (0, 0, 0, 5, 8), (0, 1, 1, 5, 8),
                                      (0, 1, 0, 1, 21), (0, 2, 0, 12, 14)], 2),
    ]
    for case in cases:
        check_case(*case)
    assert scheme_of(*cases[2]).merged_overlaps == 1
    assert scheme_of(*cases[0]).merged_overlaps == 0


def test_random_cases_match_reference():
    rng = np.random.default_rng(20240611)
    for _ in range(200):
        lengths, coded, rows, n_cats = random_case(rng)
        weights = [float(x) for x in rng.integers(0, 4, len(lengths))]
        scheme = check_case(lengths, coded, rows, n_cats)
        check_case(lengths, coded, rows, n_cats, weights)
        per_doc = scheme.per_document()
        for d in range(len(lengths)):
            alone = [1.0 if k == d else 0.0 for k in range(len(lengths))]
            close(per_doc[d], ref_alpha_u(lengths, coded, rows, n_cats, alone)[0])


@pytest.mark.parametrize("path", ["dense", "sparse", "gather"])
def test_bootstrap_rows_match_one_at_a_time(path, monkeypatch):
    if path != "dense":  # the paths for many distinct unit lengths, forced on small data
        monkeypatch.setattr(unitizing, "DENSE_CELLS", 0)
        monkeypatch.setattr(unitizing, "CHUNK_ELEMENTS", 50)  # several resample chunks
    if path == "gather":  # the fallback without scipy
        monkeypatch.setattr(unitizing, "sparse_cross_table", lambda *args: None)
    rng = np.random.default_rng(7)
    lengths, coded, rows, n_cats = [30, 12, 25, 40], [[True] * 3] * 4, [], 2
    for d in range(4):
        for m in range(3):
            for _ in range(4):
                s = int(rng.integers(0, lengths[d]))
                rows.append((d, m, int(rng.integers(0, 2)), s, s + int(rng.integers(1, 9))))
    scheme = scheme_of(lengths, coded, rows, n_cats)
    scheme.alpha_u()
    assert {t[0] for t in scheme._cross_tables} == {path}
    w = rng.integers(0, 4, (9, 4)).astype(float)
    overall, per = scheme.alpha_u(w)
    fam = scheme.family_2016(w)
    for b in range(9):
        ref_overall, ref_per = ref_alpha_u(lengths, coded, rows, n_cats, w[b])
        close(overall[b], ref_overall)
        close(per[b], ref_per)
        close(fam["u_alpha"][b], ref_2016(lengths, coded, rows, n_cats, w[b])["u_alpha"])
    # W = ones is the point estimate
    close(scheme.alpha_u(np.ones((1, 4)))[0], scheme.alpha_u()[0], 1e-12)
    assert scheme.point_alpha_u()[0].value == pytest.approx(scheme.alpha_u()[0][0], abs=1e-12)


@pytest.mark.parametrize("path", ["dense", "sparse", "gather"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bootstrap_rows_match_reference_on_every_path(path, seed, monkeypatch):
    """Varied random schemes (empty and uncoded documents, abutting and overlapping units,
    gaps shorter than every unit, 1-3 categories, 2-4 coders) with a resample weight matrix
    holding zeros and repeats: every row of every path equals the literal reference for that
    row's weights, and the sparse and dense paths give the same bits."""
    if path != "dense":
        monkeypatch.setattr(unitizing, "DENSE_CELLS", 0)
        monkeypatch.setattr(unitizing, "CHUNK_ELEMENTS", 40)  # several resample chunks
    if path == "gather":
        monkeypatch.setattr(unitizing, "sparse_cross_table", lambda *args: None)
    rng = np.random.default_rng(seed)
    for _ in range(25):
        lengths, coded, rows, n_cats = random_case(rng)
        lengths = [x * int(rng.integers(1, 4)) for x in lengths]  # some long gaps too
        w = rng.integers(0, 4, (7, len(lengths))).astype(float)
        scheme = scheme_of(lengths, coded, rows, n_cats)
        overall, per = scheme.alpha_u(w)
        for b in range(w.shape[0]):
            ref_overall, ref_per = ref_alpha_u(lengths, coded, rows, n_cats, w[b])
            close(overall[b], ref_overall)
            close(per[b], ref_per)
        if path == "sparse":
            monkeypatch.setattr(unitizing, "DENSE_CELLS", 10**9)
            dense = scheme_of(lengths, coded, rows, n_cats).alpha_u(w)
            monkeypatch.setattr(unitizing, "DENSE_CELLS", 0)
            assert np.array_equal(overall, dense[0], equal_nan=True)
            assert np.array_equal(per, dense[1], equal_nan=True)


def test_krippendorff_1995_units_as_coded():
    units, length = _krippendorff_1995(1)
    rows = [(0, m, c, s, e) for c, name in enumerate(units) for m, us in enumerate(units[name])
            for s, e in us]
    ours = unitizing_alpha(units, length)["per_label"]["B"]["alpha_u"]
    ref = ref_alpha_u([length], [[True, True]], rows, 4)[1][1]
    assert ours == pytest.approx(ref, abs=1e-9)
    assert ours == pytest.approx(-1.0811, abs=5e-5)  # coder 2's seven abutting units kept
    # The old run-based engine merged them into one unit (0, 10) and reported .4655:
    merged = dict(units, B=[units["B"][0], [(0, 10)]])
    assert unitizing_alpha(merged, length)["per_label"]["B"]["alpha_u"] == \
        pytest.approx(0.4655, abs=5e-5)


def _doc(doc_id, length, spans, coded_by):
    return DocUnits(doc_id, doc_id, length, set(coded_by), set(),
                    {c: [SpanUnit(s, e, st, th, "2024-01-01T00:00:00Z") for s, e, st, th in v]
                     for c, v in spans.items()})


def test_krippendorff_2004_p254_as_stance_spans_through_segments():
    # The continuum 150-450 as one document of 300 characters; "c" and "k" are stances. Coder
    # A's k unit (30, 90) and c unit (75, 145) overlap: different categories, both kept.
    spans = {"A": [(75, 145, "c", ()), (220, 250, "c", ()), (30, 90, "k", ()),
                   (150, 200, "k", ())],
             "B": [(70, 150, "c", ()), (205, 225, "c", ()), (250, 270, "c", ()),
                   (30, 90, "k", ()), (150, 200, "k", ())]}
    data = AgreementData(["A", "B"], ["c", "k"], [], [_doc("d", 300, spans, "AB")])
    scheme = stance_unitizing(build_segments(data))
    overall, per = scheme.point_alpha_u()
    assert overall.value == pytest.approx(0.8587, abs=5e-5)
    assert per[0].value == pytest.approx(0.7286, abs=5e-5)
    assert per[1].value == pytest.approx(1.0)
    assert scheme.per_document()[0] == pytest.approx(overall.value, abs=1e-12)


def test_theme_units_and_uncoded_coder_through_segments():
    docs = [_doc("d1", 40, {"A": [(0, 10, None, ("t",)), (5, 20, "s", ("t", "u"))],
                            "B": [(2, 18, None, ("t",))], "C": [(0, 40, None, ("u",))]}, "ABC"),
            _doc("d2", 30, {"A": [(3, 9, None, ("t",))], "B": [(4, 9, None, ("t",))],
                            "C": [(0, 30, None, ("t",))]}, "AB")]  # C did not code d2
    seg = build_segments(AgreementData(["A", "B", "C"], ["s"], ["t", "u"], docs))
    theme = theme_unitizing(seg, 0)
    assert theme.merged_overlaps == 1 and theme.notes  # A's (0,10) and (5,20) overlap
    rows = [(0, 0, 0, 0, 10), (0, 0, 0, 5, 20), (0, 1, 0, 2, 18), (1, 0, 0, 3, 9),
            (1, 1, 0, 4, 9)]
    coded = [[True, True, True], [True, True, False]]
    close(theme.alpha_u()[0][0], ref_alpha_u([40, 30], coded, rows, 1)[0])
    # d2 alone is the two-coder DKPro value: C's spans there (not coded) change nothing.
    two = ref_alpha_u([30], [[True, True]], [(0, 0, 0, 3, 9), (0, 1, 0, 4, 9)], 1)[0]
    close(theme.per_document()[1], two)
    stance = stance_unitizing(seg)
    assert stance.point_alpha_u()[1][0].value is not None  # only A's one stance span


def test_document_order_invariance_and_duplicates():
    rng = np.random.default_rng(3)
    lengths, coded, rows, n_cats = [25, 10, 18, 30], [[True, True, True]] * 3 + \
        [[True, False, True]], [], 3
    for d in range(4):
        for m in range(3):
            for _ in range(3):
                s = int(rng.integers(0, lengths[d]))
                rows.append((d, m, int(rng.integers(0, 3)), s, s + int(rng.integers(1, 7))))
    base = scheme_of(lengths, coded, rows, n_cats)
    perm = [2, 0, 3, 1]
    inverse = {old: new for new, old in enumerate(perm)}
    permuted = scheme_of([lengths[p] for p in perm], [coded[p] for p in perm],
                         [(inverse[r[0]],) + r[1:] for r in rows], n_cats)
    close(permuted.alpha_u()[0], base.alpha_u()[0], 1e-12)
    close(permuted.alpha_u()[1], base.alpha_u()[1], 1e-12)
    close(permuted.family_2016()["u_alpha"], base.family_2016()["u_alpha"], 1e-12)
    close(permuted.per_document(), base.per_document()[perm], 1e-12)
    # Drawing document 1 twice equals a corpus that holds it twice.
    dup = scheme_of(lengths + [lengths[1]], coded + [coded[1]],
                    rows + [(4,) + r[1:] for r in rows if r[0] == 1], n_cats)
    w = np.array([[1.0, 2.0, 1.0, 1.0]])
    close(base.alpha_u(w)[0], dup.alpha_u()[0], 1e-12)
    close(base.alpha_u(w)[1], dup.alpha_u()[1], 1e-12)
    for key in ("u_alpha", "binary_u_alpha", "cu_alpha"):
        close(base.family_2016(w)[key], dup.family_2016()[key], 1e-12)


def test_undefined_values_carry_reasons():
    empty = scheme_of([10], [[True, True]], [], 1)
    overall, _ = empty.point_alpha_u()
    assert overall.value is None and "unit" in overall.reason
    assert np.isnan(empty.alpha_u(np.ones((3, 1)))[0]).all()
    lone = scheme_of([10], [[True, False]], [(0, 0, 0, 1, 4)], 1)
    assert "two or more coders" in lone.point_alpha_u()[0].reason
    assert np.isnan(lone.per_document()).all()
    point = empty.point_2016()
    assert point["u_alpha"].value is None and point["u_alpha"].reason == "no coder marked a unit"


# ---------------------------------------------------------------- 2016 family by hand
def test_2016_hand_case_one_category():
    # L = 10, A: unit [0,4); B: unit [2,6). Sections A: u[0,4) ∅[4,10); B: ∅[0,2) u[2,6) ∅[6,10).
    # Pair (A,B): u∩∅[0,2)=2 → uo[1,0]; u∩u=2 → uo[1,1]; ∅[4,10)∩u=2 → uo[0,1]; ∅∩∅[6,10)=4
    # → uo[0,0]; (B,A) mirrors it, m−1 = 1:  uo = [[8, 4], [4, 4]], l_∅ = 12, l_1 = 8, l = 20.
    # Σw: units 4²+4² = 32, gaps 6 + (2+4) = 12, total 44.  ue_∅1 = 20·12·8/(400−44) = 1920/356.
    # uα = 1 − 8/(2·1920/356) = 1 − 2848/3840 = .258333...; |uα is the same (one category);
    # (1)uα = 1 − 4/(1920/356) = the same; cuα: only one category occurs.
    s = scheme_of([10], [[True, True]], [(0, 0, 0, 0, 4), (0, 1, 0, 2, 6)], 1)
    fam = s.family_2016()
    assert fam["u_alpha"][0] == pytest.approx(1 - 2848 / 3840, abs=1e-12)
    assert fam["binary_u_alpha"][0] == pytest.approx(1 - 2848 / 3840, abs=1e-12)
    assert fam["per_category"][0, 0] == pytest.approx(1 - 2848 / 3840, abs=1e-12)
    point = s.point_2016()
    assert point["cu_alpha"].value is None and "one category" in point["cu_alpha"].reason


def test_2016_hand_case_two_categories_no_gaps():
    # L = 6, A: c1[0,3) c2[3,6) (abutting); B: c1[0,3) c1[3,6). No gaps.
    # (A,B): c1∩c1 = 3 → uo[1,1]; c2∩c1 = 3 → uo[2,1]; (B,A) mirrors: uo[1,1]=6, uo[1,2]=uo[2,1]=3.
    # l_1 = 9, l_2 = 3, l = 12; Σw: c1 = 9+9+9 = 27, c2 = 9, total 36.
    # ue_12 = 12·9·3/(144−36) = 3, so uα = 1 − 6/6 = 0, (1)uα = (2)uα = 1 − 3/3 = 0.
    # |uα: everything is "unit", no ∅: no variation.  cuα on [[6,3],[3,0]]: n_c = (9,3), n = 12,
    # 1 − 11·6/(2·27) = 1 − 66/54 = −.2222...
    s = scheme_of([6], [[True, True]], [(0, 0, 0, 0, 3), (0, 0, 1, 3, 6), (0, 1, 0, 0, 3),
                                        (0, 1, 0, 3, 6)], 2)
    fam = s.family_2016()
    assert fam["u_alpha"][0] == pytest.approx(0.0, abs=1e-12)
    close(fam["per_category"][0], [0.0, 0.0], 1e-12)
    assert np.isnan(fam["binary_u_alpha"][0])
    assert s.point_2016()["binary_u_alpha"].reason.startswith("no variation")
    assert fam["cu_alpha"][0] == pytest.approx(1 - 66 / 54, abs=1e-12)


def test_2016_hand_case_overlap_three_coders():
    # L = 4, A: [0,2) and [1,3) overlap (two sections; character 1 carries two values) and
    # ∅[3,4); B: [0,4); C: ∅[0,4). m = 3, weight 1/2.
    # (A,B),(B,A): u∩u 2+2 twice → uo[1,1] 8; ∅[3,4)∩u 1 → uo[0,1], uo[1,0] 1 each.
    # (A,C),(C,A): u∩∅ 2+2 → 4 each way; ∅∩∅ 1 twice → uo[0,0] 2. (B,C),(C,B): 4 each way.
    # halved: uo = [[1, 4.5], [4.5, 4]], l_∅ = 5.5, l_1 = 8.5, l = 14.
    # Σw: units 4+4+16 = 24, gaps 1+4 = 5, total 29. Σ_{c≠k} ue = 2·14·5.5·8.5/(196−29)
    # = 1309/167; uα = 1 − 9·167/1309 = 1 − 1503/1309.
    s = scheme_of([4], [[True, True, True]], [(0, 0, 0, 0, 2), (0, 0, 0, 1, 3),
                                              (0, 1, 0, 0, 4)], 1)
    assert s.family_2016()["u_alpha"][0] == pytest.approx(1 - 1503 / 1309, abs=1e-12)
    assert s.merged_overlaps == 1  # αU merges them; the 2016 family keeps both sections


# ---------------------------------------------------------------- what the family relates to
def char_alpha(lengths, coded, values_of):
    """Nominal α over characters; values_of(d, m, x) -> value; every coder who coded d counts."""
    o = {}
    for d, length in enumerate(lengths):
        coders = [m for m in range(len(coded[d])) if coded[d][m]]
        for x in range(length):
            vals = [values_of(d, m, x) for m in coders]
            vals = [v for v in vals if v is not None]
            if len(vals) < 2:
                continue
            for i, a in enumerate(vals):
                for j, b in enumerate(vals):
                    if i != j:
                        o[a, b] = o.get((a, b), 0.0) + 1.0 / (len(vals) - 1)
    n_c = {}
    for (a, _), x in o.items():
        n_c[a] = n_c.get(a, 0.0) + x
    n = sum(n_c.values())
    obs = sum(x for (a, b), x in o.items() if a != b)
    exp = sum(n_c[a] * n_c[b] for a in n_c for b in n_c if a != b)
    return 1 - (n - 1) * obs / exp if exp > 0 else NAN


def test_u_alpha_is_character_alpha_for_one_character_units():
    # Holds when Σw(s) = l, i.e. every unit is one character long (a unit then weighs like a
    # gap character). Longer units weigh len² > len and u_alpha departs from the character α.
    rng = np.random.default_rng(11)
    for _ in range(30):
        n_docs, n_coders, n_cats = 2, int(rng.integers(2, 4)), 2
        lengths = [int(x) for x in rng.integers(3, 15, n_docs)]
        coded = [[True] * n_coders for _ in range(n_docs)]
        grid = {(d, m, x): int(rng.integers(0, n_cats + 1)) for d in range(n_docs)
                for m in range(n_coders) for x in range(lengths[d])}
        rows = [(d, m, v - 1, x, x + 1) for (d, m, x), v in grid.items() if v]
        s = scheme_of(lengths, coded, rows, n_cats)
        expected = char_alpha(lengths, coded, lambda d, m, x, g=grid: g[d, m, x])
        close(s.family_2016()["u_alpha"][0], expected)


def test_cu_alpha_is_alpha_over_characters_both_coders_marked():
    # Two coders, no overlapping units within a coder: cu_alpha equals nominal α over the
    # characters both coders put in a unit. (With three or more coders it does not: uo weighs
    # pairs by 1/(m_d − 1) over the document's coders, α by 1/(m_u − 1) over those who marked.)
    rng = np.random.default_rng(5)
    for _ in range(30):
        length = int(rng.integers(10, 40))
        label = {}
        rows = []
        for m in range(2):
            x = 0
            while x < length:
                step = int(rng.integers(1, 6))
                v = int(rng.integers(0, 3))  # 0 = gap
                if v:
                    rows.append((0, m, v - 1, x, min(x + step, length)))
                for y in range(x, min(x + step, length)):
                    label[m, y] = v - 1 if v else None
                x += step
        s = scheme_of([length], [[True, True]], rows, 2)
        both = {x: label[0, x] is not None and label[1, x] is not None for x in range(length)}
        expected = char_alpha([length], [[True, True]],
                              lambda d, m, x, lab=label, ok=both: lab[m, x] if ok[x] else None)
        close(s.family_2016()["cu_alpha"][0], expected)


def test_published_interface_keeps_working():
    units, length = _krippendorff_1995(1)
    result = unitizing_alpha(units, length)
    assert result["per_label"]["A"]["observed"] == pytest.approx(0.03125, abs=1e-5)
    assert not result["notes"]
    assert math.isfinite(result["alpha_u"])

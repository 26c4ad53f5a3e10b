"""The engine's run-length paths against straightforward per-character references (issue 14).

The engine never builds a characters × coders matrix: each theme lives on segments cut at its
own spans (segments.theme_runs), the stance on segments cut at stance spans, per-document
coincidences come from one reduceat per value, pair tables from merged run starts, F1 from
per-coder span indexes, the 2016 coincidences from coverage-depth difference arrays. Here every
one of those is recomputed one character at a time, on random data with overlapping spans, gaps,
spans past the document end, silent coders, documents one coder coded, empty documents and up
to 12 coders, and must agree to 1e-12 (most sums are whole numbers and agree exactly).
"""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
import pytest

from desk_annotator.agreement import compute_agreement
from desk_annotator.agreement import multirater as mr
from desk_annotator.agreement import unitizing_2016 as u16
from desk_annotator.agreement.data import AgreementData, DocUnits, SpanUnit
from desk_annotator.agreement.segments import (
    build_segments,
    included_documents,
    stance_runs,
    theme_runs,
)
from desk_annotator.agreement.spans import (
    LabelledSpans,
    f1_counts,
    pair_counts,
    span_index,
)
from desk_annotator.agreement.tables import scheme_tables

STANCES = ["pro", "con", "neutral"]
THEMES = ["x", "y", "z"]


def random_data(seed: int) -> AgreementData:
    rng = random.Random(seed)
    coders = [f"c{i}" for i in range(rng.choice([2, 3, 5, 8, 12]))]
    docs = []
    for d in range(rng.choice([1, 3, 9])):
        length = rng.choice([0, 1, 7, 40, 120])
        mode = rng.random()
        coded = {rng.choice(coders)} if mode < 0.15 else \
            {c for c in coders if rng.random() < 0.8}
        spans: dict[str, list[SpanUnit]] = {}
        for c in sorted(coded):
            if rng.random() < 0.1:
                continue  # coded the document, marked nothing
            spans[c] = []
            for _ in range(rng.randint(0, 7) if length else 0):
                s = rng.randrange(length)
                e = min(length + 2, s + rng.randint(1, 50))  # may run past the end
                stance = rng.choice(STANCES + [None])
                themes = tuple(t for t in THEMES if rng.random() < 0.4)
                spans[c].append(SpanUnit(s, e, stance, themes,
                                         f"2025-01-0{rng.randint(1, 9)}T00:00:00"))
            if spans[c] and rng.random() < 0.3:
                spans[c].append(spans[c][0])  # the same span twice
        docs.append(DocUnits(f"d{d}", f"Doc {d}", length, coded, set(), spans))
    return AgreementData(coders, STANCES, THEMES, docs, stance_ordered=seed % 2 == 0)


def character_values(data: AgreementData, docs: list[DocUnits], theme: str | None
                     ) -> list[np.ndarray]:
    """Per document a coders × characters array (-1 where the coder did not code it), one
    character at a time: the stance is that of the shortest covering span with a stance
    (ties: most recently created, then the later one listed); a theme is 1 where any covering
    span carries it."""
    out = []
    for doc in docs:
        values = np.full((len(data.coders), doc.length), -1)
        for m, coder in enumerate(data.coders):
            if coder not in doc.coded_by:
                continue
            mine = [s for s in doc.spans.get(coder, []) if min(s.end, doc.length) > s.start]
            for i in range(doc.length):
                covering = [s for s in mine if s.start <= i < s.end]
                if theme is not None:
                    values[m, i] = int(any(theme in s.themes for s in covering))
                    continue
                with_stance = [(min(s.end, doc.length) - s.start, s.created, k, s)
                               for k, s in enumerate(covering) if s.stance]
                if not with_stance:
                    values[m, i] = 0
                    continue
                shortest = min(t[0] for t in with_stance)
                best = max(t for t in with_stance if t[0] == shortest)[3]
                values[m, i] = STANCES.index(best.stance) + 1
        out.append(values)
    return out


def reference_tables(values: list[np.ndarray], n_values: int, n_coders: int) -> dict:
    """Coincidences, pair tables, agreement sums and Gwet's features, character by character."""
    n_docs = len(values)
    coincidence = np.zeros((n_docs, n_values, n_values))
    pairs = list(combinations(range(n_coders), 2))
    pair_total = np.zeros((len(pairs), n_values, n_values))
    agree = np.zeros(n_docs)
    pa = np.zeros(n_docs)
    pi = np.zeros((n_docs, n_values))
    for d, v in enumerate(values):
        coded = [m for m in range(n_coders) if (v[m] >= 0).any()] if v.shape[1] else []
        for i in range(v.shape[1]):
            ratings = [int(v[m, i]) for m in coded]
            r = len(ratings)
            for x, y in combinations(range(r), 2):
                coincidence[d, ratings[x], ratings[y]] += 1 / (r - 1)
                coincidence[d, ratings[y], ratings[x]] += 1 / (r - 1)
                agree[d] += ratings[x] == ratings[y]
            if r >= 2:
                pa[d] += sum(ratings.count(k) * (ratings.count(k) - 1)
                             for k in set(ratings)) / (r * (r - 1))
            for k in ratings:
                pi[d, k] += 1 / r
        for p, (a, b) in enumerate(pairs):
            if v.shape[1] and (v[a] >= 0).all() and (v[b] >= 0).all():
                np.add.at(pair_total[p], (v[a], v[b]), 1)
    return {"coincidence": coincidence, "pair_total": pair_total, "agree": agree,
            "pa": pa, "pi": pi}


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return np.allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(24))
def test_scheme_tables_from_runs_equal_character_counts(seed: int) -> None:
    data = random_data(seed)
    seg = build_segments(data, themes=False)
    docs = included_documents(data)
    if not docs:
        return
    n_coders = len(data.coders)
    schemes = [(stance_runs(seg), None, len(STANCES) + 1)] + \
        [(theme_runs(seg, t), name, 2) for t, name in enumerate(THEMES)]
    for runs, theme, n_values in schemes:
        ref = reference_tables(character_values(data, docs, theme), n_values, n_coders)
        counts = mr.rating_counts(runs.values, n_values)
        tables = scheme_tables(seg, runs, n_values, counts)
        assert _close(tables.coincidence_doc, ref["coincidence"]), theme
        assert np.array_equal(tables.pair_total, ref["pair_total"]), theme
        assert np.array_equal(tables.agree_doc, ref["agree"]), theme
        ratings = mr.rating_features(counts, runs.length, runs.doc, len(docs),
                                     {"identity": np.eye(n_values)})
        assert _close(ratings.pa_num["identity"], ref["pa"]), theme
        assert _close(ratings.pi_num, ref["pi"]), theme
        # A theme's runs are never more than the segments every span cuts.
        assert runs.length.sum() == seg.doc_length.sum()


@pytest.mark.parametrize("seed", range(12))
def test_runs_give_the_figures_of_all_span_segments(seed: int) -> None:
    """Theme presence and every theme figure are the same whether a theme is cut at its own
    spans or at every span (the segments build_segments(themes=True) paints)."""
    data = random_data(seed)
    full = build_segments(data)
    seg = build_segments(data, themes=False)
    for t in range(len(THEMES)):
        runs = theme_runs(seg, t)
        expanded = np.repeat(runs.values, runs.length, axis=1)
        assert np.array_equal(expanded, np.repeat(full.themes[t], full.length, axis=1))
    assert np.array_equal(np.repeat(seg.stance, seg.length, axis=1),
                          np.repeat(full.stance, full.length, axis=1))


def _brute_f1(a: LabelledSpans, b: LabelledSpans) -> tuple[int, int]:
    """Exact matches (multiset) and the greedy overlap matching, pair by pair in Python."""
    ka = [(int(x), int(s), int(e)) for x, s, e in zip(a.label, a.start, a.end)]
    kb = [(int(x), int(s), int(e)) for x, s, e in zip(b.label, b.start, b.end)]
    exact = sum(min(ka.count(k), kb.count(k)) for k in set(ka))
    candidates = []
    for i, (la, sa, ea) in enumerate(ka):
        for j, (lb, sb, eb) in enumerate(kb):
            overlap = min(ea, eb) - max(sa, sb)
            if la == lb and overlap > 0:
                candidates.append((-overlap, i, j))
    used_a, used_b, overlap_matches = set(), set(), 0
    for _, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            overlap_matches += 1
    return exact, overlap_matches


@pytest.mark.parametrize("seed", range(30))
def test_indexed_f1_pairs_equal_restricted_brute_force(seed: int) -> None:
    """Per coder pair over the documents both coded: indexed once per coder (no restriction
    for matching) gives the counts of restricting both coders' spans first."""
    rng = np.random.default_rng(seed)
    n_docs, n_coders, n_labels = int(rng.integers(1, 6)), int(rng.integers(2, 6)), 2
    length = 60
    coded = rng.random((n_docs, n_coders)) < 0.7
    spans = []
    for m in range(n_coders):
        n = int(rng.integers(0, 12))
        doc = rng.integers(0, n_docs, n)
        keep = coded[doc, m]
        doc = doc[keep]
        start = rng.integers(0, length - 1, doc.size)
        end = np.minimum(length, start + rng.integers(1, 25, doc.size))
        label = rng.integers(0, n_labels, doc.size)
        spans.append(LabelledSpans(label, doc * length + start, doc * length + end, doc))
    stride = n_docs * length + 1
    index = [span_index(s, n_labels, n_docs, stride) for s in spans]
    for a, b in combinations(range(n_coders), 2):
        both = coded[:, a] & coded[:, b]
        fast = pair_counts(index[a], index[b], both)

        def restrict(s: LabelledSpans, both: np.ndarray = both) -> LabelledSpans:
            k = both[s.doc]
            return LabelledSpans(s.label[k], s.start[k], s.end[k], s.doc[k])

        ra, rb = restrict(spans[a]), restrict(spans[b])
        slow = f1_counts(ra, rb, n_labels, n_docs, stride)
        for x, y in zip(fast, slow):
            assert np.array_equal(x, y)
        exact, overlap = _brute_f1(ra, rb)
        assert fast.exact.sum() == exact and fast.overlap.sum() == overlap
        assert fast.size_a.sum() == ra.label.size and fast.size_b.sum() == rb.label.size


def _brute_2016(doc, coder, value, start, end, doc_length, doc_coded, n_cat):
    """uo_d one character at a time: each coder's multiset of covering values (∅ if none)."""
    n_docs, n_coders = doc_coded.shape
    n_values = n_cat + 1
    uo = np.zeros((n_docs, n_values, n_values))
    for d in range(n_docs):
        who = [m for m in range(n_coders) if doc_coded[d, m]]
        if len(who) < 2:
            continue
        for i in range(doc_length[d]):
            sections = {}
            for m in who:
                mine = [int(value[k]) for k in range(doc.size) if doc[k] == d and coder[k] == m
                        and start[k] <= i < min(end[k], doc_length[d])]
                sections[m] = mine or [0]
            for m in who:
                for n in who:
                    if m != n:
                        for x in sections[m]:
                            for y in sections[n]:
                                uo[d, x, y] += 1.0 / (len(who) - 1)
    return uo


@pytest.mark.parametrize("seed", range(16))
def test_2016_coincidences_equal_character_sections(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n_docs, n_coders, n_cat = int(rng.integers(1, 4)), int(rng.integers(2, 6)), \
        int(rng.integers(1, 4))
    doc_length = rng.integers(0, 50, n_docs)
    doc_coded = rng.random((n_docs, n_coders)) < 0.8
    n = int(rng.integers(0, 40))
    doc = rng.integers(0, n_docs, n)
    start = rng.integers(0, 45, n)
    end = start + rng.integers(0, 20, n)  # some empty, some past the end
    coder = rng.integers(0, n_coders, n)
    value = rng.integers(1, n_cat + 1, n)
    end = np.minimum(end, doc_length[doc])
    uo, _ = u16.coincidences_2016(doc, coder, value, start, end, doc_length, doc_coded, n_cat)
    assert _close(uo, _brute_2016(doc, coder, value, start, end, doc_length, doc_coded, n_cat))


@pytest.mark.parametrize("seed", range(6))
def test_report_is_stable_under_redundant_cuts(seed: int) -> None:
    """Every span listed twice changes no character's value, so the per-character figures
    must not move (the duplicates add cuts and runs, nothing else)."""
    data = random_data(seed)
    base = compute_agreement(data, bootstrap=0)
    for doc in data.documents:
        for spans in doc.spans.values():
            spans.extend(list(spans))  # each span twice: same characters, same values
    again = compute_agreement(data, bootstrap=0)
    for key in ("alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement_pairs"):
        a, b = base["stance"].get(key), again["stance"].get(key)
        assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12, abs=1e-12), key


@pytest.mark.parametrize("seed", range(16))
def test_alpha_u_observed_equals_pairwise_sum(seed: int) -> None:
    """αU's O_d(c) without a loop over coder pairs equals, summed over ordered coder pairs
    (a, b) and their intersecting sections: (b1−b2)² + (e1−e2)² for two meeting units, l² for
    a unit of a lying in a gap of b and l² for a gap of a holding a unit of b."""
    from desk_annotator.agreement.unitizing import UnitizingScheme

    rng = np.random.default_rng(300 + seed)
    n_docs, n_coders, n_cat = int(rng.integers(1, 4)), int(rng.integers(2, 7)), \
        int(rng.integers(1, 3))
    doc_length = rng.integers(1, 80, n_docs)
    doc_coded = rng.random((n_docs, n_coders)) < 0.8
    n = int(rng.integers(0, 60))
    doc = rng.integers(0, n_docs, n)
    start = rng.integers(0, 70, n)
    end = start + rng.integers(1, 25, n)
    scheme = UnitizingScheme("s", [f"k{i}" for i in range(n_cat)], doc_length, doc_coded, doc,
                             rng.integers(0, n_coders, n), rng.integers(0, n_cat, n), start,
                             end)
    scheme._prepare()
    udoc, ucoder, ucat, ustart, uend = scheme.units
    expected = np.zeros((n_docs, n_cat))
    for d in range(n_docs):
        if doc_coded[d].sum() < 2:
            continue
        for c in range(n_cat):
            for a in range(n_coders):
                for b in range(n_coders):
                    if a == b or not (doc_coded[d, a] and doc_coded[d, b]):
                        continue
                    mine = [(s, e) for k, (s, e) in enumerate(zip(ustart, uend))
                            if udoc[k] == d and ucoder[k] == a and ucat[k] == c]
                    theirs = [(s, e) for k, (s, e) in enumerate(zip(ustart, uend))
                              if udoc[k] == d and ucoder[k] == b and ucat[k] == c]
                    for s1, e1 in mine:
                        met = [(s2, e2) for s2, e2 in theirs if s2 < e1 and e2 > s1]
                        expected[d, c] += sum((s1 - s2) ** 2 + (e1 - e2) ** 2
                                              for s2, e2 in met) if met else (e1 - s1) ** 2
                    for s2, e2 in theirs:  # b's unit inside a gap of a
                        if not any(s1 < e2 and e1 > s2 for s1, e1 in mine):
                            expected[d, c] += (e2 - s2) ** 2
    assert np.array_equal(scheme._o, expected)


FORKED_CHECK = """
import os, sys
sys.path.insert(0, {tests!r})
from test_agreement_runs import random_data
from desk_annotator.agreement import compute_agreement, parallel
assert parallel.available(), "forking unavailable in a plain interpreter"
real_split, children = parallel.split, []
def recording_split(child, parent):
    (pid, result), mine = real_split(lambda: (os.getpid(), child()), parent)
    children.append(pid)
    return result, mine
parallel.split = recording_split
for seed in (4, 7, 10):
    data = random_data(seed)
    serial = compute_agreement(data, bootstrap=50, workers=1)
    forked = compute_agreement(data, bootstrap=50, workers=2)
    assert repr(forked) == repr(serial), seed
assert children and os.getpid() not in children, children
print("same")
"""


def test_a_forked_share_of_the_themes_gives_the_serial_report() -> None:
    """workers=2 computes some theme blocks in a forked process: the report must be the
    serial one, value for value, key order included. Run in a fresh interpreter: this test
    process has the GUI toolkit loaded, where forking is (rightly) refused."""
    import subprocess
    import sys
    from pathlib import Path

    if not hasattr(__import__("os"), "fork"):
        pytest.skip("no fork on this platform")
    tests = str(Path(__file__).resolve().parent)
    done = subprocess.run([sys.executable, "-c", FORKED_CHECK.format(tests=tests)],
                          capture_output=True, text=True, timeout=300, check=False,
                          cwd=str(Path(tests).parent))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "same"

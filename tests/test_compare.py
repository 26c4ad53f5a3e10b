"""compare.disagreements: where two coders part, as passages."""

from __future__ import annotations

import itertools
import random

import pytest

from desk_annotator.compare import Disagreement, disagreement_at, disagreements
from desk_annotator.errors import OperationError
from desk_annotator.models import Annotation

N = 100


def span(start: int, end: int, stance: str | None = None, themes: tuple[str, ...] = (),
         coder: str = "a", created: str = "2024-01-01T00:00:00", ann_id: str | None = None
         ) -> Annotation:
    return Annotation(id=ann_id or f"{coder}{start}-{end}-{stance}-{'+'.join(themes)}",
                      document_id="d", coder_id=coder, start=start, end=end, quote="x" * (end - start),
                      stance_id=stance, theme_ids=list(themes), created=created)


def kinds(found: list[Disagreement]) -> list[tuple[int, int, str]]:
    return [(d.start, d.end, d.kind) for d in found]


def test_identical_coding_agrees():
    a = [span(10, 20, "crit", ("t1",))]
    b = [span(10, 20, "crit", ("t1",), coder="b")]
    assert disagreements(N, a, b) == []
    assert disagreements(N, [], []) == []


def test_only_one_coder():
    a = [span(10, 20, "crit")]
    b = [span(50, 60, "sup", coder="b")]
    found = disagreements(N, a, b)
    assert kinds(found) == [(10, 20, "only_a"), (50, 60, "only_b")]
    assert found[0].a_ids == (a[0].id,) and found[0].b_ids == ()
    assert found[1].b_ids == (b[0].id,)


def test_stance_and_theme_differences():
    a = [span(0, 10, "crit", ("t1",)), span(30, 40, "sup", ("t1",))]
    b = [span(0, 10, "sup", ("t1",), coder="b"), span(30, 40, "sup", ("t2",), coder="b")]
    assert kinds(disagreements(N, a, b)) == [(0, 10, "stance"), (30, 40, "themes")]


def test_stance_against_no_stance_is_a_stance_disagreement():
    a = [span(0, 10, None, ("t1",))]
    b = [span(0, 10, "sup", ("t1",), coder="b")]
    assert kinds(disagreements(N, a, b)) == [(0, 10, "stance")]


def test_boundary_difference_on_the_same_passage():
    # Same label, B's span reaches five characters further on each side.
    a = [span(10, 20, "crit")]
    b = [span(5, 25, "crit", coder="b")]
    found = disagreements(N, a, b)
    assert kinds(found) == [(5, 10, "boundary"), (20, 25, "boundary")]
    assert found[0].a_ids == () and found[0].b_ids == (b[0].id,)


def test_touching_runs_merge_into_one_passage_of_the_most_serious_kind():
    # B's span starts early (boundary), then the stances differ: one passage, kind stance.
    a = [span(10, 20, "crit")]
    b = [span(5, 20, "sup", coder="b")]
    found = disagreements(N, a, b)
    assert kinds(found) == [(5, 20, "stance")]
    assert found[0].a_ids == (a[0].id,) and found[0].b_ids == (b[0].id,)


def test_shortest_span_gives_the_stance_tie_most_recent():
    # A: a long supportive span containing a short critical one -> critical inside 40..50.
    a = [span(0, 90, "sup"), span(40, 50, "crit")]
    b = [span(0, 90, "sup", coder="b"), span(40, 50, "crit", coder="b")]
    assert disagreements(N, a, b) == []
    # Two equally long spans: the later one decides.
    a = [span(0, 10, "sup", created="2024-01-01T00:00:01", ann_id="old"),
         span(0, 10, "crit", created="2024-01-01T00:00:02", ann_id="new")]
    b = [span(0, 10, "crit", coder="b")]
    assert disagreements(N, a, b) == []
    b = [span(0, 10, "sup", coder="b")]
    assert kinds(disagreements(N, a, b)) == [(0, 10, "stance")]


def test_themes_are_unioned_over_covering_spans():
    a = [span(0, 20, None, ("t1",)), span(10, 20, None, ("t2",))]
    b = [span(0, 20, None, ("t1", "t2"), coder="b")]
    assert kinds(disagreements(N, a, b)) == [(0, 10, "themes")]


def test_spans_outside_the_text_are_refused():
    with pytest.raises(OperationError, match="outside the text"):
        disagreements(10, [span(5, 20)], [])


def test_disagreement_at():
    found = disagreements(N, [span(10, 20, "crit")], [span(50, 60, "sup", coder="b")])
    assert disagreement_at(found, 15) == 0
    assert disagreement_at(found, 55) == 1
    assert disagreement_at(found, 30) is None


def _per_character_truth(n: int, a: list[Annotation], b: list[Annotation]) -> list[bool]:
    """Brute force: does character i disagree? (the module's rule, read off character by character)"""
    def state(spans: list[Annotation], i: int):
        cover = [s for s in spans if s.start <= i < s.end]
        stanced = [s for s in cover if s.stance_id]
        stanced.sort(key=lambda s: (s.end - s.start, [-ord(c) for c in s.created]))
        return (bool(cover), stanced[0].stance_id if stanced else None,
                frozenset(t for s in cover for t in s.theme_ids))
    out = []
    for i in range(n):
        ca, sa, ta = state(a, i)
        cb, sb, tb = state(b, i)
        out.append((ca != cb) or (ca and cb and (sa != sb or ta != tb)))
    return out


def test_random_spans_match_a_character_by_character_reading():
    rng = random.Random(7)
    for _round in range(60):
        n = 80

        def random_spans(coder: str, n: int = n) -> list[Annotation]:
            spans = []
            for k in range(rng.randint(0, 6)):
                s = rng.randrange(0, n - 1)
                e = rng.randint(s + 1, min(n, s + 25))
                spans.append(span(s, e, rng.choice([None, "x", "y"]),
                                  tuple(rng.sample(["t1", "t2"], rng.randint(0, 2))),
                                  coder=coder, created=f"2024-01-01T00:00:{k:02d}",
                                  ann_id=f"{coder}{k}"))
            return spans

        a, b = random_spans("a"), random_spans("b")
        found = disagreements(n, a, b)
        marked = [False] * n
        for d in found:
            assert d.start < d.end
            for i in range(d.start, d.end):
                marked[i] = True
        assert marked == _per_character_truth(n, a, b)
        # Passages never touch: touching runs were merged.
        assert all(x.end < y.start for x, y in itertools.pairwise(found))

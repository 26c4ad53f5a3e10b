"""Gold layer: accept one coder's span, both, a merged span, all agreed spans; undoable."""

from types import SimpleNamespace

import pytest

from desk_annotator.adjudication import (AcceptAgreed, AcceptMerged, AcceptSpans,
                                         adjudication_progress)
from desk_annotator.models import GOLD_CODER, Codebook, Label
from desk_annotator.project import Project

TEXT = "Export controls on chips 🇺🇸 slow 中国 labs. Open models spread anyway."


@pytest.fixture
def setup(tmp_path):
    p = Project(tmp_path / "p.sqlite")
    p.import_codebook(Codebook(labels=[
        Label(scheme="stance", name="critical"), Label(scheme="stance", name="supportive"),
        Label(scheme="themes", name="chips"), Label(scheme="themes", name="open")]))
    p.add_documents([SimpleNamespace(title="t", text=TEXT, metadata={})])
    doc = p.q.document_infos()[0].id
    lab = {lb.name: lb.id for lb in p.q.labels()}
    a, b = p.ensure_coder("coder-1"), p.ensure_coder("coder-2")
    agreed_a = p.add_annotation(doc, a.id, 0, 24, stance_id=lab["critical"], theme_ids=[lab["chips"]])
    p.add_annotation(doc, b.id, 0, 24, stance_id=lab["critical"], theme_ids=[lab["chips"]])
    differ_a = p.add_annotation(doc, a.id, 43, 54, stance_id=lab["supportive"], theme_ids=[lab["open"]])
    differ_b = p.add_annotation(doc, b.id, 40, 66, stance_id=lab["critical"], theme_ids=[])
    yield SimpleNamespace(p=p, doc=doc, lab=lab, a=a, b=b, agreed_a=agreed_a,
                          differ_a=differ_a, differ_b=differ_b)
    p.close()


def gold_spans(p):
    gold = p.q.coder_by_name(GOLD_CODER)
    return [] if gold is None else p.q.annotations(coder_ids=[gold.id])


def test_accept_agreed_copies_only_identical_spans_and_is_idempotent(setup):
    s = setup
    assert s.p.run(AcceptAgreed(s.a.id, s.b.id)) == 1
    spans = gold_spans(s.p)
    assert [(g.start, g.end, g.quote) for g in spans] == [(0, 24, TEXT[0:24])]
    assert s.p.run(AcceptAgreed(s.a.id, s.b.id)) == 0
    # The second run changed nothing, so it is no undo step: one undo removes the gold spans.
    assert s.p.undo() is not None
    assert gold_spans(s.p) == []


def test_accept_one_or_merged(setup):
    s = setup
    s.p.run(AcceptSpans([s.differ_b.id]))
    assert [(g.start, g.end, g.stance_id) for g in gold_spans(s.p)] == [(40, 66, s.lab["critical"])]
    s.p.run(AcceptMerged([s.differ_a.id, s.differ_b.id]))
    merged = [g for g in gold_spans(s.p) if g.start == 40 and g.stance_id == s.lab["supportive"]]
    assert len(merged) == 1 and merged[0].end == 66 and merged[0].theme_ids == [s.lab["open"]]
    assert merged[0].quote == TEXT[40:66]


def test_progress_counts_documents_both_coded(setup):
    s = setup
    assert adjudication_progress(s.p, s.a.id, s.b.id) == {"documents": 1, "adjudicated": 0}
    s.p.run(AcceptAgreed(s.a.id, s.b.id))
    gold = s.p.q.coder_by_name(GOLD_CODER)
    s.p.set_status(s.doc, gold.id, "done")
    assert adjudication_progress(s.p, s.a.id, s.b.id) == {"documents": 1, "adjudicated": 1}

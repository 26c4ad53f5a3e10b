"""Undo/redo of every operation: exact table contents back and forth, across restarts."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desk_annotator import ops
from desk_annotator.errors import OperationError
from desk_annotator.models import (
    Annotation, Codebook, Coder, DocStatus, Document, Label, ProjectSnapshot,
)
from desk_annotator.ops_import import AddDocuments, ImportCodebook, ImportSnapshot
from desk_annotator.project import Changed, Project
from desk_annotator.text import sha256_text


class _Art:
    def __init__(self, title: str, text: str, metadata: dict | None = None) -> None:
        self.title, self.text, self.metadata = title, text, metadata or {}


def _snapshot(p: Project, ids: dict[str, Any]) -> ProjectSnapshot:
    """Another coder's work: one document already here (matched by SHA), one new; a coder,
    a new label and an existing one (other GUID, same name), statuses."""
    existing = p.q.document(ids["docs"][2])
    new_text = "A new article 👩‍💻 about open weights."
    docs = [Document(id="OTHER-D1", title="same text", text=existing.text, sha256=existing.sha256),
            Document(id="OTHER-D2", title="new", text=new_text, sha256=sha256_text(new_text),
                     metadata={"author": "X", "language": "en"})]
    coder = Coder(id="OTHER-C", name="coder-9")
    crit = Label(id="OTHER-CRIT", scheme="stance", name="critical")
    jobs = Label(id="OTHER-JOBS", scheme="themes", name="jobs")
    anns = [Annotation(id="OTHER-A1", document_id="OTHER-D1", coder_id="OTHER-C", start=0, end=5,
                       quote=existing.text[:5], stance_id="OTHER-CRIT", theme_ids=["OTHER-JOBS"]),
            Annotation(id="OTHER-A2", document_id="OTHER-D2", coder_id="OTHER-C", start=14,
                       end=15, quote="👩", note="n")]
    statuses = [DocStatus(document_id="OTHER-D2", coder_id="OTHER-C", status="done")]
    return ProjectSnapshot(codebook=Codebook(labels=[crit, jobs]), coders=[coder], documents=docs,
                           annotations=anns, statuses=statuses)


def _lab(ids: dict[str, Any], name: str) -> str:
    return ids["labels"][name].id


# (name, op factory): the factory builds the op from the seeded ids.
OpFactory = Callable[[Project, dict[str, Any]], ops.Op]
CASES: list[tuple[str, OpFactory]] = [
    ("AddCoder", lambda p, i: ops.AddCoder("coder-3")),
    ("RenameCoder", lambda p, i: ops.RenameCoder(i["coders"][1].id, "second coder")),
    ("AddAnnotation", lambda p, i: ops.AddAnnotation(
        i["docs"][1], i["coders"][1].id, 3, 20, _lab(i, "critical"),
        [_lab(i, "safety"), _lab(i, "open source")], "a note")),
    ("UpdateAnnotation", lambda p, i: ops.UpdateAnnotation(
        i["annotations"][1].id, start=8, end=30, stance_id=None,
        theme_ids=[_lab(i, "safety"), _lab(i, "export controls")], note="edited")),
    ("DeleteAnnotations", lambda p, i: ops.DeleteAnnotations(
        [i["annotations"][0].id, i["annotations"][1].id])),
    ("SetStatus-new", lambda p, i: ops.SetStatus(i["docs"][2], i["coders"][0].id, "doing")),
    ("SetStatus-change", lambda p, i: ops.SetStatus(i["docs"][0], i["coders"][0].id, "todo")),
    ("DeleteDocuments", lambda p, i: ops.DeleteDocuments([i["docs"][0], i["docs"][1]])),
    ("AddLabel", lambda p, i: ops.AddLabel("themes", "jobs", "#123456", "work", "j")),
    ("UpdateLabel", lambda p, i: ops.UpdateLabel(_lab(i, "critical"), name="sceptical",
                                                 color="#000000", key=None)),
    ("DeleteLabel-unused", lambda p, i: ops.DeleteLabel(p.add_label("themes", "unused").id)),
    ("DeleteLabel-force", lambda p, i: ops.DeleteLabel(_lab(i, "export controls"), force=True)),
    ("DeleteLabel-stance-force", lambda p, i: ops.DeleteLabel(_lab(i, "critical"), force=True)),
    ("MergeLabels-themes", lambda p, i: ops.MergeLabels(_lab(i, "export controls"),
                                                        _lab(i, "open source"))),
    ("MergeLabels-stance", lambda p, i: ops.MergeLabels(_lab(i, "critical"), _lab(i, "supportive"))),
    ("ReorderLabels", lambda p, i: ops.ReorderLabels("themes", [
        _lab(i, "safety"), _lab(i, "export controls"), _lab(i, "open source")])),
    ("ImportCodebook", lambda p, i: ImportCodebook(Codebook(name="New book", labels=[
        Label(scheme="stance", name="critical", color="#ff0000", description="changed"),
        Label(scheme="themes", name="jobs", key="j"),
        Label(scheme="themes", name="chips", key="1")]))),  # key taken: dropped
    ("AddDocuments", lambda p, i: AddDocuments([
        _Art("new", "A fresh article 🇺🇸 text.", {"author": "A", "lang": "en"}),
        _Art("dup", p.q.document(i["docs"][0]).text)])),
    ("ImportSnapshot", lambda p, i: ImportSnapshot(_snapshot(p, i), "other", "add_missing")),
]


def _doc_order(p: Project) -> list[str]:
    return [d.id for d in p.q.document_infos()]


@pytest.mark.parametrize(("name", "factory"), CASES, ids=[c[0] for c in CASES])
def test_undo_redo_restores_every_table(project_path: Path, seed, dump, name: str,
                                        factory: OpFactory) -> None:
    p = Project(project_path)
    ids = seed(p)
    op = factory(p, ids)  # may itself run a setup op (DeleteLabel-unused)
    before, order_before = dump(p), _doc_order(p)
    seen: list[Changed] = []
    p.subscribe(seen.append)
    p.run(op)
    after, order_after = dump(p), _doc_order(p)
    assert after != before, "the operation changed nothing"
    op_changed = seen[-1]
    assert op_changed.source == "op" and op_changed.tables

    assert p.undo() == op.describe(p.q) or p.redo_description() is not None
    assert dump(p) == before
    assert _doc_order(p) == order_before
    undo_changed = seen[-1]
    assert undo_changed.source == "undo"
    # Undo tells views about the same rows the operation did.
    assert undo_changed.document_ids == op_changed.document_ids
    assert undo_changed.annotation_ids == op_changed.annotation_ids
    assert p.redo()
    assert dump(p) == after and _doc_order(p) == order_after
    assert seen[-1].source == "redo"
    assert seen[-1].document_ids == op_changed.document_ids
    assert seen[-1].annotation_ids == op_changed.annotation_ids
    p.close()

    # Across a restart: undo, close, reopen, redo.
    p = Project(project_path)
    assert dump(p) == after
    assert p.undo()
    assert dump(p) == before
    p.close()
    p = Project(project_path)
    assert dump(p) == before and _doc_order(p) == order_before
    assert p.redo()
    assert dump(p) == after and _doc_order(p) == order_after
    p.close()


def test_refused_operation_changes_nothing_and_records_nothing(seeded, dump) -> None:
    p, ids = seeded
    before = dump(p)
    history = p.history()
    with pytest.raises(OperationError, match="used by"):
        p.delete_label(_lab(ids, "export controls"))
    with pytest.raises(OperationError):
        p.merge_labels(_lab(ids, "critical"), _lab(ids, "safety"))  # different schemes
    with pytest.raises(OperationError):
        p.reorder_labels("themes", [_lab(ids, "safety")])
    with pytest.raises(OperationError):
        p.set_status(ids["docs"][0], ids["coders"][0].id, "finished")
    with pytest.raises(OperationError):
        p.delete_annotations(["nope"])
    with pytest.raises(OperationError):
        p.run(ops.RenameCoder(ids["coders"][0].id, "coder-2"))
    assert dump(p) == before and p.history() == history


def test_delete_label_refused_while_used_then_forced(seeded, dump) -> None:
    p, ids = seeded
    exp = _lab(ids, "export controls")
    with pytest.raises(OperationError, match="2 annotation"):
        p.delete_label(exp)
    assert p.delete_label(exp, force=True) == 2
    assert all(exp not in a.theme_ids for a in p.q.annotations())
    assert p.q.label(exp) is None


def test_new_operation_after_undo_clears_redo(seeded, dump) -> None:
    p, ids = seeded
    p.run(ops.AddCoder("coder-x"))
    p.undo()
    assert p.redo_description() == "Add coder coder-x"
    p.run(ops.AddCoder("coder-y"))
    assert p.redo_description() is None
    assert p.redo() is None
    assert p.coder_by_name("coder-x") is None and p.coder_by_name("coder-y") is not None


def test_undo_and_redo_with_empty_history(project: Project) -> None:
    assert project.undo() is None and project.redo() is None
    assert project.undo_description() is None


def test_annotation_notifications_carry_ids(seeded) -> None:
    p, ids = seeded
    seen: list[Changed] = []
    p.subscribe(seen.append)
    doc, coder = ids["docs"][1], ids["coders"][0].id
    ann = p.add_annotation(doc, coder, 0, 4, theme_ids=[_lab(ids, "safety")])
    assert seen[-1].annotation_ids == {ann.id} and seen[-1].document_ids == {doc}
    assert {"annotations", "annotation_themes"} <= seen[-1].tables
    p.update_annotation(ann.id, theme_ids=[])
    assert seen[-1].annotation_ids == {ann.id} and doc in seen[-1].document_ids
    p.set_status(doc, coder, "done")
    assert seen[-1].document_ids == {doc} and seen[-1].annotation_ids == set()
    d0 = ids["docs"][0]
    on_d0 = {a.id for a in p.q.annotations(d0)}
    p.delete_documents([d0])
    assert seen[-1].document_ids == {d0} and seen[-1].annotation_ids == on_d0
    p.undo()
    assert seen[-1].document_ids == {d0} and seen[-1].annotation_ids == on_d0
    p.unsubscribe(seen.append)
    n = len(seen)
    p.redo()
    assert len(seen) == n


def test_history_records_coder_and_description(seeded) -> None:
    p, ids = seeded
    coder = ids["coders"][1]
    p.add_annotation(ids["docs"][2], coder.id, 0, 5)
    top = p.history(1)[0]
    assert top["coder"] == coder.name and top["description"].startswith("Tag passage")
    assert p.undo(coder.id) == top["description"]
    assert p.history(1)[0]["undone"] >= 1


# -- random sequences ----------------------------------------------------------------------

def _random_op(rng: random.Random, p: Project) -> ops.Op | None:
    coders = p.coders()
    labels = p.q.labels()
    docs = p.q.document_infos()
    anns = p.q.annotations()
    stance = [lb.id for lb in labels if lb.scheme == "stance"]
    themes = [lb.id for lb in labels if lb.scheme == "themes"]
    choice = rng.randrange(12)
    if choice == 0 or not coders:
        return ops.AddCoder(f"coder-{rng.randrange(10**6)}")
    if choice == 1 or len(labels) < 3:
        return ops.AddLabel(rng.choice(["stance", "themes"]), f"label {rng.randrange(10**6)}")
    if choice == 2 or not docs:
        text = "".join(rng.choice(["word ", "😀", "中文", "é", "🇺🇸", "\n"]) for _ in range(30))
        return AddDocuments([_Art(f"doc {rng.randrange(10**6)}", text + str(rng.random()))])
    if choice in (3, 4, 5):
        doc = rng.choice(docs)
        start = rng.randrange(doc.length)
        end = rng.randrange(start + 1, doc.length + 1)
        return ops.AddAnnotation(doc.id, rng.choice(coders).id, start, end,
                                 rng.choice(stance + [None]) if stance else None,
                                 rng.sample(themes, rng.randrange(min(3, len(themes)) + 1)))
    if choice == 6 and anns:
        ann = rng.choice(anns)
        return ops.UpdateAnnotation(ann.id, note=f"n{rng.random()}",
                                    theme_ids=rng.sample(themes, min(1, len(themes))))
    if choice == 7 and anns:
        return ops.DeleteAnnotations([a.id for a in rng.sample(anns, min(2, len(anns)))])
    if choice == 8:
        return ops.SetStatus(rng.choice(docs).id, rng.choice(coders).id,
                             rng.choice(["todo", "doing", "done"]))
    if choice == 9 and len(docs) > 1:
        return ops.DeleteDocuments([rng.choice(docs).id])
    if choice == 10:
        lb = rng.choice(labels)
        same = [x for x in labels if x.scheme == lb.scheme and x.id != lb.id]
        if same:
            return ops.MergeLabels(lb.id, rng.choice(same).id)
    if choice == 11:
        return ops.DeleteLabel(rng.choice(labels).id, force=True)
    return None


@pytest.mark.parametrize("seed_value", range(6))
def test_random_sequence_undo_all_returns_to_empty(seed_value: int, dump) -> None:
    rng = random.Random(seed_value)
    p = Project(":memory:")
    states = [dump(p)]
    orders = [_doc_order(p)]
    while len(states) < 40:
        op = _random_op(rng, p)
        if op is None:
            continue
        p.run(op)
        states.append(dump(p))
        orders.append(_doc_order(p))
    # Undo everything, checking each intermediate state, then redo everything.
    for k in range(len(states) - 2, -1, -1):
        assert p.undo() is not None
        assert dump(p) == states[k], f"after undoing step {k + 1}"
        assert _doc_order(p) == orders[k]
    assert p.undo() is None
    assert all(not rows for t, rows in dump(p).items())
    for k in range(1, len(states)):
        assert p.redo() is not None
        assert dump(p) == states[k], f"after redoing step {k}"
    assert p.redo() is None
    # Half back, then a new op: redo is gone, and the rest still undoes cleanly.
    for _ in range(len(states) // 2):
        p.undo()
    p.run(ops.AddCoder("late"))
    assert p.redo() is None
    while p.undo() is not None:
        pass
    assert all(not rows for rows in dump(p).values())
    p.close()


def test_undo_that_conflicts_with_outside_changes_is_refused_cleanly(seeded, dump) -> None:
    p, ids = seeded
    ann = ids["annotations"][2]
    p.delete_annotations([ann.id])
    # Another tool removes the document behind the program's back (no history entry).
    p.store.db.execute("DELETE FROM doc_status WHERE document_id = ?", (ann.document_id,))
    p.store.db.execute("DELETE FROM documents WHERE id = ?", (ann.document_id,))
    before = dump(p)
    with pytest.raises(OperationError, match="cannot undo"):
        p.undo()
    assert dump(p) == before
    assert p.undo_description() == "Delete annotation"

"""Adjudication: building the gold layer (the reserved coder ``gold``) from two coders' work.

Per disagreement the lead accepts one coder's span, both, a merged span, or none; "accept all
where the coders agree" copies every span the two coders made identically. Each decision is
one undoable operation; the gold layer is exported like any coder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import OperationError
from .models import GOLD_CODER, Annotation, new_id, now_iso
from .ops import Op, check_span, insert_annotation
from .project import Project
from .store import ChangeRecorder
from .store.queries import Queries


def _gold_id(rec: ChangeRecorder, q: Queries) -> str:
    gold = q.coder_by_name(GOLD_CODER)
    if gold is not None:
        return gold.id
    gold_id = new_id()
    rec.insert("coders", {"id": gold_id, "name": GOLD_CODER, "created": now_iso()})
    return gold_id


def _same_content(a: Annotation, b: Annotation) -> bool:
    return (a.start, a.end, a.stance_id, sorted(a.theme_ids)) == \
        (b.start, b.end, b.stance_id, sorted(b.theme_ids))


def _copy_to_gold(rec: ChangeRecorder, q: Queries, gold_id: str, source: Annotation,
                  existing: list[Annotation], **override: Any) -> bool:
    ann = source.model_copy(update={"id": new_id(), "coder_id": gold_id, "created": now_iso(),
                                    "updated": now_iso(), **override})
    if any(_same_content(ann, e) for e in existing):
        return False
    ann = ann.model_copy(update={"quote": check_span(q, ann.document_id, ann.start, ann.end)})
    insert_annotation(rec, ann)
    existing.append(ann)
    return True


@dataclass
class AcceptSpans(Op):
    """Copy the given annotations into the gold layer as they are (one coder's, or both)."""

    annotation_ids: list[str]
    kind: ClassVar[str] = "adjudicate-accept"

    def describe(self, q: Queries) -> str:
        n = len(self.annotation_ids)
        return "Accept span into gold" if n == 1 else f"Accept {n} spans into gold"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        sources = [q.annotation(i) for i in self.annotation_ids]
        if any(s is None for s in sources) or not sources:
            raise OperationError("no such annotation to accept")
        gold_id = _gold_id(rec, q)
        added = 0
        for source in sources:
            existing = q.annotations(source.document_id, [gold_id])  # type: ignore[union-attr]
            added += _copy_to_gold(rec, q, gold_id, source, existing)  # type: ignore[arg-type]
        return added


@dataclass
class AcceptMerged(Op):
    """One gold span covering the given annotations (their union, or explicit offsets), with
    the first one's stance (or ``stance_id``) and the union of their themes."""

    annotation_ids: list[str]
    start: int | None = None
    end: int | None = None
    stance_id: Any = "first"
    kind: ClassVar[str] = "adjudicate-merge"

    def describe(self, q: Queries) -> str:
        return "Accept merged span into gold"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        sources = [q.annotation(i) for i in self.annotation_ids]
        if not sources or any(s is None for s in sources):
            raise OperationError("no such annotation to merge")
        if len({s.document_id for s in sources}) != 1:  # type: ignore[union-attr]
            raise OperationError("merged spans must come from one document")
        first = sources[0]
        themes: list[str] = []
        for s in sources:
            themes += [t for t in s.theme_ids if t not in themes]  # type: ignore[union-attr]
        gold_id = _gold_id(rec, q)
        existing = q.annotations(first.document_id, [gold_id])  # type: ignore[union-attr]
        return int(_copy_to_gold(
            rec, q, gold_id, first, existing,  # type: ignore[arg-type]
            start=self.start if self.start is not None else min(s.start for s in sources),
            end=self.end if self.end is not None else max(s.end for s in sources),
            stance_id=first.stance_id if self.stance_id == "first" else self.stance_id,
            theme_ids=themes, note=None))


@dataclass
class AcceptAgreed(Op):
    """Copy into gold every span that both coders made identically (offsets and labels)."""

    coder_a: str
    coder_b: str
    document_ids: list[str] | None = None
    kind: ClassVar[str] = "adjudicate-agreed"

    def describe(self, q: Queries) -> str:
        return "Accept all spans where the coders agree"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        gold_id = _gold_id(rec, q)
        doc_ids = self.document_ids or [d.id for d in q.document_infos()]
        added = 0
        for doc_id in doc_ids:
            spans = q.annotations(doc_id, [self.coder_a, self.coder_b, gold_id])
            a = [s for s in spans if s.coder_id == self.coder_a]
            b = [s for s in spans if s.coder_id == self.coder_b]
            gold = [s for s in spans if s.coder_id == gold_id]
            for span in a:
                if any(_same_content(span, other) for other in b):
                    added += _copy_to_gold(rec, q, gold_id, span, gold)
        return added


def adjudication_progress(project: Project, coder_a: str, coder_b: str) -> dict[str, int]:
    """Documents both coders coded, and how many of them the gold layer marks done."""
    q = project.q
    gold = q.coder_by_name(GOLD_CODER)
    coded: dict[str, set[str]] = {}
    for ann in q.annotations(coder_ids=[coder_a, coder_b]):
        coded.setdefault(ann.document_id, set()).add(ann.coder_id)
    for st in q.statuses():
        if st.coder_id in (coder_a, coder_b) and st.status == "done":
            coded.setdefault(st.document_id, set()).add(st.coder_id)
    both = {d for d, who in coded.items() if len(who) == 2}
    done = {s.document_id for s in q.statuses()
            if gold is not None and s.coder_id == gold.id and s.status == "done"}
    return {"documents": len(both), "adjudicated": len(both & done)}

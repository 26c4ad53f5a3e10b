"""Gold-layer ops beyond the per-disagreement decisions of :mod:`adjudication`.

- :class:`TakeCoder`: copy one coder's passages into gold wherever gold has nothing yet (no
  gold passage overlaps them), e.g. a single-coded document whose coding the lead trusts.
- :class:`MarkGoldDone`: record that adjudication of a document is finished (the gold coder's
  status "done", which ``adjudication_progress`` counts).

Each is one undoable op; both create the reserved coder ``gold`` when it does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .adjudication import _copy_to_gold, _gold_id
from .errors import OperationError
from .models import STATUSES, now_iso
from .ops import Op
from .store import ChangeRecorder
from .store.queries import Queries


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    # Zero-width spans never occur (check_span refuses them), so strict overlap suffices.
    return a_start < b_end and b_start < a_end


@dataclass
class TakeCoder(Op):
    """Copy ``coder_id``'s passages into gold where no gold passage overlaps them."""

    coder_id: str
    document_ids: list[str] | None = None
    kind: ClassVar[str] = "adjudicate-take"

    def describe(self, q: Queries) -> str:
        coder = q.coder(self.coder_id)
        return f"Take {coder.name if coder else 'a coder'}'s passages into gold where gold has none"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        if q.coder(self.coder_id) is None:
            raise OperationError("no such coder to take passages from")
        gold_id = _gold_id(rec, q)
        if gold_id == self.coder_id:
            raise OperationError("gold cannot take its own passages")
        doc_ids = self.document_ids or [d.id for d in q.document_infos()]
        added = 0
        for doc_id in doc_ids:
            spans = q.annotations(doc_id, [self.coder_id, gold_id])
            gold = [s for s in spans if s.coder_id == gold_id]
            before = list(gold)  # what gold held before this op: the coder's own spans may overlap
            for span in (s for s in spans if s.coder_id == self.coder_id):
                if not any(_overlaps(span.start, span.end, g.start, g.end) for g in before):
                    added += _copy_to_gold(rec, q, gold_id, span, gold)
        return added


@dataclass
class MarkGoldDone(Op):
    """Set the gold layer's status of documents (default "done": adjudicated)."""

    document_ids: list[str]
    status: str = "done"
    kind: ClassVar[str] = "adjudicate-done"

    def describe(self, q: Queries) -> str:
        n = len(self.document_ids)
        return f"Mark {'document' if n == 1 else f'{n} documents'} {self.status} in gold"

    def apply(self, rec: ChangeRecorder, q: Queries) -> None:
        if self.status not in STATUSES:
            raise OperationError(f"status must be one of {', '.join(STATUSES)}")
        missing = [d for d in self.document_ids if q.document_length(d) is None]
        if missing or not self.document_ids:
            raise OperationError(f"document {', '.join(missing) or '(none)'} does not exist")
        gold_id = _gold_id(rec, q)
        for document_id in dict.fromkeys(self.document_ids):
            key = {"document_id": document_id, "coder_id": gold_id}
            if q.status(document_id, gold_id) is None:
                rec.insert("doc_status", {**key, "status": self.status, "updated": now_iso()})
            else:
                rec.update("doc_status", key, {"status": self.status, "updated": now_iso()})

"""Undoable operations on model suggestions, run by ``Project.run`` like every other op.

A suggestion is an annotation of the engine's reserved coder ("model:<engine>") plus a row in
``suggestions``. Accepting one copies span and labels into a new annotation of the person who
accepts it (the model's annotation stays, marked accepted, so the model can still be measured
as a coder); rejecting only marks it. Every write goes through the ChangeRecorder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import OperationError
from ..models import Annotation, model_coder_name, new_id, now_iso
from ..ops import UNSET, Op, check_labels, insert_annotation, label_names
from ..store import ChangeRecorder
from ..store import suggestion_queries as sq
from ..store.queries import Queries


@dataclass
class SuggestionRow:
    """One proposed coding. ``quote``, when given (an LLM's answer), must equal
    ``text[start:end]`` or the row is discarded and counted."""

    document_id: str
    start: int
    end: int
    stance_id: str | None = None
    theme_ids: list[str] = field(default_factory=list)
    probability: float | None = None
    quote: str | None = None
    note: str | None = None


@dataclass
class AddResult:
    added: list[str] = field(default_factory=list)  # new suggestion (annotation) ids
    replaced: int = 0  # open suggestions of the same documents removed first
    skipped_rejected: int = 0  # equal to a suggestion a person rejected before
    discarded: list[str] = field(default_factory=list)  # one reason per discarded row


def _ensure_model_coder(rec: ChangeRecorder, q: Queries, engine: str) -> str:
    name = model_coder_name(engine)
    coder = q.coder_by_name(name)
    if coder is not None:
        return coder.id
    coder_id = new_id()
    rec.insert("coders", {"id": coder_id, "name": name, "created": now_iso()})
    return coder_id


def _delete_suggestion(rec: ChangeRecorder, annotation_id: str) -> None:
    rec.delete("suggestions", {"annotation_id": annotation_id})
    rec.delete_where("annotation_themes", "annotation_id = ?", (annotation_id,))
    rec.delete("annotations", {"id": annotation_id})


def _row(value: SuggestionRow | dict[str, Any]) -> SuggestionRow:
    return value if isinstance(value, SuggestionRow) else SuggestionRow(**value)


@dataclass
class AddSuggestions(Op):
    """Store an engine's proposals. The engine's still-open suggestions in the documents the
    rows are about are replaced; a row equal to one a person rejected is skipped; a row whose
    offsets are outside the text, or whose ``quote`` is not the text there, is discarded.
    ``document_ids`` names further documents whose open suggestions go (a run that found
    nothing there)."""

    engine: str
    rows: list[Any]
    document_ids: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "add-suggestions"

    def describe(self, q: Queries) -> str:
        return f"Suggest {len(self.rows)} coding{'s' if len(self.rows) != 1 else ''} " \
               f"({model_coder_name(self.engine)})"

    def apply(self, rec: ChangeRecorder, q: Queries) -> AddResult:
        if not self.engine.strip():
            raise OperationError("a suggestion engine needs a name")
        engine = self.engine.removeprefix("model:")
        rows = [_row(r) for r in self.rows]
        labels = {lb.id: lb.scheme for lb in q.labels()}
        doc_ids = list(dict.fromkeys([*self.document_ids, *(r.document_id for r in rows)]))
        result = AddResult()
        coder_id = _ensure_model_coder(rec, q, engine)
        for ann_id in sq.open_suggestion_ids(q, engine, doc_ids):
            _delete_suggestion(rec, ann_id)
            result.replaced += 1
        rejected = sq.rejected_keys(q, engine, doc_ids)
        texts: dict[str, str | None] = {}
        annotations: list[dict[str, Any]] = []
        themes: list[dict[str, Any]] = []
        suggestions: list[dict[str, Any]] = []
        created = now_iso()
        for r in rows:
            if r.document_id not in texts:
                doc = q.document(r.document_id)
                texts[r.document_id] = doc.text if doc else None
            text = texts[r.document_id]
            problem = self._problem(r, text, labels)
            if problem:
                result.discarded.append(problem)
                continue
            key = (r.document_id, r.start, r.end, r.stance_id, tuple(sorted(r.theme_ids)))
            if key in rejected:
                result.skipped_rejected += 1
                continue
            ann_id = new_id()
            annotations.append({
                "id": ann_id, "document_id": r.document_id, "coder_id": coder_id,
                "start": r.start, "end": r.end, "quote": text[r.start:r.end],  # type: ignore[index]
                "stance_id": r.stance_id, "note": r.note, "created": created,
                "updated": created})
            themes += [{"annotation_id": ann_id, "label_id": t} for t in r.theme_ids]
            suggestions.append({
                "annotation_id": ann_id, "engine": engine, "status": "suggested",
                "probability": None if r.probability is None else float(r.probability),
                "created": created, "resolved": None, "resolved_by": None,
                "accepted_as": None})
            result.added.append(ann_id)
        rec.insert_many("annotations", annotations)
        rec.insert_many("annotation_themes", themes)
        rec.insert_many("suggestions", suggestions)
        return result

    @staticmethod
    def _problem(r: SuggestionRow, text: str | None, labels: dict[str, str]) -> str | None:
        if text is None:
            return f"document {r.document_id} does not exist"
        if not (0 <= r.start < r.end <= len(text)):
            return f"offsets {r.start}..{r.end} are outside the text (0..{len(text)})"
        if r.quote is not None and r.quote != text[r.start:r.end]:
            return f"the quote at {r.start}..{r.end} is not the text there"
        if r.stance_id is not None and labels.get(r.stance_id) != "stance":
            return f"{r.stance_id} is not a stance label"
        if any(labels.get(t) != "themes" for t in r.theme_ids) or \
                len(set(r.theme_ids)) != len(r.theme_ids):
            return "a theme is not a theme label, or is given twice"
        if r.stance_id is None and not r.theme_ids:
            return f"no label at {r.start}..{r.end}"
        return None


def _open_suggestion(q: Queries, annotation_id: str) -> dict[str, Any]:
    found = sq.suggestion(q, annotation_id)
    if found is None:
        raise OperationError(f"{annotation_id} is not a suggestion")
    if found["status"] != "suggested":
        raise OperationError(f"suggestion {annotation_id} was already {found['status']}")
    return found


def _accept(rec: ChangeRecorder, q: Queries, found: dict[str, Any], coder_id: str,
            stance_id: Any = UNSET, theme_ids: Any = UNSET) -> Annotation:
    stance = found["stance_id"] if stance_id is UNSET else stance_id
    themes = list(found["theme_ids"] if theme_ids is UNSET else theme_ids)
    check_labels(q, stance, themes)
    ann = Annotation(id=new_id(), document_id=found["document_id"], coder_id=coder_id,
                     start=found["start"], end=found["end"], quote=found["quote"],
                     stance_id=stance, theme_ids=themes)
    insert_annotation(rec, ann)
    rec.update("suggestions", {"annotation_id": found["annotation_id"]},
               {"status": "accepted", "resolved": now_iso(), "resolved_by": coder_id,
                "accepted_as": ann.id})
    return ann


def _check_person(q: Queries, coder_id: str) -> None:
    coder = q.coder(coder_id)
    if coder is None:
        raise OperationError(f"coder {coder_id} does not exist")
    if coder.name.startswith("model:"):
        raise OperationError(f"{coder.name} is a model coder: a person accepts suggestions")


@dataclass
class AcceptSuggestion(Op):
    """The suggestion becomes ``as_coder``'s annotation (same span; same labels unless
    ``stance_id``/``theme_ids`` override them). Returns the new annotation."""

    annotation_id: str
    as_coder: str  # coder id
    stance_id: Any = UNSET
    theme_ids: Any = UNSET
    kind: ClassVar[str] = "accept-suggestion"

    def describe(self, q: Queries) -> str:
        found = sq.suggestion(q, self.annotation_id)
        what = label_names(q, found["stance_id"], found["theme_ids"]) if found else "?"
        return f"Accept suggestion ({what})"

    def apply(self, rec: ChangeRecorder, q: Queries) -> Annotation:
        _check_person(q, self.as_coder)
        return _accept(rec, q, _open_suggestion(q, self.annotation_id), self.as_coder,
                       self.stance_id, self.theme_ids)


@dataclass
class RejectSuggestion(Op):
    annotation_id: str
    by_coder: str | None = None  # coder id
    kind: ClassVar[str] = "reject-suggestion"

    def describe(self, q: Queries) -> str:
        return "Reject suggestion"

    def apply(self, rec: ChangeRecorder, q: Queries) -> None:
        _open_suggestion(q, self.annotation_id)
        rec.update("suggestions", {"annotation_id": self.annotation_id},
                   {"status": "rejected", "resolved": now_iso(), "resolved_by": self.by_coder})


@dataclass
class RecordDryRun(Op):
    """Keep the precision a dry run measured for bulk acceptance at ``threshold`` (on gold or
    held-out coded documents, ``basis`` says which): AcceptAbove needs it."""

    engine: str
    threshold: float
    precision: float | None
    support: int
    basis: str
    kind: ClassVar[str] = "record-dry-run"

    def describe(self, q: Queries) -> str:
        return f"Record a dry run of accepting above {self.threshold:g}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> dict[str, Any]:
        engine = self.engine.removeprefix("model:")
        value = {"threshold": float(self.threshold), "precision": self.precision,
                 "support": int(self.support), "basis": self.basis, "time": now_iso()}
        key = sq.DRY_RUN_META_PREFIX + engine
        row = {"value": json.dumps(value)}
        if q.meta(key) is None:
            rec.insert("meta", {"key": key, **row})
        else:
            rec.update("meta", {"key": key}, row)
        return value


@dataclass
class AcceptAbove(Op):
    """Accept every open suggestion of ``engine`` with probability >= ``threshold`` (in
    ``document_ids`` if given) as ``as_coder``'s, in one undoable step. Refused unless a dry
    run's precision is given (``precision``) or recorded (RecordDryRun) at this threshold or
    a lower one. Returns the new annotations."""

    engine: str
    threshold: float
    as_coder: str  # coder id
    precision: float | None = None
    document_ids: list[str] | None = None
    kind: ClassVar[str] = "accept-above"

    def describe(self, q: Queries) -> str:
        return f"Accept suggestions above {self.threshold:g}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> list[Annotation]:
        engine = self.engine.removeprefix("model:")
        _check_person(q, self.as_coder)
        if not 0.0 <= self.threshold <= 1.0:
            raise OperationError("the probability threshold must be between 0 and 1")
        if self.precision is None:
            recorded = sq.dry_run(q, engine)
            if recorded is None or recorded["threshold"] > self.threshold + 1e-12:
                raise OperationError(
                    f"bulk acceptance above {self.threshold:g} needs a dry run first: "
                    f"`suggest accept --above {self.threshold:g} --dry-run` measures its "
                    "precision on gold or held-out coded documents")
        wanted = set(self.document_ids) if self.document_ids is not None else None
        accepted = []
        for found in sq.suggestions(q, engine=engine, min_probability=self.threshold):
            if wanted is None or found["document_id"] in wanted:
                accepted.append(_accept(rec, q, found, self.as_coder))
        return accepted


@dataclass
class SetTeacher(Op):
    """Whose coding ``engine`` learns from (``suggest train``), for later runs."""

    engine: str
    teacher: str  # coder name
    kind: ClassVar[str] = "set-suggestion-teacher"

    def describe(self, q: Queries) -> str:
        return f"Teach suggestions from {self.teacher}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> None:
        coder = q.coder_by_name(self.teacher)
        if coder is None or coder.name.startswith("model:"):
            raise OperationError(f"{self.teacher!r} is not a person or gold in this project")
        key = sq.TEACHER_META_PREFIX + self.engine.removeprefix("model:")
        if q.meta(key) is None:
            rec.insert("meta", {"key": key, "value": self.teacher})
        else:
            rec.update("meta", {"key": key}, {"value": self.teacher})

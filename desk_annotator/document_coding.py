"""Article-level coding: a stance and themes for a document as a whole, per coder.

Many content-analysis designs code the article ("this piece is critical; it is about export
controls and open source") beside, or instead of, the passages. One coder's article coding of
one document is a row of ``document_codings`` (stance label, note, time) plus a row of
``document_coding_themes`` per theme. A coding with no stance, no theme and no note is no
coding: the ops delete its row instead of keeping an empty one.

A coder has *coded a document at article level* when it gave it a stance or at least one
theme (a note alone does not count); that is the unit of the document-level agreement
(:mod:`agreement.document_level`). Changes go through the ops of :mod:`ops_document_coding`.

The ``*_rows`` helpers at the end are what the document and label ops call so a deleted
document or label takes its article codings with it, in the same undoable step.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .models import DocumentCodingRecord, ImportReport, now_iso
from .store import ChangeRecorder
from .store import document_coding_queries as dq
from .store.queries import Queries


@dataclass(frozen=True)
class DocumentCoding:
    document_id: str
    coder_id: str
    stance_id: str | None = None
    theme_ids: tuple[str, ...] = ()
    note: str | None = None
    updated: str = ""

    @property
    def coded(self) -> bool:
        """Whether this counts as coding the document (a stance or a theme, not a note)."""
        return self.stance_id is not None or bool(self.theme_ids)


def _q(project_or_q: Any) -> Queries:
    return getattr(project_or_q, "q", project_or_q)


def document_codings(project: Any, document_ids: list[str] | None = None,
                     coder_ids: list[str] | None = None) -> list[DocumentCoding]:
    """The article codings of existing documents (corpus-list order, then coder id)."""
    q = _q(project)
    themes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for doc_id, coder_id, label_id in dq.theme_rows(q, document_ids, coder_ids):
        themes[doc_id, coder_id].append(label_id)
    order = {lb.id: i for i, lb in enumerate(q.labels())}
    return [DocumentCoding(r["document_id"], r["coder_id"], r["stance_id"],
                           tuple(sorted(themes.get((r["document_id"], r["coder_id"]), []),
                                        key=lambda t: order.get(t, len(order)))),
                           r["note"], r["updated"])
            for r in dq.coding_rows(q, document_ids, coder_ids)]


def document_coding(project: Any, document_id: str, coder_id: str) -> DocumentCoding | None:
    found = document_codings(project, [document_id], [coder_id])
    return found[0] if found else None


def codings_by_name(project: Any, document_ids: list[str] | None = None,
                    coder_ids: list[str] | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """document id -> coder name -> ``{"stance": name|None, "themes": [names], "note": ...}``:
    the form the dataset JSONL writes as ``document_coding`` (labels by name, as
    annotations carry them)."""
    q = _q(project)
    names = {lb.id: lb.name for lb in q.labels()}
    coders = {c.id: c.name for c in q.coders()}
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for c in document_codings(q, document_ids, coder_ids):
        if c.coder_id not in coders:
            continue
        out[c.document_id][coders[c.coder_id]] = {
            "stance": names.get(c.stance_id) if c.stance_id else None,
            "themes": [names[t] for t in c.theme_ids if t in names],
            "note": c.note, "updated": c.updated}
    return {doc_id: dict(sorted(per_coder.items())) for doc_id, per_coder in out.items()}


# -- snapshots: exports, coder packages, merges ------------------------------------------------

def snapshot_records(project: Any, coder_ids: set[str] | list[str],
                     document_ids: set[str] | list[str],
                     label_ids: set[str] | None = None) -> list[DocumentCodingRecord]:
    """The coders' article codings of the documents, for a ProjectSnapshot; labels the
    snapshot's codebook lacks (``label_ids``) are left out of them."""
    docs = set(document_ids)
    out = []
    for c in document_codings(project, coder_ids=list(coder_ids)):
        if c.document_id not in docs:
            continue
        keep = (lambda t: t in label_ids) if label_ids is not None else (lambda t: True)
        stance = c.stance_id if c.stance_id and keep(c.stance_id) else None
        themes = [t for t in c.theme_ids if keep(t)]
        if stance or themes or c.note:
            out.append(DocumentCodingRecord(document_id=c.document_id, coder_id=c.coder_id,
                                            stance_id=stance, theme_ids=themes, note=c.note,
                                            updated=c.updated))
    return out


def import_records(rec: ChangeRecorder, q: Queries, records: list[DocumentCodingRecord], *,
                   doc_map: dict[str, str], coder_map: dict[str, str],
                   label_map: dict[str, str], report: ImportReport, source: str) -> None:
    """Bring article codings in (ImportSnapshot: dataset, REFI-QDA, merge). A coding the
    project lacks is added; one it has is replaced only by a different, newer one (its
    ``updated`` time), so importing or merging the same file twice changes nothing."""
    unknown = 0
    for r in records:
        doc_id, coder_id = doc_map.get(r.document_id), coder_map.get(r.coder_id)
        if doc_id is None or coder_id is None:
            continue
        stance = label_map.get(r.stance_id) if r.stance_id else None
        themes = list(dict.fromkeys(label_map[t] for t in r.theme_ids if t in label_map))
        unknown += (r.stance_id is not None and stance is None) + \
            sum(t not in label_map for t in r.theme_ids)
        note = (r.note or "").strip() or None
        if stance is None and not themes and not note:
            continue
        old = dq.raw_coding(q, doc_id, coder_id)
        old_themes = dq.raw_theme_ids(q, doc_id, coder_id)
        if old is not None and ((old["stance_id"], set(old_themes), old["note"])
                                == (stance, set(themes), note) or r.updated <= old["updated"]):
            continue
        key = {"document_id": doc_id, "coder_id": coder_id}
        values = {"stance_id": stance, "note": note, "updated": r.updated}
        if old is None:
            rec.insert("document_codings", {**key, **values})
        else:
            rec.update("document_codings", key, values)
        for gone in set(old_themes) - set(themes):
            rec.delete("document_coding_themes", {**key, "label_id": gone})
        rec.insert_many("document_coding_themes",
                        [{**key, "label_id": t} for t in themes if t not in old_themes])
        report.document_codings_set += 1
    if unknown:
        report.warnings.append(f"{source}: {unknown} article-level label(s) the codebook lacks "
                               "were left out")
    if report.document_codings_set:
        report.notes.append(f"{report.document_codings_set} article-level coding(s) set")


# -- rows the document and label ops take along ------------------------------------------------

def delete_document_rows(rec: ChangeRecorder, document_id: str) -> int:
    """Remove every coder's article coding of the document; returns how many codings."""
    rec.delete_where("document_coding_themes", "document_id = ?", (document_id,))
    return len(rec.delete_where("document_codings", "document_id = ?", (document_id,)))


def drop_label_rows(rec: ChangeRecorder, q: Queries, label_id: str) -> None:
    """A deleted label leaves every article coding: as stance it is cleared, as theme the
    row goes (a coding left with nothing at all is removed too)."""
    stance_keys = dq.keys_with_stance(q, label_id)
    theme_keys = {k[:2] for k in dq.keys_with_theme(q, [label_id])}
    for doc_id, coder_id in stance_keys:
        rec.update("document_codings", {"document_id": doc_id, "coder_id": coder_id},
                   {"stance_id": None, "updated": now_iso()})
    rec.delete_where("document_coding_themes", "label_id = ?", (label_id,))
    for doc_id, coder_id in sorted(set(stance_keys) | theme_keys):
        _remove_if_empty(rec, q, doc_id, coder_id)


def merge_label_rows(rec: ChangeRecorder, q: Queries, source_id: str, target_id: str) -> None:
    """Every article-level use of ``source`` becomes ``target`` (same scheme)."""
    for doc_id, coder_id in dq.keys_with_stance(q, source_id):
        rec.update("document_codings", {"document_id": doc_id, "coder_id": coder_id},
                   {"stance_id": target_id, "updated": now_iso()})
    has_target = {k[:2] for k in dq.keys_with_theme(q, [target_id])}
    for doc_id, coder_id, _ in dq.keys_with_theme(q, [source_id]):
        rec.delete("document_coding_themes", {"document_id": doc_id, "coder_id": coder_id,
                                              "label_id": source_id})
        if (doc_id, coder_id) not in has_target:
            rec.insert("document_coding_themes", {"document_id": doc_id, "coder_id": coder_id,
                                                  "label_id": target_id})


def _remove_if_empty(rec: ChangeRecorder, q: Queries, document_id: str, coder_id: str) -> None:
    row = dq.raw_coding(q, document_id, coder_id)
    if row is not None and row["stance_id"] is None and not row["note"] \
            and not dq.raw_theme_ids(q, document_id, coder_id):
        rec.delete("document_codings", {"document_id": document_id, "coder_id": coder_id})


def agreement_units(project: Any, data: Any) -> Any:
    """The article-level agreement's input for the selection of an agreement run (``data``:
    agreement.data.AgreementData: its coders, labels and documents)."""
    from .agreement.document_level import ArticleUnits

    q = _q(project)
    coder_ids = {c.name: c.id for c in q.coders() if c.name in set(data.coders)}
    names = {lb.id: lb.name for lb in q.labels()}
    by_id = {v: k for k, v in coder_ids.items()}
    doc_ids = [d.id for d in data.documents]
    codings = {}
    for c in document_codings(q, doc_ids, list(coder_ids.values())):
        if c.coded:
            codings[c.document_id, by_id[c.coder_id]] = (
                names.get(c.stance_id) if c.stance_id else None,
                frozenset(names[t] for t in c.theme_ids if t in names))
    return ArticleUnits(list(data.coders), list(data.stance_labels), list(data.theme_labels),
                        [(d.id, d.title) for d in data.documents], codings)


def label_usage(project: Any, label_id: str) -> int:
    """How many article codings use the label (as stance or theme)."""
    return dq.label_usage(_q(project), label_id)

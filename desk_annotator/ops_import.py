"""Operations that bring data in: articles, codebooks, and whole snapshots (datasets, REFI-QDA
projects, other coders' projects). Each is one undoable operation, idempotent by design:
documents match by SHA-256, annotations by id or by identical content."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from .errors import FormatError
from .models import Codebook, ImportReport, Label, ProjectSnapshot, new_id, now_iso
from .ops import Op, document_row, label_row
from .store import ChangeRecorder
from .store.queries import Queries
from .text import normalize_text, sha256_text


class ArticleLike(Protocol):
    title: str
    text: str
    metadata: dict[str, str | None]


@dataclass
class AddDocuments(Op):
    articles: list[Any]
    refused: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "import-documents"

    def describe(self, q: Queries) -> str:
        n = len(self.articles)
        return "Import 1 document" if n == 1 else f"Import {n} documents"

    def apply(self, rec: ChangeRecorder, q: Queries) -> ImportReport:
        report = ImportReport(refused=list(self.refused))
        texts = [normalize_text(a.text) for a in self.articles]
        shas = [sha256_text(t) for t in texts]
        existing = q.document_ids_by_sha(shas)
        rows, seen = [], set(existing)
        for art, text, sha in zip(self.articles, texts, shas):
            # What the reader repaired (NUL, lone surrogates...) reaches the summary.
            report.warnings += list(getattr(art, "warnings", None) or ())
            if sha in seen:
                report.documents_reused += 1
                continue
            seen.add(sha)
            rows.append(document_row(art.title, text, sha, dict(art.metadata), new_id()))
        rec.insert_many("documents", rows)
        report.documents_added = len(rows)
        report.notes += encoding_notes(self.articles)
        return report


def encoding_notes(articles: list[Any]) -> list[str]:
    """The import summary's word on encodings: one line per text file not read as certain
    UTF-8 (low-confidence guesses are left to the warnings, which carry the same line), and
    one line counting the UTF-8 ones. Office files (no encoding) are not mentioned."""
    notes: list[str] = []
    utf8 = 0
    for art in articles:
        encoding = getattr(art, "encoding", None)
        confidence = getattr(art, "encoding_confidence", None)
        note = getattr(art, "encoding_note", None)
        if encoding == "utf-8" and confidence == "certain":
            utf8 += 1
        elif note and confidence != "low confidence":
            notes.append(note)
    if utf8:
        notes.insert(0, f"{utf8} text file{'s' if utf8 != 1 else ''} read as utf-8, certain")
    return notes


def merge_codebook(rec: ChangeRecorder, q: Queries, codebook: Codebook, *,
                   update_existing: bool) -> tuple[dict[str, str], int]:
    """Bring labels in, matched by id then by (scheme, name). Returns (incoming id -> project
    id, number added). A new label that comes without a colour of its own (the readers' grey
    fallback: a dataset file or another tool's codes carry none) gets the most distinct
    unused colour of the default palette, as a label added in the codebook editor does:
    otherwise every label of such an import was the same grey in the text and the charts."""
    from .palettes import DEFAULT_PALETTE, pick_color

    current = q.labels()
    colors = {s: [lb.color for lb in current if lb.scheme == s] for s in ("stance", "themes")}
    by_id = {lb.id: lb for lb in current}
    by_name = {(lb.scheme, lb.name): lb for lb in current}
    used_keys = {lb.key for lb in current if lb.key}
    positions = {s: 1 + max((lb.order for lb in current if lb.scheme == s), default=-1)
                 for s in ("stance", "themes")}
    mapping: dict[str, str] = {}
    added = 0
    for label in sorted(codebook.labels, key=lambda lb: (lb.scheme, lb.order)):
        match = by_id.get(label.id)
        if match is not None and match.scheme != label.scheme:
            match = None
        match = match or by_name.get((label.scheme, label.name))
        if match is not None:
            mapping[label.id] = match.id
            if update_existing:
                values = {"description": label.description}
                if label.color.lower() != NO_COLOR:  # no colour of its own: keep the project's
                    values["color"] = label.color
                if label.key and label.key not in used_keys - {match.key}:
                    values["key"] = label.key
                rec.update("labels", {"id": match.id}, values)
            continue
        key = label.key if label.key and label.key not in used_keys else None
        color = label.color
        if color.lower() == NO_COLOR:
            color = pick_color(DEFAULT_PALETTE, colors[label.scheme])
        colors[label.scheme].append(color)
        new = Label(id=label.id if label.id not in by_id else new_id(), scheme=label.scheme,
                    name=label.name, color=color, description=label.description, key=key,
                    order=positions[label.scheme])
        positions[label.scheme] += 1
        if key:
            used_keys.add(key)
        rec.insert("labels", label_row(new))
        by_id[new.id] = new
        by_name[(new.scheme, new.name)] = new
        mapping[label.id] = new.id
        added += 1
    return mapping, added


# Project meta key holding Codebook.ordered_stance ("1" when the stance labels are ordered).
STANCE_ORDERED_META = "stance_ordered"


@dataclass
class ImportCodebook(Op):
    codebook: Codebook
    kind: ClassVar[str] = "import-codebook"

    def describe(self, q: Queries) -> str:
        return f"Import codebook {self.codebook.name}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> int:
        _, added = merge_codebook(rec, q, self.codebook, update_existing=True)
        if q.meta("codebook_name") is None:
            rec.insert("meta", {"key": "codebook_name", "value": self.codebook.name})
        if self.codebook.ordered_stance:
            # DESIGN §3 (v2) "stance": {"ordered": true}; a codebook that does not say so
            # leaves the project's setting as it is.
            current = q.meta(STANCE_ORDERED_META)
            if current is None:
                rec.insert("meta", {"key": STANCE_ORDERED_META, "value": "1"})
            elif current != "1":
                rec.update("meta", {"key": STANCE_ORDERED_META}, {"value": "1"})
        return added


LabelPolicy = Literal["by_name", "add_missing", "strict"]
# What a label's colour is when its file gave none (models.Label's default).
NO_COLOR = "#888888"
# The annotations table's columns in the order ImportSnapshot builds its rows.
ANNOTATION_COLUMNS = ("id", "document_id", "coder_id", "start", "end", "quote", "stance_id",
                      "note", "created", "updated")


@dataclass
class ImportSnapshot(Op):
    """Merge a snapshot into the project.

    ``labels``: ``by_name`` refuses labels the project lacks (one error listing them all);
    ``add_missing`` creates them; ``strict`` (merging coders' projects) matches by GUID, then
    aligns a label with another GUID but the same (scheme, name) (one warning line each), and
    refuses real conflicts (a GUID of another scheme, a GUID whose name is another label's
    here, two labels onto one, a label the lead lacks) with nothing merged.
    """

    snapshot: ProjectSnapshot
    source: str = "snapshot"
    labels: LabelPolicy = "by_name"
    kind: ClassVar[str] = "import-snapshot"

    def describe(self, q: Queries) -> str:
        return f"Import {self.source}"

    def apply(self, rec: ChangeRecorder, q: Queries) -> ImportReport:
        # A million rows built, none of them in a cycle: no collector passes meanwhile.
        from .bulk_gc import collector_paused

        with collector_paused():
            return self._apply(rec, q)

    def _apply(self, rec: ChangeRecorder, q: Queries) -> ImportReport:
        snap = self.snapshot
        report = ImportReport()
        label_map = self._labels(rec, q, report)
        coder_map = self._coders(rec, q, snap, report)
        doc_map = self._documents(rec, q, snap, report)
        self._annotations(rec, q, snap, doc_map, coder_map, label_map, report)
        self._statuses(rec, q, snap, doc_map, coder_map, report)
        from .ops_memos import import_memos  # memos: by id, never duplicated on re-merge
        import_memos(rec, q, snap.memos, doc_map=doc_map, coder_map=coder_map,
                     label_map=label_map, report=report, source=self.source)
        from .document_coding import import_records  # article-level codings (new or newer)
        import_records(rec, q, snap.document_codings, doc_map=doc_map, coder_map=coder_map,
                       label_map=label_map, report=report, source=self.source)
        from .document_sets_io import import_sets  # document sets: created or extended
        import_sets(rec, q, snap.document_sets, doc_map=doc_map, report=report,
                    source=self.source)
        return report

    def _labels(self, rec: ChangeRecorder, q: Queries, report: ImportReport) -> dict[str, str]:
        incoming = self.snapshot.codebook
        current = q.labels()
        by_id = {lb.id: lb for lb in current}
        by_name = {(lb.scheme, lb.name): lb for lb in current}
        if self.labels == "strict":
            return self._strict_labels(current, report)
        used = self._used_label_ids()
        missing = [lb for lb in incoming.labels if lb.id in used and lb.id not in by_id
                   and (lb.scheme, lb.name) not in by_name]
        if missing and self.labels == "by_name":
            names = ", ".join(f"{lb.name} ({lb.scheme})" for lb in missing)
            raise FormatError(f"{self.source}: labels not in the project's codebook: {names} — "
                              "import the codebook first, or import again adding them "
                              "(command line: --add-missing-labels; window: File → Import "
                              "with options… → “Add labels the codebook lacks”); "
                              "nothing was imported")
        mapping, added = merge_codebook(rec, q, Codebook(labels=incoming.labels),
                                        update_existing=False)
        report.labels_added += added
        return mapping

    def _strict_labels(self, current: list[Label], report: ImportReport) -> dict[str, str]:
        """Incoming label id -> project label id for a coder's project: by GUID, else by
        (scheme, name) with a warning; any real conflict refuses the whole file."""
        by_id = {lb.id: lb for lb in current}
        by_name = {(lb.scheme, lb.name): lb for lb in current}
        problems: list[str] = []
        notes: list[str] = []
        mapping: dict[str, str] = {}
        for lb in sorted(self.snapshot.codebook.labels, key=lambda lb: (lb.scheme, lb.order)):
            mine = by_id.get(lb.id)
            named = by_name.get((lb.scheme, lb.name))
            if mine is not None and mine.scheme != lb.scheme:
                problems.append(f"GUID {lb.id} is the {lb.scheme} label {lb.name!r} there but "
                                f"the {mine.scheme} label {mine.name!r} here")
            elif mine is not None and mine.name != lb.name and named is not None:
                problems.append(f"{lb.scheme} label {lb.name!r}: its GUID {lb.id} is "
                                f"{mine.name!r} here, and {lb.name!r} here has GUID {named.id}")
            elif mine is not None:
                if mine.name != lb.name:
                    notes.append(f"label {mine.name!r} ({lb.scheme}): matched by GUID {lb.id}, "
                                 f"named {lb.name!r} in {self.source}")
                mapping[lb.id] = mine.id
            elif named is not None:
                notes.append(f"label {lb.name!r} ({lb.scheme}): aligned by name, GUID "
                             f"{named.id} here, {lb.id} in {self.source}")
                mapping[lb.id] = named.id
            else:
                problems.append(f"{lb.scheme} label {lb.name!r} is not in this codebook")
        onto: dict[str, list[str]] = {}
        for incoming_id, project_id in mapping.items():
            onto.setdefault(project_id, []).append(incoming_id)
        for project_id, incoming_ids in onto.items():
            if len(incoming_ids) > 1:
                mine = by_id[project_id]
                problems.append(f"{mine.scheme} label {mine.name!r} would receive "
                                f"{len(incoming_ids)} labels ({', '.join(incoming_ids)})")
        if problems:
            raise FormatError(f"{self.source}: the codebooks conflict — " + "; ".join(problems)
                              + ". Import or align the codebook first; nothing was merged.")
        report.warnings += notes
        return mapping

    def _used_label_ids(self) -> set[str]:
        used: set[str] = set()
        for ann in self.snapshot.annotations:
            if ann.stance_id:
                used.add(ann.stance_id)
            used.update(ann.theme_ids)
        for coding in self.snapshot.document_codings:  # article level: refused alike
            used.update(([coding.stance_id] if coding.stance_id else []) + coding.theme_ids)
        return used

    def _coders(self, rec: ChangeRecorder, q: Queries, snap: ProjectSnapshot,
                report: ImportReport) -> dict[str, str]:
        mapping = {}
        for coder in snap.coders:
            mine = q.coder(coder.id) or q.coder_by_name(coder.name)
            if mine is None:
                cid = coder.id if q.coder(coder.id) is None else new_id()
                rec.insert("coders", {"id": cid, "name": coder.name, "created": now_iso()})
                report.coders_added += 1
                mapping[coder.id] = cid
            else:
                mapping[coder.id] = mine.id
        return mapping

    def _documents(self, rec: ChangeRecorder, q: Queries, snap: ProjectSnapshot,
                   report: ImportReport) -> dict[str, str]:
        existing = q.document_ids_by_sha([d.sha256 for d in snap.documents])
        mapping, rows = {}, []
        row_ids: set[str] = set()  # a set: 10,000 documents made a scan of rows quadratic
        for doc in snap.documents:
            text = normalize_text(doc.text)
            sha = sha256_text(text)
            if sha != doc.sha256:
                raise FormatError(f"{self.source}: document “{doc.title}” has a SHA-256 that does "
                                  "not match its text")
            if sha in existing:
                mapping[doc.id] = existing[sha]
                report.documents_reused += 1
                continue
            taken = doc.id in row_ids or q.document_length(doc.id) is not None
            doc_id = new_id() if taken else doc.id
            rows.append(document_row(doc.title, text, sha, dict(doc.metadata), doc_id))
            row_ids.add(doc_id)
            existing[sha] = doc_id
            mapping[doc.id] = doc_id
        rec.insert_many("documents", rows)
        self._fresh_texts = {r["id"]: r["text"] for r in rows}  # read back by _annotations
        from .ops_variables import adopt_variable_metadata  # metadata naming a defined variable
        adopt_variable_metadata(rec, q, rows, report)
        report.documents_added += len(rows)
        return mapping

    def _annotations(self, rec: ChangeRecorder, q: Queries, snap: ProjectSnapshot,
                     doc_map: dict[str, str], coder_map: dict[str, str],
                     label_map: dict[str, str], report: ImportReport) -> None:
        present = q.existing_annotation_ids([a.id for a in snap.annotations])
        keys_by_doc: dict[str, set[tuple]] = {}
        texts: dict[str, str] = {}
        fresh = getattr(self, "_fresh_texts", {})  # documents this import added: no rows yet
        # Rows are gathered as plain tuples (ANNOTATION_COLUMNS order) and written in two bulk
        # inserts: one statement per annotation made a million-annotation import take
        # minutes, and a dict per row (model_dump) a large part of what was left.
        rows: list[tuple] = []
        theme_rows: list[tuple[str, str]] = []
        added_ids: set[str] = set()
        skipped = 0
        for ann in snap.annotations:
            ann_id = ann.id
            doc_id = doc_map.get(ann.document_id)
            coder_id = coder_map.get(ann.coder_id)
            if doc_id is None or coder_id is None:
                raise FormatError(f"{self.source}: annotation {ann_id} refers to a document or "
                                  "coder that is not in the file")
            if ann_id in present or ann_id in added_ids:
                skipped += 1
                continue
            doc_keys = keys_by_doc.get(doc_id)
            if doc_keys is None:
                if doc_id in fresh:
                    doc_keys, texts[doc_id] = set(), fresh[doc_id]
                else:
                    doc_keys = {_content_key(a) for a in q.annotations(doc_id)}
                    texts[doc_id] = q.document(doc_id).text  # type: ignore[union-attr]
                keys_by_doc[doc_id] = doc_keys
            stance = label_map.get(ann.stance_id) if ann.stance_id else None
            themes = [label_map[t] for t in ann.theme_ids]
            start, end, note = ann.start, ann.end, ann.note
            key = (coder_id, start, end, stance,
                   tuple(sorted(themes)) if len(themes) > 1 else tuple(themes), note or None)
            if key in doc_keys:
                skipped += 1
                continue
            text = texts[doc_id]
            if not (0 <= start < end <= len(text)) or text[start:end] != ann.quote:
                raise FormatError(f"{self.source}: annotation {ann_id} does not match its "
                                  "document's text (offsets or quote)")
            rows.append((ann_id, doc_id, coder_id, start, end, ann.quote, stance, note,
                         ann.created, ann.updated))
            for t in themes:
                theme_rows.append((ann_id, t))
            doc_keys.add(key)
            added_ids.add(ann_id)
        report.annotations_skipped += skipped
        report.annotations_added += len(rows)
        from .store.bulk_summaries import triggers_suspended  # summaries recounted set-wise

        # Every row's quote was just compared with its document's stored text (above):
        # nothing for the open's quote check to do.
        with triggers_suspended(rec.db, {r[1] for r in rows}, len(rows) + len(theme_rows),
                                quotes_checked=True):
            rec.insert_tuples("annotations", ANNOTATION_COLUMNS, rows)
            # In key order: each insert appends to the primary key's b-tree instead of seeking
            # (a million theme rows: 10.8 -> 6.1 s CPU, for a 1.5-2.3 s sort). The annotations
            # keep the file's order: their rowids are that order, which ties of equal spans
            # follow.
            theme_rows.sort()
            rec.insert_tuples("annotation_themes", ("annotation_id", "label_id"), theme_rows)

    def _statuses(self, rec: ChangeRecorder, q: Queries, snap: ProjectSnapshot,
                  doc_map: dict[str, str], coder_map: dict[str, str],
                  report: ImportReport) -> None:
        fresh_docs = getattr(self, "_fresh_texts", {})
        set_now: set[tuple[str, str]] = set()
        for st in snap.statuses:
            doc_id, coder_id = doc_map.get(st.document_id), coder_map.get(st.coder_id)
            if doc_id is None or coder_id is None:
                continue
            # A document this import added has no status but the ones set just now.
            fresh = doc_id in fresh_docs and (doc_id, coder_id) not in set_now
            current = [] if fresh else [s for s in q.statuses(doc_id) if s.coder_id == coder_id]
            set_now.add((doc_id, coder_id))
            key = {"document_id": doc_id, "coder_id": coder_id}
            if not current:
                rec.insert("doc_status", {**key, "status": st.status, "updated": st.updated})
                report.statuses_set += 1
            elif current[0].status != st.status and st.updated > current[0].updated:
                rec.update("doc_status", key, {"status": st.status, "updated": st.updated})
                report.statuses_set += 1


def _content_key(ann: Any) -> tuple:
    return (ann.coder_id, ann.start, ann.end, ann.stance_id, tuple(sorted(ann.theme_ids)),
            ann.note or None)


"""Files in and out of a project: the code path shared by the CLI and the GUI's File menu.

Imports are grouped into one operation per input file kind (all articles of a batch in one,
each dataset file in one), so a batch is undoable as a whole and a refused file never stops
the rest.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from .atomic import WriteFailed, atomic_path, describe_os_error
from .errors import DeskAnnotatorError, FormatError
from .export_formats import check_statuses, documents_with_status, export_format
from .models import Codebook, ImportReport, ProjectSnapshot, is_model_coder
# Importing lives in import_files (reading and writing halves); these names stay importable
# from here for existing callers.
from .import_files import DATASET_EXTENSIONS, import_paths, read_snapshot_file  # noqa: F401
from .project import Project
from .store import SQLiteError, dataset_queries, describe_sqlite_error, suggestion_queries

log = logging.getLogger(__name__)


# -- codebook ------------------------------------------------------------------------------

def read_codebook_file(path: Path) -> Codebook:
    return read_codebook_with_warnings(path)[0]


def read_codebook_with_warnings(path: Path) -> tuple[Codebook, list[str]]:
    """A codebook file (.json or .qdc) and what its reader could not carry (one line each)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        from .io.codebook_json import read_codebook_json
        return read_codebook_json(path), []
    if suffix == ".qdc":
        from .io.refi_qda import read_qdc
        codebook, warnings = read_qdc(path)
        return codebook, list(warnings)
    raise FormatError(f"{path}: a codebook is a .json or .qdc file")


def import_codebook_file(project: Project, path: str | Path) -> int:
    """Add the file's labels to the project's codebook (matched by id, then name)."""
    return import_codebook_reporting(project, path)[0]


def import_codebook_reporting(project: Project, path: str | Path) -> tuple[int, list[str]]:
    """import_codebook_file, also returning the reader's warnings for the user."""
    path = Path(path)
    if project.owns_file(path):
        raise FormatError(f"{path}: this is the open project's own file, not a codebook")
    codebook, warnings = read_codebook_with_warnings(path)
    from .memos import codebook_file_memos  # label and project memos of a codebook JSON
    memos = codebook_file_memos(path)
    if memos:
        from .ops_memos import ImportCodebookWithMemos
        return project.run(ImportCodebookWithMemos(codebook, memos, path.name)), warnings
    return project.import_codebook(codebook), warnings


def export_codebook_file(project: Project, path: str | Path) -> None:
    path = Path(path)
    codebook = project.q.codebook()
    if path.suffix.lower() == ".json":
        from .io.codebook_json import write_codebook_json
        from .memos import codebook_memo_dicts  # label and project memos (additive keys)
        write_codebook_json(codebook, path, codebook_memo_dicts(project))
    elif path.suffix.lower() == ".qdc":
        from .io.refi_qda import write_qdc
        write_qdc(path, codebook)
    else:
        raise FormatError(f"{path}: a codebook is exported as .json or .qdc")


# -- snapshots and export ------------------------------------------------------------------

def snapshot(project: Project, *, coder_names: list[str] | None = None,
             document_ids: list[str] | None = None,
             statuses: list[str] | None = None,
             with_annotations: bool = True) -> ProjectSnapshot:
    """The project (or a selection of coders and documents) as plain models, read in one
    read transaction: one consistent state even while other programs commit. ``statuses``
    keeps the documents one of the selected coders has at one of them (see
    export_formats.documents_with_status). ``with_annotations=False``: no annotations (an
    export that reads them its own way, qdpx_export.py, inside its own read transaction)."""
    q = project.q
    with project.reading():
        coders = q.coders()
        if coder_names is None:  # every coder but the models (suggestions): ask by name
            coders = [c for c in coders if not is_model_coder(c.name)]
        else:
            by_name = {c.name: c for c in coders}
            unknown = [n for n in coder_names if n not in by_name]
            if unknown:
                raise DeskAnnotatorError(f"unknown coder(s): {', '.join(unknown)}")
            coders = [by_name[n] for n in coder_names]
        coder_ids = {c.id for c in coders}
        codebook = q.codebook()
        if statuses is not None:
            document_ids = documents_with_status(q, coders, statuses, document_ids)
        documents = list(q.iter_documents(document_ids))
        from .variables import custom_values  # custom variables ride in document metadata
        custom = custom_values(project, typed_values=False)
        for doc in documents:
            doc.metadata.update(custom.get(doc.id, {}))
        doc_ids = {d.id for d in documents}
        annotations = [a for a in q.annotations(coder_ids=sorted(coder_ids))
                       if a.document_id in doc_ids] if coder_ids and with_annotations else []
        kept_statuses = [s for s in q.statuses()
                         if s.coder_id in coder_ids and s.document_id in doc_ids]
        from .memos import snapshot_memos  # memos ride along (REFI Notes, merges, packages)
        memos = snapshot_memos(project, coder_ids, doc_ids)
        label_ids = set(codebook.by_id())
        from .document_coding import snapshot_records  # article-level codings ride along
        article_codings = snapshot_records(project, coder_ids, doc_ids, label_ids)
        from .document_sets_io import snapshot_sets  # document sets ride along (REFI Sets)
        sets = snapshot_sets(project, doc_ids)
    kept = [a for a in annotations
            if (a.stance_id is None or a.stance_id in label_ids)
            and all(t in label_ids for t in a.theme_ids)]
    if len(kept) != len(annotations):
        _warn_skipped(project, len(annotations) - len(kept), "a label the codebook lacks")
    return ProjectSnapshot(codebook=codebook, coders=coders, documents=documents,
                           annotations=kept, statuses=kept_statuses, memos=memos,
                           document_codings=article_codings,
                           document_sets=sets)


_snapshot = snapshot  # export_path's local snapshot() narrows this one


def _warn_skipped(project: Project, n: int, why: str) -> None:
    # Cannot happen within one read transaction (foreign keys); kept as a net so that an
    # export never dies of a KeyError halfway.
    log.warning("%s: %d annotation(s) left out of the export: they refer to %s",
                project.path, n, why)


def iter_dataset_dicts(project: Project, coder_names: list[str] | None = None, *,
                       document_ids: list[str] | None = None,
                       statuses: list[str] | None = None,
                       helper: Path | None = None) -> Iterator[dict[str, Any]]:
    """Dataset JSONL records straight from the store, one document at a time (streaming).

    The whole iteration is one read transaction (coders and labels are read first, documents
    later: without it a coder or label added meanwhile by another program would be missing
    from the lookups). Close the generator, or exhaust it, to end the transaction.

    ``helper``: the file being written (export_path gives it). A large export then shares
    the annotations with a second process (store/dataset_split.py), whose part file goes
    beside that file; its documents' ``annotations`` are an ``orjson.Fragment`` holding the
    serialised list, not a list: for writing only."""
    from .store import dataset_split
    # No helper inside a read transaction the caller began (its snapshot may be older than
    # the lock), nor for a small project (the lock would hold writers up for nothing).
    # (A ProjectReader, the window's export connection, has no read_only: its file is the
    # open project's; a file that cannot be written refuses the lock, and there is no helper.)
    lock_wanted = (helper is not None and not project.in_memory
                   and not getattr(project, "read_only", False)
                   and not project.q.db.conn.in_transaction and not getattr(sys, "frozen", False)
                   and sum(dataset_queries.annotation_counts(project.q).values())
                   >= dataset_split.SPLIT_MIN_ANNOTATIONS)
    with contextlib.ExitStack() as stack:
        lock = stack.enter_context(dataset_split.writers_held(Path(project.path))) \
            if lock_wanted else None
        yield from _dataset_dicts(project, coder_names, document_ids, statuses, lock, stack,
                                  helper)


def _dataset_dicts(project: Project, coder_names: list[str] | None,
                   document_ids: list[str] | None, statuses: list[str] | None,
                   lock: Any, stack: contextlib.ExitStack,
                   beside: Path | None) -> Iterator[dict[str, Any]]:
    """iter_dataset_dicts inside the write lock ``lock`` (None: no helper), which is let go
    once both processes' read transactions hold their snapshot."""
    from .store import dataset_split
    q = project.q
    with project.reading():
        coders = {c.id: c.name for c in q.coders()}
        # Every coder but the models (suggestions) unless named: model coders are not people.
        wanted = set(coder_names) if coder_names is not None else \
            {name for name in coders.values() if not is_model_coder(name)}
        accepted_from = suggestion_queries.provenance(q)  # "accepted from model:…"
        labels = {lb.id: lb.name for lb in q.labels()}
        status_by_doc: dict[str, dict[str, str]] = {}
        for st in q.statuses():
            name = coders.get(st.coder_id)
            if name is not None and (wanted is None or name in wanted):
                status_by_doc.setdefault(st.document_id, {})[name] = st.status
        if statuses is not None:
            document_ids = documents_with_status(
                q, [c for c in q.coders() if wanted is None or c.name in wanted], statuses,
                document_ids)
        from .variables import custom_values  # custom variables ride in ``metadata``
        custom = custom_values(project)
        from .memos import dataset_memos  # {"memos": [...]} of documents that have memos
        document_memos = dataset_memos(project, {c for c, n in coders.items() if n in wanted})
        from .document_coding import codings_by_name  # {"document_coding": {coder: {...}}}
        article_codings = codings_by_name(project, document_ids,
                                          [c for c, n in coders.items() if n in wanted])
        # The exported coders' names by id: one lookup per annotation both picks and names.
        wanted_names = {c: n for c, n in coders.items() if n in wanted}
        order = {lb.id: (lb.order, lb.id) for lb in q.labels()}
        arrays = dataset_queries.AnnotationArrays(q.db.conn, wanted_names, labels, order,
                                                  accepted_from)
        first_helped, helped = _helper_for(project, document_ids, arrays, lock, stack, beside)
        dataset_split.release(lock)  # both snapshots are held (or there is no helper)
        with dataset_queries.mapped_reads(q):
            for pos, doc in enumerate(dataset_queries.documents(q, document_ids)):
                anns: Any = None
                if pos >= first_helped and helped is not None:
                    if pos == first_helped:
                        done = helped.arrays()
                        if done is None:
                            helped = None
                        else:
                            helped_arrays, skipped_there = done
                            arrays.skipped += skipped_there
                    if helped is not None:
                        anns = orjson.Fragment(next(helped_arrays))
                if anns is None:
                    anns = arrays.annotations(doc.id, doc.text)
                yield {"id": doc.id, "title": doc.title, "text": doc.text,
                       "metadata": {**doc.metadata, **custom.get(doc.id, {})},
                       "status": status_by_doc.get(doc.id, {}), "annotations": anns,
                       "sha256": doc.sha256, **document_memos.get(doc.id, {}),
                       **({"document_coding": article_codings[doc.id]}
                          if doc.id in article_codings else {})}
        if arrays.skipped:
            _warn_skipped(project, arrays.skipped, "a coder or label the project lacks")


def _helper_for(project: Project, document_ids: list[str] | None, arrays: Any, lock: Any,
                stack: contextlib.ExitStack, beside: Path | None) -> tuple[int, Any]:
    """(position of the first document the helper process does, the helper), or (no
    position, None) when there is no lock or the export is too small."""
    from .store import dataset_split
    if lock is None or beside is None:
        return sys.maxsize, None
    q = project.q
    ids = dataset_queries.document_ids(q, document_ids)
    first = dataset_split.split_point(ids, dataset_queries.annotation_counts(q))
    if first >= len(ids):
        return sys.maxsize, None
    helped = dataset_split.Helper(Path(project.path), ids[first:], arrays, beside)
    stack.callback(helped.close)
    return (first, helped) if helped.ready else (sys.maxsize, None)


def export_path(project: Project, path: str | Path, *, coder_names: list[str] | None = None,
                split: tuple[float, float, float] | None = None,
                positions: str = "codepoints", document_ids: list[str] | None = None,
                statuses: list[str] | None = None, fmt: str | None = None) -> str:
    """Export by extension: .jsonl (dataset), .spacy.jsonl (spaCy spans), .csv, .qdpx, .qdc /
    codebook .json, or a folder (brat standoff). Returns a one-line summary.

    document_ids / statuses select documents (statuses: those one of the exported coders has
    at one of them); ``fmt`` (a key of export_formats.FORMATS) chooses the format whatever
    the file is called."""
    path = Path(path)
    name = path.name.lower() if fmt is None else export_format(fmt).dispatch_name
    statuses = check_statuses(statuses)

    def snapshot(project: Project, *, coder_names: list[str] | None) -> ProjectSnapshot:
        return _snapshot(project, coder_names=coder_names, document_ids=document_ids,
                         statuses=statuses)

    if name.endswith(".spacy.jsonl") or name.endswith(".spacy"):
        from .io.ml_export import write_docbin, write_spacy_jsonl
        snap = snapshot(project, coder_names=coder_names)
        coder = coder_names[0] if coder_names and len(coder_names) == 1 else None
        if name.endswith(".spacy"):
            counts = write_docbin(path, snap, coder_name=coder)
        else:
            counts = write_spacy_jsonl(path, snap, coder_name=coder, split=split)
        return f"spaCy export: {counts}"
    if name.endswith(".jsonl"):
        from .io.dataset_jsonl import write_dataset
        # No read transaction around it: the records' own must begin after the write lock
        # that lets a helper process share the work (store/dataset_split.py).
        n = write_dataset(path, iter_dataset_dicts(project, coder_names,
                                                   document_ids=document_ids,
                                                   statuses=statuses, helper=path))
        return f"{n} documents written to {path}"
    if name.endswith(".csv"):
        from .io.csv_export import snapshot_to_csv_rows, write_csv
        n = write_csv(path, snapshot_to_csv_rows(snapshot(project, coder_names=coder_names)))
        return f"{n} annotations written to {path}"
    if name.endswith(".qdpx"):
        from .qdpx_export import export_qdpx  # annotations read as tuples (issue 14)
        export_qdpx(project, path, coder_names=coder_names, document_ids=document_ids,
                    statuses=statuses, positions=positions)
        unit = " (positions in UTF-16 units)" if positions == "utf16" else ""
        return f"REFI-QDA project written to {path}{unit}"
    if name.endswith(".xmi.zip"):
        # UIMA CAS XMI for INCEpTION: offsets are always UTF-16 units (Java), whatever positions.
        from .io.uima_cas import write_cas_zip
        counts = write_cas_zip(path, snapshot(project, coder_names=coder_names))
        replaced = (f"; {counts['replaced']} characters XML cannot hold replaced by U+FFFD"
                    if counts["replaced"] else "")
        return (f"UIMA CAS XMI: {counts['files']} files ({counts['documents']} documents, one "
                f"per coder) and TypeSystem.xml written to {path}{replaced}")
    if name.endswith(".qdc") or (name.endswith(".json") and "codebook" in name):
        export_codebook_file(project, path)
        return f"codebook written to {path}"
    if name.endswith(".json"):
        from .io.label_studio import summary, write_label_studio
        n = write_label_studio(path, snapshot(project, coder_names=coder_names),
                               positions=positions)
        return summary(n, path)
    if fmt == "brat" or (fmt is None and (path.suffix == "" or path.is_dir())):
        from .io.brat import write_brat
        n = write_brat(path, snapshot(project, coder_names=coder_names))
        return f"brat standoff: {n} documents written to {path}"
    raise FormatError(f"{path}: unknown export format (use .jsonl, .spacy.jsonl, .csv, .qdpx, "
                      ".qdc, .json for Label Studio, .xmi.zip for INCEpTION (UIMA CAS XMI), "
                      "or a folder for brat)")


# -- team workflow -------------------------------------------------------------------------

def merge_projects(project: Project, others: Iterable[str | Path]) -> ImportReport:
    """Bring coders' projects back: documents by SHA-256, labels and coders by GUID; a
    conflicting codebook is reported and nothing of that file is merged."""
    report = ImportReport()
    for other_path in others:
        other_path = Path(other_path)
        if not other_path.exists():
            raise DeskAnnotatorError(f"{other_path}: no such project file")
        other = Project(other_path, check_integrity=False)
        try:
            snap = snapshot(other)
        finally:
            other.close()
        report = report.merge(project.import_snapshot(snap, source=other_path.name,
                                                      labels="strict"))
    return report


def export_coder_package(project: Project, path: str | Path, coder_name: str) -> ImportReport:
    """A new project file with the corpus, the codebook and only ``coder_name``'s work.

    The package is built as a complete project under a temporary sibling name and renamed
    into place once closed (its WAL checkpointed away): a kill or a full disk leaves no
    package (and no temporary; a killed run's is removed by the next), never a partial one."""
    path = Path(path)
    if path.exists():
        raise WriteFailed(f"{path}: already exists; choose a new file name")
    coder = project.ensure_coder(coder_name)  # a write: before the read transaction
    from .assignments import package_scope  # only the coder's assigned documents, if any
    document_ids, team = package_scope(project, coder)
    snap = snapshot(project, coder_names=[coder.name], document_ids=document_ids)
    tmp: Path | None = None
    try:
        with atomic_path(path) as tmp:
            package = Project(tmp, check_integrity=False)
            try:
                package.import_codebook(snap.codebook)
                report = package.import_snapshot(snap, source=f"coder package for {coder.name}",
                                                 labels="strict")
                package.run(team)  # the lead, the blind-mode lock, the assignments
            finally:
                package.close()
            if path.exists():  # made by someone else meanwhile: never replace it
                raise WriteFailed(f"{path}: already exists; choose a new file name")
    except WriteFailed:
        raise
    except (SQLiteError, OSError, DeskAnnotatorError) as exc:
        raise WriteFailed(_package_error(exc, tmp, path)) from exc
    return report


def _package_error(exc: BaseException, tmp: Path | None, path: Path) -> str:
    """One line naming the package (not its temporary name) for a failure while building it."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, SQLiteError):
            return describe_sqlite_error(cause, path, "the coder package was not written")
        if isinstance(cause, OSError):
            return describe_os_error(cause, path)
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if tmp is not None:
        text = text.replace(str(tmp), str(path))
    text = text.removeprefix(f"{path}: ")
    return f"{path}: the coder package was not written ({text})"


# -- agreement -----------------------------------------------------------------------------

def agreement_data(project: Project, *, coder_names: list[str] | None = None,
                   document_ids: list[str] | None = None, themes: list[str] | None = None,
                   done_only: bool = False, include_models: bool = False) -> Any:
    """include_models: compare the model coders (suggestions, ``model:…``) too."""
    from .agreement.from_rows import agreement_data_from_rows
    from .store.agreement_queries import span_rows

    q = project.q
    with project.reading():  # codebook, coders, documents and annotations of one state
        # Columns, not Annotation models: a million annotations read in seconds (issue 14).
        return agreement_data_from_rows(
            q.codebook(), q.coders(), span_rows(q, document_ids), coder_names=coder_names,
            document_ids=document_ids, themes=themes, done_only=done_only,
            include_models=include_models)


def agreement_report(project: Project, *, coder_names: list[str] | None = None,
                     document_ids: list[str] | None = None, themes: list[str] | None = None,
                     done_only: bool = False, bootstrap: int = 1000,
                     include_models: bool = False) -> dict[str, Any]:
    return _agreement(project, coder_names, document_ids, themes, done_only, bootstrap,
                      include_models)[0]


def write_agreement_report(project: Project, output: str | Path, *,
                           coder_names: list[str] | None = None,
                           document_ids: list[str] | None = None,
                           themes: list[str] | None = None, done_only: bool = False,
                           bootstrap: int = 1000, include_models: bool = False
                           ) -> dict[str, Any]:
    """Compute the report and write it as .json, .csv, .md or .html (passages quoted)."""
    from .io.agreement_report import check_report_path, write_report

    check_report_path(Path(output))
    # One read transaction: the quoted passages come from the state the figures describe.
    with project.reading():
        report, data = _agreement(project, coder_names, document_ids, themes, done_only,
                                  bootstrap, include_models)

        def text_for(doc_id: str) -> str:
            doc = project.q.document(doc_id)
            return doc.text if doc else ""

        write_report(report, Path(output), text_for=text_for, data=data)
    return report


def _agreement(project: Project, coder_names: list[str] | None, document_ids: list[str] | None,
               themes: list[str] | None, done_only: bool, bootstrap: int,
               include_models: bool = False) -> tuple[dict, Any]:
    from .agreement import compute_agreement

    data = agreement_data(project, coder_names=coder_names, document_ids=document_ids,
                          themes=themes, done_only=done_only, include_models=include_models)
    report = compute_agreement(data, bootstrap=bootstrap)
    from .agreement.document_level import document_level_agreement  # article-level coding
    from .document_coding import agreement_units
    report["document_level"] = document_level_agreement(
        agreement_units(project, data), bootstrap=bootstrap, seed=report["bootstrap"]["seed"])
    if include_models:  # which compared coders are models (suggestion engines)
        report["model_coders"] = [name for name in data.coders if is_model_coder(name)]
    return report, data

"""What an export can be and what it covers: the formats of ``project_io.export_path``, the
document selection by status, and a read-only second connection so that an export can run in
a worker thread while the window keeps using the project's own connection.

No Qt here: the window's Export dialog and the CLI's ``export`` read the same table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DeskAnnotatorError
from .models import Coder

STATUSES = ("todo", "doing", "done")


@dataclass(frozen=True)
class ExportFormat:
    key: str
    title: str
    suffix: str  # what a file of this format ends with ("" for a folder)
    # The file name export_path dispatches on when the format is chosen explicitly (so a
    # Label Studio file may be called "codebook-study.json" and a brat folder "out.d").
    dispatch_name: str
    positions: bool = False  # offers code points or UTF-16 units
    selection: bool = True  # coders and documents apply (a codebook has neither)
    folder: bool = False
    # "project": project_io.export_path; "matrix" / "variables": analysis_exports.py
    kind: str = "project"


FORMATS: list[ExportFormat] = [
    ExportFormat("jsonl", "Dataset JSONL (documents, statuses, annotations)", ".jsonl",
                 "export.jsonl"),
    ExportFormat("csv", "CSV (one row per annotation)", ".csv", "export.csv"),
    ExportFormat("qdpx", "REFI-QDA project (.qdpx: ATLAS.ti, MAXQDA, NVivo, QualCoder)", ".qdpx",
                 "export.qdpx", positions=True),
    ExportFormat("label-studio", "Label Studio JSON", ".json", "export.json", positions=True),
    ExportFormat("brat", "brat standoff (a folder of .txt + .ann)", "", "", folder=True),
    ExportFormat("xmi-zip", "UIMA CAS XMI for INCEpTION (.xmi.zip, UTF-16 offsets)", ".xmi.zip",
                 "export.xmi.zip"),
    ExportFormat("spacy-jsonl", "spaCy spans JSONL", ".spacy.jsonl", "export.spacy.jsonl"),
    ExportFormat("spacy", "spaCy DocBin (.spacy, needs spaCy)", ".spacy", "export.spacy"),
    ExportFormat("codebook-json", "Codebook JSON", ".json", "codebook.json", selection=False),
    ExportFormat("qdc", "Codebook REFI-QDA (.qdc)", ".qdc", "codebook.qdc", selection=False),
    # The analysis exports: one coder (or every coder) and one row per document or passage.
    ExportFormat("matrix-sav", "Data matrix: SPSS .sav (value labels)", ".sav", "matrix.sav",
                 selection=False, kind="matrix"),
    ExportFormat("matrix-dta", "Data matrix: Stata .dta (value labels)", ".dta", "matrix.dta",
                 selection=False, kind="matrix"),
    ExportFormat("matrix-xlsx", "Data matrix: XLSX (codebook sheet, no formulas)", ".xlsx",
                 "matrix.xlsx", selection=False, kind="matrix"),
    ExportFormat("matrix-csv", "Data matrix: CSV", ".csv", "matrix.csv", selection=False,
                 kind="matrix"),
    ExportFormat("matrix-csv-safe", "Data matrix: spreadsheet-safe CSV (no formulas)", ".csv",
                 "matrix.csv", selection=False, kind="matrix"),
    ExportFormat("variables-xlsx", "Document variables: XLSX", ".xlsx", "variables.xlsx",
                 kind="variables"),
    ExportFormat("variables-csv", "Document variables: CSV", ".csv", "variables.csv",
                 kind="variables"),
]
FORMATS_BY_KEY = {f.key: f for f in FORMATS}


def export_format(key: str) -> ExportFormat:
    try:
        return FORMATS_BY_KEY[key]
    except KeyError:
        raise DeskAnnotatorError(f"unknown export format {key!r} (one of "
                                 f"{', '.join(FORMATS_BY_KEY)})") from None


def with_suffix(path: str | Path, fmt: ExportFormat) -> Path:
    """``path`` ending as the format's files do (a folder for brat is left as it is)."""
    path = Path(path)
    if fmt.folder or path.name.lower().endswith(fmt.suffix):
        return path
    return path.with_name(path.name + fmt.suffix)


def check_statuses(statuses: Iterable[str] | None) -> list[str] | None:
    if statuses is None:
        return None
    wanted = list(dict.fromkeys(statuses))
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        raise DeskAnnotatorError(f"unknown status(es): {', '.join(unknown)} (use "
                                 f"{', '.join(STATUSES)})")
    return wanted


def documents_with_status(q: Any, coders: list[Coder], statuses: Iterable[str],
                          within: list[str] | None = None) -> list[str]:
    """Ids of the documents (of ``within``, else all, in project order) that at least one of
    ``coders`` has at one of ``statuses``; a coder with no status recorded there counts as
    ``todo``. Call inside the read transaction of the export."""
    wanted = set(check_statuses(statuses) or ())
    coder_ids = {c.id for c in coders}
    given: dict[str, set[str]] = {}
    recorded: dict[str, int] = {}
    for st in q.statuses():
        if st.coder_id in coder_ids:
            given.setdefault(st.document_id, set()).add(st.status)
            recorded[st.document_id] = recorded.get(st.document_id, 0) + 1
    ids = within if within is not None else [d.id for d in q.document_infos()]
    keep = []
    for doc_id in ids:
        values = set(given.get(doc_id, ()))
        if recorded.get(doc_id, 0) < len(coder_ids):
            values.add("todo")
        if values & wanted:
            keep.append(doc_id)
    return keep


class ProjectReader:
    """A read-only second connection to an open project file: what project_io's export and
    report functions need (``path``, ``q``, ``reading()``), usable from a worker thread."""

    def __init__(self, path: Path) -> None:
        from .store import Store

        self.path = path
        self.in_memory = False  # a second connection needs a file
        self.store = Store(path, background=True)
        self.q = self.store.q

    def reading(self):  # type: ignore[no-untyped-def]
        return self.store.reading()

    def require_coder(self, name: str) -> Coder:
        """The coder called ``name`` (the data matrix of one coder asks for it)."""
        coder = self.q.coder_by_name(name)
        if coder is None:
            known = ", ".join(c.name for c in self.q.coders()) or "none"
            raise DeskAnnotatorError(f"no coder named {name!r} (coders: {known})")
        return coder

    def close(self) -> None:
        self.store.close()


@contextmanager
def reader_for(project: Any) -> Iterator[Any]:
    """A :class:`ProjectReader` on ``project``'s file, closed afterwards; an in-memory project
    has no file for a second connection and is yielded itself (use it on its own thread)."""
    if project.in_memory:
        yield project
        return
    reader = ProjectReader(Path(project.path))
    try:
        yield reader
    finally:
        reader.close()

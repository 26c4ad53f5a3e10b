"""Importing files into a project, in two halves: reading (no database) and writing (one
operation per input kind). The CLI runs both in a row (:func:`import_paths`); the window reads
in a worker thread with a Cancel button, then writes in another, on a Project of its own
(:func:`write_in_own_project`), so it stays responsive through a minute-long import.

Reading never touches the project, so it is safe in any thread. It also never opens the
project's own files (the project, its -wal, -shm or -journal): on POSIX, closing a descriptor
of the project file drops every SQLite lock this process holds on it (DESIGN §7).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DeskAnnotatorError, ImportRefused
from .models import ImportReport, ProjectSnapshot
from .own_project import Cancelled, OwnProject
from .project import Project

Progress = Callable[[int, int, str], None]  # (files read, files in all, file name)
Step = Callable[[], ImportReport]


@dataclass
class ReadInputs:
    """Everything read from the files, ready to be written (no database work yet)."""

    articles: list[Any] = field(default_factory=list)
    datasets: list[tuple[Path, ProjectSnapshot, list[str]]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    files: int = 0


@dataclass
class ReadOptions:
    """How foreign files are read; the CLI's and the import dialog's choices.

    stance_labels: label names of another tool's tag set that are stances (the rest become
    themes); None = the project's own stance names. positions: the offset unit of formats whose
    producers may count UTF-16 units ("auto" detects it per source). encoding: force the text
    encoding of article files (None = detect)."""

    doccano_coder: str = "doccano"
    stance_labels: set[str] | None = None
    positions: str = "auto"
    encoding: str | None = None


# Dataset readers by how a file name ends (longest first): each takes (path, options, stance
# names) and returns (snapshot, warnings). A new format adds one entry here.
DatasetReader = Callable[[Path, ReadOptions, set[str]], tuple[ProjectSnapshot, list[str]]]


def _read_qdpx(path: Path, options: ReadOptions, stances: set[str]):  # type: ignore[no-untyped-def]
    from .io.refi_qda import read_qdpx
    return read_qdpx(path, positions=options.positions)


def _read_jsonl(path: Path, options: ReadOptions, stances: set[str]):  # type: ignore[no-untyped-def]
    from .io.doccano import (
        looks_like_doccano,
        looks_like_doccano1,
        read_doccano,
        read_doccano1,
    )
    if looks_like_doccano1(path):
        return read_doccano1(path, stance_names=stances, positions=options.positions)
    if looks_like_doccano(path):
        return read_doccano(path, coder_name=options.doccano_coder, stance_names=stances,
                            positions=options.positions)
    from .io.dataset_jsonl import read_dataset
    return read_dataset(path)


def _read_brat(path: Path, options: ReadOptions, stances: set[str]):  # type: ignore[no-untyped-def]
    from .io.brat_reader import read_brat
    return read_brat(path, stance_names=stances, positions=options.positions)


def _read_label_studio(path: Path, options: ReadOptions, stances: set[str]):  # type: ignore[no-untyped-def]
    from .io.label_studio import read_label_studio
    return read_label_studio(path, stance_names=stances, positions=options.positions)


def _read_cas(path: Path, options: ReadOptions, stances: set[str]):  # type: ignore[no-untyped-def]
    from .io.uima_cas import read_cas
    return read_cas(path, positions=options.positions, stance_names=stances)


def _read_webanno_tsv(path: Path, options: ReadOptions, stances: set[str]):  # type: ignore[no-untyped-def]
    from .io.webanno_tsv import read_webanno_tsv
    return read_webanno_tsv(path, positions=options.positions, stance_names=stances)


def _read_spacy_jsonl(path: Path, options: ReadOptions, stances: set[str]):  # type: ignore[no-untyped-def]
    from .io.spacy_reader import read_spacy_jsonl
    return read_spacy_jsonl(path, stance_names=stances)


def _read_docbin(path: Path, options: ReadOptions, stances: set[str]):  # type: ignore[no-untyped-def]
    from .io.spacy_reader import read_docbin
    return read_docbin(path, stance_names=stances)


DATASET_READERS: dict[str, DatasetReader] = {
    ".qdpx": _read_qdpx,
    ".jsonl": _read_jsonl,
    ".ann": _read_brat,  # brat standoff: X.ann with X.txt beside it (see list_input_files)
    ".json": _read_label_studio,  # Label Studio JSON export
    ".xmi": _read_cas,  # UIMA CAS XMI with TypeSystem.xml beside it (INCEpTION, DKPro)
    ".zip": _read_cas,  # INCEpTION/WebAnno exports (XMI or TSV inside), our .xmi.zip
    ".tsv": _read_webanno_tsv,  # WebAnno / INCEpTION TSV 3.x
    ".spacy.jsonl": _read_spacy_jsonl,  # spaCy-style spans (our export, Prodigy)
    ".spacy.train.jsonl": _read_spacy_jsonl,  # ... and its split files
    ".spacy.dev.jsonl": _read_spacy_jsonl,
    ".spacy.test.jsonl": _read_spacy_jsonl,
    ".spacy": _read_docbin,  # spaCy DocBin (needs spaCy)
}


def read_snapshot_file(path: Path, *, doccano_coder: str = "doccano",
                       stance_names: set[str] | None = None,
                       options: ReadOptions | None = None) -> tuple[ProjectSnapshot, list[str]]:
    """A dataset file (see DATASET_READERS) as a snapshot plus warnings."""
    options = options or ReadOptions(doccano_coder=doccano_coder)
    stances = set(options.stance_labels if options.stance_labels is not None
                  else stance_names or set())
    name = path.name.lower()
    for ending in sorted(DATASET_READERS, key=len, reverse=True):
        if name.endswith(ending):
            # Every reader builds up to millions of objects, none of them in a cycle: the
            # collector's passes would walk them all and find nothing (bulk_gc).
            from .bulk_gc import collector_paused

            with collector_paused():
                return DATASET_READERS[ending](path, options, stances)
    raise ImportRefused(path, f"not a dataset file ({path.suffix or 'no extension'}; datasets "
                              f"are {', '.join(sorted(DATASET_READERS))})")


def is_dataset(path: Path) -> bool:
    return any(path.name.lower().endswith(e) for e in DATASET_READERS)


def list_input_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files an import of ``paths`` reads, in order: article files (folders recurse,
    hidden ones skipped), then the datasets found inside the folders."""
    from .io.articles import iter_input_files

    paths = [Path(p) for p in paths]
    files = list(iter_input_files(paths))
    for folder in (p for p in paths if p.is_dir()):
        files += sorted(f for f in folder.rglob("*") if is_dataset(f) and f.is_file()
                        and not any(part.startswith(".") for part in f.relative_to(folder).parts)
                        and _wanted_in_folder(f))
    # brat: X.txt beside X.ann is that dataset's text, not an article of its own.
    from .io.brat_reader import brat_pairs
    texts = brat_pairs(files)
    return [f for f in files if f not in texts]


# Endings many unrelated files share: inside a folder walk such a file is taken only when its
# first bytes look like that format (a file named on the command line is always tried).
_GENERIC_ENDINGS = {".json": (b"[", (b'"annotations"', b'"result"', b'"data"')),
                    ".tsv": (b"#FORMAT=WebAnno TSV", ()),
                    ".zip": None}


def _wanted_in_folder(path: Path) -> bool:
    rule = _GENERIC_ENDINGS.get(path.suffix.lower(), ())
    if rule == ():
        return True
    if rule is None:
        return False  # an archive could be anything: name it explicitly to import it
    start, any_of = rule
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return True  # the reader reports why it cannot be read
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(start) and (not any_of or any(k in head for k in any_of))


def _refusal(path: Path, exc: BaseException) -> str:
    text = str(exc)
    return text if path.name in text or str(path) in text else f"{path}: {text}"


def read_inputs(paths: Iterable[str | Path], *, stance_names: set[str] | None = None,
                doccano_coder: str = "doccano", cancelled: Callable[[], bool] = lambda: False,
                progress: Progress | None = None,
                is_project_file: Callable[[Path], bool] = lambda _p: False,
                options: ReadOptions | None = None) -> ReadInputs:
    """Read and parse every input file (no project needed; safe in a worker thread). Raises
    :class:`Cancelled` as soon as ``cancelled()`` is true between two files. Files for which
    ``is_project_file`` is true are refused unread."""
    from .io.articles import SUPPORTED_ARTICLE_EXTENSIONS, read_article

    options = options or ReadOptions(doccano_coder=doccano_coder)
    # Passed only when set, so readers without the option keep working.
    article_options = {"encoding": options.encoding} if options.encoding else {}
    files = list_input_files(paths)
    out = ReadInputs(files=len(files))
    for n, path in enumerate(files):
        if cancelled():
            raise Cancelled
        if progress:
            progress(n, len(files), path.name)
        if is_project_file(path):
            out.refused.append(f"{path}: this is the open project's own file; not read")
            continue
        try:
            if is_dataset(path):
                snapshot, warnings = read_snapshot_file(path, stance_names=stance_names,
                                                        options=options)
                out.datasets.append((path, snapshot, warnings))
            elif path.suffix.lower() not in SUPPORTED_ARTICLE_EXTENSIONS:
                shown = f"'{path.suffix}'" if path.suffix else "without an extension"
                out.refused.append(
                    f"{path}: unsupported file type {shown} (articles: "
                    f"{', '.join(SUPPORTED_ARTICLE_EXTENSIONS)}; datasets and projects of other "
                    f"tools: {', '.join(sorted(DATASET_READERS))})")
            else:
                out.articles.append(read_article(path, **article_options))
        except DeskAnnotatorError as exc:
            out.refused.append(_refusal(path, exc))
        except (OSError, RecursionError, ValueError) as exc:
            out.refused.append(f"{path}: could not be read ({type(exc).__name__}: {exc})")
    if cancelled():
        raise Cancelled
    if progress:
        progress(len(files), len(files), "")
    return out


def write_steps(project: Project, read: ReadInputs, *,
                add_missing_labels: bool = False) -> list[Step]:
    """The writes of an import, one operation (one undo step) each: all articles together,
    then each dataset file. A step that is refused returns a report listing the refusal."""
    steps: list[Step] = []
    if read.articles:
        articles = list(read.articles)
        steps.append(lambda: project.add_documents(articles))
    for path, snapshot, warnings in read.datasets:
        steps.append(_dataset_step(project, path, snapshot, warnings, add_missing_labels))
    return steps


def write_in_own_project(path: Path, read: ReadInputs, *, add_missing_labels: bool = False,
                         cancelled: Callable[[], bool] = lambda: False,
                         committed: Callable[[ImportReport], None] = lambda _r: None) -> None:
    """:func:`write_steps` on a Project of its own on ``path``, for a thread other than the one
    that owns the caller's Project (an SQLite connection belongs to its thread): the window
    writes a big import this way and stays responsive, then sees the commits as another
    connection's. ``committed(report)`` follows each step's commit. Once ``cancelled()`` is
    true, the step being written is abandoned (its transaction rolled back: nothing of it is
    saved) and no other step runs; then this raises :class:`Cancelled`. A step the project
    refuses is reported as the CLI reports it; a project that cannot be opened raises (see
    own_project)."""
    with OwnProject(path, cancelled) as own:
        assert own.project is not None
        for step in write_steps(own.project, read, add_missing_labels=add_missing_labels):
            committed(own.write(step))


def _dataset_step(project: Project, path: Path, snapshot: ProjectSnapshot, warnings: list[str],
                  add_missing_labels: bool) -> Step:
    def step() -> ImportReport:
        # A project of another tool brings its own codebook; a dataset refers to ours.
        own_codebook = path.suffix.lower() != ".jsonl"
        labels = "add_missing" if add_missing_labels or own_codebook else "by_name"
        try:
            part = project.import_snapshot(snapshot, source=path.name, labels=labels)
        except DeskAnnotatorError as exc:
            return ImportReport(refused=[_refusal(path, exc)])
        part.warnings = [f"{path.name}: {w}" for w in warnings] + part.warnings
        return part
    return step


def import_paths(project: Project, paths: Iterable[str | Path], *,
                 add_missing_labels: bool = False, progress: Progress | None = None,
                 doccano_coder: str = "doccano",
                 options: ReadOptions | None = None) -> ImportReport:
    """Import articles and datasets (folders recurse). Refused files are listed in the report."""
    from .bulk_gc import collector_paused

    stance_names = {lb.name for lb in project.q.labels() if lb.scheme == "stance"}
    # One pause of the cyclic collector over reading and writing, ended once the snapshots
    # are gone: turned on again while they lived (between the read and the write, and after
    # it), its next passes walked their millions of objects, which all stay alive and form no
    # cycle (bulk_gc): some 3% of a million-annotation import.
    with collector_paused():
        read = read_inputs(paths, stance_names=stance_names, doccano_coder=doccano_coder,
                           progress=progress, is_project_file=project.owns_file,
                           options=options)
        report = ImportReport(refused=list(read.refused))
        steps = write_steps(project, read, add_missing_labels=add_missing_labels)
        del read
        while steps:  # each step, and the snapshot it holds, dropped once it has run
            report = report.merge(steps.pop(0)())
    return report


# Kept for callers that test a suffix; DATASET_READERS is the one list.
DATASET_EXTENSIONS = tuple(DATASET_READERS)

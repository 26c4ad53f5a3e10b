"""The one entry point: open or create a project, run operations, undo/redo, and notify views.

The CLI, the GUI and Python scripts all go through :class:`Project`, so every action takes the
same code path and lands in SQLite in its own transaction.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import ops
from .errors import OperationError
from .models import Annotation, Coder, Label, Scheme
from .ops_import import AddDocuments, ImportCodebook, ImportSnapshot
from .atomic import clean_stale_temps
from .store import QuoteCheck, SQLiteError, Store, Touched, is_memory
from .store.changes import PRIMARY_KEYS
from .store.location import storage_warning

log = logging.getLogger(__name__)


@dataclass
class Changed:
    """The one "what changed" notification views refresh from (after every op, undo, redo)."""

    description: str
    touched: Touched
    source: str = "op"  # "op", "undo", "redo" or "external" (another program committed)
    result: Any = None
    tables: set[str] = field(default_factory=set)
    # True when what changed is not known row by row (another program wrote the file): views
    # reload everything they show; document_ids and annotation_ids are then empty.
    everything: bool = False

    def __post_init__(self) -> None:
        self.tables = set(self.touched.tables)
        if self.everything:
            self.tables |= set(PRIMARY_KEYS) | {"history"}

    @property
    def document_ids(self) -> set[str]:
        return self.touched.document_ids

    @property
    def annotation_ids(self) -> set[str]:
        return self.touched.annotation_ids


Listener = Callable[[Changed], None]


class Project:
    def __init__(self, path: str | Path, *,
                 check_integrity: bool | Literal["deferred"] = True,
                 read_only: bool = False) -> None:
        """Open (or create) a project. check_integrity: True checks every annotation's quote
        against its text now (the CLI); "deferred" leaves it to a later
        :meth:`check_integrity` call (the GUI runs it after the window is shown: on a million
        annotations it takes seconds); False skips it. A file this process cannot write opens
        read-only (``read_only``, ``read_only_reason``); read_only=True asks for that."""
        self.path = path if is_memory(path) else Path(path)
        self.store = Store(path, read_only=read_only)
        self.q = self.store.q
        self.read_only_reason: str | None = self.store.read_only
        self.read_only = self.read_only_reason is not None
        # Where SQLite's locking cannot be trusted (network and cloud-synced folders).
        self.storage_warning: str | None = None if self.in_memory else storage_warning(Path(path))
        if not self.in_memory and not self.read_only:
            clean_stale_temps(Path(path).absolute().parent)
        self._listeners: list[Listener] = []
        self._data_version = self.store.data_version()
        self.integrity_problems: list[str] = []
        self._unsettled_check: Any = None
        self.integrity_pending = check_integrity == "deferred"
        if check_integrity is True:
            self.check_integrity()

    def check_integrity(self, *, separate_connection: bool = False,
                        full: bool = False) -> list[str]:
        """Find annotations whose quote no longer matches their text; sets and returns
        ``integrity_problems``. Only the annotations written since they were last checked
        (store/integrity.py; all of them after a migration) unless full=True, which also reads
        every page of the file and recounts the summaries. separate_connection=True reads
        through a read-only connection of its own, so a worker thread can run the check while
        the GUI keeps using ``q``; it also checks every page (the background check), and the
        verified annotations leave the queue later, through :meth:`settle_checked_quotes` on
        the thread that owns the project."""
        background = separate_connection and not self.in_memory
        store = Store(self.path, background=True) if background else self.store
        try:
            with store.reading():
                extra = store.full_check_problems() if (full or background) else []
                damaged = any(p.startswith("the project file is damaged") for p in extra)
                # A damaged file's quotes prove nothing (and reading them may fail).
                check = QuoteCheck() if damaged else store.quote_problems(full=full)
        finally:
            if background:
                store.close()
        problems = list(extra)
        if damaged:
            self.refuse_writes(extra[0])
        elif extra and full and not self.read_only:
            self.store.recount_summaries()  # counts another program's writes left wrong
            problems = [f"{p} (recounted)" for p in extra]
        problems += [f"annotation {ann_id} in “{title}” no longer matches its text"
                     for ann_id, title in check.bad[:20]]
        if len(check.bad) > 20:
            problems.append(f"… and {len(check.bad) - 20} more annotations that no longer "
                            "match their text")
        for problem in problems:
            log.warning("%s: %s", self.path, problem)
        self._unsettled_check = check
        if not background:
            self.settle_checked_quotes()
        self.integrity_problems = problems
        self.integrity_pending = False
        return problems

    def settle_checked_quotes(self) -> None:
        """Take the last check's verified annotations off the queue (nothing when read-only;
        a busy file leaves them for the next open to check again)."""
        check, self._unsettled_check = self._unsettled_check, None
        if check is None or self.read_only:
            return
        try:
            self.store.settle_quote_queue(check)
        except SQLiteError as exc:
            log.warning("%s: the checked quotes stay queued (%s)", self.path, exc)

    def refuse_writes(self, reason: str) -> None:
        """From now on every write is refused with ``reason`` (a check found the file damaged)."""
        self.store.read_only = self.read_only_reason = reason
        self.read_only = True

    @property
    def in_memory(self) -> bool:
        """A project without a file: no second connection (worker thread, other program) can
        reach it, so work meant for one runs on its own thread."""
        return is_memory(self.path)

    def owns_file(self, path: str | Path) -> bool:
        """Whether ``path`` is this project's file or one of SQLite's files beside it. Such a
        file must never be opened by other means while the project is open (DESIGN §7)."""
        if self.in_memory:
            return False
        own = Path(self.path)
        candidates = [own] + [own.with_name(own.name + s) for s in ("-wal", "-shm", "-journal")]
        for candidate in candidates:
            try:
                if os.path.samefile(path, candidate):
                    return True
            except OSError:
                continue
        return False

    @classmethod
    def open(cls, path: str | Path, **kwargs: Any) -> Project:
        return cls(path, **kwargs)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- notification --------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, changed: Changed) -> None:
        for listener in list(self._listeners):
            listener(changed)

    # -- running operations --------------------------------------------------------------
    def run(self, op: ops.Op, coder_id: str | None = None) -> Any:
        description = op.describe(self.q)
        result, touched = self.store.write(op.kind, description, coder_id,
                                           lambda rec: op.apply(rec, self.q))
        if touched.tables:
            self._notify(Changed(description, touched, "op", result))
        return result

    def abandon_when(self, cancelled: Callable[[], bool] | None) -> Callable[[], bool]:
        """Writes of this project stop, rolled back, once ``cancelled()`` is true (for a
        worker thread's own Project whose user pressed Cancel): see Store.abandon_when."""
        return self.store.abandon_when(cancelled)

    def poll_external_changes(self) -> bool:
        """Whether another program (or another Project on this file) committed since the last
        look; if so, listeners get one ``Changed(source="external", everything=True)``. The
        GUI calls this on a timer, so a CLI import shows up in an open window."""
        version = self.store.data_version()
        if version == self._data_version:
            return False
        self._data_version = version
        self._notify(Changed("changes made by another program", Touched(), "external",
                             everything=True))
        return True

    # -- undo / redo: each coder their own actions (store/history.py) -------------------------
    def undo(self, coder_id: str | None = None) -> str | None:
        """Revert ``coder_id``'s own latest action (None: the latest project-wide action, such
        as an import). Returns its description, None when there is nothing to undo; raises
        OperationError when a later action depends on it."""
        return self._step(False, coder_id=coder_id, acting_coder_id=coder_id)

    def redo(self, coder_id: str | None = None) -> str | None:
        return self._step(True, coder_id=coder_id, acting_coder_id=coder_id)

    def undo_entry(self, entry_id: int, acting_coder_id: str | None = None) -> str:
        """Undo one history entry by id (the history list: project-wide actions by name)."""
        return self._step(False, entry_id=entry_id, acting_coder_id=acting_coder_id) or ""

    def redo_entry(self, entry_id: int, acting_coder_id: str | None = None) -> str:
        return self._step(True, entry_id=entry_id, acting_coder_id=acting_coder_id) or ""

    def _step(self, redo: bool, **which: Any) -> str | None:
        done = self.store.undo_or_redo(redo, **which)
        if done is None:
            return None
        description, touched = done
        self._notify(Changed(description, touched, "redo" if redo else "undo"))
        return description

    def undo_description(self, coder_id: str | None = None) -> str | None:
        entry = self.store.history.next_entry(False, coder_id)
        return entry["description"] if entry else None

    def redo_description(self, coder_id: str | None = None) -> str | None:
        entry = self.store.history.next_entry(True, coder_id)
        return entry["description"] if entry else None

    # -- coders --------------------------------------------------------------------------
    def coders(self) -> list[Coder]:
        return self.q.coders()

    def coder_by_name(self, name: str) -> Coder | None:
        return self.q.coder_by_name(name)

    def ensure_coder(self, name: str) -> Coder:
        ops.check_name("coder", name)  # before the lookup: SQLite cannot hold a lone surrogate
        return self.q.coder_by_name(name.strip()) or self.run(ops.AddCoder(name))

    def require_coder(self, name: str) -> Coder:
        coder = self.q.coder_by_name(name)
        if coder is None:
            known = ", ".join(c.name for c in self.q.coders()) or "none"
            raise OperationError(f"no coder named {name!r} (coders: {known})")
        return coder

    # -- annotations ---------------------------------------------------------------------
    def add_annotation(self, document_id: str, coder_id: str, start: int, end: int, *,
                       stance_id: str | None = None, theme_ids: list[str] | None = None,
                       note: str | None = None) -> Annotation:
        return self.run(ops.AddAnnotation(document_id, coder_id, start, end, stance_id,
                                          list(theme_ids or []), note), coder_id)

    def update_annotation(self, annotation_id: str, coder_id: str | None = None,
                          **changes: Any) -> Annotation:
        return self.run(ops.UpdateAnnotation(annotation_id, **changes), coder_id)

    def delete_annotations(self, annotation_ids: list[str], coder_id: str | None = None) -> int:
        return self.run(ops.DeleteAnnotations(list(annotation_ids)), coder_id)

    def set_status(self, document_id: str, coder_id: str, status: str) -> None:
        self.run(ops.SetStatus(document_id, coder_id, status), coder_id)

    # -- codebook ------------------------------------------------------------------------
    def add_label(self, scheme: Scheme, name: str, **fields: Any) -> Label:
        return self.run(ops.AddLabel(scheme, name, **fields))

    def update_label(self, label_id: str, **fields: Any) -> Label:
        return self.run(ops.UpdateLabel(label_id, **fields))

    def delete_label(self, label_id: str, *, force: bool = False) -> int:
        return self.run(ops.DeleteLabel(label_id, force))

    def merge_labels(self, source_id: str, target_id: str) -> int:
        return self.run(ops.MergeLabels(source_id, target_id))

    def reorder_labels(self, scheme: Scheme, ordered_ids: list[str]) -> None:
        self.run(ops.ReorderLabels(scheme, ordered_ids))

    def import_codebook(self, codebook: Any) -> int:
        return self.run(ImportCodebook(codebook))

    # -- documents -----------------------------------------------------------------------
    def add_documents(self, articles: list[Any], refused: list[str] | None = None) -> Any:
        return self.run(AddDocuments(list(articles), list(refused or [])))

    def import_snapshot(self, snapshot: Any, *, source: str = "snapshot",
                        labels: str = "by_name") -> Any:
        return self.run(ImportSnapshot(snapshot, source, labels))  # type: ignore[arg-type]

    def delete_documents(self, document_ids: list[str]) -> int:
        return self.run(ops.DeleteDocuments(list(document_ids)))

    # -- reads ---------------------------------------------------------------------------
    def reading(self):  # type: ignore[no-untyped-def]
        """``with project.reading():`` — the reads inside (e.g. an export) see one consistent
        state even while other programs commit to the file."""
        return self.store.reading()

    def stats(self) -> dict[str, Any]:
        from .assignments import stats_with_assignments  # per coder: assigned, assigned done

        return stats_with_assignments(self, self.q.stats())

    def history(self, limit: int = 200) -> list[dict[str, Any]]:
        return self.q.history(limit)

    # -- search --------------------------------------------------------------------------
    def find_in_corpus(self, needle: str, *, case_sensitive: bool = False,
                       limit: int = 2000, options: Any = None) -> list[dict[str, Any]]:
        """Every match of ``needle`` across documents: id, title, start, end, context.
        ``options`` (a ``text_match.MatchOptions``) overrides ``case_sensitive``."""
        from .corpus_search import search_corpus
        from .text_match import MatchOptions

        return search_corpus(self.q, needle, options or MatchOptions(case_sensitive=case_sensitive),
                             limit=limit)


def find_all(text: str, needle: str, case_sensitive: bool = False) -> list[int]:
    """Start offsets of every match (the matcher of ``text_match``: case folding only)."""
    from .text_match import MatchOptions, find_matches

    options = MatchOptions(case_sensitive=case_sensitive, fold_quotes=False, fold_dashes=False)
    return [start for start, _ in find_matches(text, needle, options)]

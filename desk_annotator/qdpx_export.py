"""A project's ``.qdpx`` export on the thin read path (issue 14): ``project_io.export_path``
calls it for ``.qdpx``.

Everything but the annotations is read as the snapshot every export reads (coders, codebook,
documents, statuses, memos, article codings, sets); the annotations come as plain tuples
(store/selection_queries.py), all in one read transaction. What ``project_io.snapshot`` and
the REFI writer do to annotations on the way (leave out one whose label the codebook lacks,
with a log line; refuse one whose label is of the wrong scheme or whose span passes its text)
is done here to the tuples, so the file is the one ``write_qdpx(path, snapshot(project))``
writes, byte for byte (tests compare the two on varied projects).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .bulk_gc import collector_paused
from .errors import FormatError
from .io.refi_stream_writer import write_qdpx
from .models import ProjectSnapshot
from .project import Project
from .store.selection_queries import Row, selection_rows

log = logging.getLogger(__name__)


def export_qdpx(project: Project, path: str | Path, *, coder_names: list[str] | None = None,
                document_ids: list[str] | None = None, statuses: list[str] | None = None,
                positions: str = "codepoints", project_name: str | None = None) -> None:
    """Write the project (or the chosen coders and documents) as a REFI-QDA project."""
    from .project_io import snapshot

    # Hundreds of thousands of tuples and strings, alive until the file is written and in no
    # reference cycle: the collector's passes over them found nothing (a tenth of an export).
    with collector_paused():
        _export(project, Path(path), snapshot, coder_names, document_ids, statuses, positions,
                project_name)


def _export(project: Project, path: Path, snapshot: Any, coder_names: list[str] | None,
            document_ids: list[str] | None, statuses: list[str] | None, positions: str,
            project_name: str | None) -> None:
    with project.reading():
        snap = snapshot(project, coder_names=coder_names, document_ids=document_ids,
                        statuses=statuses, with_annotations=False)
        rows = selection_rows(project.q, [c.id for c in snap.coders],
                              [d.id for d in snap.documents])
    rows = _checked(project, snap, rows)
    write_qdpx(path, snap,
               project_name=project_name or Path(str(project.path)).stem,
               positions=positions, rows=rows)


def _checked(project: Project, snap: ProjectSnapshot, rows: dict[str, list[Row]]
             ) -> dict[str, list[Row]]:
    """The rows the writer may write: project_io.snapshot's label filter and
    refi_export._check_snapshot's checks, on tuples."""
    schemes = {lb.id: lb.scheme for lb in snap.codebook.labels}
    lengths = {d.id: len(d.text) for d in snap.documents}
    problems: list[str] = []
    left_out = 0
    kept: dict[str, list[Row]] = {}
    for doc_id in sorted(rows):  # problems listed in the order the snapshot path lists them
        doc_rows = rows[doc_id]
        good = []
        for row in doc_rows:
            ann_id, _coder, _start, end, stance_id, _note, _c, _u, theme_ids = row
            if (stance_id is not None and stance_id not in schemes) or any(
                    t not in schemes for t in theme_ids):
                left_out += 1  # a label the codebook lacks: left out, as the snapshot does
                continue
            if end > lengths[doc_id]:
                problems.append(f"annotation {ann_id} ends at {end}, past the text "
                                f"({lengths[doc_id]})")
            if stance_id is not None and schemes[stance_id] != "stance":
                problems.append(f"annotation {ann_id} has unknown stance label {stance_id}")
            for theme in theme_ids:
                if schemes[theme] != "themes":
                    problems.append(f"annotation {ann_id} has unknown theme label {theme}")
            good.append(row)
        kept[doc_id] = good
    kept = {doc_id: kept[doc_id] for doc_id in rows}  # back in document order
    if left_out:
        # Cannot happen within one read transaction (foreign keys); as project_io says it.
        log.warning("%s: %d annotation(s) left out of the export: they refer to %s",
                    project.path, left_out, "a label the codebook lacks")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise FormatError("cannot export to REFI-QDA: " + "; ".join(problems[:3]) + more)
    return kept

"""A large dataset export's annotations shared with a helper process (issue 14).

The annotation arrays are most of the export's CPU (store/dataset_worker.py); threads cannot
share that work (the GIL), a second process can. It must read the very state this process
reads: both read transactions begin while a connection of ours holds the file's write lock
(``BEGIN IMMEDIATE``: no one can commit in between), and the lock is let go as soon as the
helper says its transaction holds its snapshot. Whatever goes wrong on the way (the lock is
busy, the file cannot be written, the helper cannot start, fails or answers nonsense), this
process does the helper's documents itself: the file is the same, only slower.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..atomic import temp_sibling
from . import dataset_worker
from .dataset_worker import AnnotationArrays

log = logging.getLogger(__name__)

# Below this many annotations a helper's start (a tenth of a second) is not worth it.
SPLIT_MIN_ANNOTATIONS = 200_000
# The helper's part of the annotations: this process also reads every document, writes
# every line and copies the helper's arrays into them.
HELPER_SHARE = 0.55
# How long to wait for the write lock (a writer in the middle of a commit) before exporting
# without a helper instead.
LOCK_WAIT_S = 0.5


@contextlib.contextmanager
def writers_held(path: Path) -> Iterator[sqlite3.Connection | None]:
    """A connection holding the file's write lock, or None (busy, read-only, no such file).
    Release it early with :func:`release`; it is released on leaving in any case."""
    conn: sqlite3.Connection | None = None
    try:
        # mode=rw: never create a file where the project was.
        conn = sqlite3.connect(Path(path).absolute().as_uri() + "?mode=rw", uri=True,
                               timeout=LOCK_WAIT_S, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        log.debug("%s: exporting without a helper process (%s)", path, exc)
        if conn is not None:
            conn.close()
        conn = None
    try:
        yield conn
    finally:
        release(conn)


def release(conn: sqlite3.Connection | None) -> None:
    if conn is not None:
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.close()


def split_point(document_ids: list[str], counts: dict[str, int]) -> int:
    """Index of the first document the helper takes (the tail of the list holds about
    HELPER_SHARE of the annotations); len(document_ids) when the export is too small."""
    weights = [counts.get(d, 0) for d in document_ids]
    total = sum(weights)
    if total < SPLIT_MIN_ANNOTATIONS:
        return len(document_ids)
    mine, k = (1 - HELPER_SHARE) * total, 0
    done = 0
    while k < len(weights) and done + weights[k] <= mine:
        done += weights[k]
        k += 1
    return k


class Helper:
    """The helper process and its part file; :meth:`arrays` gives its documents' arrays in
    order, or None when it failed (then do them here)."""

    def __init__(self, project_path: Path, document_ids: list[str],
                 arrays: AnnotationArrays, beside: Path) -> None:
        """``beside``: the exported file. The part file goes next to it under a temporary
        name of our own (atomic.temp_sibling): the next export there removes the part a
        killed run left."""
        self.document_ids = document_ids
        self.part: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        try:
            part = temp_sibling(Path(beside))
            # Made here, exclusively ("x"): the part is a new file of its own, never the
            # project or any file SQLite has open, so opening and closing it (here and in the
            # helper) cannot drop this process's locks on the project (DESIGN §7).
            part.open("xb").close()
            self.part = part
            self.proc = subprocess.Popen(
                [sys.executable, "-I", dataset_worker.__file__],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.write(dataset_worker.job(project_path, self.part, document_ids,
                                                     arrays))
            self.proc.stdin.close()
            self.ready = self.proc.stdout.readline() == b"ready\n"
        except OSError as exc:
            log.warning("the export's helper process did not start: %s", exc)
            self.ready = False
        if not self.ready:
            self.close()

    def arrays(self) -> tuple[Iterator[bytes], int] | None:
        """(each document's serialised array, annotations the helper skipped), or None."""
        if not self.ready or self.proc is None or self.proc.stdout is None or self.part is None:
            return None
        answer = self.proc.stdout.readline()
        code = self.proc.wait()
        try:
            result = json.loads(answer) if code == 0 else None
            lengths = result["lengths"] if result else None
            ok = (isinstance(lengths, list) and len(lengths) == len(self.document_ids)
                  and sum(lengths) == self.part.stat().st_size)
        except (ValueError, TypeError, KeyError, OSError):
            ok = False
        if not ok:
            log.warning("the export's helper process failed (exit code %s); its documents "
                        "are exported by this one", code)
            self.close()
            return None
        return _slices(self.part.open("rb"), lengths), int(result["skipped"])

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        if self.part is not None:
            with contextlib.suppress(OSError):
                self.part.unlink()


def _slices(handle: IO[bytes], lengths: list[int]) -> Iterator[bytes]:
    with handle:
        for n in lengths:
            yield handle.read(n)

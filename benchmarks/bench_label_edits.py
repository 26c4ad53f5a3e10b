"""Benchmark (not a test): codebook edits on a label of very many annotations, and their undo.

    .venv/bin/python benchmarks/bench_label_edits.py [--project PATH] [--json]

On a scratch copy of the 1 M-annotation project (``big``: 10,000 documents × 100, 10 themes of
some 100,000 annotations each, 4 stances of some 250,000; benchmarks/big_projects.py), in one
process after its imports, each as the codebook editor and Edit → History run it (one
operation, committed):

- merging one theme into another, then undoing the merge;
- deleting a theme that annotations carry (forced), then a stance, then undoing that.

These are the window's writes whose cost grows with the label's use; from 5,000 uses on the
codebook editor runs them in a worker thread (gui/codebook_editor.BACKGROUND_USES), so they
pause nothing, but the user still waits for them. No target: issue 14's "no cliffs" asks that
they not freeze the window; the figures are the wait. Afterwards the summaries are checked
against a recount (``full_check_problems``). --json: one object per row.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=None,
                        help="the project to copy (default: the benchmarks' big project)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from benchmarks.big_projects import ensure

    source = args.project or ensure("big", quiet=True)
    scratch_dir = Path(tempfile.mkdtemp(prefix="desk-bench-labels-"))
    os.environ.setdefault("DESK_ANNOTATOR_HOME", str(scratch_dir / "home"))
    scratch = scratch_dir / "p.sqlite"
    shutil.copy(source, scratch)
    from desk_annotator.project import Project

    rows: list[dict] = []
    try:
        with Project(scratch, check_integrity=False) as project:
            themes = [lb for lb in project.q.labels() if lb.scheme == "themes"]
            stances = [lb for lb in project.q.labels() if lb.scheme == "stance"]

            def timed(work: str, step) -> None:  # type: ignore[no-untyped-def]
                start = time.perf_counter()
                count = step()
                seconds = time.perf_counter() - start
                row = {"work": work, "measured": round(seconds, 2), "target": None,
                       "unit": "s", "rows": count if isinstance(count, int) else None}
                rows.append(row)
                if not args.json:
                    print(f"{work:<58} {seconds:6.2f} s", flush=True)

            def undo_latest() -> None:
                project.undo_entry(project.history(1)[0]["id"])

            uses = project.q.label_usage(themes[0].id)
            timed(f"merge a theme of {uses:,} annotations into another",
                  lambda: project.merge_labels(themes[0].id, themes[1].id))
            timed("  its undo", undo_latest)
            uses = project.q.label_usage(themes[2].id)
            timed(f"delete a theme of {uses:,} annotations (forced)",
                  lambda: project.delete_label(themes[2].id, force=True))
            uses = project.q.label_usage(stances[0].id)
            timed(f"delete a stance of {uses:,} annotations (forced)",
                  lambda: project.delete_label(stances[0].id, force=True))
            timed("  its undo", undo_latest)
            problems = project.store.full_check_problems()
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    if args.json:
        for row in rows:
            print(json.dumps(row))
    print(f"summaries against a recount: {'right' if not problems else problems[:3]}",
          file=sys.stderr if args.json else sys.stdout)
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())

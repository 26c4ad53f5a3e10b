"""Benchmark (not a test): the Retrieve window on 1,000,000 annotations (issue 12).

    .venv/bin/python benchmarks/bench_retrieve.py [--project PATH]

Uses (and builds once, if missing) bench_tables.py's project: 10,000 documents x 100
annotations, 3 coders, 4 stances, 10 themes. Times, offscreen: opening Analysis → Retrieve
coded segments with the first page shown (one count, one page of 500 with sentence context);
then a label filter (any of two themes), a coder + stance filter, "all of" two themes, and a
sort by length (which reads every match's row id once). Target: the window open with its first
rows in well under 1 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tables import DEFAULT_PROJECT, build

TARGET_S = 1.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", type=Path, default=DEFAULT_PROJECT)
    args = parser.parse_args()
    if not args.project.exists():
        print(f"building 1,000,000 annotations at {args.project} (once)…", flush=True)
        build(args.project, 10_000, 100)
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from desk_annotator.gui.bridge import ProjectBridge
    from desk_annotator.gui.retrieve_window import RetrieveWindow
    from desk_annotator.project import Project

    app = QApplication.instance() or QApplication([])

    class Host:  # what the window needs of the main window
        def __init__(self, project: Project) -> None:
            self.project, self.bridge = project, ProjectBridge(project)

    with Project(args.project, check_integrity=False) as project:
        print(f"project: {args.project}, {project.q.annotation_count():,} annotations")
        host = Host(project)
        RetrieveWindow(host).close()  # warm the OS file cache and SQLite's page cache
        t0 = time.perf_counter()
        window = RetrieveWindow(host)
        window.show()
        app.processEvents()
        opened = time.perf_counter() - t0
        print(f"  open with first {window.model.rowCount()} of {window.model.total:,} rows"
              f"  {opened:6.3f} s")
        steps = {
            "labels: theme 1 or theme 2": lambda: window.check(window.label_list,
                                                               ["theme 1", "theme 2"]),
            "+ coder-2, stance critical": lambda: (
                window.stance_box.setCurrentText("critical"),
                window.check(window.coder_list, ["coder-2"])),
            "all of theme 1 and theme 2": lambda: (
                window.stance_box.setCurrentIndex(0), window.check(window.coder_list, []),
                window.match_box.setCurrentIndex(1)),
            "sort by length (every match)": lambda: window.table.sortByColumn(
                6, Qt.SortOrder.AscendingOrder),
            "scroll: 10 more pages": lambda: [window.model.fetchMore() for _ in range(10)],
        }
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            app.processEvents()
            print(f"  {name:<32} {time.perf_counter() - t0:6.3f} s  "
                  f"({window.model.rowCount():,} of {window.model.total:,} rows)")
        window.close()
    verdict = "OK" if opened < TARGET_S else "ABOVE TARGET"
    print(f"open: {opened:.3f} s (target < {TARGET_S:.0f} s) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

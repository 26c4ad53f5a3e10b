"""Start-up benchmark (DESIGN.md §6): 10,000 documents and 1,000,000 annotations.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_startup.py [--project PATH]

Builds the big project once (bench_io.build_big_project, ~100 s) and caches it at --project
(default /tmp/desk-bench-big.sqlite), then measures in a fresh process (cold Python, warm OS
file cache): opening the project, the main window's construction + show + first paint with a
coder set (target: start to usable window < 2 s), switching the annotation list to the whole
corpus, scrolling it, and opening a document.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_START_S = 2.0
DEFAULT_PROJECT = Path(tempfile.gettempdir()) / "desk-bench-big.sqlite"


def ensure_project(path: Path, documents: int, per_document: int) -> None:
    if path.exists():
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_io import build_big_project

    print(f"building {documents:,} documents x {per_document} annotations at {path} "
          "(once; takes a while)…", flush=True)
    building = path.with_name(path.name + ".building")
    for leftover in path.parent.glob(building.name + "*"):
        leftover.unlink()
    t0 = time.perf_counter()
    project = build_big_project(building, documents, per_document)
    project.close()
    building.rename(path)
    print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)


def measure(path: Path) -> dict[str, float]:
    """Runs in the fresh child process; returns seconds per step."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["DESK_ANNOTATOR_HOME"] = tempfile.mkdtemp(prefix="desk-bench-home-")
    figures: dict[str, float] = {}
    t_start = time.perf_counter()
    from desk_annotator.project import Project

    t0 = time.perf_counter()
    with Project(path) as checked:  # what the CLI does: integrity check on open
        figures["project open + integrity check (CLI)"] = time.perf_counter() - t0
        figures["(integrity problems found)"] = len(checked.integrity_problems)
    from PySide6.QtWidgets import QApplication

    from desk_annotator.gui.app import make_app
    from desk_annotator.gui.main_window import MainWindow
    from desk_annotator.gui.theme import apply_theme

    app = make_app()
    apply_theme(app, "light")
    figures["import Qt + GUI modules, QApplication"] = time.perf_counter() - t0 \
        - figures["project open + integrity check (CLI)"]

    t_open = time.perf_counter()
    project = Project(path, **gui_open_options(Project))
    figures["project open (GUI)"] = time.perf_counter() - t_open
    t0 = time.perf_counter()
    window = MainWindow(project, coder_name="coder-1")
    figures["MainWindow()"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    window.resize(1440, 900)
    window.show()
    QApplication.processEvents()
    window.repaint()
    figures["show + first paint"] = time.perf_counter() - t1
    figures["START: project open -> usable window"] = time.perf_counter() - t_open
    figures["(documents listed)"] = window.corpus.model.rowCount()
    # Whatever the window queued for after the first paint (the deferred integrity check).
    t0 = time.perf_counter()
    for _ in range(3):
        QApplication.processEvents()
    figures["work queued after first paint"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    window.annotations.scope.setCurrentIndex(window.annotations.scope.findData(True))
    QApplication.processEvents()
    figures["annotation list -> whole corpus"] = time.perf_counter() - t0
    figures["(corpus list total)"] = window.annotations.visible_count()
    figures["(corpus list rows loaded)"] = window.annotations.table.model().rowCount()

    table = window.annotations.table
    t0 = time.perf_counter()
    for _ in range(20):  # scroll to the bottom twenty times: the view fetches more each time
        table.scrollToBottom()
        QApplication.processEvents()
    figures["20 scrolls to the bottom (corpus list)"] = time.perf_counter() - t0
    figures["(corpus list rows loaded after scrolling)"] = table.model().rowCount()

    combo = window.annotations.stance_filter
    t0 = time.perf_counter()
    combo.setCurrentIndex(1)
    QApplication.processEvents()
    figures["filter corpus list by a stance"] = time.perf_counter() - t0
    figures["(filtered total)"] = window.annotations.visible_count()

    doc_ids = [window.corpus.model.row_data(r)["id"] for r in (10, 5000, 9990)]
    for i, doc_id in enumerate(doc_ids):
        t0 = time.perf_counter()
        window.open_document(doc_id)
        QApplication.processEvents()
        figures[f"open document #{i + 1}"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    window.corpus.search.setText("Doc 99")
    QApplication.processEvents()
    figures["search the corpus list"] = time.perf_counter() - t0
    figures["(total wall time in child)"] = time.perf_counter() - t_start
    window.close()
    project.close()
    return figures


def gui_open_options(project_cls: type) -> dict[str, object]:
    """The GUI defers the integrity check when the Project supports it."""
    import inspect

    annotation = str(inspect.signature(project_cls).parameters["check_integrity"].annotation)
    return {"check_integrity": "deferred"} if "deferred" in annotation else {}


def report(figures: dict[str, float]) -> None:
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        if name.startswith("("):
            print(f"  {name:<{width}}  {value:,.0f}")
        else:
            print(f"  {name:<{width}}  {value * 1000:8.0f} ms")
    start = figures["START: project open -> usable window"]
    verdict = "OK" if start < TARGET_START_S else "ABOVE TARGET"
    print(f"start to usable window: {start:.2f} s (target < {TARGET_START_S:.0f} s) {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", type=Path, default=DEFAULT_PROJECT)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--per-document", type=int, default=100)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.project)))
        return 0
    ensure_project(args.project, args.documents, args.per_document)
    size = args.project.stat().st_size / 1e6
    print(f"project: {args.project} ({size:,.0f} MB)")
    out = subprocess.run([sys.executable, __file__, "--child", "--project", str(args.project)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(out.stdout, out.stderr, sep="\n")
        return out.returncode
    report(json.loads(out.stdout.strip().splitlines()[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

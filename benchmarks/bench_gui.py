"""GUI benchmark (DESIGN.md §6, issue 14's reading-view rows): long, densely coded documents.

Rows (each the median of ``--runs`` fresh processes, default 3):

* main window built + shown when the current (last opened) document is 1 MB with 5,000
  annotations: from ``MainWindow(...)`` to the first synchronous paint (target < 300 ms),
  after a first window without a document has loaded the modules a window imports (that
  first build is reported too, as ``first_window_no_document``);
* open + paint, 1 MB with 50,000 annotations (target < 300 ms);
* open + paint, 5 MB with 25,000 annotations (target < 500 ms);
* tag key -> committed -> repainted on the 1 MB / 5,000 document (median of 20 tags, < 20 ms).

"Open + paint" is ``open_document`` plus one synchronous repaint of the reading view, in a
window that is already up. Every row also reports the time from process launch (imports and
the project's open checks included) to the same point, as ``from_launch`` (ms), and the
process's CPU time over the measured interval, as ``cpu`` (ms: on a shared machine it moves
far less with the load than the wall-clock figure), and the load average, as ``load``; every
annotation of the document is shown (all coders). The tag row types into a fresh copy of its
project, so every run does the same work (20 new annotations) and the cached project is left
as it was; the scroll to each passage (untimed) is settled, its repaints done, before the key.

Run:  .venv/bin/python benchmarks/bench_gui.py [--json] [--runs 3] [--source CHECKOUT]
``--json`` prints one object per row: work, measured, target, unit (plus from_launch, cpu,
load, runs).
``--source`` measures another checkout (e.g. the code before a change) on the same projects.
The projects are built once under the temporary folder (benchmarks/big_projects.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TAGS = 20
# (work, mode, project kind, target ms)
ROWS = (
    ("main window built + shown, current document 1 MB with 5,000 annotations",
     "window", "gui5k", 300.0),
    ("open + paint, 1 MB with 50,000 annotations", "open", "long1", 300.0),
    ("open + paint, 5 MB with 25,000 annotations", "open", "long5", 500.0),
    ("tag key -> committed -> repainted, 1 MB with 5,000 annotations", "tag", "gui5k", 20.0),
)


def project_path(kind: str) -> Path:
    sys.path.insert(0, str(HERE))
    import big_projects

    # One 1 MB document with 5,000 annotations: big_projects' builder with one more shape.
    big_projects.KINDS.setdefault("gui5k", (1, 5_000, 0))
    big_projects.LONG_CHARS.setdefault("gui5k", 1_000_000)
    path = big_projects.ensure(kind)
    if kind == "gui5k":  # the tag row types label keys: two stances get keys, once
        from desk_annotator.project import Project

        project = Project(path)
        stances = [lb for lb in project.q.labels() if lb.scheme == "stance"][:2]
        for label, key in zip(stances, ("1", "2"), strict=True):
            if label.key != key:
                project.update_label(label.id, key=key)
        project.close()
    return path


# -- the fresh process ---------------------------------------------------------------------
def child(path: Path, mode: str, launched: float) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from desk_annotator.gui.app import make_app
    from desk_annotator.gui.main_window import MainWindow
    from desk_annotator.gui.settings import Settings
    from desk_annotator.gui.theme import apply_theme
    from desk_annotator.project import Project

    app = make_app()
    apply_theme(app, "light")
    project = Project(path)
    doc_id = project.q.document_infos()[0].id
    settings = Settings()
    settings.set("show_all_coders", True)
    key = str(Path(str(project.path)).resolve())
    settings.set_project_value(key, "last_document", None)
    out: dict[str, float] = {}
    if mode == "window":
        # A first window with no document: the modules the window imports on first build
        # (menus, analysis) load here, so the row shows what the current document costs.
        t0 = time.perf_counter()
        first = MainWindow(project, coder_name="coder-1", settings=settings)
        first.resize(1400, 900)
        first.show()
        QApplication.processEvents()
        first.view.viewport().repaint()
        out["first_window_no_document"] = (time.perf_counter() - t0) * 1000
        first.close()
        QApplication.processEvents()
        settings.set_project_value(key, "last_document", doc_id)
    t0, c0 = time.perf_counter(), time.process_time()
    window = MainWindow(project, coder_name="coder-1", settings=settings)
    window.resize(1400, 900)
    window.show()
    QApplication.processEvents()
    window.view.viewport().repaint()
    if mode == "window":
        out["measured"] = (time.perf_counter() - t0) * 1000
        out["cpu"] = (time.process_time() - c0) * 1000
        out["from_launch"] = (time.monotonic() - launched) * 1000
        assert window.view.document_id == doc_id, "the last document did not reopen"
    else:
        t0, c0 = time.perf_counter(), time.process_time()
        window.open_document(doc_id)
        window.view.viewport().repaint()  # synchronous paint of the visible highlights
        out["measured"] = (time.perf_counter() - t0) * 1000
        out["cpu"] = (time.process_time() - c0) * 1000
        out["from_launch"] = (time.monotonic() - launched) * 1000
    out["annotations"] = window.view.annotation_count()
    if mode == "tag":
        view = window.view
        keys = ("1", "2")  # given to two stances by project_path
        latencies, cpu = [], []
        for i in range(TAGS):  # a passage scrolled into view (not timed), then a label key
            start = (i * 48_611) % (len(view.text) - 200)
            view.select_span(start, start + 12 + i)
            # Twice: the paint of the scrolled-to lines lays them out, which moves the scroll
            # bar, whose repaint is posted during that paint; once, it landed in the timed tag.
            QApplication.processEvents()
            QApplication.processEvents()
            t, c = time.perf_counter(), time.process_time()
            QTest.keyClick(view, keys[i % 2], Qt.KeyboardModifier.NoModifier)
            QApplication.processEvents()
            latencies.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        out["tagged"] = window.view.annotation_count() - out["annotations"]
        out["measured"] = statistics.median(latencies)
        out["cpu"] = statistics.median(cpu)
    window.close()
    project.close()
    return out


def run_once(path: Path, mode: str, source: Path | None) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               DESK_ANNOTATOR_HOME=tempfile.mkdtemp(prefix="desk-bench-home-"))
    if source is not None:
        env["PYTHONPATH"] = f"{source}{os.pathsep}{env.get('PYTHONPATH', '')}"
    if mode == "tag":  # the tags are written: into a copy, the same work every run
        copy = Path(env["DESK_ANNOTATOR_HOME"]) / path.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        path = copy
    launched = time.monotonic()
    done = subprocess.run([sys.executable, __file__, "--child", mode, "--project", str(path),
                           "--launched", repr(launched)], capture_output=True, text=True,
                          env=env, check=False, cwd=str(source or HERE.parent))
    shutil.rmtree(env["DESK_ANNOTATOR_HOME"], ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"the GUI benchmark child failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON object per row")
    parser.add_argument("--source", type=Path, help="a checkout to measure instead of this one")
    parser.add_argument("--child", choices=("window", "open", "tag"), help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--launched", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.project, args.child, args.launched)))
        return 0
    for work, mode, kind, target in ROWS:
        path = project_path(kind)
        runs = [run_once(path, mode, args.source) for _ in range(args.runs)]
        row = {"work": work, "measured": round(statistics.median(r["measured"] for r in runs), 1),
               "target": target, "unit": "ms",
               "from_launch": round(statistics.median(r["from_launch"] for r in runs)),
               "runs": [round(r["measured"], 1) for r in runs],
               "cpu": round(statistics.median(r["cpu"] for r in runs), 1),
               "load": round(os.getloadavg()[0], 2),  # 1-minute load average after the runs
               **({"first_window_no_document": round(statistics.median(
                   r["first_window_no_document"] for r in runs))}
                  if "first_window_no_document" in runs[0] else {}),
               "annotations": int(runs[-1]["annotations"])}
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            verdict = "OK" if row["measured"] < target else "ABOVE TARGET"
            print(f"{work}: {row['measured']:.0f} ms (target < {target:.0f} ms) {verdict}; "
                  f"CPU {row['cpu']:.0f} ms; from launch {row['from_launch']:,} ms; "
                  f"runs {row['runs']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

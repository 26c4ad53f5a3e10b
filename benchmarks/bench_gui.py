"""GUI benchmark (DESIGN.md §6): a 1 MB article with 5,000 annotations.

Prints: open + highlights painted (target < 300 ms) and the median time from a tag key press
to the annotation committed in SQLite and repainted (target < 20 ms).

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DESK_ANNOTATOR_HOME", tempfile.mkdtemp(prefix="desk-bench-"))

from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest

from desk_annotator.gui.app import make_app
from desk_annotator.gui.main_window import MainWindow
from desk_annotator.gui.theme import apply_theme
from desk_annotator.models import Annotation, Coder, Document, ProjectSnapshot
from desk_annotator.project import Project
from desk_annotator.text import sha256_text

WORDS = ["policy", "export", "chips", "open", "model", "governance", "中文", "café", "risk", "😀", "safety", "data", "sovereignty", "the", "of", "and", "a", "to", "in", "infrastructure", "investment"]
TARGET_CHARS = 1_000_000
N_ANNOTATIONS = 5_000
N_TAGS = 60


def build_text(rng: random.Random) -> str:
    paragraphs, size = [], 0
    while size < TARGET_CHARS:
        para = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 160))) + "."
        paragraphs.append(para)
        size += len(para) + 2
    return "\n\n".join(paragraphs)[:TARGET_CHARS]


def build_project(folder: Path) -> tuple[Project, str]:
    rng = random.Random(7)
    project = Project(folder / "bench.sqlite")
    stance = [project.add_label("stance", n, color=c, key=k) for n, c, k in
              (("supportive", "#1b9e77", "1"), ("critical", "#d95f02", "2"))]
    themes = [project.add_label("themes", n, color=c, key=k) for n, c, k in
              (("open", "#E69F00", "o"), ("chips", "#56B4E9", "x"), ("risk", "#0072B2", "s"))]
    coder = project.ensure_coder("bench")
    text = build_text(rng)
    doc = Document(title="One megabyte", text=text, sha256=sha256_text(text))
    anns = []
    for _ in range(N_ANNOTATIONS):
        start = rng.randrange(0, len(text) - 400)
        end = start + rng.randint(10, 300)
        anns.append(Annotation(document_id=doc.id, coder_id=coder.id, start=start, end=end,
                               quote=text[start:end], stance_id=rng.choice(stance).id,
                               theme_ids=[t.id for t in rng.sample(themes, rng.randint(0, 2))]))
    snap = ProjectSnapshot(codebook=project.q.codebook(), coders=[Coder(id=coder.id, name="bench")],
                           documents=[doc], annotations=anns)
    project.import_snapshot(snap, source="benchmark")
    return project, doc.id


def main() -> int:
    app = make_app()
    apply_theme(app, "light")
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-project-"))
    t = time.perf_counter()
    project, doc_id = build_project(folder)
    print(f"setup: 1 MB document + {N_ANNOTATIONS} annotations stored in "
          f"{time.perf_counter() - t:.1f} s")
    window = MainWindow(project, coder_name="bench")
    window.resize(1400, 900)
    window.show()
    app.processEvents()

    opens = []
    for _ in range(5):
        window.open_document(None)
        app.processEvents()
        t = time.perf_counter()
        window.open_document(doc_id)
        window.view.viewport().repaint()  # synchronous paint of the visible highlights
        opens.append((time.perf_counter() - t) * 1000)
    shown = len(window.view.visible_annotations())
    print(f"open + paint ({shown} highlights): median {statistics.median(opens):.0f} ms, "
          f"max {max(opens):.0f} ms   (target < 300 ms)")

    view = window.view
    rng = random.Random(3)
    latencies = []
    for i in range(N_TAGS):
        # A passage somewhere in the document, scrolled into view (not timed).
        start = rng.randrange(0, len(view.text) - 200)
        view.select_span(start, start + rng.randint(8, 60))
        app.processEvents()
        t = time.perf_counter()
        QTest.keyClick(view, "1" if i % 2 else "o")  # key -> op committed -> highlight queued
        app.processEvents()  # -> repainted
        latencies.append((time.perf_counter() - t) * 1000)
        view.moveCursor(QTextCursor.MoveOperation.Start)
    stored = len(project.q.annotations(doc_id))
    print(f"tag key -> committed -> repainted: median {statistics.median(latencies):.1f} ms, "
          f"p90 {sorted(latencies)[int(0.9 * len(latencies))]:.1f} ms over {N_TAGS} tags "
          f"({stored} annotations now stored)   (target < 20 ms)")
    window.close()
    project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""REFI-QDA exchange of a 100,000-annotation project through the CLI (issue 14: < 2 s each).

    .venv/bin/python benchmarks/bench_qdpx.py [--documents 1000] [--per-document 100]
                                               [--repeat 1] [--json]

The project (README shape, see exchange_data.py) is built once and cached under the temporary
folder. Each timing is one fresh ``desk-annotator`` process, start-up included: ``export
project.qdpx`` from the cached project, then ``import project.qdpx`` into a new project file.
With ``--json``: one JSON object per line (work, measured, target, unit) for ``python -m
benchmarks``; the median of ``--repeat`` runs is reported. CPU seconds (user + system of the
child) are printed beside the wall time in the text output: on a busy machine they say more.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import exchange_data

TARGET = 2.0


def measure(n_docs: int, per_doc: int, repeat: int) -> list[dict]:
    project = exchange_data.project(n_docs, per_doc)
    archive = exchange_data.cache_dir() / f"export-{n_docs}x{per_doc}.qdpx"
    exports, imports = [], []
    for _ in range(repeat):
        archive.unlink(missing_ok=True)
        exports.append(exchange_data.cli_timed(project, "export", str(archive)))
        target = exchange_data.fresh_path("qdpx-import.sqlite")
        imports.append(exchange_data.cli_timed(target, "import", str(archive)))
    n = n_docs * per_doc
    rows = []
    for work, runs in ((f".qdpx export of {n:,} annotations (CLI)", exports),
                       (f".qdpx import of {n:,} annotations (CLI)", imports)):
        rows.append(exchange_data.timing_row(work, runs, TARGET))
    return rows


def main() -> int:
    return exchange_data.main(measure, __doc__.splitlines()[0], documents=1000)


if __name__ == "__main__":
    sys.exit(main())

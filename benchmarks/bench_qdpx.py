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

import argparse
import json
import statistics
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
        rows.append({"work": work, "measured": round(statistics.median(w for w, _ in runs), 2),
                     "target": TARGET, "unit": "s",
                     "cpu": round(statistics.median(c for _, c in runs), 2)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--per-document", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for row in measure(args.documents, args.per_document, args.repeat):
        cpu = row.pop("cpu")
        if args.json:
            print(json.dumps(row))
        else:
            verdict = "OK" if row["measured"] < row["target"] else "TOO SLOW"
            print(f"{row['work']}: {row['measured']:.2f} s wall, {cpu:.2f} s CPU "
                  f"(target < {row['target']:g} s) -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

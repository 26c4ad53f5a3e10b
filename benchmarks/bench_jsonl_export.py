"""Dataset JSONL exchange of 1,000,000 annotations through the CLI (issue 14; targets: export
< 5 s, import < 10 s), on the README's data: 10,000 documents x 100 annotations.

    .venv/bin/python benchmarks/bench_jsonl_export.py [--documents 10000] [--per-document 100]
                                                       [--repeat 1] [--json]

The dataset file is written once (orjson, no program code) and cached under the temporary
folder with the project imported from it (exchange_data.py). Each timing is one fresh
``desk-annotator`` process, start-up included: ``import --add-missing-labels data.jsonl`` into
a new project file, and ``export out.jsonl`` from the cached project. With ``--json``: one JSON
object per line (work, measured, target, unit) for ``python -m benchmarks``; the median of
``--repeat`` runs. The text output adds the child's CPU seconds (telling on a busy machine);
the export's include its helper process (store/dataset_split.py: a large export shares the
annotations with a second process), so on a free second core they exceed the wall time.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import exchange_data

TARGETS = {"export": 5.0, "import": 10.0}


def measure(n_docs: int, per_doc: int, repeat: int) -> list[dict]:
    source = exchange_data.dataset(n_docs, per_doc)
    project = exchange_data.project(n_docs, per_doc)  # imported once through the CLI
    out = exchange_data.cache_dir() / f"export-{n_docs}x{per_doc}.jsonl"
    exports, imports = [], []
    for _ in range(repeat):
        target = exchange_data.fresh_path("jsonl-import.sqlite")
        imports.append(exchange_data.cli_timed(target, "import", "--add-missing-labels",
                                               str(source)))
        out.unlink(missing_ok=True)
        exports.append(exchange_data.cli_timed(project, "export", str(out)))
    n = n_docs * per_doc
    rows = []
    for kind, runs in (("export", exports), ("import", imports)):
        rows.append(exchange_data.timing_row(f"JSONL {kind} of {n:,} annotations (CLI)", runs,
                                             TARGETS[kind]))
    return rows


def main() -> int:
    return exchange_data.main(measure, __doc__.splitlines()[0], documents=10_000)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark (not a test): frequencies and a crosstab over 1,000,000 annotations (issue 12).

    .venv/bin/python benchmarks/bench_tables.py [--project PATH] [--documents 10000]
                                               [--per-document 100]

Builds the project once through the store's bulk path (``Project.import_snapshot`` in batches
of 1,000 documents, as bench_io.build_big_project does for bench_startup.py), with an outlet
(one of 8) and a date (24 months) on every document, and caches it at --project (default
/tmp/desk-bench-tables.sqlite). Then times, after one warm-up pass: label frequencies per
coder; frequencies per coder and outlet; the stance × outlet crosstab (passages, then
documents); the themes × month crosstab; stance × themes. Target: < 1 s each.

The tables share the project's coding read once as arrays (analysis/table_facts.py, cached
while the project is unchanged), so the read is timed on its own first ("cold read"), and
each table then on the arrays.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from desk_annotator.analysis import tables
from desk_annotator.analysis.table_facts import load_facts
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.project import Project
from desk_annotator.store.table_queries import TableQueries
from desk_annotator.text import sha256_text

TARGET_S = 1.0
DEFAULT_PROJECT = Path(tempfile.gettempdir()) / "desk-bench-tables.sqlite"
WORDS = ["policy", "chips", "export", "open", "model", "governance", "safety", "compute", "data", "the", "of", "and", "to", "in"]


def build(path: Path, n_docs: int, per_doc: int) -> None:
    rng = random.Random(12)
    stance = [Label(scheme="stance", name=n, order=i)
              for i, n in enumerate(["supportive", "critical", "neutral", "mixed"])]
    themes = [Label(scheme="themes", name=f"theme {i}", order=i) for i in range(10)]
    codebook = Codebook(name="bench", labels=stance + themes)
    coders = [Coder(name=n) for n in ("coder-1", "coder-2", "gold")]
    outlets = [f"Outlet {i}" for i in range(8)]
    building = path.with_name(path.name + ".building")
    for leftover in path.parent.glob(building.name + "*"):
        leftover.unlink()
    project = Project(building)
    project.import_codebook(codebook)
    for first in range(0, n_docs, 1000):
        docs, anns = [], []
        for d in range(first, min(n_docs, first + 1000)):
            text = f"Doc {d} " + " ".join(rng.choice(WORDS) for _ in range(120))
            meta = {"outlet": rng.choice(outlets),
                    "date": f"{2023 + rng.randrange(2)}-{rng.randrange(1, 13):02d}-15"}
            doc = Document(title=f"Doc {d}", text=text, sha256=sha256_text(text), metadata=meta)
            docs.append(doc)
            for k in range(per_doc):
                start = rng.randrange(0, len(text) - 60)
                end = start + rng.randrange(5, 60)
                anns.append(Annotation.model_construct(
                    id=f"{d}-{k}", document_id=doc.id, coder_id=rng.choice(coders).id,
                    start=start, end=end, quote=text[start:end],
                    stance_id=rng.choice(stance).id if rng.random() < 0.8 else None,
                    theme_ids=[t.id for t in rng.sample(themes, rng.randrange(0, 3))],
                    note=None, created="2025-08-01T00:00:00+00:00",
                    updated="2025-08-01T00:00:00+00:00"))
        snap = ProjectSnapshot.model_construct(codebook=codebook, coders=coders, documents=docs,
                                               annotations=anns, statuses=[])
        project.import_snapshot(snap, source="bench", labels="strict")
    project.close()
    building.rename(path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", type=Path, default=DEFAULT_PROJECT)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--per-document", type=int, default=100)
    args = parser.parse_args()
    if not args.project.exists():
        print(f"building {args.documents:,} x {args.per_document} annotations at "
              f"{args.project} (once)…", flush=True)
        t0 = time.perf_counter()
        build(args.project, args.documents, args.per_document)
        print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)
    steps = {
        "frequencies per coder": lambda p: tables.frequencies(p),
        "frequencies per coder and outlet": lambda p: tables.frequencies(p, by="outlet"),
        "crosstab stance x outlet (passages)": lambda p: tables.crosstab(p),
        "crosstab stance x outlet (documents)":
            lambda p: tables.crosstab(p, unit="documents"),
        "crosstab themes x month": lambda p: tables.crosstab(p, labels="themes", by="month"),
        "crosstab stance x themes": lambda p: tables.crosstab(p, by="themes"),
    }
    with Project(args.project, check_integrity=False) as project:
        print(f"project: {args.project}, {project.q.annotation_count():,} annotations")
        load_facts(TableQueries(project.store.db))  # warm the OS file cache
        t0 = time.perf_counter()
        load_facts(TableQueries(project.store.db), themes=False)
        stance_only = time.perf_counter() - t0
        print(f"  {'read of the coding, stance tables':<40} {stance_only:6.3f} s")
        t0 = time.perf_counter()
        load_facts(TableQueries(project.store.db))
        cold = time.perf_counter() - t0
        print(f"  {'read of the coding, with themes':<40} {cold:6.3f} s")
        worst = 0.0
        for name, step in steps.items():
            step(project)  # warm the OS file cache and SQLite's page cache
            t0 = time.perf_counter()
            step(project)
            elapsed = time.perf_counter() - t0
            worst = max(worst, elapsed)
            print(f"  {name:<40} {elapsed:6.3f} s")
    verdict = "OK" if worst < TARGET_S else "ABOVE TARGET"
    print(f"slowest table: {worst:.3f} s (target < {TARGET_S:.0f} s) {verdict}; "
          f"first table after a change: + {cold:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark (not a test): article import and JSONL export against DESIGN §6.

    .venv/bin/python benchmarks/bench_io.py [--documents 10000] [--per-document 100]

Prints: import of 1,000 generated .txt articles (target < 10 s) and export of
documents x per-document annotations to dataset JSONL (target: 1,000,000 in < 15 s).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from desk_annotator.models import (Annotation, Codebook, Coder, Document, Label,
                                   ProjectSnapshot)
from desk_annotator.project import Project
from desk_annotator.project_io import export_path, import_paths
from desk_annotator.text import sha256_text

WORDS = ("policy chips export open model governance safety compute data the of and to in "
         "治理 开源 “quoted” — 🇺🇸 emoji café").split()


def article(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def bench_import(tmp: Path, n: int = 1000) -> float:
    folder = tmp / "articles"
    folder.mkdir()
    rng = random.Random(1)
    for i in range(n):
        (folder / f"a{i:04d}.txt").write_text(f"Article {i}\n\n" + article(rng, 600),
                                              encoding="utf-8")
    project = Project(tmp / "import.sqlite")
    t0 = time.perf_counter()
    report = import_paths(project, [folder])
    elapsed = time.perf_counter() - t0
    assert report.documents_added == n, report
    project.close()
    return elapsed


def build_big_project(path: Path, n_docs: int, per_doc: int) -> Project:
    rng = random.Random(2)
    stance = [Label(scheme="stance", name=n, order=i) for i, n in
              enumerate(["supportive", "critical", "neutral", "mixed"])]
    themes = [Label(scheme="themes", name=f"theme {i}", order=i) for i in range(10)]
    coders = [Coder(name=f"coder-{i}") for i in (1, 2, 3)]
    project = Project(path)
    project.import_codebook(Codebook(name="bench", labels=stance + themes))
    batch = 1000
    for first in range(0, n_docs, batch):
        docs, anns = [], []
        for d in range(first, min(n_docs, first + batch)):
            text = article(rng, 700)
            doc = Document(title=f"Doc {d}", text=text, sha256=sha256_text(text))
            docs.append(doc)
            for _ in range(per_doc):
                start = rng.randrange(0, len(text) - 200)
                end = start + rng.randrange(5, 200)
                anns.append(Annotation.model_construct(
                    id=f"{d}-{len(anns)}", document_id=doc.id, coder_id=rng.choice(coders).id,
                    start=start, end=end, quote=text[start:end],
                    stance_id=rng.choice(stance).id, theme_ids=[rng.choice(themes).id],
                    note=None, created="2025-08-01T00:00:00+00:00",
                    updated="2025-08-01T00:00:00+00:00"))
        snap = ProjectSnapshot.model_construct(codebook=Codebook(labels=stance + themes),
                                               coders=coders, documents=docs, annotations=anns,
                                               statuses=[])
        project.import_snapshot(snap, source="bench", labels="strict")
    return project


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--per-document", type=int, default=100)
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        t_import = bench_import(tmp, args.articles)
        print(f"import {args.articles} articles: {t_import:.2f} s (target < 10 s)")
        t0 = time.perf_counter()
        project = build_big_project(tmp / "big.sqlite", args.documents, args.per_document)
        n_ann = project.q.annotation_count()
        print(f"(setup: {n_ann:,} annotations loaded in {time.perf_counter() - t0:.1f} s)")
        t0 = time.perf_counter()
        export_path(project, tmp / "out.jsonl")
        t_export = time.perf_counter() - t0
        size = (tmp / "out.jsonl").stat().st_size / 1e6
        print(f"export {n_ann:,} annotations to JSONL: {t_export:.2f} s, {size:.0f} MB "
              "(target < 15 s for 1,000,000)")
        project.close()


if __name__ == "__main__":
    main()

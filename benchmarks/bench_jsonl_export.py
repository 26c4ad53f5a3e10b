"""Time the dataset JSONL export of 1,000,000 annotations (target, DESIGN §6: < 15 s).

Builds 10,000 documents x 100 annotations in memory as a ProjectSnapshot (model_construct, as a
store would hand it over), then times snapshot_to_dicts + write_dataset (records as plain dicts).
Run: .venv/bin/python benchmarks/bench_jsonl_export.py [--documents N] [--per-document M]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from desk_annotator.io.dataset_jsonl import snapshot_to_dicts, write_dataset
from desk_annotator.models import (
    Annotation, Codebook, Coder, DocStatus, Document, Label, ProjectSnapshot, new_id, now_iso,
)
from desk_annotator.text import sha256_text

WORDS = "the export controls on open source models 😀 中文 café policy debate was critical".split()


def build_snapshot(n_docs: int, per_doc: int, seed: int = 1) -> ProjectSnapshot:
    rng = random.Random(seed)
    stance = [Label(scheme="stance", name=n, order=i) for i, n in enumerate(["supportive", "critical", "neutral"])]
    themes = [Label(scheme="themes", name=n, order=i) for i, n in enumerate(["export controls", "open source", "safety", "jobs"])]
    coders = [Coder(name=f"coder-{i}") for i in range(1, 4)]
    stamp = now_iso()
    docs, anns, statuses = [], [], []
    make_ann = Annotation.model_construct
    for d in range(n_docs):
        text = " ".join(rng.choice(WORDS) for _ in range(400))
        doc = Document.model_construct(id=new_id(), title=f"Article {d}", text=text,
                                       sha256=sha256_text(text), metadata={"outlet": "Bench"})
        docs.append(doc)
        for c in coders:
            statuses.append(DocStatus.model_construct(document_id=doc.id, coder_id=c.id, status="done", updated=stamp))
        for _ in range(per_doc):
            start = rng.randrange(0, len(text) - 60)
            end = start + rng.randrange(1, 60)
            anns.append(make_ann(
                id=new_id(), document_id=doc.id, coder_id=rng.choice(coders).id, start=start, end=end,
                quote=text[start:end], stance_id=rng.choice(stance).id,
                theme_ids=[t.id for t in rng.sample(themes, rng.randrange(0, 3))],
                note=None, created=stamp, updated=stamp,
            ))
    return ProjectSnapshot.model_construct(
        codebook=Codebook(name="bench", labels=stance + themes), coders=coders,
        documents=docs, annotations=anns, statuses=statuses,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--per-document", type=int, default=100)
    args = parser.parse_args()
    t0 = time.perf_counter()
    snapshot = build_snapshot(args.documents, args.per_document)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export.jsonl"
        lines = write_dataset(out, snapshot_to_dicts(snapshot))
        t2 = time.perf_counter()
        size = out.stat().st_size
    n_ann = len(snapshot.annotations)
    print(f"built {args.documents} documents / {n_ann} annotations in memory: {t1 - t0:.1f} s")
    print(f"export_jsonl: {lines} lines, {n_ann} annotations, {size / 1e6:.0f} MB in {t2 - t1:.2f} s "
          f"(target < 15 s) -> {'OK' if t2 - t1 < 15 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()

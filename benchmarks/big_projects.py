"""Big benchmark projects, built once and cached under /tmp (issue 14's rows).

    .venv/bin/python benchmarks/big_projects.py KIND [--path PATH]   # build (or reuse) one

KIND: ``big`` (10,000 documents x 100 annotations = 1 M, 3 coders), ``wide`` (50,000 documents x
20 annotations = 1 M), ``long1`` (one 1 MB document, 50,000 annotations), ``long5`` (one 5 MB
document, 25,000 annotations). The schema comes from ``Project`` (so triggers and summary
tables are those of the program), the rows go in through the store's own connection in one
transaction of bulk inserts (executemany): ~10x faster than building through ops, and a
benchmark project needs no undo history. Afterwards the project's full checks run once, as
after a migration, so the cached file is in the state a user's file is in after a session.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desk_annotator.models import new_id  # noqa: E402
from desk_annotator.project import Project  # noqa: E402
from desk_annotator.store.db import transaction  # noqa: E402
from desk_annotator.text import sha256_text  # noqa: E402

WORDS = ("policy chips export open model governance safety compute data the of and to in "
         "治理 开源 “quoted” — 🇺🇸 emoji café").split()
STAMP = "2025-08-01T00:00:00+00:00"
KINDS = {
    # kind: (documents, annotations per document, words per document)
    "big": (10_000, 100, 700),
    "wide": (50_000, 20, 700),
    "long1": (1, 50_000, 0),
    "long5": (1, 25_000, 0),
}
LONG_CHARS = {"long1": 1_000_000, "long5": 5_000_000}


def default_path(kind: str) -> Path:
    names = {"big": "desk-bench-big.sqlite"}
    return Path(tempfile.gettempdir()) / names.get(kind, f"desk-bench-{kind}.sqlite")


def _text(rng: random.Random, words: int, chars: int) -> str:
    if chars:
        parts, size = [], 0
        while size < chars:
            para = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 160))) + "."
            parts.append(para)
            size += len(para) + 2
        return "\n\n".join(parts)[:chars]
    return " ".join(rng.choice(WORDS) for _ in range(words))


def build(kind: str, path: Path) -> None:
    n_docs, per_doc, words = KINDS[kind]
    rng = random.Random(2)
    project = Project(path, check_integrity=False)
    db = project.store.db
    coders = [(new_id(), f"coder-{i}") for i in (1, 2, 3)]
    stance = [(new_id(), n) for n in ("supportive", "critical", "neutral", "mixed")]
    themes = [(new_id(), f"theme {i}") for i in range(10)]
    with transaction(db):
        db.conn.executemany("INSERT INTO coders (id, name, created) VALUES (?, ?, ?)",
                            [(c, n, STAMP) for c, n in coders])
        db.conn.executemany("INSERT INTO labels (id, scheme, name, position) VALUES (?, ?, ?, ?)",
                            [(i, "stance", n, k) for k, (i, n) in enumerate(stance)]
                            + [(i, "themes", n, k) for k, (i, n) in enumerate(themes)])
        for first in range(0, n_docs, 1000):
            docs, anns, ann_themes, statuses = [], [], [], []
            for d in range(first, min(n_docs, first + 1000)):
                text = _text(rng, words, LONG_CHARS.get(kind, 0))
                doc_id = new_id()
                docs.append((doc_id, f"Doc {d}", text, sha256_text(text), len(text), STAMP))
                for c, _ in coders:
                    if rng.random() < 0.5:
                        statuses.append((doc_id, c, rng.choice(("doing", "done")), STAMP))
                for k in range(per_doc):
                    start = rng.randrange(0, len(text) - 200)
                    end = start + rng.randrange(5, 200)
                    ann_id = f"{d}-{k}"
                    anns.append((ann_id, doc_id, rng.choice(coders)[0], start, end,
                                 text[start:end], rng.choice(stance)[0], STAMP, STAMP))
                    ann_themes.append((ann_id, rng.choice(themes)[0]))
            db.conn.executemany("INSERT INTO documents (id, title, text, sha256, length, "
                                "imported) VALUES (?, ?, ?, ?, ?, ?)", docs)
            db.conn.executemany("INSERT INTO annotations (id, document_id, coder_id, start, "
                                "[end], quote, stance_id, created, updated) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", anns)
            db.conn.executemany("INSERT INTO annotation_themes VALUES (?, ?)", ann_themes)
            db.conn.executemany("INSERT INTO doc_status VALUES (?, ?, ?, ?)", statuses)
    full = getattr(project, "check_integrity")
    try:
        full(full=True)  # the quote check after a migration: leaves nothing queued
    except TypeError:  # a program without the queue: nothing to do
        pass
    project.close()


def ensure(kind: str, path: Path | None = None, *, quiet: bool = False) -> Path:
    """The cached project of this kind (built now when missing)."""
    path = path or default_path(kind)
    if path.exists():
        return path
    building = path.with_name(path.name + ".building")
    for leftover in path.parent.glob(building.name + "*"):
        leftover.unlink()
    t0 = time.perf_counter()
    if not quiet:
        print(f"building the {kind} project at {path} (once)…", file=sys.stderr, flush=True)
    build(kind, building)
    building.rename(path)
    if not quiet:
        print(f"built in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    print(ensure(args.kind, args.path))
    return 0


if __name__ == "__main__":
    sys.exit(main())

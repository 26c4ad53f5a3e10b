"""Benchmark (not a test): frequencies and a crosstab over 1,000,000 annotations (issue 12).

    .venv/bin/python benchmarks/bench_tables.py [--project PATH] [--documents 10000]
                                               [--per-document 100] [--runs 3] [--json]

What the user waits for: a fresh process, from launch (imports included) through opening the
project to the table written, as ``desk-annotator --project P table frequencies`` and
``desk-annotator --project P table crosstab --by outlet`` (stance × outlet) run it; the median
of --runs such processes against the target (< 1 s) and the ratio. For the reader, the same
process's share that is not the tables: a fresh process that only imports the CLI; and, in
one process after the imports, open + the first table (the tables' own cost, read from the
trigger-kept label counts) and each table again with the arrays cached.

The project (10,000 documents × 100 annotations, 3 coders, 4 stances, 10 themes, an outlet of
8 and a date of 24 months on every document) is built once at --project (default
/tmp/desk-bench-tables.sqlite) by bulk inserts through the store's connection, with the
summary triggers dropped during the inserts and the summaries recounted afterwards (what a
migration does); so the file is in the state a user's file is in. A file this benchmark did
not build is only read (its copy is what you pass when you must not write to it).
--json: one object per row (work, measured, target, unit) for ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_S = 1.0
DEFAULT_PROJECT = Path(tempfile.gettempdir()) / "desk-bench-tables.sqlite"
WORDS = ["policy", "chips", "export", "open", "model", "governance", "safety", "compute",
         "data", "the", "of", "and", "to", "in"]
STAMP = "2025-08-01T00:00:00+00:00"


def build(path: Path, n_docs: int, per_doc: int) -> None:
    from desk_annotator.models import new_id
    from desk_annotator.project import Project
    from desk_annotator.store import label_summaries, summaries
    from desk_annotator.store.db import transaction
    from desk_annotator.text import sha256_text

    rng = random.Random(12)
    building = path.with_name(path.name + ".building")
    for leftover in path.parent.glob(building.name + "*"):
        leftover.unlink()
    project = Project(building, check_integrity=False)
    db = project.store.db
    coders = [new_id() for _ in range(3)]
    stance = [new_id() for _ in range(4)]
    themes = [new_id() for _ in range(10)]
    outlets = [f"Outlet {i}" for i in range(8)]
    with transaction(db):
        for name in (*summaries.TRIGGERS, *label_summaries.TRIGGERS):  # recounted below
            db.execute(f"DROP TRIGGER {name}")
        db.conn.executemany("INSERT INTO coders (id, name, created) VALUES (?, ?, ?)",
                            [(c, n, STAMP) for c, n in zip(coders, ("coder-1", "coder-2",
                                                                    "gold"))])
        db.conn.executemany(
            "INSERT INTO labels (id, scheme, name, position) VALUES (?, ?, ?, ?)",
            [(i, "stance", n, k) for k, (i, n) in enumerate(zip(stance, (
                "supportive", "critical", "neutral", "mixed")))]
            + [(i, "themes", f"theme {k}", k) for k, i in enumerate(themes)])
        for first in range(0, n_docs, 1000):
            docs, anns, ann_themes = [], [], []
            for d in range(first, min(n_docs, first + 1000)):
                text = f"Doc {d} " + " ".join(rng.choice(WORDS) for _ in range(120))
                doc_id = new_id()
                date = f"{2023 + rng.randrange(2)}-{rng.randrange(1, 13):02d}-15"
                docs.append((doc_id, f"Doc {d}", text, sha256_text(text), len(text),
                             rng.choice(outlets), date, STAMP))
                for k in range(per_doc):
                    start = rng.randrange(0, len(text) - 60)
                    end = start + rng.randrange(5, 60)
                    ann_id = f"{d}-{k}"
                    anns.append((ann_id, doc_id, rng.choice(coders), start, end,
                                 text[start:end],
                                 rng.choice(stance) if rng.random() < 0.8 else None,
                                 STAMP, STAMP))
                    ann_themes += [(ann_id, t) for t in rng.sample(themes, rng.randrange(3))]
            db.conn.executemany("INSERT INTO documents (id, title, text, sha256, length, "
                                "outlet, date, imported) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", docs)
            db.conn.executemany("INSERT INTO annotations (id, document_id, coder_id, start, "
                                "[end], quote, stance_id, created, updated) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", anns)
            db.conn.executemany("INSERT INTO annotation_themes VALUES (?, ?)", ann_themes)
        summaries.create_summaries(db)
        summaries.fill_summaries(db, queue_all=False)
        label_summaries.create_label_summaries(db)
        label_summaries.fill_label_summaries(db)
    project.close()
    building.rename(path)


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("desk-annotator")
    return [str(script)] if script.exists() else [sys.executable, "-m", "desk_annotator.cli"]


def fresh(argv: list[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    """Wall time of ``runs`` fresh processes, launch to exit (output thrown away)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return times


_IN_PROCESS = """
import sys, time, json
t0 = time.perf_counter()
from desk_annotator.analysis import tables
from desk_annotator.project import Project
t1 = time.perf_counter()
first = sys.argv[2]
steps = {
    "frequencies per coder": lambda p: tables.frequencies(p),
    "crosstab stance x outlet": lambda p: tables.crosstab(p),
    "frequencies per coder and outlet": lambda p: tables.frequencies(p, by="outlet"),
    "crosstab stance x outlet (documents)": lambda p: tables.crosstab(p, unit="documents"),
    "crosstab themes x month": lambda p: tables.crosstab(p, labels="themes", by="month"),
    "crosstab stance x themes (per passage)": lambda p: tables.crosstab(p, by="themes"),
}
out = {"imports": t1 - t0}
with Project(sys.argv[1], check_integrity=False) as project:
    t2 = time.perf_counter()
    steps[first](project)
    out["open + first table: " + first] = time.perf_counter() - t1
    if first == "frequencies per coder":
        for name, step in steps.items():  # each table's own read (a sum of them: the
            t0 = time.perf_counter()      # counts and arrays stay cached for the next)
            step(project)
            out["then: " + name] = time.perf_counter() - t0
print(json.dumps(out))
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", type=Path, default=DEFAULT_PROJECT)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--per-document", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON object per row")
    args = parser.parse_args()
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else print
    if not args.project.exists():
        say(f"building {args.documents:,} x {args.per_document} annotations at "
            f"{args.project} (once)…")
        t0 = time.perf_counter()
        build(args.project, args.documents, args.per_document)
        say(f"built in {time.perf_counter() - t0:.0f} s")
    with tempfile.TemporaryDirectory(prefix="desk-bench-tables-") as home:
        env = {**os.environ, "DESK_ANNOTATOR_HOME": os.environ.get("DESK_ANNOTATOR_HOME", home)}
        return measure(args, env)


def measure(args: argparse.Namespace, env: dict[str, str]) -> int:
    cli = [*_cli(), "--project", str(args.project), "table"]
    conn = sqlite3.connect(f"file:{args.project}?mode=ro", uri=True)
    try:
        count = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
    finally:
        conn.close()
    size = f"{count / 1e6:.1f} M" if count >= 100_000 else f"{count:,}"
    fresh([*cli, "frequencies"], 1, env)  # opens once: a migration, then the OS file cache is warm
    rows = []
    for work, argv in (
            (f"tables: frequencies, {size} annotations, fresh CLI process",
             [*cli, "frequencies"]),
            (f"tables: crosstab stance x outlet, {size} annotations, fresh CLI process",
             [*cli, "crosstab", "--by", "outlet"])):
        times = fresh(argv, args.runs, env)
        rows.append({"work": work, "measured": round(statistics.median(times), 3),
                     "target": TARGET_S, "unit": "s", "runs": [round(t, 3) for t in times]})
    imports = fresh([sys.executable, "-c", "import desk_annotator.cli"], args.runs)
    rows.append({"work": "  of which: a fresh process importing the CLI, nothing else",
                 "measured": round(statistics.median(imports), 3), "target": None, "unit": "s"})
    for first in ("frequencies per coder", "crosstab stance x outlet"):
        inner = [json.loads(subprocess.run(
            [sys.executable, "-c", _IN_PROCESS, str(args.project), first], check=True,
            capture_output=True, text=True, env=env).stdout.strip().splitlines()[-1])
            for _ in range(args.runs)]
        for key in inner[0]:
            if key == "imports" and first != "frequencies per coder":
                continue  # shown once
            rows.append({"work": f"  in one process: {key}",
                         "measured": round(statistics.median(r[key] for r in inner), 3),
                         "target": None, "unit": "s"})
    if args.json:
        for row in rows:
            print(json.dumps(row), flush=True)
        return 0
    print(f"project: {args.project}; median of {args.runs} fresh processes; "
          f"load average {os.getloadavg()[0]:.1f}")
    for row in rows:
        target = row["target"]
        verdict = (f"target < {target:g} s, ratio {row['measured'] / target:.2f} "
                   f"{'OK' if row['measured'] < target else 'ABOVE TARGET'}") if target else ""
        print(f"  {row['work']:<72} {row['measured']:7.3f} s  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Data for the exchange benchmarks (bench_jsonl_export.py, bench_qdpx.py), built once and
cached under the temporary folder.

The shape is the README's large project (benchmarks/bench_io.py): documents of 700 words from
a mixed-script vocabulary, 100 annotations each by three coders, four stance labels and ten
themes. A dataset JSONL file of that shape is written directly (orjson, no program code), then
imported through the CLI into a project file; both are kept, keyed by their size, so a second
run measures at once. Timings come from fresh CLI subprocesses: what a user waits for,
imports and start-up included.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["policy", "chips", "export", "open", "model", "governance", "safety", "compute", "data", "the", "of", "and", "to", "in", "治理", "开源", "“quoted”", "—", "🇺🇸", "emoji", "café"]
STAMP = "2025-08-01T00:00:00+00:00"
STANCES = ("supportive", "critical", "neutral", "mixed")
THEMES = tuple(f"theme {i}" for i in range(10))
CODERS = ("coder-1", "coder-2", "coder-3")


def cache_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "desk-bench-exchange"
    path.mkdir(exist_ok=True)
    return path


def _write_dataset(path: Path, n_docs: int, per_doc: int, words: int = 700) -> None:
    rng = random.Random(2)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as handle:
        for d in range(n_docs):
            text = " ".join(rng.choice(WORDS) for _ in range(words))
            anns = []
            for k in range(per_doc):
                start = rng.randrange(0, len(text) - 200)
                end = start + rng.randrange(5, 200)
                anns.append({"id": f"{d}-{k}", "start": start, "end": end,
                             "quote": text[start:end], "coder": rng.choice(CODERS),
                             "stance": rng.choice(STANCES), "themes": [rng.choice(THEMES)],
                             "note": None, "created": STAMP, "updated": STAMP})
            status = {c: rng.choice(("doing", "done")) for c in CODERS if rng.random() < 0.5}
            handle.write(orjson.dumps({"id": f"doc-{d}", "title": f"Doc {d}", "text": text,
                                       "metadata": {"outlet": "Bench"}, "status": status,
                                       "annotations": anns}))
            handle.write(b"\n")
    tmp.replace(path)


def cli(project: Path, *args: str) -> float:
    """Seconds for one fresh ``desk-annotator --project PROJECT ARGS`` process (it must exit 0)."""
    return cli_timed(project, *args)[0]


def cli_timed(project: Path, *args: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one fresh ``desk-annotator`` process."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # The installed console script: the very program a user starts.
    program = Path(sys.executable).with_name("desk-annotator")
    done = subprocess.run([str(program), "--project", str(project), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"desk-annotator {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return elapsed, cpu


def dataset(n_docs: int, per_doc: int) -> Path:
    """The cached dataset JSONL file of this size (written now when missing)."""
    path = cache_dir() / f"dataset-{n_docs}x{per_doc}.jsonl"
    if not path.exists():
        print(f"writing {path} (once)…", file=sys.stderr, flush=True)
        _write_dataset(path, n_docs, per_doc)
    return path


def project(n_docs: int, per_doc: int) -> Path:
    """The cached project holding that dataset (imported through the CLI when missing)."""
    path = cache_dir() / f"project-{n_docs}x{per_doc}.sqlite"
    if not path.exists():
        source = dataset(n_docs, per_doc)
        building = path.with_name(path.name + ".building")
        for leftover in path.parent.glob(building.name + "*"):
            leftover.unlink()
        print(f"building {path} (once)…", file=sys.stderr, flush=True)
        cli(building, "import", "--add-missing-labels", str(source))
        building.rename(path)
    return path


def fresh_path(name: str) -> Path:
    """A path in the cache folder with no file (nor SQLite side file) there."""
    path = cache_dir() / name
    for side in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + side).unlink(missing_ok=True)
    return path


def timing_row(work: str, runs: list[tuple[float, float]], target: float) -> dict:
    """One benchmark row from (wall, CPU) seconds of each run: the medians."""
    return {"work": work, "measured": round(statistics.median(w for w, _ in runs), 2),
            "target": target, "unit": "s",
            "cpu": round(statistics.median(c for _, c in runs), 2)}


def main(measure: Callable[[int, int, int], list[dict]], description: str,
         documents: int) -> int:
    """The shared command line of the exchange benchmarks: sizes, repeats, text or --json."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--documents", type=int, default=documents)
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

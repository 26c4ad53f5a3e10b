"""The open checks and `stats` (issue 14's rows), each in fresh processes, median of 3.

    .venv/bin/python benchmarks/bench_open_checks.py [--runs 3] [--json] [--source DIR]

Rows:
- CLI open of the 1 M-annotation project (``big``): ``Project(path)`` as every CLI command
  opens it (recognition, the bounded page check, the queued quotes, the version note);
- the quote check of every annotation of one 1 MB document with 50,000 annotations and one
  5 MB document with 25,000 (what an open costs when all of them are queued, as after a
  migration or another program's rewrite) — ``check_integrity(full=True)``'s quote part;
- ``desk-annotator stats`` on the 5 MB project, through the real CLI (click), in-process.

Each figure is measured inside a fresh process after its imports (the imports are printed
beside it as ``from launch``: a fresh Python with pydantic, sqlite-utils and click takes a few
hundred milliseconds before any of our code runs). Projects: benchmarks/big_projects.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = [
    # (key, work, project kind, target seconds)
    ("open", "CLI open of a 1 M-annotation project (page check + quote queue)", "big", 0.3),
    ("open1", "open + quote check, 1 MB document / 50,000 annotations (queue as after a "
     "session)", "long1", 0.3),
    ("open5", "open + quote check, 5 MB document / 25,000 annotations (queue as after a "
     "session)", "long5", 0.5),
    ("quotes1", "quote integrity check, 1 MB document / 50,000 annotations (every quote)",
     "long1", 0.3),
    ("quotes5", "quote integrity check, 5 MB document / 25,000 annotations (every quote)",
     "long5", 0.5),
    ("stats5", "`desk-annotator stats` on the 5 MB / 25,000 project", "long5", 0.5),
]


def child(key: str, path: Path, launched: float) -> dict[str, float]:
    from desk_annotator.project import Project

    if key == "stats5":
        from click.testing import CliRunner

        from desk_annotator.cli import cli

        imported = time.monotonic()
        t0 = time.perf_counter()
        result = CliRunner().invoke(cli, ["--project", str(path), "stats"])
        measured = time.perf_counter() - t0
        assert result.exit_code == 0, result.output
    elif key in ("open", "open1", "open5"):
        imported = time.monotonic()
        t0 = time.perf_counter()
        project = Project(path)
        measured = time.perf_counter() - t0
        assert project.integrity_problems == [], project.integrity_problems
        project.close()
    else:
        imported = time.monotonic()
        project = Project(path, check_integrity=False)
        t0 = time.perf_counter()
        with project.reading():
            check = project.store.quote_problems(full=True)
        measured = time.perf_counter() - t0
        assert check.bad == [] and check.checked > 0
        project.close()
    return {"measured": measured, "imports": imported - launched,
            "from_launch": time.monotonic() - launched}


def run_once(key: str, path: Path, source: Path | None) -> dict[str, float]:
    env = dict(os.environ, DESK_ANNOTATOR_HOME=tempfile.mkdtemp(prefix="desk-bench-home-"))
    if source is not None:
        env["PYTHONPATH"] = f"{source}{os.pathsep}{env.get('PYTHONPATH', '')}"
    launched = time.monotonic()
    done = subprocess.run([sys.executable, __file__, "--child", key, "--project", str(path),
                           "--launched", repr(launched)], capture_output=True, text=True,
                          env=env, check=False, cwd=str(source or HERE.parent))
    if done.returncode != 0:
        raise RuntimeError(f"the open-check child failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON object per row")
    parser.add_argument("--rows", default=",".join(r[0] for r in ROWS))
    parser.add_argument("--source", type=Path, help="a checkout to measure instead of this one")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--launched", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.project, args.launched)))
        return 0
    sys.path.insert(0, str(HERE))
    from big_projects import ensure

    wanted = args.rows.split(",")
    for key, work, kind, target in ROWS:
        if key not in wanted:
            continue
        path = ensure(kind)
        runs = [run_once(key, path, args.source) for _ in range(args.runs)]
        measured = statistics.median(r["measured"] for r in runs)
        row = {"work": work, "measured": round(measured, 3), "target": target, "unit": "s",
               "ratio": round(measured / target, 2),
               "from_launch": round(statistics.median(r["from_launch"] for r in runs), 2),
               "runs": [round(r["measured"], 3) for r in runs]}
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            verdict = "OK" if measured < target else "ABOVE TARGET"
            print(f"{work}: {measured:.3f} s (target < {target} s) {verdict}; whole process "
                  f"from launch {row['from_launch']:.2f} s; runs {row['runs']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

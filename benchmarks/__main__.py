"""Every row of issue 14's table in one run: ``python -m benchmarks [--quick] [--only ROW]``.

Each benchmark script runs as a fresh subprocess and reports its rows on stdout as JSON
objects, one per line (its ``--json`` mode): ``{"work": ..., "measured": number, "target":
number or null, "unit": "s" | "ms" | "GB" | "x", ...}``; "measured below target" holds. Scripts
that take ``--runs`` take the median of 3 fresh processes themselves; the others are run 3
times here and the median of each row is shown. A script or a ``--json`` mode that is not
there yet is shown as "not measured (missing: ...)" with the rows it is to measure, so the
table is always whole. ``--quick``: one run of everything. Big projects are built once and
cached under /tmp (benchmarks/big_projects.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Job:
    key: str  # for --only
    script: str
    args: list[str]
    rows: list[tuple[str, str]]  # (work, target) as in the issue, shown when not measured
    own_runs: bool = False  # takes --runs and reports medians itself
    results: list[dict] = field(default_factory=list)
    missing: str | None = None


def jobs() -> list[Job]:
    return [
        Job("startup", "bench_startup.py", ["--kind", "big", "--json"],
            [("start to usable window, 10,000 docs / 1 M annotations, cold", "< 2 s")],
            own_runs=True),
        Job("startup", "bench_startup.py", ["--kind", "wide", "--json"],
            [("same, 50,000 documents, cold", "< 3 s")], own_runs=True),
        Job("gui", "bench_gui.py", ["--json"],
            [("main window built + shown, current document 1 MB / 5,000 annotations",
              "< 300 ms"), ("open + paint, 1 MB / 50,000 annotations", "< 300 ms"),
             ("open + paint, 5 MB / 25,000 annotations", "< 500 ms")], own_runs=True),
        Job("agreement", "bench_agreement.py", ["--json", "--rows", "package,scale"],
            [("agreement, 1 M characters x 10 coders (100 docs)", "<= the package"),
             ("agreement, 50 M characters x 10 coders (5,000 docs)", "< 10 s, < 2 GB")]),
        Job("qdpx", "bench_qdpx.py", ["--json"],
            [(".qdpx export / import of 100,000 annotations", "< 2 s each")]),
        Job("jsonl", "bench_jsonl_export.py", ["--json"],
            [("JSONL export of 1 M annotations (CLI)", "< 5 s"),
             ("JSONL import of 1 M annotations", "< 10 s")]),
        Job("open", "bench_open_checks.py", ["--json"],
            [("CLI open of a 1 M-annotation project", "< 0.3 s"),
             ("quote integrity check, 1 MB / 50,000", "< 0.3 s"),
             ("same, 5 MB / 25,000; `desk-annotator stats` on it", "< 0.5 s")], own_runs=True),
        Job("agreement", "bench_agreement.py", ["--json", "--rows", "cli,growth"],
            [("`agreement` CLI on a real 1 M-annotation project", "< 5 s, < 1 GB"),
             ("agreement, 10 M characters, 3 -> 10 coders", "<= pairs x spans")]),
        # issue 12's row: the tables as a fresh process computes them
        Job("tables", "bench_tables.py", ["--json"],
            [("tables: frequencies, 1 M annotations, fresh CLI process", "< 1 s"),
             ("tables: crosstab stance x outlet, 1 M annotations, fresh CLI process", "< 1 s")],
            own_runs=True),
    ]


def _supports_json(script: Path) -> bool:
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                          text=True, check=False, timeout=120)
    return done.returncode == 0 and "--json" in done.stdout


def run_job(job: Job, runs: int) -> None:
    script = HERE / job.script
    if not script.exists():
        job.missing = f"benchmarks/{job.script}"
        return
    if not _supports_json(script):
        job.missing = f"--json mode of benchmarks/{job.script}"
        return
    argv = [sys.executable, str(script), *job.args]
    repeats = 1
    if job.own_runs:
        argv += ["--runs", str(runs)]
    else:
        repeats = runs
    by_work: dict[str, list[dict]] = {}
    for _ in range(repeats):
        done = subprocess.run(argv, capture_output=True, text=True, check=False,
                              cwd=str(HERE.parent))
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            job.missing = f"a working run of benchmarks/{job.script} ({tail[0][:120]})"
            return
        for line in done.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                row = json.loads(line)
                by_work.setdefault(str(row.get("work")), []).append(row)
    for rows in by_work.values():
        row = dict(rows[-1])
        values = [r["measured"] for r in rows if isinstance(r.get("measured"), (int, float))]
        if values:
            row["measured"] = statistics.median(values)
        job.results.append(row)


def _cells(row: dict) -> tuple[str, str, str, str, str]:
    unit = row.get("unit", "")
    measured, target = row.get("measured"), row.get("target")
    shown = f"{measured:,.3g} {unit}" if isinstance(measured, (int, float)) else str(measured)
    if isinstance(target, (int, float)) and isinstance(measured, (int, float)) and target:
        ratio = f"{measured / target:.2f}"
        holds = "yes" if measured <= target else "NO"
        return row["work"], shown, f"{target:g} {unit}", ratio, holds
    return row["work"], shown, "—" if target is None else str(target), "—", "—"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one run of each, not three")
    parser.add_argument("--only", action="append",
                        help="run only these rows (startup, gui, agreement, qdpx, jsonl, open)")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    table: list[tuple[str, str, str, str, str]] = []
    started = time.monotonic()
    for job in jobs():
        if args.only and job.key not in args.only:
            continue
        print(f"running benchmarks/{job.script} {' '.join(job.args)} …", file=sys.stderr,
              flush=True)
        run_job(job, runs)
        if job.missing:
            table += [(work, f"not measured (missing: {job.missing})", target, "—", "—")
                      for work, target in job.rows]
        else:
            table += [_cells(r) for r in job.results]
    header = ("work", "measured", "target", "ratio", "holds?")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for cells in table:
        print("| " + " | ".join(cells) + " |")
    print(f"\n({runs} run(s) each; {time.monotonic() - started:.0f} s in all; figures are "
          "noisy on a busy machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Agreement benchmarks (DESIGN §6, issue 14's agreement rows), measured as the user waits.

    .venv/bin/python benchmarks/bench_agreement.py                  # every row, as a table
    .venv/bin/python benchmarks/bench_agreement.py --json           # one JSON object per row
    .venv/bin/python benchmarks/bench_agreement.py --rows package,cli  # some rows only

Rows (keys for --rows):

- ``package``: the whole report (every measure, 1000 bootstrap resamples) against the
  `krippendorff` package's nominal α alone on the same stance matrix, at 1 M characters × 3 and
  × 10 coders and 10 M × 3 (target: ours ≤ theirs, ratio ≤ 1).
- ``scale``: 50 M characters × 10 coders (5,000 documents) in a fresh child process: seconds
  of compute_agreement (< 10 s) and the child's peak memory (< 2 GB).
- ``cli``: ``desk-annotator agreement -o report.json`` on the cached 1 M-annotation project
  (benchmarks/big_projects.py ``big``) as a fresh subprocess, imports and open included
  (< 5 s), and its peak memory (< 1 GB).
- ``growth``: 10 M characters, 3 → 10 coders: the time ratio against the ratio of coder
  pairs × spans per coder (the work the pairwise measures have to do).

Synthetic data: a shared "true" coding per document (sentence-sized passages) that every
coder follows with jittered boundaries, other labels now and then, misses and extra spans.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desk_annotator.agreement import AgreementData, compute_agreement
from desk_annotator.agreement.data import DocUnits, SpanColumns
from desk_annotator.agreement.segments import (
    MISSING,
    build_segments,
    character_matrix,
)

STANCES = ["supportive", "critical", "neutral", "mixed"]
THEMES = ["open source", "export controls", "safety", "labour", "copyright", "military",
          "competition", "privacy"]
GB = 1024 ** 3


def synthetic(n_docs: int, length: int, n_coders: int = 3, seed: int = 1) -> AgreementData:
    """Spans straight into columns (AgreementData.columns), as a project read gives them."""
    rng = np.random.default_rng(seed)
    coders = [f"coder-{i + 1}" for i in range(n_coders)]
    n_true = rng.integers(8, 25, n_docs)
    true_doc = np.repeat(np.arange(n_docs), n_true)
    true_start = rng.integers(0, length - 50, true_doc.size)
    true_len = rng.integers(40, 600, true_doc.size)
    true_stance = rng.integers(0, len(STANCES) + 1, true_doc.size)  # 0: theme-only
    coded = rng.random((n_docs, n_coders)) < 0.95
    parts = []
    for m in range(n_coders):
        keep = coded[true_doc, m] & (rng.random(true_doc.size) >= 0.1)  # missed passages
        d = true_doc[keep]
        s = np.maximum(0, true_start[keep] + rng.integers(-15, 16, d.size))
        e = np.minimum(length, true_start[keep] + true_len[keep] + rng.integers(-15, 16, d.size))
        st = np.where(rng.random(d.size) < 0.15, rng.integers(0, len(STANCES) + 1, d.size),
                      true_stance[keep])
        n_extra = rng.integers(0, 4, n_docs) * coded[:, m]
        xd = np.repeat(np.arange(n_docs), n_extra)
        xs = rng.integers(0, length - 10, xd.size)
        xe = np.minimum(length, xs + rng.integers(5, 300, xd.size))
        xst = rng.integers(1, len(STANCES) + 1, xd.size)
        d, s, e, st = (np.concatenate(p) for p in ((d, xd), (s, xs), (e, xe), (st, xst)))
        ok = e > s
        parts.append((d[ok], np.full(ok.sum(), m), s[ok], e[ok], st[ok]))
    doc, coder, start, end, stance = (np.concatenate(p) for p in zip(*parts))
    order = np.lexsort((start, coder, doc))
    doc, coder, start, end, stance = (a[order] for a in (doc, coder, start, end, stance))
    has_theme = rng.random((doc.size, len(THEMES))) < 0.12
    theme_span, theme_idx = np.nonzero(has_theme)
    created = 1.75e9 + rng.integers(0, 28, doc.size) * 86400.0
    columns = SpanColumns(doc.astype(np.int64), coder.astype(np.int64), start.astype(np.int64),
                          end.astype(np.int64), stance.astype(np.int16), created,
                          theme_span.astype(np.int64), theme_idx.astype(np.int64))
    docs = [DocUnits(f"doc-{d}", f"Document {d}", length,
                     {coders[m] for m in np.flatnonzero(coded[d])}, set(), {})
            for d in range(n_docs)]
    return AgreementData(coders, list(STANCES), list(THEMES), docs, columns=columns)


def _timed_report(data: AgreementData) -> float:
    t0 = time.perf_counter()
    compute_agreement(data, bootstrap=1000)
    return time.perf_counter() - t0


def _package_alpha(data: AgreementData) -> tuple[float, float]:
    """Seconds of krippendorff.alpha on the stance character matrix (built beforehand, not
    counted), and its value."""
    import krippendorff  # benchmark/test-only reference

    matrix = character_matrix(build_segments(data)).astype(float)
    matrix[matrix == MISSING] = np.nan
    t0 = time.perf_counter()
    value = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal",
                               value_domain=list(range(len(STANCES) + 1)))
    return time.perf_counter() - t0, float(value)


def row(work: str, measured: float, target: float, unit: str, **extra: object) -> dict:
    return {"work": work, "measured": round(measured, 3), "target": round(target, 3), "unit": unit,
            "ratio": round(measured / target, 3) if target else None, **extra}


def rows_package() -> list[dict]:
    out = []
    for n_docs, length, coders in ((100, 10_000, 3), (100, 10_000, 10), (1000, 10_000, 3)):
        data = synthetic(n_docs, length, coders)
        ours = min(_timed_report(data) for _ in range(2))
        theirs, their_alpha = _package_alpha(data)
        ours_alpha = compute_agreement(data, bootstrap=0)["stance"]["alpha"]
        assert abs(their_alpha - ours_alpha) < 1e-9, (their_alpha, ours_alpha)
        chars = n_docs * length
        out.append(row(f"agreement, {chars / 1e6:g} M characters x {coders} coders "
                       f"({n_docs} docs), all measures vs the krippendorff package's alpha",
                       ours, theirs, "s", package_seconds=round(theirs, 3)))
    return out


def _run_measured(argv: list[str]) -> tuple[float, int, str]:
    """Wall seconds from launch to exit, peak RSS of the child (bytes), its stdout."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed: {err.decode()[-800:]}")
    return seconds, usage.ru_maxrss * 1024, out.decode()


def rows_scale() -> list[dict]:
    seconds, peak, out = _run_measured([sys.executable, __file__, "--child-scale"])
    child = json.loads(out.strip().splitlines()[-1])
    work = "agreement, 50 M characters x 10 coders (5,000 docs), all measures"
    # The report may fork a helper for half the theme blocks (agreement/parallel.py): its
    # peak is added to this process's, which over-counts the pages the two share.
    helper = child["helper_peak_bytes"]
    own = child["own_peak_bytes"]
    return [row(work, child["seconds"], 10.0, "s", cpu_seconds=child["cpu_seconds"],
                load_average=child["load_average"]),
            row(work + ": peak memory (report process + forked helper)", (own + helper) / GB,
                2.0, "GB", process_seconds=round(seconds, 1), own_gb=round(own / GB, 3),
                helper_gb=round(helper / GB, 3), waited_peak_gb=round(peak / GB, 3))]


def _own_peak_bytes(maxrss_kib: int) -> int:
    """This process's peak resident memory since its exec: VmHWM. getrusage's ru_maxrss is
    kept across exec, so a child started by a parent that had grown big (the package rows ran
    the krippendorff package at 10 M characters in the parent: 6-7 GB) reported the parent's
    peak as its own."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return maxrss_kib * 1024


def child_scale() -> None:
    import resource

    data = synthetic(5000, 10_000, 10)
    cpu = time.process_time()
    seconds = _timed_report(data)
    mine, helpers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                        resource.RUSAGE_CHILDREN))
    print(json.dumps({"seconds": seconds, "own_peak_bytes": _own_peak_bytes(mine.ru_maxrss),
                      "helper_peak_bytes": helpers.ru_maxrss * 1024,
                      "cpu_seconds": round(time.process_time() - cpu
                                           + helpers.ru_utime + helpers.ru_stime, 2),
                      "load_average": round(os.getloadavg()[0], 2)}))


def rows_cli(project: Path | None) -> list[dict]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from big_projects import ensure  # the cached 10,000 documents x 100 annotations

    path = ensure("big", project)
    home = tempfile.mkdtemp(prefix="desk-bench-home-")
    out = Path(tempfile.mkdtemp(prefix="desk-bench-agreement-")) / "report.json"
    cli = Path(sys.executable).with_name("desk-annotator")
    argv = [str(cli)] if cli.exists() else [sys.executable, "-m", "desk_annotator.cli"]
    os.environ["DESK_ANNOTATOR_HOME"] = home
    # The child's CPU seconds beside its wall time: on a shared machine the wall clock also
    # counts the waits for a core, which the load average shows.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, peak, _ = _run_measured(argv + ["--project", str(path), "agreement", "-o",
                                             str(out)])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for folder in (home, out.parent):  # the child's home and its report: temporary
        shutil.rmtree(folder, ignore_errors=True)
    load = round(os.getloadavg()[0], 2)
    work = "`agreement` CLI on a real 1 M-annotation project (all measures, fresh process)"
    return [row(work, seconds, 5.0, "s", cpu_seconds=round(cpu, 2), load_average=load),
            row(work + ": peak memory", peak / GB, 1.0, "GB", load_average=load)]


def rows_growth() -> list[dict]:
    times, work = {}, {}
    for coders in (3, 10):
        data = synthetic(1000, 10_000, coders)
        times[coders] = min(_timed_report(data) for _ in range(1))
        spans = data.columns.doc.size if data.columns is not None else 0
        work[coders] = coders * (coders - 1) / 2 * spans / coders  # pairs x spans per coder
    allowed = work[10] / work[3]
    return [row("agreement, 10 M characters, 3 -> 10 coders: time ratio", times[10] / times[3],
                round(allowed, 2), "x", seconds_3=round(times[3], 2),
                seconds_10=round(times[10], 2))]


ROWS = {"package": rows_package, "scale": rows_scale, "cli": rows_cli, "growth": rows_growth}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default=",".join(ROWS),
                        help=f"comma-separated rows to run ({', '.join(ROWS)})")
    parser.add_argument("--json", action="store_true", help="one JSON object per row")
    parser.add_argument("--project", type=Path, help="the 1 M-annotation project (cached)")
    parser.add_argument("--child-scale", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_scale:
        child_scale()
        return 0
    for key in args.rows.split(","):
        if key not in ROWS:
            parser.error(f"unknown row {key!r} (known: {', '.join(ROWS)})")
        results = ROWS[key](args.project) if key == "cli" else ROWS[key]()
        for r in results:
            if args.json:
                print(json.dumps(r), flush=True)
            else:
                verdict = "ok" if r["measured"] <= r["target"] else "MISSED"
                print(f"{r['work']}: {r['measured']:.2f} {r['unit']} (target {r['target']} "
                      f"{r['unit']}, ratio {r['ratio']}) {verdict}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The agreement report holds BLAS to one thread (agreement/parallel.py): its bytes must not
depend on how many threads the machine's BLAS would use, and the limit must be lifted after."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from threadpoolctl import threadpool_info

from desk_annotator.agreement import compute_agreement, parallel

ROOT = Path(__file__).resolve().parent.parent

# 400 documents x 10,000 characters, 3 coders, 200 resamples: the smallest synthetic study
# (the benchmark's generator) whose report changed its last digits with two BLAS threads
# before the limit existed. ``nopin`` replaces the limit by nothing, to show that it matters.
_REPORT = """
import contextlib, json, sys
sys.path.insert(0, {bench!r})
from bench_agreement import synthetic
from desk_annotator.agreement import compute_agreement, parallel
if sys.argv[1] == "nopin":
    parallel.one_blas_thread = contextlib.nullcontext
report = compute_agreement(synthetic(400, 10_000, 3), bootstrap=200, workers=1)
print(json.dumps(report, sort_keys=True))
"""


def _report(threads: int, mode: str) -> str:
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    done = subprocess.run(
        [sys.executable, "-c", _REPORT.format(bench=str(ROOT / "benchmarks")), mode],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_report_bytes_do_not_depend_on_the_blas_thread_count() -> None:
    one, two = _report(1, "pin"), _report(2, "pin")
    assert one == two
    if _report(1, "nopin") == _report(2, "nopin"):
        pytest.skip("this machine's BLAS gave the same digits at both thread counts even "
                    "without the limit, so the comparison above proved nothing here")


def test_the_limit_holds_while_any_report_runs_and_is_lifted_after() -> None:
    # Overlapping reports, the first ending before the second, in this thread: OpenBLAS took
    # a limit set from another thread only in a fresh process (after the GUI tests it kept
    # two threads there), so the cross-thread case is not what this checks.
    before = _blas_threads()
    if not before:
        pytest.skip("no BLAS library loaded that threadpoolctl can see")
    first = parallel.one_blas_thread()
    second = parallel.one_blas_thread()
    first.__enter__()
    seen = {"first": _blas_threads()}
    second.__enter__()
    first.__exit__(None, None, None)
    seen["second, after the first left"] = _blas_threads()
    second.__exit__(None, None, None)
    assert seen == {"first": [1] * len(before), "second, after the first left": [1] * len(before)}
    assert _blas_threads() == before


def test_a_report_leaves_the_blas_threads_as_they_were() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_agreement import synthetic
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    before = _blas_threads()
    compute_agreement(synthetic(20, 2_000, 3), bootstrap=20, workers=1)
    assert _blas_threads() == before

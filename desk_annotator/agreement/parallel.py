"""An optional second process for the agreement report (issue 14: big studies).

The report's schemes (the stance and each theme) are independent once the segments, spans and
resample weights exist, so on a machine with two or more cores a forked child can compute some
theme blocks while this process computes the rest. Forking shares the inputs without copying
or pickling them; only the finished blocks (plain JSON-able data) come back through a pipe.
The figures are those of the serial run: the same functions on the same arrays.

Forking is used only when it is safe and pays: the platform forks, this process runs a single
thread and has no GUI toolkit loaded (a forked copy of a multi-threaded process, such as the
GUI, may deadlock), at least two cores are ours, and the input is big (see `worth_it`). The child leaves through
``os._exit`` so it never runs the parent's clean-up (open database handles, temporary files).
If the child fails or dies, its share is computed here instead.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

Child = TypeVar("Child")
Parent = TypeVar("Parent")

# Below about this many spans a fork and the pipe cost more than the second core saves
# (measured: 1 M characters x 10 coders, ~14,000 spans, ran no faster). The count of coders
# does not matter: with 3 coders and 1 M spans (the CLI benchmark's project) the two halves
# took 12.3 s and 11.0 s of CPU where one process took 22.1 s.
MIN_SPANS = 100_000


# A GUI toolkit runs native threads that Python's thread count does not see; any loaded
# binding of it has a `<binding>.QtCore` module (this module never imports one).
GUI_CORE_SUFFIX = ".QtCore"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity masks
        return os.cpu_count() or 1


def available() -> bool:
    # Linux only: macOS offers fork too, but its system frameworks (Accelerate under numpy,
    # among others) are not safe in a forked child, and Windows has no fork.
    return (sys.platform.startswith("linux")
            and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1 and _cores() >= 2
            and not any(name.endswith(GUI_CORE_SUFFIX) for name in list(sys.modules)))


def worth_it(n_coders: int, n_spans: int) -> bool:
    return n_coders >= 2 and n_spans >= MIN_SPANS and available()


def shared_counter():
    """An integer both processes of a split see (made before the fork; from 0)."""
    return multiprocessing.get_context("fork").Value("i", 0)


def claim(counter) -> int:
    """The counter's value, and one more for the next caller (either process)."""
    with counter.get_lock():
        value = counter.value
        counter.value = value + 1
    return value


def _run_child(child: Callable[[], object], writer) -> None:  # pragma: no cover - child side
    try:
        writer.send(("ok", child()))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which recomputes
        writer.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        writer.close()
        os._exit(0)


def split(child: Callable[[], Child], parent: Callable[[], Parent]) -> tuple[Child, Parent]:
    """(child(), parent()) with child() run in a forked process while parent() runs here."""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_run_child, args=(child, writer), daemon=True)
    process.start()
    writer.close()
    try:
        mine = parent()
    except BaseException:
        process.terminate()
        process.join()
        reader.close()
        raise
    try:
        status, payload = reader.recv()
    except EOFError:  # the child died without an answer
        status, payload = "error", "no answer"
    finally:
        reader.close()
        process.join()
    return (payload if status == "ok" else child()), mine


# --- one BLAS thread while a report is computed ----------------------------------------------
# OpenBLAS runs a large product on as many threads as there are cores and adds the threads'
# parts in an order that depends on that count, so without this the last digits of some
# bootstrap intervals differed between a 1-core and a 2-core machine. And when the report
# forks (split), each process's BLAS threads spun on the cores the other process computes on:
# the 1 M-annotation report's measures took 7.7 s instead of 5.4 s under numpy 2.4 (its
# OpenBLAS 0.3.31), 6.8 instead of 5.9 s under numpy 1.26. The limit is process-wide (BLAS
# has no per-thread setting), so overlapping reports (the window and an export) share one
# limit, lifted when the last of them ends. Set from a worker thread (the window's report),
# OpenBLAS took it in a fresh process but not always after other BLAS work had run (seen
# after the GUI tests): the CLI and scripts compute in their main thread, where it holds.
_blas_lock = threading.Lock()
_blas_users = 0
_blas_limit: Any = None


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the body with BLAS (numpy's and SciPy's OpenBLAS) limited to one thread; a forked
    child inherits the limit."""
    global _blas_users, _blas_limit
    from threadpoolctl import threadpool_limits

    with _blas_lock:
        if _blas_users == 0:
            _blas_limit = threadpool_limits(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()
                _blas_limit = None

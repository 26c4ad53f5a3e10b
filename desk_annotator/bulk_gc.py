"""Pausing Python's cyclic garbage collector while a bulk import builds its objects.

A million-annotation import creates millions of small objects that all stay alive until the
import ends and form no reference cycles. Each of the collector's full passes walks every one
of them and frees nothing: measured, a third of the time of reading a dataset file. Reference
counting still frees everything as usual; only the cycle search waits until the end.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the body with the cyclic collector off (nested use is fine: only the outermost
    pause turns it back on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

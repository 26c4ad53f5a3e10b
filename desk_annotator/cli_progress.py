"""A status line on the terminal while ``import`` reads and writes (issue 14: a million
annotations take most of a minute, and the command used to say nothing until the end).

Only when stderr is a terminal: scripts, pipes and CI logs get exactly the output they got
before (the report on stdout, errors on stderr). The line is rewritten in place and cleared
before the report is printed, so it never mixes with it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

_CLEAR = "\r\x1b[K"  # carriage return, then erase to the end of the line


class StatusLine:
    """The progress callback of ``import_paths`` (files read, files in all, file name)."""

    def __init__(self, stream: TextIO, sizes: dict[str, int]) -> None:
        self.stream = stream
        self.sizes = sizes  # file name -> bytes (files given by name; not those in folders)
        self.started = time.monotonic()

    def show(self, text: str) -> None:
        self.stream.write(f"{_CLEAR}{text}")
        self.stream.flush()

    def __call__(self, done: int, total: int, name: str) -> None:
        if done >= total:  # every file read: the write into the project follows
            self.show(f"read in {time.monotonic() - self.started:.0f} s; writing into the "
                      "project…")
            return
        parts = [f"{done + 1} of {total}"] if total > 1 else []
        size = self.sizes.get(name)
        if size:
            parts.append(_megabytes(size))
        self.show(f"reading {name}" + (f" ({', '.join(parts)})" if parts else "") + "…")

    def clear(self) -> None:
        self.stream.write(_CLEAR)
        self.stream.flush()


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} kB"


def _file_sizes(paths: list[str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for p in paths:
        path = Path(p)
        try:
            if path.is_file():
                sizes[path.name] = path.stat().st_size
        except OSError:
            continue  # the import itself says what is wrong with the path
    return sizes


@contextmanager
def import_status(paths: list[str], stream: TextIO | None = None) -> Iterator[StatusLine | None]:
    """A StatusLine for the import of ``paths`` when ``stream`` (default stderr) is a
    terminal, else None; the line is cleared when the block ends, also on an error."""
    stream = sys.stderr if stream is None else stream
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        interactive = False
    if not interactive:
        yield None
        return
    line = StatusLine(stream, _file_sizes(paths))
    try:
        yield line
    finally:
        line.clear()

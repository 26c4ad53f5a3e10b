"""Small pieces the exchange readers and writers share: atomic writes, problem lists, lookups."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Annotated, Any

from pydantic import AfterValidator, ValidationError

from desk_annotator.atomic import WriteFailed, atomic_path, describe_os_error
from desk_annotator.errors import FormatError
from desk_annotator.io.untrusted import read_lines
from desk_annotator.models import Annotation, Label, ProjectSnapshot

MAX_LISTED_PROBLEMS = 20


def _iso_time(value: str | None) -> str | None:
    if value is not None:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    return value


# A created/updated time in an exchange file: absent, or ISO 8601 (refused otherwise).
IsoTime = Annotated[str | None, AfterValidator(_iso_time)]


@contextmanager
def atomic_text_writer(path: Path, *, newline: str = "\n") -> Iterator[IO[str]]:
    """Open a temp file beside ``path``; it replaces ``path`` only if the block finishes.

    A failed or interrupted export therefore never leaves a half-written file behind, and an
    older file at ``path`` survives untouched. The temporary name and the clean-up of stale
    ones are :func:`desk_annotator.atomic.atomic_path`'s; an OSError (a full disk, a read-only
    folder) becomes one :class:`~desk_annotator.atomic.WriteFailed` line naming ``path``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteFailed(describe_os_error(exc, path)) from exc
    with atomic_path(path) as tmp:
        with open(tmp, "x", encoding="utf-8", newline=newline) as handle:
            yield handle


@contextmanager
def atomic_binary_writer(path: Path) -> Iterator[IO[bytes]]:
    """:func:`atomic_text_writer` for bytes (zip archives, XML)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteFailed(describe_os_error(exc, path)) from exc
    with atomic_path(path) as tmp:
        with open(tmp, "xb") as handle:
            yield handle


def raise_if_problems(source: object, problems: list[str], what: str = "problem") -> None:
    """Raise one FormatError listing every problem (the first MAX_LISTED_PROBLEMS of them)."""
    if not problems:
        return
    count = len(problems)
    if count == 1:  # one problem, one line
        raise FormatError(f"{source}: {problems[0]}; nothing was imported")
    lines = [f"{source}: {count} {what}s, nothing was imported:"]
    lines += [f"  - {p}" for p in problems[:MAX_LISTED_PROBLEMS]]
    if count > MAX_LISTED_PROBLEMS:
        lines.append(f"  ... and {count - MAX_LISTED_PROBLEMS} more")
    raise FormatError("\n".join(lines))


def validation_problems(exc: ValidationError, prefix: str) -> list[str]:
    """Turn a pydantic ValidationError into one readable line per error."""
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in err["loc"])
        where = ", ".join(part for part in (prefix, loc) if part) or "top level"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == r"\S":
            msg = "must not be blank"
        out.append(f"{where}: {msg}")
    return out


def metadata_value(value: Any) -> str | None:
    """Document metadata holds strings: numbers and booleans become text, structures JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def title_from_text(text: str, limit: int = 80) -> str:
    """The first non-blank line, shortened: a title for records that bring none."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return "Untitled"


class SnapshotIndex:
    """Lookups exporters need on a snapshot, with a clear error for a dangling reference."""

    def __init__(self, snapshot: ProjectSnapshot) -> None:
        self.snapshot = snapshot
        self.coder_names = {c.id: c.name for c in snapshot.coders}
        self.labels: dict[str, Label] = snapshot.codebook.by_id()
        self.documents = {d.id: d for d in snapshot.documents}
        self.by_document: dict[str, list[Annotation]] = {d.id: [] for d in snapshot.documents}
        for ann in snapshot.annotations:
            bucket = self.by_document.get(ann.document_id)
            if bucket is None:
                raise FormatError(
                    f"annotation {ann.id} refers to unknown document {ann.document_id}"
                )
            bucket.append(ann)
        for bucket in self.by_document.values():
            bucket.sort(key=lambda a: (a.start, a.end, a.created))

    def coder_name(self, ann: Annotation) -> str:
        try:
            return self.coder_names[ann.coder_id]
        except KeyError:
            raise FormatError(f"annotation {ann.id} refers to unknown coder {ann.coder_id}") from None

    def label_name(self, ann: Annotation, label_id: str) -> str:
        try:
            return self.labels[label_id].name
        except KeyError:
            raise FormatError(f"annotation {ann.id} refers to unknown label {label_id}") from None

    def stance_name(self, ann: Annotation) -> str | None:
        return None if ann.stance_id is None else self.label_name(ann, ann.stance_id)

    def theme_names(self, ann: Annotation) -> list[str]:
        return [self.label_name(ann, t) for t in ann.theme_ids]


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of a UTF-8 JSONL file, with the per-line and per-file caps and
    line-numbered decoding errors of :func:`desk_annotator.io.untrusted.read_lines`."""
    return read_lines(path)

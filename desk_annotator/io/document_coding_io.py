"""Article-level codings in the dataset JSONL (see docs/article-coding.md).

An added key per line, ``"document_coding": {"coder-1": {"stance": "critical", "themes":
["open source"], "note": null, "updated": "..."}}`` — labels by name, as the annotations
carry them; a line without it is read as before. (REFI-QDA: io/refi_document_codings.py.)
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..models import DocumentCodingRecord, ProjectSnapshot
from .exchange_common import atomic_text_writer


class DatasetDocumentCoding(BaseModel):
    """One coder's article coding inside a record (the additive ``document_coding`` key)."""

    model_config = ConfigDict(extra="ignore")

    stance: str | None = None
    themes: list[str] = Field(default_factory=list)
    note: str | None = None
    updated: str | None = None

    @field_validator("stance")
    @classmethod
    def _visible(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("a stance name needs a visible character")
        return value

    @field_validator("themes")
    @classmethod
    def _visible_themes(cls, value: list[str]) -> list[str]:
        if any(not t.strip() for t in value):
            raise ValueError("a theme name needs a visible character")
        return value

    @field_validator("updated")
    @classmethod
    def _iso(cls, value: str | None) -> str | None:
        from datetime import datetime

        if value is not None:
            try:
                datetime.fromisoformat(value)
            except ValueError as exc:
                raise ValueError(f"not an ISO 8601 time: {value!r}") from exc
        return value


def records_from_dataset(document_id: str, codings: dict[str, DatasetDocumentCoding],
                         coder_id: Callable[[str], str],
                         label_id: Callable[[str, str], str]) -> list[DocumentCodingRecord]:
    """The ``document_coding`` of one record as snapshot records (coders and labels by the
    builder's name lookups)."""
    out = []
    for coder_name, c in codings.items():
        stamp = {"updated": c.updated} if c.updated else {}
        out.append(DocumentCodingRecord(
            document_id=document_id, coder_id=coder_id(coder_name),
            stance_id=label_id("stance", c.stance) if c.stance else None,
            theme_ids=[label_id("themes", t) for t in dict.fromkeys(c.themes)],
            note=c.note, **stamp))
    return out


def dataset_dicts(snapshot: ProjectSnapshot) -> dict[str, dict[str, dict[str, Any]]]:
    """document id -> coder name -> the JSONL form, from a snapshot."""
    names = {lb.id: lb.name for lb in snapshot.codebook.labels}
    coders = {c.id: c.name for c in snapshot.coders}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for r in snapshot.document_codings:
        if r.coder_id in coders:
            out.setdefault(r.document_id, {})[coders[r.coder_id]] = {
                "stance": names.get(r.stance_id) if r.stance_id else None,
                "themes": [names[t] for t in r.theme_ids if t in names],
                "note": r.note, "updated": r.updated}
    return out


CSV_COLUMNS = ("document_id", "title", "coder", "stance", "themes", "note", "updated")


def write_codings_csv(path: Path, codings: dict[str, dict[str, dict[str, Any]]],
                      titles: dict[str, str]) -> int:
    """One row per (document, coder) article coding, themes ``;``-joined as in the passage
    CSV; returns the number of rows."""
    from desk_annotator.io.csv_export import THEME_SEPARATOR

    count = 0
    with atomic_text_writer(Path(path), newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for doc_id, per_coder in codings.items():
            for coder, c in per_coder.items():
                writer.writerow({"document_id": doc_id, "title": titles.get(doc_id, ""),
                                 "coder": coder, "stance": c["stance"] or "",
                                 "themes": THEME_SEPARATOR.join(c["themes"]),
                                 "note": c["note"] or "", "updated": c.get("updated") or ""})
                count += 1
    return count

"""Article-level codings in the dataset JSONL (see docs/article-coding.md).

An added key per line, ``"document_coding": {"coder-1": {"stance": "critical", "themes":
["open source"], "note": null, "updated": "..."}}`` — labels by name, as the annotations
carry them; a line without it is read as before. (REFI-QDA: io/refi_document_codings.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..models import DocumentCodingRecord, ProjectSnapshot


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

"""What an import would add, worked out before anything is written.

The reading half of an import (import_files.read_inputs) gives the files' contents; this
compares them with the project as ImportSnapshot and AddDocuments would (labels by GUID, then
by scheme and name; coders by GUID, then name; documents by the SHA-256 of the normalised
text) and says, per file, which labels would be added (per scheme), which coders are new and
which documents are new or already present, and which files would be refused. It only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .import_files import ReadInputs
from .text import normalize_text, sha256_text


@dataclass
class FilePreview:
    name: str
    labels_added: dict[str, list[str]] = field(default_factory=dict)  # scheme -> names
    coders_added: list[str] = field(default_factory=list)
    coders_present: list[str] = field(default_factory=list)
    documents_added: int = 0
    documents_present: int = 0
    annotations: int = 0
    refused: str | None = None  # why the file would be refused (labels it may not add)


@dataclass
class ImportPreview:
    files: list[FilePreview] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # files read_inputs refused

    @property
    def labels_added(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for f in self.files:
            if f.refused is None:
                for scheme, names in f.labels_added.items():
                    out.setdefault(scheme, []).extend(n for n in names
                                                      if n not in out.get(scheme, []))
        return out

    def lines(self) -> list[str]:
        """The preview as plain lines for a dialog or a terminal."""
        out: list[str] = []
        for f in self.files:
            out.append(f"{f.name}:")
            if f.refused:
                out.append(f"  refused: {f.refused}")
                continue
            out.append(f"  documents: {f.documents_added} new, {f.documents_present} already "
                       "in the project")
            if f.annotations:
                out.append(f"  annotations: {f.annotations}")
            if f.coders_added or f.coders_present:
                out.append("  coders: " + ", ".join(
                    [f"{c} (new)" for c in f.coders_added] + list(f.coders_present)))
            for scheme, names in f.labels_added.items():
                shown = "theme" if scheme == "themes" else scheme
                out.append(f"  {shown} labels to add: {', '.join(names)}")
        out += [f"not readable: {line}" for line in self.unreadable]
        return out


def preview_import(project: Any, read: ReadInputs, *,
                   add_missing_labels: bool = False) -> ImportPreview:
    """What writing ``read`` (import_files.write_steps) would add to ``project``; reads only.
    Files are compared with the project one at a time as it is now (what an earlier file of
    the same batch adds is not counted as present for a later one, except documents)."""
    q = project.q
    preview = ImportPreview(unreadable=list(read.refused))
    with project.reading():
        labels = q.labels()
        label_ids = {lb.id: lb for lb in labels}
        label_names = {(lb.scheme, lb.name) for lb in labels}
        coders = q.coders()
        coder_ids = {c.id for c in coders}
        coder_names = {c.name for c in coders}
        seen: set[str] = set()
        if read.articles:
            shas = [sha256_text(normalize_text(a.text)) for a in read.articles]
            present = q.document_ids_by_sha(shas)
            entry = FilePreview(name=f"{len(read.articles)} article file(s)")
            for sha in shas:
                if sha in present or sha in seen:
                    entry.documents_present += 1
                else:
                    entry.documents_added += 1
                seen.add(sha)
            preview.files.append(entry)
        for path, snap, _warnings in read.datasets:
            entry = FilePreview(name=Path(path).name, annotations=len(snap.annotations))
            used = {a.stance_id for a in snap.annotations if a.stance_id}
            used |= {t for a in snap.annotations for t in a.theme_ids}
            new_labels = [lb for lb in snap.codebook.labels
                          if not (lb.id in label_ids and label_ids[lb.id].scheme == lb.scheme)
                          and (lb.scheme, lb.name) not in label_names]
            own_codebook = Path(path).suffix.lower() != ".jsonl"
            missing_used = [lb for lb in new_labels if lb.id in used]
            if missing_used and not (add_missing_labels or own_codebook):
                per_scheme: dict[str, list[str]] = {}
                for lb in missing_used:
                    per_scheme.setdefault(lb.scheme, []).append(lb.name)
                entry.refused = ("it uses labels the codebook lacks (" + "; ".join(
                    f"{scheme}: {', '.join(names)}" for scheme, names in per_scheme.items())
                    + ")")
            for lb in sorted(new_labels, key=lambda lb: (lb.scheme, lb.order)):
                names = entry.labels_added.setdefault(lb.scheme, [])
                if lb.name not in names:
                    names.append(lb.name)
            for coder in snap.coders:
                known = coder.id in coder_ids or coder.name in coder_names
                (entry.coders_present if known else entry.coders_added).append(coder.name)
            shas = [sha256_text(normalize_text(d.text)) for d in snap.documents]
            present = q.document_ids_by_sha(shas)
            for sha in shas:
                if sha in present or sha in seen:
                    entry.documents_present += 1
                else:
                    entry.documents_added += 1
                if entry.refused is None:
                    seen.add(sha)
            preview.files.append(entry)
    return preview

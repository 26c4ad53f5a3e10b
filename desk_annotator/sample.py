"""The default project: created from the bundled codebook and sample corpus on first start."""

from __future__ import annotations

import logging
from pathlib import Path

from .paths import default_codebook_path, default_project_path, sample_corpus_dir
from .project import Project

log = logging.getLogger(__name__)


def fill_from_sample(project: Project) -> None:
    """Codebook, articles and the demo annotations of coder-1..coder-3."""
    # Here, not at the top: every command opens its project through this module, and only the
    # first start of the default project imports anything (project_io and its readers).
    from .project_io import import_codebook_file, import_paths

    if default_codebook_path().exists():
        import_codebook_file(project, default_codebook_path())
    corpus = sample_corpus_dir()
    if corpus.is_dir():
        # The dataset first, so every default project has the documents' ids of
        # annotations.jsonl (the guide's examples name them); the article files then match by
        # SHA-256 and add nothing. A folder import alone would give the articles new ids.
        dataset = corpus / "annotations.jsonl"
        batches = [[dataset], [corpus]] if dataset.is_file() else [[corpus]]
        for paths in batches:
            report = import_paths(project, paths, add_missing_labels=True)
            for line in report.refused + report.warnings:
                log.warning("sample corpus: %s", line)


def open_project(path: str | Path | None) -> Project:
    """Open ``path`` (created if missing); with None, the default project, filled on first use."""
    if path is not None:
        return Project(path)
    target = default_project_path()
    first_time = not target.exists()
    project = Project(target)
    if first_time:
        fill_from_sample(project)
    return project

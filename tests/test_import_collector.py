"""import_paths pauses Python's cyclic collector over the whole import (bulk_gc) and turns it
on again afterwards, also when a file is refused or the project cannot be written."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from desk_annotator.project import Project
from desk_annotator.project_io import import_paths


def _dataset(path: Path, quote: str = "alpha") -> Path:
    record = {"id": "d1", "title": "D", "text": "alpha beta",
              "annotations": [{"id": "a1", "start": 0, "end": 5, "quote": quote,
                               "coder": "c", "stance": "s", "themes": []}]}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_the_collector_is_on_after_an_import_a_refusal_and_a_refused_write(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DESK_ANNOTATOR_HOME", str(tmp_path / "home"))
    assert gc.isenabled()
    path = tmp_path / "p.sqlite"
    with Project(path) as project:
        seen: list[bool] = []
        project.subscribe(lambda _changed: seen.append(gc.isenabled()))
        report = import_paths(project, [_dataset(tmp_path / "ok.jsonl")],
                              add_missing_labels=True)
        assert report.annotations_added == 1
        assert seen == [False]  # paused while the import wrote (listeners run inside)
        assert gc.isenabled()
        report = import_paths(project, [_dataset(tmp_path / "bad.jsonl", quote="wrong")],
                              add_missing_labels=True)
        assert report.refused and gc.isenabled()
    with Project(path, read_only=True) as project:  # the write itself refused
        report = import_paths(project, [_dataset(tmp_path / "new.jsonl")],
                              add_missing_labels=True)
        assert report.refused and gc.isenabled()

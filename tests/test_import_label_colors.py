"""Labels an import adds without a colour of their own (a dataset file has none; the readers
fall back to grey) get distinct colours from the default palette, as the codebook editor
gives a new label; a colour the file does give is kept, and a file without colours never
paints over the colours the project has."""

from __future__ import annotations

import json
from pathlib import Path

from desk_annotator.palettes import DEFAULT_PALETTE, palette_colors
from desk_annotator.project import Project
from desk_annotator.project_io import import_codebook_file, import_paths

GREY = "#888888"


def _dataset(path: Path) -> None:
    text = "one two three four five six seven eight nine ten"
    anns = [{"id": f"a{i}", "start": i * 4, "end": i * 4 + 3, "quote": text[i * 4:i * 4 + 3],
             "coder": "coder-1", "stance": ["pro", "con", "neutral"][i % 3],
             "themes": [f"theme {i % 4}"]} for i in range(8)]
    path.write_text(json.dumps({"id": "d1", "title": "D1", "text": text,
                                "annotations": anns}) + "\n", encoding="utf-8")


def test_labels_added_by_a_dataset_import_get_distinct_palette_colours(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    _dataset(data)
    with Project(tmp_path / "p.sqlite") as project:
        import_paths(project, [data], add_missing_labels=True)
        labels = project.q.labels()
        assert len(labels) == 7
        palette = {c.lower() for c in palette_colors(DEFAULT_PALETTE)}
        for scheme in ("stance", "themes"):
            colors = [lb.color.lower() for lb in labels if lb.scheme == scheme]
            assert GREY not in colors
            assert len(set(colors)) == len(colors)  # no two labels of a scheme alike
            assert set(colors) <= palette
        # A colour chosen since is not painted over by importing the file again.
        chosen = labels[0]
        project.store.db.execute("UPDATE labels SET color = '#123456' WHERE id = ?",
                                 [chosen.id])
        project.store.db.conn.commit()
        out = tmp_path / "codebook.json"
        book = {"name": "plain", "stance": {"labels": [{"name": lb.name} for lb in labels
                                                        if lb.scheme == "stance"]},
                "themes": {"labels": [{"name": lb.name, "color": "#00aa00"}
                                      for lb in labels if lb.scheme == "themes"][:1]}}
        out.write_text(json.dumps(book), encoding="utf-8")
        import_codebook_file(project, out)
        after = {lb.id: lb.color.lower() for lb in project.q.labels()}
        assert after[chosen.id] == "#123456"
        first_theme = next(lb for lb in labels if lb.scheme == "themes")
        assert after[first_theme.id] == "#00aa00"  # a colour the file gives is taken


def test_a_colour_the_file_gives_is_kept_on_a_new_label(tmp_path: Path) -> None:
    book = tmp_path / "codebook.json"
    book.write_text(json.dumps({"name": "given", "stance": {"labels": [
        {"name": "pro", "color": "#aa0000"}, {"name": "con"}]}, "themes": {"labels": []}}),
        encoding="utf-8")
    with Project(tmp_path / "p.sqlite") as project:
        assert import_codebook_file(project, book) == 2
        colors = {lb.name: lb.color.lower() for lb in project.q.labels()}
        assert colors["pro"] == "#aa0000"
        assert colors["con"] not in (GREY, "#aa0000")

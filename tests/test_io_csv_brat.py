"""CSV and brat exports, checked against the snapshot they came from."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from desk_annotator.io.brat import file_stem, fragments, write_brat
from desk_annotator.io.csv_export import CSV_COLUMNS, snapshot_to_csv_rows, write_csv
from test_io_sample_data import sample_snapshot


def test_csv_has_exactly_the_contract_columns_and_one_row_per_annotation(tmp_path: Path) -> None:
    snap = sample_snapshot()
    out = tmp_path / "export.csv"
    assert write_csv(out, snapshot_to_csv_rows(snap)) == len(snap.annotations)
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # plain UTF-8, no BOM
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0].keys()) == CSV_COLUMNS == (
        "document_id", "title", "coder", "start", "end", "quote", "stance", "themes", "note",
        "created", "updated")
    texts = {d.id: d.text for d in snap.documents}
    for row in rows:  # multi-line quotes and notes survive the quoting
        assert texts[row["document_id"]][int(row["start"]):int(row["end"])] == row["quote"]
    by_note = {r["note"]: r for r in rows}
    assert by_note["crosses a line break"]["themes"] == "export controls;safety"
    assert by_note["crosses a line break"]["stance"] == "supportive"
    assert by_note["crosses a line break"]["coder"] == "coder 2"
    assert by_note["overlap\nwith a newline"]["stance"] == ""


def _read_ann(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_brat_offsets_slice_the_written_txt(tmp_path: Path) -> None:
    snap = sample_snapshot()
    assert write_brat(tmp_path, snap) == len(snap.documents)
    checked = 0
    for doc in snap.documents:
        stem = file_stem(doc)
        txt = (tmp_path / f"{stem}.txt").read_bytes().decode("utf-8")
        assert txt == doc.text  # no \r added, no BOM: offsets are code points into this
        for line in _read_ann(tmp_path / f"{stem}.ann"):
            if not line.startswith("T"):
                continue
            tid, type_and_spans, covered = line.split("\t")
            spans = [tuple(map(int, part.split())) for part in type_and_spans.split(" ", 1)[1].split(";")]
            assert covered == " ".join(txt[s:e] for s, e in spans)
            assert all("\n" not in txt[s:e] and s < e for s, e in spans)
            checked += 1
    assert checked == len(snap.annotations)


def test_brat_mapping_of_stance_themes_coder_and_notes(tmp_path: Path) -> None:
    snap = sample_snapshot()
    write_brat(tmp_path, snap)
    d0 = snap.documents[0]
    lines = _read_ann(tmp_path / f"{file_stem(d0)}.ann")
    t_lines = [ln for ln in lines if ln.startswith("T")]
    # Sorted by position: first is coder-1's critical span 0..15.
    assert t_lines[0].startswith("T1\tcritical 0 15\t")
    assert "A1\tCoder T1 coder-1" in lines and "A2\tTheme_export_controls T1" in lines
    assert any(re.fullmatch(r"T\d+\tPassage \d+ \d+\t😀", ln) for ln in lines)
    assert any(ln.startswith("#") and "AnnotatorNotes" in ln and ln.endswith("\toverlap with a newline")
               for ln in lines)
    crossing = next(ln for ln in t_lines if ln.split("\t")[1].startswith("supportive"))
    assert ";" in crossing.split("\t")[1]  # split at the line break into two fragments
    conf = (tmp_path / "annotation.conf").read_text(encoding="utf-8")
    assert "[entities]\nPassage\nsupportive\ncritical\n" in conf
    assert "Coder Arg:<ENTITY>, Value:coder-1|coder_2" in conf
    assert "Theme_open_source Arg:<ENTITY>" in conf
    assert "supportive\tbgColor:#1b9e77" in (tmp_path / "visual.conf").read_text(encoding="utf-8")


def test_fragments_skip_line_breaks() -> None:
    text = "ab\n\ncd\nef"
    assert fragments(text, 0, len(text)) == [(0, 2), (4, 6), (7, 9)]
    assert fragments(text, 2, 4) == []
    assert fragments(text, 1, 5) == [(1, 2), (4, 5)]


def test_file_stems_are_ascii_and_unique(tmp_path: Path) -> None:
    snap = sample_snapshot()
    twin = snap.documents[1].model_copy(update={"id": snap.documents[1].id[:8] + "-other"})
    snap = snap.model_copy(update={"documents": [*snap.documents, twin]})
    assert file_stem(snap.documents[1]).startswith("article-1-cafe-owners-")
    write_brat(tmp_path, snap)
    assert len(list(tmp_path.glob("*.txt"))) == 4
    assert all(p.name.isascii() for p in tmp_path.iterdir())

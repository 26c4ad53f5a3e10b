"""doccano JSONL import: list and dict spans, stance names, merging, normalisation, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_annotator.errors import FormatError
from desk_annotator.io.doccano import read_doccano


def _write(path: Path, records: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                              for r in records) + "\n", encoding="utf-8")
    return path


def _names(snap, ann) -> tuple:
    labels = snap.codebook.by_id()
    return (labels[ann.stance_id].name if ann.stance_id else None,
            sorted(labels[t].name for t in ann.theme_ids))


def test_list_dict_and_entities_variants(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [
        {"id": 7, "text": "Open source 😀 models\nmore", "label": [[0, 11, "open source"], [12, 13, "emoji"]],
         "meta": {"title": "Given title", "outlet": "Blog", "year": 2023}},
        {"text": "Export rules 中文 tighten", "labels": [
            {"start_offset": 13, "end_offset": 15, "label": "cjk"}]},
        {"text": "No labels here\nsecond line", "entities": [
            {"id": 1, "start_offset": 0, "end_offset": 2, "label": "critical"}], "relations": []},
    ])
    snap, warnings = read_doccano(path, coder_name="anna", stance_names={"critical"})
    assert warnings == []
    assert [c.name for c in snap.coders] == ["anna"]
    d0, d1, d2 = snap.documents
    assert d0.title == "Given title" and d0.metadata == {"outlet": "Blog", "year": "2023", "doccano_id": "7"}
    assert d2.title == "No labels here"
    quotes = {a.quote: _names(snap, a) for a in snap.annotations}
    assert quotes == {"Open source": (None, ["open source"]), "😀": (None, ["emoji"]),
                      "中文": (None, ["cjk"]), "No": ("critical", [])}
    assert {lb.name for lb in snap.codebook.stance} == {"critical"}
    assert all(a.coder_id == snap.coders[0].id for a in snap.annotations)


def test_identical_spans_merge_into_one_annotation(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [{"text": "Tariffs hurt exports.", "label": [
        [0, 7, "critical"], [0, 7, "trade"], [0, 7, "economy"], [8, 12, "trade"]]}])
    snap, _ = read_doccano(path, stance_names={"critical"})
    assert sorted((a.start, a.end, _names(snap, a)) for a in snap.annotations) == [
        (0, 7, ("critical", ["economy", "trade"])), (8, 12, (None, ["trade"]))]


def test_crlf_and_nfd_text_is_normalised(tmp_path: Path) -> None:
    raw = "Line one\r\nnai\u0308ve view"
    start = raw.index("nai")
    path = _write(tmp_path / "d.jsonl", [{"text": raw, "label": [[start, start + 3, "cut"],
                                                                  [start, len(raw), "all"]]}])
    snap, warnings = read_doccano(path)
    text = snap.documents[0].text
    assert text == "Line one\nnaïve view"
    assert sorted(a.quote for a in snap.annotations) == ["naï", "naïve view"]
    assert len(warnings) == 1 and "widened" in warnings[0]


def test_every_problem_listed(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [
        {"text": "abc", "label": [[0, 9, "x"], [2, 2, "y"], [0, 1], {"start_offset": 0}]},
        "not json",
        {"label": [[0, 1, "x"]]},
        {"text": "positive review", "label": ["positive"]},
        {"text": "abc", "label": [[0, 1.5, "x"], [0, 1, ""]]},
    ])
    with pytest.raises(FormatError) as info:
        read_doccano(path)
    message = str(info.value)
    for expected in ["line 1, span 0: 0..9 is outside the text (0..3)",
                     "line 1, span 1: start 2 is not before end 2",
                     "line 1, span 2: expected [start, end, label]",
                     "line 1, span 3: missing end_offset, label",
                     "line 2: not valid JSON",
                     "line 3: 'text' is missing",
                     "line 4, span 0: 'positive' is a document-level label",
                     "line 5, span 0: offsets must be whole numbers",
                     "line 5, span 1: label must be a non-empty string"]:
        assert expected in message
    assert "9 problems" in message

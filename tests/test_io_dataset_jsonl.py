"""Dataset JSONL: round trips, normalisation on import, and refusals that list every problem."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from pydantic import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk_annotator.errors import FormatError
from desk_annotator.io.dataset_jsonl import (
    DatasetRecord,
    read_dataset,
    snapshot_to_dicts,
    snapshot_to_records,
    write_dataset,
)
from desk_annotator.models import ProjectSnapshot
from desk_annotator.text import normalize_text, sha256_text
from test_io_sample_data import sample_snapshot


def _view(snapshot: ProjectSnapshot) -> dict:
    """Everything that must survive a round trip, by names (label/coder GUIDs are re-minted)."""
    labels = snapshot.codebook.by_id()
    coders = {c.id: c.name for c in snapshot.coders}
    return {
        "documents": [(d.id, d.title, d.text, d.sha256, d.metadata) for d in snapshot.documents],
        "annotations": sorted(
            (a.id, a.document_id, coders[a.coder_id], a.start, a.end, a.quote,
             labels[a.stance_id].name if a.stance_id else None,
             tuple(labels[t].name for t in a.theme_ids), a.note, a.created, a.updated)
            for a in snapshot.annotations
        ),
        "statuses": sorted((s.document_id, coders[s.coder_id], s.status) for s in snapshot.statuses),
    }


def _write_lines(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)
                              for x in lines) + "\n", encoding="utf-8")
    return path


def test_round_trip_keeps_texts_offsets_labels_coders_notes_statuses(tmp_path: Path) -> None:
    original = sample_snapshot()
    out = tmp_path / "export.jsonl"
    assert write_dataset(out, snapshot_to_records(original)) == len(original.documents)
    restored, warnings = read_dataset(out)
    assert warnings == []
    assert _view(restored) == _view(original)
    # Label identities are matched by name later, but each scheme keeps its own names.
    assert {lb.name for lb in restored.codebook.stance} == {"supportive", "critical"}
    assert {lb.name for lb in restored.codebook.themes} == {"export controls", "open source", "safety"}


def test_dicts_and_records_write_the_same_bytes(tmp_path: Path) -> None:
    snap = sample_snapshot()
    write_dataset(tmp_path / "a.jsonl", snapshot_to_dicts(snap))
    write_dataset(tmp_path / "b.jsonl", snapshot_to_records(snap))
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_written_file_follows_the_contract(tmp_path: Path) -> None:
    snap = sample_snapshot()
    out = tmp_path / "export.jsonl"
    write_dataset(out, snapshot_to_dicts(snap))
    raw = out.read_text(encoding="utf-8")
    assert "😀" in raw and "\\u" not in raw  # UTF-8, not ASCII-escaped
    first = json.loads(raw.splitlines()[0])
    assert list(first)[:6] == ["id", "title", "text", "metadata", "status", "annotations"]
    assert first["status"] == {"coder-1": "done"}
    ann = first["annotations"][0]
    assert set(ann) >= {"id", "start", "end", "quote", "coder", "stance", "themes", "note"}
    assert first["text"][ann["start"]:ann["end"]] == ann["quote"]


def test_failed_export_leaves_previous_file_untouched(tmp_path: Path) -> None:
    out = tmp_path / "export.jsonl"
    out.write_text("previous\n", encoding="utf-8")

    def records():
        yield from snapshot_to_dicts(sample_snapshot())
        raise RuntimeError("disk vanished")

    with pytest.raises(RuntimeError):
        write_dataset(out, records())
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.jsonl"]


def test_every_problem_is_listed_in_one_error(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "bad.jsonl", [
        {"text": "abcdef", "annotations": [{"start": 2, "end": 99, "coder": "a"}]},
        "{not json",
        {"text": "abcdef", "annotations": [{"start": 0, "end": 3, "quote": "xyz", "coder": "a"}]},
        {"text": "abcdef", "status": {"a": "finished"}},
        {"text": "abcdef", "annotations": [{"start": 4, "end": 4, "coder": "a"}]},
        {"text": "abcdef", "annotations": [{"start": 0, "end": 1, "coder": "a", "colour": "red"}]},
    ])
    with pytest.raises(FormatError) as info:
        read_dataset(path)
    message = str(info.value)
    assert "6 problems" in message
    for expected in ["line 1, annotation 0: span 2..99 is outside the text (0..6)",
                     "line 2: not valid JSON",
                     "line 3, annotation 0: quote 'xyz' does not match the text at 0..3: 'abc'",
                     "line 4, status.a",
                     "line 5, annotation 0: start 4 is not before end 4",
                     "line 6, annotations.0.colour: unknown key"]:
        assert expected in message


def test_long_problem_lists_are_capped(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "bad.jsonl", ["{"] * 30)
    with pytest.raises(FormatError) as info:
        read_dataset(path)
    message = str(info.value)
    assert "30 problems" in message and "... and 10 more" in message
    assert message.count("not valid JSON") == 20


def test_unknown_top_level_keys_are_ignored_and_missing_ids_minted(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "ok.jsonl", [
        {"text": "First line title\nbody", "source_system": "x", "metadata": {"year": 2024},
         "annotations": [{"start": 0, "end": 5, "coder": "c", "stance": "critical"}]},
    ])
    snap, _ = read_dataset(path)
    doc = snap.documents[0]
    assert doc.title == "First line title"
    assert doc.metadata == {"year": "2024"}
    assert len(doc.id) == 36 and snap.annotations[0].quote == "First"
    assert snap.annotations[0].coder_id == snap.coders[0].id
    assert snap.annotations[0].stance_id == snap.codebook.find("stance", "critical").id


def test_crlf_bom_and_nfd_text_is_normalised_and_offsets_mapped(tmp_path: Path) -> None:
    raw = "\ufeffCafe\u0301 au lait\r\nsecond line 😀\r\nthird"
    start_ok = raw.index("second")
    start_cut = raw.index("e\u0301") + 1  # between e and its combining accent
    path = _write_lines(tmp_path / "crlf.jsonl", [{"text": raw, "annotations": [
        {"start": start_ok, "end": start_ok + 13, "quote": raw[start_ok:start_ok + 13], "coder": "c"},
        {"start": 1, "end": start_cut, "quote": raw[1:start_cut], "coder": "c"},
        {"start": raw.index("au"), "end": raw.index("\n") + 1, "coder": "c"},
    ]}])
    snap, warnings = read_dataset(path)
    doc = snap.documents[0]
    assert doc.text == "Café au lait\nsecond line 😀\nthird"
    assert doc.sha256 == sha256_text(doc.text)
    quotes = [a.quote for a in snap.annotations]
    assert quotes == ["second line 😀", "Café", "au lait\n"]
    assert all(doc.text[a.start:a.end] == a.quote for a in snap.annotations)
    assert any("annotation 1" in w and "widened" in w for w in warnings)
    assert not any("annotation 0" in w for w in warnings)


def test_a_quote_is_checked_against_the_raw_text(tmp_path: Path) -> None:
    raw = "Cafe\u0301 noir"
    path = _write_lines(tmp_path / "nfd.jsonl", [{"text": raw, "annotations": [
        {"start": 0, "end": 5, "quote": "Café", "coder": "c"}]}])  # NFC quote, NFD text
    with pytest.raises(FormatError, match="does not match"):
        read_dataset(path)


def test_empty_and_non_utf8_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(FormatError, match="empty"):
        read_dataset(empty)
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes('{"text": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(FormatError, match="not UTF-8"):
        read_dataset(latin)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "dup.jsonl", [
        {"id": "D", "text": "one", "annotations": [{"id": "A", "start": 0, "end": 1, "coder": "c"}]},
        {"id": "D", "text": "two", "annotations": [{"id": "A", "start": 0, "end": 1, "coder": "c"}]},
    ])
    with pytest.raises(FormatError) as info:
        read_dataset(path)
    assert "document id D is also on line 1" in str(info.value)
    assert "annotation id A is also on line 1" in str(info.value)


def test_dataset_record_model_allows_extra_keys_only_at_top_level() -> None:
    DatasetRecord.model_validate({"text": "x", "anything": 1})
    with pytest.raises(ValidationError):
        DatasetRecord.model_validate({"text": "x", "annotations": [
            {"start": 0, "end": 1, "coder": "c", "typo": 1}]})


_chars = st.sampled_from(list("ab \n,.") + ["é", "e\u0301", "\r\n", "😀", "中", "👍🏽", "\u0308"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_chars, min_size=1, max_size=30), data=st.data())
def test_property_any_valid_span_survives_import(tmp_path: Path, pieces: list[str], data) -> None:
    raw = "".join(pieces)
    spans = data.draw(st.lists(
        st.tuples(st.integers(0, len(raw) - 1), st.integers(1, len(raw))).filter(lambda p: p[0] < p[1]),
        max_size=5))
    path = _write_lines(tmp_path / "prop.jsonl", [{"text": raw, "annotations": [
        {"start": s, "end": e, "quote": raw[s:e], "coder": "c", "themes": ["t"]} for s, e in spans]}])
    try:
        snap, warnings = read_dataset(path)
    except FormatError as exc:  # only a span made of nothing but removed characters may fail
        assert "normalisation removes" in str(exc)
        return
    text = snap.documents[0].text
    assert text == normalize_text(raw) and unicodedata.is_normalized("NFC", text)
    for pos, ann in enumerate(snap.annotations):
        assert 0 <= ann.start < ann.end <= len(text) and text[ann.start:ann.end] == ann.quote
        if not any(f"annotation {pos}:" in w for w in warnings):
            assert ann.quote == normalize_text(raw[spans[pos][0]:spans[pos][1]])
    # Written back out, the import is a fixed point.
    write_dataset(tmp_path / "again.jsonl", snapshot_to_dicts(snap))
    again, again_warnings = read_dataset(tmp_path / "again.jsonl")
    assert again_warnings == [] and _view(again) == _view(snap)


def test_crlf_line_endings_and_raw_line_separators_in_strings(tmp_path: Path) -> None:
    text = "para one\u2028still one\u0085x"  # written raw by ensure_ascii=False
    record = json.dumps({"text": text, "annotations": [{"start": 0, "end": 4, "coder": "c"}]},
                        ensure_ascii=False)
    path = tmp_path / "win.jsonl"
    path.write_bytes((record + "\r\n" + record.replace("para", "PARA") + "\r\n").encode("utf-8"))
    snap, _ = read_dataset(path)
    assert [d.text[:4] for d in snap.documents] == ["para", "PARA"]
    assert snap.documents[0].text == text


def test_blank_label_names_are_refused(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "blank.jsonl", [{"text": "abc", "annotations": [
        {"start": 0, "end": 1, "coder": "c", "stance": " ", "themes": ["ok", ""]}]}])
    with pytest.raises(FormatError) as info:
        read_dataset(path)
    assert "annotations.0.stance: must not be blank" in str(info.value)
    assert "annotations.0.themes.1: must not be blank" in str(info.value)

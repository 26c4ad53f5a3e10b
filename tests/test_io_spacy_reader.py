"""spaCy-style spans read back: our .spacy.jsonl export (sample corpus round trip, split files,
dict spans), Prodigy-style lines, malformed files, and DocBin when spaCy is installed."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from test_io_sample_data import sample_snapshot

from desk_annotator.errors import FormatError
from desk_annotator.import_files import ReadOptions, import_paths, read_snapshot_file
from desk_annotator.io.ml_export import write_spacy_jsonl
from desk_annotator.io.spacy_reader import (
    MAX_DOCBIN_UNPACKED,
    _checked_docbin_bytes,
    read_spacy_jsonl,
    spacy_available,
)
from desk_annotator.models import ProjectSnapshot
from desk_annotator.project import Project
from desk_annotator.project_io import export_path, snapshot
from desk_annotator.sample import fill_from_sample


def _passages(snap: ProjectSnapshot, *, notes: bool = False) -> set[tuple]:
    label = {lb.id: (lb.scheme, lb.name) for lb in snap.codebook.labels}
    who = {c.id: c.name for c in snap.coders}
    docs = {d.id: d for d in snap.documents}
    out = set()
    for a in snap.annotations:
        doc = docs[a.document_id]
        assert doc.text[a.start:a.end] == a.quote
        out.add((doc.sha256, who[a.coder_id], a.start, a.end, a.quote,
                 label[a.stance_id] if a.stance_id else None,
                 tuple(sorted(label[t] for t in a.theme_ids)), a.note if notes else None))
    return out


def test_sample_snapshot_reads_back_to_the_same_passages(tmp_path: Path) -> None:
    snap = sample_snapshot()
    out = tmp_path / "train.spacy.jsonl"
    write_spacy_jsonl(out, snap)
    back, warnings = read_spacy_jsonl(out)
    assert warnings == []
    assert _passages(back) == _passages(snap)
    assert {c.name for c in back.coders} == {c.name for c in snap.coders}
    # The line without spans (coder-1 marked "Article 2" done) reads back as done.
    who = {c.id: c.name for c in back.coders}
    titles = {d.id: d.title for d in back.documents}
    assert [(titles[s.document_id][:9], who[s.coder_id], s.status) for s in back.statuses] == [
        ("Article 2", "coder-1", "done")]
    again, _ = read_spacy_jsonl(out)
    assert [a.id for a in again.annotations] == [a.id for a in back.annotations]


def test_dict_spans_and_split_files(tmp_path: Path) -> None:
    snap = sample_snapshot()
    out = tmp_path / "data.spacy.jsonl"
    write_spacy_jsonl(out, snap, span_style="dicts")
    assert _passages(read_spacy_jsonl(out)[0]) == _passages(snap)
    counts = write_spacy_jsonl(out, snap, split=(0.34, 0.33, 0.33), seed=1)
    parts = set()
    for name in ("train", "dev", "test"):
        path = tmp_path / f"data.spacy.{name}.jsonl"
        if counts[name]:
            parts |= _passages(read_snapshot_file(path)[0])
    assert parts == _passages(snap)


def test_sample_corpus_round_trip_through_a_project(tmp_path: Path) -> None:
    with Project(tmp_path / "a.sqlite") as project:
        fill_from_sample(project)
        original = snapshot(project)
        export_path(project, tmp_path / "corpus.spacy.jsonl")
    with Project(tmp_path / "b.sqlite") as fresh:
        report = import_paths(fresh, [tmp_path / "corpus.spacy.jsonl"], add_missing_labels=True)
        assert report.refused == []
        assert report.annotations_added == len(original.annotations)
        again = import_paths(fresh, [tmp_path / "corpus.spacy.jsonl"], add_missing_labels=True)
        assert again.annotations_added == 0 and again.documents_added == 0
        back = snapshot(fresh)
    assert _passages(back) == _passages(original)
    coded = {a.document_id for a in original.annotations} | {
        s.document_id for s in original.statuses if s.status == "done"}
    assert {d.sha256 for d in back.documents} == {d.sha256 for d in original.documents
                                                  if d.id in coded}


def test_prodigy_style_lines(tmp_path: Path) -> None:
    text = "Flags 🇩🇪 and 中文 and more."
    lines = [
        {"text": text, "spans": [{"start": 6, "end": 8, "label": "pro"},
                                 {"start": 6, "end": 8, "label": "flags"},
                                 {"start": 13, "end": 15, "label": "cjk"}],
         "tokens": [{"text": "Flags"}], "answer": "accept", "_input_hash": 1},
        {"text": text, "spans": [{"start": 0, "end": 5, "label": "x"}], "answer": "reject"},
        {"text": "Another text.", "ents": [[0, 7, "pro"]], "meta": {"coder": "bo"}},
    ]
    path = tmp_path / "prodigy.spacy.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "utf-8")
    snap, warnings = read_spacy_jsonl(path, stance_names={"pro"})
    got = sorted((q, st, th, who) for (_, who, _, _, q, st, th, _) in _passages(snap))
    assert got == [("Another", ("stance", "pro"), (), "bo"),
                   ("中文", None, (("themes", "cjk"),), "prodigy"),
                   ("🇩🇪", ("stance", "pro"), (("themes", "flags"),), "prodigy")]
    text = "\n".join(warnings)
    assert "1 Prodigy answers" in text and "named after the file" in text
    assert "not carried" in text  # tokens


def test_stance_labels_option_for_plain_span_lists(tmp_path: Path) -> None:
    path = tmp_path / "x.spacy.jsonl"
    path.write_text(json.dumps({"text": "Good news.", "spans": [[0, 4, "positive"]],
                                "meta": {"coder": "c"}}) + "\n", "utf-8")
    with Project(tmp_path / "p.sqlite") as project:
        report = import_paths(project, [path], add_missing_labels=True,
                              options=ReadOptions(stance_labels={"positive"}))
        assert report.annotations_added == 1
        assert {(lb.scheme, lb.name) for lb in project.q.labels()} == {("stance", "positive")}


@pytest.mark.parametrize("lines, message", [
    (["{not json"], "not valid JSON"),
    ([json.dumps({"text": "abc", "spans": {"stance": [[0, 9, "x"]]}}),
      json.dumps({"text": "abc", "spans": {"themes": [[2, 1, "x"], [0, 1, ""]]}}),
      json.dumps({"spans": {}})], "4 problems"),
    ([json.dumps({"text": "abc", "spans": "no"})], "'spans' must be"),
    ([""], "no records"),
])
def test_malformed_files_are_refused_whole(tmp_path: Path, lines: list[str],
                                           message: str) -> None:
    path = tmp_path / "bad.spacy.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(FormatError, match=message):
        read_spacy_jsonl(path)


def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.spacy.jsonl"
    path.write_text('{"text": "a", "meta": ' + "[" * 5000 + "]" * 5000 + "}\n", "utf-8")
    with pytest.raises(FormatError, match="nested"):
        read_spacy_jsonl(path)


def test_docbin_that_unpacks_too_far_is_refused(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import desk_annotator.io.spacy_reader as reader

    monkeypatch.setattr(reader, "MAX_DOCBIN_UNPACKED", 1024 * 1024)
    path = tmp_path / "bomb.spacy"
    path.write_bytes(zlib.compress(b"\0" * (4 * 1024 * 1024)))
    with pytest.raises(FormatError, match="unpacks to more than"):
        reader._checked_docbin_bytes(path)
    (tmp_path / "junk.spacy").write_bytes(b"not zlib")
    with pytest.raises(FormatError, match="not a spaCy DocBin"):
        _checked_docbin_bytes(tmp_path / "junk.spacy")
    assert MAX_DOCBIN_UNPACKED >= 2**30


@pytest.mark.skipif(not spacy_available(), reason="spaCy is an optional extra")
def test_docbin_round_trip(tmp_path: Path) -> None:
    from desk_annotator.io.ml_export import write_docbin

    snap = sample_snapshot()
    out = tmp_path / "train.spacy"
    write_docbin(out, snap)
    back, warnings = read_snapshot_file(out)
    assert warnings == []
    # Span edges inside a token were widened by the export (alignment_mode="expand"); every
    # passage whose edges fall on spaCy token edges comes back exactly.
    original = _passages(snap)
    got = _passages(back)
    assert {c.name for c in back.coders} == {c.name for c in snap.coders}
    exact = got & original
    assert len(exact) >= len(original) - 2, (got, original)
    for sha, coder, start, end, quote, stance, themes, _ in got - original:
        match = [p for p in original if p[:2] == (sha, coder) and p[5:7] == (stance, themes)]
        assert match and all(start <= p[2] and p[3] <= end for p in match[:1])


def test_docbin_without_spacy_is_one_line(tmp_path: Path) -> None:
    if spacy_available():
        pytest.skip("spaCy is installed")
    path = tmp_path / "x.spacy"
    path.write_bytes(zlib.compress(b"x"))
    with Project(tmp_path / "p.sqlite") as project:
        report = import_paths(project, [path])
    assert len(report.refused) == 1 and "needs spaCy" in report.refused[0]

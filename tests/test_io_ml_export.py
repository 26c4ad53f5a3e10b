"""spaCy-style JSONL for training: format, coder filter, deterministic document-level splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_annotator.errors import OperationError
from desk_annotator.io.ml_export import split_documents, write_docbin, write_spacy_jsonl
from desk_annotator.models import Document, ProjectSnapshot
from desk_annotator.text import sha256_text
from test_io_sample_data import sample_snapshot


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_line_per_coded_document_and_coder(tmp_path: Path) -> None:
    snap = sample_snapshot()
    out = tmp_path / "train.jsonl"
    assert write_spacy_jsonl(out, snap) == {"all": 5}
    lines = _lines(out)
    # d0: both coders annotated; d1: both annotated; d2: only coder-1 (status done, no spans).
    assert sorted((ln["meta"]["title"][:9], ln["meta"]["coder"]) for ln in lines) == [
        ("Article 0", "coder 2"), ("Article 0", "coder-1"), ("Article 1", "coder 2"),
        ("Article 1", "coder-1"), ("Article 2", "coder-1")]
    for line in lines:
        assert set(line) == {"text", "spans", "meta"} and set(line["spans"]) == {"stance", "themes"}
        for start, end, label in line["spans"]["stance"] + line["spans"]["themes"]:
            assert 0 <= start < end <= len(line["text"]) and isinstance(label, str)
    d0_c2 = next(ln for ln in lines if ln["meta"]["title"].startswith("Article 0") and ln["meta"]["coder"] == "coder 2")
    emoji = d0_c2["text"].index("😀")
    assert [emoji, emoji + 1, "safety"] in d0_c2["spans"]["themes"]
    assert d0_c2["spans"]["stance"][0][2] == "supportive"


def test_coder_filter_and_unknown_coder(tmp_path: Path) -> None:
    snap = sample_snapshot()
    assert write_spacy_jsonl(tmp_path / "c1.jsonl", snap, coder_name="coder-1") == {"all": 3}
    assert {ln["meta"]["coder"] for ln in _lines(tmp_path / "c1.jsonl")} == {"coder-1"}
    with pytest.raises(OperationError, match="no coder named 'nobody'"):
        write_spacy_jsonl(tmp_path / "x.jsonl", snap, coder_name="nobody")


def _many_documents(n: int) -> ProjectSnapshot:
    snap = sample_snapshot()
    done = snap.statuses[0]
    docs, statuses = [], []
    for i in range(n):
        text = f"Document number {i} about policy."
        doc = Document(title=f"Doc {i}", text=text, sha256=sha256_text(text))
        docs.append(doc)
        statuses += [done.model_copy(update={"document_id": doc.id, "coder_id": c.id}) for c in snap.coders]
    return snap.model_copy(update={"documents": docs, "statuses": statuses, "annotations": []})


def test_split_is_by_document_deterministic_and_proportional(tmp_path: Path) -> None:
    snap = _many_documents(50)
    counts = write_spacy_jsonl(tmp_path / "data.jsonl", snap, split=(0.8, 0.1, 0.1), seed=7)
    assert counts == {"train": 80, "dev": 10, "test": 10}  # 40/5/5 documents x 2 coders
    ids = {name: {ln["meta"]["id"] for ln in _lines(tmp_path / f"data.{name}.jsonl")}
           for name in ("train", "dev", "test")}
    assert not (ids["train"] & ids["dev"] or ids["train"] & ids["test"] or ids["dev"] & ids["test"])
    assert len(ids["train"] | ids["dev"] | ids["test"]) == 50
    write_spacy_jsonl(tmp_path / "again.jsonl", snap.model_copy(
        update={"documents": list(reversed(snap.documents))}), split=(0.8, 0.1, 0.1), seed=7)
    assert {ln["meta"]["id"] for ln in _lines(tmp_path / "again.test.jsonl")} == ids["test"]
    other = split_documents([d.id for d in snap.documents], (0.8, 0.1, 0.1), seed=8)
    assert {d for d, s in other.items() if s == "test"} != ids["test"]


@pytest.mark.parametrize("bad", [(0.5, 0.5), (0.7, 0.2, 0.2), (1.2, -0.1, -0.1)])
def test_bad_split_is_refused(bad) -> None:
    with pytest.raises(OperationError, match="three non-negative fractions"):
        split_documents(["a"], bad)


def test_docbin_has_span_groups(tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    snap = sample_snapshot()
    assert write_docbin(tmp_path / "train.spacy", snap, coder_name="coder-1") == {"all": 3}
    docs = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(spacy.blank("xx").vocab))
    first = docs[0]
    assert [(s.text, s.label_) for s in first.spans["stance"]] == [("Export controls", "critical")]
    assert ("Export controls", "export controls") in [(s.text, s.label_) for s in first.spans["themes"]]


def test_dict_span_style_loads_with_arrow(tmp_path: Path) -> None:
    snap = sample_snapshot()
    out = tmp_path / "hf.jsonl"
    write_spacy_jsonl(out, snap, span_style="dicts")
    lists = tmp_path / "lists.jsonl"
    write_spacy_jsonl(lists, snap)
    for as_dicts, as_lists in zip(_lines(out), _lines(lists), strict=True):
        assert [[d["start"], d["end"], d["label"]] for d in as_dicts["spans"]["themes"]] == as_lists["spans"]["themes"]
    paj = pytest.importorskip("pyarrow.json")  # what datasets.load_dataset("json") uses
    table = paj.read_json(out)
    assert table.num_rows == 5 and "spans" in table.column_names

"""Import -> export -> import -> export gives the same documents and annotations (ids too);
dataset imports are idempotent and all-or-nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_annotator.project import Project

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_corpus"
CODEBOOK = REPO / "resources" / "codebooks" / "ai-policy.json"

SMALL_CODEBOOK = {
    "name": "Small test book",
    "stance": {"labels": [{"name": "supportive", "color": "#1b9e77", "description": "for", "key": "1"},
                          {"name": "critical", "color": "#d95f02", "description": "against", "key": "2"}]},
    "themes": {"labels": [{"name": "export controls", "color": "#7570b3", "description": "", "key": "x"},
                          {"name": "open source", "color": "#e7298a", "description": "weights", "key": "o"},
                          {"name": "safety", "color": "#66a61e", "description": "", "key": None}]},
}
DATASET_TEXT = "Open weights 😀 and 🇺🇸 chips: café naïve 中文 critics.\nSecond line 👩‍💻."


def _small_corpus(root: Path) -> tuple[Path, Path]:
    """Articles of several kinds plus a dataset JSONL with two coders' annotations."""
    corpus = root / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "one.txt").write_text("Export controls tighten.\n\nThe rule bites chips 😀.", "utf-8")
    (corpus / "sub" / "two.md").write_text("# Open models\n\nOpen weights spread fast. 中文", "utf-8")
    (corpus / "three.html").write_text(
        "<html><head><title>Safety</title></head><body><p>Labs test models.</p></body></html>",
        "utf-8")
    i = DATASET_TEXT.index("🇺🇸")
    record = {
        "id": "DOC-DATASET-1", "title": "Dataset doc", "text": DATASET_TEXT,
        "metadata": {"author": "A. Writer", "outlet": "Wire", "language": "en"},
        "status": {"coder-1": "done", "coder-2": "doing"},
        "annotations": [
            {"id": "ANN-1", "start": 0, "end": 15, "quote": DATASET_TEXT[:15], "coder": "coder-1",
             "stance": "supportive", "themes": ["open source", "export controls"], "note": None},
            {"id": "ANN-2", "start": i, "end": i + 8, "quote": DATASET_TEXT[i:i + 8],
             "coder": "coder-2", "stance": "critical", "themes": [], "note": "flag\nand chips"},
            {"id": "ANN-3", "start": 5, "end": 20, "quote": DATASET_TEXT[5:20], "coder": "coder-2",
             "stance": None, "themes": ["safety"], "note": ""},
        ],
    }
    (corpus / "annotations.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    book = root / "book.codebook.json"
    book.write_text(json.dumps(SMALL_CODEBOOK), "utf-8")
    return corpus, book


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _roundtrip(tmp_path: Path, run_cli, corpus: Path, book: Path) -> None:
    p1, p2 = tmp_path / "p1.sqlite", tmp_path / "p2.sqlite"
    out1, out2 = tmp_path / "out1.jsonl", tmp_path / "out2.jsonl"
    assert run_cli("--project", p1, "codebook", "import", book)[0] == 0
    code, out, err = run_cli("--project", p1, "import", corpus)
    assert code == 0, err
    assert run_cli("--project", p1, "export", out1)[0] == 0
    assert run_cli("--project", p2, "codebook", "import", book)[0] == 0
    code, _, err = run_cli("--project", p2, "import", out1)
    assert code == 0, err
    assert run_cli("--project", p2, "export", out2)[0] == 0
    first, second = _records(out1), _records(out2)
    assert first == second
    assert sum(len(r["annotations"]) for r in first) > 0
    # Every exported annotation is true to its text.
    for rec in first:
        for ann in rec["annotations"]:
            assert rec["text"][ann["start"]:ann["end"]] == ann["quote"]


def test_roundtrip_small_corpus(tmp_path: Path, run_cli) -> None:
    corpus, book = _small_corpus(tmp_path)
    _roundtrip(tmp_path, run_cli, corpus, book)
    records = _records(tmp_path / "out1.jsonl")
    assert len(records) == 4
    dataset = next(r for r in records if r["id"] == "DOC-DATASET-1")
    assert {a["id"] for a in dataset["annotations"]} == {"ANN-1", "ANN-2", "ANN-3"}
    assert dataset["status"] == {"coder-1": "done", "coder-2": "doing"}
    assert dataset["metadata"]["language"] == "en"
    ann2 = next(a for a in dataset["annotations"] if a["id"] == "ANN-2")
    assert ann2["quote"].startswith("🇺🇸") and ann2["note"] == "flag\nand chips"


def test_roundtrip_without_a_codebook_first(tmp_path: Path, run_cli) -> None:
    """The issue's commands on fresh projects: labels come from the data (--add-missing-labels)."""
    corpus, _ = _small_corpus(tmp_path)
    p1, p2 = tmp_path / "p1.sqlite", tmp_path / "p2.sqlite"
    code, _, err = run_cli("--project", p1, "import", corpus)
    assert code == 1 and "export controls" in err  # unknown labels: the dataset is refused
    assert run_cli("--project", p1, "import", "--add-missing-labels", corpus)[0] == 0
    assert run_cli("--project", p1, "export", tmp_path / "o1.jsonl")[0] == 0
    assert run_cli("--project", p2, "import", "--add-missing-labels", tmp_path / "o1.jsonl")[0] == 0
    assert run_cli("--project", p2, "export", tmp_path / "o2.jsonl")[0] == 0
    first, second = _records(tmp_path / "o1.jsonl"), _records(tmp_path / "o2.jsonl")
    assert first == second and len(first) == 4


@pytest.mark.skipif(not (SAMPLE / "annotations.jsonl").exists(), reason="sample corpus not built")
def test_roundtrip_sample_corpus(tmp_path: Path, run_cli) -> None:
    _roundtrip(tmp_path, run_cli, SAMPLE, CODEBOOK)
    records = _records(tmp_path / "out1.jsonl")
    coders = {a["coder"] for r in records for a in r["annotations"]}
    assert {"coder-1", "coder-2", "coder-3"} <= coders


def test_codebook_roundtrip(tmp_path: Path, run_cli) -> None:
    source = CODEBOOK if CODEBOOK.exists() else _small_corpus(tmp_path)[1]
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    out1, out2 = tmp_path / "one.json", tmp_path / "two.json"
    assert run_cli("--project", a, "codebook", "import", source)[0] == 0
    assert run_cli("--project", a, "codebook", "export", out1)[0] == 0
    assert run_cli("--project", b, "codebook", "import", out1)[0] == 0
    assert run_cli("--project", b, "codebook", "export", out2)[0] == 0
    first, second = json.loads(out1.read_text("utf-8")), json.loads(out2.read_text("utf-8"))
    assert first == second
    original = json.loads(source.read_text("utf-8"))
    for scheme in ("stance", "themes"):
        assert [lb["name"] for lb in first[scheme]["labels"]] == \
               [lb["name"] for lb in original[scheme]["labels"]]
    assert first["name"] == original["name"]


# -- idempotence and refusal ----------------------------------------------------------------

@pytest.fixture
def booked(tmp_path: Path, run_cli) -> tuple[Path, Path, Path]:
    corpus, book = _small_corpus(tmp_path)
    project = tmp_path / "p.sqlite"
    assert run_cli("--project", project, "codebook", "import", book)[0] == 0
    return project, corpus, book


def _dump_file(path: Path, dump) -> dict:
    with Project(path) as p:
        return dump(p)


def test_importing_twice_adds_nothing(booked, run_cli, dump) -> None:
    project, corpus, _ = booked
    assert run_cli("--project", project, "import", corpus)[0] == 0
    before = _dump_file(project, dump)
    code, out, _ = run_cli("--project", project, "import", corpus)
    assert code == 0
    assert "0 documents imported" in out and "0 annotations added" in out
    assert _dump_file(project, dump) == before
    # An export of the project, imported back, also adds nothing.
    run_cli("--project", project, "export", project.with_name("x.jsonl"))
    assert run_cli("--project", project, "import", project.with_name("x.jsonl"))[0] == 0
    assert _dump_file(project, dump) == before


def _write(path: Path, records: list[dict | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _good(doc_id: str = "G1", text: str = "A good document about chips.") -> dict:
    return {"id": doc_id, "title": "good", "text": text,
            "annotations": [{"id": doc_id + "-A", "start": 2, "end": 6, "quote": text[2:6],
                             "coder": "coder-1", "stance": "critical", "themes": ["safety"]}]}


def test_unknown_labels_refused_with_one_error_listing_all(booked, run_cli, dump, tmp_path) -> None:
    project = booked[0]
    bad = _good()
    bad["annotations"][0].update(stance="hostile", themes=["robots", "safety", "aliens"])
    path = _write(tmp_path / "unknown.jsonl", [_good("G0", "Another good text here."), bad])
    before = _dump_file(project, dump)
    code, out, err = run_cli("--project", project, "import", path)
    assert code == 1
    refused = [line for line in err.splitlines() if line.startswith("refused:")]
    assert len(refused) == 1
    for name in ("hostile", "robots", "aliens"):
        assert name in refused[0]
    assert "safety" not in refused[0].split("codebook:")[-1].split("—")[0]
    assert "Traceback" not in err
    assert _dump_file(project, dump) == before

    code, out, err = run_cli("--project", project, "import", "--add-missing-labels", path)
    assert code == 0, err
    with Project(project) as p:
        names = {(lb.scheme, lb.name) for lb in p.q.labels()}
        assert {("stance", "hostile"), ("themes", "robots"), ("themes", "aliens")} <= names
        assert p.q.annotation("G1-A") is not None and p.q.annotation("G0-A") is not None


@pytest.mark.parametrize("problem", ["bad json", "outside", "quote", "start after end"])
def test_malformed_dataset_changes_nothing(booked, run_cli, dump, tmp_path, problem: str) -> None:
    project = booked[0]
    good = _good("G0", "Another good text here.")
    bad = _good()
    if problem == "bad json":
        bad = '{"id": "G1", "text": "unterminated'
    elif problem == "outside":
        bad["annotations"][0].update(start=2, end=500, quote=None)
    elif problem == "quote":
        bad["annotations"][0]["quote"] = "nope"
    else:
        bad["annotations"][0].update(start=6, end=2, quote=None)
    path = _write(tmp_path / "bad.jsonl", [good, bad])
    before = _dump_file(project, dump)
    code, _, err = run_cli("--project", project, "import", path)
    assert code == 1
    assert "line 2" in err and "Traceback" not in err
    assert _dump_file(project, dump) == before


def test_import_of_non_nfc_crlf_dataset_maps_offsets(booked, run_cli, tmp_path) -> None:
    project = booked[0]
    raw = "\ufeffCafe\u0301 line\r\nnext line 😀 end"
    i = raw.index("next")
    record = {"id": "N1", "text": raw, "annotations": [
        {"id": "N1-A", "start": i, "end": i + 9, "quote": raw[i:i + 9], "coder": "coder-1"},
        {"id": "N1-B", "start": 1, "end": 5, "quote": raw[1:5], "coder": "coder-1"}]}
    path = _write(tmp_path / "nfd.jsonl", [record])
    code, _, err = run_cli("--project", project, "import", path)
    assert code == 0, err
    assert "widened" in err  # B ends inside "e + combining acute": snapped and reported
    with Project(project) as p:
        doc = p.q.document("N1")
        assert doc.text == "Café line\nnext line 😀 end"
        assert p.q.annotation("N1-A").quote == "next line"
        assert p.q.annotation("N1-B").quote == "Café"
        assert p.integrity_problems == []


def test_codebook_import_twice_changes_nothing(booked, run_cli, dump) -> None:
    project, _, book = booked
    with Project(project) as p:
        before, history = dump(p), p.history()
    code, out, _ = run_cli("--project", project, "codebook", "import", book)
    assert code == 0 and out.startswith("0 labels added")
    with Project(project) as p:
        assert dump(p) == before and p.history() == history

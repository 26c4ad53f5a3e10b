"""Custom document variables and document sets in every table (analysis/tables.py), every
number worked out by hand below.

Corpus (the one of test_analysis_tables.py): stance pro, con; themes A, B, C.
  D1 Times 2024-01-10 | D2 Times 2024-02-05 | D3 Post 2024-01-20 | D4 Post, no date
  c1: a1 D1 0-10 pro [A,B]; a2 D1 5-20 con [B]; a3 D1 30-40 pro [C]; a4 D2 0-10 pro [];
      a5 D3 0-20 con [A]; a6 D3 50-60 - [A,C]; a7 D4 0-5 con [B]
  c2: b1 D1 0-10 pro [A]; b2 D2 8-12 con [A,B]; b3 D3 0-10 con [C]
  gold: g1 D1 0-10 pro [A,B]; g2 D3 0-20 con [A]
Custom variables: region (category south, north): D1 north, D2 south, D3 north, D4 unset;
words (number): D1 100, D2 250, D3 400, D4 1000; published (date): D1 2024-03-01,
D2 2024-03-15, D3 2024-04-02, D4 unset.
Sets: "first" = D1, D3; "second" = D2, D3; "empty" has no documents.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from desk_annotator.analysis import tables
from desk_annotator.analysis.tables_groups import _number_grouping
from desk_annotator.cli import cli
from desk_annotator.errors import OperationError
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.ops_sets import CreateSet
from desk_annotator.ops_variables import DefineVariable, SetVariableValues
from desk_annotator.project import Project
from desk_annotator.text import sha256_text

DOCS = {"D1": {"outlet": "Times", "date": "2024-01-10"},
        "D2": {"outlet": "Times", "date": "2024-02-05"},
        "D3": {"outlet": "Post", "date": "2024-01-20"},
        "D4": {"outlet": "Post"}}
PASSAGES = [("c1", "D1", 0, 10, "pro", "AB"), ("c1", "D1", 5, 20, "con", "B"),
            ("c1", "D1", 30, 40, "pro", "C"), ("c1", "D2", 0, 10, "pro", ""),
            ("c1", "D3", 0, 20, "con", "A"), ("c1", "D3", 50, 60, None, "AC"),
            ("c1", "D4", 0, 5, "con", "B"),
            ("c2", "D1", 0, 10, "pro", "A"), ("c2", "D2", 8, 12, "con", "AB"),
            ("c2", "D3", 0, 10, "con", "C"),
            ("gold", "D1", 0, 10, "pro", "AB"), ("gold", "D3", 0, 20, "con", "A")]
VALUES = {"region": {"D1": "north", "D2": "south", "D3": "north"},
          "words": {"D1": 100, "D2": 250, "D3": 400, "D4": 1000},
          "published": {"D1": "2024-03-01", "D2": "2024-03-15", "D3": "2024-04-02"}}


def build(path: Path) -> Project:
    labels = {n: Label(scheme="stance", name=n, order=i) for i, n in enumerate(["pro", "con"])}
    labels |= {n: Label(scheme="themes", name=n, order=i) for i, n in enumerate("ABC")}
    codebook = Codebook(name="t", labels=list(labels.values()))
    coders = {n: Coder(name=n) for n in ("c1", "c2", "gold")}
    docs = {}
    for i, (key, meta) in enumerate(DOCS.items()):
        text = chr(ord("a") + i) * 100
        docs[key] = Document(title=key, text=text, sha256=sha256_text(text), metadata=meta)
    anns = [Annotation(document_id=docs[d].id, coder_id=coders[c].id, start=s, end=e,
                       quote=docs[d].text[s:e], stance_id=labels[st].id if st else None,
                       theme_ids=[labels[t].id for t in th])
            for c, d, s, e, st, th in PASSAGES]
    project = Project(path)
    project.import_codebook(codebook)
    project.import_snapshot(ProjectSnapshot(codebook=codebook, coders=list(coders.values()),
                                            documents=list(docs.values()), annotations=anns),
                            labels="strict")
    project.run(DefineVariable("region", "category", ["south", "north"]))
    project.run(DefineVariable("words", "number"))
    project.run(DefineVariable("published", "date"))
    project.run(SetVariableValues([(docs[d].id, name, v) for name, per in VALUES.items()
                                   for d, v in per.items()]))
    project.run(CreateSet("first", [docs["D1"].id, docs["D3"].id]))
    project.run(CreateSet("second", [docs["D2"].id, docs["D3"].id]))
    project.run(CreateSet("empty", []))
    return project


@pytest.fixture
def corpus(tmp_path: Path):
    with build(tmp_path / "t.sqlite") as project:
        yield project


def test_crosstab_by_category_keeps_its_order(corpus):
    result = tables.crosstab(corpus, labels="stance", by="region")
    # pro: north a1 a3 b1 g1 (D1) = 4, south a4 = 1; con: north a2 (D1) a5 b3 g2 (D3) = 4,
    # south b2 = 1; a7 (D4) has no region.
    assert result.data["columns"] == ["south", "north"]
    assert result.data["counts"] == [[1, 4], [1, 4]]
    assert "1 passage with no region left out" in result.warnings
    # Every expected count equals the observed one (row totals 5, 5; columns 2, 8).
    assert result.statistics["chi2"] == pytest.approx(0.0)
    assert result.statistics["p"] == pytest.approx(1.0)
    assert result.statistics["cramers_v"] == pytest.approx(0.0)


def test_crosstab_by_number_in_numeric_order_and_date_by_month(corpus):
    words = tables.crosstab(corpus, labels="stance", by="words")
    # Four values, so one column each, in numeric order (as text 1000 would come first).
    assert words.data["columns"] == ["100", "250", "400", "1000"]
    # pro: D1 a1 a3 b1 g1, D2 a4; con: D1 a2, D2 b2, D3 a5 b3 g2, D4 a7
    assert words.data["counts"] == [[4, 1, 0, 0], [1, 1, 3, 1]]
    month = tables.crosstab(corpus, labels="themes", by="published", coders=["c2"])
    # c2: A b1 (D1 2024-03), b2 (D2 2024-03); B b2; C b3 (D3 2024-04)
    assert month.data["columns"] == ["2024-03", "2024-04"]
    assert month.data["counts"] == [[2, 0], [1, 0], [0, 1]]


def test_many_numbers_are_binned():
    groups = _number_grouping("n", [*range(11), 20, None])
    # 0..20 in five bins of width 4: 0-3 | 4-7 | 8-10 | none | 20 (the last bin is closed)
    assert groups.labels == ["[0, 4)", "[4, 8)", "[8, 12)", "[12, 16)", "[16, 20]"]
    assert np.bincount(groups.of_document[groups.of_document >= 0]).tolist() == [4, 4, 3, 0, 1]
    assert groups.of_document[-1] == -1


def test_frequencies_by_custom_variable_and_by_set(corpus):
    gold = tables.frequencies(corpus, coders=["gold"], by="region", schemes=("stance",))
    assert gold.tables[0].rows == [["gold", "north", "stance", "pro", 1, 10, 1],
                                   ["gold", "north", "stance", "con", 1, 20, 1]]
    c2 = tables.frequencies(corpus, coders=["c2"], by="region", schemes=("stance",))
    # category order: south (b2) before north (b1 pro, b3 con)
    assert [r[1] + " " + r[3] for r in c2.tables[0].rows] == ["south con", "north pro",
                                                             "north con"]
    per_set = tables.frequencies(corpus, coders=["c1"], by="set", schemes=("stance",))
    assert per_set.tables[0].columns[:2] == ["coder", "set"]
    # first (D1, D3): pro a1 a3 = 20 chars in D1; con a2 (15) a5 (20) in D1, D3
    # second (D2, D3): pro a4; con a5. The empty set has no rows.
    assert [r[1:] for r in per_set.tables[0].rows] == [
        ["first", "stance", "pro", 2, 20, 1], ["first", "stance", "con", 2, 35, 2],
        ["second", "stance", "pro", 1, 10, 1], ["second", "stance", "con", 1, 20, 1]]


def test_every_table_restricted_to_a_set(corpus):
    cross = tables.crosstab(corpus, by="outlet", set_name="first")
    # D1 (Times), D3 (Post): pro Times a1 a3 b1 g1; con Times a2, Post a5 b3 g2
    assert cross.data["columns"] == ["Post", "Times"]
    assert cross.data["counts"] == [[0, 4], [3, 1]]
    assert "set first" in cross.title
    co = tables.cooccurrence(corpus, set_name="second")
    # D2, D3 theme passages: b2 [A,B], a5 [A], a6 [A,C], b3 [C], g2 [A]
    assert co.data["counts"] == [[4, 1, 1], [1, 1, 0], [1, 0, 2]]
    overlap = tables.cooccurrence(corpus, mode="overlap", set_name="second")
    # clusters: c1 D3 {a5 0-20} {a6 50-60}; c2 D2 {b2}, D3 {b3}; gold D3 {g2}
    assert overlap.data["counts"] == [[4, 1, 1], [1, 1, 0], [1, 0, 2]]
    line = tables.timeline(corpus, set_name="second")
    # D2 (Times 2024-02): a4 pro, b2 con; D3 (Post 2024-01): a5 b3 g2 con
    assert line.tables[0].rows == [["Post", "2024-01", 3, 0.0, 100.0],
                                   ["Times", "2024-02", 2, 50.0, 50.0]]
    freq = tables.frequencies(corpus, coders=["c2"], set_name="second", schemes=("themes",))
    # c2 in D2, D3: A b2 (4 chars), B b2, C b3 (10 chars)
    assert [r[2:] for r in freq.tables[0].rows] == [["A", 1, 4, 1], ["B", 1, 4, 1],
                                                    ["C", 1, 10, 1]]


def test_timeline_by_a_custom_variable(corpus):
    result = tables.timeline(corpus, by="region")
    # north 2024-01: D1 a1 a3 b1 g1 pro, a2 con; D3 a5 b3 g2 con -> 8, 50 % / 50 %
    # south 2024-02: D2 a4 pro, b2 con; a7 (D4: no region, no date) left out
    assert result.tables[0].columns[:3] == ["region", "month", "n"]
    assert result.tables[0].rows == [["south", "2024-02", 2, 50.0, 50.0],
                                     ["north", "2024-01", 8, 50.0, 50.0]]
    assert result.warnings == ["1 passages with no region or no ISO date left out"]


def test_bad_variable_and_empty_set_are_one_clear_error(corpus):
    with pytest.raises(OperationError, match="unknown variable 'colour'.*region, words"):
        tables.crosstab(corpus, by="colour")
    with pytest.raises(OperationError, match="has no documents"):
        tables.crosstab(corpus, set_name="empty")
    with pytest.raises(OperationError, match="no document set named 'nope'"):
        tables.frequencies(corpus, set_name="nope")


def test_cli_by_custom_variable_and_set(tmp_path):
    path = tmp_path / "t.sqlite"
    build(path).close()
    runner = CliRunner()
    base = ["--project", str(path), "table"]
    out = runner.invoke(cli, base + ["crosstab", "--by", "region", "--set", "first",
                                     "--output", str(tmp_path / "c.json")])
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "c.json").read_text("utf-8"))
    # D1 north, D3 north: pro a1 a3 b1 g1; con a2 a5 b3 g2
    assert data["columns"] == ["north"] and data["counts"] == [[4], [4]]
    out = runner.invoke(cli, base + ["frequencies", "--by", "set", "--coder", "gold"])
    assert out.exit_code == 0, out.output
    assert "first" in out.output and "second" in out.output
    out = subprocess.run([sys.executable, "-m", "desk_annotator.cli", "--project", str(path),
                          "table", "crosstab", "--by", "colour"], capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.returncode == 1
    assert out.stderr.startswith("error: unknown variable 'colour'")
    assert "Traceback" not in out.stderr and len(out.stderr.splitlines()) == 1


def test_the_arrays_follow_every_change(corpus, tmp_path):
    # A stance table first reads no themes; a theme table after it reads them then.
    assert tables.crosstab(corpus, by="outlet").data["counts"] == [[0, 5], [4, 2]]
    assert tables.cooccurrence(corpus).data["counts"][0][0] == 7  # A: a1 a5 a6 b1 b2 g1 g2
    d4 = next(i for i in corpus.q.document_infos() if i.title == "D4")
    c2 = corpus.require_coder("c2")
    pro = corpus.q.codebook().find("stance", "pro")
    theme_a = corpus.q.codebook().find("themes", "A")
    corpus.add_annotation(d4.id, c2.id, 10, 20, stance_id=pro.id, theme_ids=[theme_a.id])
    # one more pro passage in D4 (Post) and one more A
    assert tables.crosstab(corpus, by="outlet").data["counts"] == [[1, 5], [4, 2]]
    assert tables.cooccurrence(corpus).data["counts"][0][0] == 8
    assert corpus.undo(c2.id)
    assert tables.crosstab(corpus, by="outlet").data["counts"] == [[0, 5], [4, 2]]
    # a commit by another connection (another program) is seen too
    with Project(corpus.path, check_integrity=False) as other:
        other.add_annotation(d4.id, c2.id, 30, 40, stance_id=pro.id)
    assert tables.crosstab(corpus, by="outlet").data["counts"] == [[1, 5], [4, 2]]


def test_crosstab_by_set_counts_a_shared_document_in_each_set_and_says_so(corpus):
    result = tables.crosstab(corpus, labels="stance", by="set")
    # first (D1, D3): pro a1 a3 b1 g1, con a2 + a5 b3 g2; second (D2, D3): pro a4, con b2 +
    # a5 b3 g2. The empty set has no column; a7 (D4, in no set) is left out.
    assert result.data["columns"] == ["first", "second"]
    assert result.data["counts"] == [[4, 1], [4, 4]]
    assert any("1 passage of documents in no set" in w for w in result.warnings)
    assert any("overlapping sets: 1 document" in w for w in result.warnings)
    docs = tables.crosstab(corpus, labels="stance", by="set", unit="documents")
    assert docs.data["counts"] == [[1, 1], [2, 2]]
    only_first = tables.crosstab(corpus, labels="stance", by="set", set_name="first")
    # restricted to D1 and D3: the second set's column holds D3 only, no D2
    assert only_first.data["counts"] == [[4, 0], [4, 3]]
    themes = tables.crosstab(corpus, labels="themes", by="set", coders=["gold"])
    # gold: D1 g1 [A, B]; D3 g2 [A]
    assert themes.data["counts"] == [[2, 1], [1, 0], [0, 0]]

"""Frequencies and tables (analysis/tables.py) on a small corpus with every number worked out
by hand below, the chi-square p-value against scipy, and each output format read back.

Corpus: labels stance pro, con; themes A, B, C. Every text is 100 characters.
  D1 outlet Times, date 2024-01-10, language en
  D2 outlet Times, date 2024-02-05, language en
  D3 outlet Post,  date 2024-01-20, language de
  D4 outlet Post,  no date, no language
Passages (coder, doc, start-end, stance, themes):
  c1: a1 D1 0-10 pro [A,B]; a2 D1 5-20 con [B]; a3 D1 30-40 pro [C]; a4 D2 0-10 pro [];
      a5 D3 0-20 con [A]; a6 D3 50-60 - [A,C]; a7 D4 0-5 con [B]
  c2: b1 D1 0-10 pro [A]; b2 D2 8-12 con [A,B]; b3 D3 0-10 con [C]
  gold: g1 D1 0-10 pro [A,B]; g2 D3 0-20 con [A]
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from desk_annotator.analysis import tables
from desk_annotator.analysis.tables_cooccurrence import cluster_units
from desk_annotator.analysis.tables_output import to_csv, write
from desk_annotator.analysis.tables_stats import chi2_sf, chi_square_test, gammaincc
from desk_annotator.cli import cli
from desk_annotator.errors import OperationError
from desk_annotator.models import Annotation, Codebook, Coder, Document, Label, ProjectSnapshot
from desk_annotator.project import Project
from desk_annotator.text import sha256_text

DOCS = {"D1": {"outlet": "Times", "date": "2024-01-10", "language": "en"},
        "D2": {"outlet": "Times", "date": "2024-02-05", "language": "en"},
        "D3": {"outlet": "Post", "date": "2024-01-20", "language": "de"},
        "D4": {"outlet": "Post"}}
PASSAGES = [("c1", "D1", 0, 10, "pro", "AB"), ("c1", "D1", 5, 20, "con", "B"),
            ("c1", "D1", 30, 40, "pro", "C"), ("c1", "D2", 0, 10, "pro", ""),
            ("c1", "D3", 0, 20, "con", "A"), ("c1", "D3", 50, 60, None, "AC"),
            ("c1", "D4", 0, 5, "con", "B"),
            ("c2", "D1", 0, 10, "pro", "A"), ("c2", "D2", 8, 12, "con", "AB"),
            ("c2", "D3", 0, 10, "con", "C"),
            ("gold", "D1", 0, 10, "pro", "AB"), ("gold", "D3", 0, 20, "con", "A")]


def build(path: Path) -> Project:
    labels = {n: Label(scheme="stance", name=n, order=i) for i, n in enumerate(["pro", "con"])}
    labels |= {n: Label(scheme="themes", name=n, order=i) for i, n in enumerate("ABC")}
    codebook = Codebook(name="t", labels=list(labels.values()))
    coders = {n: Coder(name=n) for n in ("c1", "c2", "gold")}
    docs = {}
    for i, (key, meta) in enumerate(DOCS.items()):
        text = (chr(ord("a") + i) * 100)
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
    return project


@pytest.fixture
def corpus(tmp_path: Path):
    with build(tmp_path / "t.sqlite") as project:
        yield project


def rows_by(result, *keys):
    table = result.tables[0]
    return {tuple(r[table.columns.index(k)] for k in keys): r for r in table.rows}


def test_frequencies_per_coder(corpus):
    result = tables.frequencies(corpus)
    cols = result.tables[0].columns
    assert cols == ["coder", "scheme", "label", "passages", "characters", "documents"]
    got = {k: r[3:] for k, r in rows_by(result, "coder", "label").items()}
    # c1 pro: a1, a3, a4 = 3 passages, 10+10+10 = 30 chars, D1 D2; con: a2 a5 a7 = 15+20+5
    assert got[("c1", "pro")] == [3, 30, 2]
    assert got[("c1", "con")] == [3, 40, 3]
    # c1 A: a1 a5 a6 = 10+20+10, D1 D3; B: a1 a2 a7 = 10+15+5, D1 D4; C: a3 a6, D1 D3
    assert got[("c1", "A")] == [3, 40, 2]
    assert got[("c1", "B")] == [3, 30, 2]
    assert got[("c1", "C")] == [2, 20, 2]
    # c2 con: b2 (4) + b3 (10) in D2, D3; A: b1 (10) + b2 (4)
    assert got[("c2", "con")] == [2, 14, 2]
    assert got[("c2", "A")] == [2, 14, 2]
    assert got[("gold", "A")] == [2, 30, 2]
    assert ("gold", "C") not in got
    # Sorted by coder, then stance before themes, codebook order inside.
    assert [r[0] for r in result.tables[0].rows][:5] == ["c1"] * 5
    assert [r[2] for r in result.tables[0].rows][:5] == ["pro", "con", "A", "B", "C"]


def test_frequencies_of_gold_by_outlet_and_document(corpus):
    result = tables.frequencies(corpus, coders=["gold"], by="outlet", schemes=("stance",))
    assert [r[:2] + r[3:] for r in result.tables[0].rows] == [
        ["gold", "Post", "con", 1, 20, 1], ["gold", "Times", "pro", 1, 10, 1]]
    by_doc = tables.frequencies(corpus, coders=["c1"], by="document", schemes=("themes",))
    got = {(r[2], r[4]): r[5:] for r in by_doc.tables[0].rows}
    assert got[("D1", "B")] == [2, 25, 1]  # a1 (10) + a2 (15)
    assert got[("D3", "A")] == [2, 30, 1]  # a5 (20) + a6 (10)
    by_month = tables.frequencies(corpus, coders=["c1"], by="month", schemes=("stance",))
    got = {(r[1], r[3]): r[4] for r in by_month.tables[0].rows}
    assert got == {("2024-01", "pro"): 2, ("2024-02", "pro"): 1, ("2024-01", "con"): 2,
                   (tables.MISSING, "con"): 1}


def test_crosstab_stance_by_outlet(corpus):
    result = tables.crosstab(corpus, labels="stance", by="outlet")
    # columns sorted: Post, Times. pro: Times a1 a3 a4 b1 g1 = 5, Post 0;
    # con: Times a2 b2 = 2, Post a5 a7 b3 g2 = 4.
    assert result.data["columns"] == ["Post", "Times"]
    assert result.data["counts"] == [[0, 5], [4, 2]]
    assert result.unit == "passages"
    counts, row_pct, col_pct, stats = result.tables
    assert counts.rows[-1] == ["Total", 4, 7, 11]
    assert row_pct.rows[1][1:3] == pytest.approx([400 / 6, 200 / 6])
    assert col_pct.rows[0][1:3] == pytest.approx([0.0, 500 / 7])
    # Expected: pro 5*4/11, 5*7/11; con 6*4/11, 6*7/11; |O - E| = 20/11 in every cell, so
    # chi2 = (400/121) * 11 * (1/20 + 1/35 + 1/24 + 1/42) = (400/11) * 121/840 = 110/21.
    s = result.statistics
    assert s["chi2"] == pytest.approx(110 / 21)
    assert s["df"] == 1 and s["n"] == 11
    assert s["p"] == pytest.approx(math.erfc(math.sqrt(55 / 21)), rel=1e-9)  # df 1: erfc
    assert s["cramers_v"] == pytest.approx(math.sqrt(10 / 21))
    # every expected count (20/11, 35/11, 24/11, 42/11) is below 5, none below 1
    assert any("4 of 4 cells" in w for w in result.warnings)
    assert not any("below 1" in w for w in result.warnings)


def test_crosstab_documents_and_missing_values(corpus):
    result = tables.crosstab(corpus, labels="stance", by="outlet", unit="documents")
    # pro: D1 D2 (Times); con: D1 D2 (Times), D3 D4 (Post)
    assert result.data["counts"] == [[0, 2], [2, 2]]
    month = tables.crosstab(corpus, labels="stance", by="month", coders=["c1"])
    # c1: pro a1 a3 (2024-01), a4 (2024-02); con a2 a5 (2024-01); a7 (D4) has no month
    assert month.data["columns"] == ["2024-01", "2024-02"]
    assert month.data["counts"] == [[2, 1], [2, 0]]
    assert "1 passage with no month left out" in month.warnings
    lang = tables.crosstab(corpus, labels="themes", by="language", coders=["c2"])
    # c2: A b1 (en) b2 (en); B b2 (en); C b3 (de)
    assert lang.data["columns"] == ["de", "en"]
    assert lang.data["counts"] == [[0, 2], [0, 1], [1, 0]]
    assert any("multiple response" in w for w in lang.warnings)


def test_crosstab_undefined_test_and_bad_input(corpus):
    gold = tables.crosstab(corpus, labels="stance", by="language", coders=["gold"])
    # gold: pro g1 (en), con g2 (de): a 2x2 diagonal table, chi2 = n = 2, V = 1
    assert gold.data["counts"] == [[0, 1], [1, 0]]
    assert gold.statistics["chi2"] == pytest.approx(2.0)
    assert gold.statistics["cramers_v"] == pytest.approx(1.0)
    assert any("below 1" in w for w in gold.warnings)  # all four expected counts are 0.5
    one = tables.crosstab(corpus, labels="stance", by="year", coders=["gold"])
    assert one.statistics["chi2"] is None and one.statistics["cramers_v"] is None
    with pytest.raises(OperationError):
        tables.crosstab(corpus, by="colour")
    with pytest.raises(OperationError):
        tables.crosstab(corpus, coders=["nobody"])


def test_stance_by_theme(corpus):
    result = tables.crosstab(corpus, labels="stance", by="themes")
    # pro: A a1 b1 g1, B a1 g1, C a3; con: A a5 b2 g2, B a2 a7 b2, C b3 (a4, a6 lack one)
    assert result.data["rows"] == ["pro", "con"]
    assert result.data["counts"] == [[3, 2, 1], [3, 3, 1]]
    flipped = tables.crosstab(corpus, labels="themes", by="stance")
    assert flipped.data["counts"] == [[3, 3], [2, 3], [1, 1]]


def test_cooccurrence_modes(corpus):
    passage = tables.cooccurrence(corpus, mode="passage")
    # A on a1 a5 a6 b1 b2 g1 g2 = 7; B a1 a2 a7 b2 g1 = 5; C a3 a6 b3 = 3;
    # A&B a1 b2 g1 = 3; A&C a6 = 1; B&C none
    assert passage.data["counts"] == [[7, 3, 1], [3, 5, 0], [1, 0, 3]]
    jac = passage.data["jaccard"]
    assert jac[0][1] == pytest.approx(3 / 9) and jac[0][2] == pytest.approx(1 / 9)
    assert jac[1][2] == 0 and jac[1][1] == 1
    overlap = tables.cooccurrence(corpus, mode="overlap", coders=["c1"])
    # c1 clusters: D1 {a1,a2} = {A,B}, {a3} = {C}; D3 {a5} = {A}, {a6} = {A,C}; D4 {B}
    assert overlap.data["counts"] == [[3, 1, 1], [1, 2, 0], [1, 0, 2]]
    assert overlap.data["jaccard"][0][1] == pytest.approx(1 / 4)
    document = tables.cooccurrence(corpus, mode="document")
    # (doc, coder): c1D1 ABC, c1D3 AC, c1D4 B, c2D1 A, c2D2 AB, c2D3 C, gD1 AB, gD3 A
    assert document.data["counts"] == [[6, 3, 2], [3, 4, 1], [2, 1, 3]]
    assert document.data["jaccard"][1][2] == pytest.approx(1 / 6)


def test_overlap_clusters_chain_and_touching_spans():
    rows = [("d", "c", 0, 10, "x", "A"), ("d", "c", 8, 15, "y", "B"),
            ("d", "c", 14, 20, "z", "C"), ("d", "c", 20, 30, "w", "A"),
            ("d", "k", 0, 5, "v", "B")]
    assert cluster_units(rows) == [{"A", "B", "C"}, {"A"}, {"B"}]


def test_timeline(corpus):
    result = tables.timeline(corpus)
    # Post 2024-01 (D3): con a5 b3 g2; Times 2024-01 (D1): pro a1 a3 b1 g1, con a2;
    # Times 2024-02 (D2): pro a4, con b2; a7 (D4, no date) left out
    assert result.tables[0].columns == ["outlet", "month", "n", "pro", "con"]
    assert result.tables[0].rows == [["Post", "2024-01", 3, 0.0, 100.0],
                                     ["Times", "2024-01", 5, 80.0, 20.0],
                                     ["Times", "2024-02", 2, 50.0, 50.0]]
    assert result.warnings[0].startswith("1 passages")
    docs = tables.timeline(corpus, unit="documents", coders=["c1"])
    # c1 documents: D1 pro+con, D2 pro, D3 con
    assert [r[:3] for r in docs.tables[0].rows] == [["Post", "2024-01", 1],
                                                    ["Times", "2024-01", 2],
                                                    ["Times", "2024-02", 1]]


def test_chi_square_survival_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    special = pytest.importorskip("scipy.special")
    for df in (1, 2, 3, 5, 10, 30, 101):
        for x in (0.0, 1e-6, 0.5, 1.0, 2.5, df - 0.5, df + 1.5, 3.0 * df, 60.0, 250.0):
            assert chi2_sf(x, df) == pytest.approx(stats.chi2.sf(x, df), rel=1e-9, abs=1e-300)
    for a, x in ((0.3, 0.1), (0.5, 4.0), (7.5, 7.0), (40.0, 45.0)):
        assert gammaincc(a, x) == pytest.approx(special.gammaincc(a, x), rel=1e-10)
    table = [[12, 5, 9], [3, 14, 8], [7, 7, 20]]
    ours = chi_square_test(table)
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    assert ours["chi2"] == pytest.approx(chi2) and ours["df"] == dof
    assert ours["p"] == pytest.approx(p, rel=1e-9)


def test_every_format_reads_back(corpus, tmp_path):
    result = tables.crosstab(corpus, labels="stance", by="outlet")
    result.tables[0].rows[0][0] = "=SUM(A1)"  # a label that looks like a formula stays text
    for ext in (".csv", ".xlsx", ".md", ".html", ".json"):
        write(result, tmp_path / f"out{ext}")
    data = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert data["counts"] == [[0, 5], [4, 2]] and data["unit"] == "passages"
    assert data["statistics"]["df"] == 1
    rows = list(csv.reader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert rows[1] == ["stance", "Post", "Times", "Total"]
    assert rows[2] == ["=SUM(A1)", "0", "5", "5"]
    assert rows[-1][0] == "warning"
    from openpyxl import load_workbook
    wb = load_workbook(tmp_path / "out.xlsx")
    ws = wb["counts"]
    assert [c.value for c in ws[3]] == ["=SUM(A1)", 0, 5, 5]
    assert ws["A3"].data_type == "s"
    assert wb["statistics"]["B4"].value == pytest.approx(110 / 21)  # title, header, n, chi2
    md = (tmp_path / "out.md").read_text("utf-8")
    assert "| con | 4 | 2 | 6 |" in md and "5.238" in md
    page = (tmp_path / "out.html").read_text("utf-8")
    assert "<td>con</td>" in page and "<script" not in page and "http" not in page
    assert '<td class="n">6</td>' in page
    assert to_csv(result) == (tmp_path / "out.csv").read_text("utf-8")


def test_cli_table_commands(tmp_path):
    path = tmp_path / "t.sqlite"
    build(path).close()
    runner = CliRunner()
    base = ["--project", str(path), "table"]
    out = runner.invoke(cli, base + ["crosstab", "--by", "outlet", "--coder", "gold"])
    assert out.exit_code == 0, out.output
    assert "gold" in out.output and "Post" in out.output
    out = runner.invoke(cli, base + ["frequencies", "--by", "outlet", "--labels", "stance",
                                     "--output", str(tmp_path / "f.json")])
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "f.json").read_text("utf-8"))
    assert ["c2", "Times", "stance", "pro", 1, 10, 1] in data["tables"][0]["rows"]
    out = runner.invoke(cli, base + ["cooccurrence", "--mode", "document",
                                     "--output", str(tmp_path / "c.csv")])
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli, base + ["timeline", "--unit", "documents"])
    assert out.exit_code == 0 and "2024-02" in out.output
    out = runner.invoke(cli, base + ["crosstab", "--coder", "nobody"])
    assert out.exit_code != 0

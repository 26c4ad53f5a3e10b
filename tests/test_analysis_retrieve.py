"""Retrieval of coded segments (analysis/retrieve.py) and its DOCX/XLSX/CSV exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from desk_annotator.analysis.retrieve import RetrievalError, RetrievalQuery, retrieve
from desk_annotator.analysis.retrieve_export import write_segments
from desk_annotator.analysis.sentences import sentence_around, sentence_ends
from desk_annotator.cli import main
from desk_annotator.project import Project


class _Article:
    """The article shape AddDocuments accepts (title, text, metadata)."""

    def __init__(self, title: str, text: str, metadata: dict[str, str]) -> None:
        self.title, self.text, self.metadata = title, text, metadata


def make_article(title: str, text: str, **metadata: str) -> _Article:
    return _Article(title, text, metadata)

TEXT_A = ("Dr. Smith met U.S. officials on Jan. 5 in Washington. They talked about chips and "
          "export rules. =SUM(A1) is what one coder typed.")
TEXT_B = "中国发布了新规。美国回应很快！ Die Regeln gelten z.B. für Chips. Ende."


def _small(project: Project) -> dict[str, str]:
    c1 = project.ensure_coder("coder-1")
    gold = project.ensure_coder("gold")
    sup = project.add_label("stance", "supportive")
    crit = project.add_label("stance", "critical")
    exp = project.add_label("themes", "export controls")
    opn = project.add_label("themes", "open source")
    project.add_documents([
        make_article("Alpha", TEXT_A, outlet="Times", date="2025-07-01", language="en"),
        make_article("Beta", TEXT_B, outlet="Zeit", date="2025-08-15", language="de"),
    ])
    a, b = (d.id for d in project.q.document_infos())
    i = TEXT_A.index
    project.add_annotation(a, c1.id, i("U.S."), i("U.S.") + 4, stance_id=crit.id,
                           theme_ids=[exp.id])
    project.add_annotation(a, c1.id, i("chips"), i("chips") + 5, theme_ids=[opn.id])
    project.add_annotation(a, gold.id, i("=SUM"), i("=SUM") + 8, stance_id=sup.id,
                           theme_ids=[exp.id, opn.id])
    j = TEXT_B.index
    project.add_annotation(b, gold.id, j("新规"), j("新规") + 2, stance_id=crit.id,
                           theme_ids=[exp.id])
    project.add_annotation(b, c1.id, j("Chips"), j("Chips") + 5, theme_ids=[exp.id])
    return {"a": a, "b": b}


@pytest.fixture
def small(project: Project) -> tuple[Project, dict[str, str]]:
    return project, _small(project)


def _quotes(project: Project, **query) -> list[str]:
    return [s.quote for s in retrieve(project.q, RetrievalQuery(**query))]


def test_sentence_rule_abbreviations_and_cjk() -> None:
    assert sentence_around(TEXT_A, TEXT_A.index("U.S."), TEXT_A.index("U.S.") + 4) == (
        0, TEXT_A.index(" They"))
    assert TEXT_A[slice(*sentence_around(TEXT_A, TEXT_A.index("chips"),
                                         TEXT_A.index("chips") + 5))] == (
        "They talked about chips and export rules.")
    k = TEXT_B.index("新规")
    assert TEXT_B[slice(*sentence_around(TEXT_B, k, k + 2))] == "中国发布了新规。"
    k = TEXT_B.index("Chips")
    assert TEXT_B[slice(*sentence_around(TEXT_B, k, k + 5))] == "Die Regeln gelten z.B. für Chips."
    # a segment across two sentences gets both; a line break always ends a sentence
    assert sentence_ends("One line\nnext one. Two") == [9, 18, 22]
    s = sentence_around(TEXT_A, TEXT_A.index("Washington"), TEXT_A.index("talked"))
    assert TEXT_A[slice(*s)].endswith("export rules.") and s[0] == 0


def test_any_and_all_semantics(small) -> None:
    project, _ = small
    assert _quotes(project, labels=["export controls", "open source"]) == [
        "U.S.", "chips", "=SUM(A1)", "新规", "Chips"]
    assert _quotes(project, labels=["export controls", "open source"], match_all=True) == [
        "=SUM(A1)"]
    # a stance name counts as a label; all of critical and export controls
    assert _quotes(project, labels=["critical", "export controls"], match_all=True) == [
        "U.S.", "新规"]
    assert _quotes(project, stances=["critical"]) == ["U.S.", "新规"]
    with pytest.raises(RetrievalError, match="'nope'"):
        retrieve(project.q, RetrievalQuery(labels=["nope"]))


def test_filters_coders_variables_and_sort(small) -> None:
    project, ids = small
    assert _quotes(project, coders=["gold"]) == ["=SUM(A1)", "新规"]
    assert _quotes(project, outlets=["zeit"]) == ["新规", "Chips"]
    assert _quotes(project, languages=["en"], coders=["coder-1"]) == ["U.S.", "chips"]
    assert _quotes(project, date_from="2025-08-01") == ["新规", "Chips"]
    assert _quotes(project, date_to="2025-07-31") == ["U.S.", "chips", "=SUM(A1)"]
    assert _quotes(project, documents=[ids["b"]]) == ["新规", "Chips"]
    assert _quotes(project, sort="length") == ["新规", "U.S.", "chips", "Chips", "=SUM(A1)"]
    assert _quotes(project, sort="-length")[0] == "=SUM(A1)"
    assert _quotes(project, sort="coder") == ["U.S.", "chips", "Chips", "=SUM(A1)", "新规"]
    # label: first carried label (stance first), alphabetically
    assert _quotes(project, sort="label") == ["U.S.", "新规", "Chips", "chips", "=SUM(A1)"]
    with pytest.raises(RetrievalError):
        retrieve(project.q, RetrievalQuery(coders=["nobody"]))


def test_context_sentence_and_chars(small) -> None:
    project, _ = small
    seg = retrieve(project.q, RetrievalQuery(labels=["critical"]))[0]
    assert seg.context == "Dr. Smith met U.S. officials on Jan. 5 in Washington."
    assert seg.before == "Dr. Smith met " and seg.after.startswith(" officials")
    seg = retrieve(project.q, RetrievalQuery(labels=["critical"], context=5))[1]
    assert seg.quote == "新规" and seg.before == "中国发布了" and seg.after == "。美国回应"
    assert seg.context_start == 0 and seg.context_end == TEXT_B.index("新规") + 7


def test_docx_layout_read_back(small, tmp_path: Path) -> None:
    import docx

    project, _ = small
    segments = retrieve(project.q, RetrievalQuery(labels=["export controls"]))
    out = tmp_path / "quotes.docx"
    write_segments(out, segments, group_by="label")
    paras = [(p.style.name, p.text) for p in docx.Document(str(out)).paragraphs]
    headings = [t for style, t in paras if style.startswith("Heading")]
    assert headings == ["export controls (4)"]
    body = [t for style, t in paras if not style.startswith(("Heading", "Title"))]
    assert body[0] == "\u201cU.S.\u201d"
    assert body[1] == "\u2014 Alpha (Times, 2025-07-01), coder-1, critical, export controls"
    assert "\u201c新规\u201d" in body
    assert "\u2014 Beta (Zeit, 2025-08-15), gold, critical, export controls" in body
    write_segments(out, segments, group_by="document")
    headings = [p.text for p in docx.Document(str(out)).paragraphs
                if p.style.name.startswith("Heading")]
    assert headings == ["Alpha (2)", "Beta (2)"]


def test_xlsx_has_no_formulas_and_csv(small, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    project, _ = small
    segments = retrieve(project.q, RetrievalQuery())
    write_segments(tmp_path / "s.xlsx", segments)
    ws = load_workbook(tmp_path / "s.xlsx").active
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    quotes = [r[9] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert "=SUM(A1)" in quotes and "新规" in quotes
    write_segments(tmp_path / "s.csv", segments)
    with open(tmp_path / "s.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["quote"] for r in rows] == [s.quote for s in segments]
    assert rows[0]["labels"] == "critical; export controls"


def test_cli_retrieve(small, project_path: Path, tmp_path: Path, capsys) -> None:
    project, _ = small
    project.close()
    out = tmp_path / "gold.docx"
    with pytest.raises(SystemExit) as exit_:
        main(["--project", str(project_path), "retrieve", "--labels", "export controls,open source",
              "--all", "--coder", "gold", "--output", str(out)])
    assert exit_.value.code == 0 and "1 segment written" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["--project", str(project_path), "retrieve", "--labels", "critical",
              "--context", "chars:3", "--json"])
    assert exit_.value.code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and '"context": "发布了新规。美国"' in lines[1]
    assert '"context": "et U.S. of"' in lines[0]
    with pytest.raises(SystemExit) as exit_:
        main(["--project", str(project_path), "retrieve", "--labels", "nope"])
    assert exit_.value.code == 1 and "no label named 'nope'" in capsys.readouterr().err


def test_sample_corpus_gold_docx(tmp_path: Path) -> None:
    """The issue's example: a DOCX of every passage coded "export controls and chips" by gold.
    The sample corpus has no gold coder, so gold here takes over coder-1's passages."""
    import docx

    from desk_annotator.sample import fill_from_sample

    with Project(tmp_path / "sample.sqlite") as project:
        fill_from_sample(project)
        label = project.q.codebook().find("themes", "export controls and chips")
        assert label is not None
        gold = project.coder_by_name("gold") or project.ensure_coder("gold")
        source = project.require_coder("coder-1")
        copied = [a for a in project.q.annotations(coder_ids=[source.id])
                  if label.id in a.theme_ids]
        assert copied
        for a in copied:
            project.add_annotation(a.document_id, gold.id, a.start, a.end,
                                   stance_id=a.stance_id, theme_ids=a.theme_ids)
        segments = retrieve(project.q, RetrievalQuery(labels=["export controls and chips"],
                                                      coders=["gold"]))
        assert len(segments) == len(copied)
        write_segments(tmp_path / "gold.docx", segments)
    paras = docx.Document(str(tmp_path / "gold.docx")).paragraphs
    quotes = [p.text for p in paras if p.text.startswith("\u201c")]
    attributions = [p.text for p in paras if p.text.startswith("\u2014 ")]
    assert len(quotes) == len(attributions) == len(copied)
    assert all(", gold, " in line and "export controls and chips" in line
               for line in attributions)
    assert [p.text for p in paras if p.style.name == "Heading 1"] == [
        f"export controls and chips ({len(copied)})"]


def test_xlsx_cells_text_cut_and_cleaned(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from desk_annotator.analysis.retrieve_export import CELL_LIMIT, write_table_xlsx

    rows = [{"a": "x" * 40_000, "b": 1}, {"a": "=1+1", "b": 2}, {"a": "bad\x01char", "b": 3}]
    assert write_table_xlsx(tmp_path / "t.xlsx", ["a", "b"], rows) == 3
    ws = load_workbook(tmp_path / "t.xlsx").active
    values = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(values[0][0]) == CELL_LIMIT and values[0][0].endswith("\u2026")
    assert values[1] == ("=1+1", 2) and ws["A3"].data_type == "s"
    assert values[2][0] == "badchar"

"""The analysis data matrix (issue 12): values on a hand-built project, read back from every
format (CSV, XLSX, SPSS .sav, Stata .dta) with their codebooks and value labels."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pytest

from desk_annotator.analysis.matrix import build_matrix
from desk_annotator.analysis.matrix_writers import statistical_names, write_matrix
from desk_annotator.project import Project

HOSTILE = '=HYPERLINK("http://evil.example","click")'
LONG = "a theme whose name is far too long for any statistics package " * 2


@pytest.fixture
def built(project: Project, article):
    c1 = project.ensure_coder("coder-1")
    gold = project.ensure_coder("gold")
    sup = project.add_label("stance", "supportive")
    crit = project.add_label("stance", "critical")
    exp = project.add_label("themes", "export controls")
    opn = project.add_label("themes", "open source")
    project.add_label("themes", "open-source")
    sec = project.add_label("themes", "Öffentliche Sicherheit")
    project.add_label("themes", LONG.strip())
    project.add_label("themes", "Q" * 70)  # a name to cut at the limit exactly
    project.add_documents([
        article(HOSTILE, "Alpha beta gamma delta epsilon.", outlet="Times", author="A"),
        article("Plain", "-1 risk and +2 gain here.", outlet="Post", language="en"),
        article("Third", "Nothing coded in this one.", outlet="Times"),
    ])
    d0, d1, d2 = (d.id for d in project.q.document_infos())
    project.add_annotation(d0, c1.id, 0, 5, stance_id=crit.id, theme_ids=[exp.id])
    project.add_annotation(d0, c1.id, 6, 10, stance_id=crit.id, theme_ids=[exp.id, opn.id],
                           note="@SUM(A1)")
    project.add_annotation(d0, c1.id, 11, 16, stance_id=sup.id)
    project.add_annotation(d1, c1.id, 0, 7, stance_id=sup.id)
    project.add_annotation(d1, c1.id, 12, 14, stance_id=crit.id)
    project.add_annotation(d0, gold.id, 0, 5, stance_id=sup.id, theme_ids=[sec.id])
    project.add_annotation(d1, gold.id, 8, 11)
    project.set_status(d2, c1.id, "done")
    return project, (d0, d1, d2)


def _as_dicts(matrix):
    keys = [c.key for c in matrix.columns]
    return [dict(zip(keys, row)) for row in matrix.rows]


def test_document_rows_for_one_coder_hold_hand_counted_values(built):
    project, (d0, d1, d2) = built
    rows = _as_dicts(build_matrix(project, "documents", "coder-1"))
    assert [r["document_id"] for r in rows] == [d0, d1, d2]
    r0, r1, r2 = rows
    assert (r0["title"], r0["coder"], r0["coded"], r0["outlet"], r0["author"]) == (
        HOSTILE, "coder-1", 1, "Times", "A")
    assert r0["passages"] == 3
    assert (r0["stance n: supportive"], r0["stance n: critical"]) == (1, 2)
    assert r0["stance share: critical"] == pytest.approx(2 / 3)
    assert r0["majority stance"] == 2  # critical: codebook order supportive=1, critical=2
    assert (r0["theme: export controls"], r0["theme n: export controls"]) == (1, 2)
    assert (r0["theme: open source"], r0["theme n: open source"]) == (1, 1)
    assert r0["theme: open-source"] == 0 and r0["theme: Öffentliche Sicherheit"] == 0
    assert r1["majority stance"] is None  # one supportive, one critical: a tie
    assert r1["language"] == "en"
    assert (r2["coded"], r2["passages"], r2["stance share: supportive"]) == (1, 0, None)


def test_every_coder_gets_rows_only_where_coded_and_gold_is_selectable(built):
    project, (d0, d1, d2) = built
    rows = _as_dicts(build_matrix(project, "documents"))
    assert [(r["document_id"], r["coder"]) for r in rows] == [
        (d0, "coder-1"), (d0, "gold"), (d1, "coder-1"), (d1, "gold"), (d2, "coder-1")]
    gold = _as_dicts(build_matrix(project, "documents", "gold"))
    assert [r["coded"] for r in gold] == [1, 1, 0]
    assert gold[0]["theme: Öffentliche Sicherheit"] == 1 and gold[0]["majority stance"] == 1


def test_passage_rows(built):
    project, (d0, d1, _) = built
    rows = _as_dicts(build_matrix(project, "passages", "coder-1"))
    assert [(r["document_id"], r["start"], r["end"]) for r in rows] == [
        (d0, 0, 5), (d0, 6, 10), (d0, 11, 16), (d1, 0, 7), (d1, 12, 14)]
    second = rows[1]
    assert (second["quote"], second["stance"], second["note"]) == ("beta", 2, "@SUM(A1)")
    assert (second["theme: export controls"], second["theme: open source"],
            second["theme: open-source"]) == (1, 1, 0)
    assert rows[3]["quote"] == "-1 risk" and rows[3]["outlet"] == "Post"
    assert len(build_matrix(project, "passages").rows) == 7


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_plain_and_spreadsheet_safe(built, tmp_path):
    project, _ = built
    matrix = build_matrix(project, "passages", "coder-1")
    written = write_matrix(tmp_path / "m.csv", matrix)
    assert written == [tmp_path / "m.csv", tmp_path / "m.codebook.csv"]
    rows = _read_csv(tmp_path / "m.csv")
    assert rows[0]["title"] == HOSTILE and rows[1]["stance"] == "critical"
    assert rows[3]["quote"] == "-1 risk"
    write_matrix(tmp_path / "s.csv", matrix, safe=True)
    safe = _read_csv(tmp_path / "s.csv")
    assert safe[0]["title"] == "'" + HOSTILE
    assert safe[1]["note"] == "'@SUM(A1)" and safe[3]["quote"] == "'-1 risk"
    assert safe[0]["quote"] == "Alpha" and safe[0]["start"] == "0"
    book = {r["column"]: r for r in _read_csv(tmp_path / "s.codebook.csv")}
    assert book["stance"]["values"] == "1 = supportive; 2 = critical"
    assert book["theme: open source"]["values"] == "0 = absent; 1 = present"


def test_xlsx_never_holds_a_formula(built, tmp_path):
    from openpyxl import load_workbook

    project, _ = built
    write_matrix(tmp_path / "m.xlsx", build_matrix(project, "passages", "coder-1"))
    assert not (tmp_path / "m.codebook.csv").exists()
    book = load_workbook(tmp_path / "m.xlsx")
    assert book.sheetnames == ["matrix", "codebook"]
    cells = [c for ws in book for row in ws.iter_rows() for c in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    sheet = book["matrix"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("title") + 1).value == HOSTILE
    assert sheet.cell(3, header.index("note") + 1).value == "@SUM(A1)"
    assert sheet.cell(2, header.index("start") + 1).value == 0
    codebook = {row[1]: row for row in book["codebook"].iter_rows(min_row=2, values_only=True)}
    assert codebook["stance"][4] == "1 = supportive; 2 = critical"


NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@pytest.mark.parametrize("suffix,limit", [(".sav", 64), (".dta", 28)])
def test_statistical_files_carry_value_and_variable_labels(built, tmp_path, suffix, limit):
    import pyreadstat

    project, (d0, _, _) = built
    matrix = build_matrix(project, "documents", "coder-1")
    path = tmp_path / f"m{suffix}"
    write_matrix(path, matrix)
    reader = pyreadstat.read_sav if suffix == ".sav" else pyreadstat.read_dta
    frame, meta = reader(str(path))
    names = list(frame.columns)
    assert len(names) == len(matrix.columns)
    assert all(NAME.match(n) and len(n) <= limit for n in names)
    assert len({n.lower() for n in names}) == len(names)
    book = {r["column"]: r for r in _read_csv(tmp_path / "m.codebook.csv")}
    var = {key: book[key]["variable"] for key in book}
    assert set(var.values()) == set(names)
    majority, exp = var["majority stance"], var["theme: export controls"]
    labels = meta.variable_value_labels
    assert labels[majority] == {1: "supportive", 2: "critical"}
    assert labels[exp] == {0: "absent", 1: "present"}
    assert list(frame[majority][:2]) [0] == 2 and math.isnan(frame[majority][1])
    assert list(frame[exp]) == [1, 0, 0]
    assert frame[var["document_id"]][0] == d0 and frame[var["title"]][0] == HOSTILE
    assert frame[var["stance share: critical"]][0] == pytest.approx(2 / 3)
    by_name = dict(zip(meta.column_names, meta.column_labels))
    assert by_name[var["theme: Öffentliche Sicherheit"]] == \
        "Theme used in the document: Öffentliche Sicherheit"
    assert var["theme: open source"] != var["theme: open-source"]
    shown, _ = reader(str(path), apply_value_formats=True)
    assert shown[majority][0] == "critical" and shown[exp][0] == "present"


def test_statistical_names_are_valid_unique_and_short():
    keys = ["theme: open source", "theme: open-source", "Theme: OPEN source", "1st theme",
            "Öffentliche Sicherheit", "中文", "with", "_n", "x" * 100, "x" * 100 + "y", ""]
    for limit in (32, 64):
        names = statistical_names(keys, limit)
        assert all(NAME.match(n) and len(n) <= limit for n in names), names
        assert len({n.lower() for n in names}) == len(keys)
        assert names[0] == "theme_open_source" and names[4] == "Offentliche_Sicherheit"
        assert names[3] == "v_1st_theme"
        assert names[6].lower() != "with" and names[7].lower() != "_n"


def test_cli_matrix(built, project_path, run_cli, tmp_path):
    import pyreadstat

    project, _ = built
    project.close()
    out = tmp_path / "gold.sav"
    code, stdout, _ = run_cli("--project", project_path, "matrix", out, "--coder", "gold")
    assert code == 0 and "3 rows" in stdout
    frame, meta = pyreadstat.read_sav(str(out))
    assert len(frame) == 3 and (tmp_path / "gold.codebook.csv").exists()
    code, _, err = run_cli("--project", project_path, "matrix", tmp_path / "p.csv",
                           "--rows", "passages", "--spreadsheet-safe")
    assert code == 0 and _read_csv(tmp_path / "p.csv")[0]["title"] == "'" + HOSTILE
    code, _, err = run_cli("--project", project_path, "matrix", out, "--coder", "nobody")
    assert code == 1 and "nobody" in err
    code, _, err = run_cli("--project", project_path, "matrix", tmp_path / "m.txt")
    assert code == 1 and ".sav" in err


def test_without_the_variables_module_the_builtin_metadata_is_used(built, monkeypatch):
    import sys

    project, _ = built
    monkeypatch.setitem(sys.modules, "desk_annotator.variables", None)  # import fails
    matrix = build_matrix(project, "documents", "coder-1")
    keys = [c.key for c in matrix.columns]
    assert keys[4:9] == ["author", "outlet", "date", "url", "language"]
    assert _as_dicts(matrix)[1]["language"] == "en"


def test_custom_variables_become_typed_and_labelled_columns(built, tmp_path):
    import pyreadstat

    pytest.importorskip("desk_annotator.variables")
    ov = pytest.importorskip("desk_annotator.ops_variables")
    project, (d0, d1, _) = built
    project.run(ov.DefineVariable("words", "number"))
    project.run(ov.DefineVariable("genre", "category", ["news", "opinion"]))
    project.run(ov.SetVariableValue(d0, "words", "120"))
    project.run(ov.SetVariableValue(d0, "genre", "opinion"))
    project.run(ov.SetVariableValue(d1, "genre", "news"))
    matrix = build_matrix(project, "documents", "coder-1")
    rows = _as_dicts(matrix)
    assert [r["words"] for r in rows] == [120, None, None]
    assert [r["genre"] for r in rows] == [2, 1, None]
    assert [r[[c.key for c in matrix.columns].index("genre")] for r in matrix.display_rows()] \
        == ["opinion", "news", ""]
    write_matrix(tmp_path / "v.sav", matrix)
    frame, meta = pyreadstat.read_sav(str(tmp_path / "v.sav"))
    assert meta.variable_value_labels["genre"] == {1: "news", 2: "opinion"}
    assert frame["words"][0] == 120 and frame["genre"][0] == 2


def test_xlsx_cuts_text_at_the_cell_limit_and_replaces_control_characters(built, tmp_path):
    from openpyxl import load_workbook

    from desk_annotator.analysis.matrix import Column, Matrix

    matrix = Matrix([Column("quote", "Coded text", "text")], [["x" * 40_000], ["a\x01b"]])
    write_matrix(tmp_path / "long.xlsx", matrix)
    sheet = load_workbook(tmp_path / "long.xlsx")["matrix"]
    long_cell = sheet.cell(2, 1).value
    assert len(long_cell) == 32_767 and long_cell.endswith("…")
    assert sheet.cell(3, 1).value == "a\ufffdb"


def test_gold_before_adjudication_is_one_clear_error(project):
    from desk_annotator.errors import DeskAnnotatorError

    project.ensure_coder("coder-1")
    with pytest.raises(DeskAnnotatorError, match="no gold layer yet"):
        build_matrix(project, "documents", "gold")


def test_a_set_limits_the_rows_to_its_documents(built, project_path, run_cli, tmp_path):
    """--set: rows of the set's documents only (document and passage rows, API and CLI); the
    counts of each row are those of the whole matrix; an empty or unknown set is one line."""
    from desk_annotator.ops_sets import CreateSet

    project, (d0, d1, d2) = built
    whole = {(r["document_id"], r["coder"]): r for r in _as_dicts(build_matrix(project))}
    project.run(CreateSet("second and third", [d1, d2]))
    project.run(CreateSet("nothing", []))
    limited = _as_dicts(build_matrix(project, set_name="second and third"))
    assert {r["document_id"] for r in limited} == {d1, d2}
    assert all(r == whole[(r["document_id"], r["coder"])] for r in limited)
    passages = _as_dicts(build_matrix(project, rows="passages", set_name="second and third"))
    assert {r["document_id"] for r in passages} == {d1} and len(passages) == 3
    project.close()
    out = tmp_path / "set.csv"
    code, stdout, _ = run_cli("--project", project_path, "matrix", out, "--set",
                              "second and third")
    assert code == 0 and {r["document_id"] for r in _read_csv(out)} == {d1, d2}
    for name in ("nothing", "no such set"):
        code, _, err = run_cli("--project", project_path, "matrix", out, "--set", name)
        assert code == 1 and len(err.strip().splitlines()) == 1

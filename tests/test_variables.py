"""Document variables: schema 5, the ops and their undo, type checks, the variable table,
CSV/XLSX import (every match mode, unmatched and ambiguous rows), export, dataset JSONL and
the CLI."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pytest

from desk_annotator.errors import OperationError
from desk_annotator.io.dataset_jsonl import read_dataset
from desk_annotator.io.variable_sheet import read_sheet, write_sheet
from desk_annotator.ops_variables import (
    DefineVariable,
    DeleteVariable,
    RenameVariable,
    SetVariableValue,
    SetVariableValues,
)
from desk_annotator.project import Project
from desk_annotator.project_io import export_path
from desk_annotator.store.schema import SCHEMA_VERSION
from desk_annotator.variables import (
    custom_variables,
    find_variable,
    parse_value,
    variable_names,
    variable_table,
)
from desk_annotator.variables_io import export_variables, import_variables

FIXTURE_V1 = Path(__file__).parent / "fixtures" / "project_schema1.sqlite"
TABLES = ("documents", "variables", "document_variables")


def _docs(project: Project, article) -> list[str]:  # type: ignore[no-untyped-def]
    arts = [article("Alpha", "First text.", outlet="Daily", source_file="in/alpha.md"),
            article("Beta", "Second text.", outlet="Weekly", source_file="in/beta.txt"),
            article("Same", "Third text.", source_file="c.md"),
            article("Same", "Fourth text.", source_file="d.md")]
    project.add_documents(arts)
    return [d.id for d in project.q.document_infos()]


@pytest.fixture
def vproject(project: Project, article):  # type: ignore[no-untyped-def]
    ids = _docs(project, article)
    project.run(DefineVariable("tone", "category", "neg, neu ,pos"))
    project.run(DefineVariable("words", "number"))
    project.run(DefineVariable("published", "date"))
    project.run(DefineVariable("note", "text"))
    return project, ids


def _row(project: Project, doc_id: str) -> dict:
    return dict(variable_table(project))[doc_id]


def test_migration_adds_the_tables_to_an_old_project(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE_V1, path)
    with Project(path) as p:
        assert p.store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        p.run(DefineVariable("tone", "category", ["a", "b"]))
        doc = p.q.document_infos()[0].id
        p.run(SetVariableValue(doc, "tone", "B"))
        assert _row(p, doc)["tone"] == "b"
    conn = sqlite3.connect(path)
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= \
        {"variables", "document_variables"}
    conn.close()


def test_ops_and_undo_restore_every_row(vproject, dump) -> None:  # type: ignore[no-untyped-def]
    p, ids = vproject
    before = dump(p, TABLES)
    assert p.run(SetVariableValues([(ids[0], "tone", "pos"), (ids[1], "words", "1,5"),
                                    (ids[0], "outlet", "Other")])) == 3
    assert _row(p, ids[0])["tone"] == "pos" and _row(p, ids[0])["outlet"] == "Other"
    assert _row(p, ids[1])["words"] == "1.5"
    p.run(RenameVariable("tone", "stance of piece"))
    assert _row(p, ids[0])["stance of piece"] == "pos" and "tone" not in variable_names(p)
    assert p.run(DeleteVariable("stance of piece")) == 1
    assert "stance of piece" not in variable_names(p)
    after = dump(p, TABLES)
    for _ in range(3):
        p.undo()
    assert dump(p, TABLES) == before
    for _ in range(3):
        p.redo()
    assert dump(p, TABLES) == after


def test_clearing_and_names(vproject) -> None:  # type: ignore[no-untyped-def]
    p, ids = vproject
    p.run(SetVariableValue(ids[0], "note", "  two   words "))
    assert _row(p, ids[0])["note"] == "two words"
    assert p.run(SetVariableValue(ids[0], "note", "")) is True
    assert _row(p, ids[0])["note"] is None
    with pytest.raises(OperationError, match="already a variable"):
        p.run(DefineVariable("TONE", "text"))
    with pytest.raises(OperationError, match="built-in"):
        p.run(DefineVariable("outlet", "text"))
    with pytest.raises(OperationError, match="needs its categories"):
        p.run(DefineVariable("x", "category"))
    with pytest.raises(OperationError, match="type is one of"):
        p.run(DefineVariable("x", "colour"))
    assert [v.name for v in custom_variables(p)] == ["tone", "words", "published", "note"]
    assert variable_names(p)[:5] == ["author", "outlet", "date", "url", "language"]


@pytest.mark.parametrize(("name", "raw", "expected"), [
    ("words", "12", "12"), ("words", 3.0, "3"), ("words", "-2,25", "-2.25"),
    ("published", "2024-02-29", "2024-02-29"), ("published", "2024-03-01T10:00:00", "2024-03-01"),
    ("tone", "NEU", "neu"), ("note", "x", "x"), ("words", "  ", None),
])
def test_values_are_stored_in_canonical_form(vproject, name, raw, expected) -> None:  # type: ignore[no-untyped-def]
    p, _ = vproject
    assert parse_value(find_variable(p, name), raw) == expected


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("words", "twelve", "words is a number: 'twelve' is not one"),
    ("words", "nan", "is not one"),
    ("published", "2023-02-29", "published is a date: '2023-02-29' is not a date"),
    ("published", "1/2/2020", "YYYY-MM-DD"),
    ("tone", "angry", "tone is a category: 'angry' is not one of neg, neu, pos"),
])
def test_a_bad_value_is_refused_with_one_line(vproject, name, raw, message, dump) -> None:  # type: ignore[no-untyped-def]
    p, ids = vproject
    before = dump(p, TABLES)
    with pytest.raises(OperationError, match=message) as info:
        p.run(SetVariableValues([(ids[0], "note", "fine"), (ids[1], name, raw)]))
    assert "\n" not in str(info.value)
    assert dump(p, TABLES) == before  # the good value went nowhere either


def _sheet(tmp_path: Path, suffix: str, header: list[str], rows: list[list]) -> Path:
    path = tmp_path / f"vars{suffix}"
    write_sheet(path, header, rows)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(("match", "key_header", "key"), [
    ("id", "id", lambda ids, i: ids[i]),
    ("sha256", "sha256", None),
    ("title", "Title", lambda ids, i: ["Alpha", "Beta"][i]),
    ("file", "source_file", lambda ids, i: ["alpha.md", "beta"][i]),
    ("auto", "title", lambda ids, i: ["alpha", "BETA"][i]),
])
def test_import_by_each_match_mode(vproject, tmp_path, suffix, match, key_header, key) -> None:  # type: ignore[no-untyped-def]
    p, ids = vproject
    if key is None:
        shas = {d.id: d.sha256 for d in p.q.document_infos()}
        key = lambda ids, i: shas[ids[i]]
    rows = [[key(ids, 0), "pos", 10, "2024-01-05", "Daily News"],
            [key(ids, 1), "neg", "", "", ""],
            ["nothing like it", "neu", 1, "", ""]]
    path = _sheet(tmp_path, suffix, [key_header, "tone", "words", "published", "outlet"], rows)
    report = import_variables(p, str(path), match)
    assert report.matched == 2
    shown = match if match != "auto" else "title"
    assert report.unmatched == [f"row 4 ({shown} 'nothing like it')"]
    assert _row(p, ids[0]).items() >= {"tone": "pos", "words": "10", "published": "2024-01-05",
                                       "outlet": "Daily News"}.items()
    assert _row(p, ids[1])["tone"] == "neg" and _row(p, ids[1])["words"] is None
    assert _row(p, ids[1])["outlet"] == "Weekly"  # a blank cell leaves the value
    p.undo()
    assert _row(p, ids[0])["tone"] is None and _row(p, ids[0])["outlet"] == "Daily"


def test_import_reports_ambiguous_rows_and_unknown_columns(vproject, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p, ids = vproject
    path = _sheet(tmp_path, ".csv", ["title", "source_file", "tone", "mood"],
                  [["Same", "", "pos", "x"], ["Same", "d.md", "neu", "y"]])
    report = import_variables(p, str(path), "auto")
    assert report.ambiguous == ["row 2 (title 'Same') matches 2 documents"]
    assert report.ignored_columns == ["mood"]
    assert report.matched == 1 and _row(p, ids[3])["tone"] == "neu"  # auto fell back to file
    strict = import_variables(p, str(path), "title")
    assert len(strict.ambiguous) == 2 and strict.matched == 0
    assert any("mood" in line for line in report.lines())


def test_import_refuses_every_value_when_one_is_bad(vproject, tmp_path, dump) -> None:  # type: ignore[no-untyped-def]
    p, ids = vproject
    before = dump(p, TABLES)
    path = _sheet(tmp_path, ".csv", ["id", "tone", "words"],
                  [[ids[0], "pos", 1], [ids[1], "pos", "many"]])
    with pytest.raises(OperationError, match="words is a number: 'many'"):
        import_variables(p, str(path))
    assert dump(p, TABLES) == before
    nokey = _sheet(tmp_path, ".csv", ["tone"], [["pos"]])
    with pytest.raises(OperationError, match="no column to match"):
        import_variables(p, str(nokey))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_into_a_copy(vproject, tmp_path, suffix) -> None:  # type: ignore[no-untyped-def]
    p, ids = vproject
    p.run(SetVariableValues([(ids[0], "tone", "pos"), (ids[0], "words", "7"),
                             (ids[1], "note", "=1+1"), (ids[2], "published", "2020-05-06")]))
    out = tmp_path / f"out{suffix}"
    assert export_variables(p, str(out)) == 4
    header, rows = read_sheet(out)
    assert header[:4] == ["id", "title", "sha256", "source_file"]
    assert header[4:] == variable_names(p)
    if suffix == ".xlsx":
        assert rows[0][header.index("words")] == 7  # a number cell, not text
        assert rows[1][header.index("note")] == "=1+1"  # text, not a formula
    table = variable_table(p)
    p.run(DeleteVariable("tone"))
    p.run(DefineVariable("tone", "category", "neg,neu,pos"))
    p.run(SetVariableValues([(ids[1], "note", None)]))
    report = import_variables(p, str(out))
    assert report.matched == 4 and not report.unmatched
    assert variable_table(p) == table


def test_dataset_jsonl_carries_variables_in_metadata(vproject, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p, ids = vproject
    p.run(SetVariableValues([(ids[0], "tone", "pos"), (ids[0], "words", "2.5"),
                             (ids[1], "published", "2021-01-02")]))
    out = tmp_path / "data.jsonl"
    export_path(p, out)
    snap, _ = read_dataset(out)
    meta = {d.id: d.metadata for d in snap.documents}
    assert meta[ids[0]]["tone"] == "pos" and meta[ids[0]]["words"] == "2.5"
    assert meta[ids[0]]["outlet"] == "Daily"
    with Project(tmp_path / "other.sqlite") as other:
        other.run(DefineVariable("tone", "category", ["neg", "neu", "pos"]))
        other.run(DefineVariable("words", "number"))
        other.import_snapshot(snap, labels="add_missing")
        rows = dict(variable_table(other))
        assert rows[ids[0]]["tone"] == "pos" and rows[ids[0]]["words"] == "2.5"
        # not defined here: stays document metadata, still in the table (as text)
        assert rows[ids[1]]["published"] == "2021-01-02"
        assert "tone" not in other.q.document_infos([ids[0]])[0].metadata
        other.undo()
        assert other.q.document_count() == 0
        assert dict(variable_table(other)) == {}


def test_cli(run_cli, tmp_path, article) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.sqlite"
    with Project(path) as p:
        ids = _docs(p, article)
    base = ("--project", path, "variable")
    assert run_cli(*base, "define", "tone", "--type", "category", "--categories", "a,b")[0] == 0
    assert run_cli(*base, "define", "n", "--type", "number")[0] == 0
    code, out, _ = run_cli(*base, "list")
    assert "tone\tcategory\ta, b" in out and "outlet\ttext (built-in)" in out
    code, out, _ = run_cli(*base, "set", ids[0][:8], "tone", "B")
    assert (code, out.strip()) == (0, "set: tone=b")
    code, _, err = run_cli(*base, "set", ids[0], "n", "lots")
    assert code == 1 and err.strip() == "error: n is a number: 'lots' is not one"
    sheet = tmp_path / "in.csv"
    with open(sheet, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["file", "n"], ["alpha.md", "3"], ["zzz.md", "4"]])
    code, out, _ = run_cli(*base, "import", sheet, "--match", "file")
    assert code == 0 and "1 row(s) matched" in out and "unmatched: row 3 (file 'zzz.md')" in out
    exported = tmp_path / "out.csv"
    assert run_cli(*base, "export", exported)[0] == 0
    header, rows = read_sheet(exported)
    assert rows[0][header.index("n")] == "3" and rows[0][header.index("tone")] == "b"
    code, out, _ = run_cli(*base, "rename", "n", "count")
    assert code == 0
    code, out, _ = run_cli(*base, "delete", "count", "--yes")
    assert code == 0 and "1 value" in out
    assert run_cli("--project", path, "undo")[0] == 0
    code, out, _ = run_cli(*base, "list", "--values")
    assert out.splitlines()[0].endswith("tone\tcount") and out.splitlines()[1].endswith("b\t3")


def test_refi_qda_carries_variables_as_variable_values(vproject, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from desk_annotator.io.refi_qda import read_qdpx

    p, ids = vproject
    p.run(SetVariableValues([(ids[0], "tone", "neg"), (ids[1], "words", "40")]))
    out = tmp_path / "p.qdpx"
    export_path(p, out)
    snap = read_qdpx(out)[0]
    meta = {d.id: d.metadata for d in snap.documents}
    assert meta[ids[0]]["tone"] == "neg" and meta[ids[1]]["words"] == "40"
    with Project(tmp_path / "other.sqlite") as other:
        other.run(DefineVariable("words", "number"))
        other.import_snapshot(snap, labels="add_missing")
        rows = dict(variable_table(other))
        assert rows[ids[1]]["words"] == "40" and rows[ids[0]]["tone"] == "neg"


def test_a_deleted_document_leaves_the_table_and_comes_back_with_its_values(vproject) -> None:  # type: ignore[no-untyped-def]
    from desk_annotator.ops_documents import DeleteDocument

    p, ids = vproject
    p.run(SetVariableValue(ids[0], "tone", "neu"))
    p.run(DeleteDocument(ids[0]))
    assert ids[0] not in dict(variable_table(p))
    p.undo()
    assert _row(p, ids[0])["tone"] == "neu"


def test_a_jsonl_value_that_does_not_fit_stays_metadata_with_a_warning(vproject, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p, ids = vproject
    p.run(SetVariableValue(ids[0], "note", "several"))
    out = tmp_path / "data.jsonl"
    export_path(p, out)
    snap, _ = read_dataset(out)
    with Project(tmp_path / "other.sqlite") as other:
        other.run(DefineVariable("note", "number"))
        report = other.import_snapshot(snap, labels="add_missing")
        assert any("note is a number: 'several'" in w for w in report.warnings)
        assert other.q.document_infos([ids[0]])[0].metadata["note"] == "several"
        assert dict(variable_table(other))[ids[0]]["note"] is None


def test_a_file_that_is_no_sheet_is_one_clear_error(vproject, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from desk_annotator.errors import FormatError

    p, _ = vproject
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(FormatError, match="not a readable XLSX file"):
        import_variables(p, str(bad))
    with pytest.raises(FormatError, match=r"a variable table is a \.csv or \.xlsx file"):
        import_variables(p, str(tmp_path / "v.ods"))

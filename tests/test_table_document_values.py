"""The built-in document variables the tables group by (store/table_queries.document_values,
month and year cut from the date in Python) equal what VARIABLES' SQL expressions give, on
metadata as messy as other programs write it; and a crosstab by each of them is the same from
the trigger-kept counts as from every annotation (the counts' document ids are read with a
literal separator)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from desk_annotator.analysis import tables
from desk_annotator.analysis.table_facts import facts_for
from desk_annotator.models import (
    Annotation,
    Codebook,
    Coder,
    Document,
    Label,
    ProjectSnapshot,
)
from desk_annotator.project import Project
from desk_annotator.store.table_queries import VARIABLES
from desk_annotator.text import sha256_text

# (outlet, author, date, extra metadata) per document; None = not set
MESSY = [
    ("Times", "Ann", "2024-01-10", {"language": "en"}),
    ("  Times ", " Ann", " 2024-01-10 ", {"language": " en "}),
    ("\tTimes", "", "2024-1-5", {"language": ""}),
    ("Post 📰", None, "2024-01", {"language": "de", "x": 1}),
    ("", "Bo", "2024", {}),
    ("   ", "Bo", "   ", {"language": None}),
    (None, "Çé", None, {"language": 5}),
    ("Post 📰", "𝔘𝔫𝔦", "２０２４-01-01", {"language": "fr"}),
    ("Post", "Bo", "abcd-ef", {"lang": "en"}),
    ("Post", "Bo", "2024-01-10T08:00:00+00:00", {"language": "en\r\n"}),
    ("Post", "Bo", "2024-0", {"language": "𝔢𝔫"}),
    ("Post", "Bo", "12345-67", {"language": "en"}),
    ("Post", "Bo", "2024-12-31\r\n", {"language": "en"}),
]


def _build(path: Path) -> Project:
    stance = [Label(scheme="stance", name=n, order=i) for i, n in enumerate(("pro", "con"))]
    codebook = Codebook(name="t", labels=stance)
    coders = [Coder(name="c1"), Coder(name="c2")]
    docs, anns = [], []
    for i, (outlet, author, date, extra) in enumerate(MESSY):
        text = f"document {i} " + "word " * 20
        meta = {k: v for k, v in (("outlet", outlet), ("author", author), ("date", date))
                if v is not None}
        doc = Document(title=f"D{i}", text=text, sha256=sha256_text(text), metadata=meta)
        docs.append(doc)
        for k in range(i % 4 + 1):
            start = 2 * k
            anns.append(Annotation(document_id=doc.id, coder_id=coders[k % 2].id,
                                   start=start, end=start + 5 + k,
                                   quote=text[start:start + 5 + k],
                                   stance_id=stance[(i + k) % 2].id if k != 2 else None))
    project = Project(path)
    project.import_codebook(codebook)
    project.import_snapshot(ProjectSnapshot(codebook=codebook, coders=coders, documents=docs,
                                            annotations=anns), labels="strict")
    conn = project.store.db.conn  # the extra metadata as another program writes it
    for doc, (_, _, _, extra) in zip(docs, MESSY):
        conn.execute("UPDATE documents SET extra_metadata = ? WHERE id = ?",
                     [json.dumps(extra), doc.id])
    conn.commit()
    return project


@pytest.fixture
def messy(tmp_path: Path):
    with _build(tmp_path / "m.sqlite") as project:
        yield project


def test_every_builtin_variable_equals_its_sql_expression(messy):
    facts = facts_for(messy, themes=False, detail=False)
    conn = messy.store.db.conn
    for name, sql in VARIABLES.items():
        want = [r[0] for r in conn.execute(f"SELECT {sql} FROM documents d ORDER BY d.rowid")]
        assert facts.variable_values(name) == want, name
    months = facts.variable_values("month")
    assert "2024-01" in months and "２０２４-01" not in [m for m in months if m]
    assert facts.variable_values("year").count(None) == 4  # '', '   ', None, 'abcd-ef'
    with pytest.raises(KeyError):
        facts.variable_values("no such variable")


def test_crosstab_by_each_variable_same_from_counts_as_from_annotations(messy, tmp_path):
    counted = {(by, unit): tables.crosstab(messy, by=by, unit=unit).to_json()
               for by in VARIABLES for unit in tables.UNITS}
    path = messy.path
    messy.close()
    conn = sqlite3.connect(path)  # with a count trigger gone the tables read every annotation
    conn.execute("DROP TRIGGER label_summary_annotation_insert")
    conn.commit()
    conn.close()
    with Project(path) as project:
        assert facts_for(project, themes=False, detail=False).counted is False
        for (by, unit), want in counted.items():
            assert tables.crosstab(project, by=by, unit=unit).to_json() == want, (by, unit)


def test_counts_read_without_characters_then_with_them(messy, tmp_path):
    """A crosstab or timeline reads the counts without the characters; a frequencies table
    after it on the same open project reads them then: the same rows as in a fresh project."""
    tables.crosstab(messy, by="outlet")
    tables.timeline(messy)
    facts = facts_for(messy, themes=False, detail=False, lengths=False)
    assert facts.counted and "length" not in facts.summary("stance")
    after = tables.frequencies(messy, by="outlet").tables[0].rows
    assert "length" in facts_for(messy, themes=True, detail=False).summary("stance")
    crosstab_again = tables.crosstab(messy, by="outlet").to_json()
    path = messy.path
    messy.close()
    with Project(path) as fresh:
        assert tables.frequencies(fresh, by="outlet").tables[0].rows == after
        assert tables.crosstab(fresh, by="outlet").to_json() == crosstab_again
        assert any(row[-2] for row in after)  # characters counted, not zeros


def test_frequencies_per_coder_read_no_documents_and_later_tables_do(messy):
    """Frequencies per coder read only the kept totals; a table after them on the same open
    project reads the documents then, and gives what it gives in a fresh process."""
    want_crosstab = tables.crosstab(messy, by="month").to_json()
    want_by_doc = tables.frequencies(messy, by="document").tables[0].rows
    path = messy.path
    messy.close()
    with Project(path) as project:
        per_coder = tables.frequencies(project).tables[0].rows
        facts = facts_for(project, themes=True, detail=False, totals=True)
        assert facts.counted and not facts.has_documents and facts.doc_ids == []
        assert per_coder and tables.crosstab(project, by="month").to_json() == want_crosstab
        assert facts_for(project, detail=False).has_documents
        assert tables.frequencies(project, by="document").tables[0].rows == want_by_doc
        assert tables.frequencies(project).tables[0].rows == per_coder

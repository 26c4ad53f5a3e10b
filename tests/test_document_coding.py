"""Article-level coding: ops and undo, deletion round trips, CLI, JSONL/REFI-QDA round trips,
merges, and the document-level agreement against hand-computed values."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from desk_annotator.document_coding import codings_by_name, document_coding
from desk_annotator.errors import DeskAnnotatorError
from desk_annotator.models import GOLD_CODER
from desk_annotator.ops import DeleteDocuments
from desk_annotator.ops_document_coding import (
    AcceptDocumentCoding,
    ClearDocumentCoding,
    SetDocumentCoding,
    SetDocumentNote,
    SetDocumentStance,
    ToggleDocumentTheme,
)
from desk_annotator.ops_documents import DeleteDocument
from desk_annotator.project import Project
from desk_annotator.project_io import (
    agreement_report,
    export_coder_package,
    export_path,
    import_paths,
    merge_projects,
)

XSD = Path("/work/shared/refi-qda/Project.xsd")
TABLES = ("document_codings", "document_coding_themes")


def by_title(project: Project) -> dict[str, dict[str, dict]]:
    """Article codings by document title and coder, without the times."""
    titles = {d.id: d.title for d in project.q.document_infos()}
    return {titles[d]: {c: {k: v for k, v in x.items() if k != "updated"}
                        for c, x in per.items()}
            for d, per in codings_by_name(project).items()}


@pytest.fixture
def coded(seeded):
    p, ids = seeded
    c1, c2 = ids["coders"]
    lab = {k: v.id for k, v in ids["labels"].items()}
    d0, d1, _ = ids["docs"]
    p.run(SetDocumentCoding(d0, c1.id, lab["critical"], [lab["safety"], lab["open source"]],
                            "the whole piece"), c1.id)
    p.run(SetDocumentCoding(d0, c2.id, lab["supportive"], [lab["safety"]]), c2.id)
    p.run(SetDocumentCoding(d1, c2.id, None, [lab["export controls"]]), c2.id)
    return SimpleNamespace(p=p, c1=c1.id, c2=c2.id, lab=lab, d0=d0, d1=d1, ids=ids)


# -- ops ---------------------------------------------------------------------------------------

def test_ops_set_toggle_note_clear_and_undo_redo(coded, dump):
    p, c1, lab, d0 = coded.p, coded.c1, coded.lab, coded.d0
    c = document_coding(p, d0, c1)
    assert (c.stance_id, set(c.theme_ids), c.note) == \
        (lab["critical"], {lab["safety"], lab["open source"]}, "the whole piece")
    p.run(ToggleDocumentTheme(d0, c1, lab["safety"]), c1)
    assert document_coding(p, d0, c1).theme_ids == (lab["open source"],)
    p.run(ToggleDocumentTheme(d0, c1, lab["safety"]), c1)
    assert set(document_coding(p, d0, c1).theme_ids) == {lab["safety"], lab["open source"]}
    before = dump(p, TABLES)
    p.run(SetDocumentStance(d0, c1, lab["supportive"]), c1)
    p.run(SetDocumentNote(d0, c1, "  "), c1)  # blank clears the note
    assert document_coding(p, d0, c1).note is None
    assert p.undo(c1) == "Article note" and p.undo(c1) == "Article stance: supportive"
    assert dump(p, TABLES) == before
    assert p.redo(c1) == "Article stance: supportive"
    assert document_coding(p, d0, c1).stance_id == lab["supportive"]
    assert p.run(ClearDocumentCoding(d0, c1), c1) is True
    assert document_coding(p, d0, c1) is None
    assert p.run(ClearDocumentCoding(d0, c1), c1) is False  # nothing left: no action recorded
    p.undo(c1)
    assert document_coding(p, d0, c1).stance_id == lab["supportive"]


def test_a_coding_with_nothing_left_is_removed(coded):
    p, c2, lab, d1 = coded.p, coded.c2, coded.lab, coded.d1
    p.run(ToggleDocumentTheme(d1, c2, lab["export controls"]), c2)
    assert document_coding(p, d1, c2) is None
    assert p.store.db.execute("SELECT count(*) FROM document_codings WHERE document_id = ?",
                              (d1,)).fetchone()[0] == 0


@pytest.mark.parametrize("op", [
    lambda c: SetDocumentStance(c.d0, c.c1, c.lab["safety"]),  # a theme as stance
    lambda c: SetDocumentCoding(c.d0, c.c1, theme_ids=[c.lab["critical"]]),
    lambda c: ToggleDocumentTheme(c.d0, c.c1, "no-such-label"),
    lambda c: SetDocumentStance("no-such-document", c.c1, c.lab["critical"]),
    lambda c: SetDocumentStance(c.d0, "no-such-coder", c.lab["critical"]),
    lambda c: SetDocumentNote(c.d0, c.c1, "x" * 20_001),
    lambda c: AcceptDocumentCoding(c.d1, c.c1),  # coder-1 has not coded d1
])
def test_bad_input_is_one_error_and_changes_nothing(coded, dump, op):
    before = dump(coded.p, TABLES + ("history",))
    with pytest.raises(DeskAnnotatorError) as err:
        coded.p.run(op(coded), coded.c1)
    assert "\n" not in str(err.value)
    assert dump(coded.p, TABLES + ("history",)) == before


@pytest.mark.parametrize("make", [lambda d: DeleteDocument(d), lambda d: DeleteDocuments([d])])
def test_deleting_a_document_takes_its_article_codings_and_undo_restores_them(coded, dump, make):
    p, d0 = coded.p, coded.d0
    before = dump(p, TABLES)
    p.run(make(d0))
    assert all(row[0][1] != d0 for t in TABLES for row in dump(p, TABLES)[t])
    assert d0 not in codings_by_name(p)
    p.undo()
    assert dump(p, TABLES) == before
    p.redo()
    assert d0 not in codings_by_name(p)


def test_label_deletion_and_merge_reach_article_codings(coded, dump):
    p, lab, d0, d1, c2 = coded.p, coded.lab, coded.d0, coded.d1, coded.c2
    with pytest.raises(DeskAnnotatorError, match="article coding"):
        p.delete_label(lab["export controls"])
    before = dump(p, TABLES)
    p.delete_label(lab["export controls"], force=True)
    assert document_coding(p, d1, c2) is None  # its only theme went: the coding is gone
    p.undo()
    assert dump(p, TABLES) == before
    p.merge_labels(lab["open source"], lab["safety"])  # coder-1 had both: one left
    assert document_coding(p, d0, coded.c1).theme_ids == (lab["safety"],)
    p.merge_labels(lab["supportive"], lab["critical"])
    assert document_coding(p, d0, c2).stance_id == lab["critical"]


def test_accept_into_gold_replaces_golds_coding(coded):
    p, d0 = coded.p, coded.d0
    p.run(AcceptDocumentCoding(d0, coded.c1))
    p.run(AcceptDocumentCoding(d0, coded.c2))
    assert by_title(p)["Doc 0"][GOLD_CODER] == {"stance": "supportive", "themes": ["safety"],
                                                "note": None}
    p.undo()
    assert by_title(p)["Doc 0"][GOLD_CODER]["stance"] == "critical"


# -- command line -------------------------------------------------------------------------------

def test_cli_set_list_clear_accept_and_undo(seeded, project_path, run_cli):
    seeded[0].close()
    base = ("--project", project_path)
    code, out, err = run_cli(*base, "article", "set", "Doc 0", "--coder", "coder-1",
                             "--stance", "Critical", "--themes", "safety,open source",
                             "--note", "overall")
    assert code == 0, err
    assert "critical\topen source; safety\tnote: overall" in out
    code, out, _ = run_cli(*base, "article", "list", "--json")
    listed = json.loads(out)
    assert [c["themes"] for per in listed.values() for c in per.values()] == \
        [["open source", "safety"]]
    code, out, err = run_cli(*base, "article", "set", "Doc 1", "--coder", "coder-1",
                             "--themes", "safety,nope,zz")
    assert code == 1 and err.count("\n") == 1 and "nope, zz" in err
    code, _, err = run_cli(*base, "article", "set", "No such title", "--coder", "coder-1",
                           "--stance", "critical")
    assert code == 1 and "no document with id or title" in err
    assert run_cli(*base, "article", "accept", "Doc 0", "--from", "coder-1")[0] == 0
    code, out, _ = run_cli(*base, "article", "list", "--coder", GOLD_CODER)
    assert out.count("\n") == 1 and "\tgold\tcritical\topen source; safety" in out
    code, out, _ = run_cli(*base, "article", "clear", "Doc 0", "--coder", "coder-1")
    assert code == 0 and out.startswith("cleared:")
    assert "Clear the article coding" in run_cli(*base, "undo", "--coder", "coder-1")[1]
    assert run_cli(*base, "article", "list", "-o", project_path.parent / "a.csv")[0] == 0
    rows = (project_path.parent / "a.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "document_id,title,coder,stance,themes,note,updated" and len(rows) == 3


# -- exchange formats, packages and merges --------------------------------------------------------

def test_jsonl_round_trip_is_exact_and_idempotent(coded, tmp_path):
    export_path(coded.p, tmp_path / "out.jsonl")
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert lines[0]["document_coding"]["coder-1"]["stance"] == "critical"
    assert "document_coding" not in lines[2]  # no article coding: no key (additive)
    with Project(tmp_path / "b.sqlite") as other:
        other.import_codebook(coded.p.q.codebook())
        report = import_paths(other, [tmp_path / "out.jsonl"])
        assert report.document_codings_set == 3
        assert by_title(other) == by_title(coded.p)
        assert import_paths(other, [tmp_path / "out.jsonl"]).document_codings_set == 0


def test_jsonl_with_an_unknown_article_label_is_refused(coded, tmp_path, dump):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"text": "A new text.", "document_coding": {
        "coder-1": {"stance": "enthusiastic", "themes": []}}}) + "\n", encoding="utf-8")
    before = dump(coded.p)
    report = import_paths(coded.p, [path])
    assert len(report.refused) == 1 and "enthusiastic (stance)" in report.refused[0]
    assert dump(coded.p) == before


def test_refi_qda_export_validates_and_imports_back_the_same(coded, tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    export_path(coded.p, tmp_path / "out.qdpx")
    qde = zipfile.ZipFile(tmp_path / "out.qdpx").read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(XSD)).validate(qde)
    assert qde.count("<Coding ") >= 6  # 3 + 2 + 1 source-level codings, beside the passages'
    with Project(tmp_path / "c.sqlite") as other:
        report = import_paths(other, [tmp_path / "out.qdpx"])
        assert not [w for w in report.warnings if "whole document" in w]
        assert by_title(other) == by_title(coded.p)
        assert codings_by_name(other)  # times kept too
        times = sorted(c["updated"] for per in codings_by_name(other).values()
                       for c in per.values())
        assert times == sorted(c["updated"] for per in codings_by_name(coded.p).values()
                               for c in per.values())


def test_coder_package_and_merge_carry_article_codings(coded, tmp_path):
    p = coded.p
    export_coder_package(p, tmp_path / "pkg.sqlite", "coder-2")
    with Project(tmp_path / "pkg.sqlite") as package:
        assert set(by_title(package)["Doc 0"]) == {"coder-2"}  # only that coder's work
        me = package.require_coder("coder-2").id
        doc = next(d.id for d in package.q.document_infos() if d.title == "Doc 0")
        crit = next(lb.id for lb in package.q.labels() if lb.name == "critical")
        package.run(SetDocumentStance(doc, me, crit), me)
    merge_projects(p, [tmp_path / "pkg.sqlite"])
    assert by_title(p)["Doc 0"]["coder-2"]["stance"] == "critical"  # the newer coding
    again = merge_projects(p, [tmp_path / "pkg.sqlite"])
    assert again.document_codings_set == 0


# -- document-level agreement ----------------------------------------------------------------------

# Coders A, B, C; stance pro/con; theme t1 (t2 never given). "-": not coded at article level.
#        d1        d2       d3      d4       d5      d6
# A   pro,t1    con,t1   pro,t1    con     pro,t1   pro     (d6: A alone -> not a unit)
# B   pro,t1    con      con,t1    con     pro,t1    -
# C   pro,t1    pro       -        con      -        -
DESIGN = {"d1": {"A": ("pro", 1), "B": ("pro", 1), "C": ("pro", 1)},
          "d2": {"A": ("con", 1), "B": ("con", 0), "C": ("pro", 0)},
          "d3": {"A": ("pro", 1), "B": ("con", 1)},
          "d4": {"A": ("con", 0), "B": ("con", 0), "C": ("con", 0)},
          "d5": {"A": ("pro", 1), "B": ("pro", 1)},
          "d6": {"A": ("pro", 0)}}


@pytest.fixture
def agreement_project(project, article):
    project.add_documents([article(t, f"Article {t} text.") for t in DESIGN])
    lab = {n: project.add_label(s, n).id for s, n in
           (("stance", "pro"), ("stance", "con"), ("themes", "t1"), ("themes", "t2"))}
    coders = {n: project.ensure_coder(n).id for n in "ABC"}
    docs = {d.title: d.id for d in project.q.document_infos()}
    for title, per in DESIGN.items():
        for coder, (stance, t1) in per.items():
            project.run(SetDocumentCoding(docs[title], coders[coder], lab[stance],
                                          [lab["t1"]] if t1 else []), coders[coder])
    return project


def test_document_level_agreement_matches_hand_computed_values(agreement_project):
    section = agreement_report(agreement_project, bootstrap=300)["document_level"]
    assert section["documents"] == 5 and section["documents_single_coder"] == 1
    stance = section["stance"]
    # Coincidences o_pp=5, o_cc=4, o_pc=o_cp=2; n=13: α = 1 - 4 / ((169-49-36)/12) = 3/7.
    assert stance["alpha"] == pytest.approx(3 / 7)
    # Gwet (2014) with missing ratings: p_a = (1+1/3+0+1+1)/5 = 2/3; π_pro = 17/30.
    assert stance["percent_agreement"] == pytest.approx(2 / 3)
    assert stance["fleiss_kappa"] == pytest.approx(71 / 221)  # (600-458)/(900-458)
    assert stance["gwet_ac1"] == pytest.approx(79 / 229)  # (600-442)/(900-442)
    assert stance["categories_q"] == 2  # every compared coder gave a stance: no "none"
    kappas = {tuple(p["coders"]): p["cohen_kappa"] for p in stance["pairs"]}
    assert kappas[("A", "B")] == pytest.approx(8 / 13)  # po 4/5, pe 12/25
    assert kappas[("A", "C")] == pytest.approx(0.4) and kappas[("B", "C")] == pytest.approx(0.4)
    t1 = section["themes"]["t1"]
    # o_11=7, o_00=4, o_01=o_10=1: α = 1 - 2/(80/12) = 0.7; p_a = 13/15, π_1 = 2/3.
    assert t1["alpha"] == pytest.approx(0.7)
    assert t1["fleiss_kappa"] == pytest.approx(0.7) and t1["gwet_ac1"] == pytest.approx(19 / 25)
    assert t1["percent_agreement"] == pytest.approx(13 / 15)
    assert section["themes"]["t2"]["alpha"] is None and "alpha" in \
        section["themes"]["t2"]["reasons"]
    for block in (stance, t1):
        for key in ("ci95", "ci95_fleiss_kappa", "ci95_gwet_ac1", "ci95_percent_agreement"):
            lo, hi = block[key]
            assert -1.0 <= lo <= hi <= 1.0
    assert section["warnings"]  # 5 documents: the intervals are rough


def test_document_level_alpha_agrees_with_the_krippendorff_package(agreement_project):
    krippendorff = pytest.importorskip("krippendorff")
    section = agreement_report(agreement_project, bootstrap=0)["document_level"]
    code = {"pro": 1.0, "con": 2.0}
    rows = [[code[DESIGN[d][c][0]] if c in DESIGN[d] else np.nan for d in DESIGN] for c in "ABC"]
    expected = krippendorff.alpha(reliability_data=rows, level_of_measurement="nominal")
    assert section["stance"]["alpha"] == pytest.approx(expected)
    themes = [[float(DESIGN[d][c][1]) if c in DESIGN[d] else np.nan for d in DESIGN]
              for c in "ABC"]
    assert section["themes"]["t1"]["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=themes, level_of_measurement="nominal"))
    assert section["stance"]["reasons"]["ci95"] == "bootstrap disabled (0 resamples)"


def test_agreement_report_files_carry_the_document_level_section(agreement_project, tmp_path):
    from desk_annotator.project_io import write_agreement_report

    for suffix in (".md", ".html", ".csv"):
        write_agreement_report(agreement_project, tmp_path / f"r{suffix}", bootstrap=50)
    assert "Article level (documents as units)" in (tmp_path / "r.md").read_text("utf-8")
    assert "Article level (documents as units)" in (tmp_path / "r.html").read_text("utf-8")
    assert "document_stance,,alpha," in (tmp_path / "r.csv").read_text("utf-8")


def test_source_level_codings_of_another_tool_become_article_codings(coded, tmp_path):
    """A whole-document Coding without creatingUser, and without our Set of notes."""
    from xml.etree import ElementTree as ET

    export_path(coded.p, tmp_path / "ours.qdpx")
    with zipfile.ZipFile(tmp_path / "ours.qdpx") as src:
        entries = {n: src.read(n) for n in src.namelist()}
    ns = {"q": "urn:QDA-XML:project:1.0"}
    ET.register_namespace("", ns["q"])
    root = ET.fromstring(entries["project.qde"])
    sets = root.find("q:Sets", ns)
    for set_el in sets.findall("q:Set", ns):
        if set_el.get("name") == "desk-annotator article codings":
            sets.remove(set_el)
    source_codings = [c for src in root.iter(f"{{{ns['q']}}}TextSource")
                      for c in src.findall("q:Coding", ns)]  # direct children only
    assert source_codings
    del source_codings[0].attrib["creatingUser"]
    entries["project.qde"] = ET.tostring(root, encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "theirs.qdpx", "w") as out:
        for name, data in entries.items():
            out.writestr(name, data)
    with Project(tmp_path / "d.sqlite") as other:
        report = import_paths(other, [tmp_path / "theirs.qdpx"])
        got = by_title(other)
        assert any("without any user" in w for w in report.warnings)
        assert got["Doc 1"]["coder-2"]["themes"] == ["export controls"]
        assert got["Doc 0"]["coder-1"]["note"] is None  # the notes were in our Set only
        assert "imported" in {c for per in got.values() for c in per}

"""Document sets in REFI-QDA: written as <Sets><Set><MemberSource/></Set></Sets> (valid against
Project.xsd), read back into a fresh project, merged without duplicates, and read from other
tools' shapes: a MAXQDA-style document set (name and guid only, no Description) and a
QualCoder-style one (with a Description), written here by hand after the shapes those tools
export; a code group (MemberCode) is not carried and is named in a warning."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from desk_annotator.document_sets import document_sets, set_members
from desk_annotator.ops_sets import CreateSet
from desk_annotator.project import Project
from desk_annotator.project_io import export_path, import_paths

SHARED = Path(__file__).resolve().parents[2] / "shared" / "refi-qda"
NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture
def with_sets(tmp_path):
    project = Project(tmp_path / "a.sqlite")
    project.add_documents([SimpleNamespace(title=t, text=f"Text of {t}.", metadata={})
                           for t in ("Alpha", "Beta", "Gamma")])
    ids = {d.title: d.id for d in project.q.document_infos()}
    project.run(CreateSet("pilot", [ids["Alpha"], ids["Gamma"]], "first wave"))
    project.run(CreateSet("beta only", [ids["Beta"]]))
    project.run(CreateSet("empty"))
    yield project, ids
    project.close()


def titles(project, name):
    by_id = {d.id: d.title for d in project.q.document_infos()}
    return [by_id[d] for d in set_members(project, name)]


def test_sets_are_written_valid_and_read_back(with_sets, tmp_path):
    project, ids = with_sets
    out = tmp_path / "p.qdpx"
    export_path(project, out)
    with zipfile.ZipFile(out) as archive:
        qde = archive.read("project.qde")
    xmlschema.XMLSchema(str(SHARED / "Project.xsd")).validate(ET.fromstring(qde))
    root = ET.fromstring(qde)
    written = {s.get("name"): [m.get("targetGUID") for m in s.findall("q:MemberSource", NS)]
               for s in root.findall("q:Sets/q:Set", NS)}
    assert written["pilot"] == [ids["Alpha"], ids["Gamma"]]
    assert written["beta only"] == [ids["Beta"]]
    assert "empty" not in written  # a set with no exported document is left out
    with Project(tmp_path / "b.sqlite") as fresh:
        report = import_paths(fresh, [out], add_missing_labels=True)
        assert not report.refused
        assert {s.name: s.size for s in document_sets(fresh)} == {"beta only": 1, "pilot": 2}
        assert titles(fresh, "pilot") == ["Alpha", "Gamma"]
        assert next(s for s in document_sets(fresh) if s.name == "pilot").description == \
            "first wave"
        assert not any("set" in w for w in report.warnings)  # nothing lost or foreign
        # Importing again adds no set and no member; undo removes what the import made.
        import_paths(fresh, [out], add_missing_labels=True)
        assert {s.name: s.size for s in document_sets(fresh)} == {"beta only": 1, "pilot": 2}


def test_merge_extends_a_set_of_the_same_name(with_sets, tmp_path):
    project, _ids = with_sets
    out = tmp_path / "p.qdpx"
    export_path(project, out)
    with Project(tmp_path / "c.sqlite") as other:
        other.add_documents([SimpleNamespace(title="Delta", text="Delta text.", metadata={})])
        delta = other.q.document_infos()[0].id
        other.run(CreateSet("PILOT", [delta], "theirs"))
        import_paths(other, [out], add_missing_labels=True)
        assert {s.name: s.size for s in document_sets(other)} == {"PILOT": 3, "beta only": 1}
        assert titles(other, "PILOT") == ["Delta", "Alpha", "Gamma"]


def G(n: int) -> str:
    return f"5E0F{n:04X}-0000-4000-8000-000000000000"


FOREIGN = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Foreign" origin="SomeTool 1.0">
  <Users><User guid="{G(1)}" name="Ana"/></Users>
  <CodeBook><Codes>
    <Code guid="{G(2)}" name="Themes" isCodable="false">
      <Code guid="{G(3)}" name="Jobs" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{G(10)}" name="One" plainTextPath="internal://{G(10)}.txt"/>
    <TextSource guid="{G(11)}" name="Two" plainTextPath="internal://{G(11)}.txt"/>
    <TextSource guid="{G(12)}" name="Three" plainTextPath="internal://{G(12)}.txt"/>
  </Sources>
  <Sets>
    <Set name="Wave 1" guid="{G(20)}">
      <MemberSource targetGUID="{G(10)}"/>
      <MemberSource targetGUID="{G(12)}"/>
    </Set>
    <Set guid="{G(21)}" name="Document group 1">
      <Description>Memo to document group</Description>
      <MemberSource targetGUID="{{{G(11).lower()}}}"/>
      <MemberSource targetGUID="{G(99)}"/>
    </Set>
    <Set guid="{G(22)}" name="Economy codes">
      <MemberCode targetGUID="{G(3)}"/>
    </Set>
  </Sets>
</Project>
"""


def test_other_tools_document_sets_are_read(tmp_path):
    path = tmp_path / "foreign.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", FOREIGN)
        for n, text in ((10, "First text."), (11, "Second text."), (12, "Third text.")):
            archive.writestr(f"sources/{G(n)}.txt", text)
    xmlschema.XMLSchema(str(SHARED / "Project.xsd")).validate(ET.fromstring(FOREIGN.encode()))
    with Project(tmp_path / "d.sqlite") as project:
        report = import_paths(project, [path], add_missing_labels=True)
        assert not report.refused
        sets = {s.name: s for s in document_sets(project)}
        assert set(sets) == {"Wave 1", "Document group 1"}
        assert titles(project, "Wave 1") == ["One", "Three"]
        assert titles(project, "Document group 1") == ["Two"]  # GUID in braces, lower case
        assert sets["Document group 1"].description == "Memo to document group"
        lines = " | ".join(report.warnings)
        assert "1 document set members referring to unknown sources were dropped" in lines
        assert "Economy codes" in lines  # a code group: not carried, said so
